// emit → `wait_for_event` result over the relay's local MCP endpoint (Streamable HTTP, SSE responses), as an
// agent sees it: an SDK Client with StreamableHTTPClientTransport on `<relay>/mcp` with the local token, a
// relay from startRelay against an in-process reference server. Each round parks one wait_for_event call
// (timeout 30 s, with a progress token as Claude Code sends), emits one event upstream, and times emit → the call's result. Beside it, in the same rounds,
// the floor: a raw loopback HTTP round trip to the same relay (GET /v1/health, node:http, keep-alive).
// The path measured: reference server → SSE → relay's PushStream → FileInbox append (write + fsync) → waiter
// → ack (in memory; its consumers.json write completes after the reply) → MCP result on the call's SSE
// response → the SDK client. Two more rows report emit → durable in the inbox on the same rounds, to show
// where the time goes (the p99 is the disk's fsync latency, which the floor does not pay).
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startRelay, type RunningRelay } from '../../relay/core/relay.js';
import { startReferenceServer } from '../../relay/reference-server/server.js';
import { percentile, type BenchRow } from './stats.js';

export const BENCH_KEY = 'bench-mcp-key';
const KEY = BENCH_KEY;
const TENANT = 't1';

/** Resolves once `condition` holds, checking on every turn of the event loop (the relay runs in this process). */
async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

export async function openRelay(home: string, serverUrl: string, clientId: string): Promise<RunningRelay> {
  const relay = await startRelay({ home, server: serverUrl, apiKey: KEY, clientId, localPort: 0, notify: false, env: {} });
  await relay.core.control.subscribe({ topic: ['deal.*'] });
  for (let i = 0; relay.core.status().upstream.state !== 'open'; i++) {
    if (i > 2000) throw new Error('the relay did not connect upstream');
    await new Promise((r) => setTimeout(r, 10));
  }
  return relay;
}

export async function benchMcp(rounds = 1000, warmup = 50): Promise<BenchRow[]> {
  const home = await mkdtemp(join(tmpdir(), 'bench-mcp-'));
  const server = await startReferenceServer({ tokens: { [KEY]: TENANT } });
  let relay: RunningRelay | undefined;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const client = new Client({ name: 'push-relay-bench', version: '0.0.0' });
  try {
    relay = await openRelay(home, server.url, 'bench-mcp');
    const { url, token, core } = relay;
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));

    const health = () =>
      new Promise<void>((resolve, reject) => {
        get(`${url}/v1/health`, { agent }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`health: ${res.statusCode}`))));
        }).on('error', reject);
      });
    let storedAt = 0;
    const off = core.inbox.onAppend(() => (storedAt = performance.now()));

    const floor: number[] = [];
    const through: number[] = [];
    const durable: number[] = [];
    for (let i = 0; i < warmup + rounds; i++) {
      const t = performance.now();
      await health();
      const rtt = performance.now() - t;

      // With a progress token, as Claude Code sends on every call.
      const call = client.callTool({ name: 'wait_for_event', arguments: { timeout_seconds: 30 } }, { onprogress: () => undefined });
      await until(() => core.inbox.stats().waiters === 1, 'the wait to be parked');
      const t0 = performance.now();
      await server.emit(TENANT, { topic: 'deal.won', payload: { name: `bench ${i}`, amount: 1000 + i } });
      const result = (await call) as { structuredContent?: { status?: string; events?: unknown[] } };
      const t1 = performance.now();
      if (result.structuredContent?.status !== 'event' || result.structuredContent.events?.length !== 1) {
        throw new Error(`round ${i}: wait_for_event answered ${JSON.stringify(result).slice(0, 300)}`);
      }
      if (i >= warmup) {
        floor.push(rtt);
        through.push(t1 - t0);
        durable.push(storedAt - t0);
      }
    }
    off();

    const rows = ([50, 99] as const).map((p): BenchRow => {
      const value = percentile(through, p);
      const base = percentile(floor, p);
      const goal = p === 50 ? 3 : 5;
      return {
        figure: `emit → wait_for_event result, local MCP HTTP, p${p} (${rounds} rounds)`,
        value,
        unit: 'ms',
        floor: base,
        floorName: 'GET /v1/health, keep-alive',
        ratio: value / base,
        goal: `≤ ${goal}× floor`,
        met: value / base <= goal,
      };
    });
    // The tail is the disk's: in the slowest rounds the append's write + fsync alone takes milliseconds.
    for (const p of [50, 99] as const) {
      const value = percentile(durable, p);
      const base = percentile(floor, p);
      rows.push({
        figure: `… of which emit → durable in the inbox (append + fsync), p${p}`,
        value,
        unit: 'ms',
        floor: base,
        floorName: 'GET /v1/health, keep-alive',
        ratio: value / base,
        goal: 'report',
        met: true,
      });
    }
    return rows;
  } finally {
    await client.close().catch(() => undefined);
    agent.destroy();
    await relay?.close();
    await server.close();
    await rm(home, { recursive: true, force: true });
  }
}
