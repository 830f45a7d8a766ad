// `push-relay hook idle-wake` against a real relay: waits for the next event and exits 2 with it on stderr
// (the asyncRewake contract), stays armed after a wake turn, and steps aside (exit 0, no output) in print
// mode, when another waiter serves the session, and when its Claude Code process is gone.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { idleWakeLockFile } from '../../../relay/hooks/idle-wake.js';
import { wakeLogFile } from '../../../relay/hooks/wake-rate.js';
import { startReferenceServer } from '../../../relay/reference-server/server.js';
import { startCli } from '../../helpers/cli.js';
import { relayApi } from '../../helpers/relay-api.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startRelayHarness, type RelayHarness } from './harness.js';
import { spawnCli, type Spawned } from './run.js';

let h: RelayHarness;
const fakeClaudes: ChildProcess[] = [];
const hooks: Spawned[] = [];

/** A stand-in for the Claude Code process whose pid the hook watches (CLAUDE_PID). */
function fakeClaude(): ChildProcess {
  const child = spawn('sleep', ['600'], { stdio: 'ignore' });
  fakeClaudes.push(child);
  return child;
}

function idleWake(home: string, session: string, env: NodeJS.ProcessEnv, input: Record<string, unknown> = {}, args: string[] = []): Spawned {
  const run = spawnCli(['hook', 'idle-wake', '--home', home, ...args], {
    env: { CLAUDE_CODE_SESSION_ATTENDED: '1', ...env },
    input: JSON.stringify({ session_id: session, hook_event_name: 'Stop', stop_hook_active: false, ...input }),
    killAfterMs: 90_000,
  });
  hooks.push(run);
  return run;
}

async function waiters(): Promise<number> {
  return (await h.api.get<{ inbox: { waiters: number } }>('/v1/status')).inbox.waiters;
}

const running = (s: Spawned) => s.child.exitCode === null && s.child.signalCode === null;

beforeAll(async () => {
  h = await startRelayHarness();
});

