// The inbox follower (relay/client/inbox-follower.ts) and the channel feed on top of it, in this process,
// against a real `push-relay daemon` on a temp home: a gap longer than any page is handed on whole, once and in
// order; a relay.json that names another relay moves the follower over.
import { writeFileSync, readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InboxFollower, type FollowerState } from '../../../relay/client/inbox-follower.js';
import { ChannelFeed } from '../../../relay/local/mcp/channel-feed.js';
import type { ApiEvent } from '../../../relay/protocol/local-api.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startRelayHarness, type RelayHarness } from '../hooks/harness.js';

/** The harness's tenant (test/integration/hooks/harness.ts). */
const TENANT = 't1';

let h: RelayHarness;
const stops: (() => unknown)[] = [];

beforeAll(async () => {
  h = await startRelayHarness();
}, 60_000);

afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

afterAll(async () => {
  await h?.close();
});

const head = async (harness = h) => (await harness.api.get<{ head: number }>('/v1/events?limit=1')).head;

/** Emits `n` events upstream without waiting for each; resolves with their ids once the relay holds them all. */
async function emitMany(n: number, topic = 'deal.created'): Promise<number[]> {
  const before = await head();
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push((await h.server.emit(TENANT, { topic, payload: { i } })).event_id);
  await waitFor(async () => (await head()) >= before + n, { what: `${n} events in the inbox`, timeoutMs: 60_000, intervalMs: 50 });
  return ids;
}

function collect() {
  const events: ApiEvent[] = [];
  const states: FollowerState[] = [];
  return { events, states, ids: () => events.map((e) => e.event_id), onEvents: (batch: ApiEvent[]) => void events.push(...batch), onState: (s: FollowerState) => void states.push(s) };
}

const connectedCount = (states: FollowerState[]) => states.filter((s) => s.state === 'connected').length;

/**
 * Once `connected()`: one event, a stop, 500 events landing in the inbox, a start, one live event. Resolves
 * with the ids handed on and the ids expected (all of them, once, in order).
 */
async function acrossAGap(got: ReturnType<typeof collect>, control: { start(): void; stop(): void }, connected: () => boolean) {
  control.start();
  await waitFor(connected, { what: 'the follower to connect', timeoutMs: 20_000 });
  const first = await h.emit('deal.created', { name: 'before the gap' });
  await waitFor(() => got.ids().includes(first.event_id), { what: 'the first event', timeoutMs: 20_000 });
  control.stop();
  const gap = await emitMany(500);
  control.start();
  // Handed on in order, the live event comes after the whole gap: once it is here, everything is.
  const live = await h.emit('deal.created', { name: 'after the gap' });
  await waitFor(() => got.ids().includes(live.event_id), { what: 'a live event after the gap', timeoutMs: 60_000 });
  return { handed: got.ids(), expected: [first.event_id, ...gap, live.event_id] };
}

describe('inbox follower', () => {
  it('by seq: a gap of 500 events while stopped, read in pages of 100, comes out whole, once, in order', async () => {
    const got = collect();
    const follower = new InboxFollower({ home: h.home.path, follow: { by: 'seq' }, pageSize: 100, onEvents: got.onEvents, onState: got.onState });
    stops.push(() => follower.stop());
    const { handed, expected } = await acrossAGap(got, follower, () => connectedCount(got.states) >= 1);
    expect(handed).toEqual(expected);
  }, 120_000);

  it('by seq with a topic: pages hold only matches, and none is skipped between pages', async () => {
    const got = collect();
    const follower = new InboxFollower({ home: h.home.path, follow: { by: 'seq', topic: 'ticket.*' }, pageSize: 10, onEvents: got.onEvents, onState: got.onState });
    stops.push(() => follower.stop());
    follower.start();
    await waitFor(() => connectedCount(got.states) === 1, { what: 'the follower to connect', timeoutMs: 20_000 });
    follower.stop();
    await emitMany(30, 'deal.created');
    const tickets = await emitMany(25, 'ticket.created');
    await emitMany(30, 'deal.created');
    follower.start();
    const last = await h.emit('ticket.created', { name: 'live' });
    await waitFor(() => got.ids().includes(last.event_id), { what: 'a live ticket', timeoutMs: 60_000 });
    expect(got.ids()).toEqual([...tickets, last.event_id]);
  }, 120_000);

  it('moves to the relay relay.json names now, though the old one still answers', async () => {
    const other = await startRelayHarness();
    try {
      const got = collect();
      const follower = new InboxFollower({ home: h.home.path, follow: { by: 'seq' }, relayCheckMs: 50, retryMs: 50, onEvents: got.onEvents, onState: got.onState });
      stops.push(() => follower.stop());
      follower.start();
      await waitFor(() => connectedCount(got.states) === 1, { what: 'the follower to connect', timeoutMs: 20_000 });
      const relayJson = readFileSync(`${h.home.path}/relay.json`, 'utf8');
      const token = readFileSync(`${h.home.path}/local-token`, 'utf8');
      try {
        writeFileSync(`${h.home.path}/local-token`, readFileSync(`${other.home.path}/local-token`, 'utf8'));
        writeFileSync(`${h.home.path}/relay.json`, readFileSync(`${other.home.path}/relay.json`, 'utf8'));
        await waitFor(() => got.states.some((s) => s.state === 'connected' && s.url === other.api.url), { what: 'the follower to move over', timeoutMs: 20_000 });
        expect(got.states).toContainEqual({ state: 'lost', url: h.api.url, reason: `relay.json now names the relay at ${other.api.url}` });
        const there = await other.emit('account.created', { name: 'on the other relay' });
        await waitFor(() => got.ids().includes(there.event_id), { what: 'the other relay’s event', timeoutMs: 20_000 });
      } finally {
        writeFileSync(`${h.home.path}/relay.json`, relayJson);
        writeFileSync(`${h.home.path}/local-token`, token);
      }
    } finally {
      await other.close();
    }
  }, 120_000);
});

describe('channel feed', () => {
  it('a gap of 500 events (more than any single backfill) is pushed whole, once, in order', async () => {
    const got = collect();
    const log: string[] = [];
    const feed = new ChannelFeed({ home: h.home.path, onEvents: got.onEvents, log: (l) => log.push(l), batchMs: 5 });
    stops.push(() => feed.stop());
    const { handed, expected } = await acrossAGap(got, feed, () => log.includes(`channel: connected to the relay at ${h.api.url}`));
    expect(handed).toEqual(expected);
  }, 120_000);
});
