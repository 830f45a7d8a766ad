// 401 mid-stream and a key change (DESIGN.md "Failure behaviour": unauthorized, no reconnect storm, resumes when
// the key changes). The push server restarts mid-stream with its key rotated: the old key now gets 401. The
// relay must stop retrying, stay quiet while the world goes on, and on the new key resume from its durable
// cursor with every event exactly once.
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';
import { expectExactlyOnce, freePort, startRefServer, startRig, subscribe, waitForCount, waitForStatus } from './harness.js';
import { useCleanups } from '../helpers/cleanups.js';

const cleanup = useCleanups({ ignoreErrors: true });

const OLD_KEY = 'old-key-0123456789abcdef';
const NEW_KEY = 'new-key-fedcba9876543210';
const TENANT = 't1';

describe('chaos: 401 mid-stream and a key change', () => {
  it('the server rotates the key while the stream is open: unauthorized without retries, then setApiKey resumes', async () => {
    const data = await tempDir('chaos-auth-data-');
    cleanup.add(data.cleanup);
    const server = await startRefServer({ port: await freePort(), dataDir: data.path, tokens: { [OLD_KEY]: TENANT }, heartbeatMs: 200 });
    cleanup.add(() => server.close());
    await subscribe(server.url, OLD_KEY, 'chaos-auth');
    await subscribe(server.url, OLD_KEY, 'chaos-witness');

    const dirs = await Promise.all([tempDir('chaos-auth-a-'), tempDir('chaos-auth-b-')]);
    for (const d of dirs) cleanup.add(d.cleanup);
    const source = { server: 'chaos:auth', tenant: TENANT };
    const rig = await startRig({ url: server.url, apiKey: OLD_KEY, clientId: 'chaos-auth', source, dir: dirs[0]!.path });
    cleanup.add(() => rig.close());
    await waitForStatus(rig.stream, (s) => s.state === 'open', 'open');

    const acked: number[] = [];
    const emit = async (key: string, n: number) => {
      for (let i = 0; i < n; i++) {
        const id = await server.emit(key, 'custom.auth', { i });
        if (id === undefined) throw new Error(`emit failed: ${server.stderr()}`);
        acked.push(id);
      }
    };
    await emit(OLD_KEY, 20);
    await waitForCount(rig.ids, 20, 'before the rotation');

    // Mid-stream: the server goes away and comes back with only the new key.
    await server.kill('SIGKILL');
    await server.restart({ [NEW_KEY]: TENANT });
    const refused = await waitForStatus(rig.stream, (s) => s.state === 'unauthorized', 'unauthorized');
    expect(refused.lastError).toMatchObject({ code: 'unauthorized', status: 401 });
    expect(refused.nextRetryAt).toBeNull();
    const attempts = refused.attempts;

    // The world goes on without it: events are emitted with the new key, and a witness relay on the new key
    // receives them and twenty heartbeats (~4 s of server time). Meanwhile the refused relay tries nothing.
    const witness = await startRig({ url: server.url, apiKey: NEW_KEY, clientId: 'chaos-witness', source, dir: dirs[1]!.path });
    cleanup.add(() => witness.close());
    await waitForStatus(witness.stream, (s) => s.state === 'open', 'the witness open');
    await emit(NEW_KEY, 15);
    const framesNow = witness.stream.status().frames;
    await waitForStatus(witness.stream, (s) => s.frames >= framesNow + 20, 'twenty heartbeats at the witness');
    expect(witness.ids()).toEqual(acked.slice(20)); // a first connect starts at the server's head
    const quiet = rig.stream.status();
    expect(quiet.attempts).toBe(attempts);
    expect(quiet.state).toBe('unauthorized');
    expect(rig.ids()).toHaveLength(20);

    // The key changes: the relay resumes from its durable cursor (20), nothing twice.
    rig.stream.setApiKey(NEW_KEY);
    await waitForStatus(rig.stream, (s) => s.state === 'open', 'open on the new key');
    await emit(NEW_KEY, 5);
    const ids = await waitForCount(rig.ids, acked.length, 'after the key change');
    expectExactlyOnce(ids, acked.length, acked);
    expect(rig.stream.status().duplicates).toBe(0);
    const logs = rig.logs.join('\n');
    expect(logs).not.toContain(OLD_KEY);
    expect(logs).not.toContain(NEW_KEY);
  }, 120_000);
});
