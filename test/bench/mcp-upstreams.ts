// Standard MCP servers as event sources: notification → durable inbox event through an McpUpstream (SDK v2
// client, FileInbox with fsync), beside the same notification reaching a bare SDK v2 client on the same server
// (the floor: server, loopback and SDK alone); and what 20 idle upstreams add to the daemon's RSS.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { UpstreamEntrySchema, type UpstreamEntry } from '../../relay/config/upstreams.js';
import { FileInbox } from '../../relay/inbox/file-inbox.js';
import { McpUpstream } from '../../relay/upstream/mcp/upstream.js';
import { startReferenceServer } from '../../relay/reference-server/server.js';
import { startV2TestServer } from '../helpers/mcp-v2-http-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { startDaemon } from './daemon.js';
import { latencyRows, percentile, timeEach, type BenchRow } from './stats.js';

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

/**
 * What `n` idle stdio upstreams (connected, subscribed) add to the daemon as a user runs it: its VmRSS with them
 * beside its VmRSS with none, both after the same settle time, median of `rounds`. A separate process, so the
 * bench's own heap and GC do not blur a figure of a few MB; the upstream servers are their own processes, not counted.
 */
async function idleRss(n: number, rounds = 3, settleMs = 2000): Promise<BenchRow> {
  const server = await startReferenceServer({ tokens: { 'bench-key': 't1' } });
  const entries = Array.from({ length: n }, (_, i) =>
    UpstreamEntrySchema.parse({ name: `idle${i}`, type: 'stdio', command: process.execPath, args: [PUSH_SERVER], allowPush: true, resources: { subscribe: ['test://*'] } }),
  );
  const measure = async (upstreams: UpstreamEntry[]): Promise<number> => {
    const home = await mkdtemp(join(tmpdir(), 'bench-mcp-rss-'));
    await chmod(home, 0o700);
    if (upstreams.length > 0) await writeFile(join(home, 'settings.json'), JSON.stringify({ upstreams }), { mode: 0o600 });
    const d = await startDaemon({ home, server: server.url, apiKey: 'bench-key' });
    try {
      await waitFor(
        async () => {
          const status = (await d.api('GET', '/v1/status')) as { upstreams?: { state: string }[] };
          return (status.upstreams ?? []).filter((u) => u.state === 'connected').length === upstreams.length;
        },
        { timeoutMs: 120_000, intervalMs: 100, what: `${upstreams.length} upstreams connected` },
      );
      await new Promise((r) => setTimeout(r, settleMs));
      return d.rssMb();
    } finally {
      await d.stop();
      await rm(home, { recursive: true, force: true });
    }
  };
  try {
    const none: number[] = [];
    const some: number[] = [];
    for (let i = 0; i < rounds; i++) {
      none.push(await measure([]));
      some.push(await measure(entries));
    }
    const floor = percentile(none, 50);
    const value = percentile(some, 50);
    return {
      figure: `daemon RSS added by ${n} idle stdio upstreams (connected, subscribed; median of ${rounds})`,
      value: value - floor,
      unit: 'MB',
      floor,
      floorName: 'the same daemon with none',
      ratio: value / floor,
      goal: 'report',
      met: true,
    };
  } finally {
    await server.close();
  }
}
