// EventSubscriptions (relay/upstream/mcp/event-subscriptions.ts) against an in-memory client: what it subscribes
// to when a server lists more matching types than the cap, and what it refuses in events/list. The wire
// behaviour (streams, polls, cursors, resume) is tested against a real server process in
// test/integration/upstream/mcp/events-extension.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_EVENT_SUBSCRIPTIONS } from '../../../../relay/config/upstreams.js';
import { EVENTS_METHOD } from '../../../../relay/protocol/mcp-events.js';
import { MemoryEventCursorStore } from '../../../../relay/upstream/mcp/event-cursors.js';
import { EventSubscriptions, type EventsClient } from '../../../../relay/upstream/mcp/event-subscriptions.js';
import { waitFor } from '../../../helpers/wait-for.js';

/** A server that lists `types` (poll only) and answers every poll with nothing new. */
function fakeClient(types: unknown[]): EventsClient & { requests: { method: string; params?: Record<string, unknown> }[] } {
  const requests: { method: string; params?: Record<string, unknown> }[] = [];
  return {
    requests,
    async request(req) {
      requests.push(req);
      if (req.method === EVENTS_METHOD.list) return { events: types };
      if (req.method === EVENTS_METHOD.poll) return { events: [], cursor: 'c0', nextPollMs: 60_000 };
      throw new Error(`unexpected ${req.method}`);
    },
    setNotificationHandler() {},
  };
}

const opened: EventSubscriptions[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

async function start(client: EventsClient, names: string[]) {
  const logs: string[] = [];
  const subs = await EventSubscriptions.start({
    client,
    upstream: 'up',
    config: { enabled: true, subscribe: names.map((name) => ({ name, arguments: {} })) },
    store: new MemoryEventCursorStore(),
    write: () => undefined,
    backlog: () => 0,
    maxBacklog: 100,
    storedIds: [],
    timeoutMs: 1000,
    log: (l) => logs.push(l),
  });
  opened.push(subs);
  return { subs, logs };
}

describe('EventSubscriptions', () => {
  it(`subscribes to at most ${MAX_EVENT_SUBSCRIPTIONS} types however many a glob matches, and says how many it left`, async () => {
    const many = Array.from({ length: MAX_EVENT_SUBSCRIPTIONS + 12 }, (_, i) => ({ name: `t.${i}`, delivery: ['poll'] }));
    const client = fakeClient(many);
    const { subs, logs } = await start(client, ['t.*']);
    expect(subs.stats().subscriptions).toBe(MAX_EVENT_SUBSCRIPTIONS);
    expect(logs.join('\n')).toContain(`12 more event type(s) match but are not subscribed: at most ${MAX_EVENT_SUBSCRIPTIONS} subscriptions per upstream`);
    // Every poll subscription answering at once must fit the writer's queue: 100 (maxBacklog) / 50 polls each.
    const polls = await waitFor(() => {
      const found = client.requests.filter((r) => r.method === EVENTS_METHOD.poll);
      return found.length === MAX_EVENT_SUBSCRIPTIONS ? found : undefined;
    }, { what: 'one poll per subscription' });
    expect(new Set(polls.map((p) => p.params?.maxEvents))).toEqual(new Set([100 / MAX_EVENT_SUBSCRIPTIONS]));
  });

  it('counts the types events/list sends that do not parse, and skips webhook-only ones with the reason', async () => {
    const client = fakeClient([{ name: 'ok', delivery: ['poll'] }, { name: '' }, 42, { name: 'hook', delivery: ['webhook'] }]);
    const { subs, logs } = await start(client, ['*']);
    expect(subs.stats()).toMatchObject({ subscriptions: 1, refused: 1 });
    expect(logs.join('\n')).toContain('2 event type(s) in events/list did not parse');
    expect(logs.join('\n')).toMatch(/hook offers neither push nor poll delivery .*webhook/);
  });

  it('says so when no listed type matches a subscription', async () => {
    const { subs, logs } = await start(fakeClient([{ name: 'a', delivery: ['poll'] }]), ['b.*']);
    expect(subs.stats().subscriptions).toBe(0);
    expect(logs.join('\n')).toContain('the server lists no event type matching b.*');
  });
});
