// The Events extension draft (SEP-3415, experimental) against a real server process (test/helpers/mcp-events-server.mjs,
// SDK v2 server package): push and poll delivery, resume by cursor across relay restarts with nothing lost or
// repeated, dedupe when the saved cursor is behind what the inbox holds, the admitted gap (`truncated`),
// backpressure by resume under a burst, subscription arguments, and the flag: off unless the entry turns it on.
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryInbox } from '../../../../relay/inbox/memory-inbox.js';
import type { AppendResult, IncomingEvent, Inbox, StoredEvent } from '../../../../relay/inbox/types.js';
import { FileEventCursorStore, MemoryEventCursorStore, type EventCursorState, type EventCursorStore } from '../../../../relay/upstream/mcp/event-cursors.js';
import { MCP_TOPIC } from '../../../../relay/upstream/mcp/topics.js';
import { createCleanups } from '../../../helpers/cleanups.js';
import { tempDir } from '../../../helpers/tmp.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { entry, livePids, PUSH_SERVER_SCRIPT, startUpstream, topics, waitForState } from './harness.js';

const EVENTS_SERVER_SCRIPT = join(process.cwd(), 'test/helpers/mcp-events-server.mjs');
const TICK = 'mcp.event.test.tick';
const cleanups = createCleanups();
afterEach(() => cleanups.run());

async function dir(): Promise<string> {
  const d = await tempDir('mcp-events-');
  cleanups.add(() => d.cleanup());
  return d.path;
}

function eventsEntry(env: Record<string, string>, events: Record<string, unknown> = {}, name = 'ev') {
  return entry({
    name,
    type: 'stdio',
    command: process.execPath,
    args: [EVENTS_SERVER_SCRIPT],
    env,
    events: { enabled: true, subscribe: [{ name: 'test.tick' }], ...events },
  });
}

const FAST = { eventsTiming: { pollFloorMs: 10, retryBaseMs: 20 } };

/** An inbox whose appends of Events-extension events fail while `failing` is set (a full disk, say). */
class FlakyInbox extends MemoryInbox {
  failing = false;
  refused = 0;
  override async append(events: IncomingEvent[]): Promise<AppendResult> {
    if (this.failing && events.some((e) => e.source.tenant === 'events')) {
      this.refused++;
      throw new Error('ENOSPC: no space left on device (test)');
    }
    return super.append(events);
  }
}

function ticks(inbox: Inbox): StoredEvent[] {
  return topics(inbox, TICK);
}

function ns(inbox: Inbox): number[] {
  return ticks(inbox).map((e) => (e.payload.data as { n: number }).n);
}

