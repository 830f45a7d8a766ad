// DESIGN.md failure table: 401/403 → state `unauthorized`, no reconnect storm; resumes when the key changes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startReferenceServer } from '../../../relay/reference-server/server.js';
import { startCli } from '../../helpers/cli.js';
import { allEvents, relayApi } from '../../helpers/relay-api.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';
import { useCleanups } from '../../helpers/cleanups.js';

const cleanup = useCleanups();

describe('a rejected API key', () => {
  it('stops at unauthorized without retrying, and a new key from the settings page is used at once', async () => {
    const server = await startReferenceServer({ tokens: { 'good-key-123': 't1' } });
    cleanup.add(() => server.close());
    server.store.subscribe('t1', { client_id: 'keyed', topic: ['deal.*'] });
    const home = await tempDir('relay-key-');
    cleanup.add(home.cleanup);
    writeFileSync(join(home.path, 'settings.json'), JSON.stringify({ server: server.url, apiKey: 'revoked-key-456', clientId: 'keyed' }));
    const relay = startCli(['daemon', '--home', home.path, '--local-port', '0'], { PUSH_RELAY_API_KEY: '' });
    cleanup.add(() => relay.kill('SIGKILL'));
    const api = relayApi(await relay.line('listening'), home.path);
    type Status = { upstream: { state: string; attempts: number; lastError: { code: string } | null } };
    const stuck = await waitFor(async () => {
      const s = await api.get<Status>('/v1/status');
      return s.upstream.state === 'unauthorized' && s;
    }, { what: 'the unauthorized state' });
    expect(stuck.upstream.lastError?.code).toMatch(/unauthorized|http_401/);
    // No storm: the count of attempts stays where it was while the relay keeps serving other requests.
    for (let i = 0; i < 5; i++) await api.get('/v1/status');
    expect((await api.get<Status>('/v1/status')).upstream.attempts).toBe(stuck.upstream.attempts);
    expect(relay.stderr()).not.toContain('revoked-key-456');

    const res = await api.raw('/v1/settings', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiKey: 'good-key-123' }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ restart_required: false });
    await waitFor(async () => (await api.get<Status>('/v1/status')).upstream.state === 'open', { what: 'the stream to open with the new key' });
    await server.emit('t1', { topic: 'deal.won', payload: { after: 'the key change' } });
    await waitFor(async () => (await allEvents(api)).some((e) => e.payload.after === 'the key change'), { what: 'an event after the key change' });
    expect(relay.stderr()).not.toContain('good-key-123');
  });
});
