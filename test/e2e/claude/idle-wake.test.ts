// An idle interactive Claude Code session (the real `claude` under a pseudo-terminal) is woken by an event:
// the SessionStart `hook idle-wake` (asyncRewake) waits on the relay, exits 2 with the event on stderr, and
// Claude starts a turn on its own — no user input — whose model request carries the event; after it the watch
// is armed again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messagesText } from '../../helpers/model-server.js';
import { waitFor } from '../../helpers/wait-for.js';
import { setupClaude, withModel, type ClaudeSetup } from './setup.js';

let c: ClaudeSetup;

beforeAll(async () => {
  c = await setupClaude();
}, 120_000);

afterAll(async () => {
  await c?.close();
});

const waiters = async () => (await c.relay!.api.get<{ inbox: { waiters: number } }>('/v1/status')).inbox.waiters;

describe('interactive claude, idle', { timeout: 240_000 }, () => {
  it('is woken by the next event through hook idle-wake, and the wake turn’s request contains it', async () => {
    await withModel({}, async (model) => {
      model.script({ text: 'WAKE_ACK_7f3 Initech renewal is at risk, looking into it.' });
      const session = c.interactive(model);
      try {
        // Started and idle: the prompt is drawn, and the SessionStart idle-wake waits on the relay.
        await waitFor(() => session.screen().includes('❯'), { what: 'the interactive prompt', timeoutMs: 60_000, intervalMs: 100 });
        await waitFor(async () => (await waiters()) >= 1, { what: 'idle-wake waiting on the relay', timeoutMs: 60_000, intervalMs: 100 });
        expect(model.mainRequests()).toHaveLength(0); // nobody typed anything

        const event = await c.relay!.emit('account.health_changed', { name: 'Initech', old_band: 'healthy', new_band: 'at_risk', score: 38 });
        const [wake] = await model.waitForMainRequests(1, 60_000);
        const text = messagesText(wake!);
        expect(text).toContain('Push Relay woke this idle session'); // the hook's rewakeMessage
        expect(text).toContain(`account.health_changed #${event.event_id}`);
        expect(text).toContain('new_band="at_risk"');
        // Acked by the hook that delivered it.
        expect((await c.relay!.api.get<{ events: unknown[] }>('/v1/pending')).events).toHaveLength(0);

        // The wake turn's Stop: the stop hook had nothing, and the watch stays armed: a new idle-wake waits again.
        await waitFor(() => c.hookLog().some((l) => l.hook === 'stop' && l.stop_hook_active === true), { what: 'the wake turn’s Stop hooks', timeoutMs: 60_000, intervalMs: 100 });
        await waitFor(async () => (await waiters()) >= 1, { what: 'the re-armed idle-wake waiting', timeoutMs: 60_000, intervalMs: 100 });
        // The turn has ended (its Stop hooks ran), so its answer is on screen unless the wake turn was lost. A
        // loaded machine can draw late; the screen's end goes into the failure to tell a late draw from a lost turn.
        await waitFor(() => session.screen().includes('WAKE_ACK_7f3'), { what: 'the wake turn’s answer on screen', timeoutMs: 60_000, intervalMs: 100 }).catch((err: Error) => {
          throw new Error(`${err.message}; the screen's end: ${JSON.stringify(session.screen().slice(-3000))}`);
        });
        const log = c.hookLog();
        console.log(`[e2e] idle wake hook log: ${JSON.stringify(log.map((l) => [l.hook, l.hook_event_name, l.stop_hook_active, l.exit]))}`);
        expect(log.find((l) => l.hook === 'idle-wake' && l.hook_event_name === 'SessionStart')).toMatchObject({ exit: 2 });
        // The re-armed waiter has not exited: it neither woke the session again nor stepped aside.
        expect(log.filter((l) => l.hook === 'idle-wake' && l.stop_hook_active === true)).toEqual([]);
        expect(model.mainRequests()).toHaveLength(1);
      } finally {
        await session.stop();
      }
    });
  });
});
