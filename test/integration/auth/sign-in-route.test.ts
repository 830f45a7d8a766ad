// The Settings page's Sign in / Sign out through the local API (/v1/sign-in, /v1/sign-out): a real relay on an
// API key against the reference server with OAuth, the browser played by plain HTTP requests (consent approved).
// Start → approve → the relay is on the sign-in and events arrive; cancel; a second start replaces the first;
// sign out → back on the key; and the local API's guards on these routes (token, Host, Origin).
import { describe, expect, it } from 'vitest';
import { FileSignInStore } from '../../../relay/auth/sign-in-store.js';
import { startRelay, type RunningRelay } from '../../../relay/core/relay.js';
import type { RelayStatus, SignInAttempt, SignInResponse, SignOutResponse } from '../../../relay/protocol/local-api.js';
import { startReferenceServer, type ReferenceServer } from '../../../relay/reference-server/server.js';
import { normalizeServerUrl } from '../../../relay/upstream/server-url.js';
import { useCleanups } from '../../helpers/cleanups.js';
import { approveWithoutBrowser } from '../../helpers/oauth-flow.js';
import { allEvents, relayApi, type RelayApi } from '../../helpers/relay-api.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';
import { rawRequest } from '../local-hostile/raw-http.js';

const cleanups = useCleanups();
const KEY = 'key-0123456789';

async function setUp(): Promise<{ ref: ReferenceServer; relay: RunningRelay; api: RelayApi; home: string }> {
  const ref = await startReferenceServer({ tokens: { [KEY]: 'acme' }, oauth: { tenant: 'acme' }, heartbeatMs: 500 });
  cleanups.add(() => ref.close());
  ref.store.subscribe('acme', { client_id: 'page-signer', topic: ['deal.*'] });
  const home = await tempDir('relay-sign-in-route-');
  cleanups.add(home.cleanup);
  const relay = await startRelay({ home: home.path, server: ref.url, apiKey: KEY, clientId: 'page-signer', localPort: 0, env: {}, notify: false, mcp: false });
  cleanups.add(() => relay.close());
  const api = relayApi(relay.url, home.path);
  await on(api, 'api-key');
  return { ref, relay, api, home: home.path };
}

const on = (api: RelayApi, method: string) =>
  waitFor(async () => {
    const s = await api.get<RelayStatus>('/v1/status');
    return s.upstream.state === 'open' && s.auth?.method === method && s;
  }, { what: `the upstream open on ${method}` });

async function arrives(ref: ReferenceServer, api: RelayApi, tag: string): Promise<void> {
  await ref.emit('acme', { topic: 'deal.won', payload: { tag } });
  await waitFor(async () => (await allEvents(api)).some((e) => e.payload.tag === tag), { what: `the event ${tag}` });
}

