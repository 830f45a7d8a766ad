// `push-relay install|uninstall claude-code`: merge the hooks and the MCP server of spec.ts into Claude
// Code's files, or take them out again.
//   user scope:    hooks in ~/.claude/settings.json, `mcpServers` in ~/.claude.json
//                  (both under $CLAUDE_CONFIG_DIR when it is set, as Claude Code does)
//   project scope: hooks in ./.claude/settings.json, `mcpServers` in ./.mcp.json
// Idempotent (a second install finds nothing to change and writes nothing), everything else in the files is
// kept as it was, ours are recognized by their command line running push-relay, and a changed file gets a
// timestamped backup first. Planning is pure; `applyPlan` does the writing.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { unifiedDiff } from './diff.js';
import { backupFile, isPlainObject, readJsonDoc, serialize, writeFileAtomic, type JsonObject } from './json-file.js';
import {
  hooksConfig,
  isOwnHook,
  isOwnMcpServer,
  MCP_SERVER_NAME,
  mcpServerEntry,
  type HookEntry,
  type HooksConfig,
  type InstallFlags,
  type Launcher,
} from './spec.js';
import { RelayError } from '../util/errors.js';

export type Scope = 'user' | 'project';

/** The Claude Code settings cannot take the entries as they are; the message says what to fix. */
export class InstallConflictError extends RelayError {
  declare readonly code: 'install_conflict';

  constructor(message: string) {
    super('config', 'install_conflict', message);
  }
}

export interface Targets {
  /** Claude Code settings file that gets the hooks. */
  settings: string;
  /** File whose top-level `mcpServers` gets the MCP server. */
  mcp: string;
}

