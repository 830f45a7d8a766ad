// Many takers on ONE consumer (DESIGN.md "Consumers"; relay/inbox/claims.ts): every event is handed to exactly
// one of them, none twice, none lost. Against the in-process relay fed by the reference push server: its real
// /v1/wait route on a port-0 loopback server, and its /mcp endpoint through the MCP SDK client.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRelay } from '../../../relay/core/relay.js';
import { LOCAL_API, localApiPath, type WaitResponse } from '../../../relay/protocol/local-api.js';
import { waitFor } from '../../helpers/wait-for.js';
import { connectHttp, startInProcessRelay, startWorld, type HttpClient, type WaitOut, type World } from './harness.js';

let world: World;
let relay: RunningRelay;
const clients: HttpClient[] = [];
const waiters = () => relay.core.inbox.stats().waiters;

beforeAll(async () => {
  world = await startWorld();
  relay = await startInProcessRelay(world);
});

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => undefined);
  await waitFor(() => waiters() === 0, { timeoutMs: 30_000, what: 'no server-side waiters left' });
});

afterAll(async () => {
  await relay?.close();
  await world?.close();
});

/** Emits `n` events, `parallel` at a time; returns their event ids. */
async function emitMany(n: number, parallel = 25): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i += parallel) {
    const batch = await Promise.all(Array.from({ length: Math.min(parallel, n - i) }, (_, k) => world.emit('deal.won', { n: i + k })));
    ids.push(...batch.map((e) => e.event_id));
  }
  return ids;
}

/**
 * Runs `count` takers in parallel, each calling `takeOnce` in a loop, until they took as many events as `emit`
 * emitted (once all are parked); then cancels them. Returns the emitted and the taken event ids.
 */
async function race(count: number, takeOnce: (signal: AbortSignal) => Promise<number[] | undefined>, emit: () => Promise<number[]>) {
  const taken: number[] = [];
  const stop = new AbortController();
  const taker = async () => {
    for (;;) {
      const ids = await takeOnce(stop.signal).catch(() => undefined);
      if (!ids) return; // cancelled: the test has everything
      taken.push(...ids); // even after the stop: a late extra hand-over is a duplicate the test must see
      if (stop.signal.aborted) return;
    }
  };
  const takers = Array.from({ length: count }, taker);
  await waitFor(() => waiters() === count, { timeoutMs: 30_000, what: `${count} parked takers` });
  const emitted = await emit();
  await waitFor(() => taken.length >= emitted.length, { timeoutMs: 60_000, what: 'every event taken' });
  stop.abort();
  await Promise.all(takers);
  return { emitted, taken };
}

/** Every taken id once, in order: the test compares it with what was emitted, so a duplicate or a loss shows. */
const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);

describe('several takers on one consumer', () => {
  it('200 concurrent /v1/wait?ack=true takers and 1,000 events: each event is taken exactly once', async () => {
    const consumer = 'dup-test';
    await relay.core.inbox.consumer(consumer); // at the head: only what is emitted below
    const { emitted, taken } = await race(
      200,
      async (signal) => {
        const path = localApiPath(LOCAL_API.wait, { consumer, ack: true, limit: 3, timeout_ms: 60_000 });
        const res = await fetch(`${relay.url}${path}`, { headers: { authorization: `Bearer ${relay.token}` }, signal });
        return ((await res.json()) as WaitResponse).events.map((e) => e.event_id);
      },
      () => emitMany(1000),
    );
    expect(sorted(taken)).toEqual(sorted(emitted));
    expect(relay.core.inbox.pending(consumer)).toEqual([]);
  }, 120_000);

  it('200 sessions waiting through /v1/wait?session= (shared mode) and 1,000 events: each event is taken exactly once', async () => {
    await relay.core.inbox.ack('claude-code', relay.core.inbox.head()); // the shared consumer: only what is emitted below
    let n = 0;
    const { emitted, taken } = await race(
      200,
      async (signal) => {
        const session = `claims-${n++ % 200}`;
        const path = localApiPath(LOCAL_API.wait, { session, idle: true, ack: true, limit: 3, timeout_ms: 60_000 });
        const res = await fetch(`${relay.url}${path}`, { headers: { authorization: `Bearer ${relay.token}` }, signal });
        return ((await res.json()) as WaitResponse).events.map((e) => e.event_id);
      },
      () => emitMany(1000),
    );
    expect(sorted(taken)).toEqual(sorted(emitted));
    expect(relay.core.inbox.pending('claude-code')).toEqual([]);
  }, 120_000);

  it('20 parallel wait_for_event calls on one consumer: each event is taken exactly once', async () => {
    const consumer = 'dup-mcp';
    await relay.core.inbox.consumer(consumer);
    const sessions = await Promise.all(Array.from({ length: 4 }, () => connectHttp(relay)));
    clients.push(...sessions);
    let next = 0;
    const { emitted, taken } = await race(
      20,
      async (signal) => {
        const c = sessions[next++ % sessions.length]!;
        const r = await c.call('wait_for_event', { consumer, timeout_seconds: 60, max_events: 2 }, { signal, timeout: 90_000 });
        return (r.structuredContent as unknown as WaitOut).events.map((e) => e.event_id);
      },
      () => emitMany(200),
    );
    expect(sorted(taken)).toEqual(sorted(emitted));
    expect(relay.core.inbox.pending(consumer)).toEqual([]);
  }, 120_000);

  it('a hook-style hand-over (/v1/pending?claim=true, then ack of exactly those seqs) is skipped by a parallel taker', async () => {
    const consumer = 'hook-claim';
    await relay.core.inbox.consumer(consumer);
    const head = relay.core.inbox.head();
    const emitted = await emitMany(3, 3);
    await waitFor(() => relay.core.inbox.head() >= head + 3, { what: 'three events in the inbox' });
    const auth = { authorization: `Bearer ${relay.token}` };
    const listed = (await (await fetch(`${relay.url}${localApiPath(LOCAL_API.pending, { consumer, claim: true, limit: 2 })}`, { headers: auth })).json()) as WaitResponse;
    expect(listed.events.map((e) => e.event_id)).toEqual(emitted.slice(0, 2));
    // Another session's hook, in parallel, gets only what the first did not list.
    const other = (await (await fetch(`${relay.url}${localApiPath(LOCAL_API.wait, { consumer, ack: true, timeout_ms: 0 })}`, { headers: auth })).json()) as WaitResponse;
    expect(other.events.map((e) => e.event_id)).toEqual(emitted.slice(2));
    const acked = await fetch(`${relay.url}${LOCAL_API.ack}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ consumer, seqs: listed.events.map((e) => e.seq) }) });
    expect(acked.status).toBe(200);
    expect(relay.core.inbox.pending(consumer)).toEqual([]);
  });
});
