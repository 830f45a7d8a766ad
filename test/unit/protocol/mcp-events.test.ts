// The Events extension draft's wire shapes as the relay reads them (relay/protocol/mcp-events.ts): what counts as
// offering it, which event types parse, which delivery mode is chosen, the poll interval and the stream id.
import { describe, expect, it } from 'vitest';
import {
  chooseDelivery,
  EVENTS_EXTENSION_ID,
  EventOccurrenceSchema,
  MAX_CURSOR_CHARS,
  MAX_EVENT_ID_CHARS,
  MIN_POLL_INTERVAL_MS,
  offersEvents,
  parseEventTypes,
  pollDelay,
  PollResultSchema,
  SUBSCRIPTION_ID_META_KEY,
  subscriptionIdOf,
} from '../../../relay/protocol/mcp-events.js';

describe('offersEvents', () => {
  it('is true for the extension under capabilities.extensions, or the sketch form capabilities.events', () => {
    expect(offersEvents({ extensions: { [EVENTS_EXTENSION_ID]: {} } })).toBe(true);
    expect(offersEvents({ events: { listChanged: true } })).toBe(true);
  });

  it('is false for anything else', () => {
    for (const caps of [undefined, null, 'events', {}, { extensions: {} }, { extensions: { [EVENTS_EXTENSION_ID]: true } }, { extensions: null }, { events: true }, { resources: { subscribe: true } }]) {
      expect(offersEvents(caps)).toBe(false);
    }
  });
});

describe('parseEventTypes', () => {
  it('keeps the types that parse, counts the others, and drops delivery modes it does not know', () => {
    const { types, refused } = parseEventTypes([
      { name: 'deal.closed', delivery: ['push', 'poll', 'carrier-pigeon'] },
      { name: '', delivery: ['push'] },
      { name: 'x'.repeat(201), delivery: ['push'] },
      { delivery: ['poll'] },
      'junk',
      { name: 'hook.only', description: 'd', delivery: ['webhook'], inputSchema: { type: 'object' } },
    ]);
    expect(types.map((t) => [t.name, t.delivery])).toEqual([
      ['deal.closed', ['push', 'poll']],
      ['hook.only', ['webhook']],
    ]);
    expect(refused).toBe(4);
  });
});

describe('chooseDelivery', () => {
  it('prefers push, then poll; webhook alone cannot be used from loopback', () => {
    expect(chooseDelivery({ name: 'a', delivery: ['poll', 'push'] })).toBe('push');
    expect(chooseDelivery({ name: 'a', delivery: ['webhook', 'poll'] })).toBe('poll');
    expect(chooseDelivery({ name: 'a', delivery: ['webhook'] })).toBeUndefined();
    expect(chooseDelivery({ name: 'a', delivery: [] })).toBeUndefined();
  });
});

describe('pollDelay', () => {
  it("honours the server's interval between the floor and a minute", () => {
    expect(pollDelay(undefined, MIN_POLL_INTERVAL_MS)).toBe(1000);
    expect(pollDelay(0, MIN_POLL_INTERVAL_MS)).toBe(1000);
    expect(pollDelay(5000, MIN_POLL_INTERVAL_MS)).toBe(5000);
    expect(pollDelay(10 * 60_000, MIN_POLL_INTERVAL_MS)).toBe(60_000);
  });
});

describe('subscriptionIdOf', () => {
  it("reads the stream's request id from _meta, as a string", () => {
    expect(subscriptionIdOf({ _meta: { [SUBSCRIPTION_ID_META_KEY]: 7 } })).toBe('7');
    expect(subscriptionIdOf({ _meta: { [SUBSCRIPTION_ID_META_KEY]: 'abc' } })).toBe('abc');
  });

  it('is undefined when it is missing or not an id', () => {
    for (const params of [undefined, {}, { _meta: null }, { _meta: 'x' }, { _meta: {} }, { _meta: { [SUBSCRIPTION_ID_META_KEY]: { id: 1 } } }]) {
      expect(subscriptionIdOf(params)).toBeUndefined();
    }
  });
});

describe('occurrence and poll result', () => {
  const ok = { eventId: 'evt-1', name: 'deal.closed', timestamp: '2026-12-06T00:00:00Z', data: { id: 1 }, cursor: 'c1' };

  it('accepts an occurrence with or without a cursor, and a null cursor', () => {
    expect(EventOccurrenceSchema.safeParse(ok).success).toBe(true);
    expect(EventOccurrenceSchema.safeParse({ ...ok, cursor: undefined }).success).toBe(true);
    expect(EventOccurrenceSchema.safeParse({ ...ok, cursor: null }).success).toBe(true);
  });

  it('refuses one over a bound as a whole (a cut id or cursor would dedupe or resume wrongly)', () => {
    expect(EventOccurrenceSchema.safeParse({ ...ok, eventId: 'e'.repeat(MAX_EVENT_ID_CHARS + 1) }).success).toBe(false);
    expect(EventOccurrenceSchema.safeParse({ ...ok, cursor: 'c'.repeat(MAX_CURSOR_CHARS + 1) }).success).toBe(false);
    expect(EventOccurrenceSchema.safeParse({ ...ok, data: 'text' }).success).toBe(false);
    expect(EventOccurrenceSchema.safeParse({ ...ok, eventId: '' }).success).toBe(false);
  });

  it('needs a cursor key in a poll result (null = start from now) and a non-negative nextPollMs', () => {
    expect(PollResultSchema.safeParse({ events: [], cursor: null }).success).toBe(true);
    expect(PollResultSchema.safeParse({ events: [] }).success).toBe(false);
    expect(PollResultSchema.safeParse({ events: [], cursor: 'c', nextPollMs: -1 }).success).toBe(false);
  });
});
