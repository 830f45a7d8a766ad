// A raw HTTP/1.1 client over node:net for hostile requests no well-behaved client sends: exact request lines
// (`GET /../../etc/passwd`), bytes ≥ 0x80 in headers, lying Content-Length, bodies dribbled byte by byte.
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  /** 0 when the server closed without answering. */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Everything received, as latin1. */
  raw: string;
  /** How the connection ended: the server closed it, we gave up, or it errored (e.g. ECONNRESET). */
  ended: 'closed' | 'timeout' | 'error';
  error?: string;
}

export function parseResponse(raw: string): Pick<RawResponse, 'status' | 'headers' | 'body'> {
  const split = raw.indexOf('\r\n\r\n');
  if (!raw.startsWith('HTTP/1.') || split === -1) return { status: 0, headers: {}, body: raw };
  const [statusLine, ...headerLines] = raw.slice(0, split).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = raw.slice(split + 4);
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') body = dechunk(body);
  return { status: Number(statusLine!.split(' ')[1]), headers, body: Buffer.from(body, 'latin1').toString('utf8') };
}

function dechunk(text: string): string {
  let out = '';
  let pos = 0;
  for (;;) {
    const nl = text.indexOf('\r\n', pos);
    if (nl === -1) return out;
    const size = parseInt(text.slice(pos, nl), 16);
    if (!(size > 0)) return out;
    out += text.slice(nl + 2, nl + 2 + size);
    pos = nl + 2 + size + 2;
  }
}

export interface Conversation {
  socket: Socket;
  /** Resolves when the server closes the connection (or after `timeoutMs`, then `ended: 'timeout'`). */
  done: Promise<RawResponse>;
  write(data: string | Buffer): boolean;
  closed(): boolean;
}

/** Opens a connection; write to it yourself, then await `done`. */
export function converse(port: number, timeoutMs = 15_000): Promise<Conversation> {
  return new Promise((resolveOpen, rejectOpen) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let raw = '';
    let closed = false;
    let error: string | undefined;
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (raw += d));
    const done = new Promise<RawResponse>((resolve) => {
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({ ...parseResponse(raw), raw, ended: 'timeout' });
      }, timeoutMs);
      socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
      socket.on('close', () => {
        closed = true;
        clearTimeout(timer);
        resolve({ ...parseResponse(raw), raw, ended: error ? 'error' : 'closed', ...(error ? { error } : {}) });
      });
    });
    socket.once('connect', () =>
      resolveOpen({
        socket,
        done,
        write: (data) => (closed ? false : socket.write(data)),
        closed: () => closed,
      }),
    );
    socket.once('error', rejectOpen);
  });
}

/** One request (its full text), answered; `Connection: close` is the caller's to add. */
export async function rawRequest(port: number, request: string | Buffer, timeoutMs = 15_000): Promise<RawResponse> {
  const c = await converse(port, timeoutMs);
  c.write(request);
  return c.done;
}
