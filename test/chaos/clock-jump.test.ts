// Sleep/wake and clock steps: the wall clock PushStream reads jumps by hours while its timers keep real time
// (Linux and macOS timers run on a monotonic clock that stops during sleep, so after a wake Date.now() has
// leapt and the timers have not). The watchdog and backoff must neither fire spuriously, nor stall, nor storm;
// status times follow the injected clock; and nothing is lost across it.
import { describe, expect, it } from 'vitest';
import { startReferenceServer, type ReferenceServer } from '../../relay/reference-server/server.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { tempDir } from '../helpers/tmp.js';
import { expectExactlyOnce, jumpingClock, startRig, waitForCount, waitForStatus } from './harness.js';
import { useCleanups } from '../helpers/cleanups.js';

const KEY = 'clock-key';
const TENANT = 't1';
const CLIENT = 'chaos-clock';
const HOUR = 3_600_000;
const BACKOFF = { baseMs: 50, capMs: 1000 };

const cleanup = useCleanups({ ignoreErrors: true });

describe('chaos: clock jumps (sleep/wake)', () => {
  it('forward while open, forward across a dead network, backward while reconnecting', async () => {
    const server: ReferenceServer = await startReferenceServer({ tokens: { [KEY]: TENANT }, heartbeatMs: 100 });
    cleanup.add(() => server.close());
    server.store.subscribe(TENANT, { client_id: CLIENT, topic: ['custom.*'] });
    const proxy = await startFaultProxy({ target: { port: server.port } });
    cleanup.add(() => proxy.close());
    const dir = await tempDir('chaos-clock-');
    cleanup.add(dir.cleanup);
    const clock = jumpingClock();
    // The server beats every 100 ms; the relay's watchdog allows 2.5 × 600 ms, so a loaded machine does not
    // trip it in step 1, where "nothing happens" is the point.
    const rig = await startRig({ url: proxy.url, apiKey: KEY, clientId: CLIENT, source: { server: 'chaos:clock', tenant: TENANT }, dir: dir.path, heartbeatMs: 600, clock, backoff: BACKOFF });
    cleanup.add(() => rig.close());
    let last = 0;
    const emit = async (n: number) => {
      for (let i = 0; i < n; i++) last = (await server.emit(TENANT, { topic: 'custom.clock', payload: { i } })).event_id;
      return last;
    };
    await waitForStatus(rig.stream, (s) => s.state === 'open', 'open');
    await emit(10);
    await waitForCount(rig.ids, 10, 'before the jumps');

    // 1. Forward 6 h while the stream is healthy: nothing happens. Twenty heartbeats later, same connection.
    const before = rig.stream.status();
    clock.jump(6 * HOUR);
    await waitForStatus(rig.stream, (s) => s.frames >= before.frames + 20, 'twenty heartbeats after the jump');
    const after = rig.stream.status();
    expect(after).toMatchObject({ state: 'open', connects: before.connects, attempts: before.attempts });
    expect(after.lastFrameAt! - before.lastFrameAt!).toBeGreaterThanOrEqual(6 * HOUR); // status times follow the clock
    await emit(5);
    await waitForCount(rig.ids, 15, 'after the forward jump');

    // 2. The laptop sleeps: the network dies silently and the clock leaps 8 h. The watchdog notices (on real
    //    time), retries back off from the base, not from "8 hours of silence".
    proxy.stall();
    clock.jump(8 * HOUR);
    await emit(10);
    const attemptsAtSleep = rig.attemptTimes.length;
    const dead = await waitForStatus(rig.stream, (s) => s.lastError?.code === 'heartbeat_timeout', 'the watchdog after the wake');
    expect(dead.lastError!.at).toBeGreaterThanOrEqual(Date.now() + 14 * HOUR - 60_000);
    const retrying = await waitForStatus(rig.stream, (s) => s.attempts >= dead.attempts + 2, 'two more attempts into the dead network');
    expect(retrying.nextRetryAt === null || retrying.nextRetryAt - retrying.lastError!.at <= BACKOFF.capMs).toBe(true);
    const gaps = rig.attemptTimes.slice(attemptsAtSleep).map((t, i, all) => (i === 0 ? Infinity : t - all[i - 1]!));
    expect(gaps.filter((g) => g < BACKOFF.baseMs - 5), 'no storm').toEqual([]);
    proxy.pass();
    await waitForStatus(rig.stream, (s) => s.state === 'open', 'open after the wake');
    await emit(5);
    await waitForCount(rig.ids, last, 'after the wake');

    // 3. Backward 20 h (NTP step) while reconnecting, with a 503 + Retry-After on the way back: the
    //    Retry-After still counts in real seconds and the stream comes back.
    proxy.cut();
    clock.jump(-20 * HOUR);
    server.failNextStreams({ status: 503, retryAfterSeconds: 1, count: 1 });
    const refused = await waitForStatus(rig.stream, (s) => s.lastError?.code === 'server_unavailable', '503 after the backward jump');
    const wait = refused.nextRetryAt! - refused.lastError!.at;
    expect(wait).toBeGreaterThanOrEqual(1000);
    expect(wait).toBeLessThanOrEqual(10 * 60_000);
    await waitForStatus(rig.stream, (s) => s.state === 'open', 'open after the backward jump');
    await emit(5);
    expectExactlyOnce(await waitForCount(rig.ids, last, 'in the end'), last);
    expect(clock.offset()).toBe(-6 * HOUR);
  }, 120_000);
});
