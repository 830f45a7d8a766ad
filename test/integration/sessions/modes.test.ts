// The session modes against real processes: a daemon per mode (settings.json written before it starts), the
// hooks as Claude Code runs them (fresh processes, hook JSON on stdin), stand-ins for the Claude Code processes
// whose pids the idle waiters watch. Shared: one event wakes exactly one of two idle sessions. Per-session:
// both, once each. Routes: an event for project A wakes only the session in A. SessionEnd stops the watch.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SessionsResponse, SessionView } from '../../../relay/protocol/local-api.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startRelayHarness, type RelayHarness } from '../hooks/harness.js';
import { connectMcp } from '../../helpers/mcp-client.js';
import { runCli, runHook, spawnCli, type Run, type Spawned } from '../hooks/run.js';

const claudes: ChildProcess[] = [];
const hooks: Spawned[] = [];
const running = (s: Spawned) => s.child.exitCode === null && s.child.signalCode === null;

function fakeClaude(): ChildProcess {
  const child = spawn('sleep', ['600'], { stdio: 'ignore' });
  claudes.push(child);
  return child;
}

async function relayWithSettings(sessions: unknown, given?: TempDir): Promise<{ h: RelayHarness; dir: TempDir }> {
  const dir = given ?? (await tempDir('sessions-'));
  const home = join(dir.path, 'home');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(join(home, 'settings.json'), JSON.stringify({ sessions }), { mode: 0o600 });
  return { h: await startRelayHarness({ homePath: home }), dir };
}

/** A project dir with a git repository whose origin is `remote`. */
function project(dir: TempDir, name: string, remote: string): string {
  const root = join(dir.path, name);
  mkdirSync(join(root, '.git'), { recursive: true });
  mkdirSync(join(root, 'src'), { recursive: true });
  writeFileSync(join(root, '.git', 'config'), `[remote "origin"]\n\turl = ${remote}\n`);
  return root;
}

/** SessionStart as Claude Code sends it, then the idle waiter it starts, for session `id` in `cwd`. */
async function idleSession(h: RelayHarness, id: string, cwd: string): Promise<Spawned> {
  const start = await runHook('session-start', h.home.path, { session_id: id, hook_event_name: 'SessionStart', source: 'startup', cwd });
  expect(start.code).toBe(0);
  const claude = fakeClaude();
  const run = spawnCli(['hook', 'idle-wake', '--home', h.home.path], {
    env: { CLAUDE_CODE_SESSION_ATTENDED: '1', CLAUDE_PID: String(claude.pid) },
    input: JSON.stringify({ session_id: id, hook_event_name: 'Stop', stop_hook_active: false, cwd }),
    killAfterMs: 90_000,
  });
  hooks.push(run);
  return run;
}

async function sessions(h: RelayHarness): Promise<Record<string, SessionView>> {
  const { sessions: list } = await h.api.get<SessionsResponse>('/v1/sessions');
  return Object.fromEntries(list.map((s) => [s.session_id, s]));
}

/** Every session's idle waiter is parked on /v1/wait (n waits open in the inbox). */
async function watching(h: RelayHarness, ids: string[], waits: number): Promise<void> {
  await waitFor(async () => {
    const all = await sessions(h);
    const status = await h.api.get<{ inbox: { waiters: number } }>('/v1/status');
    return ids.every((id) => all[id]?.state === 'idle-watching') && status.inbox.waiters >= waits;
  }, { what: `${ids.join(', ')} idle-watching`, timeoutMs: 20_000 });
}

