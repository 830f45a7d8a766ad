// Settings → "MCP servers as event sources" against a daemon whose settings.json names a gated upstream (a real
// 2026-07-28 server from test/helpers): the page shows it as no-push, the "Allow push into agents" toggle writes
// the entry through the relay and it connects at once, and its updates reach the inbox; a last error is text.
// And the experimental Events extension, turned on from the page (types, then the switch) for a stdio server
// offering it: the row shows its state and what it stored.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { startCli } from '../../helpers/cli.js';
import { startV2TestServer } from '../../helpers/mcp-v2-http-server.js';
import { allEvents, relayApi } from '../../helpers/relay-api.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';

test('the Allow push toggle connects a gated MCP upstream live; its updates reach the inbox', async ({ page }) => {
  const server = await startV2TestServer();
  const home = await tempDir('push-relay-upstreams-e2e-');
  writeFileSync(
    join(home.path, 'settings.json'),
    JSON.stringify({ upstreams: [{ name: 'docs', type: 'http', url: server.url, resources: { subscribe: ['test://a'] } }] }),
  );
  const daemon = startCli(['daemon', '--demo', '--home', home.path, '--local-port', '0'], { PUSH_RELAY_API_KEY: '', PUSH_RELAY_SERVER: '', PUSH_RELAY_HOME: '' });
  try {
    const url = await daemon.line('listening', 30_000);
    const api = relayApi(url, home.path);
    await page.goto(`${url}/#token=${api.token}&settings`);
    const row = page.locator('[data-upstream="docs"]');
    await expect(row.locator('[data-state]')).toHaveText('no-push');
    await row.getByLabel('Allow push into agents').check();
    await expect(row.locator('[data-state]')).toHaveText('connected', { timeout: 20_000 });
    server.notify.resourceUpdated('test://a');
    await waitFor(async () => (await allEvents(api)).some((e) => e.topic === 'mcp.resource.updated'), { timeoutMs: 20_000, what: 'the update in the inbox' });
    await row.getByLabel('Enabled').uncheck();
    await expect(row.locator('[data-state]')).toHaveText('disabled', { timeout: 20_000 });
  } finally {
    await daemon.kill('SIGTERM');
    await server.close();
    await home.cleanup();
  }
});

test('the Events extension is turned on from the page: types saved, then the switch; its state and what it stored show', async ({ page }) => {
  const home = await tempDir('push-relay-upstreams-events-e2e-');
  const server = join(process.cwd(), 'test/helpers/mcp-events-server.mjs');
  writeFileSync(
    join(home.path, 'settings.json'),
    JSON.stringify({
      upstreams: [
        {
          name: 'ev',
          type: 'stdio',
          command: process.execPath,
          args: [server],
          env: { MCP_TEST_EVENTS_LOG: join(home.path, 'server-history'), MCP_TEST_EVENTS_TICK_MS: '50' },
          allowPush: true,
        },
      ],
    }),
  );
  const daemon = startCli(['daemon', '--demo', '--home', home.path, '--local-port', '0'], { PUSH_RELAY_API_KEY: '', PUSH_RELAY_SERVER: '', PUSH_RELAY_HOME: '' });
  try {
    const url = await daemon.line('listening', 30_000);
    const api = relayApi(url, home.path);
    await page.goto(`${url}/#token=${api.token}&settings`);
    const row = page.locator('[data-upstream="ev"]');
    await expect(row.locator('[data-state]')).toHaveText('connected', { timeout: 20_000 });
    const toggle = row.getByLabel('Events extension (experimental)');
    await expect(toggle).not.toBeChecked();
    await expect(row.locator('[data-events-extension]')).toHaveCount(0);
    await row.getByLabel('Event types').fill('test.tick');
    await row.getByRole('button', { name: 'Save types' }).click();
    await expect(row.getByLabel('Event types')).toHaveValue('test.tick');
    await row.getByLabel('Events extension (experimental)').check();
    const line = row.locator('[data-events-extension]');
    await expect(line).toHaveAttribute('data-events-extension', 'on', { timeout: 20_000 });
    await expect(line).toContainText(/Events extension \(experimental\): on · 1 subscription · [1-9][\d,]* stored/, { timeout: 20_000 });
    const saved = JSON.parse(readFileSync(join(home.path, 'settings.json'), 'utf8')) as { upstreams: { events: unknown }[] };
    expect(saved.upstreams[0]!.events).toEqual({ enabled: true, subscribe: [{ name: 'test.tick', arguments: {} }] });
  } finally {
    await daemon.kill('SIGTERM');
    await home.cleanup();
  }
});
