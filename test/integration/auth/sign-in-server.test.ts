// Signing in names the server for a newcomer (demo mode, no API key): POST /v1/sign-in with { server } signs in,
// saves that server in settings and switches the running relay to it. And a sign-in's switch waits its turn
// behind a Settings change in progress (one queue for both), so the two never interleave.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSignInStore } from '../../../relay/auth/sign-in-store.js';
import { startRelay } from '../../../relay/core/relay.js';
import { plainKeyWriter } from '../../../relay/local/settings-routes.js';
import type { RelayStatus, SignInResponse } from '../../../relay/protocol/local-api.js';
import { startReferenceServer } from '../../../relay/reference-server/server.js';
import { normalizeServerUrl } from '../../../relay/upstream/server-url.js';
import { useCleanups } from '../../helpers/cleanups.js';
import { approveWithoutBrowser } from '../../helpers/oauth-flow.js';
import { allEvents, relayApi, type RelayApi } from '../../helpers/relay-api.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';

const cleanups = useCleanups();
const KEY = 'key-0123456789';

const on = (api: RelayApi, method: string) =>
  waitFor(async () => {
    const s = await api.get<RelayStatus>('/v1/status');
    return s.upstream.state === 'open' && s.auth?.method === method && s;
  }, { what: `the upstream open on ${method}` });

async function referenceServer() {
  const ref = await startReferenceServer({ tokens: { [KEY]: 'acme' }, oauth: { tenant: 'acme' }, heartbeatMs: 500 });
  cleanups.add(() => ref.close());
  ref.store.subscribe('acme', { client_id: 'newcomer', topic: ['deal.*'] });
  return ref;
}

const postSignIn = (api: RelayApi, body: unknown) => api.raw('/v1/sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('signing in to a server named at the start', () => {
  it('in demo mode with no key: the sign-in saves the server in settings and the relay switches to it; events arrive', async () => {
    const ref = await referenceServer();
    const home = await tempDir('relay-sign-in-server-');
    cleanups.add(home.cleanup);
    const relay = await startRelay({ home: home.path, localPort: 0, clientId: 'newcomer', env: {}, notify: false, mcp: false, demoIntervalMs: 60_000 });
    cleanups.add(() => relay.close());
    const api = relayApi(relay.url, home.path);
    expect((await api.get<RelayStatus>('/v1/status')).mode).toBe('demo');

    // Checked as the Settings page's server URL is, before any browser is involved.
    for (const bad of [{ server: 'ftp://example.com' }, { server: 42 }, { server: ref.url, apiKey: KEY }]) {
      const res = await postSignIn(api, bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    expect((await api.get<SignInResponse>('/v1/sign-in')).sign_in).toBeNull();

    const res = await postSignIn(api, { server: ` ${ref.url} ` });
    expect(res.status).toBe(202);
    const attempt = ((await res.json()) as SignInResponse).sign_in!;
    expect(attempt.server).toBe(normalizeServerUrl(ref.url).base);
    await approveWithoutBrowser(new URL(attempt.authorization_url!));
    const status = await on(api, 'oauth');
    expect(status).toMatchObject({ mode: 'server', server: normalizeServerUrl(ref.url).base, auth: { subject: 'acme' } });
    expect(JSON.parse(readFileSync(join(home.path, 'settings.json'), 'utf8'))).toMatchObject({ server: normalizeServerUrl(ref.url).base });
    await ref.emit('acme', { topic: 'deal.won', payload: { tag: 'first' } });
    await waitFor(async () => (await allEvents(api)).some((e) => e.payload.tag === 'first'), { what: 'the event' });
  }, 60_000);

  it("a sign-in's switch waits behind a Settings change in progress, then runs: one queue for both", async () => {
    const ref = await referenceServer();
    const home = await tempDir('relay-sign-in-queue-');
    cleanups.add(home.cleanup);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inPut = new Promise<void>((r) => (entered = r));
    const relay = await startRelay({
      home: home.path,
      server: ref.url,
      apiKey: KEY,
      clientId: 'newcomer',
      localPort: 0,
      env: {},
      notify: false,
      mcp: false,
      // The Settings PUT holds the queue here until the test lets it go.
      writeKey: async (key) => {
        entered();
        await gate;
        return plainKeyWriter(key);
      },
    });
    cleanups.add(() => relay.close());
    const api = relayApi(relay.url, home.path);
    await on(api, 'api-key');
    // --server wins over settings: another server named at the start is refused (it would not be used).
    const other = await postSignIn(api, { server: 'http://127.0.0.1:9' });
    expect(other.status).toBe(409);
    expect(await other.json()).toMatchObject({ error: { code: 'sign_in_server_overridden' } });

    const started = await relay.signIn.start();
    // What the settings file held when the sign-in's switch was done: the PUT's change must already be there.
    const signedIn = started.done.then((a) => ({ state: a.state, savedKey: relay.settings.read().apiKey }));
    const put = api.raw('/v1/settings', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiKey: KEY }) });
    await inPut;
    await approveWithoutBrowser(new URL(started.attempt.authorization_url!));
    // The exchange is done and stored, and the loopback listener closed: only the switch is left.
    const store = new FileSignInStore(home.path);
    await waitFor(() => store.load(normalizeServerUrl(ref.url).base)?.signInId, { what: 'the sign-in stored' });
    const redirect = new URL(new URL(started.attempt.authorization_url!).searchParams.get('redirect_uri')!);
    await waitFor(() => fetch(redirect).then(() => false, () => true), { what: 'the loopback listener closed' });
    await new Promise((r) => setImmediate(r));
    expect(relay.signIn.current()?.state).toBe('pending');
    release();
    expect((await put).status).toBe(200);
    expect(await signedIn).toEqual({ state: 'signed_in', savedKey: KEY });
    await on(api, 'oauth');
  }, 60_000);
});
