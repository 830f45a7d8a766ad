// With --data-dir the reference server keeps registered clients and refresh-token grants in its journal (hashed:
// never the raw token), so its restart keeps a sign-in working: the relay's next request gets a 401 for its
// access token, the refresh succeeds, and events arrive. Replay detection and revocation survive a restart too.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signIn as relaySignIn } from '../../../relay/auth/sign-in.js';
import { FileSignInStore } from '../../../relay/auth/sign-in-store.js';
import { startRelay } from '../../../relay/core/relay.js';
import type { RelayStatus } from '../../../relay/protocol/local-api.js';
import { startReferenceServer, type ReferenceServer } from '../../../relay/reference-server/server.js';
import { normalizeServerUrl } from '../../../relay/upstream/server-url.js';
import { useCleanups } from '../../helpers/cleanups.js';
import { approveWithoutBrowser, freshFetch, signIn, tokenRequest } from '../../helpers/oauth-flow.js';
import { allEvents, relayApi } from '../../helpers/relay-api.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';

const cleanups = useCleanups();

async function reference(dataDir: string, port = 0): Promise<ReferenceServer> {
  const ref = await startReferenceServer({ port, dataDir, oauth: { tenant: 'acme' }, heartbeatMs: 500 });
  cleanups.add(() => ref.close());
  return ref;
}

const journalText = (dir: string) => readFileSync(join(dir, 'journal.jsonl'), 'utf8');

describe('reference server: OAuth grants across a restart (--data-dir)', () => {
  it('a signed-in relay keeps its sign-in when the server restarts: refresh works, events arrive; no raw token on disk', async () => {
    const data = await tempDir('ref-oauth-data-');
    cleanups.add(data.cleanup);
    const home = await tempDir('relay-oauth-restart-');
    cleanups.add(home.cleanup);
    let ref = await reference(data.path);
    ref.store.subscribe('acme', { client_id: 'survivor', topic: ['deal.*'] });
    const server = normalizeServerUrl(ref.url);
    const store = new FileSignInStore(home.path);
    const signedIn = await relaySignIn({ server, store, open: approveWithoutBrowser });
    const relay = await startRelay({ home: home.path, server: ref.url, clientId: 'survivor', localPort: 0, env: {}, notify: false, mcp: false });
    cleanups.add(() => relay.close());
    const api = relayApi(relay.url, home.path);
    const open = () =>
      waitFor(async () => {
        const s = await api.get<RelayStatus>('/v1/status');
        return s.upstream.state === 'open' && s.auth?.method === 'oauth' && s.auth.signed_in && s;
      }, { what: 'open on the sign-in' });
    const arrives = async (tag: string) => {
      await ref.emit('acme', { topic: 'deal.won', payload: { tag } });
      await waitFor(async () => (await allEvents(api)).some((e) => e.payload.tag === tag), { what: `the event ${tag}` });
    };
    await open();
    await arrives('before');

    const port = ref.port;
    await ref.close();
    ref = await reference(data.path, port);
    await arrives('after the restart');
    const after = store.load(server.base)!;
    expect(after.tokens!.refresh_token).not.toBe(signedIn.tokens!.refresh_token); // it did refresh (rotated)
    expect(after.refreshFailed).toBeUndefined();
    expect((await open()).auth).toMatchObject({ subject: 'acme' });

    const text = journalText(data.path);
    for (const token of [signedIn.tokens!.refresh_token!, after.tokens!.refresh_token!, after.tokens!.access_token]) expect(text).not.toContain(token);
    expect(text).toContain(signedIn.clientInformation!.client_id);
  }, 60_000);

  it('after a restart a rotated refresh token is still a replay (the grant is revoked), a revoked grant stays revoked, another refreshes', async () => {
    const data = await tempDir('ref-oauth-replay-');
    cleanups.add(data.cleanup);
    let ref = await reference(data.path);
    const a = await signIn(ref.url);
    const b = await signIn(ref.url);
    const refreshed = await tokenRequest(ref.url, { grant_type: 'refresh_token', refresh_token: a.refresh, client_id: a.clientId });
    expect(refreshed.status).toBe(200);
    const c = await signIn(ref.url);
    await (await freshFetch(`${ref.url}/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: b.refresh, client_id: b.clientId }).toString() })).body?.cancel();
    const port = ref.port;
    await ref.close();
    ref = await reference(data.path, port);

    // The rotated one presented again: refused, and the token it rotated into dies with the grant.
    expect((await tokenRequest(ref.url, { grant_type: 'refresh_token', refresh_token: a.refresh, client_id: a.clientId })).body.error).toBe('invalid_grant');
    expect((await tokenRequest(ref.url, { grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token as string, client_id: a.clientId })).body.error).toBe('invalid_grant');
    expect((await tokenRequest(ref.url, { grant_type: 'refresh_token', refresh_token: b.refresh, client_id: b.clientId })).body.error).toBe('invalid_grant');
    // An untouched grant refreshes as before the restart.
    expect((await tokenRequest(ref.url, { grant_type: 'refresh_token', refresh_token: c.refresh, client_id: c.clientId })).status).toBe(200);
  }, 60_000);
});
