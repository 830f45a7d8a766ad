// The daemon as a user runs it (`bin/push-relay daemon`, its own process): resident memory idle and with
// 100k stored events, and the time from spawn to its `listening` line with 100k stored events. Floors from the
// same run: a bare Node process's RSS, the inbox's bytes on disk, and `node -e 0` start-up. Each round starts
// the three (floor, empty home, 100k home) in a fresh random order; medians over the rounds are reported.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileInbox } from '../../relay/inbox/file-inbox.js';
import { makeEvents } from './ingest.js';
import { startReferenceServer } from '../../relay/reference-server/server.js';
import { fmt, percentile, type BenchRow } from './stats.js';

/** `bin/push-relay` of this checkout, from the compiled bench (dist/test/bench) or its source (test/bench). */
export const BENCH_BIN = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../bin/push-relay' : '../../bin/push-relay', import.meta.url));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface BenchDaemon {
  child: ChildProcessWithoutNullStreams;
  url: string;
  /** Milliseconds from spawn() to the `listening` line. */
  readyMs: number;
  api(method: string, path: string, body?: unknown): Promise<unknown>;
  /** Resolves once the daemon's upstream stream is open. */
  upstreamOpen(): Promise<void>;
  /** VmRSS of the daemon process, in MB (from /proc/<pid>/status). */
  rssMb(): number;
  stop(): Promise<void>;
}

/** VmRSS of `pid` in MB. */
export function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) / 1024;
}

export async function startDaemon(options: { home: string; server: string; apiKey: string }): Promise<BenchDaemon> {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [BENCH_BIN, 'daemon', '--home', options.home, '--local-port', '0', '--server', options.server, '--client-id', 'bench', '--quiet'],
    { env: { ...process.env, PUSH_RELAY_API_KEY: options.apiKey }, stdio: 'pipe' },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const { url, readyMs } = await new Promise<{ url: string; readyMs: number }>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the daemon printed no "listening" line within 30 s: ${stderr}`)), 30_000);
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const m = /^listening (\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, readyMs: performance.now() - t0 });
      }
    });
    child.once('exit', (code) => reject(new Error(`the daemon exited (${code}) before listening: ${stderr}`)));
  });
  const token = readFileSync(join(options.home, 'local-token'), 'utf8').trim();
  const api = (method: string, path: string, body?: unknown) =>
    new Promise<unknown>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        `${url}${path}`,
        { method, headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c: string) => (text += c));
          res.on('end', () => ((res.statusCode ?? 500) < 300 ? resolve(JSON.parse(text)) : reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`))));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  return {
    child,
    url,
    readyMs,
    api,
    async upstreamOpen() {
      for (let i = 0; ; i++) {
        const status = (await api('GET', '/v1/status')) as { upstream: { state: string } };
        if (status.upstream.state === 'open') return;
        if (i > 1000) throw new Error('the daemon did not connect upstream');
        await sleep(10);
      }
    },
    rssMb: () => rssMb(child.pid!),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Writes `total` events into `<home>/inbox` through FileInbox (the daemon's own format). Returns bytes on disk. */
export async function prefillInbox(home: string, total: number): Promise<number> {
  const dir = join(home, 'inbox');
  const inbox = await FileInbox.open({ dir });
  for (let off = 0; off < total; off += 1000) await inbox.append(makeEvents(Math.min(1000, total - off), off, { server: 'http://127.0.0.1:1', tenant: 'bench-prefill' }));
  if (inbox.stats().events !== total) throw new Error(`prefill stored ${inbox.stats().events} of ${total} events`);
  await inbox.close();
  const segments = join(dir, 'segments');
  return readdirSync(segments).reduce((sum, name) => sum + statSync(join(segments, name)).size, 0);
}

/** Spawn → exit of `node -e 0`. */
function nodeStartup(): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve(performance.now() - t0));
  });
}

/** RSS of a bare Node process that is alive and idle (the same settle time as the daemons get). */
async function bareNodeRss(settleMs: number): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    await sleep(settleMs);
    return rssMb(child.pid!);
  } finally {
    child.kill('SIGKILL');
  }
}

