// Shared set-up for the upstream integration tests: a reference server on port 0, a PushStream wired to a
// MemoryInbox with fast backoff, a fetch that counts push-channel requests, and a clock that knows its timers.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryInbox } from '../../../relay/inbox/memory-inbox.js';
import type { EventSource, Inbox, StoredEvent } from '../../../relay/inbox/types.js';
import { PUSH_ENDPOINT } from '../../../relay/protocol/tools.js';
import { startReferenceServer, type ReferenceServer, type ReferenceServerOptions } from '../../../relay/reference-server/server.js';
import type { FetchFn } from '../../../relay/upstream/guarded-fetch.js';
import { PushStream, tenantIdForKey, type Clock, type PushState, type PushStreamOptions, type PushStreamStatus } from '../../../relay/upstream/push-stream.js';
import { systemClock } from '../../../relay/util/clock.js';
import { waitFor } from '../../helpers/wait-for.js';

export const KEY = 'key-a-0123456789';
export const TENANT = 'tenant-a';
export const CLIENT = 'relay-test';

export function startServer(options: ReferenceServerOptions = {}): Promise<ReferenceServer> {
  return startReferenceServer({ tokens: { [KEY]: TENANT, 'key-b-0123456789': 'tenant-b' }, ...options });
}

/** Requests made through it, by path, with their headers. */
export interface CountingFetch {
  fetch: FetchFn;
  requests: { url: string; path: string; headers: Headers; at: number }[];
  pushRequests(): number;
}

export function countingFetch(): CountingFetch {
  const requests: CountingFetch['requests'] = [];
  return {
    requests,
    fetch: (input, init) => {
      const url = new URL(input instanceof URL ? input.href : input);
      requests.push({ url: url.href, path: url.pathname, headers: new Headers(init?.headers), at: Date.now() });
      return globalThis.fetch(input, init);
    },
    pushRequests: () => requests.filter((r) => r.path === PUSH_ENDPOINT).length,
  };
}

/** The real clock, counting the timers it has pending (to assert that nothing is scheduled). */
export function trackingClock(): Clock & { pending(): number } {
  const live = new Set<unknown>();
  return {
    now: () => systemClock.now(),
    setTimeout(fn, ms) {
      const handle: unknown = systemClock.setTimeout(() => {
        live.delete(handle);
        fn();
      }, ms);
      live.add(handle);
      return handle;
    },
    clearTimeout(handle) {
      live.delete(handle);
      systemClock.clearTimeout(handle);
    },
    pending: () => live.size,
  };
}

export interface Harness {
  stream: PushStream;
  inbox: Pick<Inbox, 'append' | 'resumeCursor'> & Partial<Inbox>;
  memory: MemoryInbox;
  logs: string[];
  states: PushState[];
  delivered: StoredEvent[];
  source: EventSource;
}

export function makeStream(
  server: { url: string },
  overrides: Partial<PushStreamOptions> & { memory?: MemoryInbox } = {},
): Harness {
  const memory = overrides.memory ?? new MemoryInbox();
  const apiKey = overrides.apiKey ?? KEY;
  const source = overrides.source ?? { server: new URL(server.url).origin, tenant: tenantIdForKey(KEY) };
  const logs: string[] = [];
  const states: PushState[] = [];
  const delivered: StoredEvent[] = [];
  const inbox = overrides.inbox ?? memory;
  const stream = new PushStream({
    server: server.url,
    apiKey,
    clientId: CLIENT,
    source,
    inbox,
    log: (line) => logs.push(line),
    backoff: { baseMs: 20, capMs: 200 },
    ...overrides,
  });
  stream.onStatus((s) => {
    if (states[states.length - 1] !== s.state) states.push(s.state);
  });
  stream.onEvents((events) => delivered.push(...events));
  return { stream, inbox, memory, logs, states, delivered, source };
}

export function waitForStatus(
  stream: PushStream,
  predicate: (s: PushStreamStatus) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<PushStreamStatus> {
  return waitFor(() => {
    const s = stream.status();
    return predicate(s) ? s : undefined;
  }, { timeoutMs, what: `${what} (last status: ${JSON.stringify(summary(stream.status()))})` });
}

export const waitForState = (stream: PushStream, state: PushState, timeoutMs?: number) =>
  waitForStatus(stream, (s) => s.state === state, `state ${state}`, timeoutMs);

function summary(s: PushStreamStatus) {
  return { state: s.state, lastError: s.lastError, connects: s.connects, attempts: s.attempts, stored: s.stored, cursor: s.cursor, lag: s.lag };
}

/** Event ids in the inbox, in inbox order. */
export function storedIds(memory: MemoryInbox): number[] {
  return memory.readSince(0).map((e) => e.event_id);
}

export async function emitMany(server: ReferenceServer, n: number, payload: (i: number) => Record<string, unknown> = (i) => ({ i })): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push((await server.emit(TENANT, { topic: 'custom.test', payload: payload(i) })).event_id);
  return ids;
}

/** What a hostile server has written on one response, and whether the peer has let go. */
export interface FloodProgress {
  bytes: number;
  closed: boolean;
}

/** Writes `piece` again and again, as fast as the socket drains, until `total` bytes or the peer lets go. */
export function flood(res: ServerResponse, piece: Buffer, total: number, sent: FloodProgress): void {
  res.on('close', () => (sent.closed = true));
  const more = () => {
    while (!sent.closed && sent.bytes < total) {
      sent.bytes += piece.length;
      if (!res.write(piece)) return void res.once('drain', more);
    }
  };
  more();
}

/** A bare node:http server on port 0 that records every request it gets. */
export interface TinyServer {
  url: string;
  port: number;
  requests: { method: string; url: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

export async function tinyServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TinyServer> {
  const requests: TinyServer['requests'] = [];
  const http: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: async () => {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
