// The reference server as an OAuth 2.1 authorization server and protected resource, as the MCP authorization
// spec (2025-11-25) has it: RFC 9728 protected-resource metadata, RFC 8414 server metadata, RFC 7591 dynamic
// registration, the authorization-code grant with PKCE (S256 only), refresh with rotation, RFC 7009 revocation
// and RFC 8707 resource indicators. Seed 001: "OAuth 2.0 with standard discovery metadata and Dynamic Client
// Registration, so MCP-native clients connect without a pre-shared key".
//
// Why most of this is hand-written: the v2 SDK (@modelcontextprotocol/server 2.4) ships only the resource-server
// side, framework-free (verifyBearerToken, bearerAuthChallengeResponse, buildOAuthProtectedResourceMetadata;
// used below). It has no authorization-server handlers at all (v1's mcpAuthRouter with /authorize, /token and
// /register was Express-only and was not carried over), and this server is plain node:http. The wire shapes
// are still the SDK's: registrations are parsed with @modelcontextprotocol/core's OAuthClientMetadataSchema and
// the metadata documents are typed by its OAuthMetadata, the same schemas the relay's SDK client parses them with.
//
// The reference server has no user accounts: whoever approves the consent page signs in as the one tenant this
// server was started with (`tenant`), which is also what the token response names as `sub`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { OAuthClientMetadataSchema } from '@modelcontextprotocol/core';
import type { OAuthMetadata } from '@modelcontextprotocol/server';
import { bearerAuthChallengeResponse, buildOAuthProtectedResourceMetadata, OAuthError, OAuthErrorCode, verifyBearerToken, type AuthInfo } from '@modelcontextprotocol/server';
import { isLoopbackHost } from '../../upstream/server-url.js';
import { HttpError, readBody, sendJson } from '../../util/http.js';
import { sendConsentPage, sendErrorPage } from './consent-page.js';
import { Grants, type AuthorizationRequest, type GrantJournal, type GrantFailure, type GrantLimits, type IssuedTokens } from './grants.js';

/** What the relay needs: read the push stream, and manage its subscriptions on the control plane. */
export const OAUTH_SCOPES = ['push:read', 'subscriptions:write'] as const;
export const PROTECTED_RESOURCE_PATH = '/.well-known/oauth-protected-resource';
export const AUTHORIZATION_SERVER_PATH = '/.well-known/oauth-authorization-server';

/** RFC 7591 bodies are small; anything near this is not a registration. */
const MAX_REGISTRATION_BYTES = 16 * 1024;
const MAX_FORM_BYTES = 8 * 1024;
const MAX_REDIRECT_URIS = 5;
const MAX_CLIENT_NAME = 200;

export interface AuthorizationServerOptions {
  /** The server's origin, known once it listens (`http://127.0.0.1:<port>`). */
  origin: () => string;
  /** The tenant every approval signs in as. */
  tenant: string;
  limits: GrantLimits;
  now: () => number;
  /** Keeps clients and refresh grants across restarts (store.ts, with --data-dir). */
  journal?: GrantJournal;
}

export interface AuthorizationServer {
  readonly grants: Grants;
  /** Answers an OAuth route; false when `path` is not one. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  /**
   * The tenant of an OAuth access token (through the SDK's verifyBearerToken), or an HttpError carrying the
   * SDK's challenge: 401 with `WWW-Authenticate: Bearer … resource_metadata="…"`, 403 for a missing scope.
   */
  verify(authorization: string | undefined, scope: string): Promise<AuthInfo>;
  /** The `WWW-Authenticate` value of a request without any token. */
  challenge(): string;
  /** Calls `onEnd` once when the access token expires or its grant is revoked. Returns a cancel. */
  endWith(token: string, onEnd: () => void): () => void;
}

