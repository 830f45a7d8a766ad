// Standard MCP servers as event sources: notification → durable inbox event through an McpUpstream (SDK v2
// client, FileInbox with fsync), beside the same notification reaching a bare SDK v2 client on the same server
// (the floor: server, loopback and SDK alone); and what 20 idle upstreams cost the relay process in RSS.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { UpstreamEntrySchema } from '../../relay/config/upstreams.js';
import { FileInbox } from '../../relay/inbox/file-inbox.js';
import { MemoryInbox } from '../../relay/inbox/memory-inbox.js';
import { McpUpstream } from '../../relay/upstream/mcp/upstream.js';
import { startV2TestServer } from '../helpers/mcp-v2-http-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { latencyRows, timeEach, type BenchRow } from './stats.js';

const PUSH_SERVER = join(process.cwd(), 'test/helpers/mcp-push-server.mjs');

export async function benchMcpUpstreams(samples = 200): Promise<BenchRow[]> {
  return [...(await latency(samples)), await idleRss(20)];
}

async function latency(samples: number): Promise<BenchRow[]> {
  const server = await startV2TestServer();
  const dir = await mkdtemp(join(tmpdir(), 'bench-mcp-upstream-'));
  try {
    // Floor: a bare SDK client listening to the same resource.
    const client = new Client({ name: 'bench-floor', version: '0' }, { versionNegotiation: { mode: 'auto' } });
    let wake: (() => void) | undefined;
    client.setNotificationHandler('notifications/resources/updated', () => wake?.());
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
    const sub = await client.listen({ resourceSubscriptions: ['test://a'] });
    const notify = () => server.notify.resourceUpdated('test://a');
    const floor = await timeEach(samples, () => new Promise<void>((r) => (wake = r)), notify);
    await sub.close();
    await client.close();

    const inbox = await FileInbox.open({ dir });
    const upstream = new McpUpstream(UpstreamEntrySchema.parse({ name: 'bench', type: 'http', url: server.url, allowPush: true, resources: { subscribe: ['test://a'] } }), {
      inbox,
      log: () => undefined,
    });
    upstream.start();
    await waitFor(() => upstream.status().state === 'connected', { timeoutMs: 20_000, what: 'the upstream to connect' });
    let stored: (() => void) | undefined;
    const off = inbox.onAppend(() => stored?.());
    const relay = await timeEach(samples, () => new Promise<void>((r) => (stored = r)), notify);
    off();
    await upstream.stop();
    await inbox.close();
    return latencyRows(
      'MCP notification (Streamable HTTP, 2026-07-28 listen) → durable inbox event',
      relay,
      floor,
      'same notification → bare SDK v2 client',
      'report (fsync bound)',
    );
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** RSS of this process with `n` idle stdio upstreams connected (their servers are child processes, not counted). */
async function idleRss(n: number): Promise<BenchRow> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().rss;
  const inbox = new MemoryInbox();
  const upstreams = Array.from({ length: n }, (_, i) =>
    new McpUpstream(UpstreamEntrySchema.parse({ name: `idle${i}`, type: 'stdio', command: process.execPath, args: [PUSH_SERVER], allowPush: true, resources: { subscribe: ['test://*'] } }), {
      inbox,
      log: () => undefined,
    }),
  );
  try {
    for (const u of upstreams) u.start();
    await waitFor(() => upstreams.every((u) => u.status().state === 'connected'), { timeoutMs: 120_000, intervalMs: 100, what: `${n} upstreams connected` });
    gc?.();
    const after = process.memoryUsage().rss;
    const mb = (after - before) / 1024 / 1024;
    return {
      figure: `RSS added by ${n} idle stdio upstreams (connected, subscribed)`,
      value: mb,
      unit: 'MB',
      floor: before / 1024 / 1024,
      floorName: 'process RSS before',
      ratio: after / before,
      goal: 'report',
      met: true,
    };
  } finally {
    await Promise.all(upstreams.map((u) => u.stop()));
  }
}
