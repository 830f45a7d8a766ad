// 1,000 concurrent waiters released by one event, at the level agents use: 1,000 `/v1/wait` long-polls over
// keep-alive HTTP (what `hook idle-wake` does), and 1,000 `wait_for_event` calls over MCP spread across 50
// sessions × 20 calls (one session with hundreds of calls in flight hits an O(n²) inside the MCP SDK; Claude
// Code opens one session per agent, so many sessions with a few calls each is the realistic shape). Figures:
// emit → the last waiter's result, and the relay's heap per parked waiter (connection included for /v1/wait;
// sessions already open for MCP), after global.gc(). Floor, in the same run: 1,000 in-process
// `inbox.waitForPending` promises on a FileInbox released by one append (write + fsync included).
//
// The relay runs in a child process (startRelay, as the daemon runs it), so its heap is measured without the
// 1,000 clients, and relay and clients each get a core as they would on a real machine; the reference server
// and the clients run here. The child is this file, forked with `--waiters-child`; it answers over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, createServer, get, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { RunningRelay } from '../../relay/core/relay.js';
import { FileInbox } from '../../relay/inbox/file-inbox.js';
import { startReferenceServer } from '../../relay/reference-server/server.js';
import { BENCH_KEY, openRelay } from './mcp.js';
import { percentile, type BenchRow } from './stats.js';

const N = 1000;
const SESSIONS = 50;
/** Measured releases per kind (after one warm-up); the figures are their medians. */
const ROUNDS = 5;
const KEY = BENCH_KEY;
const TENANT = 't1';
const CHILD_FLAG = '--waiters-child';

interface Round {
  ms: number;
  bytesPerWaiter: number;
  /** CPU milliseconds the release cost the server process, and this process (the 1,000 clients). */
  relayCpuMs?: number;
  clientCpuMs?: number;
  /** Fastest and slowest of the rounds a median was taken over. */
  msRange?: [number, number];
}

/** Each field's median over the rounds. */
function medianRound(rounds: Round[]): Round {
  const med = (pick: (r: Round) => number | undefined) => percentile(rounds.map((r) => pick(r) ?? NaN), 50);
  const ms = rounds.map((r) => r.ms);
  return {
    ms: med((r) => r.ms),
    bytesPerWaiter: med((r) => r.bytesPerWaiter),
    relayCpuMs: med((r) => r.relayCpuMs),
    clientCpuMs: med((r) => r.clientCpuMs),
    msRange: [Math.min(...ms), Math.max(...ms)],
  };
}

type Request =
  | { op: 'start'; home: string; server: string }
  | { op: 'heap' }
  | { op: 'waiters' }
  | { op: 'floor'; dir: string }
  | { op: 'profile'; start: boolean; name: string }
  | { op: 'bare'; start: boolean }
  | { op: 'bare-mcp'; start: boolean }
  | { op: 'close' };

// ---- the child: the relay under test ----

let snapshots = 0;

/** heapUsed after full GCs; with `BENCH_HEAP_SNAPSHOTS=<dir>` also a heap snapshot there, to diff in DevTools. */
async function settledHeap(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  const used = process.memoryUsage().heapUsed;
  const dir = process.env.BENCH_HEAP_SNAPSHOTS;
  if (dir) (await import('node:v8')).writeHeapSnapshot(join(dir, `relay-${++snapshots}.heapsnapshot`));
  return used;
}

