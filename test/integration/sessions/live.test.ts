// Sessions against real processes, beyond the modes themselves: the `sessions` settings applied while the
// daemon runs (a route or mode change reaches the next hand-over, open waits included); `push-relay mcp` in a
// Claude Code session (CLAUDE_CODE_SESSION_ID) taking through the session's consumers as its hooks do; and a
// taker SIGKILLed after claiming: after the claim lease (short here: --claim-lease-ms) another session takes
// the event, exactly once.
import { renameSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvent, PendingResponse, SessionsResponse, SessionView, WaitResponse } from '../../../relay/protocol/local-api.js';
import { BIN } from '../../helpers/cli.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startRelayHarness, type RelayHarness } from '../hooks/harness.js';
import { runHook } from '../hooks/run.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
});

async function relayWithSettings(sessions: (dir: TempDir) => unknown, daemonArgs: string[] = []): Promise<{ h: RelayHarness; dir: TempDir }> {
  const dir = await tempDir('sessions-live-');
  const home = join(dir.path, 'home');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(join(home, 'settings.json'), JSON.stringify({ sessions: sessions(dir) }), { mode: 0o600 });
  return { h: await startRelayHarness({ homePath: home, daemonArgs }), dir };
}

/** One daemon for a describe block: started before its tests, stopped after them. */
function daemonFor(sessions: (dir: TempDir) => unknown, daemonArgs: string[] = []): { h: RelayHarness; dir: TempDir } {
  const world = {} as { h: RelayHarness; dir: TempDir };
  beforeAll(async () => {
    Object.assign(world, await relayWithSettings(sessions, daemonArgs));
  });
  afterAll(async () => {
    await world.h?.close();
    await world.dir?.cleanup();
  });
  return world;
}

