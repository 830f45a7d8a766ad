// What every hook shares: the hook JSON on stdin, the consumer it reads for, the options-in/result-out shape
// and writing the answer. Only node:fs here: hooks start on every Claude Code turn, and every module file on
// their path costs start-up time (which is also why the few shared types live here and not in a file of their own).
import { writeSync } from 'node:fs';
import { sessionConsumer } from '../local/mcp/consumers.js';
import { SESSION_ID } from '../protocol/local-api.js';

/** The consumer the hooks and the stdio bridge share by default; equal to relay/inbox's DEFAULT_CONSUMER (a unit test checks). */
export const DEFAULT_CONSUMER = 'claude-code';

/** At most this many events are listed and acked per hook run; format.ts lays them out within ~4 KB. */
export const MAX_LISTED_EVENTS = 10;

/** The fields of Claude Code's hook input that the hooks use (the rest is ignored). */
export interface HookInput {
  session_id?: string;
  hook_event_name?: string;
  /** Stop: true when this stop follows a block by a Stop hook (or a rewake) in the same chain. */
  stop_hook_active?: boolean;
  /** SessionStart: startup | resume | clear | compact. */
  source?: string;
  cwd?: string;
}

export interface ConsumerOptions {
  consumer?: string;
  perSession?: boolean;
}

/** Consumer names on the local API: letters, digits and `_ . : @ -`, at most 100 (relay/local/routes.ts). */
const CONSUMER_CHARS = /[^\w.:@-]/g;

/**
 * The consumer a hook reads for: `--consumer NAME` (default `claude-code`); with `--per-session`, the
 * session's own consumer keyed by the hook's session_id (`session:<session_id>`, named as `push-relay mcp
 * --per-session` names it), which stays right across `/clear` where the environment's CLAUDE_CODE_SESSION_ID
 * goes stale. A per-session hook run without a session id falls back to the shared consumer.
 */
export function consumerFor(options: ConsumerOptions, input: HookInput): string {
  if (options.perSession && input.session_id) return sessionConsumer(input.session_id);
  return (options.consumer || DEFAULT_CONSUMER).replace(CONSUMER_CHARS, '_').slice(0, 100);
}


/**
 * The session id the hook passes to the relay, which then picks the consumers from the session mode and routes
 * in settings (relay/sessions/). Not with `--consumer` or `--per-session` on the command line: those name the
 * consumer themselves, as before.
 */
export function relaySession(options: ConsumerOptions, input: HookInput): string | undefined {
  if (options.consumer || options.perSession) return undefined;
  return input.session_id && SESSION_ID.test(input.session_id) ? input.session_id : undefined;
}

/** A file-name-safe key for per-session state (locks, stop chains). */
export function sessionKey(input: HookInput): string {
  return (input.session_id || 'no-session').replace(/[^\w.-]/g, '_').slice(0, 100);
}

/**
 * Reads the hook JSON from stdin. Claude Code writes it and closes stdin at once; a terminal (someone trying
 * the command by hand) or a stdin that never closes gives `{}` when the deadline comes. Bad JSON gives `{}`:
 * a hook never fails its agent over its own input.
 */
export function readHookInput(stdin: NodeJS.ReadStream = process.stdin, deadlineMs = 300): Promise<HookInput> {
  if (stdin.isTTY) return Promise.resolve({});
  return new Promise((resolve) => {
    let text = '';
    const finish = () => {
      clearTimeout(timer);
      stdin.off('data', onData);
      stdin.off('end', finish);
      stdin.off('error', finish);
      stdin.pause();
      stdin.unref?.();
      resolve(parseHookInput(text));
    };
    const onData = (chunk: string) => {
      text += chunk;
      if (text.length > 1_000_000) finish();
    };
    const timer = setTimeout(finish, Math.max(0, deadlineMs));
    stdin.setEncoding('utf8');
    stdin.on('data', onData);
    stdin.once('end', finish);
    stdin.once('error', finish);
  });
}

export function parseHookInput(text: string): HookInput {
  try {
    const value = JSON.parse(text) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
    const v = value as Record<string, unknown>;
    return {
      session_id: typeof v.session_id === 'string' ? v.session_id : undefined,
      hook_event_name: typeof v.hook_event_name === 'string' ? v.hook_event_name : undefined,
      stop_hook_active: v.stop_hook_active === true,
      source: typeof v.source === 'string' ? v.source : undefined,
      cwd: typeof v.cwd === 'string' ? v.cwd : undefined,
    };
  } catch {
    return {};
  }
}

/** Writes synchronously (a pipe to Claude Code must hold the whole answer before the process exits). */
export function writeOut(fd: 1 | 2, text: string): void {
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      throw err;
    }
  }
}

export interface HookOptions {
  /** The relay's home dir (relay.json, local-token; hook state under <home>/hooks/). */
  home: string;
  /** `--consumer NAME` (default `claude-code`). */
  consumer?: string;
  /** `--per-session`: key the consumer by the hook's session_id. */
  perSession?: boolean;
  /** `--plugin`: installed as the Claude Code plugin, whose MCP tools are named `mcp__plugin_push-relay_push-relay__…`. */
  plugin?: boolean;
  input: HookInput;
  /** `performance.now()` value by which the hook must have answered (short hooks: well under 1 s). */
  deadline: number;
  env: NodeJS.ProcessEnv;
}

export interface HookResult {
  stdout?: string;
  stderr?: string;
  exitCode: number;
}

export const SILENT: HookResult = { exitCode: 0 };

/** Milliseconds left before `deadline`, minus a margin for printing and exiting. */
export function timeLeft(deadline: number, marginMs = 60): number {
  return Math.floor(deadline - performance.now() - marginMs);
}