/** The floor: 1,000 waitForPending promises on a FileInbox, released by one append. */
async function floorRelease(dir: string): Promise<Round> {
  const inbox = await FileInbox.open({ dir });
  try {
    const source = { server: 'http://127.0.0.1:1', tenant: 'floor' };
    const event = (id: number) => ({
      source,
      subscription_id: 's',
      event: { event_id: id, topic: 'deal.won', category: 'crm', aggregate_type: 'deal', aggregate_id: `d${id}`, actor_id: null, correlation_id: null, occurred_at: new Date().toISOString(), payload: { id } },
    });
    // One consumer per waiter, each claiming what it takes, as the relay's waiters do: within one consumer an
    // event goes to one taker only (relay/inbox/claims.ts), so N takers of one event need N consumers.
    const round = async (consumer: string, id: number) => {
      for (let k = 0; k < N; k++) await inbox.consumer(`${consumer}-${k}`);
      const before = await settledHeap();
      const waits = Array.from({ length: N }, (_, k) => inbox.waitForPending(`${consumer}-${k}`, { timeoutMs: 30_000, leaseMs: 60_000 }));
      const parked = await settledHeap();
      const t0 = performance.now();
      await inbox.append([event(id)]);
      const released = await Promise.all(waits);
      const ms = performance.now() - t0;
      if (released.some((r) => r.length !== 1)) throw new Error('floor: a waiter was not released with the event');
      return { ms, bytesPerWaiter: (parked - before) / N };
    };
    await round('warmup', 1);
    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) rounds.push(await round(`floor-${i}`, 2 + i));
    return medianRound(rounds);
  } finally {
    await inbox.close();
  }
}

let cpuAtStart: NodeJS.CpuUsage | undefined;

/**
 * Brackets a release: returns the relay's CPU milliseconds between start and stop. With `BENCH_PROFILE=<dir>`
 * it also writes a CPU profile of the relay over the release (open it in Chrome DevTools).
 */
async function profile(start: boolean, name: string): Promise<number> {
  if (start) cpuAtStart = process.cpuUsage();
  const used = start ? 0 : cpuMs(process.cpuUsage(cpuAtStart));
  const dir = process.env.BENCH_PROFILE;
  if (!dir) return used;
  const { Session } = await import('node:inspector');
  const g = globalThis as { benchSession?: InstanceType<typeof Session> };
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => g.benchSession!.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  if (start) {
    g.benchSession ??= new Session();
    g.benchSession.connect();
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 100 });
    await post('Profiler.start');
  } else {
    const { profile: data } = (await post('Profiler.stop')) as { profile: unknown };
    g.benchSession!.disconnect();
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(data));
  }
  return used;
}

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

/**
 * A second floor: a bare node:http server (no relay, no inbox, no validation) that holds every GET /wait and
 * answers all of them on GET /release with a body shaped like /v1/wait's. It shows what 1,000 responses on
 * 1,000 connections cost node:http itself on this machine.
 */
