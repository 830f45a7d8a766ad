// Delivery receipts against a real `push-relay daemon`: an event taken by wait_for_event over MCP, by the Stop
// hook (the real hook binary) and printed by `push-relay watch` each carries the receipt of its path, shown by
// GET /v1/events/<seq>/receipts and `push-relay events --receipts`; receipts survive a daemon restart and go
// with their event when retention drops it.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventReceiptsPath, type ReceiptsResponse } from '../../../relay/protocol/local-api.js';
import { connectMcp } from '../../helpers/mcp-client.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startRelayHarness, type RelayHarness } from '../hooks/harness.js';
import { runCli, runHook, spawnCli, type Spawned } from '../hooks/run.js';

let h: RelayHarness;
const spawned: Spawned[] = [];

/** The inbox seq of an event the harness emitted (the newest events are enough to look at). */
async function seqOf(eventId: number): Promise<number> {
  const { events } = await h.api.get<{ events: { seq: number; event_id: number }[] }>('/v1/events?limit=50');
  const e = events.find((x) => x.event_id === eventId);
  if (!e) throw new Error(`event ${eventId} is not in the inbox`);
  return e.seq;
}

const receipts = (seq: number) => h.api.get<ReceiptsResponse>(eventReceiptsPath(seq));

beforeAll(async () => {
  h = await startRelayHarness();
});

afterEach(() => {
  for (const s of spawned.splice(0)) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
});

afterAll(async () => {
  await h?.close();
});

