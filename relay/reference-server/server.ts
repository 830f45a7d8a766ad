// The in-process reference push server: seed 000's protocol on loopback, with test controls in the style
// of eventsource's test server (count connects, inject failures and raw bytes, cut streams).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { PUSH_ENDPOINT } from '../protocol/tools.js';
import { allowedHosts, checkHostAndOrigin } from '../util/loopback-guard.js';
import { MAX_FRAME_DEPTH } from '../protocol/limits.js';
import { bearerToken, HttpError, readJson, sendError, sendJson } from '../util/http.js';
import { createControlPlane } from './control-plane.js';
import { UndeliverableEventError } from './deliverable.js';
import { PushConnection } from './push-connection.js';
import { ConsentInputSchema, describeZodError, EmitInputSchema, type EmitInput } from './schemas.js';
import { ReferenceStore, UnknownTopicError, type LoggedEvent } from './store.js';
import { createAuthorizationServer, type AuthorizationServer } from './oauth/authorization-server.js';
import { DEFAULT_GRANT_LIMITS, type GrantLimits } from './oauth/grants.js';

export const DEFAULT_REFERENCE_PORT = 47830;
export { DEMO_TENANT, DEMO_TOKEN } from './demo-identity.js';
import { DEMO_TENANT, DEMO_TOKEN } from './demo-identity.js';
/** Seed 000, "Cost-honest": "Per-event push cost is ~0.01¢ (one INSERT + one UPDATE)". */
export const COST_PER_DELIVERY_USD = 0.0001;

export interface ReferenceServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** bearer token → tenant. Default: `{ "demo-token": "demo" }`. */
  tokens?: Record<string, string>;
  /**
   * Refuse requests whose Host is not this loopback server or whose Origin is another site, as the local API
   * does (relay/local/guard.ts): a DNS-rebinding page could otherwise reach it from the user's browser. On for
   * the daemon's embedded server and the standalone command; tests that put a TCP proxy in front (which keeps
   * the proxy's Host) leave it off.
   */
  checkHost?: boolean;
  /** Token for /v1/admin/*; without one those routes answer 403. */
  adminToken?: string;
  heartbeatMs?: number;
  /** Per-connection ring buffer capacity (seed 000: 100). */
  bufferCapacity?: number;
  /** Persist events, subscriptions, consent, counters and OAuth clients/refresh grants here (survives restarts and SIGKILL). */
  dataDir?: string;
  now?: () => Date;
  log?: (line: string) => void;
  /**
   * Also be an OAuth authorization server (oauth/authorization-server.ts): its access tokens work wherever the
   * static tokens do, and sign in as `tenant` (default: the demo tenant). Limits default to DEFAULT_GRANT_LIMITS.
   */
  oauth?: { tenant?: string } & Partial<GrantLimits>;
}

export interface StreamFailure {
  status: number;
  retryAfterSeconds?: number;
  /** How many upcoming push-channel requests get this answer. */
  count: number;
}

export interface ReferenceServer {
  readonly url: string;
  readonly port: number;
  readonly store: ReferenceStore;
  emit(tenant: string, input: EmitInput): Promise<LoggedEvent>;
  /** Live push connections, optionally of one client. */
  connections(clientId?: string): PushConnection[];
  /** Push-channel requests ever accepted for a client (reconnect counting). */
  connectCount(clientId: string): number;
  /** The next `count` push-channel requests are answered with `status` (429/5xx/401 scenarios). */
  failNextStreams(failure: StreamFailure): void;
  /** The authorization server, when started with `oauth`. */
  readonly oauth: AuthorizationServer | undefined;
  /** Stops sending heartbeats (starvation scenario) or resumes them. */
  pauseHeartbeats(paused: boolean): void;
  close(): Promise<void>;
}