export function createAuthorizationServer(options: AuthorizationServerOptions): AuthorizationServer {
  const grants = new Grants(options.limits, options.now, options.journal);
  const issuer = () => options.origin();
  /** RFC 8707 resource indicator of everything this server protects: /mcp/ and /mcp/push/sse alike. */
  const resource = () => `${options.origin()}/`;
  const resourceMetadataUrl = () => `${options.origin()}${PROTECTED_RESOURCE_PATH}`;

  function serverMetadata(): OAuthMetadata {
    const base = issuer();
    return {
      issuer: base,
      authorization_endpoint: `${base}/authorize`,
      token_endpoint: `${base}/token`,
      registration_endpoint: `${base}/register`,
      revocation_endpoint: `${base}/revoke`,
      scopes_supported: [...OAUTH_SCOPES],
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_methods_supported: ['none'],
      revocation_endpoint_auth_methods_supported: ['none'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    switch (url.pathname) {
      case PROTECTED_RESOURCE_PATH:
        onlyMethod(req, 'GET');
        sendJson(
          res,
          200,
          buildOAuthProtectedResourceMetadata({
            oauthMetadata: serverMetadata(),
            resourceServerUrl: new URL(resource()),
            scopesSupported: [...OAUTH_SCOPES],
            resourceName: 'Push Relay reference server',
          }),
        );
        return true;
      case AUTHORIZATION_SERVER_PATH:
        onlyMethod(req, 'GET');
        sendJson(res, 200, serverMetadata());
        return true;
      case '/register':
        onlyMethod(req, 'POST');
        await register(req, res);
        return true;
      case '/authorize':
        if (req.method === 'GET') authorize(res, url);
        else if (req.method === 'POST') await decide(req, res);
        else throw new HttpError(405, 'method_not_allowed', 'use GET or POST on /authorize', { allow: 'GET, POST' });
        return true;
      case '/token':
        onlyMethod(req, 'POST');
        await token(req, res);
        return true;
      case '/revoke': {
        onlyMethod(req, 'POST');
        const form = await readForm(req);
        // RFC 7009 §2.2: 200 whether or not the token was known, so the answer reveals nothing.
        const value = form.get('token');
        if (value) grants.revokeToken(value, form.get('client_id') ?? undefined);
        sendJson(res, 200, {});
        return true;
      }
      default:
        return false;
    }
  }

  async function register(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, MAX_REGISTRATION_BYTES);
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return registrationError(res, 'invalid_client_metadata', 'the body is not JSON');
    }
    const parsed = OAuthClientMetadataSchema.safeParse(json);
    if (!parsed.success) return registrationError(res, 'invalid_client_metadata', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ').slice(0, 500));
    const meta = parsed.data;
    if (meta.redirect_uris.length === 0 || meta.redirect_uris.length > MAX_REDIRECT_URIS) {
      return registrationError(res, 'invalid_redirect_uri', `give 1 to ${MAX_REDIRECT_URIS} redirect_uris`);
    }
    for (const uri of meta.redirect_uris) {
      const why = redirectUriProblem(uri);
      if (why) return registrationError(res, 'invalid_redirect_uri', why);
    }
    if ((meta.token_endpoint_auth_method ?? 'none') !== 'none') {
      return registrationError(res, 'invalid_client_metadata', 'only public clients are registered here: token_endpoint_auth_method must be "none"');
    }
    if (meta.grant_types?.some((g) => g !== 'authorization_code' && g !== 'refresh_token')) {
      return registrationError(res, 'invalid_client_metadata', 'grant_types may be authorization_code and refresh_token only');
    }
    if (meta.response_types?.some((t) => t !== 'code')) return registrationError(res, 'invalid_client_metadata', 'response_types may be "code" only');
    if ((meta.client_name?.length ?? 0) > MAX_CLIENT_NAME) return registrationError(res, 'invalid_client_metadata', `client_name is longer than ${MAX_CLIENT_NAME} characters`);
    const client = grants.registerClient({
      redirect_uris: meta.redirect_uris,
      client_name: meta.client_name,
      scope: meta.scope,
      token_endpoint_auth_method: 'none',
      grant_types: meta.grant_types ?? ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    });
    if (!client) {
      sendJson(res, 503, { error: 'temporarily_unavailable', error_description: 'too many registered clients' });
      return;
    }
    sendJson(res, 201, client);
  }

  function authorize(res: ServerResponse, url: URL): void {
    const q = url.searchParams;
    const client = grants.clients.get(q.get('client_id') ?? '');
    // RFC 6749 §4.1.2.1: without a known client and one of its redirect URIs, tell the user, never redirect.
    if (!client) return sendErrorPage(res, 400, 'Unknown client_id: register the client first (/register).');
    const redirectUri = q.get('redirect_uri') ?? '';
    if (!client.redirect_uris.some((registered) => redirectMatches(registered, redirectUri))) {
      return sendErrorPage(res, 400, 'redirect_uri is not one this client registered.');
    }
    const state = q.get('state') ?? undefined;
    const fail = (error: string, description: string) => redirectWith(res, redirectUri, { error, error_description: description, state, iss: issuer() });
    if (q.get('response_type') !== 'code') return fail('unsupported_response_type', 'response_type must be "code"');
    const challenge = q.get('code_challenge');
    // OAuth 2.1 and the MCP spec: PKCE is mandatory and S256 is the only method; "plain" would let whoever
    // sees the authorization request redeem the code.
    if (!challenge || q.get('code_challenge_method') !== 'S256') return fail('invalid_request', 'PKCE with code_challenge_method=S256 is required; plain is refused');
    if (!/^[A-Za-z0-9\-_]{43}$/.test(challenge)) return fail('invalid_request', 'code_challenge is not a base64url SHA-256');
    const requestedResource = q.get('resource');
    if (requestedResource !== null && !sameResource(requestedResource, resource())) return fail('invalid_target', `resource must be ${resource()}`);
    const scopes = (q.get('scope') ?? OAUTH_SCOPES.join(' ')).split(' ').filter(Boolean);
    const unknown = scopes.filter((s) => !(OAUTH_SCOPES as readonly string[]).includes(s));
    if (unknown.length > 0) return fail('invalid_scope', `unknown scope(s): ${unknown.join(' ')}`.slice(0, 300));
    const request: AuthorizationRequest = { clientId: client.client_id, redirectUri, state, scope: scopes.join(' '), codeChallenge: challenge, resource: resource() };
    const consentId = grants.holdConsent(request);
    if (!consentId) return fail('temporarily_unavailable', 'too many sign-ins waiting for consent');
    sendConsentPage(res, { consentId, clientName: client.client_name, clientId: client.client_id, redirectOrigin: new URL(redirectUri).origin, redirectHost: new URL(redirectUri).host, scopes, tenant: options.tenant });
  }

  async function decide(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = await readForm(req);
    const request = grants.takeConsent(form.get('consent_id') ?? '');
    if (!request) return sendErrorPage(res, 400, 'This consent page has expired or was already answered; start the sign-in again.');
    const base = { state: request.state, iss: issuer() };
    if (form.get('decision') !== 'approve') return redirectWith(res, request.redirectUri, { ...base, error: 'access_denied', error_description: 'the user denied access' });
    const code = grants.issueCode(request, options.tenant);
    if (!code) return redirectWith(res, request.redirectUri, { ...base, error: 'temporarily_unavailable', error_description: 'too many codes waiting' });
    redirectWith(res, request.redirectUri, { ...base, code });
  }

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = await readForm(req);
    const clientId = form.get('client_id') ?? '';
    if (!grants.clients.has(clientId)) return tokenAnswer(res, { error: 'invalid_client', error_description: 'unknown client_id' });
    const requested = form.get('resource') ?? undefined;
    if (requested !== undefined && !sameResource(requested, resource())) return tokenAnswer(res, { error: 'invalid_target', error_description: `resource must be ${resource()}` });
    const resourceParam = requested === undefined ? undefined : resource();
    switch (form.get('grant_type')) {
      case 'authorization_code':
        return tokenAnswer(
          res,
          grants.redeemCode({ code: form.get('code') ?? '', clientId, redirectUri: form.get('redirect_uri') ?? '', codeVerifier: form.get('code_verifier') ?? '', resource: resourceParam }),
        );
      case 'refresh_token':
        return tokenAnswer(res, grants.refresh({ refreshToken: form.get('refresh_token') ?? '', clientId, resource: resourceParam }));
      default:
        sendJson(res, 400, { error: 'unsupported_grant_type', error_description: 'use authorization_code or refresh_token' });
    }
  }

  /** Tokens, plus `sub`: the tenant they act for (RFC 6749 §5.1 allows extra parameters; clients key identity on it). */
  function tokenAnswer(res: ServerResponse, result: IssuedTokens | GrantFailure): void {
    if ('error' in result) return sendJson(res, result.error === 'invalid_client' ? 401 : 400, result, { pragma: 'no-cache' });
    sendJson(res, 200, { ...result, sub: options.tenant }, { pragma: 'no-cache' });
  }

  async function verify(authorization: string | undefined, scope: string): Promise<AuthInfo> {
    try {
      return await verifyBearerToken(authorization, {
        verifier: {
          verifyAccessToken: async (value) => {
            const info = grants.accessToken(value);
            if (!info) throw new OAuthError(OAuthErrorCode.InvalidToken, 'unknown, expired or revoked access token');
            return {
              token: value,
              clientId: info.clientId,
              scopes: info.scope.split(' ').filter(Boolean),
              expiresAt: Math.floor(info.expiresAt / 1000),
              resource: new URL(info.resource),
              extra: { tenant: info.tenant, expiresAtMs: info.expiresAt },
            };
          },
        },
        requiredScopes: [scope],
        expectedResource: new URL(resource()),
        resourceMetadataUrl: resourceMetadataUrl(),
      });
    } catch (err) {
      const answer = bearerAuthChallengeResponse(err, { requiredScopes: [scope], resourceMetadataUrl: resourceMetadataUrl() });
      const body = (await answer.json()) as { error?: string; error_description?: string };
      throw new HttpError(answer.status, body.error ?? 'unauthorized', body.error_description ?? 'unauthorized', {
        'www-authenticate': answer.headers.get('www-authenticate') ?? challenge(),
      });
    }
  }

  function challenge(): string {
    return `Bearer resource_metadata="${resourceMetadataUrl()}"`;
  }

  function endWith(token: string, onEnd: () => void): () => void {
    const info = grants.accessToken(token);
    const grant = grants.grantOf(token);
    let done = false;
    const end = () => {
      if (done) return;
      cancel();
      onEnd();
    };
    const timer = setTimeout(end, Math.max(0, (info?.expiresAt ?? 0) - options.now()));
    timer.unref();
    const off = grants.onRevoked((id) => {
      if (id === grant) end();
    });
    function cancel(): void {
      done = true;
      clearTimeout(timer);
      off();
    }
    return cancel;
  }

  return { grants, handle, verify, challenge, endWith };
}

