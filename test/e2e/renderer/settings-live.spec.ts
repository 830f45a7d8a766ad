// The Settings page against a daemon configured by its settings file alone (no --server/--client-id flags, no
// environment): a key the server refused, replaced on the page, is in use at once — the page says so and the
// status line names the server — with no restart.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { startReferenceServer } from '../../../relay/reference-server/server.js';
import { startCli } from '../../helpers/cli.js';
import { relayApi } from '../../helpers/relay-api.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';

test('a refused key replaced on the Settings page reconnects at once, no restart', async ({ page }) => {
  const ref = await startReferenceServer({ tokens: { 'e2e-good-key': 't1' }, heartbeatMs: 1000 });
  const home = await tempDir('push-relay-settings-e2e-');
  writeFileSync(join(home.path, 'settings.json'), JSON.stringify({ server: ref.url, clientId: 'e2e-settings', apiKey: 'e2e-revoked-key' }));
  const daemon = startCli(['daemon', '--home', home.path, '--local-port', '0', '--heartbeat-ms', '1000'], {
    PUSH_RELAY_API_KEY: '',
    PUSH_RELAY_SERVER: '',
    PUSH_RELAY_HOME: '',
  });
  try {
    const url = await daemon.line('listening', 30_000);
    const api = relayApi(url, home.path);
    const state = async () => (await api.get<{ upstream: { state: string } }>('/v1/status')).upstream.state;
    await waitFor(async () => (await state()) === 'unauthorized', { timeoutMs: 20_000, what: 'the unauthorized state' });

    await page.goto(`${url}/#token=${api.token}&settings`);
    await expect(page.getByLabel('Server URL')).toHaveValue(ref.url);
    await page.getByLabel('API key').fill('e2e-good-key');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.locator('#settings-status')).toContainText('Saved and in use');
    await expect(page.locator('#settings-status')).not.toContainText('restart');
    await waitFor(async () => (await state()) === 'open', { timeoutMs: 20_000, what: 'the stream to open with the new key' });
    await expect(page.locator('#settings-current')).toContainText(`Running against ${ref.url} as client e2e-settings`);
  } finally {
    await daemon.kill('SIGTERM');
    await ref.close();
    await home.cleanup();
  }
});
