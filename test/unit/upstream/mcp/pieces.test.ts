// The pure parts of the MCP upstreams: the drop-oldest queue, the content budget, and the event shapes.
import { describe, expect, it } from 'vitest';
import { BoundedQueue } from '../../../../relay/upstream/mcp/bounded-queue.js';
import { capContent } from '../../../../relay/upstream/mcp/resource-content.js';
import { eventsTruncatedEvent, eventTopic, extensionEvent, MAX_EVENT_DATA_CHARS, MAX_EVENT_DATA_DEPTH, MAX_URI_CHARS, MCP_TOPIC, notificationEvent, toPushEvent } from '../../../../relay/upstream/mcp/topics.js';

const NOW = new Date('2026-12-06T00:00:00Z');

describe('BoundedQueue', () => {
  it('keeps the newest `capacity` entries in order and counts what it dropped', () => {
    const q = new BoundedQueue<number>(3);
    for (let i = 1; i <= 7; i++) q.push(i);
    expect(q.size).toBe(3);
    expect(q.takeDropped()).toBe(4);
    expect(q.takeDropped()).toBe(0);
    expect(q.take(2)).toEqual([5, 6]);
    q.push(8);
    q.push(9);
    expect(q.take(10)).toEqual([7, 8, 9]);
    expect(q.size).toBe(0);
  });

  it('refuses a capacity below one', () => {
    expect(() => new BoundedQueue(0)).toThrow(RangeError);
  });
});

describe('capContent', () => {
  it('keeps text within the byte budget without splitting a character, and marks the cut', () => {
    const c = capContent([{ uri: 'x://a', mimeType: 'text/plain', text: 'aé'.repeat(10) }], 8);
    expect(c.items[0]).toEqual({ uri: 'x://a', mime_type: 'text/plain', text: 'aéaéa', bytes: 30, truncated: true });
    expect(c.truncated).toBe(true);
  });

  it('keeps a blob only whole; shares one budget across items; skips unknown shapes', () => {
    const c = capContent([{ uri: 'x://t', text: 'abcd' }, { uri: 'x://b', blob: 'AAAAAAAA' }, 'junk', { uri: 'x://b2', blob: 'AAAA' }], 10);
    expect(c.items.map((i) => [i.uri, i.text ?? i.blob ?? null, i.truncated])).toEqual([
      ['x://t', 'abcd', false],
      ['x://b', null, true],
      ['x://b2', 'AAAA', false],
    ]);
  });
});

describe('notification events', () => {
  it('maps the four notifications to their topics; resources/updated needs a URI', () => {
    expect(notificationEvent('s', 'notifications/tools/list_changed', undefined, NOW)?.topic).toBe(MCP_TOPIC.toolsListChanged);
    expect(notificationEvent('s', 'notifications/prompts/list_changed', {}, NOW)?.topic).toBe(MCP_TOPIC.promptsListChanged);
    expect(notificationEvent('s', 'notifications/resources/list_changed', {}, NOW)?.topic).toBe(MCP_TOPIC.resourcesListChanged);
    expect(notificationEvent('s', 'notifications/resources/updated', {}, NOW)).toBeUndefined();
    expect(notificationEvent('s', 'notifications/message', {}, NOW)).toBeUndefined();
  });

  it('bounds the URI and keeps the subscription id from _meta', () => {
    const e = notificationEvent('s', 'notifications/resources/updated', { uri: `x://${'a'.repeat(5000)}`, _meta: { 'io.modelcontextprotocol/subscriptionId': 'listen:3' } }, NOW)!;
    expect((e.payload.uri as string).length).toBe(MAX_URI_CHARS);
    expect(e.payload.mcp_subscription_id).toBe('listen:3');
    expect(toPushEvent(e, 42)).toMatchObject({ event_id: 42, topic: MCP_TOPIC.resourceUpdated, category: 'mcp', aggregate_type: 'mcp.resource', occurred_at: NOW.toISOString() });
  });
});

describe('Events-extension event shapes', () => {
  const occurrence = { eventId: 'evt-1', name: 'deal.closed', timestamp: '2026-12-05T10:00:00Z', data: { amount: 5 } };
  /** `data` nested `levels` deep: {d: {d: … {}}} (the outer object is level 1). */
  const nested = (levels: number): Record<string, unknown> => {
    let d: Record<string, unknown> = {};
    for (let i = 1; i < levels; i++) d = { d };
    return d;
  };

  it("is an mcp.event.<name> event about the server's event id, with its data and time", () => {
    const e = extensionEvent('crm', occurrence, NOW);
    expect(e.topic).toBe('mcp.event.deal.closed');
    expect(e.occurred_at).toBe('2026-12-05T10:00:00Z');
    expect(e.payload).toEqual({ upstream: 'crm', event: 'deal.closed', event_id: 'evt-1', timestamp: '2026-12-05T10:00:00Z', data: { amount: 5 } });
    expect(toPushEvent(e, 3)).toMatchObject({ event_id: 3, aggregate_type: 'mcp.event', aggregate_id: 'evt-1' });
  });

  it('keeps only safe characters of a type name in the topic, and a bounded length', () => {
    expect(eventTopic('a b\u0007/c*?é')).toBe('mcp.event.a_b__c___');
    expect(eventTopic('n'.repeat(500)).length).toBe('mcp.event.'.length + 150);
  });

  it('replaces data over the size or depth limit by a note, and an unparsable time by the time received', () => {
    const big = extensionEvent('crm', { ...occurrence, data: { blob: 'x'.repeat(MAX_EVENT_DATA_CHARS) } }, NOW);
    expect(big.payload.data).toMatchObject({ omitted: true });
    // As deep as allowed is kept; one level more is not (the stored event adds two: payload.data).
    expect(extensionEvent('crm', { ...occurrence, data: nested(MAX_EVENT_DATA_DEPTH) }, NOW).payload.data).toEqual(nested(MAX_EVENT_DATA_DEPTH));
    expect(extensionEvent('crm', { ...occurrence, data: nested(MAX_EVENT_DATA_DEPTH + 1) }, NOW).payload.data).toMatchObject({ omitted: true });
    expect(extensionEvent('crm', { ...occurrence, timestamp: 'yesterday' }, NOW).occurred_at).toBe(NOW.toISOString());
  });

  it('says in a truncated event which type may have missed events', () => {
    const e = eventsTruncatedEvent('crm', 'deal.closed', NOW);
    expect(e.topic).toBe(MCP_TOPIC.eventsTruncated);
    expect(e.payload).toMatchObject({ upstream: 'crm', event: 'deal.closed', may_have_missed_events: true });
  });
});
