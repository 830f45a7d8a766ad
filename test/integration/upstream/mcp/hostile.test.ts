// A hostile Streamable HTTP server (raw node:http, 2025 era): an SSE event that never ends is cut at the frame
// bound (relay/upstream/capped-body.ts) instead of growing the relay's memory; the upstream reconnects.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES } from '../../../../relay/protocol/limits.js';
import { createCleanups } from '../../../helpers/cleanups.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { entry, startUpstream } from './harness.js';

const cleanups = createCleanups();
afterEach(() => cleanups.run());

async function hostileServer(): Promise<{ url: string; gets: () => number; streamed: () => number }> {
  let gets = 0;
  let streamed = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET') {
      gets++;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 's1' });
      res.write('data: ');
      const chunk = 'x'.repeat(64 * 1024);
      const pump = () => {
        // One event that never ends: stop once the client has gone (or well past the bound, to end the test).
        while (!res.destroyed && streamed < 64 * MAX_FRAME_BYTES) {
          streamed += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const msg = JSON.parse(body || '{}') as { id?: number; method?: string };
      const reply = (result: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's1' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
      };
      if (msg.id === undefined) return void res.writeHead(202).end();
      if (msg.method === 'initialize') return reply({ protocolVersion: '2025-11-25', capabilities: { resources: { subscribe: true } }, serverInfo: { name: 'hostile', version: '1' } });
      if (msg.method === 'resources/list') return reply({ resources: [{ uri: 'test://a', name: 'a' }] });
      if (msg.method === 'resources/subscribe') return reply({});
      // Anything else (the era probe included): what a 2025-era server that knows nothing of it answers.
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Bad Request: Server not initialized' } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.add(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, gets: () => gets, streamed: () => streamed };
}

describe('MCP upstream against a hostile HTTP server', () => {
  it('an endless SSE event is cut at the frame bound and the upstream reconnects', async () => {
    const s = await hostileServer();
    const { upstream } = startUpstream(cleanups, entry({ name: 'hostile', type: 'http', url: s.url, resources: { subscribe: ['test://a'] } }));
    await waitFor(() => upstream.status().disconnects >= 1, { timeoutMs: 20_000, what: 'the stream to be cut' });
    expect(upstream.status().last_error?.message).toMatch(/event stream dropped/);
    await waitFor(() => s.gets() >= 2, { timeoutMs: 20_000, what: 'a reconnect' });
    // The relay stopped reading long before the server's 64 MB (what sits in socket buffers aside): one event never grows past the bound.
    expect(s.streamed()).toBeLessThan(16 * MAX_FRAME_BYTES);
  });
});

describe('MCP upstream against a server that never answers', () => {
  it('stop() ends a connect in progress at once instead of waiting out the connect timeout', async () => {
    const { createServer: createHttp } = await import('node:http');
    let requests = 0;
    const silent = createHttp(() => {
      requests++; // accepted, never answered
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    cleanups.add(() => {
      silent.closeAllConnections();
      return new Promise<void>((r) => silent.close(() => r()));
    });
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/mcp`;
    // A connect timeout far beyond the test's own: only the abort can end the connect in time.
    const { upstream } = startUpstream(cleanups, entry({ name: 'silent', type: 'http', url }), { connectTimeoutMs: 10 * 60_000 });
    await waitFor(() => requests > 0, { what: 'the connect to reach the server' });
    expect(upstream.status().state).toBe('connecting');
    await upstream.stop();
    expect(upstream.status().state).toBe('stopped');
  });
});