export async function startReferenceServer(options: ReferenceServerOptions = {}): Promise<ReferenceServer> {
  const tokens = new Map(Object.entries(options.tokens ?? { [DEMO_TOKEN]: DEMO_TENANT }));
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const bufferCapacity = options.bufferCapacity ?? 100;
  const log = options.log ?? (() => undefined);
  const store = new ReferenceStore({ dataDir: options.dataDir, now: options.now });
  if (store.skippedOnOpen > 0) log(`data dir: skipped ${store.skippedOnOpen} damaged journal line(s)`);

  const live = new Set<PushConnection>();
  const connects = new Map<string, number>();
  const failures: StreamFailure[] = [];
  let heartbeatsPaused = false;

  store.onEvent((tenant, event) => {
    for (const c of live) if (c.tenant === tenant) c.onEvent(event);
  });

  let origin = '';
  const oauth = options.oauth
    ? createAuthorizationServer({
        origin: () => origin,
        tenant: options.oauth.tenant ?? DEMO_TENANT,
        limits: { ...DEFAULT_GRANT_LIMITS, ...Object.fromEntries(Object.entries(options.oauth).filter(([k]) => k !== 'tenant')) },
        now: () => (options.now ?? (() => new Date()))().getTime(),
        journal: store.oauthJournal,
      })
    : undefined;

  /**
   * The tenant of the request's bearer token: a static token (an API key), else an OAuth access token with
   * `scope`. An OAuth token also gives when it stops being valid, so a push stream can end with it.
   */
  async function authenticate(req: IncomingMessage, scope: string): Promise<{ tenant: string; oauthToken?: string }> {
    const token = bearerToken(req);
    const tenant = token === undefined ? undefined : tokens.get(token);
    if (tenant !== undefined) return { tenant };
    if (oauth && (token === undefined || !tokens.has(token))) {
      // MCP authorization (2025-11-25): a 401 names the protected-resource metadata, so clients discover the
      // authorization server from it (RFC 9728 §5.1).
      if (token === undefined) {
        throw new HttpError(401, 'unauthorized', 'missing "Authorization: Bearer <token>" header', { 'www-authenticate': oauth.challenge() });
      }
      const info = await oauth.verify(req.headers.authorization, scope);
      return { tenant: (info.extra as { tenant: string }).tenant, oauthToken: token };
    }
    throw new HttpError(
      401,
      'unauthorized',
      token === undefined ? 'missing "Authorization: Bearer <token>" header' : 'unknown bearer token',
      { 'www-authenticate': 'Bearer realm="push-relay-reference"' },
    );
  }

  async function tenantOf(req: IncomingMessage, scope = 'subscriptions:write'): Promise<string> {
    return (await authenticate(req, scope)).tenant;
  }

  function requireAdmin(req: IncomingMessage): void {
    if (!options.adminToken) {
      throw new HttpError(403, 'admin_disabled', 'admin routes are off; start the server with --admin-token <token>');
    }
    if (bearerToken(req) !== options.adminToken) {
      throw new HttpError(401, 'unauthorized', 'admin routes need "Authorization: Bearer <admin token>"', {
        'www-authenticate': 'Bearer realm="push-relay-reference-admin"',
      });
    }
  }

  async function handleMcp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const tenant = await tenantOf(req);
    if (req.method !== 'POST') {
      // Stateless server: no standalone GET stream and no sessions to DELETE (push lives at /mcp/push/sse).
      throw new HttpError(405, 'method_not_allowed', `${req.method} is not supported on /mcp/; POST JSON-RPC messages`, {
        allow: 'POST',
      });
    }
    const body = await readJsonBody(req);
    const server = createControlPlane(store, tenant);
    const transport = new NodeStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  async function handlePush(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const { tenant, oauthToken } = await authenticate(req, 'push:read');
    const clientId = url.searchParams.get('client_id');
    if (!clientId) {
      throw new HttpError(400, 'missing_client_id', 'add ?client_id=<your stable client id> to the push URL');
    }
    const failure = failures[0];
    if (failure) {
      if (--failure.count <= 0) failures.shift();
      const headers: Record<string, string> = {};
      if (failure.retryAfterSeconds !== undefined) headers['retry-after'] = String(failure.retryAfterSeconds);
      throw new HttpError(failure.status, 'injected_failure', `injected failure ${failure.status}`, headers);
    }
    const requested = parseCursor(req.headers['last-event-id'], url.searchParams.get('cursor'));
    const head = store.head(tenant);
    const cursor = requested === undefined ? head : Math.min(requested, head);
    connects.set(clientId, (connects.get(clientId) ?? 0) + 1);
    const connection = new PushConnection({
      res,
      tenant,
      clientId,
      store,
      cursor,
      requestedCursor: requested,
      bufferCapacity,
      heartbeatMs,
      onClose: () => {
        live.delete(connection);
        endWithToken?.();
      },
    });
    // A stream authorized by an OAuth token ends when the token does (expiry or revocation): the client
    // reconnects with a fresh one, from its cursor. Otherwise a revoked grant would keep receiving events.
    const endWithToken = oauthToken === undefined ? undefined : oauth?.endWith(oauthToken, () => connection.destroy());
    connection.heartbeatsPaused = heartbeatsPaused;
    live.add(connection);
    req.socket.setNoDelay(true);
    connection.start();
    log(`push: ${clientId} connected (tenant ${tenant}, cursor ${cursor})`);
  }

  async function handleEmit(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const tenant = await tenantOf(req);
    const parsed = EmitInputSchema.safeParse(await readJsonBody(req));
    if (!parsed.success) throw new HttpError(400, 'invalid_event', describeZodError(parsed.error));
    try {
      const event = await store.emit(tenant, parsed.data);
      sendJson(res, 201, { event_id: event.event_id, occurred_at: event.occurred_at });
    } catch (err) {
      if (err instanceof UnknownTopicError) throw new HttpError(400, err.code, err.message);
      if (err instanceof UndeliverableEventError) throw new HttpError(err.status, err.code, err.message);
      throw err;
    }
  }

  async function handleConsent(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const tenant = await tenantOf(req);
    const parsed = ConsentInputSchema.safeParse(await readJsonBody(req));
    if (!parsed.success) throw new HttpError(400, 'invalid_consent', describeZodError(parsed.error));
    const { subject, status, purpose } = parsed.data;
    store.setConsent(tenant, subject, status, purpose ?? null);
    log(`consent: a subject is now ${status}${purpose ? ` for ${purpose}` : ''} (tenant ${tenant})`);
    sendJson(res, 200, { subject, status, purpose: purpose ?? null });
  }

  function adminSummary(): unknown {
    const subs = store.allSubscriptions();
    const byClient = new Map<string, { tenant: string; client_id: string; connections: number }>();
    for (const c of live) {
      const key = `${c.tenant}\u0000${c.clientId}`;
      const row = byClient.get(key) ?? { tenant: c.tenant, client_id: c.clientId, connections: 0 };
      row.connections++;
      byClient.set(key, row);
    }
    const tenants = store.tenantCounters();
    const deliveries = tenants.reduce((n, t) => n + t.deliveries, 0);
    const dropped = [...live].reduce((n, c) => n + c.droppedTotal, 0);
    const costUsd = deliveries * COST_PER_DELIVERY_USD;
    return {
      generated_at: new Date().toISOString(),
      subscriptions_active: subs.filter((s) => !s.row.deleted_at).length,
      subscriptions_deleted: subs.filter((s) => s.row.deleted_at).length,
      active_connections: live.size,
      connections_by_client: [...byClient.values()],
      tenants,
      events_delivered: deliveries,
      dropped_on_live_connections: dropped,
      estimated_cost: {
        per_delivery_usd: COST_PER_DELIVERY_USD,
        total_usd: Number(costUsd.toFixed(6)),
        line: `${deliveries} deliveries × ~0.01¢ ≈ $${costUsd.toFixed(4)}`,
      },
    };
  }

  let hosts: Set<string> | undefined; // set once listening: the port is part of the Host
  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (hosts) checkHostAndOrigin(req, hosts);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (oauth && (await oauth.handle(req, res, url))) return;
    if (path === '/mcp') {
      // As the real server does (seed 001): the redirect costs a round trip and, cross-origin, drops the
      // Authorization header, which is why clients should call /mcp/ directly.
      res.writeHead(308, { location: `/mcp/${url.search}`, 'content-length': 0 });
      res.end();
      return;
    }
    if (path === '/mcp/') return handleMcp(req, res);
    if (path === PUSH_ENDPOINT) {
      if (req.method !== 'GET') throw methodNotAllowed('GET');
      return handlePush(req, res, url);
    }
    if (path === '/v1/events') {
      if (req.method !== 'POST') throw methodNotAllowed('POST');
      return handleEmit(req, res);
    }
    if (path === '/v1/consent') {
      if (req.method !== 'POST') throw methodNotAllowed('POST');
      return handleConsent(req, res);
    }
    if (path === '/v1/admin/mcp/outbound/summary') {
      requireAdmin(req);
      return sendJson(res, 200, adminSummary());
    }
    if (path === '/v1/admin/mcp/outbound/subscriptions') {
      requireAdmin(req);
      const tenant = url.searchParams.get('tenant') ?? undefined;
      return sendJson(res, 200, {
        subscriptions: store.allSubscriptions(tenant).map(({ tenant: t, row }) => ({ tenant: t, ...row })),
      });
    }
    if (path === '/healthz') return sendJson(res, 200, { ok: true });
    throw new HttpError(404, 'not_found', `no route ${req.method} ${path}`);
  }

  const http: Server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) return sendError(res, err);
      log(`error: ${(err as Error).message}`);
      sendError(res, new HttpError(500, 'internal_error', 'internal error; see the server log'));
    });
  });
  // Drop connections that send nothing (slow-loris) instead of holding them forever.
  http.headersTimeout = 10_000;
  http.requestTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;
  origin = url;
  if (options.checkHost) hosts = allowedHosts(port);

  return {
    url,
    port,
    store,
    emit: (tenant, input) => {
      const parsed = EmitInputSchema.parse(input);
      return store.emit(tenant, parsed);
    },
    connections: (clientId) => [...live].filter((c) => clientId === undefined || c.clientId === clientId),
    connectCount: (clientId) => connects.get(clientId) ?? 0,
    failNextStreams: (failure) => failures.push({ ...failure }),
    oauth,
    pauseHeartbeats: (paused) => {
      heartbeatsPaused = paused;
      for (const c of live) c.heartbeatsPaused = paused;
    },
    close: async () => {
      for (const c of live) c.destroy();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await store.close();
    },
  };
}

/**
 * Every JSON body, bounded in depth as push frames are: anything deeper could never travel as a frame anyway,
 * and a deep body would otherwise overflow the stack in the journal's JSON.stringify or a schema (a 500).
 */
function readJsonBody(req: IncomingMessage): Promise<unknown> {
  return readJson(req, undefined, MAX_FRAME_DEPTH);
}

function methodNotAllowed(allow: string): HttpError {
  return new HttpError(405, 'method_not_allowed', `use ${allow} on this route`, { allow });
}

/** Last-Event-ID (set by EventSource on reconnect) wins over ?cursor= (the URL the client started with). */
function parseCursor(header: string | string[] | undefined, query: string | null): number | undefined {
  const raw = (Array.isArray(header) ? header[0] : header) ?? query ?? undefined;
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,15}$/.test(raw.trim())) {
    throw new HttpError(400, 'invalid_cursor', `cursor "${raw}" must be a non-negative integer event id`);
  }
  return Number(raw.trim());
}
