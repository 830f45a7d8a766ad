// The tray's Sign in / Sign out (main/sign-in.ts): the relay's own sign-in flow (relay/auth/sign-in-flow.ts, the
// one the Settings page starts too) with the "system browser" (scripted), stored in the tray's sealed store, then
// the running relay switched to it.
import { describe, expect, it } from 'vitest';
import { SignInFlow } from '../../../relay/auth/sign-in-flow.js';
import { MemorySignInStore } from '../../../relay/auth/sign-in-store.js';
import { startReferenceServer } from '../../../relay/reference-server/server.js';
import { normalizeServerUrl } from '../../../relay/upstream/server-url.js';
import { traySignIn, traySignOut } from '../../../main/sign-in.js';
import { useCleanups } from '../../helpers/cleanups.js';
import { approveWithoutBrowser } from '../../helpers/oauth-flow.js';

const cleanups = useCleanups();

describe('tray Sign in / Sign out', () => {
  it('signs in with the browser, switches the relay, and signs out again', async () => {
    const ref = await startReferenceServer({ oauth: { tenant: 'acme' } });
    cleanups.add(() => ref.close());
    const store = new MemorySignInStore();
    let applied = 0;
    const flow = new SignInFlow({ store, server: () => normalizeServerUrl(ref.url), apply: async () => void applied++ });
    const opened: string[] = [];
    const deps = {
      flow: () => flow,
      openExternal: async (url: string) => {
        opened.push(url);
        await approveWithoutBrowser(new URL(url));
      },
    };
    await traySignIn(deps);
    const base = normalizeServerUrl(ref.url).base;
    expect(opened[0]).toMatch(/\/authorize\?.*code_challenge_method=S256/);
    expect(store.load(base)).toMatchObject({ subject: 'acme', tokens: { scope: 'push:read subscriptions:write' } });
    expect(applied).toBe(1);
    expect(flow.current()).toMatchObject({ state: 'signed_in', subject: 'acme', authorization_url: opened[0] });

    const signedIn = store.load(base)!;
    const { refresh_token: refresh, access_token: access } = signedIn.tokens!;
    expect(ref.oauth!.grants.accessToken(access)).toBeDefined();
    await traySignOut(deps);
    expect(store.load(base)).toBeUndefined();
    expect(applied).toBe(2);
    // Signing out revoked the grant on the server, not only locally.
    expect(ref.oauth!.grants.accessToken(access)).toBeUndefined();
    const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refresh!, client_id: signedIn.clientInformation!.client_id });
    const res = await fetch(`${ref.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('a sign-in the person denies in the browser fails with the server’s reason, and nothing is applied', async () => {
    const ref = await startReferenceServer({ oauth: { tenant: 'acme' } });
    cleanups.add(() => ref.close());
    let applied = 0;
    const flow = new SignInFlow({ store: new MemorySignInStore(), server: () => normalizeServerUrl(ref.url), apply: async () => void applied++ });
    const deny = async (url: string) => {
      const page = await fetch(url);
      const id = /name="consent_id" value="([^"]+)"/.exec(await page.text())![1]!;
      const res = await fetch(new URL('/authorize', url), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ consent_id: id, decision: 'deny' }).toString(),
      });
      await (await fetch(res.headers.get('location')!)).body?.cancel();
    };
    await expect(traySignIn({ flow: () => flow, openExternal: deny })).rejects.toThrow(/did not sign you in \(access_denied/);
    expect(flow.current()).toMatchObject({ state: 'failed' });
    expect(applied).toBe(0);
  });
});