export async function benchDaemon(rounds = 4, events = 100_000, settleMs = 1000, longIdleMs = 10_000): Promise<BenchRow[]> {
  const root = await mkdtemp(join(tmpdir(), 'bench-daemon-'));
  const server = await startReferenceServer({ tokens: { 'bench-key': 't1' } });
  try {
    const fullHome = join(root, 'full');
    const diskBytes = await prefillInbox(fullHome, events);
    const samples = { nodeMs: [] as number[], nodeRss: [] as number[], emptyMs: [] as number[], emptyRss: [] as number[], fullMs: [] as number[], fullRss: [] as number[] };
    const longIdle = { empty: NaN, full: NaN };
    // One daemon: ready time, then RSS once it is connected and has been idle for `settleMs`. In the first
    // round it then stays idle until `longIdleMs`: V8's memory reducer returns the young generation that
    // start-up grew only after several idle seconds, so that reading is the steady state of an idle daemon.
    const measure = async (home: string, ms: number[], rss: number[], idle?: 'empty' | 'full') => {
      const d = await startDaemon({ home, server: server.url, apiKey: 'bench-key' });
      try {
        await d.upstreamOpen();
        await sleep(settleMs);
        ms.push(d.readyMs);
        rss.push(d.rssMb());
        if (idle) {
          await sleep(longIdleMs - settleMs);
          longIdle[idle] = d.rssMb();
        }
      } finally {
        await d.stop();
      }
    };
    const steps = [
      async () => {
        samples.nodeMs.push(await nodeStartup());
        samples.nodeRss.push(await bareNodeRss(settleMs));
      },
      (i: number) => measure(join(root, `empty-${i}`), samples.emptyMs, samples.emptyRss, i === 0 ? 'empty' : undefined),
      (i: number) => measure(fullHome, samples.fullMs, samples.fullRss, i === 0 ? 'full' : undefined),
    ];
    for (let i = 0; i < rounds; i++) {
      for (const step of steps.map((s, k) => [Math.random(), k, s] as const).sort((a, b) => a[0] - b[0])) await step[2](i);
    }
    const med = (xs: number[]) => percentile(xs, 50);
    const nodeMs = med(samples.nodeMs);
    const nodeRss = med(samples.nodeRss);
    const emptyRss = med(samples.emptyRss);
    const fullRss = med(samples.fullRss);
    const added = fullRss - emptyRss;
    const diskMb = diskBytes / 1024 / 1024;
    const kEvents = `${Math.round(events / 1000)}k`;
    return [
      { figure: `daemon RSS idle, empty home (median of ${rounds})`, value: emptyRss, unit: 'MB', floor: nodeRss, floorName: 'idle `node` process', ratio: emptyRss / nodeRss, goal: '≤ 70 MB', met: emptyRss <= 70 },
      { figure: `daemon RSS added by ${kEvents} stored events (median of ${rounds})`, value: added, unit: 'MB', floor: diskMb, floorName: 'the log on disk', ratio: added / diskMb, goal: '≤ +30 MB', met: added <= 30 },
      { figure: `… after ${longIdleMs / 1000} s idle (V8 memory reducer has run), empty home / with ${kEvents}`, value: longIdle.empty, unit: 'MB', floor: nodeRss, floorName: 'idle `node` process', ratio: longIdle.empty / nodeRss, goal: `report (${kEvents}: ${fmt(longIdle.full)} MB, +${fmt(longIdle.full - longIdle.empty)})`, met: true },
      { figure: `daemon ready (spawn → listening), ${kEvents} stored events (median of ${rounds})`, value: med(samples.fullMs), unit: 'ms', floor: nodeMs, floorName: '`node -e 0`', ratio: med(samples.fullMs) / nodeMs, goal: '≤ 500 ms', met: med(samples.fullMs) <= 500 },
      { figure: `daemon ready (spawn → listening), empty home (median of ${rounds})`, value: med(samples.emptyMs), unit: 'ms', floor: nodeMs, floorName: '`node -e 0`', ratio: med(samples.emptyMs) / nodeMs, goal: 'report', met: true },
    ];
  } finally {
    await server.close();
    await rm(root, { recursive: true, force: true });
  }
}
