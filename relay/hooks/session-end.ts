// `push-relay hook session-end` (Claude Code's SessionEnd): tells the relay the session is gone, so its idle
// waiter stops, its waits end and `push-relay sessions` shows it as gone. Nothing to print; fails open.
import { SILENT, timeLeft, type HookOptions, type HookResult } from './input.js';
import { reportSession } from './relay.js';

export async function sessionEndHook(options: HookOptions): Promise<HookResult> {
  await reportSession(options.home, options.input.session_id, 'end', options.input.cwd, timeLeft(options.deadline));
  return SILENT;
}
