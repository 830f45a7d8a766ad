// DESIGN.md 'Who uses it' 6 (Bad network, sleep, restarts), the server side: the push server is SIGKILLed and
// restarted with its data dir several times during a burst. The relay (startRelay, in process, as the daemon
// composes it) must end with every event the server logged exactly once, and its upstream back to `open`.
import { describe, expect, it } from 'vitest';
import { startRelay, type RunningRelay } from '../../relay/core/relay.js';
import type { PushState } from '../../relay/upstream/push-stream.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait-for.js';
import { expectExactlyOnce, freePort, sleep, startRefServer, type RefServer } from './harness.js';
import { useCleanups } from '../helpers/cleanups.js';

const cleanup = useCleanups({ ignoreErrors: true });

const KEY = 'key';
const TENANT = 't1';

describe('chaos: push server SIGKILL + restart during a burst', () => {
  it('three kills mid-burst: every logged event exactly once, upstream open again', async () => {
    const data = await tempDir('chaos-ref-data-');
    cleanup.add(data.cleanup);
    const home = await tempDir('chaos-relay-home-');
    cleanup.add(home.cleanup);
    const server: RefServer = await startRefServer({ port: await freePort(), dataDir: data.path, tokens: { [KEY]: TENANT }, heartbeatMs: 200 });
    cleanup.add(() => server.close());

    const relay: RunningRelay = await startRelay({
      home: home.path,
      server: server.url,
      apiKey: KEY,
      clientId: 'chaos-restart',
      localPort: 0,
      env: {},
      notify: false,
      mcp: false,
      heartbeatMs: 200,
    });
    cleanup.add(() => relay.close());
    const states: PushState[] = [];
    relay.core.onStatus((s) => {
      if (states.at(-1) !== s.upstream.state) states.push(s.upstream.state);
    });
    await relay.core.control.subscribe({ topic: ['custom.*'] });
    await waitFor(() => relay.core.status().upstream.state === 'open', { timeoutMs: 30_000, what: 'the upstream to open' });
    const ids = () => relay.core.inbox.readSince(0, { limit: 1_000_000 }).map((e) => e.event_id);

    // The burst: emits one after another; while the server is down they fail (not retried: an emit whose
    // answer was lost may or may not be logged, so the truth is the server's log, checked below).
    const acked: number[] = [];
    let failed = 0;
    let stop = false;
    const burst = (async () => {
      for (let i = 0; !stop; i++) {
        const id = await server.emit(KEY, 'custom.burst', { i });
        if (id === undefined) {
          failed++;
          await sleep(20);
        } else {
          acked.push(id);
        }
      }
    })();

    const KILLS = 3;
    for (let k = 1; k <= KILLS; k++) {
      // Kill only once the relay has seen some of this stretch of the burst, so every kill is mid-stream.
      const target = acked.length + 40;
      await waitFor(() => acked.length >= target && ids().length >= target - 20, { timeoutMs: 60_000, what: `burst stretch ${k} stored` });
      await server.kill('SIGKILL');
      await sleep(100 + Math.floor(Math.random() * 400));
      await server.restart();
    }
    await waitFor(() => acked.length >= 200, { timeoutMs: 60_000, what: 'the rest of the burst' });
    stop = true;
    await burst;

    // A last event after the burst: its id is the server's head (ids are dense per tenant).
    const last = await waitFor(() => server.emit(KEY, 'custom.burst', { last: true }), { timeoutMs: 30_000, what: 'the final emit' });
    const stored = await waitFor(() => (ids().length >= last ? ids() : undefined), {
      timeoutMs: 60_000,
      what: `all ${last} events in the inbox`,
    });
    expectExactlyOnce(stored, last, acked);

    const upstream = await waitFor(() => (relay.core.status().upstream.state === 'open' ? relay.core.status().upstream : undefined), {
      timeoutMs: 30_000,
      what: 'the upstream open again',
    });
    expect(server.starts).toBe(KILLS + 1);
    // The relay noticed every kill (not one long-lived connection that happened to survive).
    expect(upstream.connects).toBeGreaterThanOrEqual(KILLS + 1);
    expect(states.filter((s) => s === 'offline' || s === 'reconnecting').length).toBeGreaterThanOrEqual(KILLS);
    expect(upstream.duplicates + upstream.stored).toBeGreaterThanOrEqual(last);
    // Each kill cost a handful of attempts with backoff, not a storm.
    expect(upstream.attempts).toBeLessThan(KILLS * 30);
    console.log(
      `server-restart: ${last} events, ${acked.length} acked, ${failed} emits failed while down, ${upstream.connects} connects, ` +
        `${upstream.attempts} attempts, ${upstream.duplicates} duplicate frames, states ${states.join(' → ')}`,
    );
  }, 180_000);
});
