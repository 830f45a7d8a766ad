// The hooks' one-GET HTTP client (relay/client/raw-get.ts): the response parser on its own, and rawGet against
// real loopback servers (node:http for Content-Length and chunked bodies, node:net for the odd cases).
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_RESPONSE_BYTES, parseResponse, rawGet } from '../../../relay/client/raw-get.js';

const buf = (text: string) => Buffer.from(text, 'latin1');

describe('parseResponse', () => {
  it('reads a Content-Length body, and waits while it is short', () => {
    const full = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 7\r\n\r\n{"a":1}';
    expect(parseResponse(buf(full), false)).toEqual({ status: 200, body: '{"a":1}' });
    for (let cut = 0; cut < full.length; cut++) expect(parseResponse(buf(full.slice(0, cut)), false)).toBeUndefined();
    expect(() => parseResponse(buf(full.slice(0, -2)), true)).toThrow(/closed after 5 of 7/);
  });

  it('decodes a chunked body with extensions and trailers, split anywhere', () => {
    const full = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\n{"a"\r\n3\r\n:1}\r\n0\r\nX-Trailer: 1\r\n\r\n';
    expect(parseResponse(buf(full), false)).toEqual({ status: 200, body: '{"a":1}' });
    for (let cut = 0; cut < full.length; cut++) expect(parseResponse(buf(full.slice(0, cut)), false)).toBeUndefined();
    expect(parseResponse(buf('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n'), false)).toEqual({ status: 200, body: '' });
  });

  it('keeps multi-byte UTF-8 whole and reads a body without length to the end of the connection', () => {
    const body = Buffer.from('{"name":"Zoë ✓"}', 'utf8');
    const head = buf(`HTTP/1.0 404 Not Found\r\n\r\n`);
    expect(parseResponse(Buffer.concat([head, body]), false)).toBeUndefined();
    expect(parseResponse(Buffer.concat([head, body]), true)).toEqual({ status: 404, body: '{"name":"Zoë ✓"}' });
  });

  it('skips interim 1xx answers and has no body for 204', () => {
    expect(parseResponse(buf('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n'), false)).toEqual({ status: 204, body: '' });
  });

  it('throws on what is not an HTTP/1.x response', () => {
    expect(() => parseResponse(buf('SSH-2.0-OpenSSH\r\n\r\n'), false)).toThrow(/not an HTTP/);
    expect(() => parseResponse(buf('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'), false)).toThrow(/Content-Length/);
    expect(() => parseResponse(buf('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'), false)).toThrow(/chunk size/);
    expect(() => parseResponse(buf('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY'), false)).toThrow(/CRLF/);
    expect(() => parseResponse(buf('HTTP/1.1 200 OK\r\nContent-Le'), true)).toThrow(/inside the response head/);
  });
});

describe('rawGet', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  /** Listens on a free port; afterEach closes the server and drops whatever connections it still has. */
  async function listen<T extends Server | HttpServer>(server: T): Promise<string> {
    const open = new Set<Socket>();
    server.on('connection', (s: Socket) => {
      open.add(s);
      s.on('close', () => open.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => {
      for (const s of open) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('sends one GET with the path, query, Host and headers, and reads Content-Length and chunked answers', async () => {
    const seen: { url?: string; host?: string; auth?: string; connection?: string }[] = [];
    const server = createHttpServer((req, res) => {
      seen.push({ url: req.url, host: req.headers.host, auth: req.headers.authorization, connection: req.headers.connection });
      if (req.url?.startsWith('/chunked')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"events":');
        setTimeout(() => res.end('[1,2,3]}'), 20);
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 11 });
        res.end('{"ok":true}');
      }
    });
    const base = await listen(server);
    expect(await rawGet(base, '/v1/pending?consumer=claude-code&ack=true', { authorization: 'Bearer t' }, 2000)).toEqual({ status: 200, body: '{"ok":true}' });
    expect(await rawGet(base, '/chunked', {}, 2000)).toEqual({ status: 200, body: '{"events":[1,2,3]}' });
    expect(seen[0]).toEqual({ url: '/v1/pending?consumer=claude-code&ack=true', host: base.slice('http://'.length), auth: 'Bearer t', connection: 'close' });
  });

  it('resolves with error statuses (the caller decides) and rejects a refused connection', async () => {
    const server = createHttpServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"internal_error"}}');
    });
    const base = await listen(server);
    expect((await rawGet(base, '/', {}, 2000)).status).toBe(500);
    const probe = createServer();
    const dead = await listen(probe);
    await closers.pop()!();
    await expect(rawGet(dead, '/', {}, 2000)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('times out on a server that accepts and never answers, and rejects a response cut short', async () => {
    const hung = createServer((s) => s.on('error', () => undefined)); // accepts, reads, never answers
    const t0 = performance.now();
    await expect(rawGet(await listen(hung), '/', {}, 150)).rejects.toThrow(/within 150 ms/);
    expect(performance.now() - t0).toBeLessThan(1000);

    const cut = createServer((s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"partial":'));
    await expect(rawGet(await listen(cut), '/', {}, 2000)).rejects.toThrow(/closed after/);
  });

  it('refuses a response larger than its cap', async () => {
    const big = createServer((s) => {
      s.on('error', () => undefined);
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${MAX_RESPONSE_BYTES + 10}\r\n\r\n`);
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      const pump = () => {
        while (!s.destroyed && s.write(chunk));
        if (!s.destroyed) s.once('drain', pump);
      };
      pump();
    });
    await expect(rawGet(await listen(big), '/', {}, 10_000)).rejects.toThrow(/exceeds/);
  });
});
