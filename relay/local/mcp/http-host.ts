// The relay's `/mcp` endpoint (DESIGN.md "Local HTTP"): MCP Streamable HTTP in stateful mode — one session
// (transport + McpServer) per client, SSE responses (JSON-response mode would drop progress notifications),
// GET for the standalone SSE stream, DELETE to end a session. The relay's server has already checked the
// local token, Host and Origin before a request gets here.
//
// Disconnects: the SDK fires `extra.mcpReq.signal` on `notifications/cancelled` and when a session closes, but not
// when the HTTP response carrying a tool call goes away (client killed, socket dropped). So each POST's
// JSON-RPC request ids get an AbortController here that the response's `close` event fires; the tools wait
// on it next to `extra.mcpReq.signal`. Sessions end on DELETE, on relay shutdown, and after `idleTimeoutMs` with
// no request open.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { isInitializeRequest, isJSONRPCRequest, type McpServer, type RequestId } from '@modelcontextprotocol/server';
import { DEFAULT_CONSUMER } from '../../inbox/types.js';
import { HttpError, readBody, type Handler } from '../../util/http.js';
import { silentLogger, type Logger } from '../../util/log.js';
import type { RelayCore } from '../core.js';
import { ConsumerNameSchema } from '../routes.js';
import type { ToolBackend } from './backend.js';
import { coreBackend } from './core-backend.js';
import { createToolServer } from './server.js';
import type { ToolExtra } from './tools.js';

export const MCP_PATH = '/mcp';

export interface McpHttpOptions {
  /** `wait_for_event` progress interval (default 25 s; tests use ~100 ms). */
  progressIntervalMs?: number;
  /** A session with no request open for this long is closed (default 30 min). */
  idleTimeoutMs?: number;
  /** Sessions at most; beyond it the longest-idle session is closed, or the new one refused (default 256). */
  maxSessions?: number;
  log?: Logger;
  /** Replaces the in-process backend (tests). */
  backend?: ToolBackend;
}

export interface McpHttpHost {
  /** Mount these on the relay's local server (`extraRoutes`): `/mcp` and `/mcp/`. */
  readonly routes: Record<string, Handler>;
  /** Open sessions (for status and tests). */
  sessionCount(): number;
  /** Ends every session (their waits end with them) and refuses new ones. */
  close(): Promise<void>;
}

interface Session {
  id: string | undefined;
  transport: NodeStreamableHTTPServerTransport;
  server: McpServer;
  /** HTTP requests of this session still open (a GET stream counts: its client is alive). */
  open: number;
  lastActive: number;
  /** One controller per JSON-RPC request in flight, fired when its HTTP response closes. */
  calls: Map<string, AbortController>;
}

const DEFAULT_IDLE_MS = 30 * 60_000;

