// Several interactive Claude Code sessions (the real `claude` under pseudo-terminals, a scripted model server)
// and the session modes: shared — one event wakes exactly one of two idle sessions in one project;
// per-session — both, once each; a route for project A — only the session in A; and one session left idle
// is woken by each of three events in turn (the watch stays armed). Heavy: one claude start takes seconds.
// Every "nobody else" check is made at a condition: the event is acked and every waiter is parked again, so
// no one can take it any more.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { messagesText, type MessagesRequest, type ModelServer } from '../../helpers/model-server.js';
import { waitFor } from '../../helpers/wait-for.js';
import type { SessionsResponse, SessionView } from '../../../relay/protocol/local-api.js';
import { setupClaude, withModel, type ClaudeSetup, type InteractiveClaude, type SetupOptions } from './setup.js';

let c: ClaudeSetup | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

async function setup(options: SetupOptions): Promise<ClaudeSetup> {
  c = await setupClaude(options);
  return c;
}

async function sessions(s: ClaudeSetup): Promise<SessionView[]> {
  return (await s.relay!.api.get<SessionsResponse>('/v1/sessions?include_gone=false')).sessions;
}

async function waiters(s: ClaudeSetup): Promise<number> {
  return (await s.relay!.api.get<{ inbox: { waiters: number } }>('/v1/status')).inbox.waiters;
}

/** Starts an interactive claude in `cwd` and waits until its idle waiter watches (the relay lists it idle-watching). */
async function idle(s: ClaudeSetup, model: ModelServer, cwd?: string): Promise<InteractiveClaude> {
  const before = new Set((await sessions(s)).map((x) => x.session_id));
  const session = s.interactive(model, [], cwd);
  await waitFor(() => session.screen().includes('❯'), { what: 'the interactive prompt', timeoutMs: 60_000, intervalMs: 100 });
  await waitFor(async () => (await sessions(s)).some((x) => !before.has(x.session_id) && x.state === 'idle-watching'), {
    what: 'the new session idle-watching',
    timeoutMs: 60_000,
    intervalMs: 100,
  });
  return session;
}

/** Every listed session idle-watching again and `n` waits parked: the wake turns are over, the watches re-armed. */
async function settled(s: ClaudeSetup, n: number): Promise<void> {
  await waitFor(async () => (await sessions(s)).every((x) => x.state === 'idle-watching') && (await waiters(s)) >= n, {
    what: `${n} sessions watching again`,
    timeoutMs: 90_000,
    intervalMs: 100,
  });
}

/** The text a request adds: what follows the model's last answer (each request repeats the conversation before it). */
function newText(r: MessagesRequest): string {
  const lastAnswer = r.messages.map((m) => m.role).lastIndexOf('assistant');
  return messagesText({ ...r, messages: r.messages.slice(lastAnswer + 1) });
}
/** Requests that brought `eventId` to the model for the first time. */
const wakesWith = (model: ModelServer, eventId: number) => model.mainRequests().filter((r) => newText(r).includes(`#${eventId} `));
const started = Date.now();
const mark = (what: string) => console.log(`[e2e] ${((Date.now() - started) / 1000).toFixed(1)}s ${what}`);

describe('sessions of the real claude CLI', { timeout: 300_000 }, () => {
  it('a session left idle is woken by each of three events in turn: three wakes, each with its own event', async () => {
    const s = await setup({});
    await withModel({ fallback: { text: 'NOTED_WAKE' } }, async (model) => {
      await idle(s, model);
      const ids: number[] = [];
      for (let i = 1; i <= 3; i++) {
        const e = await s.relay!.emit('deal.won', { name: `Wave ${i}` });
        ids.push(e.event_id);
        const wakes = await model.waitForMainRequests(i, 90_000);
        expect(newText(wakes[i - 1]!)).toContain(`deal.won #${e.event_id} `);
        // The next event comes once this wake turn is over and the watch is armed again.
        await settled(s, 1);
      }
      expect(model.mainRequests()).toHaveLength(3);
      // Never twice for the same event.
      for (const id of ids) expect(wakesWith(model, id)).toHaveLength(1);
      expect((await sessions(s))[0]).toMatchObject({ handed_over: 3 });
    });
  });

  it('shared mode: two idle sessions in one project, one event wakes exactly one', async () => {
    const s = await setup({ sessions: { mode: 'shared' } });
    await withModel({ fallback: { text: 'NOTED_SHARED' } }, async (model) => {
      await idle(s, model);
      await idle(s, model);
      const e = await s.relay!.emit('deal.won', { name: 'Only one of you' });
      await model.waitForMainRequests(1, 90_000);
      await settled(s, 2);
      expect(model.mainRequests()).toHaveLength(1);
      expect(wakesWith(model, e.event_id)).toHaveLength(1);
      const listed = await sessions(s);
      expect(listed.map((x) => x.handed_over).sort()).toEqual([0, 1]);
    });
  });

  it('per-session mode: two idle sessions, one event wakes both, once each', async () => {
    const s = await setup({ sessions: { mode: 'per-session' } });
    await withModel({ fallback: { text: 'NOTED_EACH' } }, async (model) => {
      await idle(s, model);
      mark('first idle');
      await idle(s, model);
      mark('second idle');
      const e = await s.relay!.emit('deal.won', { name: 'All of you' });
      await model.waitForMainRequests(2, 30_000).catch(async (err: Error) => {
        console.log(`[e2e] debug sessions ${JSON.stringify(await sessions(s))} waiters ${await waiters(s)} log ${JSON.stringify(s.hookLog())} status ${JSON.stringify((await s.relay!.api.get<{ consumers: unknown }>('/v1/status')).consumers)} requests ${model.mainRequests().length}`);
        throw err;
      });
      mark('both woken');
      await settled(s, 2);
      mark('settled');
      expect(wakesWith(model, e.event_id)).toHaveLength(2);
      expect(model.mainRequests()).toHaveLength(2);
      expect((await sessions(s)).map((x) => x.handed_over)).toEqual([1, 1]);
    });
  });

  it('a route for project A: the event wakes only the session in A', async () => {
    const s = await setup({ projects: ['project-a', 'project-b'], sessions: (dirs: Record<string, string>) => ({ routes: [{ project: dirs['project-a'], topics: ['deal.*'] }] }) });
    const home = { a: join(s.home.path, 'project-a'), b: join(s.home.path, 'project-b') };
    await withModel({ fallback: { text: 'NOTED_ROUTE' } }, async (model) => {
      // B first: were the event not routed, B (first in line on the shared consumer) would take it.
      await idle(s, model, home.b);
      mark('B idle');
      await idle(s, model, home.a);
      mark('A idle');
      const e = await s.relay!.emit('deal.won', { name: 'For A only' });
      await model.waitForMainRequests(1, 90_000);
      mark('A woken');
      await settled(s, 3);
      mark('settled');
      expect(model.mainRequests()).toHaveLength(1);
      const listed = await sessions(s);
      expect(listed.find((x) => x.cwd === home.a)).toMatchObject({ handed_over: 1 });
      expect(listed.find((x) => x.cwd === home.b)).toMatchObject({ handed_over: 0 });
      expect(wakesWith(model, e.event_id)).toHaveLength(1);
    });
  });
});

