// `push-relay upstream …`: standard MCP servers as event sources (DESIGN.md "Upstreams", "CLI"). Every change
// goes through the one settings write path (openSettings().update), which validates the whole list with the one
// schema; a running relay follows settings.json and applies the change live (relay/core/mcp-upstreams.ts).
// `allowPush` is set only by `--allow-push`: never implied, not even by an import.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { findRelay, relayRequest } from '../client/local-client.js';
import { resolveHome } from '../config/home.js';
import { openSettings, type SettingsStore } from '../config/settings.js';
import { UpstreamEntrySchema, UpstreamNameSchema, type UpstreamEntry } from '../config/upstreams.js';
import { LOCAL_API, type McpUpstreamStatus, type RelayStatus } from '../protocol/local-api.js';
import { neutralizeText } from '../protocol/untrusted-text.js';
import { parse } from './args.js';
import { CliError, UsageError } from './errors.js';
import { HOME_OPTION, printJson } from './relay-connection.js';

const USAGE = [
  'push-relay upstream add NAME (--url URL [--header "K: V"]… | --stdio [--env K=V]… -- CMD ARGS…) [--allow-push] [--subscribe URI-OR-GLOB]… [--read-content] [--call-on-connect TOOL]… [--events TYPE-GLOB[=JSON-ARGS]]… [--disabled]',
  '       push-relay upstream list [--json]',
  '       push-relay upstream remove|enable|disable NAME',
  '       push-relay upstream import claude-code [--allow-push] [--enable] [--project DIR]',
  '       (each takes --home DIR)',
].join('\n');

export async function run(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'add':
      return add(rest);
    case 'list':
      return list(rest);
    case 'remove':
    case 'enable':
    case 'disable':
      return change(sub, rest);
    case 'import':
      return importClaudeCode(rest);
    default:
      // parse answers --help with the usage; anything else is a usage error naming the subcommands.
      parse(argv, { ...HOME_OPTION }, USAGE);
      throw new UsageError(`${sub === undefined ? 'name a subcommand' : `unknown subcommand "${sub}"`}: add, list, remove, enable, disable or import\nusage: ${USAGE}`);
  }
}

function storeFor(homeFlag: string | undefined): SettingsStore {
  return openSettings(resolveHome(homeFlag));
}

function entries(store: SettingsStore): UpstreamEntry[] {
  return store.read().upstreams ?? [];
}

/** Writes the list through the store; its refusal names the field (`upstreams[2].url`). */
function save(store: SettingsStore, list: UpstreamEntry[]): void {
  store.update({ upstreams: list });
}

