// `push-relay login` and `logout` for one push server, through the v2 SDK's `auth()`: it discovers the
// authorization server (RFC 9728 from the 401 challenge, then RFC 8414), registers the relay (RFC 7591), builds
// the PKCE S256 authorization URL and exchanges the code. What is ours: the loopback redirect with its state
// check (loopback-redirect.ts), where the result is kept (sign-in-store.ts), and errors a person can act on.
import { randomBytes } from 'node:crypto';
import { auth, extractWWWAuthenticateParams } from '@modelcontextprotocol/client';
import { describeError, redact } from '../upstream/errors.js';
import type { FetchFn } from '../upstream/guarded-fetch.js';
import type { ServerUrl } from '../upstream/server-url.js';
import { SignInError, type SignInErrorCode } from './errors.js';
import { createOAuthFetch } from './oauth-fetch.js';
import { startLoopbackRedirect } from './loopback-redirect.js';
import { RelayOAuthProvider } from './provider.js';
import { MemorySignInStore, type SignInRecord, type SignInStore } from './sign-in-store.js';

export interface SignInOptions {
  server: ServerUrl;
  store: SignInStore;
  /** Shows the authorization URL (prints it, opens a browser, or drives one in tests). */
  open: (url: URL) => void | Promise<void>;
  fetch?: FetchFn;
  /** How long to wait for the browser. Default 5 minutes. */
  timeoutMs?: number;
  now?: () => number;
  /** Cancels the sign-in (the page's Cancel, or a newer one): it rejects, and no finished sign-in is saved. */
  signal?: AbortSignal;
}

export async function signIn(o: SignInOptions): Promise<SignInRecord> {
  const now = o.now ?? Date.now;
  const oauthFetch = createOAuthFetch(o.fetch);
  const serverUrl = o.server.controlUrl;
  // The MCP authorization spec's starting point: an unauthenticated request, whose 401 names the resource metadata.
  const resourceMetadataUrl = await probe(serverUrl, oauthFetch.fetch);
  const previous = o.store.load(o.server.base);
  // A registered client is kept across logins (no new registration each time); tokens and discovery are not.
  const start: SignInRecord = { server: o.server.base, clientInformation: previous?.clientInformation, redirectUrl: previous?.redirectUrl };
  const redirect = await startLoopbackRedirect();
  const cancelled = new Promise<never>((_, reject) => {
    const fail = () => reject(new SignInError('oauth_authorization_failed', 'the sign-in was cancelled'));
    if (o.signal?.aborted) fail();
    o.signal?.addEventListener('abort', fail, { once: true });
  });
  cancelled.catch(() => undefined); // raced below at each wait
  const unlessCancelled = <T>(p: Promise<T>) => Promise.race([p, cancelled]);
  try {
    const provider = new RelayOAuthProvider({
      // All or nothing: what the SDK saves along the way (discovery, a registration, the verifier) stays with this
      // attempt, in memory; the stored sign-in is replaced only by a finished one below. A cancelled or failed
      // attempt therefore leaves a stored sign-in exactly as it was (it keeps its tokens across a restart).
      store: new MemorySignInStore(),
      record: start,
      interactive: { redirectUrl: redirect.url, open: o.open },
      subject: () => oauthFetch.lastSubject,
      now,
    });
    // Listening before the URL is shown: a quick browser may come back before `auth()` returns.
    const callbackArrives = redirect.wait(() => provider.expectedState, o.timeoutMs ?? 5 * 60_000);
    callbackArrives.catch(() => undefined); // awaited below; a failure before that must not go unhandled
    const first = await step(() => stageOf(provider.record, oauthFetch.lastUrl), () => unlessCancelled(auth(provider, { serverUrl, resourceMetadataUrl, fetchFn: oauthFetch.fetch }))).catch((err: unknown) => {
      // Without any metadata the SDK falls back to guessed endpoints (/register at the root); their 404 would
      // read as a broken registration when the truth is that the server has no OAuth sign-in at all.
      if (!provider.record.discoveryState?.authorizationServerMetadata && !resourceMetadataUrl) {
        throw new SignInError('oauth_unsupported', `${o.server.base} does not offer OAuth sign-in (no authorization-server metadata); use an API key (PUSH_RELAY_API_KEY or Settings)`, { cause: err });
      }
      throw err;
    });
    if (first !== 'REDIRECT') throw new SignInError('oauth_authorization_failed', 'the server signed in without asking the user, which this relay does not accept');
    const callback = await unlessCancelled(callbackArrives);
    await step(() => 'oauth_token_failed', () => unlessCancelled(auth(provider, { serverUrl, resourceMetadataUrl, authorizationCode: callback.code, iss: callback.iss, fetchFn: oauthFetch.fetch })));
    const record = provider.record;
    // Without a `sub` from the server, the registered client stands for the subject: stable until logout.
    const subject = record.subject ?? `client:${record.clientInformation?.client_id ?? 'unknown'}`;
    const done: SignInRecord = { ...record, subject, redirectUrl: redirect.url, signInId: randomBytes(8).toString('hex'), signedInAt: new Date(now()).toISOString() };
    o.store.save(done);
    return done;
  } finally {
    await redirect.close();
  }
}

