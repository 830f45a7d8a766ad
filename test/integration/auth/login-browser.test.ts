// A newcomer's sign-in, for real: `push-relay login --no-browser` against the reference server, Debian's
// Chromium (driven by Playwright) clicking Approve on the consent page, then the daemon on the sign-in
// receiving pushed events. DESIGN.md "Testing on these machines": the system Chromium, named explicitly.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from '@playwright/test';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS } from '../../../playwright.config.js';
import { SIGN_IN_FILE } from '../../../relay/auth/sign-in-store.js';
import { startReferenceServer } from '../../../relay/reference-server/server.js';
import { runCli, startCli } from '../../helpers/cli.js';
import { useCleanups } from '../../helpers/cleanups.js';
import { allEvents, relayApi } from '../../helpers/relay-api.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';

const cleanups = useCleanups();
const ENV = { PUSH_RELAY_API_KEY: '', PUSH_RELAY_SERVER: '' };

async function browser(): Promise<Browser> {
  const b = await chromium.launch({ executablePath: process.env.PUSH_RELAY_CHROMIUM ?? '/usr/lib/chromium/chromium', args: CHROMIUM_ARGS });
  cleanups.add(() => b.close());
  return b;
}

describe('push-relay login in a real browser', () => {
  it('signs in through the consent page, then the daemon receives pushed events on the sign-in', async () => {
    const server = await startReferenceServer({ oauth: { tenant: 'acme' }, checkHost: true, heartbeatMs: 500 });
    cleanups.add(() => server.close());
    const home = await tempDir('relay-login-');
    cleanups.add(home.cleanup);

    const login = startCli(['login', '--server', server.url, '--no-browser', '--home', home.path], ENV);
    cleanups.add(() => login.kill('SIGKILL'));
    const authorizeUrl = await waitFor(() => /(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)/.exec(login.stderr())?.[1], { what: 'the printed authorization URL' });

    const page = await (await browser()).newPage();
    await page.goto(authorizeUrl);
    expect(await page.locator('#client-name').textContent()).toBe('Push Relay');
    expect(await page.locator('#scopes').textContent()).toContain('push:read');
    await page.click('#approve');
    await page.waitForSelector('text=Push Relay is signed in');
    expect(await login.exited).toEqual({ code: 0, signal: null });
    expect(login.stdout.join('\n')).toContain(`Signed in to ${server.url} as acme with scopes push:read subscriptions:write.`);
    expect(login.stdout.join('\n')).toContain('mode 0600');
    expect(statSync(join(home.path, SIGN_IN_FILE)).mode & 0o777).toBe(0o600);

    // The login named the server in settings, so a plain `daemon` uses the sign-in.
    const relay = startCli(['daemon', '--home', home.path, '--local-port', '0', '--client-id', 'newcomer'], ENV);
    cleanups.add(() => relay.kill('SIGKILL'));
    const api = relayApi(await relay.line('listening'), home.path);
    await waitFor(async () => (await api.get<{ upstream: { state: string } }>('/v1/status')).upstream.state === 'open', { what: 'the stream open on the sign-in' });
    const sub = await runCli(['subscribe', '--topic', 'deal.*', '--home', home.path], ENV);
    expect(sub.code).toBe(0);
    await server.emit('acme', { topic: 'deal.won', payload: { hello: 'newcomer' } });
    await waitFor(async () => (await allEvents(api)).some((e) => e.payload.hello === 'newcomer'), { what: 'the pushed event in the inbox' });

    const status = await runCli(['status', '--home', home.path], ENV);
    expect(status.stdout).toContain('signed in  as acme, scopes push:read subscriptions:write');
    expect(status.stdout).toContain('mode 0600');
    const tokens = JSON.stringify(await api.get('/v1/status'));
    expect(tokens).not.toMatch(/ref_(at|rt)_/);
    expect(relay.stderr()).not.toMatch(/ref_(at|rt)_/);
  }, 90_000);
});
