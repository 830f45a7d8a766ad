// The relay's loopback HTTP server: 127.0.0.1 only, Host/Origin checked, the local token on every route but
// /v1/health. Routes are a fixed table (node:http, no framework: the hook path stays light).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpError, httpErrorOf, sendError, sendJson, type Handler } from '../util/http.js';
import type { Logger } from '../util/log.js';
import { EVENT_RECEIPTS_PATTERN, LOCAL_API } from '../protocol/local-api.js';
import { defaultMaxConnections, guardConnections, type ConnectionGuard } from './connection-guard.js';
import type { RelayCore } from './core.js';
import { allowedHosts, checkHostAndOrigin, checkToken } from '../util/loopback-guard.js';
import { receiptsRoute, unsubscribeRoute, v1Routes } from './routes.js';

export interface LocalServerOptions {
  core: RelayCore;
  token: string;
  port: number;
  version: string;
  log: Logger;
  /** Extra routes mounted by later layers (the MCP endpoint, the UI). Exact paths; all need the token. */
  extraRoutes?: Record<string, Handler>;
  /** Routes served without the token (the UI's static files: the page takes the token from its URL fragment). */
  publicRoutes?: Record<string, Handler>;
  /**
   * Slow-loris bounds: a request's headers must arrive within `headersMs` (a socket that sends nothing is
   * closed then too), the whole request (body included) within `requestMs`; both are
   * checked every `checkEveryMs`. Defaults 10 s, 30 s and 1 s; tests shorten them.
   */
  timeouts?: { headersMs?: number; requestMs?: number; checkEveryMs?: number };
  /** Open connections at most (connection-guard.ts); default 4,096, less under a low open-files limit. */
  maxConnections?: number;
}

export interface LocalServer {
  readonly url: string;
  readonly port: number;
  /** Open connections, and those that have not sent a request yet. */
  connections(): ReturnType<ConnectionGuard['counts']>;
  close(): Promise<void>;
}

export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const { core, token, log } = options;
  const routes = v1Routes(core);
  let hosts = new Set<string>();

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    checkHostAndOrigin(req, hosts);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    if (path === LOCAL_API.health) return sendJson(res, 200, { ok: true, version: options.version, pid: process.pid });
    const publicHandler = options.publicRoutes?.[path];
    if (publicHandler && (req.method === 'GET' || req.method === 'HEAD')) return publicHandler(req, res, url);
    checkToken(req, token);
    const extra = options.extraRoutes?.[path];
    if (extra) return extra(req, res, url);
    const table = routes[path];
    if (table) {
      const handler = table[req.method ?? 'GET'];
      if (!handler) throw new HttpError(405, 'method_not_allowed', `use ${Object.keys(table).join(' or ')} on ${path}`, { allow: Object.keys(table).join(', ') });
      return handler(req, res, url);
    }
    const receipts = EVENT_RECEIPTS_PATTERN.exec(path);
    if (receipts && (req.method === 'GET' || req.method === 'HEAD')) return receiptsRoute(core, res, Number(receipts[1]));
    if (path.startsWith(`${LOCAL_API.subscriptions}/`) && req.method === 'DELETE') {
      let id: string;
      try {
        id = decodeURIComponent(path.slice(LOCAL_API.subscriptions.length + 1));
      } catch {
        // A malformed %-escape is the caller's mistake (400), not an internal error.
        throw new HttpError(400, 'invalid_request', 'subscription id looks wrong');
      }
      return unsubscribeRoute(core, res, id);
    }
    throw new HttpError(404, 'not_found', `no route ${req.method} ${path}`);
  }

  // Node checks these bounds only every `connectionsCheckingInterval` (30 s by default), which let a
  // slow-loris connection live up to 40 s past a 10 s headers timeout; checking every second keeps them honest.
  const server: Server = createServer(
    {
      // For a socket that sends nothing at all, this counts from the connection (connection-guard.ts).
      headersTimeout: options.timeouts?.headersMs ?? 10_000,
      // Bounds receiving a request (slow-loris bodies), not the response: long-polls and streams are unaffected.
      requestTimeout: options.timeouts?.requestMs ?? 30_000,
      connectionsCheckingInterval: options.timeouts?.checkEveryMs ?? 1_000,
    },
    (req, res) => {
      route(req, res).catch((err: unknown) => {
        // Typed errors (the catalogue, relay/util/errors.ts) carry a code and a message a caller can act on.
        const known = httpErrorOf(err);
        if (known) return sendError(res, known);
        log.error(`local API ${req.method} ${req.url}: ${(err as Error)?.stack ?? String(err)}`);
        sendError(res, new HttpError(500, 'internal_error', 'internal error; see <home>/logs/relay.log'));
      });
    },
  );
  const guard = guardConnections(server, { maxConnections: options.maxConnections ?? defaultMaxConnections(), log });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  hosts = allowedHosts(port);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections: guard.counts,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
