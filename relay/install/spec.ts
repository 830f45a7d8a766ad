// The one list of what Push Relay adds to Claude Code: the hooks and the MCP server. The installer
// (`push-relay install claude-code`) merges it into settings files; the build turns it into the plugin
// (dist/claude-plugin). Neither keeps its own copy.

/** The MCP server's name in Claude Code: its tools appear as `mcp__push-relay__<tool>` (installed into settings). */
export const MCP_SERVER_NAME = 'push-relay';

/** The plugin's name (plugin.ts); Claude Code names a plugin's MCP tools `mcp__plugin_<plugin>_<server>__<tool>`. */
export const PLUGIN_NAME = 'push-relay';

/** How the integration was installed: `install claude-code` (settings files) or the Claude Code plugin. */
export type InstallMode = 'settings' | 'plugin';

/**
 * The name Claude Code gives one of our MCP tools, which depends on how it was installed: the hooks' text and
 * `--allowedTools` must use the one that exists. Pure and import-free: the hook bundle loads it.
 */
export function mcpToolName(tool: string, mode: InstallMode = 'settings'): string {
  return mode === 'plugin' ? `mcp__plugin_${PLUGIN_NAME}_${MCP_SERVER_NAME}__${tool}` : `mcp__${MCP_SERVER_NAME}__${tool}`;
}

/** Hooks and MCP entries are ours when their command line runs push-relay (how uninstall finds them). */
const OWN_MARKER = 'push-relay';

export type HookEventName = 'Stop' | 'SessionStart' | 'UserPromptSubmit' | 'SessionEnd';
export type HookCommand = 'stop' | 'session-start' | 'prompt-submit' | 'session-end' | 'idle-wake';

export interface HookSpec {
  event: HookEventName;
  command: HookCommand;
  /** Seconds Claude Code lets the hook run. */
  timeout: number;
  asyncRewake?: boolean;
  rewakeMessage?: string;
  rewakeSummary?: string;
}

/** Claude Code kills a hook after its timeout; idle-wake may wait for an event for a whole day. */
const IDLE_WAKE_TIMEOUT_S = 86_400;

const IDLE_WAKE = {
  command: 'idle-wake',
  timeout: IDLE_WAKE_TIMEOUT_S,
  asyncRewake: true,
  rewakeMessage: 'Push Relay woke this idle session with new events from the push server:',
  rewakeSummary: 'Push Relay: new events',
} as const;

/**
 * In Claude Code's order of use. The short hooks answer within 1 s whatever happens (they fail open); their
 * timeout is only a backstop.
 */
export const HOOKS: readonly HookSpec[] = [
  { event: 'SessionStart', command: 'session-start', timeout: 10 },
  { event: 'SessionStart', ...IDLE_WAKE },
  { event: 'UserPromptSubmit', command: 'prompt-submit', timeout: 10 },
  { event: 'Stop', command: 'stop', timeout: 10 },
  { event: 'Stop', ...IDLE_WAKE },
  // The relay marks the session gone: its idle waiter stops and `push-relay sessions` says so.
  { event: 'SessionEnd', command: 'session-end', timeout: 10 },
];

/** The hook entry as Claude Code's settings and a plugin's hooks.json spell it. */
export interface HookEntry {
  type: 'command';
  command: string;
  timeout: number;
  asyncRewake?: boolean;
  rewakeMessage?: string;
  rewakeSummary?: string;
}

export interface HookGroup {
  matcher: string;
  hooks: HookEntry[];
}

export type HooksConfig = Partial<Record<HookEventName, HookGroup[]>>;

export interface McpServerEntry {
  type: 'stdio';
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Without it Claude Code hides the tools behind its tool search, and the model does not see wait_for_event. */
  alwaysLoad: true;
}

/** How to run push-relay: the command line of each hook and of the MCP server. */
export interface Launcher {
  /** A shell command line that runs push-relay (absolute node + absolute bin/push-relay, quoted). */
  shellPrefix: string;
  /** The same as an executable and its leading arguments (for the MCP server's command/args). */
  command: string;
  args: string[];
  /**
   * How the hooks run, as an executable and its leading arguments: absolute node + the hook bundle
   * (dist/push-relay-hook.cjs, one CommonJS file: no ESM loader, no module resolution; see
   * scripts/build-hook-bundle.mjs). It takes what follows `push-relay hook`: `stop [--home DIR] …`.
   */
  hookCommand: string;
  hookArgs: string[];
}

