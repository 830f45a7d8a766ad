// `push-relay hook idle-wake`: registered on Stop and SessionStart with `"asyncRewake": true`, so Claude Code
// runs it in the background; when it exits 2, its stderr wakes the idle interactive session as a new turn.
// It long-polls the relay's `/v1/wait` (acking what it returns) for the next event of its consumer.
//
// The watch stays armed: the Stop that ends a wake turn starts the next waiter, which wakes the session again
// only for events that arrive later (what a wake lists is acked, so the same events never wake it twice), at
// most MAX_WAKES_PER_MINUTE times a minute (wake-rate.ts), until SessionEnd (the relay then answers the wait
// with `session_gone`) or the Claude Code process is gone. The waiter passes the session id, so the relay
// counts it as the session's taker (idle-watching) and picks its consumers (relay/sessions/).
//
// It exits 0 at once, waking nobody:
// - in print mode (`CLAUDE_CODE_SESSION_ATTENDED=0`, or no such variable and an `sdk-*` CLAUDE_CODE_ENTRYPOINT:
//   `claude -p` waits for background hooks and would hang);
// - when another idle-wake already waits for the same session (one waiter per session, lock file);
// - when its Claude Code process (`CLAUDE_PID`, checked every 2 s; or its parent) is gone — a SIGKILLed
//   claude leaves its hooks orphaned.
// When no relay is running it keeps waiting and re-reads relay.json every 2 s: the relay may be started
// after the session (a tray app launched later), and the wait costs nothing but one sleeping process.
import { join } from 'node:path';
import { findRelay, relayRequest, retryPause } from '../client/local-client.js';
import { LOCAL_API, localApiPath, type WaitResponse } from '../protocol/local-api.js';
import { describeEvents } from './format.js';
import { consumerFor, MAX_LISTED_EVENTS, relaySession, sessionKey, SILENT, type HookOptions, type HookResult } from './input.js';
import { acquireLock, isAlive } from './lock.js';
import { reportSession } from './relay.js';
import { recentWakes, recordWake, wakeDelay, wakeLogFile } from './wake-rate.js';

export interface IdleWakeOptions extends Omit<HookOptions, 'deadline'> {
  /** How often to check that Claude Code is alive and to look for a relay that is not running (ms). */
  checkIntervalMs?: number;
  /** One long-poll's length; the hook polls again after each (ms). */
  pollMs?: number;
  /** The wall clock of the wake bound (tests). */
  now?: () => number;
}

function parsePid(raw: string | undefined): number | undefined {
  if (!raw || !/^\d+$/.test(raw)) return undefined;
  const pid = Number(raw);
  return pid > 0 ? pid : undefined;
}

export function idleWakeLockFile(home: string, key: string): string {
  return join(home, 'hooks', `idle-wake-${key}.lock`);
}

export async function idleWakeHook(options: IdleWakeOptions): Promise<HookResult> {
  const { env, input, home } = options;
  if (env.CLAUDE_CODE_SESSION_ATTENDED === '0') return SILENT;
  // A Claude Code that does not set CLAUDE_CODE_SESSION_ATTENDED still names print mode / the SDK here.
  if (env.CLAUDE_CODE_SESSION_ATTENDED === undefined && env.CLAUDE_CODE_ENTRYPOINT?.startsWith('sdk')) return SILENT;
  const claudePid = parsePid(env.CLAUDE_PID);
  if (claudePid !== undefined && !isAlive(claudePid)) return SILENT;
  const checkMs = options.checkIntervalMs ?? 2000;
  const pollMs = options.pollMs ?? 55_000;
  const consumer = consumerFor(options, input);
  const session = relaySession(options, input);
  const now = options.now ?? Date.now;
  const wakeLog = wakeLogFile(home, sessionKey(input));

  const lock = acquireLock(idleWakeLockFile(home, sessionKey(input)), { pid: process.pid, claude_pid: claudePid });
  if (!lock) return SILENT;
  const gone = new AbortController();
  const parent = process.ppid;
  const watchdog = setInterval(() => {
    const orphaned = process.ppid !== parent;
    if ((claudePid !== undefined && !isAlive(claudePid)) || orphaned || !lock.held()) gone.abort();
  }, checkMs);
  // Claude Code ends a hook that outlives its timeout with a signal: step aside cleanly (lock released).
  const onSignal = () => gone.abort();
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);
  try {
    await reportSession(home, input.session_id, 'idle', input.cwd, 2000);
    while (!gone.signal.aborted) {
      const hold = wakeDelay(recentWakes(wakeLog, now()), now());
      if (hold > 0) {
        // Past the bound: the events wait (pending, not taken) and the wake after the pause lists them together.
        await retryPause(hold, gone.signal);
        continue;
      }
      let relay;
      try {
        relay = findRelay(home);
      } catch {
        await retryPause(checkMs, gone.signal);
        continue;
      }
      try {
        const path = localApiPath(LOCAL_API.wait, { consumer, ack: true, limit: MAX_LISTED_EVENTS, timeout_ms: pollMs, via: 'idle_wake', ...(session ? { session, idle: true } : {}) });
        const answer = await relayRequest<WaitResponse>(relay, path, { signal: gone.signal, timeoutMs: pollMs + 15_000 });
        if (answer.session_gone && !(answer.events?.length > 0)) return SILENT;
        if (answer.events?.length > 0) {
          recordWake(wakeLog, now());
          const n = answer.events.length;
          const stderr = describeEvents({
            intro:
              `Push Relay: ${n} new event${n === 1 ? '' : 's'} arrived from the push server while this session was idle (consumer "${answer.consumer}"). ` +
              'They are marked as seen. Tell the user what happened and act on them if they bear on the work; otherwise end your turn.',
            events: answer.events,
            more: answer.pending,
            mode: options.plugin ? 'plugin' : 'settings',
          });
          return { stderr, exitCode: 2 };
        }
      } catch {
        // relay restarting, hung or refusing: look again shortly
        await retryPause(checkMs, gone.signal);
      }
    }
    return SILENT;
  } finally {
    clearInterval(watchdog);
    for (const s of signals) process.off(s, onSignal);
    lock.release();
  }
}