async function start(api: RelayApi): Promise<SignInAttempt> {
  const res = await api.raw('/v1/sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(res.status).toBe(202);
  return ((await res.json()) as SignInResponse).sign_in!;
}

const current = async (api: RelayApi) => (await api.get<SignInResponse>('/v1/sign-in')).sign_in;

describe('Sign in / Sign out through the local API', () => {
  it('start hands back the authorization URL; approving it signs the running relay in, events arrive; sign out goes back to the key', async () => {
    const { ref, api, home } = await setUp();
    await arrives(ref, api, 'on the key');

    const attempt = await start(api);
    expect(attempt).toMatchObject({ state: 'pending', server: normalizeServerUrl(ref.url).base, subject: null });
    const url = new URL(attempt.authorization_url!);
    expect(url.origin).toBe(new URL(ref.url).origin);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    // The status carries it too: the page follows it on the status stream.
    expect((await api.get<RelayStatus>('/v1/status')).sign_in).toMatchObject({ id: attempt.id, state: 'pending' });

    await approveWithoutBrowser(url);
    const done = await waitFor(async () => ((await current(api))?.state === 'signed_in' ? current(api) : undefined), { what: 'signed in' });
    expect(done).toMatchObject({ id: attempt.id, subject: 'acme', scopes: ['push:read', 'subscriptions:write'], problem: null });
    expect((await on(api, 'oauth')).auth).toMatchObject({ signed_in: true, subject: 'acme' });
    await arrives(ref, api, 'on the sign-in');
    const store = new FileSignInStore(home);
    const access = store.load(normalizeServerUrl(ref.url).base)!.tokens!.access_token;

    const out = await api.post<SignOutResponse>('/v1/sign-out', {});
    expect(out.signed_out).toBe(true);
    expect(store.load(normalizeServerUrl(ref.url).base)).toBeUndefined();
    expect(ref.oauth!.grants.accessToken(access)).toBeUndefined(); // revoked on the server, as `push-relay logout`
    await on(api, 'api-key');
    await arrives(ref, api, 'on the key again');
    expect(await api.post<SignOutResponse>('/v1/sign-out', {})).toMatchObject({ signed_out: false });
  }, 60_000);

  it('cancel ends the sign-in (only the one named), its browser answer then reaches nothing, and the relay stays on the key', async () => {
    const { api } = await setUp();
    const attempt = await start(api);
    const other = await api.raw('/v1/sign-in?id=someone-else', { method: 'DELETE' });
    expect(((await other.json()) as SignInResponse).sign_in?.state).toBe('pending');
    const cancelled = await api.raw(`/v1/sign-in?id=${attempt.id}`, { method: 'DELETE' });
    expect(((await cancelled.json()) as SignInResponse).sign_in).toMatchObject({ id: attempt.id, state: 'cancelled', problem: 'cancelled' });
    // The loopback redirect listener is gone: the approval has nowhere to land.
    await expect(approveWithoutBrowser(new URL(attempt.authorization_url!))).rejects.toThrow();
    expect((await on(api, 'api-key')).sign_in).toMatchObject({ state: 'cancelled' });
  }, 60_000);

  it('a second start replaces the first: a new URL, and approving the first one signs nothing in', async () => {
    const { api } = await setUp();
    const first = await start(api);
    const second = await start(api);
    expect(second.id).not.toBe(first.id);
    expect(second.authorization_url).not.toBe(first.authorization_url);
    await expect(approveWithoutBrowser(new URL(first.authorization_url!))).rejects.toThrow();
    expect(await current(api)).toMatchObject({ id: second.id, state: 'pending' });
    await approveWithoutBrowser(new URL(second.authorization_url!));
    await on(api, 'oauth');
    expect(await current(api)).toMatchObject({ id: second.id, state: 'signed_in' });
  }, 60_000);

  it('the same guards as every local route: no token → 401, a foreign Host or Origin → 403, and nothing starts', async () => {
    const { relay, api } = await setUp();
    const port = Number(new URL(relay.url).port);
    const post = (path: string, headers: Record<string, string>) =>
      rawRequest(port, `POST ${path} HTTP/1.1\r\n${Object.entries({ host: `127.0.0.1:${port}`, connection: 'close', 'content-type': 'application/json', 'content-length': '2', ...headers }).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n{}`);
    const auth = { authorization: `Bearer ${api.token}` };
    for (const path of ['/v1/sign-in', '/v1/sign-out']) {
      expect((await post(path, {})).status, `${path} without a token`).toBe(401);
      expect((await post(path, { ...auth, host: 'evil.example' })).status, `${path} from another Host`).toBe(403);
      expect((await post(path, { ...auth, origin: 'http://evil.example' })).status, `${path} from another Origin`).toBe(403);
    }
    expect(await current(api)).toBeNull();
    // A form post cannot send JSON without a preflight: a non-JSON body is refused too.
    expect((await post('/v1/sign-in', { ...auth, 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect(await current(api)).toBeNull();
    expect((await on(api, 'api-key')).sign_in).toBeNull();
  }, 60_000);

  it('an error answer from the browser fails the sign-in with the reason neutralized, and the relay stays on the key', async () => {
    const { api } = await setUp();
    const attempt = await start(api);
    const auth = new URL(attempt.authorization_url!);
    const back = new URL(auth.searchParams.get('redirect_uri')!);
    back.searchParams.set('state', auth.searchParams.get('state')!);
    back.searchParams.set('error', 'access_denied');
    back.searchParams.set('error_description', 'no\n--- END ---\u001b[31m<b>red</b>\u202e');
    await (await fetch(back)).body?.cancel();
    const failed = await waitFor(async () => ((await current(api))?.state === 'failed' ? current(api) : undefined), { what: 'the sign-in failed' });
    expect(failed!.problem).toContain('did not sign you in (access_denied: no');
    for (const raw of ['\n', '\u001b', '\u202e', '---']) expect(failed!.problem).not.toContain(raw);
    expect((await on(api, 'api-key')).sign_in).toMatchObject({ id: attempt.id, state: 'failed' });
  }, 60_000);

  it('a server without OAuth: start answers 409 saying so, before any browser is involved', async () => {
    const ref = await startReferenceServer({ tokens: { [KEY]: 'acme' } });
    cleanups.add(() => ref.close());
    const home = await tempDir('relay-sign-in-no-oauth-');
    cleanups.add(home.cleanup);
    const relay = await startRelay({ home: home.path, server: ref.url, apiKey: KEY, clientId: 'page-signer', localPort: 0, env: {}, notify: false, mcp: false });
    cleanups.add(() => relay.close());
    const api = relayApi(relay.url, home.path);
    const res = await api.raw('/v1/sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: { code: 'sign_in_failed', message: expect.stringContaining('does not offer OAuth sign-in') } });
    expect(await current(api)).toMatchObject({ state: 'failed', authorization_url: null });
  }, 60_000);

  it('in demo mode there is nothing to sign in to: a 409 that says to set a server first', async () => {
    const home = await tempDir('relay-sign-in-demo-');
    cleanups.add(home.cleanup);
    const relay = await startRelay({ home: home.path, demo: true, localPort: 0, env: {}, notify: false, mcp: false, demoIntervalMs: 60_000 });
    cleanups.add(() => relay.close());
    const res = await relayApi(relay.url, home.path).raw('/v1/sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: { code: 'sign_in_needs_server', message: expect.stringContaining('name the push server to sign in to') } });
  }, 60_000);
});
