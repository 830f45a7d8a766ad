// `push-relay install claude-code [--scope user|project] [--dry-run] [--home DIR] [--consumer NAME] [--per-session] [--session-mode shared|per-session]`:
// adds the push-relay MCP server and hooks to Claude Code (relay/install/claude-code.ts says where and how).
import { existsSync } from 'node:fs';
import { planDiff, planInstall, applyPlan, type Scope } from '../install/claude-code.js';
import { defaultLauncher } from '../install/launcher.js';
import { applySessionMode, parseSessionMode } from '../install/session-mode.js';
import { resolveHome } from '../config/home.js';
import { shellQuote } from '../install/spec.js';
import { parse } from './args.js';
import { CliError, UsageError } from './errors.js';

const USAGE = 'push-relay install claude-code [--scope user|project] [--dry-run] [--home DIR] [--consumer NAME | --per-session] [--session-mode shared|per-session]';

export function parseScope(raw: string | undefined): Scope {
  if (raw === undefined || raw === 'user') return 'user';
  if (raw === 'project') return 'project';
  throw new UsageError(`--scope must be user or project, got "${raw}"`);
}

export function checkTarget(positionals: string[], usage: string): void {
  if (positionals.length !== 1 || positionals[0] !== 'claude-code') {
    throw new UsageError(`${positionals.length === 0 ? 'say what to set up' : `cannot set up "${positionals.join(' ')}"`}; only claude-code is supported\nusage: ${usage}`);
  }
}

export async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parse(
    argv,
    { scope: { type: 'string' }, 'dry-run': { type: 'boolean' }, home: { type: 'string' }, consumer: { type: 'string' }, 'per-session': { type: 'boolean' }, 'session-mode': { type: 'string' } },
    USAGE,
  );
  checkTarget(positionals, USAGE);
  const scope = parseScope(values.scope);
  if (values.consumer !== undefined && values['per-session']) throw new UsageError(`--consumer and --per-session exclude each other\nusage: ${USAGE}`);
  const sessionMode = parseSessionMode(values['session-mode']);
  if (sessionMode && (values.consumer !== undefined || values['per-session'])) {
    throw new UsageError(`--session-mode leaves the consumer to the relay; it excludes --consumer and --per-session\nusage: ${USAGE}`);
  }
  // Written to the relay's settings (once for every session), before Claude Code's files: a refusal there changes nothing.
  const modeLine = sessionMode ? applySessionMode(resolveHome(values.home), sessionMode, values['dry-run'] === true) : '';
  const launcher = defaultLauncher();
  // The hooks run the bundle directly (no bin/push-relay in between): without it, every turn would show a hook error.
  const missing = launcher.hookArgs.find((file) => !existsSync(file));
  if (missing) throw new CliError(`${missing} is missing; run \`npm run build\` in this checkout first`, 'not_built');
  // A file Push Relay refuses to touch is a typed error: one line (exitWhenDone).
  const plan = planInstall({ scope, launcher, flags: { home: values.home, consumer: values.consumer, perSession: values['per-session'], sessionMode } });
  process.stdout.write(modeLine);
  if (values['dry-run']) {
    if (plan.changes.length === 0) process.stdout.write(`push-relay is already installed for Claude Code (${scope} scope); nothing would change\n`);
    else process.stdout.write(planDiff(plan, 'install'));
    return;
  }
  if (plan.changes.length === 0) {
    process.stdout.write(`push-relay is already installed for Claude Code (${scope} scope): ${plan.targets.settings}, ${plan.targets.mcp} unchanged\n`);
    return;
  }
  for (const applied of applyPlan(plan)) {
    process.stdout.write(`updated ${applied.path}: ${applied.what}${applied.backup ? ` (backup: ${applied.backup})` : ''}\n`);
  }
  for (const path of plan.unchanged) process.stdout.write(`unchanged ${path}\n`);
  process.stdout.write(
    `Runs ${[launcher.hookCommand, ...launcher.hookArgs].map(shellQuote).join(' ')} (hooks) and ${launcher.shellPrefix} (MCP server). Start the relay (push-relay daemon, or the tray app) and restart open Claude Code sessions to load the hooks` +
      `${scope === 'project' ? '; Claude Code asks once to approve the project MCP server from .mcp.json' : ''}.\n`,
  );
}