/**
 * Signs out of `server`: revokes the refresh token (RFC 7009, which the SDK has no call for: a form POST) when
 * the server has a revocation endpoint, then forgets the tokens and the registration. True when there was a sign-in.
 */
export async function signOut(server: ServerUrl, store: SignInStore, fetch?: FetchFn): Promise<boolean> {
  const record = store.load(server.base);
  if (!record) return false;
  const endpoint = (record.discoveryState?.authorizationServerMetadata as { revocation_endpoint?: string } | undefined)?.revocation_endpoint;
  const token = record.tokens?.refresh_token ?? record.tokens?.access_token;
  store.remove(server.base);
  if (endpoint && token && record.clientInformation) {
    const body = new URLSearchParams({ token, token_type_hint: record.tokens?.refresh_token ? 'refresh_token' : 'access_token', client_id: record.clientInformation.client_id });
    // Best effort: the local copy is gone either way, and a server that cannot be reached lets the token expire.
    await createOAuthFetch(fetch)
      .fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() })
      .then((r) => r.body?.cancel())
      .catch(() => undefined);
  }
  return true;
}

async function probe(serverUrl: string, fetch: FetchFn): Promise<URL | undefined> {
  let res: Response;
  try {
    res = await fetch(serverUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'ping' }),
    });
  } catch (err) {
    throw new SignInError('oauth_discovery_failed', `cannot reach ${serverUrl}: ${describeError(err)}`, { cause: err });
  }
  await res.body?.cancel().catch(() => undefined);
  if (res.status !== 401) return undefined; // the SDK then looks for the metadata at the well-known paths
  return extractWWWAuthenticateParams(res).resourceMetadataUrl;
}

/** Which step failed: the registration request if that was the last one made, else discovery until a client exists. */
function stageOf(record: SignInRecord, lastUrl: string | undefined): SignInErrorCode {
  const registration = record.discoveryState?.authorizationServerMetadata?.registration_endpoint;
  if (registration !== undefined && lastUrl === registration) return 'oauth_registration_failed';
  return record.clientInformation ? 'oauth_authorization_failed' : 'oauth_discovery_failed';
}

const STAGE_TEXT: Record<string, string> = {
  oauth_discovery_failed: "could not read the push server's OAuth metadata",
  oauth_registration_failed: 'the push server did not register this relay (dynamic client registration)',
  oauth_authorization_failed: 'could not start the authorization',
  oauth_token_failed: 'the push server did not exchange the authorization code for tokens',
};

/** Runs a stage; a failure says which stage (read when it failed: discovery, registration or authorization). */
async function step<T>(stage: () => SignInErrorCode, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof SignInError) throw err;
    const code = stage();
    throw new SignInError(code, `${STAGE_TEXT[code] ?? 'sign-in failed'}: ${redact(describeError(err)).slice(0, 500)}`, { cause: err });
  }
}
