// The Settings page shows who is signed in with OAuth, the scopes and where the tokens are kept; its Sign in
// button has the relay start the sign-in and opens the push server's consent page in a new tab, and Sign out
// (confirmed) goes back to the API key.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

test('Sign in on the Settings page: approve in the opened tab, the page says signed in; Sign out goes back to the key', async ({ page, context }) => {
  const ref = await startReferenceServer({ tokens: { 'page-key-0123456789': 'acme' }, oauth: { tenant: 'acme' }, heartbeatMs: 1000 });
  const home = await tempDir('push-relay-signin-button-e2e-');
  writeFileSync(join(home.path, 'settings.json'), JSON.stringify({ server: ref.url, apiKey: 'page-key-0123456789', clientId: 'page-button' }));
  const daemon = startCli(['daemon', '--home', home.path, '--local-port', '0', '--heartbeat-ms', '1000'], ENV);
  try {
    const relayUrl = await daemon.line('listening', 30_000);
    const api = relayApi(relayUrl, home.path);
    await page.goto(`${relayUrl}/#token=${api.token}&settings`);
    await expect(page.locator('#set-sign-in')).toContainText('Using the API key');
    await expect(page.locator('#sign-out-button')).toBeHidden();

    const consentTab = context.waitForEvent('page');
    await page.click('#sign-in-button');
    const consent = await consentTab;
    await expect(page.locator('#sign-in-progress')).toHaveText(/Waiting for the browser/);
    await expect(page.locator('#sign-in-cancel')).toBeVisible();
    // noopener: the consent page has no handle on the relay's page.
    expect(await consent.evaluate(() => window.opener)).toBeNull();
    await expect(consent.locator('#client-name')).toHaveText('Push Relay');
    await consent.click('#approve');
    await expect(consent.locator('h1')).toHaveText('Signed in');

    await expect(page.locator('#sign-in-state')).toHaveText('signed in');
    await expect(page.locator('#sign-in-progress')).toHaveText('Signed in as acme (push:read subscriptions:write).');
    await expect(page.locator('#set-sign-in')).toContainText('Signed in with OAuth as acme');
    await expect(page.locator('#sign-in-button')).toBeHidden();
    await expect(page.locator('#sign-in-cancel')).toBeHidden();

    page.once('dialog', (d) => void d.accept());
    await page.click('#sign-out-button');
    await expect(page.locator('#sign-in-state')).toHaveText('not signed in');
    await expect(page.locator('#set-sign-in')).toContainText('Using the API key');
    await expect(page.locator('#sign-in-progress')).toContainText('Signed out');
    await expect(page.locator('#sign-in-button')).toBeVisible();
  } finally {
    await daemon.kill('SIGTERM');
    await ref.close();
    await home.cleanup();
  }
});

test('a newcomer in demo mode signs in by naming the server: no API key, the server is saved and used', async ({ page, context }) => {
  const ref = await startReferenceServer({ oauth: { tenant: 'acme' }, heartbeatMs: 1000 });
  const home = await tempDir('push-relay-signin-newcomer-e2e-');
  const daemon = startCli(['daemon', '--home', home.path, '--local-port', '0', '--heartbeat-ms', '1000'], ENV);
  try {
    const relayUrl = await daemon.line('listening', 30_000);
    const api = relayApi(relayUrl, home.path);
    await page.goto(`${relayUrl}/#token=${api.token}&settings`);
    await expect(page.locator('#set-sign-in')).toContainText('enter its URL and Sign in');
    await expect(page.locator('#sign-in-server')).toBeVisible();
    await page.click('#sign-in-button');
    await expect(page.locator('#sign-in-progress')).toHaveText('Enter the push server URL to sign in to.');

    await page.fill('#sign-in-server', ref.url);
    const consentTab = context.waitForEvent('page');
    await page.click('#sign-in-button');
    const consent = await consentTab;
    await consent.click('#approve');
    await expect(page.locator('#sign-in-state')).toHaveText('signed in');
    await expect(page.locator('#sign-in-server')).toBeHidden();
    await expect(page.locator('#sign-in-button')).toBeHidden();
    const status = await api.get<{ mode: string; server: string }>('/v1/status');
    expect(status).toMatchObject({ mode: 'server' });
    expect(new URL(status.server).origin).toBe(new URL(ref.url).origin);
  } finally {
    await daemon.kill('SIGTERM');
    await ref.close();
    await home.cleanup();
  }
});
