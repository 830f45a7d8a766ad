// The reference server as an OAuth authorization server (MCP authorization, 2025-11-25), at the wire level.
import { describe, expect, it } from 'vitest';
import { startReferenceServer, type ReferenceServer } from '../../../relay/reference-server/server.js';
import { useCleanups } from '../../helpers/cleanups.js';
import { authorizeUrl, consent, pkcePair, REDIRECT, register, registeredClient, signIn, tokenRequest } from '../../helpers/oauth-flow.js';

const cleanups = useCleanups();

async function server(accessTokenTtlMs?: number): Promise<ReferenceServer> {
  const s = await startReferenceServer({ oauth: { tenant: 'acme', ...(accessTokenTtlMs ? { accessTokenTtlMs } : {}) }, checkHost: true });
  cleanups.add(() => s.close());
  return s;
}

const mcpList = (base: string, token?: string) =>
  fetch(`${base}/mcp/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });

describe('reference server: OAuth discovery', () => {
  it('answers 401 on /mcp/ and /mcp/push/sse with resource_metadata, and serves both metadata documents', async () => {
    const s = await server();
    for (const res of [await mcpList(s.url), await fetch(`${s.url}/mcp/push/sse?client_id=c`)]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${s.url}/.well-known/oauth-protected-resource"`);
    }
    const prm = (await (await fetch(`${s.url}/.well-known/oauth-protected-resource`)).json()) as Record<string, unknown>;
    expect(prm).toMatchObject({ resource: `${s.url}/`, authorization_servers: [s.url] });
    const asm = (await (await fetch(`${s.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(asm).toMatchObject({ issuer: s.url, registration_endpoint: `${s.url}/register`, code_challenge_methods_supported: ['S256'] });
  });

  it('leaves the API-key path as it was', async () => {
    const s = await startReferenceServer({ oauth: {}, tokens: { key1: 'demo' } });
    cleanups.add(() => s.close());
    expect((await mcpList(s.url, 'key1')).status).toBe(200);
    expect((await mcpList(s.url, 'wrong')).status).toBe(401);
  });
});

describe('reference server: dynamic client registration', () => {
  it.each([
    ['not JSON', 'nope'],
    ['no redirect_uris', { client_name: 'x' }],
    ['http to a non-loopback host', { redirect_uris: ['http://evil.example/cb'] }],
    ['a confidential client', { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'client_secret_basic' }],
    ['an implicit grant', { redirect_uris: [REDIRECT], grant_types: ['implicit'] }],
    ['a huge name', { redirect_uris: [REDIRECT], client_name: 'x'.repeat(201) }],
  ])('refuses %s', async (_why, body) => {
    const s = await server();
    const res = typeof body === 'string' ? await fetch(`${s.url}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }) : await register(s.url, body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^invalid_(client_metadata|redirect_uri)$/);
  });

  it('refuses a body over 16 KiB and registrations past the cap', async () => {
    const s = await startReferenceServer({ oauth: { maxClients: 2 } });
    cleanups.add(() => s.close());
    expect((await register(s.url, { redirect_uris: [REDIRECT], pad: 'x'.repeat(20_000) })).status).toBe(413);
    expect((await register(s.url)).status).toBe(201);
    expect((await register(s.url)).status).toBe(201);
    expect((await register(s.url)).status).toBe(503);
  });
});