/** The events server over Streamable HTTP as a child process, on `port` (0: any); stopped by the cleanups too. */
async function startHttpEventsServer(env: Record<string, string>, port: number): Promise<{ url: string; port: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [EVENTS_SERVER_SCRIPT], { env: { ...process.env, ...env, MCP_TEST_EVENTS_HTTP_PORT: String(port) }, stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  cleanups.add(stop);
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const m = /^listening (\S+)$/m.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the events server exited (${code}) before listening`)));
  });
  return { url, port: Number(new URL(url).port), stop };
}

/** Every n from the first stored to the last, once each, in order. */
function expectConsecutive(values: number[]): void {
  expect(values.length).toBeGreaterThan(0);
  const first = values[0]!;
  expect(values).toEqual(values.map((_, i) => first + i));
}

async function waitForN(inbox: Inbox, n: number, timeoutMs = 20_000): Promise<void> {
  await waitFor(() => ns(inbox).some((v) => v >= n) || undefined, { timeoutMs, what: `tick ${n} in the inbox (have ${ns(inbox).at(-1)})` });
}

/** Lines in the server's history file; 0 until its first tick creates it. */
function historyLines(file: string): number {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

function requests(file: string): { method: string; params: { cursor?: string | null; name?: string; arguments?: unknown } }[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as never);
  } catch {
    return [];
  }
}

/** Events the server "had" while the relay was away: appended to its durable history. */
function appendHistory(log: string, count: number): number {
  const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  let seq = (JSON.parse(lines.at(-1)!) as { seq: number }).seq;
  for (let i = 0; i < count; i++) {
    seq++;
    appendFileSync(log, `${JSON.stringify({ seq, eventId: `evt-${seq}`, name: 'test.tick', timestamp: new Date().toISOString(), data: { n: seq, parity: seq % 2 === 0 ? 'even' : 'odd' } })}\n`);
  }
  return seq;
}

describe('MCP upstream: the Events extension draft (experimental)', () => {
  it('push: subscribes through events/stream and stores each event once, with its id, type and data', async () => {
    const d = await dir();
    const reqs = join(d, 'requests');
    const { upstream, inbox, logs } = startUpstream(
      cleanups,
      eventsEntry({ MCP_TEST_EVENTS_LOG: join(d, 'history'), MCP_TEST_EVENTS_TICK_MS: '20', MCP_TEST_EVENTS_REQUESTS: reqs }, { subscribe: [{ name: 'test.*' }] }),
      FAST,
    );
    await waitForState(upstream, 'connected');
    await waitFor(() => ticks(inbox).length >= 5 || undefined, { what: 'five ticks' });
    const [first] = ticks(inbox);
    expect(first).toMatchObject({ server: 'mcp:ev', tenant: 'events', category: 'mcp', aggregate_type: 'mcp.event' });
    expect(first!.payload).toMatchObject({ upstream: 'ev', event: 'test.tick', event_id: `evt-${(first!.payload.data as { n: number }).n}` });
    expectConsecutive(ns(inbox));
    // test.tick offers push (taken), test.quiet poll only (polled), test.hooks webhook only (skipped, said why).
    const methods = requests(reqs).map((r) => `${r.method} ${r.params.name ?? ''}`.trim());
    expect(methods).toContain('events/stream test.tick');
    expect(methods).toContain('events/poll test.quiet');
    expect(methods.some((m) => m.endsWith('test.hooks'))).toBe(false);
    expect(logs.some((l) => l.includes('test.hooks') && l.includes('webhook'))).toBe(true);
    // A first subscription starts from now: no cursor, so no history flood.
    expect(requests(reqs).find((r) => r.method === 'events/stream')?.params.cursor).toBeNull();
    expect(upstream.status().events_extension).toMatchObject({ state: 'on', subscriptions: 2, refused: 0 });
  });

  it('resumes from the saved cursor after a relay restart: what the server had meanwhile arrives, nothing twice', async () => {
    const d = await dir();
    const history = join(d, 'history');
    const reqs = join(d, 'requests');
    const inbox = new MemoryInbox();
    const env = { MCP_TEST_EVENTS_LOG: history, MCP_TEST_EVENTS_TICK_MS: '25', MCP_TEST_EVENTS_REQUESTS: reqs };
    const first = startUpstream(cleanups, eventsEntry(env), { ...FAST, inbox, eventCursors: new FileEventCursorStore(d) });
    await waitFor(() => ticks(inbox).length >= 5 || undefined, { what: 'five ticks' });
    await first.upstream.stop();
    const stoppedAt = ns(inbox).at(-1)!;
    const last = appendHistory(history, 30);
    // A new store object reads the file, as a restarted relay does.
    startUpstream(cleanups, eventsEntry(env), { ...FAST, inbox, eventCursors: new FileEventCursorStore(d) });
    await waitForN(inbox, last + 3);
    expectConsecutive(ns(inbox));
    expect(ns(inbox)).toContain(stoppedAt + 1);
    const streams = requests(reqs).filter((r) => r.method === 'events/stream');
    expect(streams.at(-1)!.params.cursor).not.toBeNull();
    expect(topics(inbox, MCP_TOPIC.eventsTruncated)).toEqual([]);
  });

  it('drops what the server sends again when the saved cursor is behind the inbox (a crash between the two writes)', async () => {
    const d = await dir();
    const history = join(d, 'history');
    const inbox = new MemoryInbox();
    // A store that keeps only its first save: as if every later cursor write was lost in a crash.
    const memory = new MemoryEventCursorStore();
    let saves = 0;
    const lagging: EventCursorStore = {
      load: (key) => memory.load(key),
      save: (key: string, state: EventCursorState) => {
        if (saves++ === 0) memory.save(key, { cursor: state.cursor, recentIds: [] });
      },
      flush: () => undefined,
    };
    const env = { MCP_TEST_EVENTS_LOG: history, MCP_TEST_EVENTS_TICK_MS: '25' };
    const first = startUpstream(cleanups, eventsEntry(env), { ...FAST, inbox, eventCursors: lagging });
    await waitFor(() => ticks(inbox).length >= 8 || undefined, { what: 'eight ticks' });
    await first.upstream.stop();
    const before = ticks(inbox).length;
    const second = startUpstream(cleanups, eventsEntry(env), { ...FAST, inbox, eventCursors: lagging });
    await waitFor(() => ticks(inbox).length >= before + 3 || undefined, { what: 'ticks after the restart' });
    expectConsecutive(ns(inbox));
    // The replay from the old cursor brought the stored ones again; the inbox already had them.
    expect(second.upstream.status().events_extension!.duplicates).toBeGreaterThanOrEqual(before - 1);
  });

  it('a server killed mid-stream is restarted and resumed from the cursor: what it had meanwhile arrives, nothing twice', async () => {
    const d = await dir();
    const history = join(d, 'history');
    const pids = join(d, 'pids');
    const reqs = join(d, 'requests');
    const { upstream, inbox } = startUpstream(
      cleanups,
      eventsEntry({ MCP_TEST_EVENTS_LOG: history, MCP_TEST_EVENTS_TICK_MS: '25', MCP_TEST_PID_FILE: pids, MCP_TEST_EVENTS_REQUESTS: reqs }),
      FAST,
    );
    await waitFor(() => ticks(inbox).length >= 5 || undefined, { what: 'five ticks' });
    const [pid] = livePids(pids);
    process.kill(pid!, 'SIGKILL');
    // While it is down, its history goes on (a real server's store outlives its process).
    const last = appendHistory(history, 20);
    await waitFor(() => (livePids(pids).some((p) => p !== pid) ? true : undefined), { what: 'the restarted server' });
    await waitForN(inbox, last + 3);
    expectConsecutive(ns(inbox));
    const streams = requests(reqs).filter((r) => r.method === 'events/stream');
    expect(streams.length).toBeGreaterThanOrEqual(2);
    expect(streams.at(-1)!.params.cursor).not.toBeNull();
    expect(upstream.status().events_extension!.truncated).toBe(0);
  });

  it('an inbox that cannot store for a while costs time, not events: the stream resumes from the last durable cursor', async () => {
    const d = await dir();
    const inbox = new FlakyInbox();
    const { upstream, logs } = startUpstream(cleanups, eventsEntry({ MCP_TEST_EVENTS_LOG: join(d, 'history'), MCP_TEST_EVENTS_TICK_MS: '20' }), { ...FAST, inbox });
    await waitFor(() => ticks(inbox).length >= 3 || undefined, { what: 'three ticks' });
    inbox.failing = true;
    await waitFor(() => (inbox.refused >= 3 ? true : undefined), { what: 'three refused appends' });
    const lastBefore = ns(inbox).at(-1)!;
    inbox.failing = false;
    await waitForN(inbox, lastBefore + 15);
    expectConsecutive(ns(inbox));
    expect(upstream.status().events_extension!.write_failures).toBeGreaterThan(0);
    expect(logs.some((l) => l.includes('could not be stored') && !l.includes('are lost'))).toBe(true);
    expect(topics(inbox, 'mcp.upstream.dropped')).toEqual([]);
  });

  it('over Streamable HTTP: a push stream is a long POST; a server restarted on the same port is resumed from the cursor', async () => {
    const d = await dir();
    const history = join(d, 'history');
    const reqs = join(d, 'requests');
    const env = { MCP_TEST_EVENTS_LOG: history, MCP_TEST_EVENTS_TICK_MS: '25', MCP_TEST_EVENTS_REQUESTS: reqs };
    const first = await startHttpEventsServer(env, 0);
    const { upstream, inbox } = startUpstream(cleanups, entry({ name: 'ev', type: 'http', url: first.url, events: { enabled: true, subscribe: [{ name: 'test.tick' }] } }), FAST);
    await waitForState(upstream, 'connected');
    await waitFor(() => ticks(inbox).length >= 5 || undefined, { what: 'five ticks over HTTP' });
    await first.stop();
    const last = appendHistory(history, 20);
    await startHttpEventsServer(env, first.port);
    await waitForN(inbox, last + 3);
    expectConsecutive(ns(inbox));
    const streams = requests(reqs).filter((r) => r.method === 'events/stream');
    expect(streams.length).toBeGreaterThanOrEqual(2);
    expect(streams.at(-1)!.params.cursor).not.toBeNull();
    expect(upstream.status().events_extension).toMatchObject({ state: 'on', truncated: 0 });
  });

  it('poll: a type offered for poll only is polled, first from now (null cursor), then from the cursor each page returned', async () => {
    const d = await dir();
    const reqs = join(d, 'requests');
    const { inbox } = startUpstream(
      cleanups,
      eventsEntry({ MCP_TEST_EVENTS_LOG: join(d, 'history'), MCP_TEST_EVENTS_TICK_MS: '20', MCP_TEST_EVENTS_DELIVERY: 'poll', MCP_TEST_EVENTS_REQUESTS: reqs }),
      FAST,
    );
    await waitFor(() => ticks(inbox).length >= 5 || undefined, { what: 'five polled ticks' });
    expectConsecutive(ns(inbox));
    const polls = requests(reqs).filter((r) => r.method === 'events/poll');
    expect(polls[0]!.params.cursor).toBeNull();
    expect(polls.slice(1).every((p) => typeof p.params.cursor === 'string')).toBe(true);
    expect(requests(reqs).some((r) => r.method === 'events/stream')).toBe(false);
  });

  it('says so with mcp.events.truncated when the server resumes later than the cursor, and goes on', async () => {
    const d = await dir();
    const history = join(d, 'history');
    const inbox = new MemoryInbox();
    const cursors = new MemoryEventCursorStore();
    const env = { MCP_TEST_EVENTS_LOG: history, MCP_TEST_EVENTS_TICK_MS: '25', MCP_TEST_EVENTS_RETAIN: '5' };
    const first = startUpstream(cleanups, eventsEntry(env), { ...FAST, inbox, eventCursors: cursors });
    await waitFor(() => ticks(inbox).length >= 3 || undefined, { what: 'three ticks' });
    await first.upstream.stop();
    const last = appendHistory(history, 40);
    const second = startUpstream(cleanups, eventsEntry(env), { ...FAST, inbox, eventCursors: cursors });
    const [gap] = await waitFor(() => {
      const found = topics(inbox, MCP_TOPIC.eventsTruncated);
      return found.length > 0 ? found : undefined;
    }, { what: 'the truncated event' });
    expect(gap!.payload).toMatchObject({ upstream: 'ev', event: 'test.tick', may_have_missed_events: true });
    await waitForN(inbox, last + 2);
    expect(new Set(ns(inbox)).size).toBe(ns(inbox).length);
    expect(second.upstream.status().events_extension!.truncated).toBe(1);
  });

  it('a burst far larger than the queue is stored whole and once: the stream is paused and resumed from its cursor, never dropped', async () => {
    const d = await dir();
    const { upstream, inbox } = startUpstream(cleanups, eventsEntry({ MCP_TEST_EVENTS_LOG: join(d, 'history'), MCP_TEST_EVENTS_BURST: '3000' }), {
      ...FAST,
      eventsQueueCapacity: 64,
    });
    await waitForN(inbox, 3000, 60_000);
    expect(ns(inbox)).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
    const s = upstream.status();
    expect(s.events_extension!.paused).toBeGreaterThan(0);
    expect(s.events_extension!.write_failures).toBe(0);
    expect(topics(inbox, 'mcp.upstream.dropped')).toEqual([]);
  });

  it('passes the subscription arguments to the server (the type\u2019s inputSchema: here a filter)', async () => {
    const d = await dir();
    const { inbox } = startUpstream(
      cleanups,
      eventsEntry({ MCP_TEST_EVENTS_LOG: join(d, 'history'), MCP_TEST_EVENTS_TICK_MS: '20' }, { subscribe: [{ name: 'test.tick', arguments: { parity: 'even' } }] }),
      FAST,
    );
    await waitFor(() => ticks(inbox).length >= 4 || undefined, { what: 'four even ticks' });
    expect(ns(inbox).every((n) => n % 2 === 0)).toBe(true);
  });

  it('is off unless the entry turns it on: no events/* request, no status', async () => {
    const d = await dir();
    const reqs = join(d, 'requests');
    const e = entry({ name: 'off', type: 'stdio', command: process.execPath, args: [EVENTS_SERVER_SCRIPT], env: { MCP_TEST_EVENTS_LOG: join(d, 'history'), MCP_TEST_EVENTS_TICK_MS: '20', MCP_TEST_EVENTS_REQUESTS: reqs } });
    expect(e.events.enabled).toBe(false);
    const { upstream, inbox } = startUpstream(cleanups, e, FAST);
    await waitForState(upstream, 'connected');
    // The server ticks into its history every 20 ms; give the relay the time of several ticks to (not) ask.
    await waitFor(() => (historyLines(join(d, 'history')) > 10 ? true : undefined), { what: 'the server ticking' });
    expect(requests(reqs)).toEqual([]);
    expect(ticks(inbox)).toEqual([]);
    expect(upstream.status().events_extension).toBeUndefined();
  });

  it('turned on for a server that does not offer it: says so in the status and uses the standard notifications', async () => {
    const { upstream, logs } = startUpstream(
      cleanups,
      entry({ name: 'plain', type: 'stdio', command: process.execPath, args: [PUSH_SERVER_SCRIPT], events: { enabled: true, subscribe: [{ name: '*' }] } }),
      FAST,
    );
    await waitForState(upstream, 'connected');
    await waitFor(() => upstream.status().events_extension?.state === 'not_offered' || undefined, { what: 'not_offered' });
    expect(logs.some((l) => l.includes('does not offer the Events extension'))).toBe(true);
  });
});
