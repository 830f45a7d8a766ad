// The tray's Sign in / Sign out (main/sign-in.ts): the relay's sign-in with the "system browser" (scripted),
// stored in the sealed store, then the running relay told through its Settings route.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { MemorySignInStore } from '../../../relay/auth/sign-in-store.js';
import { startReferenceServer } from '../../../relay/reference-server/server.js';
import { normalizeServerUrl } from '../../../relay/upstream/server-url.js';
import { traySignIn, traySignOut } from '../../../main/sign-in.js';
import { useCleanups } from '../../helpers/cleanups.js';
import { approveWithoutBrowser } from '../../helpers/oauth-flow.js';

const cleanups = useCleanups();

describe('tray Sign in / Sign out', () => {
  it('signs in with the browser, tells the relay, and signs out again', async () => {
    const ref = await startReferenceServer({ oauth: { tenant: 'acme' } });
    cleanups.add(() => ref.close());
    // The running relay's local API: records the Settings PUTs the tray sends.
    const puts: { auth: string | undefined; body: string }[] = [];
    const local = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        puts.push({ auth: req.headers.authorization, body });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', () => resolve()));
    cleanups.add(() => new Promise<void>((resolve) => local.close(() => resolve())));
    const store = new MemorySignInStore();
    const opened: string[] = [];
    const deps = {
      store,
      relay: () => ({ url: `http://127.0.0.1:${(local.address() as AddressInfo).port}`, token: 'local-token', server: ref.url }),
      openExternal: async (url: string) => {
        opened.push(url);
        await approveWithoutBrowser(new URL(url));
      },
    };
    await traySignIn(deps);
    const base = normalizeServerUrl(ref.url).base;
    expect(opened[0]).toMatch(/\/authorize\?.*code_challenge_method=S256/);
    expect(store.load(base)).toMatchObject({ subject: 'acme', tokens: { scope: 'push:read subscriptions:write' } });
    expect(puts).toEqual([{ auth: 'Bearer local-token', body: JSON.stringify({ server: ref.url }) }]);

    const signedIn = store.load(base)!;
    const { refresh_token: refresh, access_token: access } = signedIn.tokens!;
    expect(ref.oauth!.grants.accessToken(access)).toBeDefined();
    await traySignOut(deps);
    expect(store.load(base)).toBeUndefined();
    expect(puts).toHaveLength(2);
    // Signing out revoked the grant on the server, not only locally.
    expect(ref.oauth!.grants.accessToken(access)).toBeUndefined();
    const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh!, client_id: signedIn.clientInformation!.client_id });
    const res = await fetch(`${ref.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' });
  });
});