/** Rewrites the `sessions` key as an editor or the installer does: a new file renamed over the old one. */
function writeSessions(h: RelayHarness, sessions: unknown): void {
  const path = join(h.home.path, 'settings.json');
  const settings = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  writeFileSync(`${path}.tmp`, JSON.stringify({ ...settings, sessions }), { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

function project(dir: TempDir, name: string): string {
  const root = join(dir.path, name);
  mkdirSync(join(root, '.git'), { recursive: true });
  return root;
}

async function start(h: RelayHarness, id: string, cwd: string): Promise<void> {
  expect((await runHook('session-start', h.home.path, { session_id: id, hook_event_name: 'SessionStart', source: 'startup', cwd })).code).toBe(0);
}

async function sessions(h: RelayHarness): Promise<{ mode: string; byId: Record<string, SessionView> }> {
  const r = await h.api.get<SessionsResponse>('/v1/sessions');
  return { mode: r.mode, byId: Object.fromEntries(r.sessions.map((s) => [s.session_id, s])) };
}

/** What a session's hooks take now (/v1/pending?session=…&ack=true, as the hooks ask). */
async function take(h: RelayHarness, id: string): Promise<number[]> {
  return (await h.api.get<PendingResponse>(`/v1/pending?session=${id}&ack=true&limit=100`)).events.map((e) => e.event_id);
}

/** `push-relay mcp` as Claude Code starts it for session `id` (CLAUDE_CODE_SESSION_ID). */
async function sessionMcp(h: RelayHarness, id: string) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--home', h.home.path], env: { PUSH_RELAY_HOME: '', CLAUDE_CODE_SESSION_ID: id }, stderr: 'pipe' });
  const client = new Client({ name: 'sessions-live-tests', version: '0' });
  await client.connect(transport);
  cleanup.push(() => client.close());
  const ok = async <T>(name: string, args: Record<string, unknown>): Promise<T> => {
    const r = await client.callTool({ name, arguments: args });
    if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.content)}`);
    return r.structuredContent as T;
  };
  return { client, transport, ok };
}

type Events = { events: ApiEvent[]; consumer: string };

describe('session settings applied while the relay runs', () => {
  const w = daemonFor(() => ({ mode: 'shared' }));

  it('a route added to settings.json takes the next event to the sessions of its project only', async () => {
    const { h, dir } = w;
    const billing = project(dir, 'billing');
    const crm = project(dir, 'crm');
    await start(h, 'live-billing', billing);
    await start(h, 'live-crm', crm);
    writeSessions(h, { mode: 'shared', routes: [{ project: billing, topics: ['deal.*'] }] });
    await waitFor(async () => (await sessions(h)).byId['live-billing']!.consumers[0]!.startsWith('route:'), { what: 'the route applied' });
    const e = await h.emit('deal.won', { name: 'Routed live' });
    expect(await take(h, 'live-crm')).not.toContain(e.event_id);
    expect(await take(h, 'live-billing')).toEqual([e.event_id]);
  });

  it('a mode change reaches a wait already open: it takes from the session consumer of the new mode', async () => {
    const { h, dir } = w;
    const app = project(dir, 'app');
    await start(h, 'live-a', app);
    await start(h, 'live-b', app);
    const open = h.api.get<WaitResponse>('/v1/wait?session=live-a&ack=true&timeout_ms=60000');
    await waitFor(async () => (await sessions(h)).byId['live-a']!.state === 'waiting', { what: 'live-a waiting' });
    writeSessions(h, { mode: 'per-session' });
    await waitFor(async () => (await sessions(h)).mode === 'per-session', { what: 'per-session applied' });
    await take(h, 'live-b'); // creates live-b's consumer (at the head), as its next hook would
    const e = await h.emit('ticket.escalated', { subject: 'Fan-out live' });
    const got = await open;
    expect(got.events.map((x) => x.event_id)).toEqual([e.event_id]);
    // Taken from live-a's own consumer, not from the shared one the wait started on.
    const receipts = await h.api.get<{ receipts: { consumer: string }[] }>(`/v1/events/${got.events[0]!.seq}/receipts`);
    expect(receipts.receipts.map((r) => r.consumer)).toEqual(['session:live-a']);
    expect(await take(h, 'live-b')).toEqual([e.event_id]);
  });
});

describe('push-relay mcp in a Claude Code session takes as the session does', () => {
  const w = daemonFor((d) => ({ mode: 'shared', routes: [{ project: join(d.path, 'billing'), topics: ['deal.*'] }] }));

  it("get_pending_events, wait_for_event and ack_events reach the session's routed events; another project's session does not", async () => {
    const { h, dir } = w;
    const billing = project(dir, 'billing');
    const crm = project(dir, 'crm');
    await start(h, 'mcp-billing', billing);
    await start(h, 'mcp-crm', crm);
    expect((await sessions(h)).byId['mcp-billing']!.consumers[0]).toMatch(/^route:/);
    const mine = await sessionMcp(h, 'mcp-billing');
    const theirs = await sessionMcp(h, 'mcp-crm');

    const first = await h.emit('deal.won', { name: 'For billing' });
    expect((await theirs.ok<Events>('get_pending_events', {})).events).toEqual([]);
    const got = await mine.ok<Events>('get_pending_events', { ack: false });
    expect(got.events.map((e) => e.event_id)).toEqual([first.event_id]);
    expect(got.consumer).toBe('claude-code');
    await mine.ok('ack_events', { up_to_event_id: first.event_id });
    // Acked in the route's consumer it came from (a view of it shows nothing unacked), not only in claude-code.
    const route = (await sessions(h)).byId['mcp-billing']!.consumers[0]!;
    expect((await h.api.get<PendingResponse>(`/v1/pending?consumer=${route}`)).events).toEqual([]);

    const waiting = mine.ok<Events & { status: string }>('wait_for_event', { timeout_seconds: 60 });
    await waitFor(async () => (await sessions(h)).byId['mcp-billing']!.state === 'waiting', { what: 'wait_for_event open for the session' });
    const second = await h.emit('deal.won', { name: 'Waited for' });
    expect((await waiting).events.map((e) => e.event_id)).toEqual([second.event_id]);
    expect((await sessions(h)).byId['mcp-billing']!.handed_over).toBe(2);
    // The hooks of the session see the same: nothing left.
    expect(await take(h, 'mcp-billing')).toEqual([]);
  });

  it('after /clear ends its session, wait_for_event of the same server still waits, on its named consumer', async () => {
    const { h, dir } = w;
    const app = project(dir, 'cleared');
    await start(h, 'mcp-cleared', app);
    const tool = await sessionMcp(h, 'mcp-cleared');
    // `/clear`: SessionEnd of the old id; the MCP server keeps CLAUDE_CODE_SESSION_ID=mcp-cleared.
    expect((await runHook('session-end', h.home.path, { session_id: 'mcp-cleared', hook_event_name: 'SessionEnd', reason: 'clear', cwd: app })).code).toBe(0);
    await h.drain();
    const waiting = tool.ok<Events & { status: string }>('wait_for_event', { timeout_seconds: 60 });
    await waitFor(async () => (await h.api.get<{ inbox: { waiters: number } }>('/v1/status')).inbox.waiters >= 1, { what: 'the wait parked' });
    const e = await h.emit('ticket.escalated', { subject: 'After clear' });
    const got = await waiting;
    expect(got).toMatchObject({ status: 'event', consumer: 'claude-code' });
    expect(got.events.map((x) => x.event_id)).toEqual([e.event_id]);
  });
});

describe('a taker killed after claiming', () => {
  const w = daemonFor(() => ({ mode: 'shared' }), ['--claim-lease-ms', '1500']);

  it('SIGKILLed before acking: after the lease the event goes to another session, exactly once', async () => {
    const { h, dir } = w;
    const app = project(dir, 'app');
    await start(h, 'kill-a', app);
    await start(h, 'kill-b', app);
    const victim = await sessionMcp(h, 'kill-a');
    const e = await h.emit('deal.won', { name: 'Orphaned' });
    // Claimed for the lease, not acked: then the process dies without a word.
    const claimed = await victim.ok<Events>('get_pending_events', { ack: false });
    expect(claimed.events.map((x) => x.event_id)).toEqual([e.event_id]);
    const pid = victim.transport.pid!;
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !alive(pid), { what: 'the taker gone' });
    // Another session's wait (its idle waiter's path) takes it once the lease runs out.
    const b = await h.api.get<WaitResponse>('/v1/wait?session=kill-b&ack=true&timeout_ms=30000');
    expect(b.events.map((x) => x.event_id)).toEqual([e.event_id]);
    // Exactly once: two hand-overs in the receipts (the dead one's and kill-b's), nothing left for anyone.
    const receipts = await h.api.get<{ receipts: { via: string; session: string | null }[] }>(`/v1/events/${claimed.events[0]!.seq}/receipts`);
    expect(receipts.receipts.map((r) => [r.via, r.session])).toEqual([
      ['get_pending_events', 'kill-a'],
      ['http', 'kill-b'],
    ]);
    expect(await take(h, 'kill-a')).toEqual([]);
    expect(await take(h, 'kill-b')).toEqual([]);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
