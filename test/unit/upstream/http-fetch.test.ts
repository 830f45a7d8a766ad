// The push stream's node:http transport behaves like fetch where the stream depends on it: the body ends
// cleanly or fails on a cut connection, an abort rejects with an AbortError, a cancel ends a pending read,
// redirects come back unfollowed, and a refused connection keeps its errno code. Real loopback server.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpFetch, type StreamResponse } from '../../../relay/upstream/http-fetch.js';

let server: Server;
let base: string;
const held = new Set<ServerResponse>();

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/redirect') {
      res.writeHead(302, { location: '/end' }).end('moved');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'x-seen-auth': req.headers.authorization ?? '', 'x-multi': ['a', 'b'] });
    res.write('data: one\n\n');
    if (req.url === '/end') setTimeout(() => res.end('data: two\n\n'), 20);
    else if (req.url === '/cut') setTimeout(() => res.socket?.destroy(), 20);
    else held.add(res); // '/hold': open until the client goes
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of held) res.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Reads the body to its end: the chunks as text, then 'done' or the error's name and code. */
async function drain(res: StreamResponse): Promise<string[]> {
  const reader = res.body!.getReader();
  const seen: string[] = [];
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return [...seen, 'done'];
      seen.push(Buffer.from(chunk.value).toString());
    }
  } catch (err) {
    return [...seen, `${(err as Error).name} ${(err as { code?: unknown }).code}`];
  }
}

describe('httpFetch', () => {
  it('returns status, headers (case-insensitive, repeated ones joined) and the body to its clean end', async () => {
    const res = await httpFetch(`${base}/end`, { headers: { Authorization: 'Bearer k' } });
    expect(res.status).toBe(200);
    expect(res.url).toBe(`${base}/end`);
    expect(res.headers.get('Content-Type')).toBe('text/event-stream');
    expect(res.headers.get('x-seen-auth')).toBe('Bearer k');
    expect(res.headers.get('x-multi')).toBe('a, b');
    expect(res.headers.get('x-none')).toBeNull();
    expect((await drain(res)).join('')).toBe('data: one\n\ndata: two\n\ndone');
  });

  it('fails a read when the connection is cut mid-body', async () => {
    expect(await drain(await httpFetch(`${base}/cut`))).toEqual(['data: one\n\n', 'Error ECONNRESET']);
  });

  it('rejects with an AbortError on abort: before the request, and during a read', async () => {
    const early = new AbortController();
    early.abort();
    await expect(httpFetch(`${base}/hold`, { signal: early.signal })).rejects.toMatchObject({ name: 'AbortError' });

    const late = new AbortController();
    const res = await httpFetch(`${base}/hold`, { signal: late.signal });
    setTimeout(() => late.abort(), 20);
    expect(await drain(res)).toEqual(['data: one\n\n', 'AbortError 20']);
  });

  it('ends a pending read when the body is cancelled, as a web stream does', async () => {
    const reader = (await httpFetch(`${base}/hold`)).body!.getReader();
    await reader.read();
    const pending = reader.read();
    await reader.cancel();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(await reader.read()).toEqual({ done: true, value: undefined });
  });

  it('hands a redirect back unfollowed (guarded-fetch decides)', async () => {
    const res = await httpFetch(`${base}/redirect`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/end');
    await res.body!.cancel();
  });

  it('rejects a refused connection with its errno code (the stream calls that offline)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(httpFetch(`http://127.0.0.1:${port}/`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('refuses URLs that are not http or https', async () => {
    await expect(httpFetch('file:///etc/passwd')).rejects.toThrow(TypeError);
  });
});
