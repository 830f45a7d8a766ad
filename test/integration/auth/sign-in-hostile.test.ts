// Sign-in against servers that answer badly or point elsewhere: each fails with an error that says what went
// wrong, and no bearer token ever reaches another origin.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { OAuthSession } from '../../../relay/auth/session.js';
import { signIn } from '../../../relay/auth/sign-in.js';
import { MemorySignInStore } from '../../../relay/auth/sign-in-store.js';
import { MemoryInbox } from '../../../relay/inbox/memory-inbox.js';
import { PushStream } from '../../../relay/upstream/push-stream.js';
import { normalizeServerUrl } from '../../../relay/upstream/server-url.js';
import { useCleanups } from '../../helpers/cleanups.js';
import { waitForStatus } from '../upstream/harness.js';

const cleanups = useCleanups();

interface Seen {
  path: string;
  authorization: string | undefined;
}

/** A loopback server answering with `route`; records every request. */
async function fake(route: (req: IncomingMessage, res: ServerResponse, base: string) => void): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  let base = '';
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
    req.resume();
    route(req, res, base);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.add(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { url: base, seen };
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

/** Discovery that works, a registration endpoint that answers `register`. */
function authServer(register: (res: ServerResponse) => void, resource?: (base: string) => string) {
  return (req: IncomingMessage, res: ServerResponse, base: string) => {
    const path = new URL(req.url ?? '/', base).pathname;
    if (path === '/mcp/') {
      res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="${base}/.well-known/oauth-protected-resource"` });
      return res.end();
    }
    if (path === '/.well-known/oauth-protected-resource') return json(res, 200, { resource: resource ? resource(base) : `${base}/`, authorization_servers: [base] });
    if (path === '/.well-known/oauth-authorization-server') {
      return json(res, 200, {
        issuer: base,
        authorization_endpoint: `${base}/authorize`,
        token_endpoint: `${base}/token`,
        registration_endpoint: `${base}/register`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
      });
    }
    if (path === '/register') return register(res);
    json(res, 404, { error: 'not_found' });
  };
}

const neverOpened = () => {
  throw new Error('the browser must not be opened');
};

describe('sign-in against hostile or broken servers', () => {
  it.each([
    ['HTML instead of JSON', (res: ServerResponse) => json(res, 200, '<html>garbage</html>')],
    ['JSON without a client_id', (res: ServerResponse) => json(res, 201, { client_id: 42, redirect_uris: 'nope' })],
    ['a 500 with a body', (res: ServerResponse) => json(res, 500, 'x'.repeat(100_000))],
  ])('a registration endpoint answering %s: a clear registration error', async (_what, register) => {
    const server = await fake(authServer(register));
    const promise = signIn({ server: normalizeServerUrl(server.url), store: new MemorySignInStore(), open: neverOpened, timeoutMs: 5_000 });
    await expect(promise).rejects.toMatchObject({ name: 'SignInError', code: 'oauth_registration_failed' });
    await expect(promise).rejects.toThrow(/did not register this relay/);
  });

  it('a server without OAuth at all (API keys only): says so, instead of a registration error', async () => {
    const server = await fake((_req, res) => json(res, 404, { error: 'not_found' }));
    const promise = signIn({ server: normalizeServerUrl(server.url), store: new MemorySignInStore(), open: neverOpened, timeoutMs: 5_000 });
    await expect(promise).rejects.toMatchObject({ code: 'oauth_unsupported', message: expect.stringMatching(/does not offer OAuth sign-in.*API key/) });
  });

  it('protected-resource metadata naming another origin as the resource: refused, nothing sent there', async () => {
    const other = await fake((_req, res) => json(res, 200, {}));
    const server = await fake(authServer((res) => json(res, 500, {}), () => `${other.url}/`));
    const promise = signIn({ server: normalizeServerUrl(server.url), store: new MemorySignInStore(), open: neverOpened, timeoutMs: 5_000 });
    await expect(promise).rejects.toMatchObject({ code: 'oauth_discovery_failed' });
    expect(other.seen).toEqual([]);
    expect(server.seen.some((r) => r.path === '/register')).toBe(false);
  });

  it('a push server redirecting the signed-in stream to another origin never gets the token there', async () => {
    const other = await fake((_req, res) => json(res, 200, {}));
    const server = await fake((_req, res) => {
      res.writeHead(307, { location: `${other.url}/mcp/push/sse?client_id=x` });
      res.end();
    });
    const url = normalizeServerUrl(server.url);
    const store = new MemorySignInStore();
    store.save({ server: url.base, signInId: 'x', subject: 's', tokens: { access_token: 'access-token-secret-0123', token_type: 'Bearer', expires_in: 600 }, expiresAt: Date.now() + 600_000 });
    const session = new OAuthSession({ server: url, store });
    const stream = new PushStream({ server: url, apiKey: '', credentials: session, clientId: 'c', source: { server: url.base, tenant: 't' }, inbox: new MemoryInbox(), backoff: { baseMs: 20, capMs: 50 } });
    cleanups.add(() => stream.stop());
    stream.start();
    const status = await waitForStatus(stream, (s) => s.lastError?.code === 'cross_origin_redirect', 'the redirect refused');
    expect(status.lastError?.message).not.toContain('access-token-secret-0123');
    expect(server.seen[0]?.authorization).toBe('Bearer access-token-secret-0123');
    expect(other.seen).toEqual([]);
  });
});
