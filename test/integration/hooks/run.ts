// Runs `bin/push-relay`, and the hooks as `install claude-code` writes them (node + dist/push-relay-hook.cjs),
// the way Claude Code runs a hook: a fresh process, the hook JSON on stdin, env and cwd of our choosing. A
// process that never exits is killed and reported instead of hanging the suite.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { defaultLauncher } from '../../../relay/install/launcher.js';
import { BIN } from '../../helpers/cli.js';

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Spawned {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  done: Promise<Run>;
}

/** Env for child processes: this process's, minus what would leak a developer's setup into the tests. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (k.startsWith('CLAUDE') || k.startsWith('ANTHROPIC') || k.startsWith('PUSH_RELAY') || k === 'XDG_CONFIG_HOME') delete env[k];
  }
  return { ...env, ...extra };
}

interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
  killAfterMs?: number;
}

export function spawnCli(args: string[], options: SpawnOptions = {}): Spawned {
  return spawnCommand(process.execPath, [BIN, ...args], options);
}

function spawnCommand(command: string, args: string[], options: SpawnOptions): Spawned {
  const child = spawn(command, args, { env: cleanEnv(options.env), cwd: options.cwd, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdin.on('error', () => undefined);
  if (options.input !== undefined) child.stdin.end(options.input);
  const killer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 60_000);
  const done = new Promise<Run>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

export function runCli(args: string[], options: SpawnOptions = {}): Promise<Run> {
  return spawnCli(args, { input: '', ...options }).done;
}

export interface HookRun extends Run {
  /** stdout parsed as JSON when there is any. */
  json?: Record<string, unknown>;
}

/** The installed hook command (`node dist/push-relay-hook.cjs <name> --home <home> …`) with `input` as the hook JSON. */
export async function runHook(name: string, home: string, input: Record<string, unknown>, extra: { args?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<HookRun> {
  const { hookCommand, hookArgs } = defaultLauncher();
  // 15 s is far beyond the hook's own 1 s deadline: a kill here means the deadline did not work (signal SIGKILL).
  const run = await spawnCommand(hookCommand, [...hookArgs, name, '--home', home, ...(extra.args ?? [])], {
    input: JSON.stringify(input),
    env: extra.env,
    killAfterMs: 15_000,
  }).done;
  return { ...run, json: run.stdout.trim() ? (JSON.parse(run.stdout) as Record<string, unknown>) : undefined };
}
