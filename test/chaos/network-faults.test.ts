// The network between relay and push server misbehaves (DESIGN.md "Failure behaviour", 'Who uses it' 6): a
// stalled stream that sends nothing, a half-open upstream that accepts and never answers, resets and cuts
// mid-burst, and a trickle so slow the server's ring buffer overflows. Each ends with every event exactly once
// and the stream open again. The relay is PushStream + FileInbox behind the fault proxy; the server is in process
// so the test can see its per-connection drop counter.
import { describe, expect, it } from 'vitest';
import { startReferenceServer, type ReferenceServer } from '../../relay/reference-server/server.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait-for.js';
import { expectExactlyOnce, startRig, waitForCount, waitForStatus, type Rig } from './harness.js';
import { useCleanups } from '../helpers/cleanups.js';

const KEY = 'chaos-key';
const TENANT = 't1';
const CLIENT = 'chaos-net';
const SOURCE = { server: 'chaos:reference', tenant: TENANT };
const BACKOFF = { baseMs: 50, capMs: 1000 };

const cleanup = useCleanups({ ignoreErrors: true });

async function world(options: { bufferCapacity?: number; heartbeatMs?: number; rigHeartbeatMs?: number } = {}) {
  const server: ReferenceServer = await startReferenceServer({ tokens: { [KEY]: TENANT }, heartbeatMs: options.heartbeatMs ?? 200, bufferCapacity: options.bufferCapacity });
  cleanup.add(() => server.close());
  server.store.subscribe(TENANT, { client_id: CLIENT, topic: ['custom.*'] });
  const proxy: FaultProxy = await startFaultProxy({ target: { port: server.port } });
  cleanup.add(() => proxy.close());
  const dir = await tempDir('chaos-net-');
  cleanup.add(dir.cleanup);
  const rig: Rig = await startRig({ url: proxy.url, apiKey: KEY, clientId: CLIENT, source: SOURCE, dir: dir.path, heartbeatMs: options.rigHeartbeatMs ?? 200, backoff: BACKOFF });
  cleanup.add(() => rig.close());
  await waitForStatus(rig.stream, (s) => s.state === 'open', 'open');
  let emitted = 0;
  const emit = async (n: number, payload: (i: number) => Record<string, unknown> = (i) => ({ i })) => {
    for (let i = 0; i < n; i++) {
      const e = await server.emit(TENANT, { topic: 'custom.chaos', payload: payload(emitted) });
      emitted = e.event_id;
    }
    return emitted;
  };
  return { server, proxy, rig, emit, emitted: () => emitted };
}

/** No storm: consecutive attempts are at least the backoff floor apart (timers never fire early). */
function expectNoStorm(times: number[], fromIndex: number): void {
  const gaps = times.slice(fromIndex + 1).map((t, i) => t - times[fromIndex + i]!);
  expect(gaps.filter((g) => g < BACKOFF.baseMs - 5), `attempt gaps (ms): ${gaps.map(Math.round).join(', ')}`).toEqual([]);
}

