// One HTTP/1.1 request over node:net, for the short Claude Code hooks (stop, session-start, prompt-submit) only.
//
// Why not node:http (as the rest of the light client uses): these hooks run on every turn and must end within
// 1.3× of `node -e 0` (the hooks' bench goal, test/bench/hooks.ts). Reading the hook JSON from a stdin pipe has
// already loaded node:net, but node:http adds seven internal modules (_http_agent, _http_client, _http_common,
// _http_incoming, _http_outgoing, _http_server, the parser binding) plus an Agent and a ClientRequest for a
// single request: about 5 ms on a ~55 ms floor, which put the relay-up and dead-port cases at 1.37–1.41×.
// The server is our own relay on loopback, so one request with `Connection: close` and the small response
// parser below are enough. Long-polls (idle-wake), the CLI and the stdio bridge keep node:http.
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  body: string;
}

/** Far above what `/v1/pending?limit=10` can answer (upstream frames are at most 1 MiB each). */
export const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/**
 * GETs `path` from `base` (`http://host:port`) with `headers`. Resolves with the status and the body
 * (Content-Length, chunked, or read to the end of the connection); rejects on a refused or broken
 * connection, a malformed or oversize response, or no full answer within `timeoutMs`.
 */
export function rawGet(base: string, path: string, headers: Record<string, string>, timeoutMs: number): Promise<RawResponse> {
  return rawRequest(base, path, headers, timeoutMs);
}

/** As rawGet, but a POST of `json` (a serialized JSON body) when given. */
export function rawRequest(base: string, path: string, headers: Record<string, string>, timeoutMs: number, json?: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    if (url.protocol !== 'http:') return reject(new Error(`rawGet speaks plain http, not ${url.protocol}`));
    let done = false;
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err: Error | undefined, res?: RawResponse) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(res!);
    };
    /** Parses what has arrived; `ended` once the server closed its side. */
    const attempt = (ended: boolean) => {
      try {
        const res = parseResponse(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), ended);
        if (res) finish(undefined, res);
        else if (ended) finish(new Error('the connection closed before a full response'));
      } catch (err) {
        finish(err as Error);
      }
    };
    const timer = setTimeout(() => finish(new Error(`no full answer within ${timeoutMs} ms`)), Math.max(0, timeoutMs));
    const socket = connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) || 80 });
    socket.setNoDelay(true);
    let head = '';
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    const method = json === undefined ? 'GET' : 'POST';
    if (json !== undefined) head += `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n`;
    socket.write(`${method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n${head}Connection: close\r\n\r\n${json ?? ''}`);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES) return finish(new Error(`the response exceeds ${MAX_RESPONSE_BYTES} bytes`));
      // Re-parsing on every chunk would be quadratic for a large body: try when this chunk may complete it
      // (a Content-Length body is checked by length, a chunked one ends with CRLF CRLF), and at the end.
      if (chunks.length === 1 || chunk.length < 4 || chunk.subarray(-4).toString('latin1') === '\r\n\r\n' || complete(chunks, size)) attempt(false);
    });
    socket.on('end', () => attempt(true));
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish(new Error('the connection closed before a full response')));
  });
}

/** Cheap check: has a Content-Length body fully arrived? (The head is in the first chunk for our small heads.) */
function complete(chunks: Buffer[], size: number): boolean {
  const first = chunks[0]!;
  const headEnd = first.indexOf('\r\n\r\n');
  if (headEnd < 0) return true; // the head spans chunks: let the full parser decide
  const m = /\r\ncontent-length:[ \t]*(\d+)/i.exec(first.subarray(0, headEnd).toString('latin1'));
  return m !== null && size >= headEnd + 4 + Number(m[1]);
}

/**
 * Parses one HTTP/1.x response from `buf`. Returns undefined while it is incomplete; throws when it is
 * malformed, or incomplete although the connection `ended`.
 */
export function parseResponse(buf: Buffer, ended: boolean): RawResponse | undefined {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) {
    if (ended) throw new Error('the connection closed inside the response head');
    return undefined;
  }
  const lines = buf.subarray(0, headEnd).toString('latin1').split('\r\n');
  const statusLine = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0] ?? '');
  if (!statusLine) throw new Error(`not an HTTP/1.x response: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
  const status = Number(statusLine[1]);
  const rest = buf.subarray(headEnd + 4);
  // An interim answer (100 Continue, 103 Early Hints): the real one follows.
  if (status >= 100 && status < 200) return parseResponse(rest, ended);
  let length: number | undefined;
  let chunked = false;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') {
      if (!/^\d+$/.test(value) || (length !== undefined && length !== Number(value))) throw new Error(`bad Content-Length ${JSON.stringify(value)}`);
      length = Number(value);
    } else if (name === 'transfer-encoding') {
      chunked = value.toLowerCase().split(',').at(-1)?.trim() === 'chunked';
    }
  }
  if (status === 204 || status === 304) return { status, body: '' };
  // RFC 9112 §6.3: chunked wins over Content-Length; with neither, the body runs to the end of the connection.
  if (chunked) {
    const body = decodeChunked(rest);
    if (body === undefined && ended) throw new Error('the connection closed inside a chunked body');
    return body === undefined ? undefined : { status, body: body.toString('utf8') };
  }
  if (length !== undefined) {
    if (rest.length < length) {
      if (ended) throw new Error(`the connection closed after ${rest.length} of ${length} body bytes`);
      return undefined;
    }
    return { status, body: rest.subarray(0, length).toString('utf8') };
  }
  return ended ? { status, body: rest.toString('utf8') } : undefined;
}

/** A complete chunked body (RFC 9112 §7.1), or undefined while more is to come; trailers are skipped. */
function decodeChunked(buf: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', pos);
    if (lineEnd < 0) return undefined;
    const sizeText = buf.subarray(pos, lineEnd).toString('latin1').split(';')[0]!.trim();
    if (!/^[0-9a-f]{1,8}$/i.test(sizeText)) throw new Error(`bad chunk size ${JSON.stringify(sizeText.slice(0, 20))}`);
    const size = parseInt(sizeText, 16);
    const start = lineEnd + 2;
    if (size === 0) {
      // The last chunk, then optional trailer lines, then an empty line.
      if (buf.length >= start + 2 && buf[start] === 13 && buf[start + 1] === 10) return Buffer.concat(parts);
      return buf.indexOf('\r\n\r\n', start) >= 0 ? Buffer.concat(parts) : undefined;
    }
    if (buf.length < start + size + 2) return undefined;
    if (buf[start + size] !== 13 || buf[start + size + 1] !== 10) throw new Error('a chunk does not end with CRLF');
    parts.push(buf.subarray(start, start + size));
    pos = start + size + 2;
  }
}
