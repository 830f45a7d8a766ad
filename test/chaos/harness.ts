// Shared by the chaos scenarios (DESIGN.md "Failure behaviour", each row a test): a reference server as a child
// process that can be SIGKILLed and restarted on the same port with its data dir, a PushStream + FileInbox rig
// whose clock, file system, fetch and backoff are injectable, and the one assertion every scenario ends with: the
// inbox holds every emitted event exactly once, in event order.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { FileInbox } from '../../relay/inbox/file-inbox.js';
import type { InboxFs } from '../../relay/inbox/fs.js';
import type { EventSource } from '../../relay/inbox/types.js';
import { PUSH_ENDPOINT } from '../../relay/protocol/tools.js';
import { ControlClient } from '../../relay/upstream/control-client.js';
import { httpFetch, type StreamFetch } from '../../relay/upstream/http-fetch.js';
import { PushStream, type Clock, type PushState, type PushStreamOptions, type PushStreamStatus } from '../../relay/upstream/push-stream.js';
import { startCli, type CliProcess } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait-for.js';

/** A port that was free a moment ago (the reference server must come back on the same one after a kill). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ── the reference server as a child process ─────────────────────────────────────────────────────────────

export interface RefServerOptions {
  port: number;
  dataDir: string;
  /** token → tenant */
  tokens: Record<string, string>;
  heartbeatMs?: number;
  buffer?: number;
}

export interface RefServer {
  readonly url: string;
  readonly port: number;
  /** How many times a process was started. */
  readonly starts: number;
  running(): boolean;
  /** SIGKILL (or another signal) and wait for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts again on the same port and data dir, with other tokens if given. */
  restart(tokens?: Record<string, string>): Promise<void>;
  /**
   * POST /v1/events. Resolves with the event id on a 2xx, or undefined when the server was unreachable or
   * the answer was lost (the event may or may not exist then: scenarios compare against the server's log).
   */
  emit(token: string, topic: string, payload: Record<string, unknown>): Promise<number | undefined>;
  stderr(): string;
  close(): Promise<void>;
}

