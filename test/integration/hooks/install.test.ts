// `push-relay install|uninstall claude-code` on temp HOMEs and temp project dirs: what it writes, that it keeps
// everything else, backs up, is idempotent, previews with --dry-run, and that uninstall takes out exactly
// what install put in.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HOOKS, MCP_SERVER_NAME } from '../../../relay/install/spec.js';
import { BIN, HOOK_BUNDLE } from '../../helpers/cli.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';
import { cleanEnv, runCli } from './run.js';

const dirs: TempDir[] = [];
async function fresh(prefix: string): Promise<string> {
  const d = await tempDir(prefix);
  dirs.push(d);
  return d.path;
}

afterEach(async () => {
  for (const d of dirs.splice(0)) await d.cleanup();
});

const install = (home: string, args: string[] = [], cwd?: string) => runCli(['install', 'claude-code', ...args], { env: { HOME: home }, cwd });
const uninstall = (home: string, args: string[] = [], cwd?: string) => runCli(['uninstall', 'claude-code', ...args], { env: { HOME: home }, cwd });
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const backupsOf = (path: string) => readdirSync(join(path, '..')).filter((f) => f.startsWith(`${path.split('/').pop()}.push-relay-backup-`));

interface HookEntry {
  type: string;
  command: string;
  timeout: number;
  asyncRewake?: boolean;
}
function ours(settings: Record<string, any>, event: string): HookEntry[] { // eslint-disable-line @typescript-eslint/no-explicit-any
  return ((settings.hooks?.[event] ?? []) as { hooks: HookEntry[] }[]).flatMap((g) => g.hooks).filter((h) => h.command.includes('push-relay'));
}

