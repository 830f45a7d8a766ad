// Banners for what is wrong: the push server refusing the key (upstream `unauthorized`), and the relay itself
// going away — then coming back, with the events it missed meanwhile filled in. Each test has its own relay.
import { CLIENT_ID, expect, marker, openInbox, test } from './fixtures.js';

test.describe('connection banners', () => {
  test('upstream unauthorized: an error banner with the server’s answer and a way to Settings', async ({ page, freshRelay: relay }, testInfo) => {
    await openInbox(page, relay);
    await expect(page.locator('#conn-text')).toHaveText(/^Live · 127\.0\.0\.1:\d+$/);
    await expect(page.locator('[data-banner]')).toHaveCount(0);

    // The server starts refusing the key; the live stream is cut, and the relay's reconnect gets a 401.
    relay.ref.failNextStreams({ status: 401, count: 1000 });
    for (const c of relay.ref.connections(CLIENT_ID)) c.close();

    const banner = page.locator('[data-banner="upstream"]');
    await expect(banner).toBeVisible();
    await expect(banner).toHaveAttribute('role', 'alert');
    await expect(banner).toContainText('refused the API key');
    await expect(banner).toContainText('401');
    await expect(page.locator('#conn')).toHaveAttribute('data-state', 'unauthorized');
    await expect(page.locator('#conn-text')).toContainText('Key refused');
    await testInfo.attach('banner-unauthorized', { body: await page.screenshot({ path: testInfo.outputPath('banner-unauthorized.png') }), contentType: 'image/png' });

    await banner.getByRole('button', { name: 'Open Settings' }).click();
    await expect(page.getByLabel('API key')).toBeVisible();
    await expect(page).toHaveURL(/#settings$/);
  });

  test('relay stopped: an "unreachable" banner; on restart it clears and missed events appear', async ({ page, freshRelay: relay }, testInfo) => {
    const m = marker('down');
    const before = await relay.emit('deal.created', { name: `Before ${m}` });
    await openInbox(page, relay);
    await expect(page.locator(`.event-row[data-seq="${before.seq}"]`)).toBeVisible();

    await relay.stopDaemon();
    const banner = page.locator('[data-banner="relay-unreachable"]');
    await expect(banner).toBeVisible();
    await expect(banner).toContainText('Push Relay is not reachable');
    await expect(page.locator('#conn')).toHaveAttribute('data-state', 'unreachable');
    await testInfo.attach('banner-unreachable', { body: await page.screenshot({ path: testInfo.outputPath('banner-unreachable.png') }), contentType: 'image/png' });

    // While the relay is down the server keeps the event; the restarted relay fetches it, and the page
    // reconnects by itself and backfills what it did not see live.
    await relay.ref.emit('e2e', { topic: 'deal.won', payload: { name: `While down ${m}`, amount: 3 } });
    await relay.restartDaemon();
    await expect(banner).toBeHidden({ timeout: 30_000 });
    await expect(page.locator('#conn')).toHaveAttribute('data-state', 'open');
    await expect(page.locator('.event-row', { hasText: `While down ${m}` })).toBeVisible();
    // Still live after the reconnect.
    const after = await relay.emit('deal.created', { name: `After ${m}` });
    await expect(page.locator(`.event-row[data-seq="${after.seq}"]`)).toBeVisible();
  });
});
