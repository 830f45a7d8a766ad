// How the relay serves the UI: the strict CSP and the right content types on every static file, the page at `/`
// without a token (it asks for one), the API still closed without it; and the settings API behind the page
// (write-only API key, validation by the settings schema, "applies on restart").
import { expect, openInbox, test } from './fixtures.js';

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

test.describe('static UI routes', () => {
  test('every UI file is served with the CSP, nosniff and its content type; the API still needs the token', async ({ request, relay }) => {
    const files: [string, RegExp][] = [
      ['/', /^text\/html; charset=utf-8$/],
      ['/index.html', /^text\/html; charset=utf-8$/],
      ['/styles.css', /^text\/css; charset=utf-8$/],
      ['/icon.svg', /^image\/svg\+xml$/],
      ['/js/renderer/app.js', /^text\/javascript; charset=utf-8$/],
      ['/js/renderer/app.js.map', /^application\/json; charset=utf-8$/],
      ['/licenses/zod/LICENSE', /^text\/plain; charset=utf-8$/],
    ];
    for (const [path, type] of files) {
      const res = await request.get(`${relay.url}${path}`);
      expect(res.status(), path).toBe(200);
      const h = res.headers();
      expect(h['content-type'], path).toMatch(type);
      expect(h['content-security-policy'], path).toBe(CSP);
      expect(h['x-content-type-options'], path).toBe('nosniff');
      expect(h['x-frame-options'], path).toBe('DENY');
      expect(h['referrer-policy'], path).toBe('no-referrer');
    }
    // One bundle: the shared grammar and zod are inside it, and it imports nothing (a bare import could not
    // resolve in the page, and the CSP rules out an import map). Its map carries the sources for devtools.
    const appJs = await (await request.get(`${relay.url}/js/renderer/app.js`)).text();
    expect(appJs).not.toMatch(/(?:^|[;}\s])(?:import\s*[\w{*"']|import\s*\(|export\s*\*\s*from)/);
    const map = (await (await request.get(`${relay.url}/js/renderer/app.js.map`)).json()) as { sources: string[]; sourcesContent: string[] };
    expect(map.sources).toEqual(expect.arrayContaining([expect.stringMatching(/relay\/protocol\/filter\.ts$/), expect.stringMatching(/renderer\/app\.ts$/)]));
    expect(map.sourcesContent).toHaveLength(map.sources.length);
    // Revalidation works (ETag), so reloads are cheap and never stale.
    const first = await request.get(`${relay.url}/styles.css`);
    const again = await request.get(`${relay.url}/styles.css`, { headers: { 'if-none-match': first.headers().etag! } });
    expect(again.status()).toBe(304);
    expect((await request.head(`${relay.url}/`)).status()).toBe(200);

    // No token: the API is closed, UI routes or not.
    for (const path of ['/v1/status', '/v1/events', '/v1/settings', '/v1/subscriptions']) {
      expect((await request.get(`${relay.url}${path}`)).status(), path).toBe(401);
    }
    expect((await request.get(`${relay.url}/v1/status`, { headers: { authorization: `Bearer ${relay.token}` } })).status()).toBe(200);
    // Static routes are GET/HEAD only, and a foreign Origin is still refused.
    expect((await request.post(`${relay.url}/index.html`, { data: {} })).status()).toBe(401);
    expect((await request.get(`${relay.url}/`, { headers: { origin: 'http://evil.example' } })).status()).toBe(403);
  });

  test('`/` without the token loads the page, asks for the token, and a pasted inbox link connects', async ({ page, relay }) => {
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    await page.goto(`${relay.url}/`);
    await expect(page.getByRole('heading', { name: 'Connect to your relay' })).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Sections' })).toBeHidden();
    await page.getByLabel('Inbox link or local token').fill('not a token');
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect(page.locator('#connect-error')).toContainText('neither an inbox link');
    await page.getByLabel('Inbox link or local token').fill('f'.repeat(64));
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect(page.locator('#connect-error')).toContainText('refused this token');

    await page.getByLabel('Inbox link or local token').fill(relay.inboxUrl);
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect(page.locator('#conn')).toHaveAttribute('data-state', 'open');
    await expect(page.getByRole('navigation', { name: 'Sections' })).toBeVisible();
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
  });
});

test.describe('settings', () => {
  test('the API key is write-only; server and client id are validated; changes apply on restart', async ({ page, relay }) => {
    await openInbox(page, relay, '&settings');
    await expect(page.locator('#settings-current')).toContainText(`Running against ${relay.ref.url}`);
    await expect(page.locator('#api-key-state')).toHaveText('not set');

    const secret = 'pact_live_e2e_SECRET_0123456789';
    await page.getByLabel('API key').fill(secret);
    await page.getByLabel('Server URL').fill(relay.ref.url);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.locator('#settings-status')).toContainText('restart');
    await expect(page.locator('#api-key-state')).toHaveText('set');
    await expect(page.getByLabel('API key')).toHaveValue('');
    // Never shown back: not in the page, not in the API's answer.
    expect(await page.content()).not.toContain(secret);
    const got = await relay.api.get<{ settings: Record<string, unknown> }>('/v1/settings');
    expect(JSON.stringify(got)).not.toContain(secret);
    expect(got.settings).toMatchObject({ apiKeySet: true, apiKeyStorage: 'plain', server: relay.ref.url });

    // Invalid values: the field is marked and the settings schema's message is shown.
    await page.getByLabel('Client id').fill('has spaces!');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.locator('#settings-status')).toContainText('clientId: use letters, digits');
    await expect(page.getByLabel('Client id')).toHaveAttribute('aria-invalid', 'true');
    await page.getByLabel('Client id').fill('');
    await page.getByLabel('Server URL').fill('http://push.example.com');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.locator('#settings-status')).toContainText('plain http to a non-loopback host');

    // Removing the key.
    await page.getByLabel('Server URL').fill(relay.ref.url);
    await page.getByRole('button', { name: 'Remove key' }).click();
    await expect(page.locator('#api-key-state')).toHaveText('not set');
    expect((await relay.api.get<{ settings: { apiKeySet: boolean } }>('/v1/settings')).settings.apiKeySet).toBe(false);

    // Unknown fields are refused by name.
    const res = await relay.api.raw('/v1/settings', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ localPort: 1 }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('unknown setting(s) localPort');
  });

  test('notifications: live state from the relay, pause and resume', async ({ page, relay }) => {
    await openInbox(page, relay, '&settings');
    const state = page.locator('[data-notifications]');
    await expect(state).toBeVisible();
    await page.getByRole('group', { name: 'Pause notifications' }).getByRole('button', { name: '1 hour' }).click();
    await expect(state).toHaveText(/^Paused until /);
    const status = await relay.api.get<{ paused_until: string | null }>('/v1/notifications');
    expect(status.paused_until).not.toBeNull();
    await page.getByRole('button', { name: 'Resume now' }).click();
    await expect(state).not.toHaveText(/Paused/);
    await expect(page.locator('[data-slot="notification-policy"]')).toContainText('not editable on this page yet');
  });
});