describe('install claude-code --scope user', () => {
  it('adds the hooks to ~/.claude/settings.json and the MCP server to ~/.claude.json, with absolute paths', async () => {
    const home = await fresh('cc-home-');
    const run = await install(home);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(join(home, '.claude', 'settings.json'));
    const settings = readJson(join(home, '.claude', 'settings.json'));
    const prefix = `${process.execPath} ${HOOK_BUNDLE}`;
    expect(ours(settings, 'Stop')).toEqual([
      { type: 'command', command: `${prefix} stop`, timeout: 10 },
      expect.objectContaining({ type: 'command', command: `${prefix} idle-wake`, asyncRewake: true, timeout: 86400 }),
    ]);
    expect(ours(settings, 'SessionStart').map((h) => h.command)).toEqual([`${prefix} session-start`, `${prefix} idle-wake`]);
    expect(ours(settings, 'SessionStart')[1]).toMatchObject({ asyncRewake: true });
    expect(ours(settings, 'UserPromptSubmit').map((h) => h.command)).toEqual([`${prefix} prompt-submit`]);
    expect(settings.hooks.Stop[0].matcher).toBe('');
    // Exactly the hooks of the shared spec, nothing else.
    expect(Object.values(settings.hooks).flat().flatMap((g) => (g as { hooks: unknown[] }).hooks)).toHaveLength(HOOKS.length);
    const claudeJson = readJson(join(home, '.claude.json'));
    expect(claudeJson.mcpServers[MCP_SERVER_NAME]).toEqual({ type: 'stdio', command: process.execPath, args: [BIN, 'mcp'], env: {}, alwaysLoad: true });
  });

  it('writes hook commands that run as Claude Code runs them (through a shell): with no relay, exit 0 and no output', async () => {
    const home = await fresh('cc-home-');
    const relayHome = await fresh('cc-relay-');
    expect((await install(home)).code).toBe(0);
    const settings = readJson(join(home, '.claude', 'settings.json'));
    const short = ['SessionStart', 'UserPromptSubmit', 'Stop'].flatMap((event) => ours(settings, event)).filter((h) => !h.asyncRewake);
    expect(short).toHaveLength(3);
    for (const { command } of short) {
      const run = spawnSync('/bin/sh', ['-c', command], {
        input: JSON.stringify({ session_id: 'cmd', hook_event_name: 'Stop' }),
        env: cleanEnv({ PUSH_RELAY_HOME: relayHome }),
        encoding: 'utf8',
        timeout: 15_000,
      });
      expect({ command, status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({ command, status: 0, stdout: '', stderr: '' });
    }
  });

  it('keeps everything else (unknown keys, other hooks, other MCP servers), backs up, and is idempotent', async () => {
    const home = await fresh('cc-home-');
    const settingsPath = join(home, '.claude', 'settings.json');
    const claudePath = join(home, '.claude.json');
    mkdirSync(join(home, '.claude'));
    const settingsBefore = {
      model: 'opus',
      permissions: { allow: ['Bash(ls:*)'] },
      hooks: {
        Stop: [{ matcher: '', hooks: [{ type: 'command', command: 'say done', timeout: 5 }] }],
        PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: '/usr/local/bin/guard' }] }],
      },
      someFutureKey: { nested: [1, 2, 3] },
    };
    const settingsText = `${JSON.stringify(settingsBefore, null, 4)}\n`; // the user's indentation
    writeFileSync(settingsPath, settingsText);
    const claudeBefore = { numStartups: 12, projects: { '/x': { hasTrustDialogAccepted: true } }, mcpServers: { github: { type: 'http', url: 'https://example.test/mcp' } } };
    writeFileSync(claudePath, JSON.stringify(claudeBefore, null, 2), { mode: 0o600 });

    expect((await install(home)).code).toBe(0);
    const after = readJson(settingsPath);
    expect(after.model).toBe('opus');
    expect(after.permissions).toEqual(settingsBefore.permissions);
    expect(after.someFutureKey).toEqual(settingsBefore.someFutureKey);
    expect(after.hooks.PreToolUse).toEqual(settingsBefore.hooks.PreToolUse);
    expect(after.hooks.Stop[0]).toEqual(settingsBefore.hooks.Stop[0]); // the other Stop hook, untouched and first
    expect(ours(after, 'Stop')).toHaveLength(2);
    expect(readFileSync(settingsPath, 'utf8')).toMatch(/^\{\n {4}"model"/); // indentation kept
    const claudeAfter = readJson(claudePath);
    expect(claudeAfter.numStartups).toBe(12);
    expect(claudeAfter.projects).toEqual(claudeBefore.projects);
    expect(claudeAfter.mcpServers.github).toEqual(claudeBefore.mcpServers.github);
    // Backups hold the files as they were.
    expect(backupsOf(settingsPath)).toHaveLength(1);
    expect(readFileSync(join(home, '.claude', backupsOf(settingsPath)[0]!), 'utf8')).toBe(settingsText);
    expect(backupsOf(claudePath)).toHaveLength(1);

    // Twice changes nothing: same bytes, no new backup.
    const snapshot = [readFileSync(settingsPath, 'utf8'), readFileSync(claudePath, 'utf8')];
    const again = await install(home);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already installed/);
    expect([readFileSync(settingsPath, 'utf8'), readFileSync(claudePath, 'utf8')]).toEqual(snapshot);
    expect(backupsOf(settingsPath)).toHaveLength(1);

    // Uninstall removes exactly what install added.
    const removed = await uninstall(home);
    expect(removed.code).toBe(0);
    expect(readJson(settingsPath)).toEqual(settingsBefore);
    expect(readJson(claudePath)).toEqual(claudeBefore);
    expect(backupsOf(settingsPath)).toHaveLength(2);
    expect((await uninstall(home)).stdout).toMatch(/not installed/);
  });

  it('--dry-run prints a diff and writes nothing', async () => {
    const home = await fresh('cc-home-');
    mkdirSync(join(home, '.claude'));
    writeFileSync(join(home, '.claude', 'settings.json'), '{\n  "model": "sonnet"\n}\n');
    const run = await install(home, ['--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`--- ${join(home, '.claude', 'settings.json')}`);
    expect(run.stdout).toContain(`+++ ${join(home, '.claude', 'settings.json')} (after install)`);
    expect(run.stdout).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@$/m);
    expect(run.stdout).toMatch(/^- {2}"model": "sonnet"$/m); // gains a comma: the next key is ours
    expect(run.stdout).toMatch(/^\+ {2}"model": "sonnet",$/m);
    expect(run.stdout).toMatch(/^ \{$/m); // context lines
    expect(run.stdout).toMatch(/^\+.*push-relay-hook\.cjs stop"/m);
    expect(run.stdout).toContain('--- /dev/null'); // ~/.claude.json would be created
    expect(run.stdout).toMatch(/^\+.*"alwaysLoad": true/m);
    expect(readFileSync(join(home, '.claude', 'settings.json'), 'utf8')).toBe('{\n  "model": "sonnet"\n}\n');
    expect(existsSync(join(home, '.claude.json'))).toBe(false);
    expect(backupsOf(join(home, '.claude', 'settings.json'))).toHaveLength(0);
    // After installing, a dry run has nothing to show; a dry uninstall shows the removal.
    await install(home);
    expect((await install(home, ['--dry-run'])).stdout).toMatch(/nothing would change/);
    expect((await uninstall(home, ['--dry-run'])).stdout).toMatch(/^-.*push-relay-hook\.cjs stop"/m);
    expect(ours(readJson(join(home, '.claude', 'settings.json')), 'Stop')).toHaveLength(2);
  });

  it('replaces its own entries from an older install (moved checkout) instead of adding duplicates', async () => {
    const home = await fresh('cc-home-');
    mkdirSync(join(home, '.claude'));
    writeFileSync(
      join(home, '.claude', 'settings.json'),
      JSON.stringify({ hooks: { Stop: [{ matcher: '', hooks: [{ type: 'command', command: '/old/place/bin/push-relay hook stop', timeout: 5 }, { type: 'command', command: 'echo mine' }] }] } }),
    );
    writeFileSync(join(home, '.claude.json'), JSON.stringify({ mcpServers: { 'push-relay': { command: '/old/node', args: ['/old/place/bin/push-relay', 'mcp'] } } }));
    expect((await install(home)).code).toBe(0);
    const settings = readJson(join(home, '.claude', 'settings.json'));
    expect(ours(settings, 'Stop').map((h) => h.command)).toEqual([`${process.execPath} ${HOOK_BUNDLE} stop`, `${process.execPath} ${HOOK_BUNDLE} idle-wake`]);
    expect(settings.hooks.Stop[0].hooks).toEqual([{ type: 'command', command: 'echo mine' }]);
    expect(readJson(join(home, '.claude.json')).mcpServers['push-relay'].command).toBe(process.execPath);
  });

  it('passes --home and --consumer or --per-session to the commands it writes', async () => {
    const home = await fresh('cc-home-');
    expect((await install(home, ['--home', '/srv/relay home', '--consumer', 'team-bot'])).code).toBe(0);
    const stop = ours(readJson(join(home, '.claude', 'settings.json')), 'Stop')[0]!;
    expect(stop.command).toBe(`${process.execPath} ${HOOK_BUNDLE} stop --home '/srv/relay home' --consumer team-bot`);
    expect(readJson(join(home, '.claude.json')).mcpServers['push-relay'].args).toEqual([BIN, 'mcp', '--home', '/srv/relay home', '--consumer', 'team-bot']);
    // Switching to per-session replaces our entries in place.
    expect((await install(home, ['--per-session'])).code).toBe(0);
    const settings = readJson(join(home, '.claude', 'settings.json'));
    expect(ours(settings, 'Stop').map((h) => h.command)).toEqual([`${process.execPath} ${HOOK_BUNDLE} stop --per-session`, `${process.execPath} ${HOOK_BUNDLE} idle-wake --per-session`]);
    expect(readJson(join(home, '.claude.json')).mcpServers['push-relay'].args).toEqual([BIN, 'mcp', '--per-session']);
    expect((await install(home, ['--per-session', '--consumer', 'x'])).code).toBe(2);
  });

  it('honours CLAUDE_CONFIG_DIR as Claude Code does', async () => {
    const home = await fresh('cc-home-');
    const config = await fresh('cc-config-');
    const run = await runCli(['install', 'claude-code'], { env: { HOME: home, CLAUDE_CONFIG_DIR: config } });
    expect(run.code).toBe(0);
    expect(ours(readJson(join(config, 'settings.json')), 'Stop')).toHaveLength(2);
    expect(readJson(join(config, '.claude.json')).mcpServers['push-relay']).toBeDefined();
    expect(existsSync(join(home, '.claude'))).toBe(false);
  });
});

describe('install claude-code --scope project', () => {
  it('writes .claude/settings.json and .mcp.json in the current dir; uninstall restores them', async () => {
    const home = await fresh('cc-home-');
    const project = await fresh('cc-project-');
    const mcpBefore = { mcpServers: { db: { command: 'db-mcp', args: [] } } };
    writeFileSync(join(project, '.mcp.json'), JSON.stringify(mcpBefore, null, 2));
    const run = await install(home, ['--scope', 'project'], project);
    expect(run.code).toBe(0);
    expect(ours(readJson(join(project, '.claude', 'settings.json')), 'UserPromptSubmit')).toHaveLength(1);
    const mcp = readJson(join(project, '.mcp.json'));
    expect(mcp.mcpServers.db).toEqual(mcpBefore.mcpServers.db);
    expect(mcp.mcpServers['push-relay']).toMatchObject({ command: process.execPath, alwaysLoad: true });
    expect(existsSync(join(home, '.claude'))).toBe(false); // user files untouched
    expect(existsSync(join(home, '.claude.json'))).toBe(false);
    expect((await install(home, ['--scope', 'project'], project)).stdout).toMatch(/already installed/);
    expect((await uninstall(home, ['--scope', 'project'], project)).code).toBe(0);
    expect(readJson(join(project, '.mcp.json'))).toEqual(mcpBefore);
    // The settings file install created is left as an empty object (its backup says it had our hooks).
    expect(readJson(join(project, '.claude', 'settings.json'))).toEqual({});
  });
});

describe('install claude-code refuses to damage files', () => {
  it('a settings file that is not valid JSON: one-line error, exit 1, file untouched', async () => {
    const home = await fresh('cc-home-');
    mkdirSync(join(home, '.claude'));
    writeFileSync(join(home, '.claude', 'settings.json'), '{ "model": "opus", }');
    const run = await install(home);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('not valid JSON');
    expect(readFileSync(join(home, '.claude', 'settings.json'), 'utf8')).toBe('{ "model": "opus", }');
    expect(existsSync(join(home, '.claude.json'))).toBe(false); // nothing half-done
  });

  it('an MCP server named push-relay that is not ours: error, nothing changed', async () => {
    const home = await fresh('cc-home-');
    writeFileSync(join(home, '.claude.json'), JSON.stringify({ mcpServers: { 'push-relay': { type: 'http', url: 'https://elsewhere.test/mcp' } } }));
    const run = await install(home);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/already configured/);
    expect(existsSync(join(home, '.claude', 'settings.json'))).toBe(false);
    // …and uninstall leaves it alone.
    expect((await uninstall(home)).code).toBe(0);
    expect(readJson(join(home, '.claude.json')).mcpServers['push-relay'].url).toBe('https://elsewhere.test/mcp');
  });

  it('usage mistakes: one line, exit 2', async () => {
    const home = await fresh('cc-home-');
    for (const args of [['install'], ['install', 'cursor'], ['install', 'claude-code', '--scope', 'global'], ['uninstall', 'claude-code', '--bogus']]) {
      const run = await runCli(args, { env: { HOME: home } });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^push-relay: /);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe('install claude-code --session-mode', () => {
  it('writes the mode once into the relay settings (routes kept); per-session also keys the MCP server by session', async () => {
    const home = await fresh('cc-mode-');
    const relayHome = join(home, 'relay-home');
    mkdirSync(relayHome, { recursive: true, mode: 0o700 });
    writeFileSync(join(relayHome, 'settings.json'), JSON.stringify({ sessions: { mode: 'shared', routes: [{ project: '/w/a', topics: ['deal.*'] }] } }), { mode: 0o600 });
    const dry = await install(home, ['--home', relayHome, '--session-mode', 'per-session', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('would set sessions.mode to "per-session"');
    expect(readJson(join(relayHome, 'settings.json')).sessions.mode).toBe('shared');
    const run = await install(home, ['--home', relayHome, '--session-mode', 'per-session']);
    expect(run.code).toBe(0);
    expect(readJson(join(relayHome, 'settings.json')).sessions).toEqual({ mode: 'per-session', routes: [{ project: '/w/a', topics: ['deal.*'] }] });
    // The hooks pass the session and let the relay choose; the MCP server reads the session's own consumer.
    const settings = readJson(join(home, '.claude', 'settings.json'));
    expect(ours(settings, 'Stop')[0]!.command).not.toContain('--per-session');
    expect(readJson(join(home, '.claude.json')).mcpServers[MCP_SERVER_NAME].args).toEqual([BIN, 'mcp', '--home', relayHome, '--per-session']);
    expect(ours(settings, 'SessionEnd').map((h) => h.command)).toEqual([`${process.execPath} ${HOOK_BUNDLE} session-end --home ${relayHome}`]);
  });

  it('refuses a mode it does not know, and --session-mode with --consumer', async () => {
    const home = await fresh('cc-mode-bad-');
    const bad = await install(home, ['--session-mode', 'each']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--session-mode must be shared or per-session');
    const both = await install(home, ['--session-mode', 'shared', '--consumer', 'x']);
    expect(both.code).toBe(2);
    expect(existsSync(join(home, '.claude', 'settings.json'))).toBe(false);
  });
});
