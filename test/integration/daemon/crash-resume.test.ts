// DESIGN.md 'Who uses it' 6 (Bad network, sleep, restarts): the relay is killed mid-burst; on restart it resumes
// from its last durable event id. Nothing lost, nothing twice.
import { describe, expect, it } from 'vitest';
import { startReferenceServer } from '../../../relay/reference-server/server.js';
import { startCli, type CliProcess } from '../../helpers/cli.js';
import { allEvents, relayApi } from '../../helpers/relay-api.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';
import { useCleanups } from '../../helpers/cleanups.js';

const cleanup = useCleanups();

describe('relay SIGKILL during a burst', () => {
  it('restarts with every emitted event exactly once', async () => {
    const server = await startReferenceServer({ tokens: { key: 't1' } });
    cleanup.add(() => server.close());
    const home = await tempDir('relay-crash-');
    cleanup.add(home.cleanup);
    const start = (): CliProcess => {
      const p = startCli(['daemon', '--home', home.path, '--local-port', '0', '--server', server.url, '--client-id', 'crashy'], { PUSH_RELAY_API_KEY: 'key' });
      cleanup.add(() => p.kill('SIGKILL'));
      return p;
    };
    const first = start();
    const api1 = relayApi(await first.line('listening'), home.path);
    await api1.post('/v1/subscriptions', { topic: ['custom.*'] });
    await waitFor(async () => (await api1.get<{ upstream: { state: string } }>('/v1/status')).upstream.state === 'open');

    // The emitter stops halfway until the relay has been killed, so the kill always lands mid-burst and the
    // second half is emitted while no relay is running.
    const total = 4000;
    let killed!: () => void;
    const afterKill = new Promise<void>((resolve) => (killed = resolve));
    const burst = (async () => {
      for (let i = 0; i < total; i++) {
        if (i === total / 2) await afterKill;
        await server.emit('t1', { topic: 'custom.burst', payload: { i } });
        if (i % 50 === 0) await new Promise((r) => setImmediate(r));
      }
    })();
    await waitFor(async () => (await allEvents(api1)).length > 200, { timeoutMs: 30_000, what: 'part of the burst in the inbox' });
    await first.kill('SIGKILL');
    killed();
    await burst;

    const second = start();
    const api2 = relayApi(await second.line('listening'), home.path);
    const events = await waitFor(async () => {
      const all = await allEvents(api2);
      return all.length >= total && all;
    }, { timeoutMs: 60_000, what: `all ${total} events after the restart` });
    const ids = events.map((e) => e.event_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  });

  it('a relay stopped before any event arrived still gets what was emitted while it was down', async () => {
    const server = await startReferenceServer({ tokens: { key: 't1' } });
    cleanup.add(() => server.close());
    const home = await tempDir('relay-first-');
    cleanup.add(home.cleanup);
    await server.emit('t1', { topic: 'deal.won', payload: { before: 'the relay ever connected' } });
    const start = (): CliProcess => {
      const p = startCli(['daemon', '--home', home.path, '--local-port', '0', '--server', server.url, '--client-id', 'early'], { PUSH_RELAY_API_KEY: 'key' });
      cleanup.add(() => p.kill('SIGKILL'));
      return p;
    };
    const first = start();
    const api1 = relayApi(await first.line('listening'), home.path);
    await api1.post('/v1/subscriptions', { topic: ['deal.*'] });
    await waitFor(async () => (await api1.get<{ upstream: { state: string; cursor: number | null } }>('/v1/status')).upstream.cursor === 1, {
      what: 'the first connect to record the server position',
    });
    expect(await first.kill('SIGTERM')).toMatchObject({ code: 0 });
    for (let i = 0; i < 3; i++) await server.emit('t1', { topic: 'deal.won', payload: { while: 'down', i } });

    const second = start();
    const api2 = relayApi(await second.line('listening'), home.path);
    const events = await waitFor(async () => {
      const all = await allEvents(api2);
      return all.length >= 3 && all;
    }, { what: 'the events emitted while the relay was down' });
    // A brand-new relay is not flooded with history (event 1 predates it), but nothing after its first connect is lost.
    expect(events.map((e) => e.event_id)).toEqual([2, 3, 4]);
  });
});
