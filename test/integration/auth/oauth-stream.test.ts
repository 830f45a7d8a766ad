// The relay signed in with OAuth against the reference server, for real on loopback: the push stream and the
// control client on one refreshing session (relay/auth/session.ts through guarded-fetch.ts's token seam).
import { describe, expect, it } from 'vitest';
import { tenantIdForSignIn } from '../../../relay/auth/identity.js';
import { OAuthSession } from '../../../relay/auth/session.js';
import { signIn } from '../../../relay/auth/sign-in.js';
import { MemorySignInStore, type SignInRecord } from '../../../relay/auth/sign-in-store.js';
import { MemoryInbox } from '../../../relay/inbox/memory-inbox.js';
import { startReferenceServer, type ReferenceServer } from '../../../relay/reference-server/server.js';
import { ControlClient } from '../../../relay/upstream/control-client.js';
import { PushStream } from '../../../relay/upstream/push-stream.js';
import { normalizeServerUrl } from '../../../relay/upstream/server-url.js';
import { useCleanups } from '../../helpers/cleanups.js';
import { approveWithoutBrowser } from '../../helpers/oauth-flow.js';
import { waitFor } from '../../helpers/wait-for.js';
import { trackingClock, waitForStatus } from '../upstream/harness.js';

const cleanups = useCleanups();
const TENANT = 'acme';

async function world(accessTokenTtlMs: number, now?: () => Date) {
  const server = await startReferenceServer({ oauth: { tenant: TENANT, accessTokenTtlMs }, heartbeatMs: 200, checkHost: true, ...(now ? { now } : {}) });
  cleanups.add(() => server.close());
  const url = normalizeServerUrl(server.url);
  const store = new MemorySignInStore();
  const tokenRequests: string[] = [];
  // Counts the refresh grants the relay sends (single-flight is asserted on it).
  const fetch = (input: string | URL, init?: RequestInit) => {
    if (String(input).endsWith('/token') && String(init?.body).includes('grant_type=refresh_token')) tokenRequests.push(String(input));
    return globalThis.fetch(input, init);
  };
  const login = () => signIn({ server: url, store, open: approveWithoutBrowser });
  return { server, url, store, fetch, tokenRequests, login };
}

function sourceOf(record: SignInRecord, base: string) {
  return { server: base, tenant: tenantIdForSignIn(record.issuer!, record.subject!) };
}

function streamFor(server: ReferenceServer, session: OAuthSession, record: SignInRecord, memory: MemoryInbox, clock = trackingClock()) {
  const logs: string[] = [];
  const delivered: number[] = [];
  const stream = new PushStream({
    server: server.url,
    apiKey: '',
    credentials: session,
    clientId: 'oauth-relay',
    source: sourceOf(record, normalizeServerUrl(server.url).base),
    inbox: memory,
    clock,
    heartbeatMs: 200,
    backoff: { baseMs: 20, capMs: 200 },
    log: (line) => logs.push(line),
  });
  stream.onEvents((events) => delivered.push(...events.map((e) => e.event_id)));
  cleanups.add(() => stream.stop());
  return { stream, logs, delivered, clock };
}

/** Signed in, subscribed to custom.* through the control plane, and the push stream open, on one session. */
async function signedInRelay(w: Awaited<ReturnType<typeof world>>) {
  const record = await w.login();
  const session = new OAuthSession({ server: w.url, store: w.store, fetch: w.fetch });
  const control = new ControlClient({ server: w.url, apiKey: '', credentials: session, clientId: 'oauth-relay' });
  cleanups.add(() => control.close());
  await control.subscribe({ topic: ['custom.*'] });
  const memory = new MemoryInbox();
  const parts = streamFor(w.server, session, record, memory);
  parts.stream.start();
  await waitForStatus(parts.stream, (s) => s.state === 'open', 'open');
  return { record, session, control, memory, ...parts };
}