async function add(argv: string[]): Promise<void> {
  // Everything after `--` is the server's command line, untouched by our option parsing.
  const dash = argv.indexOf('--');
  const own = dash === -1 ? argv : argv.slice(0, dash);
  const command = dash === -1 ? [] : argv.slice(dash + 1);
  const { values, positionals } = parse(
    own,
    {
      ...HOME_OPTION,
      url: { type: 'string' },
      header: { type: 'string', multiple: true },
      stdio: { type: 'boolean' },
      env: { type: 'string', multiple: true },
      'allow-push': { type: 'boolean' },
      subscribe: { type: 'string', multiple: true },
      'read-content': { type: 'boolean' },
      'call-on-connect': { type: 'string', multiple: true },
      events: { type: 'string', multiple: true },
      disabled: { type: 'boolean' },
    },
    USAGE,
  );
  const [name] = positionals;
  if (!name || positionals.length > 1) throw new UsageError(`give one name for the upstream\nusage: ${USAGE}`);
  checkName(name);
  if (Boolean(values.url) === Boolean(values.stdio)) throw new UsageError('give either --url URL or --stdio -- CMD ARGS…');
  if (values.stdio && command.length === 0) throw new UsageError('--stdio needs the server command after --, e.g. --stdio -- npx -y @modelcontextprotocol/server-everything');
  if (values.url && command.length > 0) throw new UsageError('a command after -- goes with --stdio, not --url');
  const common = {
    name,
    enabled: !values.disabled,
    allowPush: values['allow-push'] === true,
    resources: { subscribe: values.subscribe ?? [] },
    readContent: { enabled: values['read-content'] === true },
    callOnConnect: values['call-on-connect'] ?? [],
    events: { enabled: (values.events ?? []).length > 0, subscribe: (values.events ?? []).map(eventSubscription) },
  };
  const raw = values.url
    ? { ...common, type: 'http', url: values.url, headers: pairs(values.header ?? [], ':', '--header', 'K: V') }
    : { ...common, type: 'stdio', command: command[0], args: command.slice(1), env: pairs(values.env ?? [], '=', '--env', 'K=V') };
  const parsed = UpstreamEntrySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`${issue.path.join('.') || 'entry'}: ${issue.message}`);
  }
  const store = storeFor(values.home);
  const list = entries(store);
  if (list.some((e) => e.name === name)) throw new CliError(`an upstream named "${name}" exists; remove it first (push-relay upstream remove ${name})`, 'upstream_exists');
  save(store, [...list, parsed.data]);
  const gate = parsed.data.allowPush ? 'its notifications reach the inbox' : 'allowPush is off: nothing of it is stored until you add it again with --allow-push';
  process.stdout.write(`added upstream ${name} (${parsed.data.enabled ? 'enabled' : 'disabled'}; ${gate})\n`);
  // No resource is subscribed unless named: a server may list thousands, and each subscription is a promise of
  // traffic. Say so, or a newcomer waits for resource updates that were never asked for.
  if (parsed.data.allowPush && parsed.data.resources.subscribe.length === 0) {
    const also = parsed.data.events.enabled ? ' and, if the server offers the Events extension, its events (mcp.event.*)' : '';
    process.stdout.write(
      `no resources subscribed: only list changes (mcp.*.list_changed)${also} will arrive; to get resource updates, add it again with --subscribe 'GLOB-OR-URI' (push-relay upstream remove ${name} first)\n`,
    );
  }
}

/**
 * `--events TYPE-GLOB[=JSON-ARGS]`: an Events-extension subscription (experimental). The glob matches event type
 * names as `events/list` shows them; the arguments, a JSON object, go to the server as they are.
 */
function eventSubscription(item: string): { name: string; arguments: Record<string, unknown> } {
  const i = item.indexOf('=');
  const name = (i === -1 ? item : item.slice(0, i)).trim();
  if (!name) throw new UsageError(`--events needs an event type name or glob, e.g. --events 'deal.*' or --events 'deal.closed={"region":"eu"}'`);
  if (i === -1) return { name, arguments: {} };
  let args: unknown;
  try {
    args = JSON.parse(item.slice(i + 1));
  } catch {
    throw new UsageError(`--events ${neutralizeText(name, 80)}=…: the arguments must be a JSON object, e.g. ${name}='{"region":"eu"}'`);
  }
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    throw new UsageError(`--events ${neutralizeText(name, 80)}=…: the arguments must be a JSON object, e.g. ${name}='{"region":"eu"}'`);
  }
  return { name, arguments: args as Record<string, unknown> };
}

/** `K: V` / `K=V` pairs into an object; a malformed one is a usage error showing the form. */
function pairs(items: readonly string[], sep: string, flag: string, form: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const i = item.indexOf(sep);
    const key = i > 0 ? item.slice(0, i).trim() : '';
    if (!key) throw new UsageError(`${flag} needs the form "${form}", got "${neutralizeText(item, 80)}"`);
    out[key] = item.slice(i + 1).trim();
  }
  return out;
}

function checkName(name: string): void {
  const ok = UpstreamNameSchema.safeParse(name);
  if (!ok.success) throw new UsageError(`upstream name "${neutralizeText(name, 80)}": ${ok.error.issues[0]!.message}`);
}