describe('chaos: network faults between relay and server', () => {
  it('stalled stream, no heartbeats: the watchdog reconnects; nothing lost once the path is back', async () => {
    const w = await world();
    await w.emit(20);
    await waitForCount(w.rig.ids, 20, 'before the stall');
    const attemptsBefore = w.rig.attemptTimes.length;

    w.proxy.stall();
    await w.emit(20); // written into the stalled connection: lost with it, fetched again later
    const dead = await waitForStatus(w.rig.stream, (s) => s.lastError?.code === 'heartbeat_timeout', 'the watchdog to fire');
    expect(dead.state === 'reconnecting' || dead.state === 'offline').toBe(true);
    // The reconnects go into the stall too: never answered, so they time out (connect_timeout → offline).
    const waiting = await waitForStatus(w.rig.stream, (s) => s.lastError?.code === 'connect_timeout' && s.attempts >= attemptsBefore + 3, 'unanswered reconnects');
    expect(waiting.state).toBe('offline');
    expect(w.rig.ids()).toHaveLength(20);
    expectNoStorm(w.rig.attemptTimes, attemptsBefore - 1);

    w.proxy.pass();
    await waitForStatus(w.rig.stream, (s) => s.state === 'open', 'open after the stall');
    const last = await w.emit(10);
    expectExactlyOnce(await waitForCount(w.rig.ids, last, 'after the stall'), last);
    expect(w.rig.states).toEqual(expect.arrayContaining(['open', 'reconnecting', 'offline']));
  });

  it('half-open upstream (accepted, never answered): offline with backoff, then recovery', async () => {
    const w = await world();
    await w.emit(10);
    await waitForCount(w.rig.ids, 10, 'before');
    const upstreamBefore = w.proxy.upstreamConnects;
    const acceptedBefore = w.proxy.accepted;
    const attemptsBefore = w.rig.attemptTimes.length;

    w.proxy.halfOpen();
    w.proxy.cut(); // the open stream drops; every reconnect lands on the half-open proxy
    await w.emit(15);
    const s = await waitForStatus(w.rig.stream, (st) => st.lastError?.code === 'connect_timeout' && st.attempts >= attemptsBefore + 3, 'three unanswered attempts');
    expect(s.state).toBe('offline');
    expect(s.lastError!.message).toMatch(/no answer/);
    // Each attempt reached the proxy (counted at its TCP accept, a moment after the stream counted the attempt).
    await waitFor(() => w.proxy.accepted >= acceptedBefore + 3, { what: `3 connections accepted (${w.proxy.accepted - acceptedBefore} so far)` });
    expect(w.proxy.upstreamConnects).toBe(upstreamBefore); // the server never saw them
    expectNoStorm(w.rig.attemptTimes, attemptsBefore);

    w.proxy.pass();
    await waitForStatus(w.rig.stream, (st) => st.state === 'open', 'open after half-open');
    const last = await w.emit(5);
    expectExactlyOnce(await waitForCount(w.rig.ids, last, 'after half-open'), last);
  });

  it('RSTs and cuts in the middle of a burst', async () => {
    const w = await world();
    let last = 0;
    for (let round = 0; round < 6; round++) {
      last = await w.emit(30, (i) => ({ i, round }));
      // Fault while frames are in flight; RST (resetAndDestroy) and FIN (destroy) alternate.
      if (round % 2 === 0) w.proxy.reset();
      else w.proxy.cut();
      await waitForStatus(w.rig.stream, (s) => s.state === 'open' && s.connects >= round + 2, `reconnected after fault ${round + 1}`);
    }
    last = await w.emit(10);
    expectExactlyOnce(await waitForCount(w.rig.ids, last, 'after resets and cuts'), last);
    const s = w.rig.stream.status();
    expect(s.state).toBe('open');
    expect(s.connects).toBeGreaterThanOrEqual(7);
    expect(['stream_dropped', 'network_error', 'stream_ended']).toContain(s.lastError?.code);
  });

  it('a link slower than one big frame per 2.5 heartbeats still delivers it: the watchdog counts bytes, not frames', async () => {
    const w = await world({ heartbeatMs: 100, rigHeartbeatMs: 100 }); // the relay's watchdog: 250 ms
    const first = await w.emit(1);
    await waitForCount(w.rig.ids, first, 'before the slow link');
    const connectsBefore = w.rig.stream.status().connects;
    // ~20 KB/s: the 48 KiB frame takes over 2 s to cross, many watchdog periods without a whole frame.
    w.proxy.trickle(1024, 50);
    const big = await w.emit(1, (i) => ({ i, big: 'x'.repeat(48 * 1024) }));
    expectExactlyOnce(await waitForCount(w.rig.ids, big, 'the big event over the slow link', 30_000), big);
    expect(w.rig.stream.status().connects).toBe(connectsBefore); // never cut and retried mid-frame
    w.proxy.pass();
  });

  it('a trickle so slow the server ring buffer overflows: subscription.lag, then backfill from the durable cursor', async () => {
    // The relay's watchdog is relaxed here (rigHeartbeatMs): the point is the server dropping, not the watchdog.
    const w = await world({ bufferCapacity: 5, rigHeartbeatMs: 4000 });
    await w.emit(5);
    await waitForCount(w.rig.ids, 5, 'before the trickle');
    w.proxy.trickle(2048, 20);
    // Big events, paced (the event loop turns between emits, so a normal link would keep up), fill the kernel
    // buffers between server and proxy; emit until the server starts dropping.
    const big = 'x'.repeat(16 * 1024);
    const conn = () => w.server.connections(CLIENT)[0];
    let emitted = 0;
    while ((conn()?.droppedTotal ?? 0) === 0 && emitted < 5000) {
      await w.emit(1, (i) => ({ i, big }));
      emitted++;
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(conn()?.droppedTotal, `no drop after ${emitted} events of 16 KiB`).toBeGreaterThan(0);
    const moreAfterDrop = await w.emit(20, (i) => ({ i, big }));
    // The link comes back to speed: the lag frame arrives once the socket drains, the relay reconnects from
    // its durable cursor and the server replays what it dropped.
    w.proxy.pass();
    const lagged = await waitForStatus(w.rig.stream, (s) => s.lag.count >= 1, 'the subscription.lag frame', 60_000);
    expect(lagged.lag.dropped_total).toBeGreaterThan(0);
    const last = await w.emit(5);
    expect(last).toBeGreaterThan(moreAfterDrop);
    expectExactlyOnce(await waitForCount(w.rig.ids, last, 'after the backfill', 90_000), last);
    const s = await waitForStatus(w.rig.stream, (st) => st.state === 'open', 'open after the backfill');
    expect(s.connects).toBeGreaterThanOrEqual(2);
    console.log(`trickle: ${emitted} events of 16 KiB before the first drop; lag ${JSON.stringify(s.lag)}; ${last} events total`);
  }, 180_000);
});
