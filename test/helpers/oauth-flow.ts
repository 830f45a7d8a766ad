// A by-hand OAuth client for testing the reference authorization server at the wire level (the relay's own
// client is the SDK's; this one exists to send what a good client never would: plain PKCE, replayed codes).
import { createHash, randomBytes } from 'node:crypto';

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export const REDIRECT = 'http://127.0.0.1:9/callback';

/**
 * fetch on a connection of its own (`Connection: close`): tests restart the server on the same port, and a
 * keep-alive socket pooled from before the restart would meet the new server as "other side closed" — whether
 * the pool noticed the old one close first depends on the machine's load.
 */
export function freshFetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), connection: 'close' } });
}

export async function register(base: string, body: unknown = { redirect_uris: [REDIRECT], client_name: 'Test client', token_endpoint_auth_method: 'none' }): Promise<Response> {
  return freshFetch(`${base}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

export async function registeredClient(base: string): Promise<string> {
  const res = await register(base);
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { client_id: string }).client_id;
}

export function authorizeUrl(base: string, params: Record<string, string>): string {
  const url = new URL(`${base}/authorize`);
  for (const [k, v] of Object.entries({ response_type: 'code', redirect_uri: REDIRECT, state: 's1', resource: `${base}/`, ...params })) url.searchParams.set(k, v);
  return url.href;
}

/** GET /authorize, then press a consent button; the redirect's query. */
export async function consent(base: string, url: string, decision: 'approve' | 'deny' = 'approve'): Promise<URLSearchParams> {
  const page = await freshFetch(url, { redirect: 'manual' });
  const html = await page.text();
  const id = /name="consent_id" value="([^"]+)"/.exec(html)?.[1];
  if (!id) throw new Error(`no consent page (${page.status}): ${html.slice(0, 300)}`);
  const res = await freshFetch(`${base}/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ consent_id: id, decision }).toString(),
  });
  return new URL(res.headers.get('location')!).searchParams;
}

export async function tokenRequest(base: string, params: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await freshFetch(`${base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Register, approve, redeem: a fresh set of tokens. */
export async function signIn(base: string): Promise<{ clientId: string; access: string; refresh: string; code: string; verifier: string }> {
  const clientId = await registeredClient(base);
  const { verifier, challenge } = pkcePair();
  const q = await consent(base, authorizeUrl(base, { client_id: clientId, code_challenge: challenge, code_challenge_method: 'S256' }));
  const code = q.get('code')!;
  const t = await tokenRequest(base, { grant_type: 'authorization_code', code, client_id: clientId, redirect_uri: REDIRECT, code_verifier: verifier, resource: `${base}/` });
  if (t.status !== 200) throw new Error(`token: ${JSON.stringify(t.body)}`);
  return { clientId, access: t.body.access_token as string, refresh: t.body.refresh_token as string, code, verifier };
}

/**
 * A scripted browser without a browser: opens the authorization URL, presses Approve on the consent page and
 * follows the redirect to the relay's loopback listener. (The Chromium test drives the real page.)
 */
export async function approveWithoutBrowser(url: URL): Promise<void> {
  const page = await freshFetch(url, { redirect: 'manual' });
  const html = await page.text();
  const id = /name="consent_id" value="([^"]+)"/.exec(html)?.[1];
  if (!id) throw new Error(`no consent page (${page.status}): ${html.slice(0, 300)}`);
  const res = await freshFetch(new URL('/authorize', url), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ consent_id: id, decision: 'approve' }).toString(),
  });
  const back = await freshFetch(res.headers.get('location')!);
  await back.body?.cancel();
}