afterEach(() => {
  for (const s of hooks.splice(0)) if (running(s)) s.child.kill('SIGKILL');
  for (const c of claudes.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('shared mode (the default)', () => {
  let h: RelayHarness;
  let dir: TempDir;
  beforeAll(async () => {
    ({ h, dir } = await relayWithSettings({ mode: 'shared' }));
  });
  afterAll(async () => {
    await h?.close();
    await dir?.cleanup();
  });

  it('two idle sessions in one project: one event wakes exactly one; the sessions list says which', async () => {
    const app = project(dir, 'app', 'git@github.com:acme/app.git');
    const a = await idleSession(h, 'shared-a', join(app, 'src'));
    const b = await idleSession(h, 'shared-b', app);
    await watching(h, ['shared-a', 'shared-b'], 2);
    const listed = await sessions(h);
    expect(listed['shared-a']).toMatchObject({ root: app, remote: 'git@github.com:acme/app.git', consumers: ['claude-code'] });
    const e = await h.emit('deal.won', { name: 'One taker' });
    const woken = await Promise.race([a.done.then(() => a), b.done.then(() => b)]);
    const other = woken === a ? b : a;
    const run: Run = await woken.done;
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`deal.won #${e.event_id}`);
    const after = await sessions(h);
    const wokenId = woken === a ? 'shared-a' : 'shared-b';
    const otherId = woken === a ? 'shared-b' : 'shared-a';
    expect(after[wokenId]).toMatchObject({ handed_over: 1, state: 'working' });
    expect(after[wokenId]!.last_handover_at).not.toBeNull();
    expect(after[otherId]).toMatchObject({ handed_over: 0, state: 'idle-watching', last_handover_at: null });
    expect(running(other)).toBe(true);
  });

  it('push-relay sessions and the list_sessions tool show each session with project, state and last hand-over', async () => {
    const app = project(dir, 'listed', 'https://example.com/listed.git');
    await idleSession(h, 'listed-1', app);
    await watching(h, ['listed-1'], 1);
    const cli = await runCli(['sessions', '--json', '--home', h.home.path]);
    expect(cli.code).toBe(0);
    const listed = (JSON.parse(cli.stdout) as SessionsResponse).sessions.find((s) => s.session_id === 'listed-1');
    expect(listed).toMatchObject({ root: app, remote: 'https://example.com/listed.git', state: 'idle-watching', handed_over: 0 });
    const lines = await runCli(['sessions', '--home', h.home.path]);
    expect(lines.stdout).toMatch(/^mode shared$/m);
    expect(lines.stdout).toMatch(new RegExp(`^listed-1  idle-watching  ${app} \\(https://example.com/listed.git\\)  last hand-over never`, 'm'));
    const mcp = await connectMcp(h.api.url, h.api.token, '/mcp');
    try {
      const out = await mcp.ok<SessionsResponse & { data_is: string }>('list_sessions', {});
      expect(out.mode).toBe('shared');
      expect(out.data_is).toMatch(/untrusted data/);
      expect(out.sessions.find((s) => s.session_id === 'listed-1')).toMatchObject({ state: 'idle-watching', root: app });
    } finally {
      await mcp.close();
    }
  });

  it('one taker per session: while its wait_for_event is open, its idle waiter takes nothing; after it, the waiter takes again', async () => {
    const app = project(dir, 'taker', 'https://example.com/taker.git');
    const idle = await idleSession(h, 'taker-1', app);
    await watching(h, ['taker-1'], 1);
    // wait_for_event through `push-relay mcp` in the same session: /v1/wait naming its consumer, with the session as taker.
    const tool = fetch(`${h.api.url}/v1/wait?consumer=claude-code&ack=true&timeout_ms=60000&taker=taker-1`, { headers: { authorization: `Bearer ${h.api.token}` } });
    await waitFor(async () => (await sessions(h))['taker-1']!.state === 'waiting', { what: 'the session waiting in wait_for_event' });
    // The idle waiter's own wait was ended when the tool wait began: only the tool wait is parked.
    await waitFor(async () => (await h.api.get<{ inbox: { waiters: number } }>('/v1/status')).inbox.waiters === 1, { what: 'one parked wait' });
    const first = await h.emit('deal.won', { name: 'To the tool' });
    const got = (await (await tool).json()) as { events: { event_id: number; seq: number }[] };
    expect(got.events.map((e) => e.event_id)).toEqual([first.event_id]);
    expect(running(idle)).toBe(true);
    expect((await sessions(h))['taker-1']).toMatchObject({ handed_over: 1 });
    // The receipt names the session the tool waited for, though the wait named its consumer itself.
    const receipts = await h.api.get<{ receipts: { via: string; session: string | null }[] }>(`/v1/events/${got.events[0]!.seq}/receipts`);
    expect(receipts.receipts).toEqual([expect.objectContaining({ via: 'http', session: 'taker-1' })]);
    // The tool wait is over: the idle waiter takes the next one.
    await waitFor(async () => (await h.api.get<{ inbox: { waiters: number } }>('/v1/status')).inbox.waiters === 1, { what: 'the idle waiter parked again' });
    const second = await h.emit('deal.won', { name: 'To the waiter' });
    const woke = await idle.done;
    expect(woke.code).toBe(2);
    expect(woke.stderr).toContain(`deal.won #${second.event_id}`);
    expect(woke.stderr).not.toContain(`#${first.event_id} `);
  });

  it('SessionEnd marks the session gone and stops its idle waiter without taking anything', async () => {
    const app = project(dir, 'ending', 'https://example.com/ending.git');
    const w = await idleSession(h, 'ending-1', app);
    await watching(h, ['ending-1'], 1);
    const end = await runHook('session-end', h.home.path, { session_id: 'ending-1', hook_event_name: 'SessionEnd', cwd: app });
    expect(end).toMatchObject({ code: 0, stdout: '' });
    expect(await w.done).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect((await sessions(h))['ending-1']!.state).toBe('gone');
    // A new idle waiter of the ended session stops at once too.
    const again = spawnCli(['hook', 'idle-wake', '--home', h.home.path], {
      env: { CLAUDE_CODE_SESSION_ATTENDED: '1', CLAUDE_PID: String(fakeClaude().pid) },
      input: JSON.stringify({ session_id: 'ending-1', hook_event_name: 'Stop', cwd: app }),
    });
    hooks.push(again);
    expect(await again.done).toMatchObject({ code: 0, stderr: '' });
  });
});

describe('per-session mode', () => {
  let h: RelayHarness;
  let dir: TempDir;
  beforeAll(async () => {
    ({ h, dir } = await relayWithSettings({ mode: 'per-session' }));
  });
  afterAll(async () => {
    await h?.close();
    await dir?.cleanup();
  });

  it('two idle sessions: one event wakes both, once each, each from its own consumer', async () => {
    const app = project(dir, 'app', 'git@github.com:acme/app.git');
    const a = await idleSession(h, 'per-a', app);
    const b = await idleSession(h, 'per-b', app);
    await watching(h, ['per-a', 'per-b'], 2);
    expect((await sessions(h))['per-a']!.consumers).toEqual(['session:per-a']);
    const e = await h.emit('deal.won', { name: 'Everyone' });
    const [ra, rb] = await Promise.all([a.done, b.done]);
    for (const r of [ra, rb]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`deal.won #${e.event_id}`);
    }
    // Once each: nothing of it is left for either.
    for (const id of ['per-a', 'per-b']) expect((await h.api.get<{ events: unknown[] }>(`/v1/pending?consumer=session:${id}`)).events).toHaveLength(0);
  });

  it('a session started later does not get what came before it', async () => {
    const app = project(dir, 'later', 'git@github.com:acme/later.git');
    await h.emit('deal.won', { name: 'Earlier Corp' });
    const late = await runHook('session-start', h.home.path, { session_id: 'per-late', hook_event_name: 'SessionStart', source: 'startup', cwd: app });
    expect(late).toMatchObject({ code: 0, stdout: '' });
    const e = await h.emit('deal.won', { name: 'After' });
    const stop = await runHook('stop', h.home.path, { session_id: 'per-late', hook_event_name: 'Stop', stop_hook_active: false, cwd: app });
    expect(stop.json?.decision).toBe('block');
    expect(String(stop.json?.reason)).toContain(`#${e.event_id} `);
    expect(String(stop.json?.reason)).not.toContain('Earlier Corp');
  });
});

describe('routes', () => {
  let h: RelayHarness;
  let dir: TempDir;
  let a: string;
  let b: string;
  beforeAll(async () => {
    const d = await tempDir('sessions-routes-');
    a = project(d, 'project-a', 'git@github.com:acme/a.git');
    b = project(d, 'project-b', 'git@github.com:acme/b.git');
    // Project A by directory for deals, by remote for urgent tickets; everything else follows shared mode.
    ({ h, dir } = await relayWithSettings(
      {
        routes: [
          { project: a, topics: ['deal.*'] },
          { project: 'https://github.com/acme/a', topics: ['ticket.*'], filter: { priority: 'p1' } },
        ],
      },
      d,
    ));
  });
  afterAll(async () => {
    await h?.close();
    await dir?.cleanup();
  });

  it('a routed event wakes only the session in its project; an unrouted one follows the mode', async () => {
    // B parks first: were the event not routed, B (first in line on the shared consumer) would take it.
    const inB = await idleSession(h, 'route-b', b);
    await watching(h, ['route-b'], 1);
    const inA = await idleSession(h, 'route-a', join(a, 'src'));
    await watching(h, ['route-a', 'route-b'], 3);
    const e = await h.emit('deal.won', { name: 'For A' });
    const ra = await inA.done;
    expect(ra.code).toBe(2);
    expect(ra.stderr).toContain(`deal.won #${e.event_id}`);
    expect(running(inB)).toBe(true);
    // B never sees it: not pending on the shared consumer, nor anywhere B takes from.
    const forB = await h.api.get<{ events: { event_id: number }[] }>('/v1/pending?session=route-b');
    expect(forB.events.map((x) => x.event_id)).not.toContain(e.event_id);
    // An unrouted event goes to the one session still watching.
    const t = await h.emit('ticket.created', { priority: 'p3' });
    const rb = await inB.done;
    expect(rb.code).toBe(2);
    expect(rb.stderr).toContain(`ticket.created #${t.event_id}`);
  });

  it('the Stop hook of a session in A hands over routed events, and its ack lands in the route consumer', async () => {
    // Both sessions started (SessionStart told the relay their projects), then an urgent ticket for A's remote.
    for (const [id, cwd] of [['route-a2', a], ['route-b2', b]] as const) {
      expect(await runHook('session-start', h.home.path, { session_id: id, hook_event_name: 'SessionStart', source: 'startup', cwd })).toMatchObject({ code: 0, stdout: '' });
    }
    const p1 = await h.emit('ticket.escalated', { priority: 'p1' });
    const stopB = await runHook('stop', h.home.path, { session_id: 'route-b2', hook_event_name: 'Stop', stop_hook_active: false, cwd: b });
    expect(stopB).toMatchObject({ code: 0, stdout: '' });
    const stopA = await runHook('stop', h.home.path, { session_id: 'route-a2', hook_event_name: 'Stop', stop_hook_active: false, cwd: a });
    expect(stopA.json?.decision).toBe('block');
    expect(String(stopA.json?.reason)).toContain(`ticket.escalated #${p1.event_id}`);
    await waitFor(async () => (await h.api.get<{ events: unknown[] }>('/v1/pending?session=route-a2')).events.length === 0, { what: 'the ack to land' });
  });
});