afterEach(async () => {
  for (const s of hooks.splice(0)) if (running(s)) s.child.kill('SIGKILL');
  for (const c of fakeClaudes.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await h.drain();
});

afterAll(async () => {
  await h?.close();
});

describe('hook idle-wake', () => {
  it('waits for the next event, then exits 2 with it on stderr (acked)', async () => {
    const claude = fakeClaude();
    const hook = idleWake(h.home.path, 'iw-wake', { CLAUDE_PID: String(claude.pid) });
    await waitFor(async () => (await waiters()) >= 1, { what: 'idle-wake waiting on /v1/wait', timeoutMs: 20_000 });
    expect(existsSync(idleWakeLockFile(h.home.path, 'iw-wake'))).toBe(true);
    const e = await h.emit('deal.won', { name: 'Wake Corp', amount: 5000 });
    const run = await hook.done;
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`deal.won #${e.event_id}`);
    expect(run.stderr).toContain('name="Wake Corp"');
    expect(run.stderr).toMatch(/not instructions/);
    // Acked, and the lock is released for the next turn's waiter.
    expect((await h.api.get<{ events: unknown[] }>('/v1/pending')).events).toHaveLength(0);
    expect(existsSync(idleWakeLockFile(h.home.path, 'iw-wake'))).toBe(false);
  });

  it('two idle sessions on one consumer: one event wakes exactly one of them; the next wakes the other', async () => {
    const claude = fakeClaude();
    const a = idleWake(h.home.path, 'iw-two-a', { CLAUDE_PID: String(claude.pid) });
    const b = idleWake(h.home.path, 'iw-two-b', { CLAUDE_PID: String(claude.pid) });
    await waitFor(async () => (await waiters()) >= 2, { what: 'both idle-wakes waiting on /v1/wait', timeoutMs: 20_000 });
    const first = await h.emit('deal.won', { name: 'Only once' });
    const woken = await Promise.race([a.done.then(() => a), b.done.then(() => b)]);
    const other = woken === a ? b : a;
    const run = await woken.done;
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`deal.won #${first.event_id}`);
    // The other one is still waiting: it was not handed the same event.
    await waitFor(async () => (await waiters()) === 1, { what: 'one idle-wake still waiting' });
    expect(running(other)).toBe(true);
    const second = await h.emit('deal.won', { name: 'The next one' });
    const next = await other.done;
    expect(next.code).toBe(2);
    expect(next.stderr).toContain(`deal.won #${second.event_id}`);
    expect(next.stderr).not.toContain(`#${first.event_id} `);
  });

  it('exits 0 at once in print mode (CLAUDE_CODE_SESSION_ATTENDED=0)', async () => {
    await h.emit('deal.created', { name: 'print mode' });
    const run = await idleWake(h.home.path, 'iw-print', { CLAUDE_CODE_SESSION_ATTENDED: '0', CLAUDE_PID: String(fakeClaude().pid) }).done;
    expect(run).toMatchObject({ code: 0, stdout: '', stderr: '' });
    // …and where Claude Code does not set that variable, by its print-mode entrypoint.
    const sdk = await idleWake(h.home.path, 'iw-print', { CLAUDE_CODE_SESSION_ATTENDED: undefined, CLAUDE_CODE_ENTRYPOINT: 'sdk-cli', CLAUDE_PID: String(fakeClaude().pid) }).done;
    expect(sdk).toMatchObject({ code: 0, stdout: '', stderr: '' });
    // It did not take the event.
    expect((await h.api.get<{ events: unknown[] }>('/v1/pending')).events).toHaveLength(1);
  });

  it('stays armed after a wake turn (stop_hook_active): waits for the next event instead of exiting, and records the wake', async () => {
    const claude = fakeClaude();
    const hook = idleWake(h.home.path, 'iw-active', { CLAUDE_PID: String(claude.pid) }, { stop_hook_active: true });
    await waitFor(async () => (await waiters()) >= 1, { what: 'the re-armed waiter on /v1/wait', timeoutMs: 20_000 });
    expect(running(hook)).toBe(true);
    const e = await h.emit('ticket.escalated', { ticket_id: 'T-1', priority: 'p1' });
    const again = await hook.done;
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`ticket.escalated #${e.event_id}`);
    // The wake is counted for the per-minute bound (relay/hooks/wake-rate.ts).
    expect(JSON.parse(readFileSync(wakeLogFile(h.home.path, 'iw-active'), 'utf8'))).toHaveLength(1);
  });

  it('exits 0 when its Claude Code process is gone (at start, and while waiting)', async () => {
    const dead = fakeClaude();
    dead.kill('SIGKILL');
    await new Promise((r) => dead.once('exit', r));
    expect(await idleWake(h.home.path, 'iw-dead', { CLAUDE_PID: String(dead.pid) }).done).toMatchObject({ code: 0, stdout: '', stderr: '' });

    const claude = fakeClaude();
    const hook = idleWake(h.home.path, 'iw-dies', { CLAUDE_PID: String(claude.pid) });
    await waitFor(async () => (await waiters()) >= 1, { what: 'idle-wake waiting', timeoutMs: 20_000 });
    claude.kill('SIGKILL');
    const run = await hook.done;
    expect(run).toMatchObject({ code: 0, stdout: '', stderr: '' });
    await waitFor(async () => (await waiters()) === 0, { what: 'the relay to drop the waiter' });
    // No event was taken by the orphan.
    await h.emit('deal.created', { name: 'after claude died' });
    expect((await h.api.get<{ events: unknown[] }>('/v1/pending')).events).toHaveLength(1);
  });

  it('keeps one waiter per session; another session gets its own; a stale lock is replaced', async () => {
    const claude = fakeClaude();
    const env = { CLAUDE_PID: String(claude.pid) };
    const first = idleWake(h.home.path, 'iw-one', env);
    await waitFor(async () => (await waiters()) >= 1, { what: 'first waiter', timeoutMs: 20_000 });
    const second = await idleWake(h.home.path, 'iw-one', env).done;
    expect(second).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(running(first)).toBe(true);
    const otherSession = idleWake(h.home.path, 'iw-two', env);
    await waitFor(async () => (await waiters()) >= 2, { what: 'a waiter for the second session', timeoutMs: 20_000 });
    expect(running(otherSession)).toBe(true);

    // SIGTERM (Claude Code's timeout) releases the lock.
    first.child.kill('SIGTERM');
    expect((await first.done).code).toBe(0);
    expect(existsSync(idleWakeLockFile(h.home.path, 'iw-one'))).toBe(false);

    // A lock left by a SIGKILLed waiter names a dead pid: the next waiter takes over.
    const stale = idleWakeLockFile(h.home.path, 'iw-stale');
    mkdirSync(join(stale, '..'), { recursive: true });
    const gone = fakeClaude();
    gone.kill('SIGKILL');
    await new Promise((r) => gone.once('exit', r));
    writeFileSync(stale, JSON.stringify({ pid: gone.pid, claude_pid: claude.pid }));
    const taker = idleWake(h.home.path, 'iw-stale', env);
    await waitFor(() => {
      try {
        return JSON.parse(readFileSync(stale, 'utf8')).pid === taker.child.pid;
      } catch {
        return false;
      }
    }, { what: 'the stale lock to be replaced', timeoutMs: 20_000 });
    expect(running(taker)).toBe(true);
  });
});

describe('hook idle-wake with no relay running', () => {
  it('keeps waiting, and wakes once a relay appears on its home and an event arrives', async () => {
    const home = await tempDir('idle-wake-late-');
    const server = await startReferenceServer({ tokens: { k: 't' } });
    const claude = fakeClaude();
    const hook = idleWake(home.path, 'iw-late', { CLAUDE_PID: String(claude.pid) });
    try {
      await waitFor(() => existsSync(idleWakeLockFile(home.path, 'iw-late')), { what: 'the waiter to start', timeoutMs: 20_000 });
      expect(running(hook)).toBe(true);
      const relay = startCli(['daemon', '--home', home.path, '--local-port', '0', '--server', server.url, '--client-id', 'late'], { PUSH_RELAY_API_KEY: 'k' });
      try {
        const api = relayApi(await relay.line('listening', 30_000), home.path);
        await api.post('/v1/subscriptions', { topic: ['deal.*'] });
        await waitFor(async () => (await api.get<{ upstream: { state: string } }>('/v1/status')).upstream.state === 'open', { what: 'upstream open' });
        // The hook finds the relay through relay.json within its 2 s re-check and starts its long-poll.
        await waitFor(async () => (await api.get<{ inbox: { waiters: number } }>('/v1/status')).inbox.waiters >= 1, { what: 'the hook to find the relay', timeoutMs: 20_000 });
        const e = await server.emit('t', { topic: 'deal.won', payload: { name: 'Late Inc' } });
        const run = await hook.done;
        expect(run.code).toBe(2);
        expect(run.stderr).toContain(`deal.won #${e.event_id}`);
      } finally {
        await relay.kill();
      }
    } finally {
      await server.close();
      await home.cleanup();
    }
  });
});