describe('delivery receipts from a real daemon', () => {
  it('wait_for_event over MCP, the Stop hook and watch each leave their receipt; events --receipts lists them; a restart keeps them', async () => {
    await h.drain();
    // wait_for_event over the daemon's own /mcp.
    const mcp = await connectMcp(h.api.url, h.api.token);
    let waited: number;
    let aId: number;
    try {
      const call = mcp.ok<{ status: string; events: { event_id: number }[] }>('wait_for_event', { timeout_seconds: 30, max_events: 1 });
      const a = await h.emit('deal.won', { name: 'Taken by wait_for_event' });
      const r = await call;
      expect(r.events.map((e) => e.event_id)).toEqual([a.event_id]);
      aId = a.event_id;
      waited = await seqOf(aId);
    } finally {
      await mcp.close();
    }
    // The real Stop hook binary.
    const b = await h.emit('deal.won', { name: 'Taken by the Stop hook' });
    const stop = await runHook('stop', h.home.path, { session_id: 'sess-rc', hook_event_name: 'Stop', stop_hook_active: false });
    expect(stop.json).toMatchObject({ decision: 'block' });
    const hooked = await seqOf(b.event_id);
    // `push-relay watch`, following the inbox.
    const w = spawnCli(['watch', '--home', h.home.path], { killAfterMs: 120_000 });
    spawned.push(w);
    await waitFor(() => w.stderr().includes('following'), { what: 'watch to connect', timeoutMs: 20_000 });
    const c = await h.emit('ticket.created', { subject: 'Printed by watch' });
    await waitFor(() => w.stdout().includes(`#${c.event_id} `), { what: 'watch to print the event', timeoutMs: 20_000 });
    const watched = await seqOf(c.event_id);
    await waitFor(async () => (await receipts(watched)).receipts.length > 0, { what: 'the watch receipt', timeoutMs: 10_000 });

    const before = await Promise.all([waited, hooked, watched].map(receipts));
    expect(before[0]?.receipts).toEqual([{ via: 'wait_for_event', consumer: 'claude-code', session: null, at: expect.any(String), acked_at: expect.any(String) }]);
    // The hook names its Claude Code session; the receipt keeps it.
    expect(before[1]?.receipts).toEqual([{ via: 'stop_hook', consumer: 'claude-code', session: 'sess-rc', at: expect.any(String), acked_at: expect.any(String) }]);
    expect(before[2]?.receipts).toEqual([{ via: 'watch', consumer: null, session: null, at: expect.any(String), acked_at: null }]);
    expect(before[1]).toMatchObject({ seq: hooked, event_id: b.event_id, topic: 'deal.won', overflow: 0 });

    const listed = await runCli(['events', '--home', h.home.path, '--limit', '5', '--receipts']);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.split('\n');
    const under = (eventId: number) => lines[lines.findIndex((l) => l.includes(`#${eventId} `)) + 1] ?? '';
    expect(under(aId)).toMatch(/^ {4}↳ \S+ {2}wait_for_event {2}consumer=claude-code {2}acked=\S+$/);
    expect(under(b.event_id)).toMatch(/^ {4}↳ \S+ {2}stop_hook {2}consumer=claude-code {2}session=sess-rc {2}acked=\S+$/);
    expect(under(c.event_id)).toMatch(/^ {4}↳ \S+ {2}watch$/);
    const json = await runCli(['events', '--home', h.home.path, '--limit', '5', '--receipts', '--json']);
    const parsed = JSON.parse(json.stdout) as { seq: number; receipts: ReceiptsResponse | null }[];
    expect(parsed.find((e) => e.seq === hooked)?.receipts?.receipts.map((r) => r.via)).toEqual(['stop_hook']);

    w.child.kill('SIGKILL');
    await w.done;
    await h.restartRelay();
    expect(await Promise.all([waited, hooked, watched].map(receipts))).toEqual(before);
  });

  it('the SessionStart, UserPromptSubmit and idle-wake hooks (real binaries) each leave their own path', async () => {
    await h.drain();
    const took: [string, number, string][] = [];
    for (const [hook, via] of [
      ['session-start', 'session_start'],
      ['prompt-submit', 'prompt_context'],
    ] as const) {
      const e = await h.emit('deal.won', { name: `Taken by ${hook}` });
      const run = await runHook(hook, h.home.path, { session_id: 'sess-ctx', hook_event_name: hook, prompt: 'hi' });
      expect(run.json).toHaveProperty('hookSpecificOutput');
      took.push([via, await seqOf(e.event_id), 'sess-ctx']);
    }
    // idle-wake long-polls /v1/wait; a stand-in for the Claude Code process it watches.
    const claude = spawn('sleep', ['600'], { stdio: 'ignore' });
    try {
      const wake = spawnCli(['hook', 'idle-wake', '--home', h.home.path], {
        env: { CLAUDE_CODE_SESSION_ATTENDED: '1', CLAUDE_PID: String(claude.pid) },
        input: JSON.stringify({ session_id: 'sess-idle', hook_event_name: 'Stop', stop_hook_active: false }),
        killAfterMs: 90_000,
      });
      spawned.push(wake);
      await waitFor(async () => (await h.api.get<{ inbox: { waiters: number } }>('/v1/status')).inbox.waiters >= 1, { what: 'idle-wake waiting', timeoutMs: 20_000 });
      const e = await h.emit('deal.won', { name: 'Taken by idle-wake' });
      expect((await wake.done).code).toBe(2);
      took.push(['idle_wake', await seqOf(e.event_id), 'sess-idle']);
    } finally {
      claude.kill('SIGKILL');
    }
    for (const [via, seq, session] of took) {
      expect((await receipts(seq)).receipts).toEqual([{ via, consumer: 'claude-code', session, at: expect.any(String), acked_at: expect.any(String) }]);
    }
  });

  it('an event no one took has no receipts; an unknown seq answers 404', async () => {
    await h.drain();
    const e = await h.emit('account.health_at_risk', { account: 'Nobody looked' });
    const seq = await seqOf(e.event_id);
    expect((await receipts(seq)).receipts).toEqual([]);
    const missing = await h.api.raw(eventReceiptsPath(seq + 10_000));
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});

describe('receipts and retention in a real daemon', () => {
  it('drops the receipts of an event with the event when retention drops it', async () => {
    const home = await tempDir('receipts-retention-');
    writeFileSync(join(home.path, 'settings.json'), JSON.stringify({ retention: { maxEvents: 100 } }));
    const r = await startRelayHarness({ homePath: home.path });
    try {
      const first = await r.emit('deal.won', { name: 'First, then dropped' });
      const { events } = await r.api.get<{ events: { seq: number; event_id: number }[] }>('/v1/events?limit=5');
      const seq = events.find((e) => e.event_id === first.event_id)!.seq;
      await r.api.get(`/v1/pending?consumer=claude-code&ack=true&limit=10&via=http&session=sess-ret`);
      expect((await r.api.get<ReceiptsResponse>(eventReceiptsPath(seq))).receipts.map((x) => x.session)).toEqual(['sess-ret']);
      for (let i = 0; i < 100; i++) await r.server.emit('t1', { topic: 'deal.created', payload: { n: i } });
      await waitFor(async () => (await r.api.get<{ head: number }>('/v1/events?limit=1')).head >= seq + 100, { what: '100 more events stored', timeoutMs: 30_000 });
      expect((await r.api.raw(eventReceiptsPath(seq))).status).toBe(404);
      await r.restartRelay();
      expect((await r.api.raw(eventReceiptsPath(seq))).status).toBe(404);
      const status = await r.api.get<{ inbox: { receipted: number } }>('/v1/status');
      expect(status.inbox.receipted).toBe(0);
    } finally {
      await r.close();
      await home.cleanup();
    }
  });
});
