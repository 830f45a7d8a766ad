// The real `claude -p` with what `push-relay install claude-code` wrote, against a real relay and a scripted
// model (DESIGN.md 'Who uses it' 2 and 3). Each case asserts on the request bodies the model was sent.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lastToolResults, messagesText, requestText, type MessagesRequest } from '../../helpers/model-server.js';
import { setupClaude, withModel, type ClaudeSetup } from './setup.js';

let c: ClaudeSetup;

beforeAll(async () => {
  c = await setupClaude();
}, 120_000);

afterAll(async () => {
  await c?.close();
});

beforeEach(async () => {
  await c.relay!.drain();
});

function toolNames(request: MessagesRequest): string[] {
  return (request.tools ?? []).map((t) => t.name);
}

describe('claude -p with the push-relay hooks installed', { timeout: 180_000 }, () => {
  it('nothing pending → exactly one model request, and Claude ends normally', async () => {
    await withModel({}, async (model) => {
      model.script({ text: 'All done here.' });
      const before = c.hookLog().length;
      const run = await c.print(model, 'Say hello.');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('All done here.');
      expect(model.mainRequests()).toHaveLength(1);
      // The hooks did run (SessionStart, UserPromptSubmit, Stop), and said nothing.
      const ran = c.hookLog().slice(before);
      expect(ran.map((l) => l.hook).sort()).toEqual(expect.arrayContaining(['prompt-submit', 'session-start', 'stop']));
      expect(ran.filter((l) => l.hook !== 'idle-wake').every((l) => l.exit === 0 && l.stdout_bytes === 0)).toBe(true);
      // Print mode: idle-wake stepped aside at once (CLAUDE_CODE_SESSION_ATTENDED=0), or -p would wait for it.
      expect(ran.filter((l) => l.hook === 'idle-wake').every((l) => l.exit === 0 && l.stderr_bytes === 0)).toBe(true);
      console.log(`[e2e] nothing pending: claude -p took ${run.ms} ms, ${model.requests.length} HTTP request(s) to the model server`);
    });
  });

  it('an event arriving while Claude works → the Stop hook blocks → the next model request contains it', async () => {
    await withModel({}, async (model) => {
      let event: { event_id: number } | undefined;
      model.script(
        // "While the model thinks", the push server emits; the relay has it before the turn ends.
        async () => {
          event = await c.relay!.emit('deal.won', { name: 'Acme Rocket Co', amount: 250000, owner: 'dana@demo' });
          return { text: 'Finished the refactor.' };
        },
        { text: 'Acme Rocket Co closed as won; letting you know.' },
      );
      const run = await c.print(model, 'Refactor the module.');
      expect(run.code).toBe(0);
      const [first, second, ...rest] = model.mainRequests();
      expect(rest).toHaveLength(0);
      expect(messagesText(first!)).not.toContain('deal.won');
      const text = messagesText(second!);
      expect(text).toContain(`deal.won #${event!.event_id}`);
      expect(text).toContain('name="Acme Rocket Co"');
      expect(text).toContain('amount=250000');
      expect(text).toMatch(/not instructions/);
      expect(run.stdout).toContain('letting you know');
      // Handed over once: acked, and the second stop (stop_hook_active) let Claude end.
      expect((await c.relay!.api.get<{ events: unknown[] }>('/v1/pending')).events).toHaveLength(0);
      const stops = c.hookLog().filter((l) => l.hook === 'stop').slice(-2);
      expect(stops.map((l) => [l.stop_hook_active, l.stdout_bytes > 0])).toEqual([
        [false, true],
        [true, false],
      ]);
      console.log(`[e2e] stop-hook block: second request carries ${JSON.stringify(text.slice(text.indexOf('Push Relay:'), text.indexOf('Push Relay:') + 120))}…`);
    });
  });

  it('SessionStart context reaches the model: the first request contains an event pending at start', async () => {
    await withModel({}, async (model) => {
      const event = await c.relay!.emit('account.health_at_risk', { name: 'Globex', score: 31, new_band: 'at_risk' });
      model.script({ text: 'Noted Globex.' });
      const run = await c.print(model, 'Anything new?');
      expect(run.code).toBe(0);
      const requests = model.mainRequests();
      expect(requests).toHaveLength(1); // handed over at session start, so the Stop hook had nothing left
      const text = messagesText(requests[0]!);
      expect(text).toContain(`account.health_at_risk #${event.event_id}`);
      expect(text).toContain('while no session was reading them'); // the SessionStart hook's words
      expect(text).toContain('name="Globex"');
      const start = c.hookLog().filter((l) => l.hook === 'session-start').at(-1)!;
      expect(start.stdout_bytes).toBeGreaterThan(0);
    });
  });

  it('the model calls mcp__push-relay__wait_for_event; an event emitted ~2 s later comes back as the tool result', async () => {
    await withModel({}, async (model) => {
      let emitted: { event_id: number; at: number } | undefined;
      model.script(
        (request) => {
          // The tool is loaded up front (alwaysLoad), not hidden behind tool search.
          expect(toolNames(request)).toContain('mcp__push-relay__wait_for_event');
          setTimeout(() => {
            void c.relay!.emit('ticket.escalated', { ticket_id: 'T-77', priority: 'p1', subject: 'Checkout down' }).then((e) => {
              emitted = { ...e, at: Date.now() };
            });
          }, 2000);
          return { toolUse: { name: 'mcp__push-relay__wait_for_event', input: { timeout_seconds: 60 } } };
        },
        { text: 'The checkout ticket escalated; on it.' },
      );
      const run = await c.print(model, 'Wait for the next event and handle it.', ['--allowedTools', 'mcp__push-relay__wait_for_event']);
      expect(run.code, run.stderr).toBe(0);
      const requests = model.mainRequests();
      expect(requests).toHaveLength(2);
      const results = lastToolResults(requests[1]!);
      expect(results).toHaveLength(1);
      const resultText = requestText({ model: '', messages: [{ role: 'user', content: results }] });
      expect(emitted).toBeDefined();
      expect(resultText).toMatch(new RegExp(`"event_id":\\s*${emitted!.event_id}\\b`));
      expect(resultText).toContain('ticket.escalated');
      expect(resultText).toContain('T-77');
      expect(results[0]!.is_error ?? false).toBe(false);
      // The call blocked until the event: the model's next request came after the emit.
      const secondAt = model.requests.filter((r) => r.main)[1]!.at;
      expect(secondAt).toBeGreaterThanOrEqual(emitted!.at - 50);
      console.log(`[e2e] wait_for_event tool result: ${resultText.slice(0, 200)}…`);
    });
  });

  it('over HTTP (the relay’s /mcp, as `claude mcp add --transport http` sets it up): the tools list, and a wait_for_event call returns the event emitted while it waits', async () => {
    const relay = c.relay!;
    // Only this server (--strict-mcp-config): the tools below can only have come over HTTP.
    const config = { mcpServers: { 'relay-http': { type: 'http', url: `${relay.api.url}/mcp`, headers: { Authorization: `Bearer ${relay.api.token}` } } } };
    await withModel({}, async (model) => {
      let emitted: { event_id: number } | undefined;
      model.script(
        (request) => {
          expect(toolNames(request)).toContain('mcp__relay-http__wait_for_event');
          expect(toolNames(request)).not.toContain('mcp__push-relay__wait_for_event');
          setTimeout(() => {
            void relay.emit('ticket.escalated', { ticket_id: 'T-88', priority: 'p1' }).then((e) => (emitted = e));
          }, 1000);
          return { toolUse: { name: 'mcp__relay-http__wait_for_event', input: { timeout_seconds: 60 } } };
        },
        { text: 'Handled.' },
      );
      const run = await c.print(model, 'Wait for the next event.', [
        '--mcp-config',
        JSON.stringify(config),
        '--strict-mcp-config',
        '--allowedTools',
        'mcp__relay-http__wait_for_event',
      ]);
      expect(run.code, run.stderr).toBe(0);
      const requests = model.mainRequests();
      expect(requests).toHaveLength(2);
      const results = lastToolResults(requests[1]!);
      expect(results).toHaveLength(1);
      expect(results[0]!.is_error ?? false).toBe(false);
      const text = requestText({ model: '', messages: [{ role: 'user', content: results }] });
      expect(emitted).toBeDefined();
      expect(text).toMatch(new RegExp(`"event_id":\\s*${emitted!.event_id}\\b`));
      expect(text).toContain('T-88');
      console.log(`[e2e] HTTP wait_for_event tool result: ${text.slice(0, 160)}…`);
    });
  });
});