export interface InstallFlags {
  /** Passed to every hook and to the MCP server. */
  home?: string;
  consumer?: string;
  /** One consumer per Claude Code session (hooks: by the hook's session_id; MCP server: by CLAUDE_CODE_SESSION_ID). */
  perSession?: boolean;
  /**
   * `--session-mode`: the relay's settings pick the hooks' consumers; the MCP server, which cannot pass the
   * session, reads the session's own consumer (`--per-session`) in per-session mode.
   */
  sessionMode?: 'shared' | 'per-session';
}

/** Hooks only: they name the MCP tools in their text, and a plugin's tools are named differently. */
export interface HookFlags extends InstallFlags {
  /** The hooks ship in the plugin (its hooks.json): `--plugin`. */
  plugin?: boolean;
}

export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function flagArgs(flags: InstallFlags): string[] {
  const out: string[] = [];
  if (flags.home) out.push('--home', flags.home);
  if (flags.consumer) out.push('--consumer', flags.consumer);
  if (flags.perSession) out.push('--per-session');
  return out;
}

/** The hook's command line as an argv: what hookEntry quotes into Claude Code's `command` (the bench spawns it as is). */
export function hookArgv(spec: HookSpec, launcher: Launcher, flags: HookFlags = {}): string[] {
  return [launcher.hookCommand, ...launcher.hookArgs, spec.command, ...flagArgs(flags), ...(flags.plugin ? ['--plugin'] : [])];
}

export function hookEntry(spec: HookSpec, launcher: Launcher, flags: HookFlags = {}): HookEntry {
  return {
    type: 'command',
    command: hookArgv(spec, launcher, flags).map(shellQuote).join(' '),
    timeout: spec.timeout,
    ...(spec.asyncRewake ? { asyncRewake: true } : {}),
    ...(spec.rewakeMessage ? { rewakeMessage: spec.rewakeMessage } : {}),
    ...(spec.rewakeSummary ? { rewakeSummary: spec.rewakeSummary } : {}),
  };
}

/** The hooks grouped by event, one group (matcher "") per event, in HOOKS order. */
export function hooksConfig(launcher: Launcher, flags: HookFlags = {}): HooksConfig {
  const config: HooksConfig = {};
  for (const spec of HOOKS) {
    const groups = (config[spec.event] ??= [{ matcher: '', hooks: [] }]);
    groups[0]!.hooks.push(hookEntry(spec, launcher, flags));
  }
  return config;
}

export function mcpServerEntry(launcher: Launcher, flags: InstallFlags = {}): McpServerEntry {
  const perSession = flags.sessionMode === 'per-session' && !flags.perSession ? ['--per-session'] : [];
  return { type: 'stdio', command: launcher.command, args: [...launcher.args, 'mcp', ...flagArgs(flags), ...perSession], env: {}, alwaysLoad: true };
}

/**
 * True for a hook entry that push-relay's installer wrote (any version, any paths): `…/push-relay-hook.cjs stop`
 * (the bundle, quoted or not) or, from older installs, `…/bin/push-relay hook stop`.
 */
export function isOwnHook(entry: unknown): boolean {
  if (!entry || typeof entry !== 'object') return false;
  const command = (entry as { command?: unknown }).command;
  return (
    typeof command === 'string' &&
    command.includes(OWN_MARKER) &&
    /(?:\bhook|push-relay-hook\.cjs'?) (stop|session-start|prompt-submit|session-end|idle-wake)\b/.test(command)
  );
}

/** True for an MCP server entry that runs push-relay. */
export function isOwnMcpServer(entry: unknown): boolean {
  if (!entry || typeof entry !== 'object') return false;
  const e = entry as { command?: unknown; args?: unknown };
  const parts = [e.command, ...(Array.isArray(e.args) ? e.args : [])].filter((p): p is string => typeof p === 'string');
  return parts.some((p) => p.includes(OWN_MARKER));
}