export interface Places {
  /** The user's home dir (default: os.homedir()). */
  home?: string;
  /** The project dir for project scope (default: process.cwd()). */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export function targetsFor(scope: Scope, places: Places = {}): Targets {
  if (scope === 'project') {
    const cwd = resolve(places.cwd ?? process.cwd());
    return { settings: join(cwd, '.claude', 'settings.json'), mcp: join(cwd, '.mcp.json') };
  }
  const env = places.env ?? process.env;
  const home = places.home ?? homedir();
  const configDir = env.CLAUDE_CONFIG_DIR?.trim();
  return {
    settings: join(configDir || join(home, '.claude'), 'settings.json'),
    mcp: join(configDir || home, '.claude.json'),
  };
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function groupsOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function ownEntriesOf(groups: unknown[]): unknown[] {
  return groups.flatMap((g) => (isPlainObject(g) ? groupsOf(g.hooks).filter(isOwnHook) : []));
}

/**
 * Settings with our hooks set to `desired` (empty: removed). Events whose own entries already equal the
 * desired ones are left exactly as they are, wherever the entries sit; otherwise ours are taken out (groups
 * left empty by that are dropped) and one group `{matcher: "", hooks: [...]}` is appended.
 */
export function withHooks(settings: JsonObject, desired: HooksConfig): JsonObject {
  if (settings.hooks !== undefined && !isPlainObject(settings.hooks)) {
    throw new InstallConflictError('the settings file has a "hooks" value that is not an object; fix it, then run this again (nothing was changed)');
  }
  const before = isPlainObject(settings.hooks) ? settings.hooks : undefined;
  const hooks: JsonObject = { ...(before ?? {}) };
  const events = new Set([...Object.keys(hooks), ...Object.keys(desired)]);
  for (const event of events) {
    const groups = groupsOf(hooks[event]);
    const want: HookEntry[] = desired[event as keyof HooksConfig]?.flatMap((g) => g.hooks) ?? [];
    const own = ownEntriesOf(groups);
    if (sameJson(own, want)) continue;
    const kept = groups.flatMap((g) => {
      if (!isPlainObject(g) || !Array.isArray(g.hooks)) return [g];
      const rest = g.hooks.filter((h) => !isOwnHook(h));
      if (rest.length === g.hooks.length) return [g];
      return rest.length > 0 ? [{ ...g, hooks: rest }] : [];
    });
    if (want.length > 0) kept.push({ matcher: '', hooks: want });
    if (kept.length > 0) hooks[event] = kept;
    else delete hooks[event];
  }
  const out: JsonObject = { ...settings };
  if (Object.keys(hooks).length > 0) out.hooks = hooks;
  else if (before !== undefined && Object.keys(before).length > 0) delete out.hooks; // emptied by taking ours out
  return out;
}

/** A config with our MCP server set (or removed with `entry` undefined). Refuses to replace someone else's `push-relay`. */
export function withMcpServer(doc: JsonObject, entry: object | undefined): JsonObject {
  const servers = isPlainObject(doc.mcpServers) ? doc.mcpServers : undefined;
  const current = servers?.[MCP_SERVER_NAME];
  if (current !== undefined && !isOwnMcpServer(current)) {
    if (entry === undefined) return doc; // not ours: uninstall leaves it alone
    throw new InstallConflictError(
      `an MCP server named "${MCP_SERVER_NAME}" that does not run push-relay is already configured; rename or remove it, then run install again`,
    );
  }
  if (entry === undefined) {
    if (current === undefined) return doc;
    const rest = { ...servers };
    delete rest[MCP_SERVER_NAME];
    const out: JsonObject = { ...doc, mcpServers: rest };
    if (Object.keys(rest).length === 0) delete out.mcpServers;
    return out;
  }
  if (sameJson(current, entry)) return doc;
  return { ...doc, mcpServers: { ...(servers ?? {}), [MCP_SERVER_NAME]: entry } };
}

export interface FileChange {
  path: string;
  before: string;
  after: string;
  existed: boolean;
  /** What changes in words, for the summary line. */
  what: string;
}

export interface Plan {
  scope: Scope;
  targets: Targets;
  /** Only files whose content changes. */
  changes: FileChange[];
  unchanged: string[];
}

export interface PlanOptions extends Places {
  scope: Scope;
  launcher: Launcher;
  flags?: InstallFlags;
}

function change(path: string, what: string, edit: (doc: JsonObject) => JsonObject, plan: Plan): void {
  const doc = readJsonDoc(path);
  const next = edit(doc.value);
  if (sameJson(next, doc.value) && (doc.exists || Object.keys(next).length === 0)) {
    plan.unchanged.push(path);
    return;
  }
  plan.changes.push({ path, before: doc.text, after: serialize(next, doc.indent), existed: doc.exists, what });
}

export function planInstall(options: PlanOptions): Plan {
  const targets = targetsFor(options.scope, options);
  const plan: Plan = { scope: options.scope, targets, changes: [], unchanged: [] };
  const hooks = hooksConfig(options.launcher, options.flags);
  const server = mcpServerEntry(options.launcher, options.flags);
  // Both files are planned before anything is written, so a conflict in the second changes nothing.
  change(targets.settings, 'hooks Stop, SessionStart, UserPromptSubmit, SessionEnd (push-relay hook …)', (s) => withHooks(s, hooks), plan);
  change(targets.mcp, `MCP server "${MCP_SERVER_NAME}" (push-relay mcp, alwaysLoad)`, (d) => withMcpServer(d, server), plan);
  return plan;
}

export function planUninstall(options: Omit<PlanOptions, 'launcher' | 'flags'>): Plan {
  const targets = targetsFor(options.scope, options);
  const plan: Plan = { scope: options.scope, targets, changes: [], unchanged: [] };
  change(targets.settings, 'push-relay hooks removed', (s) => withHooks(s, {}), plan);
  change(targets.mcp, `MCP server "${MCP_SERVER_NAME}" removed`, (d) => withMcpServer(d, undefined), plan);
  return plan;
}

export function planDiff(plan: Plan, verb: string): string {
  return plan.changes.map((c) => unifiedDiff(c.before, c.after, c.existed ? c.path : '/dev/null', `${c.path} (after ${verb})`)).join('');
}

export interface Applied {
  path: string;
  backup?: string;
  what: string;
}

/** Writes the planned changes: a backup of each existing file first, then an atomic replace. */
export function applyPlan(plan: Plan, now = new Date()): Applied[] {
  return plan.changes.map((c) => {
    const backup = c.existed ? backupFile(c.path, now) : undefined;
    writeFileAtomic(c.path, c.after, c.path.endsWith('.claude.json') ? 0o600 : 0o644);
    return { path: c.path, backup, what: c.what };
  });
}