async function startBare(): Promise<{ url: string; held: () => number; close(): Promise<void> }> {
  const held: ServerResponse[] = [];
  const body = JSON.stringify({
    status: 'event',
    consumer: 'bare',
    events: [{ seq: 1, event_id: 1, topic: 'deal.won', category: 'crm', occurred_at: new Date().toISOString(), received_at: new Date().toISOString(), payload: { name: 'release', amount: 250000 } }],
    pending: 0,
  });
  const server = createServer((req, res) => {
    if (req.url !== '/release') return void held.push(res);
    for (const r of held.splice(0)) {
      r.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
      r.end(body);
    }
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held: () => held.length,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/**
 * A third floor: the MCP SDK alone, the way the relay hosts it (one McpServer + NodeStreamableHTTPServerTransport
 * per session on node:http, SSE responses) with a `wait_for_event` tool that awaits one shared promise, which
 * GET /release resolves. No relay, no inbox, no zod schemas of ours: what the SDK's transport costs per call.
 */
async function startBareMcp(): Promise<{ url: string; held: () => number; close(): Promise<void> }> {
  const { McpServer } = await import('@modelcontextprotocol/server');
  const { NodeStreamableHTTPServerTransport } = await import('@modelcontextprotocol/node');
  const { randomUUID } = await import('node:crypto');
  const { z } = await import('zod');
  let release!: () => void;
  let gate = new Promise<void>((r) => (release = r));
  let held = 0;
  const sessions = new Map<string, InstanceType<typeof NodeStreamableHTTPServerTransport>>();
  const server = createServer((req, res) => {
    void (async () => {
      if (req.url === '/release') {
        const open = release;
        gate = new Promise<void>((r) => (release = r));
        open();
        return void res.end();
      }
      let text = '';
      for await (const chunk of req) text += String(chunk);
      const body = text ? (JSON.parse(text) as unknown) : undefined;
      const id = req.headers['mcp-session-id'];
      let transport = typeof id === 'string' ? sessions.get(id) : undefined;
      if (!transport) {
        const t: InstanceType<typeof NodeStreamableHTTPServerTransport> = new NodeStreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (sid) => void sessions.set(sid, t),
        });
        const mcp = new McpServer({ name: 'bare', version: '0.0.0' });
        mcp.registerTool('wait_for_event', { inputSchema: z.object({ consumer: z.string().optional(), timeout_seconds: z.number().optional() }) }, async () => {
          held++;
          await gate;
          held--;
          return { content: [{ type: 'text', text: 'event' }], structuredContent: { status: 'event' } };
        });
        await mcp.connect(t);
        transport = t;
      }
      await transport.handleRequest(req, res, body);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held: () => held,
    close: async () => {
      await Promise.all([...sessions.values()].map((t) => t.close()));
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

function runChild(): void {
  let relay: RunningRelay | undefined;
  let bare: Awaited<ReturnType<typeof startBare>> | undefined;
  let bareMcp: Awaited<ReturnType<typeof startBareMcp>> | undefined;
  const reply = (value: unknown) => process.send!({ ok: true, value });
  process.on('message', (msg: Request) => {
    void (async () => {
      switch (msg.op) {
        case 'start':
          relay = await openRelay(msg.home, msg.server, 'bench-waiters');
          return reply({ url: relay.url, token: relay.token });
        case 'heap':
          return reply(await settledHeap());
        case 'waiters':
          return reply(relay ? relay.core.inbox.stats().waiters : (bareMcp ?? bare)?.held() ?? 0);
        case 'bare':
          if (msg.start) bare = await startBare();
          else await bare?.close();
          return reply(msg.start ? bare?.url : (bare = undefined));
        case 'bare-mcp':
          if (msg.start) bareMcp = await startBareMcp();
          else await bareMcp?.close();
          return reply(msg.start ? bareMcp?.url : (bareMcp = undefined));
        case 'floor':
          return reply(await floorRelease(msg.dir));
        case 'profile':
          return reply(await profile(msg.start, msg.name));
        case 'close':
          await relay?.close();
          reply(null);
          return process.exit(0);
      }
    })().catch((err: unknown) => process.send!({ ok: false, error: (err as Error).stack ?? String(err) }));
  });
}

if (process.argv.includes(CHILD_FLAG)) runChild();

// ---- the parent: clients, emits and the clock ----

class RelayChild {
  private queue: { resolve(v: unknown): void; reject(e: Error): void }[] = [];
  constructor(readonly child: ChildProcess) {
    child.on('message', (msg: { ok: boolean; value?: unknown; error?: string }) => {
      const next = this.queue.shift();
      if (msg.ok) next?.resolve(msg.value);
      else next?.reject(new Error(`relay child: ${msg.error}`));
    });
    child.on('exit', (code) => {
      for (const q of this.queue.splice(0)) q.reject(new Error(`relay child exited (${code})`));
    });
  }
  static spawn(): RelayChild {
    return new RelayChild(fork(fileURLToPath(import.meta.url), [CHILD_FLAG], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }
  ask<T>(req: Request): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ resolve: resolve as (v: unknown) => void, reject });
      this.child.send(req);
    });
  }
  async parked(n: number): Promise<void> {
    for (let i = 0; (await this.ask<number>({ op: 'waiters' })) !== n; i++) {
      if (i > 6000) throw new Error(`fewer than ${n} waiters were parked after 60 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}


/** Parks N waiters with `park(consumer)`, measures the child's heap, releases (emit), and times until all resolved. */
async function releaseRound(
  relay: RelayChild,
  emit: () => Promise<unknown>,
  park: (consumer: string) => Promise<void>[],
  consumer: string,
): Promise<Round> {
  const base = await relay.ask<number>({ op: 'heap' });
  const waits = park(consumer);
  await relay.parked(N);
  const parked = await relay.ask<number>({ op: 'heap' });
  await relay.ask({ op: 'profile', start: true, name: consumer });
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await emit();
  await Promise.all(waits);
  const ms = performance.now() - t0;
  const clientCpuMs = cpuMs(process.cpuUsage(cpu));
  const relayCpuMs = await relay.ask<number>({ op: 'profile', start: false, name: consumer });
  return { ms, bytesPerWaiter: (parked - base) / N, relayCpuMs, clientCpuMs };
}

export async function benchWaiters(): Promise<BenchRow[]> {
  const root = await mkdtemp(join(tmpdir(), 'bench-waiters-'));
  const server = await startReferenceServer({ tokens: { [KEY]: TENANT } });
  const relay = RelayChild.spawn();
  const clients: Client[] = [];
  let agent: Agent | undefined;
  try {
    const floor = await relay.ask<Round>({ op: 'floor', dir: join(root, 'floor-inbox') });

    // Long-polls, each on its own keep-alive connection (as 1,000 idle-wake hooks would hold). A warm-up
    // round compiles the server's code paths; its connections are then dropped, so the measured round's heap
    // delta holds what a parked long-poll costs: its connection, request and waiter.
    const longPolls = (url: string, headers: Record<string, string>) => (path: (consumer: string) => string) => {
      const round = (a: Agent) => (consumer: string) =>
        Array.from(
          { length: N },
          (_, k) =>
            new Promise<void>((resolve, reject) => {
              // One consumer per long-poll: one event reaches every one of them (a consumer hands it to one).
              get(`${url}${path(`${consumer}-${k}`)}`, { agent: a, headers }, (res) => {
                let body = '';
                res.setEncoding('utf8').on('data', (c: string) => (body += c));
                res.on('end', () => ((JSON.parse(body) as { status?: string }).status === 'event' ? resolve() : reject(new Error(`${res.statusCode} ${body.slice(0, 200)}`))));
              }).on('error', reject);
            }),
        );
      return async (release: () => Promise<unknown>, name: string): Promise<Round> => {
        const warm = new Agent({ keepAlive: true, maxSockets: N });
        await releaseRound(relay, release, round(warm), `${name}-warmup`);
        warm.destroy();
        await new Promise((r) => setTimeout(r, 200)); // the server sees the connections close
        const measured: Round[] = [];
        for (let i = 0; i < ROUNDS; i++) {
          agent = new Agent({ keepAlive: true, maxSockets: N });
          measured.push(await releaseRound(relay, release, round(agent), `${name}-${i}`));
          agent.destroy();
          await new Promise((r) => setTimeout(r, 200));
        }
        return medianRound(measured);
      };
    };

    // The bare node:http floor, in the same child process the relay then runs in.
    const bareUrl = await relay.ask<string>({ op: 'bare', start: true });
    const bare = await longPolls(bareUrl, {})(() => '/wait')(
      () => new Promise((resolve, reject) => get(`${bareUrl}/release`, (res) => res.resume().on('end', resolve)).on('error', reject)),
      'bare',
    );
    await relay.ask({ op: 'bare', start: false });

    // wait_for_event: 50 sessions × 20 calls, each call with a progress token as Claude Code sends.
    const mcpRounds = async (url: string, headers: Record<string, string>, release: () => Promise<unknown>, name: string): Promise<Round> => {
      const sessions: Client[] = [];
      for (let i = 0; i < SESSIONS; i++) {
        const client = new Client({ name: `bench-${i}`, version: '0.0.0' });
        clients.push(client);
        await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', url), { requestInit: { headers } }));
        sessions.push(client);
      }
      const calls = (consumer: string) =>
        Array.from({ length: N }, (_, i) =>
          sessions[i % SESSIONS]!.callTool({ name: 'wait_for_event', arguments: { consumer: `${consumer}-${i}`, timeout_seconds: 30 } }, { onprogress: () => undefined }).then((r) => {
            const s = r.structuredContent as { status?: string } | undefined;
            if (s?.status !== 'event') throw new Error(`wait_for_event: ${JSON.stringify(r).slice(0, 200)}`);
          }),
        );
      await releaseRound(relay, release, calls, `${name}-warmup`);
      const measured: Round[] = [];
      for (let i = 0; i < ROUNDS; i++) measured.push(await releaseRound(relay, release, calls, `${name}-${i}`));
      await Promise.all(sessions.map((c) => c.close()));
      return medianRound(measured);
    };
    const bareMcpUrl = await relay.ask<string>({ op: 'bare-mcp', start: true });
    const bareMcp = await mcpRounds(bareMcpUrl, {}, () => new Promise((resolve, reject) => get(`${bareMcpUrl}/release`, (res) => res.resume().on('end', resolve)).on('error', reject)), 'bare-mcp');
    await relay.ask({ op: 'bare-mcp', start: false });

    const { url, token } = await relay.ask<{ url: string; token: string }>({ op: 'start', home: join(root, 'home'), server: server.url });
    let n = 0;
    const emit = () => server.emit(TENANT, { topic: 'deal.won', payload: { name: `release ${++n}`, amount: 250000 } });
    const polls = await longPolls(url, { authorization: `Bearer ${token}` })((consumer) => `/v1/wait?consumer=${consumer}&timeout_ms=30000`)(emit, 'poll');
    const mcp = await mcpRounds(url, { authorization: `Bearer ${token}` }, emit, 'mcp');

    const cpu = (r: Round) =>
      `[${r.msRange ? `rounds ${Math.round(r.msRange[0])}–${Math.round(r.msRange[1])} ms; ` : ''}CPU: server ${Math.round(r.relayCpuMs ?? NaN)} ms, clients ${Math.round(r.clientCpuMs ?? NaN)} ms]`;
    const release = (figure: string, r: Round): BenchRow => ({
      figure: figure.startsWith('…') ? figure : `${figure} ${cpu(r)}`,
      value: r.ms,
      unit: 'ms',
      floor: floor.ms,
      floorName: `${N.toLocaleString('en-US')} inbox.waitForPending, one append`,
      ratio: r.ms / floor.ms,
      goal: '≤ 50 ms',
      met: r.ms <= 50,
    });
    const memory = (figure: string, r: Round): BenchRow => ({
      figure,
      value: r.bytesPerWaiter / 1024,
      unit: 'KB',
      floor: floor.bytesPerWaiter / 1024,
      floorName: 'per inbox.waitForPending',
      ratio: r.bytesPerWaiter / floor.bytesPerWaiter,
      goal: '≤ 20 KB',
      met: r.bytesPerWaiter / 1024 <= 20,
    });
    const n1k = N.toLocaleString('en-US');
    return [
      release(`${n1k} \`/v1/wait\` long-polls (keep-alive) released by one event: emit → last result, median of ${ROUNDS}`, polls),
      { ...release(`… floor 2: a bare node:http server answering ${n1k} held requests (no relay) ${cpu(bare)}`, bare), goal: 'report', met: true },
      memory('… relay heap per parked long-poll, its connection included', polls),
      { ...memory('… bare node:http heap per held request, its connection included', bare), goal: 'report', met: true },
      release(`${n1k} \`wait_for_event\` calls (${SESSIONS} MCP sessions × ${N / SESSIONS}) released by one event: emit → last result, median of ${ROUNDS}`, mcp),
      { ...release(`… floor 3: the MCP SDK alone (same transport, a tool awaiting one promise), ${n1k} calls released ${cpu(bareMcp)}`, bareMcp), goal: 'report', met: true },
      memory('… relay heap per parked wait_for_event call (sessions already open)', mcp),
      { ...memory('… MCP SDK alone: heap per parked call', bareMcp), goal: 'report', met: true },
    ];
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    agent?.destroy();
    await relay.ask({ op: 'close' }).catch(() => undefined);
    await server.close();
    await rm(root, { recursive: true, force: true });
  }
}
