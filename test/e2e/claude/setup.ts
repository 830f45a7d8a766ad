// The real `claude` CLI in a temp HOME, wired the way a user gets it: `push-relay install claude-code` writes
// the hooks and MCP server into that HOME, a relay runs on that HOME's default relay home
// (~/.config/push-relay, so nothing points the hooks at it but the defaults), and the model is a scripted
// Messages API server on loopback (ANTHROPIC_BASE_URL).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import xterm from '@xterm/headless';
import { startModelServer, type ModelServer, type ModelServerOptions } from '../../helpers/model-server.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';
import { startRelayHarness, type RelayHarness } from '../../integration/hooks/harness.js';
import { cleanEnv, runCli } from '../../integration/hooks/run.js';

export const CLAUDE_BIN = fileURLToPath(new URL('../../../node_modules/.bin/claude', import.meta.url));
export const API_KEY = 'test-key';

export interface HookLogLine {
  hook: string;
  session_id?: string;
  hook_event_name?: string;
  stop_hook_active?: boolean;
  source?: string;
  exit: number;
  stdout_bytes: number;
  stderr_bytes: number;
  ms: number;
}

export interface ClaudeRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface ClaudeSetup {
  home: TempDir;
  project: string;
  /** The relay's home: the default one for this HOME. */
  relayHome: string;
  relay?: RelayHarness;
  /** The hook runs so far (PUSH_RELAY_HOOK_LOG). */
  hookLog(): HookLogLine[];
  env(model: ModelServer, extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** `claude -p <prompt> [args]` in the project dir; resolves when it exits (killed after `killAfterMs`). */
  print(model: ModelServer, prompt: string, args?: string[], killAfterMs?: number): Promise<ClaudeRun>;
  /** An interactive `claude` under a pseudo-terminal (util-linux `script`), in `cwd` (default: the project). */
  interactive(model: ModelServer, args?: string[], cwd?: string): InteractiveClaude;
  close(): Promise<void>;
}

export interface InteractiveClaude {
  child: ChildProcess;
  /** The terminal's content so far (scrollback and screen), as a terminal emulator renders the output. */
  screen(): string;
  type(text: string): void;
  stop(): Promise<void>;
}

export interface SetupOptions {
  relay?: boolean;
  /** The relay's `sessions` settings (mode, routes), written before it starts; a function gets the project dirs by name. */
  sessions?: unknown;
  /** More project dirs (under the temp HOME, trusted like the main one), for sessions in other projects. */
  projects?: string[];
}

export async function setupClaude(options: SetupOptions = {}): Promise<ClaudeSetup> {
  const home = await tempDir('claude-e2e-home-');
  const project = join(home.path, 'project');
  mkdirSync(project);
  const others = (options.projects ?? []).map((name) => join(home.path, name));
  for (const dir of others) mkdirSync(dir);
  const relayHome = join(home.path, '.config', 'push-relay');
  const hookLogPath = join(home.path, 'hook-log.jsonl');
  // What an onboarded user's ~/.claude.json holds, so interactive claude starts without dialogs: onboarding
  // done, the API key approved (its last 20 characters), the project trusted.
  writeFileSync(
    join(home.path, '.claude.json'),
    JSON.stringify({
      hasCompletedOnboarding: true,
      customApiKeyResponses: { approved: [API_KEY.slice(-20)], rejected: [] },
      projects: Object.fromEntries([project, ...others].map((dir) => [dir, { hasTrustDialogAccepted: true, allowedTools: [] }])),
    }),
  );
  const install = await runCli(['install', 'claude-code'], { env: { HOME: home.path } });
  if (install.code !== 0) throw new Error(`push-relay install claude-code failed: ${install.stderr}`);
  if (options.sessions !== undefined) {
    mkdirSync(relayHome, { recursive: true, mode: 0o700 });
    const dirs = Object.fromEntries((options.projects ?? []).map((name, i) => [name, others[i]!]));
    const sessions = typeof options.sessions === 'function' ? (options.sessions as (d: Record<string, string>) => unknown)(dirs) : options.sessions;
    writeFileSync(join(relayHome, 'settings.json'), JSON.stringify({ sessions }), { mode: 0o600 });
  }
  const relay = options.relay === false ? undefined : await startRelayHarness({ homePath: relayHome });
  // Interactive sessions run in their own process group; close() ends any a failed or timed-out test left.
  const sessions: InteractiveClaude[] = [];

  const env = (model: ModelServer, extra: NodeJS.ProcessEnv = {}) =>
    cleanEnv({
      HOME: home.path,
      ANTHROPIC_BASE_URL: model.url,
      ANTHROPIC_API_KEY: API_KEY,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      TERM: 'xterm-256color',
      PUSH_RELAY_HOOK_LOG: hookLogPath,
      ...extra,
    });

  return {
    home,
    project,
    relayHome,
    relay,
    hookLog() {
      try {
        return readFileSync(hookLogPath, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as HookLogLine);
      } catch {
        return [];
      }
    },
    env,
    print(model, prompt, args = [], killAfterMs = 120_000) {
      const started = Date.now();
      const child = spawn(CLAUDE_BIN, ['-p', prompt, ...args], { cwd: project, env: env(model), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      return new Promise((resolve) =>
        child.on('close', (code, signal) => {
          clearTimeout(killer);
          resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
        }),
      );
    },
    interactive(model, args = [], cwd = project) {
      const quoted = [CLAUDE_BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
      // `script` gives claude a pseudo-terminal; detached so the whole group (script, claude, its hooks) can be ended.
      const child = spawn('script', ['-qfec', `stty cols 120 rows 40; exec ${quoted}`, '/dev/null'], {
        cwd,
        env: env(model),
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
      });
      // The screen as a terminal shows it: Claude Code's TUI redraws by moving the cursor and rewriting only what
      // changed, so its raw output with escapes stripped can lose or split words (seen: a bullet drawn over the
      // first letter of an answer). A headless terminal emulator of the pty's size applies the moves.
      const terminal = new xterm.Terminal({ cols: 120, rows: 40, scrollback: 10_000, allowProposedApi: true });
      const feed = (c: string) => terminal.write(c);
      child.stdout!.setEncoding('utf8').on('data', feed);
      child.stderr!.setEncoding('utf8').on('data', feed);
      const screen = () => {
        const buffer = terminal.buffer.active;
        const lines: string[] = [];
        for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
        return lines.join('\n');
      };
      const session: InteractiveClaude = {
        child,
        screen,
        type: (text) => void child.stdin!.write(text),
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise((r) => child.once('exit', r));
          try {
            process.kill(-child.pid!, 'SIGTERM');
          } catch {
            // already gone
          }
          const timer = setTimeout(() => {
            try {
              process.kill(-child.pid!, 'SIGKILL');
            } catch {
              // already gone
            }
          }, 5000);
          await exited;
          clearTimeout(timer);
        },
      };
      sessions.push(session);
      return session;
    },
    async close() {
      await Promise.all(sessions.map((s) => s.stop()));
      await relay?.close();
      await home.cleanup();
    },
  };
}

export async function withModel<T>(options: ModelServerOptions, fn: (model: ModelServer) => Promise<T>): Promise<T> {
  const model = await startModelServer(options);
  try {
    return await fn(model);
  } finally {
    await model.close();
  }
}
