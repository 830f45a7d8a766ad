// `hook session-start` and `hook prompt-submit`: pending events as hookSpecificOutput.additionalContext,
// acked when handed over; nothing pending → no output.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BEGIN_MARKER } from '../../../relay/hooks/format.js';
import { startRelayHarness, type RelayHarness } from './harness.js';
import { runHook } from './run.js';

let h: RelayHarness;

beforeAll(async () => {
  h = await startRelayHarness();
});

afterAll(async () => {
  await h?.close();
});

beforeEach(async () => {
  await h.drain();
});

describe.each([
  { hook: 'session-start', hookEventName: 'SessionStart', input: { session_id: 's-ctx', hook_event_name: 'SessionStart', source: 'startup' } },
  { hook: 'prompt-submit', hookEventName: 'UserPromptSubmit', input: { session_id: 's-ctx', hook_event_name: 'UserPromptSubmit', prompt: 'hi' } },
])('hook $hook', ({ hook, hookEventName, input }) => {
  it('nothing pending → exit 0, no output', async () => {
    expect(await runHook(hook, h.home.path, input)).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('pending events → hookSpecificOutput.additionalContext, acked', async () => {
    const e = await h.emit('deal.stage_changed', { name: 'Umbrella', old_stage: 'Proposal', new_stage: 'Negotiation', note: '<b>hi</b>' });
    const run = await runHook(hook, h.home.path, input);
    expect(run.code).toBe(0);
    expect(Object.keys(run.json!)).toEqual(['hookSpecificOutput']);
    const out = run.json!.hookSpecificOutput as { hookEventName: string; additionalContext: string };
    expect(Object.keys(out).sort()).toEqual(['additionalContext', 'hookEventName']);
    expect(out.hookEventName).toBe(hookEventName);
    expect(out.additionalContext).toContain(`deal.stage_changed #${e.event_id}`);
    expect(out.additionalContext).toContain('new_stage="Negotiation"');
    expect(out.additionalContext).toContain(BEGIN_MARKER);
    expect(out.additionalContext).not.toContain('<b>');
    expect(Buffer.byteLength(out.additionalContext)).toBeLessThanOrEqual(4096);
    // Acked: handed over once.
    expect(await runHook(hook, h.home.path, input)).toMatchObject({ code: 0, stdout: '' });
  });
});
