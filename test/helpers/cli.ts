// Spawns `bin/push-relay` (the compiled CLI, as a user runs it) and waits for its `listening <url>` line.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/push-relay', import.meta.url));
/** The hook bundle the installed hooks run (scripts/build-hook-bundle.mjs). */
export const HOOK_BUNDLE = fileURLToPath(new URL('../../dist/push-relay-hook.cjs', import.meta.url));

export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  stdout: string[];
  stderr(): string;
  /** Resolves with the first stdout line starting with `prefix ` (its remainder). */
  line(prefix: string, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: 'pipe' });
  const stdout: string[] = [];
  let stderr = '';
  let partial = '';
  const listeners = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    stdout.push(...lines);
    for (const l of listeners) l();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      for (const l of listeners) l();
      resolve({ code, signal });
    }),
  );
  return {
    child,
    stdout,
    stderr: () => stderr,
    exited,
    line(prefix, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = stdout.find((l) => l.startsWith(`${prefix} `));
          if (found !== undefined) {
            done();
            resolve(found.slice(prefix.length + 1));
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(new Error(`push-relay exited (${child.exitCode ?? child.signalCode}) before printing "${prefix}": ${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no "${prefix}" line within ${timeoutMs} ms; stderr: ${stderr}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the CLI to completion. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}, input?: string) {
  const p = startCli(args, env);
  if (input !== undefined) p.child.stdin.end(input);
  else p.child.stdin.end();
  const { code } = await p.exited;
  return { code, stdout: p.stdout.join('\n'), stderr: p.stderr() };
}