function onlyMethod(req: IncomingMessage, method: string): void {
  if (req.method !== method) throw new HttpError(405, 'method_not_allowed', `use ${method} on this route`, { allow: method });
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', 'send the body as application/x-www-form-urlencoded');
  }
  return new URLSearchParams((await readBody(req, MAX_FORM_BYTES)).toString('utf8'));
}

function registrationError(res: ServerResponse, error: string, description: string): void {
  sendJson(res, 400, { error, error_description: description });
}

/** https anywhere, or http on a loopback address (RFC 8252 §7.3, native apps); no fragment (RFC 6749 §3.1.2). */
function redirectUriProblem(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'a redirect_uri is not a URL';
  }
  if (uri.length > 2000) return 'a redirect_uri is longer than 2000 characters';
  if (url.hash !== '') return 'a redirect_uri may not have a fragment';
  if (url.username !== '' || url.password !== '') return 'a redirect_uri may not carry credentials';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return undefined;
  return 'a redirect_uri must be https, or http on a loopback address';
}

/** Exact match, except that a loopback redirect may use any port (RFC 8252 §7.3: the port is picked at run time). */
function redirectMatches(registered: string, given: string): boolean {
  if (registered === given) return true;
  try {
    const a = new URL(registered);
    const b = new URL(given);
    if (a.protocol !== 'http:' || !isLoopbackHost(a.hostname) || b.protocol !== 'http:') return false;
    return a.hostname === b.hostname && a.pathname === b.pathname && a.search === b.search && b.hash === '';
  } catch {
    return false;
  }
}

function sameResource(a: string, b: string): boolean {
  try {
    const norm = (s: string) => {
      const u = new URL(s);
      u.hash = '';
      return u.href.replace(/\/$/, '');
    };
    return norm(a) === norm(b);
  } catch {
    return false;
  }
}

function redirectWith(res: ServerResponse, target: string, params: Record<string, string | undefined>): void {
  const url = new URL(target);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  res.writeHead(302, { location: url.href, 'content-length': 0, 'cache-control': 'no-store' });
  res.end();
}
