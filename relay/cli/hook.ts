// `push-relay hook stop|session-start|prompt-submit|session-end|idle-wake [--consumer NAME] [--per-session] [--home DIR] [--plugin]`:
// Claude Code hook entry points. They run on every turn, so this file and everything it imports stay light
// (node:fs, node:http, node:path, node:os; no zod, no MCP SDK, no conf), and they fail open: no relay, a hung
// relay or a bad flag never blocks the agent. Stop, session-start and prompt-submit answer within 1 s of
// process start whatever happens; exit code 2 is never used for a mistake (Claude Code reads 2 on Stop as
// "block"). Claude Code runs them from one bundled CommonJS file (hook-main.ts → dist/push-relay-hook.cjs).
import { appendFileSync } from 'node:fs';
import { resolveHome } from '../config/home.js';
import { readHookInput, writeOut, type HookInput, type HookOptions, type HookResult } from '../hooks/input.js';

import { CliError, HelpRequest, wantsHelp } from './errors.js';
import { didYouMean } from './suggest.js';

/** Short hooks answer by this many ms after process start (node's own start-up included). */
const HARD_DEADLINE_MS = 950;
/** Their relay call must be done by then, leaving time to print and exit. */
const ANSWER_BY_MS = 880;

const HOOKS = ['stop', 'session-start', 'prompt-submit', 'session-end', 'idle-wake'] as const;
type HookName = (typeof HOOKS)[number];

const USAGE = 'push-relay hook stop|session-start|prompt-submit|session-end|idle-wake [--consumer NAME] [--per-session] [--home DIR] [--plugin]';

interface HookArgs {
  name: HookName;
  consumer?: string;
  perSession: boolean;
  /** Installed as the Claude Code plugin (its hooks.json passes it): the tools' names differ. */
  plugin: boolean;
  home?: string;
}

function parseHookArgs(argv: string[]): HookArgs {
  if (wantsHelp(argv)) throw new HelpRequest(USAGE);
  const [name, ...rest] = argv;
  if (!HOOKS.includes(name as HookName)) throw new CliError(`unknown hook "${name ?? ''}"${name ? didYouMean(name, HOOKS) : ''}\nusage: ${USAGE}`, 'usage');
  const args: HookArgs = { name: name as HookName, perSession: false, plugin: false };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? rest[++i];
      if (v === undefined || v === '') throw new CliError(`${flag} needs a value\nusage: ${USAGE}`, 'usage');
      return v;
    };
    if (flag === '--consumer') args.consumer = value();
    else if (flag === '--home') args.home = value();
    else if (flag === '--per-session') args.perSession = true;
    else if (flag === '--plugin') args.plugin = true;
    else {
      const hint = didYouMean(flag.replace(/^-+/, ''), ['consumer', 'home', 'per-session', 'plugin'], (o) => `--${o}`);
      throw new CliError(`unknown option "${arg}" for hook ${name}${hint}\nusage: ${USAGE}`, 'usage');
    }
  }
  return args;
}

/** `PUSH_RELAY_HOOK_LOG=<file>` appends one JSON line per hook run: what Claude Code sent and what was answered. */
function debugLog(file: string | undefined, name: HookName, input: HookInput, result: HookResult): void {
  if (!file) return;
  try {
    const line = {
      at: new Date().toISOString(),
      hook: name,
      pid: process.pid,
      session_id: input.session_id,
      hook_event_name: input.hook_event_name,
      stop_hook_active: input.stop_hook_active,
      source: input.source,
      exit: result.exitCode,
      stdout_bytes: result.stdout ? Buffer.byteLength(result.stdout) : 0,
      stderr_bytes: result.stderr ? Buffer.byteLength(result.stderr) : 0,
      ms: Math.round(performance.now()),
    };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  } catch {
    // a debugging aid never fails the hook
  }
}

export async function run(argv: string[]): Promise<void> {
  const args = parseHookArgs(argv);
  const env = process.env;
  const short = args.name !== 'idle-wake';
  if (short) {
    // The hard deadline: whatever hangs (stdin, the relay, the disk), answer nothing and let Claude go on.
    setTimeout(() => process.exit(0), Math.max(0, HARD_DEADLINE_MS - performance.now())).unref();
  }
  const input = await readHookInput(process.stdin, short ? Math.max(100, 400 - performance.now()) : 2000);
  const options: HookOptions = {
    home: resolveHome(args.home),
    consumer: args.consumer,
    perSession: args.perSession,
    plugin: args.plugin,
    input,
    deadline: ANSWER_BY_MS,
    env,
  };
  // Each hook loads only its own module: every file costs start-up time on every turn.
  let result: HookResult;
  switch (args.name) {
    case 'stop':
      result = await (await import('../hooks/stop.js')).stopHook(options);
      break;
    case 'session-start':
      result = await (await import('../hooks/context.js')).contextHook(options, 'SessionStart');
      break;
    case 'prompt-submit':
      result = await (await import('../hooks/context.js')).contextHook(options, 'UserPromptSubmit');
      break;
    case 'session-end':
      result = await (await import('../hooks/session-end.js')).sessionEndHook(options);
      break;
    case 'idle-wake':
      result = await (await import('../hooks/idle-wake.js')).idleWakeHook(options);
      break;
  }
  if (result.stdout) writeOut(1, `${result.stdout}\n`);
  if (result.stderr) writeOut(2, `${result.stderr}\n`);
  debugLog(env.PUSH_RELAY_HOOK_LOG, args.name, input, result);
  process.exitCode = result.exitCode;
}