async function list(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { ...HOME_OPTION, json: { type: 'boolean' } }, USAGE);
  if (positionals.length > 0) throw new UsageError(`upstream list takes no arguments\nusage: ${USAGE}`);
  const list = entries(storeFor(values.home));
  const live = await liveStates(values.home);
  if (values.json) {
    // Header values may be credentials: the listing says which headers are set, never their values.
    printJson(list.map((e) => ({ ...redacted(e), status: live?.get(e.name) ?? null })));
    return;
  }
  if (list.length === 0) {
    process.stdout.write('no upstreams; add one with: push-relay upstream add NAME --url URL | --stdio -- CMD ARGS…\n');
    return;
  }
  for (const e of list) {
    const target = e.type === 'http' ? e.url : [e.command, ...e.args].join(' ');
    const s = live?.get(e.name);
    const state = s ? ` ${s.state}${s.last_error ? ` (${neutralizeText(s.last_error.message, 200)})` : ''}, ${s.stored} stored${s.dropped ? `, ${s.dropped} dropped` : ''}` : '';
    process.stdout.write(
      `${e.name}  ${e.type}  ${neutralizeText(target, 200)}  ${e.enabled ? 'enabled' : 'disabled'}  ${e.allowPush ? 'allow-push' : 'no-push'}${state}${eventsLine(e, s)}\n`,
    );
  }
  if (!live) process.stdout.write('(the relay is not running: states show when it is)\n');
}

/** The Events extension's part of a listing line: the subscribed globs and, when running, its state. */
function eventsLine(e: UpstreamEntry, s: McpUpstreamStatus | undefined): string {
  if (!e.events.enabled) return '';
  const globs = e.events.subscribe.map((sub) => neutralizeText(sub.name, 80)).join(',') || '(none)';
  const ext = s?.events_extension;
  const live = ext ? ` ${ext.state === 'not_offered' ? 'not offered by the server' : `${ext.state}, ${ext.stored} stored${ext.duplicates ? `, ${ext.duplicates} duplicates dropped` : ''}`}` : '';
  return `  events[${globs}]${live}`;
}

function redacted(e: UpstreamEntry): Record<string, unknown> {
  if (e.type === 'http') return { ...e, headers: Object.fromEntries(Object.keys(e.headers).map((k) => [k, '[set]'])) };
  return { ...e, env: Object.fromEntries(Object.keys(e.env).map((k) => [k, '[set]'])) };
}

/** Each upstream's live state from the running relay, or undefined when none runs. */
async function liveStates(homeFlag: string | undefined): Promise<Map<string, McpUpstreamStatus> | undefined> {
  try {
    const relay = findRelay(resolveHome(homeFlag));
    const status = await relayRequest<RelayStatus>(relay, LOCAL_API.status, { timeoutMs: 5_000 });
    return new Map((status.upstreams ?? []).map((u) => [u.name, u]));
  } catch {
    return undefined;
  }
}

async function change(action: 'remove' | 'enable' | 'disable', argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { ...HOME_OPTION }, USAGE);
  const [name] = positionals;
  if (!name || positionals.length > 1) throw new UsageError(`give one upstream name: push-relay upstream ${action} NAME`);
  const store = storeFor(values.home);
  const list = entries(store);
  if (!list.some((e) => e.name === name)) {
    const names = list.map((e) => e.name).join(', ');
    throw new CliError(`no upstream named "${neutralizeText(name, 80)}"${names ? ` (there are: ${names})` : ' (there are none)'}`, 'upstream_not_found');
  }
  save(store, action === 'remove' ? list.filter((e) => e.name !== name) : list.map((e) => (e.name === name ? { ...e, enabled: action === 'enable' } : e)));
  process.stdout.write(`${action === 'remove' ? 'removed' : action === 'enable' ? 'enabled' : 'disabled'} upstream ${name}\n`);
}

