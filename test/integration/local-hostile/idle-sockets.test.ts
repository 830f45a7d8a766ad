// Connections that send nothing (relay/local/connection-guard.ts): node:http closes them a header timeout
// after connecting (shortened here; pinned by the first test, as the guard relies on it), and until then the
// number of connections is capped by evicting silent ones first, so they cannot use up the descriptors the
// relay needs to answer; requests that did arrive — long-polls included — are neither cut nor evicted.
import { describe, expect, it } from 'vitest';
import { MemoryInbox } from '../../../relay/inbox/memory-inbox.js';
import { startLocalServer, type LocalServer } from '../../../relay/local/server.js';
import { silentLogger } from '../../../relay/util/log.js';
import { incoming } from '../../contract/inbox.contract.js';
import { waitFor } from '../../helpers/wait-for.js';
import { fakeCore } from '../../helpers/fake-core.js';
import { converse, rawRequest, type Conversation, type RawResponse } from './raw-http.js';
import { useCleanups } from '../../helpers/cleanups.js';

const TOKEN = 'b'.repeat(64);
const cleanup = useCleanups();

async function serve(options: { headersMs: number; maxConnections?: number }): Promise<{ server: LocalServer; inbox: MemoryInbox }> {
  const inbox = new MemoryInbox();
  const server = await startLocalServer({
    core: fakeCore(inbox, 'idle-sockets'),
    token: TOKEN,
    port: 0,
    version: 'test',
    log: silentLogger,
    timeouts: { headersMs: options.headersMs, requestMs: Math.max(30_000, options.headersMs), checkEveryMs: 100 },
    maxConnections: options.maxConnections,
  });
  cleanup.add(() => inbox.close());
  cleanup.add(() => server.close());
  return { server, inbox };
}

/** Opens `n` connections that never send a byte; the server's closing them counts in `closed`. */
async function idle(port: number, n: number): Promise<{ conversations: Conversation[]; closed: () => number }> {
  const conversations: Conversation[] = [];
  let closed = 0;
  for (let i = 0; i < n; i++) {
    const c = await converse(port, 60_000);
    void c.done.then(() => closed++);
    conversations.push(c);
  }
  cleanup.add(async () => conversations.forEach((c) => c.socket.destroy()));
  return { conversations, closed: () => closed };
}

function authed(port: number, path: string): Promise<RawResponse> {
  return rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`, 60_000);
}

describe('idle sockets', () => {
  it('500 sockets that send nothing are closed after the header timeout; an authenticated request is answered meanwhile', async () => {
    const { server } = await serve({ headersMs: 500 });
    const flood = await idle(server.port, 500);
    expect((await authed(server.port, '/v1/status')).status).toBe(200);
    await waitFor(() => flood.closed() === 500, { timeoutMs: 30_000, what: 'the server to close all 500 idle sockets' });
    expect(flood.conversations.every((c) => c.closed())).toBe(true);
    await waitFor(() => server.connections().open === 0, { timeoutMs: 10_000, what: 'no connection left open' });
    expect((await authed(server.port, '/v1/status')).status).toBe(200);
  });

  it('at the connection cap, silent sockets are evicted oldest first; parked long-polls are not; a new request gets in', async () => {
    // A header timeout far beyond the test: only the cap closes anything here.
    const { server, inbox } = await serve({ headersMs: 600_000, maxConnections: 40 });
    const waits = Array.from({ length: 20 }, (_, i) => authed(server.port, `/v1/wait?consumer=w${i}&timeout_ms=60000`));
    await waitFor(() => inbox.stats().waiters === 20, { timeoutMs: 20_000, what: '20 parked long-polls' });
    const flood = await idle(server.port, 100);
    // 100 silent sockets against 20 free places: at least 80 were evicted, and the first ones first.
    await waitFor(() => flood.closed() >= 80, { timeoutMs: 20_000, what: '80 silent sockets evicted' });
    expect(flood.conversations.slice(0, 80).every((c) => c.closed())).toBe(true);
    expect(server.connections().open).toBeLessThanOrEqual(40);
    expect((await authed(server.port, '/v1/status')).status).toBe(200);
    expect(inbox.stats().waiters).toBe(20);
    // One event releases every long-poll: each was kept through the flood and answers normally.
    await inbox.append([incoming(1)]);
    for (const res of await Promise.all(waits)) {
      expect(res.status, res.raw.slice(0, 200)).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ status: 'event' });
    }
  });
});