describe('reference server: authorization', () => {
  it('shows a consent page naming the client (escaped) and the scopes; deny redirects with access_denied', async () => {
    const s = await server();
    const res = await register(s.url, { redirect_uris: [REDIRECT], client_name: '<img src=x onerror=alert(1)>Evil' });
    const { client_id } = (await res.json()) as { client_id: string };
    const { challenge } = pkcePair();
    const page = await fetch(authorizeUrl(s.url, { client_id, code_challenge: challenge, code_challenge_method: 'S256', scope: 'push:read' }));
    const html = await page.text();
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;Evil');
    expect(html).not.toContain('<img');
    expect(html).toContain('<code>push:read</code>');
    const q = await consent(s.url, authorizeUrl(s.url, { client_id, code_challenge: challenge, code_challenge_method: 'S256' }), 'deny');
    expect(q.get('error')).toBe('access_denied');
    expect(q.get('state')).toBe('s1');
  });

  it('refuses PKCE plain (and no PKCE) with invalid_request, before any consent', async () => {
    const s = await server();
    const client_id = await registeredClient(s.url);
    for (const params of [{ code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }, {}] as Record<string, string>[]) {
      const res = await fetch(authorizeUrl(s.url, { client_id, ...params }), { redirect: 'manual' });
      expect(res.status).toBe(302);
      const q = new URL(res.headers.get('location')!).searchParams;
      expect(q.get('error')).toBe('invalid_request');
      expect(q.get('error_description')).toMatch(/S256/);
    }
  });

  it('never redirects to an unregistered redirect_uri, and refuses another resource', async () => {
    const s = await server();
    const client_id = await registeredClient(s.url);
    const { challenge } = pkcePair();
    const res = await fetch(authorizeUrl(s.url, { client_id, code_challenge: challenge, code_challenge_method: 'S256', redirect_uri: 'https://evil.example/cb' }), { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    const other = await fetch(authorizeUrl(s.url, { client_id, code_challenge: challenge, code_challenge_method: 'S256', resource: 'https://other.example/' }), { redirect: 'manual' });
    expect(new URL(other.headers.get('location')!).searchParams.get('error')).toBe('invalid_target');
  });
});

describe('reference server: tokens', () => {
  it('issues tokens that resolve to the tenant on /mcp/; a wrong verifier is refused', async () => {
    const s = await server();
    const client_id = await registeredClient(s.url);
    const { challenge } = pkcePair();
    const q = await consent(s.url, authorizeUrl(s.url, { client_id, code_challenge: challenge, code_challenge_method: 'S256' }));
    const bad = await tokenRequest(s.url, { grant_type: 'authorization_code', code: q.get('code')!, client_id, redirect_uri: REDIRECT, code_verifier: pkcePair().verifier });
    expect(bad).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const t = await signIn(s.url);
    expect((await mcpList(s.url, t.access)).status).toBe(200);
  });

  it('refuses a replayed code and revokes what its first use issued', async () => {
    const s = await server();
    const t = await signIn(s.url);
    const replay = await tokenRequest(s.url, { grant_type: 'authorization_code', code: t.code, client_id: t.clientId, redirect_uri: REDIRECT, code_verifier: t.verifier });
    expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await mcpList(s.url, t.access)).status).toBe(401);
    expect((await tokenRequest(s.url, { grant_type: 'refresh_token', refresh_token: t.refresh, client_id: t.clientId })).status).toBe(400);
  });

  it('rotates refresh tokens; the old one presented again revokes the grant', async () => {
    const s = await server();
    const t = await signIn(s.url);
    const r1 = await tokenRequest(s.url, { grant_type: 'refresh_token', refresh_token: t.refresh, client_id: t.clientId, resource: `${s.url}/` });
    expect(r1.status).toBe(200);
    expect(r1.body.refresh_token).not.toBe(t.refresh);
    expect(r1.body.sub).toBe('acme');
    const again = await tokenRequest(s.url, { grant_type: 'refresh_token', refresh_token: t.refresh, client_id: t.clientId });
    expect(again).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await mcpList(s.url, r1.body.access_token as string)).status).toBe(401);
  });

  it('revokes a grant through /revoke, which also ends its push stream', async () => {
    const s = await server();
    const t = await signIn(s.url);
    const stream = await fetch(`${s.url}/mcp/push/sse?client_id=c1`, { headers: { authorization: `Bearer ${t.access}` } });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    await reader.read();
    const res = await fetch(`${s.url}/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: t.refresh, client_id: t.clientId }).toString() });
    expect(res.status).toBe(200);
    // The stream ends (done, or reset): without the cut this loop waits for heartbeats until the test times out.
    const ended = async () => {
      try {
        while (!(await reader.read()).done);
      } catch {
        // a reset ends it too
      }
      return true;
    };
    expect(await ended()).toBe(true);
    expect((await mcpList(s.url, t.access)).status).toBe(401);
  });
});
