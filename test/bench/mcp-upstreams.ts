// Standard MCP servers as event sources: notification → durable inbox event through an McpUpstream (SDK v2
// client, FileInbox with fsync), per transport (Streamable HTTP, stdio) and for the Events extension draft,
// each beside the same notification reaching a bare SDK v2 client of the same server (the floor: server,
// transport and SDK alone); and what 20 idle upstreams add to the daemon's RSS.
// The stdio servers are separate processes; the bench triggers them with SIGUSR2, the same way for both sides.
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import * as z from 'zod';
import { UpstreamEntrySchema, type UpstreamEntry } from '../../relay/config/upstreams.js';
import { FileInbox } from '../../relay/inbox/file-inbox.js';
import { FileEventCursorStore } from '../../relay/upstream/mcp/event-cursors.js';
import { McpUpstream } from '../../relay/upstream/mcp/upstream.js';
import { startReferenceServer } from '../../relay/reference-server/server.js';
import { startV2TestServer } from '../helpers/mcp-v2-http-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { startDaemon } from './daemon.js';
import { latencyRows, percentile, timeEach, type BenchRow } from './stats.js';

const PUSH_SERVER = join(process.cwd(), 'test/helpers/mcp-push-server.mjs');
const EVENTS_SERVER = join(process.cwd(), 'test/helpers/mcp-events-server.mjs');

export async function benchMcpUpstreams(samples = 200): Promise<BenchRow[]> {
  return [...(await latency(samples)), ...(await stdioLatency(samples)), ...(await eventsLatency(samples)), await idleRss(20)];
}

/** The pid a stdio server wrote to its pid file (the relay spawns it; the bench signals it). */
async function pidFrom(file: string): Promise<number> {
  return waitFor(
    () => {
      try {
        const pid = Number(readFileSync(file, 'utf8').trim().split('\n').at(-1));
        return pid > 0 ? pid : undefined;
      } catch {
        return undefined;
      }
    },
    { timeoutMs: 20_000, what: 'the server pid' },
  );
}

/** Times `samples` triggers of a stdio server until the event is durable in a FileInbox fed by an McpUpstream. */
async function relayTimings(samples: number, entry: UpstreamEntry, dir: string, pidFile: string, ready: (u: McpUpstream) => boolean): Promise<number[]> {
  const inbox = await FileInbox.open({ dir: join(dir, 'inbox') });
  const upstream = new McpUpstream(entry, { inbox, log: () => undefined, eventCursors: new FileEventCursorStore(dir) });
  upstream.start();
  try {
    await waitFor(() => ready(upstream) || undefined, { timeoutMs: 20_000, what: 'the upstream to connect and subscribe' });
    const pid = await pidFrom(pidFile);
    let stored: (() => void) | undefined;
    const off = inbox.onAppend(() => stored?.());
    // Warm up until a trigger lands: a subscription can be acknowledged a moment before the server's stream is
    // live (an Events stream starts "from now" at its `active`), and a trigger before that is never delivered.
    await waitFor(
      async () => {
        const landed = new Promise<boolean>((r) => {
          stored = () => r(true);
          setTimeout(() => r(false), 200);
        });
        process.kill(pid, 'SIGUSR2');
        return (await landed) || undefined;
      },
      { timeoutMs: 20_000, intervalMs: 0, what: 'a first event through the relay' },
    );
    await new Promise((r) => setTimeout(r, 300)); // let late appends of the warm-up pass
    const out = await timeEach(samples, () => new Promise<void>((r) => (stored = r)), () => process.kill(pid, 'SIGUSR2'));
    off();
    return out;
  } finally {
    await upstream.stop();
    await inbox.close();
  }
}

async function stdioLatency(samples: number): Promise<BenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-mcp-stdio-'));
  const env = { MCP_TEST_ON_SIGNAL: '1' };
  try {
    const transport = new StdioClientTransport({ command: process.execPath, args: [PUSH_SERVER], env: { ...process.env, ...env } as Record<string, string>, stderr: 'ignore' });
    const client = new Client({ name: 'bench-floor', version: '0' });
    let wake: (() => void) | undefined;
    client.setNotificationHandler('notifications/resources/updated', () => wake?.());
    await client.connect(transport);
    await client.subscribeResource({ uri: 'test://a' });
    const floorPid = transport.pid!;
    const floor = await timeEach(samples, () => new Promise<void>((r) => (wake = r)), () => process.kill(floorPid, 'SIGUSR2'));
    await client.close();

    const pidFile = join(dir, 'pid');
    const entry = UpstreamEntrySchema.parse({ name: 'bench', type: 'stdio', command: process.execPath, args: [PUSH_SERVER], env: { ...env, MCP_TEST_PID_FILE: pidFile }, allowPush: true, resources: { subscribe: ['test://a'] } });
    const relay = await relayTimings(samples, entry, dir, pidFile, (u) => u.status().state === 'connected' && u.status().subscribed_uris === 1);
    return latencyRows('MCP notification (stdio, 2025-era resources/subscribe) → durable inbox event', relay, floor, 'same notification → bare SDK v2 client', 'report (fsync bound)');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The Events extension draft over stdio: an event on a push stream → durable inbox event (cursor saved after). */
async function eventsLatency(samples: number): Promise<BenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-mcp-events-'));
  try {
    const env = { MCP_TEST_EVENTS_ON_SIGNAL: '1', MCP_TEST_EVENTS_LOG: join(dir, 'floor-history') };
    const transport = new StdioClientTransport({ command: process.execPath, args: [EVENTS_SERVER], env: { ...process.env, ...env } as Record<string, string>, stderr: 'ignore' });
    const client = new Client({ name: 'bench-floor', version: '0' });
    let wake: (() => void) | undefined;
    let active: (() => void) | undefined;
    const activeSeen = new Promise<void>((r) => (active = r));
    client.setNotificationHandler('notifications/events/event', { params: z.looseObject({}) }, () => wake?.());
    client.setNotificationHandler('notifications/events/active', { params: z.looseObject({}) }, () => active?.());
    await client.connect(transport);
    const stream = new AbortController();
    void client.request({ method: 'events/stream', params: { name: 'test.tick', arguments: {}, cursor: null } }, z.looseObject({}), { signal: stream.signal, timeout: 2 ** 31 - 1 }).catch(() => undefined);
    await activeSeen;
    const floorPid = transport.pid!;
    const floor = await timeEach(samples, () => new Promise<void>((r) => (wake = r)), () => process.kill(floorPid, 'SIGUSR2'));
    stream.abort();
    await client.close();

    const pidFile = join(dir, 'pid');
    const entry = UpstreamEntrySchema.parse({
      name: 'bench',
      type: 'stdio',
      command: process.execPath,
      args: [EVENTS_SERVER],
      env: { MCP_TEST_EVENTS_ON_SIGNAL: '1', MCP_TEST_EVENTS_LOG: join(dir, 'relay-history'), MCP_TEST_PID_FILE: pidFile },
      allowPush: true,
      events: { enabled: true, subscribe: [{ name: 'test.tick' }] },
    });
    const relay = await relayTimings(samples, entry, dir, pidFile, (u) => u.status().events_extension?.state === 'on' && u.status().events_extension?.subscriptions === 1);
    return latencyRows('Events extension event (stdio push stream, experimental) → durable inbox event', relay, floor, 'same event → bare SDK v2 client on a stream', 'report (fsync bound)');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
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