export async function startRefServer(options: RefServerOptions): Promise<RefServer> {
  let tokens = options.tokens;
  let proc: CliProcess | undefined;
  let starts = 0;
  let stderrSoFar = '';
  const url = `http://127.0.0.1:${options.port}`;

  async function launch(): Promise<void> {
    const args = ['reference-server', '--port', String(options.port), '--data-dir', options.dataDir, '--heartbeat-ms', String(options.heartbeatMs ?? 200)];
    if (options.buffer !== undefined) args.push('--buffer', String(options.buffer));
    for (const [token, tenant] of Object.entries(tokens)) args.push('--token', `${token}=${tenant}`);
    // The port was just released by a killed process: a few tries cover a slow kernel.
    for (let attempt = 1; ; attempt++) {
      const p = startCli(args);
      starts++;
      try {
        await p.line('listening', 30_000);
        proc = p;
        return;
      } catch (err) {
        stderrSoFar += p.stderr();
        await p.kill('SIGKILL');
        if (attempt >= 5 || !/in use/.test(p.stderr())) throw err;
        await sleep(200);
      }
    }
  }

  await launch();
  return {
    url,
    port: options.port,
    get starts() {
      return starts;
    },
    running: () => proc !== undefined && proc.child.exitCode === null && proc.child.signalCode === null,
    async kill(signal = 'SIGKILL') {
      if (!proc) return;
      const p = proc;
      proc = undefined;
      await p.kill(signal);
      stderrSoFar += p.stderr();
    },
    async restart(next) {
      if (proc) throw new Error('restart() while the reference server is running; kill() it first');
      if (next) tokens = next;
      await launch();
    },
    async emit(token, topic, payload) {
      try {
        const res = await fetch(`${url}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ topic, payload }),
          signal: AbortSignal.timeout(10_000),
        });
        if (!res.ok) {
          await res.body?.cancel();
          return undefined;
        }
        return ((await res.json()) as { event_id: number }).event_id;
      } catch {
        return undefined;
      }
    },
    stderr: () => stderrSoFar + (proc?.stderr() ?? ''),
    async close() {
      const p = proc;
      proc = undefined;
      await p?.kill('SIGKILL');
    },
  };
}

/** Subscribes `clientId` to `topics` on the server's control plane (MCP, as the relay itself does). */
export async function subscribe(url: string, apiKey: string, clientId: string, topics: string[] = ['custom.*']): Promise<void> {
  const control = new ControlClient({ server: url, apiKey, clientId });
  try {
    await control.subscribe({ topic: topics });
  } finally {
    await control.close();
  }
}

// ── PushStream + FileInbox ──────────────────────────────────────────────────────────────────────────────

export interface Rig {
  stream: PushStream;
  inbox: FileInbox;
  /** Distinct states in the order they were entered. */
  states: PushState[];
  /** performance.now() of every push-channel request (attempt). */
  attemptTimes: number[];
  logs: string[];
  /** Event ids in the inbox, in inbox order. */
  ids(): number[];
  close(): Promise<void>;
}

export interface RigOptions {
  /** The push server as the relay sees it (usually the fault proxy). */
  url: string;
  apiKey: string;
  clientId: string;
  source: EventSource;
  dir: string;
  heartbeatMs?: number;
  clock?: Clock;
  fs?: InboxFs;
  backoff?: PushStreamOptions['backoff'];
  /** Default: the transport the relay ships with (PushStream's default). */
  fetch?: StreamFetch;
}

export async function startRig(o: RigOptions): Promise<Rig> {
  const inbox = await FileInbox.open({ dir: o.dir, fs: o.fs, compactEveryMs: 0 });
  const attemptTimes: number[] = [];
  const logs: string[] = [];
  const states: PushState[] = [];
  const base = o.fetch ?? httpFetch;
  const stream = new PushStream({
    server: o.url,
    apiKey: o.apiKey,
    clientId: o.clientId,
    source: o.source,
    inbox,
    heartbeatMs: o.heartbeatMs ?? 200,
    clock: o.clock,
    backoff: o.backoff ?? { baseMs: 50, capMs: 1000 },
    log: (line) => {
      if (logs.length < 5000) logs.push(line);
    },
    fetch: (input, init) => {
      const href = input instanceof URL ? input.href : String(input);
      if (new URL(href).pathname === PUSH_ENDPOINT) attemptTimes.push(performance.now());
      return base(input, init);
    },
  });
  stream.onStatus((s) => {
    if (states.at(-1) !== s.state) states.push(s.state);
  });
  stream.start();
  return {
    stream,
    inbox,
    states,
    attemptTimes,
    logs,
    ids: () => inbox.readSince(0, { limit: Number.MAX_SAFE_INTEGER }).map((e) => e.event_id),
    async close() {
      await stream.stop();
      await inbox.close().catch(() => undefined);
    },
  };
}

export function waitForStatus(stream: PushStream, predicate: (s: PushStreamStatus) => boolean, what: string, timeoutMs = 30_000): Promise<PushStreamStatus> {
  return waitFor(
    () => {
      const s = stream.status();
      return predicate(s) ? s : undefined;
    },
    { timeoutMs, intervalMs: 20, what: `${what} (last: ${JSON.stringify(brief(stream.status()))})` },
  );
}

export function brief(s: PushStreamStatus) {
  return { state: s.state, lastError: s.lastError, attempts: s.attempts, connects: s.connects, stored: s.stored, cursor: s.cursor, lag: s.lag };
}

/** Waits until the inbox holds at least `count` events. */
export async function waitForCount(ids: () => number[], count: number, what: string, timeoutMs = 60_000): Promise<number[]> {
  return waitFor(
    () => {
      const now = ids();
      return now.length >= count ? now : undefined;
    },
    { timeoutMs, intervalMs: 25, what: `${what}: ${count} events in the inbox (have ${ids().length})` },
  );
}

/**
 * The scenario's end: every event 1..n exactly once, in event order. `acked` are the ids the server confirmed
 * (a subset: an emit whose answer was lost in a kill may still have been logged, and then it must be here too).
 */
export function expectExactlyOnce(ids: number[], n: number, acked: Iterable<number> = []): void {
  const expected = Array.from({ length: n }, (_, i) => i + 1);
  const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
  expect(dupes, 'duplicated event ids').toEqual([]);
  const have = new Set(ids);
  expect(expected.filter((id) => !have.has(id)), 'missing event ids').toEqual([]);
  expect(ids, 'inbox holds exactly 1..n in event order').toEqual(expected);
  for (const id of acked) expect(have.has(id), `acknowledged event ${id} in the inbox`).toBe(true);
}

/** Real timers, a wall clock that can jump (sleep/wake, NTP): `now()` = Date.now() + offset. */
export function jumpingClock(): Clock & { jump(ms: number): void; offset(): number } {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    jump: (ms) => {
      offset += ms;
    },
    offset: () => offset,
  };
}
