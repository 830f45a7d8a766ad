// The push stream's default transport: node:http / node:https behind the small part of fetch the stream and
// guarded-fetch use. Node's global fetch is undici, and the daemon's one long-lived request does not need it:
// the first fetch loads undici (~15 ms, ~7 MB) and compiles its HTTP parser to WebAssembly, which peaks at
// ~30 MB of malloc and left an idle daemon 10–18 MB larger (measured; node:http uses the llhttp built into
// Node). The control client keeps the global fetch: the MCP SDK wants a real one, and it loads on demand.
//
// What it does: one request; the response's status, headers (`get`) and body as a web-style reader. What it
// does not: follow redirects (every response comes back as is, like `redirect: 'manual'`; guarded-fetch
// decides), decompress (no accept-encoding is sent), cache, cookies.
import { request as httpRequest, type IncomingMessage } from 'node:http';

export interface StreamRequestInit {
  method?: string;
  /** Header names in any case; a Headers object is not accepted (it would load undici). */
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal | null;
  redirect?: 'manual';
}

export interface StreamReader {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  cancel(): Promise<void>;
}

/** The part of a fetch `Response` the push stream reads; a real Response is one. */
export interface StreamResponse {
  readonly status: number;
  readonly url: string;
  readonly headers: { get(name: string): string | null };
  readonly body: { getReader(): StreamReader; cancel(): Promise<void> } | null;
}

export type StreamFetch = (input: string | URL, init?: StreamRequestInit) => Promise<StreamResponse>;

/**
 * Like undici's connect timeout: a host that swallows the connection attempt is `offline` after this long,
 * not only when the stream's watchdog gives up on it.
 */
const CONNECT_TIMEOUT_MS = 10_000;

export const httpFetch: StreamFetch = async (input, init = {}) => {
  const url = new URL(input instanceof URL ? input.href : input);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`cannot fetch ${url.protocol} URLs`);
  // node:https (and TLS with it) loads only for an https server: a local or demo relay never needs it.
  const request = url.protocol === 'https:' ? (await import('node:https')).request : httpRequest;
  const signal = init.signal ?? undefined;
  if (signal?.aborted) throw abortError(signal);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers });
    let res: IncomingMessage | undefined;
    // Aborting rejects what is pending with an AbortError, as fetch does (the push stream ignores those: it
    // aborted them itself): the request before the response, a body read after it.
    const onAbort = () => {
      const error = abortError(signal);
      if (res) res.destroy(error);
      req.destroy(error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.once('socket', (socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(() => {
        req.destroy(Object.assign(new Error(`connect to ${url.host} timed out after ${CONNECT_TIMEOUT_MS / 1000} s`), { code: 'ETIMEDOUT' }));
      }, CONNECT_TIMEOUT_MS);
      socket.once('connect', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    });
    req.once('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
    req.once('response', (response) => {
      res = response;
      response.once('close', () => signal?.removeEventListener('abort', onAbort));
      resolve(toResponse(url.href, response));
    });
    req.end(init.body);
  });
};

function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error && reason.name === 'AbortError' ? reason : new DOMException('This operation was aborted', 'AbortError');
}

function toResponse(url: string, res: IncomingMessage): StreamResponse {
  const chunks = res[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let cancelled = false;
  // As on a web stream, cancelling ends the body: a read pending then, or made later, reports done.
  const cancel = async () => {
    cancelled = true;
    res.destroy();
  };
  const reader: StreamReader = {
    async read() {
      if (cancelled) return { done: true, value: undefined };
      try {
        const next = await chunks.next();
        return next.done ? { done: true, value: undefined } : { done: false, value: next.value };
      } catch (error) {
        if (cancelled) return { done: true, value: undefined };
        throw error;
      }
    },
    cancel,
  };
  return {
    status: res.statusCode ?? 0,
    url,
    headers: {
      get(name) {
        const value = res.headers[name.toLowerCase()];
        if (value === undefined) return null;
        return Array.isArray(value) ? value.join(', ') : value;
      },
    },
    body: { getReader: () => reader, cancel },
  };
}
