// Switching a running daemon between an API key and an OAuth sign-in: `login` switches it to the sign-in at
// once, `logout` back to the key; events keep arriving either way.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startReferenceServer } from '../../../relay/reference-server/server.js';
import { startCli, runCli } from '../../helpers/cli.js';
import { useCleanups } from '../../helpers/cleanups.js';
import { approveWithoutBrowser } from '../../helpers/oauth-flow.js';
import { allEvents, relayApi } from '../../helpers/relay-api.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';

const cleanups = useCleanups();
const ENV = { PUSH_RELAY_API_KEY: '', PUSH_RELAY_SERVER: '' };
type Status = { upstream: { state: string }; auth?: { method: string; subject?: string } };

describe('a running relay switching between an API key and a sign-in', () => {
  it('login switches it to OAuth live, logout back to the key', async () => {
    const server = await startReferenceServer({ tokens: { 'key-0123456789': 'acme' }, oauth: { tenant: 'acme' }, heartbeatMs: 500 });
    cleanups.add(() => server.close());
    server.store.subscribe('acme', { client_id: 'switcher', topic: ['deal.*'] });
    const home = await tempDir('relay-switch-');
    cleanups.add(home.cleanup);
    writeFileSync(join(home.path, 'settings.json'), JSON.stringify({ server: server.url, apiKey: 'key-0123456789', clientId: 'switcher' }));
    const relay = startCli(['daemon', '--home', home.path, '--local-port', '0'], ENV);
    cleanups.add(() => relay.kill('SIGKILL'));
    const api = relayApi(await relay.line('listening'), home.path);
    const open = (method: string) =>
      waitFor(async () => {
        const s = await api.get<Status>('/v1/status');
        return s.upstream.state === 'open' && s.auth?.method === method && s;
      }, { what: `open on ${method}` });
    const arrives = async (tag: string) => {
      await server.emit('acme', { topic: 'deal.won', payload: { tag } });
      await waitFor(async () => (await allEvents(api)).some((e) => e.payload.tag === tag), { what: `the event ${tag}` });
    };
    await open('api-key');
    await arrives('on the key');

    const login = startCli(['login', '--server', server.url, '--no-browser', '--home', home.path], ENV);
    cleanups.add(() => login.kill('SIGKILL'));
    const url = await waitFor(() => /(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)/.exec(login.stderr())?.[1], { what: 'the authorization URL' });
    await approveWithoutBrowser(new URL(url));
    expect((await login.exited).code).toBe(0);
    expect(login.stderr()).toContain('The running relay now uses these credentials.');
    expect((await open('oauth')).auth?.subject).toBe('acme');
    await arrives('on the sign-in');

    const logout = await runCli(['logout', '--home', home.path], ENV);
    expect(logout.stdout).toContain(`Signed out of ${server.url}`);
    await open('api-key');
    await arrives('on the key again');
  }, 60_000);
});