/**
 * Offers the servers of Claude Code's config: `mcpServers` of ~/.claude.json (user scope, and the project's entry
 * under `projects`) and of the project's `.mcp.json`. Each new one is added disabled and without allowPush unless
 * `--enable` / `--allow-push` say otherwise; names already present are left alone.
 */
async function importClaudeCode(argv: string[]): Promise<void> {
  const { values, positionals } = parse(
    argv,
    { ...HOME_OPTION, 'allow-push': { type: 'boolean' }, enable: { type: 'boolean' }, project: { type: 'string' }, 'claude-config': { type: 'string' } },
    USAGE,
  );
  if (positionals[0] !== 'claude-code' || positionals.length > 1) throw new UsageError(`import what? push-relay upstream import claude-code\nusage: ${USAGE}`);
  const project = resolve(values.project ?? process.cwd());
  const userConfig = values['claude-config'] ?? join(homedir(), '.claude.json');
  const found = new Map<string, { from: string; server: Record<string, unknown> }>();
  const user = readJson(userConfig);
  const projectsOf = (user?.projects as Record<string, { mcpServers?: unknown }> | undefined) ?? {};
  for (const [from, servers] of [
    [userConfig, user?.mcpServers],
    [`${userConfig} (project ${project})`, projectsOf[project]?.mcpServers],
    [join(project, '.mcp.json'), readJson(join(project, '.mcp.json'))?.mcpServers],
  ] as const) {
    if (typeof servers !== 'object' || servers === null) continue;
    for (const [key, server] of Object.entries(servers as Record<string, unknown>)) {
      if (typeof server === 'object' && server !== null && !found.has(key)) found.set(key, { from, server: server as Record<string, unknown> });
    }
  }
  if (found.size === 0) {
    process.stdout.write(`no MCP servers found in ${userConfig} or ${join(project, '.mcp.json')}\n`);
    return;
  }
  const store = storeFor(values.home);
  const list = entries(store);
  const added: string[] = [];
  for (const [key, { from, server }] of found) {
    const name = slug(key);
    const type = server.type ?? (typeof server.url === 'string' ? 'http' : 'stdio');
    const raw =
      type === 'http'
        ? { name, type, url: server.url, headers: server.headers ?? {} }
        : type === 'stdio'
          ? { name, type, command: server.command, args: server.args ?? [], env: server.env ?? {} }
          : undefined;
    if (!raw) {
      process.stdout.write(`skipped ${key} (${from}): transport "${neutralizeText(type, 20)}" is not supported (stdio and http are)\n`);
      continue;
    }
    if (list.some((e) => e.name === name)) {
      process.stdout.write(`skipped ${key}: an upstream named ${name} exists\n`);
      continue;
    }
    const parsed = UpstreamEntrySchema.safeParse({ ...raw, enabled: values.enable === true, allowPush: values['allow-push'] === true });
    if (!parsed.success) {
      process.stdout.write(`skipped ${key} (${from}): ${parsed.error.issues[0]!.path.join('.')} ${parsed.error.issues[0]!.message}\n`);
      continue;
    }
    list.push(parsed.data);
    added.push(name);
  }
  if (added.length > 0) save(store, list);
  const how = `${values.enable ? 'enabled' : 'disabled'}, ${values['allow-push'] ? 'allow-push' : 'no push'}`;
  process.stdout.write(
    added.length > 0
      ? `imported ${added.length} (${how}): ${added.join(', ')}\nturn one on with: push-relay upstream enable NAME (and --allow-push on add to let it push)\n`
      : 'nothing imported\n',
  );
}

function slug(key: string): string {
  const s = key.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+/, '').slice(0, 63);
  return s || 'server';
}

function readJson(path: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    // Claude Code's own files, read only (often links into a dotfiles repo, so links are followed here).
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    throw new CliError(`${path} is not valid JSON; fix it, or pass --claude-config with another file`, 'invalid_claude_config');
  }
}
