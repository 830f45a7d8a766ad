// The Settings page shows who is signed in with OAuth, the scopes and where the tokens are kept.
import { expect, test } from '@playwright/test';
import { startReferenceServer } from '../../../relay/reference-server/server.js';
import { startCli } from '../../helpers/cli.js';
import { approveWithoutBrowser } from '../../helpers/oauth-flow.js';
import { relayApi } from '../../helpers/relay-api.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';

const ENV = { PUSH_RELAY_API_KEY: '', PUSH_RELAY_SERVER: '', PUSH_RELAY_HOME: '' };

test('the Settings page names the signed-in account and its scopes, and where tokens are kept', async ({ page }) => {
  const ref = await startReferenceServer({ oauth: { tenant: 'acme <b>corp</b>' }, heartbeatMs: 1000 });
  const home = await tempDir('push-relay-signin-e2e-');
  const login = startCli(['login', '--server', ref.url, '--no-browser', '--home', home.path], ENV);
  let daemon: ReturnType<typeof startCli> | undefined;
  try {
    const url = await waitFor(() => /(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)/.exec(login.stderr())?.[1], { what: 'the authorization URL' });
    await approveWithoutBrowser(new URL(url));
    expect((await login.exited).code).toBe(0);
    daemon = startCli(['daemon', '--home', home.path, '--local-port', '0', '--heartbeat-ms', '1000'], ENV);
    const relayUrl = await daemon.line('listening', 30_000);
    const api = relayApi(relayUrl, home.path);
    await page.goto(`${relayUrl}/#token=${api.token}&settings`);
    await expect(page.locator('#sign-in-state')).toHaveText('signed in');
    await expect(page.locator('#set-sign-in')).toContainText('Signed in with OAuth as acme <b>corp</b> (push:read subscriptions:write)');
    await expect(page.locator('#set-sign-in')).toContainText('mode 0600');
    expect(await page.locator('#set-sign-in b').count()).toBe(0); // the server's text stays text
  } finally {
    await daemon?.kill('SIGTERM');
    await login.kill('SIGKILL');
    await ref.close();
    await home.cleanup();
  }
});