export function createMcpHttpHost(core: RelayCore, options: McpHttpOptions = {}): McpHttpHost {
  const log = options.log ?? silentLogger;
  const backend = options.backend ?? coreBackend(core);
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_MS;
  const maxSessions = options.maxSessions ?? 256;
  const sessions = new Map<string, Session>();
  let sweep: ReturnType<typeof setInterval> | undefined;
  let closed = false;

  const disconnectSignal = (extra: ToolExtra): AbortSignal | undefined =>
    extra.sessionId === undefined ? undefined : sessions.get(extra.sessionId)?.calls.get(callKey(extra.mcpReq.id))?.signal;

  async function newSession(consumer: string): Promise<Session> {
    const session: Session = {
      id: undefined,
      transport: new NodeStreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          session.id = id;
          if (closed) return void endSession(session);
          sessions.set(id, session);
          startSweep();
          log.debug(`mcp: session ${id} opened (consumer ${consumer})`);
        },
      }),
      server: createToolServer({ backend, defaultConsumer: consumer, progressIntervalMs: options.progressIntervalMs, disconnectSignal }),
      open: 0,
      lastActive: Date.now(),
      calls: new Map(),
    };
    // Set before connect(): the server chains its own onclose after this one.
    session.transport.onclose = () => {
      if (session.id !== undefined && sessions.get(session.id) === session) sessions.delete(session.id);
      for (const c of session.calls.values()) c.abort();
      session.calls.clear();
      if (sessions.size === 0) stopSweep();
      log.debug(`mcp: session ${session.id ?? '(uninitialized)'} closed`);
    };
    session.server.server.onerror = (err) => log.debug(`mcp: ${err.message}`);
    await session.server.connect(session.transport);
    return session;
  }

  async function endSession(session: Session): Promise<void> {
    try {
      await session.server.close();
    } catch (err) {
      log.debug(`mcp: closing a session failed: ${(err as Error).message}`);
    }
  }

  function startSweep(): void {
    if (sweep || idleTimeoutMs <= 0) return;
    sweep = setInterval(() => {
      const now = Date.now();
      for (const s of sessions.values()) if (s.open === 0 && now - s.lastActive > idleTimeoutMs) void endSession(s);
    }, Math.min(60_000, Math.max(50, Math.floor(idleTimeoutMs / 2))));
    sweep.unref();
  }

  function stopSweep(): void {
    if (sweep) clearInterval(sweep);
    sweep = undefined;
  }

  /** Room for one more session: close the longest-idle one when full; false if every session is busy. */
  async function makeRoom(): Promise<boolean> {
    if (sessions.size < maxSessions) return true;
    let oldest: Session | undefined;
    for (const s of sessions.values()) if (s.open === 0 && (!oldest || s.lastActive < oldest.lastActive)) oldest = s;
    if (!oldest) return false;
    await endSession(oldest);
    return true;
  }

  /** Ties the response's lifetime to the session's activity and to the JSON-RPC requests it carries. */
  function track(session: Session, res: ServerResponse, body: unknown): void {
    session.open++;
    session.lastActive = Date.now();
    const mine: [string, AbortController][] = [];
    for (const message of Array.isArray(body) ? body : [body]) {
      if (!isJSONRPCRequest(message)) continue;
      const entry: [string, AbortController] = [callKey(message.id), new AbortController()];
      session.calls.set(...entry);
      mine.push(entry);
    }
    res.once('close', () => {
      session.open--;
      session.lastActive = Date.now();
      // The response went out whole: its calls have all been answered. Only a dropped one ends their waits.
      // (Aborting anyway woke nothing but cost an AbortError with a stack trace and its dispatch through the
      // tools' combined signals: ~18% of the relay's CPU when 1,000 waits are released, test/bench/waiters.ts.)
      const dropped = !res.writableFinished;
      for (const [key, controller] of mine) {
        if (dropped) controller.abort();
        if (session.calls.get(key) === controller) session.calls.delete(key);
      }
    });
  }

  const handle: Handler = async (req, res, url) => {
    const method = req.method ?? 'GET';
    if (method !== 'POST' && method !== 'GET' && method !== 'DELETE') {
      return rpcError(res, 405, -32000, `use POST, GET or DELETE on ${MCP_PATH}`, { allow: 'GET, POST, DELETE' });
    }
    let body: unknown;
    if (method === 'POST') {
      const parsed = await readRpcBody(req);
      if (!parsed.ok) {
        // Too large is the client's size, not its syntax: HTTP 413 like the /v1 routes, JSON-RPC "invalid request".
        return parsed.tooLarge ? rpcError(res, 413, -32600, `Request too large: ${parsed.message}`) : rpcError(res, 400, -32700, `Parse error: ${parsed.message}`);
      }
      body = parsed.value;
    }
    const sessionId = header(req, 'mcp-session-id');
    let session = sessionId === undefined ? undefined : sessions.get(sessionId);
    if (sessionId !== undefined && !session) {
      // The spec's answer to an unknown or expired session: 404, and the client starts a new one.
      return rpcError(res, 404, -32001, 'Session not found: it ended or expired; start a new session with an initialize request');
    }
    if (!session) {
      const initialize = method === 'POST' && (Array.isArray(body) ? body.some(isInitializeRequest) : isInitializeRequest(body));
      if (!initialize) return rpcError(res, 400, -32000, 'Bad Request: send an initialize request first (no valid Mcp-Session-Id header)');
      if (closed) return rpcError(res, 503, -32000, 'Push Relay is shutting down');
      const consumer = url.searchParams.get('consumer') ?? DEFAULT_CONSUMER;
      const valid = ConsumerNameSchema.safeParse(consumer);
      if (!valid.success) return rpcError(res, 400, -32602, `?consumer=: ${valid.error.issues[0]?.message ?? 'invalid consumer name'}`);
      if (!(await makeRoom())) return rpcError(res, 503, -32000, `too many MCP sessions (${maxSessions}) are busy; end one (DELETE) and retry`);
      session = await newSession(valid.data);
      const fresh = session;
      // An initialize that fails leaves a session that was never registered: drop it with its response.
      res.once('close', () => {
        if (fresh.id === undefined) void endSession(fresh);
      });
    }
    track(session, res, body);
    await session.transport.handleRequest(req, res, body);
  };

  return {
    routes: { [MCP_PATH]: handle, [`${MCP_PATH}/`]: handle },
    sessionCount: () => sessions.size,
    async close() {
      closed = true;
      stopSweep();
      await Promise.all([...sessions.values()].map(endSession));
    },
  };
}

function callKey(id: RequestId): string {
  return `${typeof id}:${String(id)}`;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function readRpcBody(req: IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false; message: string; tooLarge?: boolean }> {
  let raw: Buffer;
  try {
    raw = await readBody(req, 4 * 1024 * 1024);
  } catch (err) {
    return { ok: false, message: (err as Error).message, tooLarge: err instanceof HttpError && err.status === 413 };
  }
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) as unknown };
  } catch (err) {
    return { ok: false, message: `the body is not JSON (${(err as Error).message})` };
  }
}

function rpcError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  const text = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
