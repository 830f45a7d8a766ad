// `push-relay hook stop` (DESIGN.md 'Who uses it' 2, Claude Code at a stop; Semantics "Stop hook"): when the
// consumer has unacked events, block the stop with a reason that lists them, so Claude reacts in the same
// session; else let Claude stop at once.
//
// The hook lists the pending events, acks exactly those, then prints them, so the same events never block
// twice; if the ack cannot be confirmed it prints anyway (at least once: never lose an event to a late ack). A chain of blocks (each stop that follows a block has `stop_hook_active: true`) is capped well below
// Claude Code's own cap of 8 consecutive blocks: after MAX_CHAINED_BLOCKS the hook lets Claude stop, and what
// still waits stays pending for the next turn, SessionStart, `get_pending_events` or the idle wake.
import { mkdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { readTextNoFollow, writeFileNoFollow } from '../util/safe-fs.js';
import { consumerFor, MAX_LISTED_EVENTS, relaySession, sessionKey, SILENT, timeLeft, type HookOptions, type HookResult } from './input.js';
import { ackListed, fetchPending, reportSession } from './relay.js';


export const MAX_CHAINED_BLOCKS = 3;

function chainFile(home: string, key: string): string {
  return join(home, 'hooks', `stop-chain-${key}`);
}

function readChain(file: string): number {
  try {
    return Number(readTextNoFollow(file)) || 0;
  } catch {
    return 0;
  }
}

function writeChain(file: string, n: number): void {
  try {
    mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
    // No temp file and no fsync: the count is a nicety, and an fsync on a busy disk would eat the hook's budget.
    writeFileNoFollow(file, String(n));
  } catch {
    // state is a nicety: without it the chain cap falls back to Claude Code's own
  }
}

function clearChain(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // not there: nothing to clear
  }
}

export async function stopHook(options: HookOptions): Promise<HookResult> {
  const { input, home } = options;
  const file = chainFile(home, sessionKey(input));
  const chained = input.stop_hook_active === true ? readChain(file) : 0;
  if (chained >= MAX_CHAINED_BLOCKS) {
    clearChain(file);
    return SILENT;
  }
  const consumer = consumerFor(options, input);
  const session = relaySession(options, input);
  // The report refreshes the session and tells a relay started after its SessionStart the project its routes
  // need. Sent beside the read, not before it: the Stop hook runs on every turn and must answer within its
  // budget on a loaded machine (a session the relay did not know yet takes from its base consumer this once).
  const [answer] = await Promise.all([
    fetchPending(home, { consumer, session, limit: MAX_LISTED_EVENTS, ack: false, claim: true, via: 'stop_hook', timeoutMs: timeLeft(options.deadline) }),
    session ? reportSession(home, session, 'stop', input.cwd, timeLeft(options.deadline)) : undefined,
  ]);
  if (!answer || answer.events.length === 0) {
    if (input.stop_hook_active) clearChain(file);
    return SILENT;
  }
  writeChain(file, chained + 1);
  // The formatter loads only when there is something to say (the common case, nothing pending, skips it).
  const [{ describeEvents }] = await Promise.all([
    import('./format.js'),
    ackListed(answer, timeLeft(options.deadline)),
  ]);
  const n = answer.events.length;
  const reason = describeEvents({
    intro:
      `Push Relay: ${n} new event${n === 1 ? '' : 's'} arrived from the push server while you were working (consumer "${answer.consumer}"). ` +
      'Before you finish, tell the user about them or act on them if they bear on the current work; they are now marked as seen.',
    events: answer.events,
    more: answer.pending,
    mode: options.plugin ? 'plugin' : 'settings',
  });
  return { stdout: JSON.stringify({ decision: 'block', reason }), exitCode: 0 };
}
