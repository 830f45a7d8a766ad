// `push-relay hook session-start` and `hook prompt-submit`: pending events become `additionalContext`, which
// Claude Code adds to what the model sees at the start of a session or with the user's prompt. Acked when
// handed over; nothing pending or no relay → no output.
import { consumerFor, MAX_LISTED_EVENTS, relaySession, SILENT, timeLeft, type HookOptions, type HookResult } from './input.js';
import { ackListed, fetchPending, reportSession } from './relay.js';


export type ContextEvent = 'SessionStart' | 'UserPromptSubmit';

export async function contextHook(options: HookOptions, hookEventName: ContextEvent): Promise<HookResult> {
  const consumer = consumerFor(options, options.input);
  const { session_id: sessionId, cwd } = options.input;
  const session = relaySession(options, options.input);
  const report = () => reportSession(options.home, sessionId, hookEventName === 'SessionStart' ? 'start' : 'prompt', cwd, timeLeft(options.deadline) - 200);
  const via = hookEventName === 'SessionStart' ? 'session_start' : 'prompt_context';
  const read = () => fetchPending(options.home, { consumer, session, limit: MAX_LISTED_EVENTS, ack: false, claim: true, via, timeoutMs: timeLeft(options.deadline) });
  // At SessionStart the relay learns of the session (and its project) first: its consumers depend on both
  // (relay/sessions/). On a prompt it knows them already, and the report goes beside the read.
  const answer = hookEventName === 'SessionStart' ? (await report(), await read()) : (await Promise.all([read(), report()]))[0];
  if (!answer || answer.events.length === 0) return SILENT;
  // The formatter loads only when there is something to say (the common case, nothing pending, skips it).
  const [{ describeEvents }] = await Promise.all([
    import('./format.js'),
    ackListed(answer, timeLeft(options.deadline)),
  ]);
  const n = answer.events.length;
  const when = hookEventName === 'SessionStart' ? 'while no session was reading them' : 'since the last turn';
  const additionalContext = describeEvents({
    intro:
      `Push Relay: ${n} event${n === 1 ? '' : 's'} from the push server arrived ${when} (consumer "${answer.consumer}"). ` +
      'They are now marked as seen; mention them to the user or act on them if they bear on the work.',
    events: answer.events,
    more: answer.pending,
    mode: options.plugin ? 'plugin' : 'settings',
  });
  return { stdout: JSON.stringify({ hookSpecificOutput: { hookEventName, additionalContext } }), exitCode: 0 };
}