describe('OAuth sign-in: the relay as a client of the reference server', () => {
  it('keeps every event exactly once while access tokens expire every 2 s through a 1,000-event burst', async () => {
    const w = await world(2000);
    const { record, session, control, memory, stream, delivered, logs } = await signedInRelay(w);
    expect(record.subject).toBe(TENANT);

    const emitted: number[] = [];
    for (let chunk = 0; chunk < 10; chunk++) {
      for (let i = 0; i < 100; i++) emitted.push((await w.server.emit(TENANT, { topic: 'custom.burst', payload: { chunk, i } })).event_id);
      if (chunk === 2 || chunk === 6) {
        // Mid-burst, the access token expires: the server ends the stream, the relay refreshes and resumes.
        const before = session.status().refreshes;
        await waitForStatus(stream, (s) => session.status().refreshes > before && s.state === 'open', 'a reconnect on a refreshed token', 15_000);
      }
    }
    await waitFor(() => delivered.length >= 1000 || undefined, { timeoutMs: 30_000, what: '1,000 events' });
    expect([...delivered].sort((a, b) => a - b)).toEqual(emitted);
    expect(memory.readSince(0).map((e) => e.event_id)).toEqual(emitted);
    expect(session.status().refreshes).toBeGreaterThanOrEqual(2);
    // The control plane refreshes through the same session too (its token is long stale by now).
    expect((await control.listSubscriptions()).length).toBe(1);
    const secrets = session.secrets();
    for (const line of logs) for (const secret of secrets) expect(line).not.toContain(secret);
  }, 90_000);

  it('shares one refresh among concurrent callers', async () => {
    const w = await world(60_000);
    await w.login();
    let now = Date.now();
    const session = new OAuthSession({ server: w.url, store: w.store, fetch: w.fetch, now: () => now });
    now += 60_000; // past expiry for the relay's clock
    const tokens = await Promise.all(Array.from({ length: 8 }, () => session.token()));
    expect(w.tokenRequests).toHaveLength(1);
    expect(new Set(tokens).size).toBe(1);
    // A 401 for an old token after the refresh retries with the new one, without refreshing again.
    expect(await session.refreshAfterRejection('stale-token')).toBe(true);
    expect(w.tokenRequests).toHaveLength(1);
  });

  it('a refresh that cannot reach the server is a network failure, not a sign-out', async () => {
    const w = await world(60_000);
    await w.login();
    let now = Date.now();
    let down = true;
    const fetch = (input: string | URL, init?: RequestInit) =>
      down && String(input).endsWith('/token') ? Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })) : w.fetch(input, init);
    const session = new OAuthSession({ server: w.url, store: w.store, fetch, now: () => now });
    now += 60_000;
    await expect(session.token()).rejects.toThrow(/ECONNREFUSED/);
    expect(session.status()).toMatchObject({ signedIn: true, problem: null });
    down = false;
    expect(await session.token()).toMatch(/^ref_at_/);
    expect(session.status().refreshes).toBe(1);
  });

  it('refreshes once and retries once when the server answers 401 to a token the relay thought valid', async () => {
    // The server's clock is the test's: it jumps past the token's expiry once, so the refreshed token stays
    // valid however slowly a loaded machine runs the retry (a real 1 s token could expire again in between).
    let serverSkewMs = 0;
    const w = await world(60_000, () => new Date(Date.now() + serverSkewMs));
    const record = await w.login();
    const frozen = Date.now();
    // The relay's clock says the token is fresh; the server's says it expired: only the 401 tells.
    const session = new OAuthSession({ server: w.url, store: w.store, fetch: w.fetch, now: () => frozen });
    serverSkewMs = 61_000;
    expect(w.server.oauth!.grants.accessToken(record.tokens!.access_token)).toBeUndefined();
    const control = new ControlClient({ server: w.url, apiKey: '', credentials: session, clientId: 'oauth-relay' });
    cleanups.add(() => control.close());
    await control.subscribe({ topic: ['custom.*'] });
    expect(w.tokenRequests).toHaveLength(1);
  });

  it('goes unauthorized ("sign in again", no retries) when the grant is revoked mid-stream; a new login resumes from the cursor', async () => {
    const w = await world(60_000);
    const { record, session, control, stream, delivered, clock } = await signedInRelay(w);
    const emitted: number[] = [];
    const emit = async (n: number) => {
      for (let i = 0; i < n; i++) emitted.push((await w.server.emit(TENANT, { topic: 'custom.x', payload: { i } })).event_id);
    };
    await emit(10);
    await waitFor(() => delivered.length >= 10 || undefined, { what: '10 events' });

    w.server.oauth!.grants.revokeAll(); // the user revoked the app on the server
    const refused = await waitForStatus(stream, (s) => s.state === 'unauthorized', 'unauthorized');
    expect(refused.lastError?.message).toMatch(/sign in again/);
    expect(refused.nextRetryAt).toBeNull();
    expect(clock.pending()).toBe(0); // no timer: nothing will retry by itself
    expect(session.status()).toMatchObject({ signedIn: false });
    const refreshes = w.tokenRequests.length;
    await emit(5);
    // Still nothing tried: a control call on the dead session answers unauthorized without a refresh loop.
    await expect(control.listSubscriptions()).rejects.toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/sign in again/) });
    expect(w.tokenRequests.length).toBe(refreshes);
    expect(stream.status().state).toBe('unauthorized');

    const again = await w.login();
    expect(sourceOf(again, w.url.base)).toEqual(sourceOf(record, w.url.base)); // same subject: same source
    const fresh = new OAuthSession({ server: w.url, store: w.store, fetch: w.fetch });
    stream.setCredentials(fresh, sourceOf(again, w.url.base));
    await waitFor(() => delivered.length >= 15 || undefined, { what: 'the 5 events emitted while signed out' });
    expect(delivered).toEqual(emitted);
  }, 60_000);
});
