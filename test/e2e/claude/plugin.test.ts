// The Claude Code plugin the build writes (scripts/build-claude-plugin.mjs → dist/claude-plugin): it passes
// the real CLI's `claude plugin validate` (strict), lists the same hooks and MCP server as the installer (one
// source: relay/install/spec.ts), installs offline from its own directory as a local marketplace, and an
// installed plugin's hooks hand a pending event to the model.
import { execFile } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultLauncher } from '../../../relay/install/launcher.js';
import { MARKETPLACE_NAME, PLUGIN_NAME } from '../../../relay/install/plugin.js';
import { hooksConfig, mcpServerEntry, mcpToolName } from '../../../relay/install/spec.js';
import { messagesText } from '../../helpers/model-server.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';
import { startRelayHarness, type RelayHarness } from '../../integration/hooks/harness.js';
import { cleanEnv } from '../../integration/hooks/run.js';
import { API_KEY, CLAUDE_BIN, withModel } from './setup.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PLUGIN_DIR = join(ROOT, 'dist', 'claude-plugin');

let home: TempDir;
let relay: RelayHarness | undefined;
const env = (extra: NodeJS.ProcessEnv = {}) => cleanEnv({ HOME: home.path, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_AUTOUPDATER: '1', ...extra });
const claude = (args: string[], extra: NodeJS.ProcessEnv = {}) => run(CLAUDE_BIN, args, { env: env(extra), cwd: home.path, timeout: 120_000 });

beforeAll(async () => {
  // The build step itself (npm run build runs it after tsc).
  await run(process.execPath, [join(ROOT, 'scripts', 'build-claude-plugin.mjs')], { cwd: ROOT });
  home = await tempDir('claude-plugin-home-');
}, 120_000);

afterAll(async () => {
  await relay?.close();
  await home?.cleanup();
});

const readJson = (rel: string) => JSON.parse(readFileSync(join(PLUGIN_DIR, rel), 'utf8')) as Record<string, unknown>;

describe('the Claude Code plugin', { timeout: 180_000 }, () => {
  it('holds the installer’s hooks and MCP server (one source of truth)', () => {
    const launcher = defaultLauncher();
    // The same hooks, told they run from the plugin (--plugin): a plugin's tools have other names.
    expect(readJson('hooks/hooks.json').hooks).toEqual(hooksConfig(launcher, { plugin: true }));
    expect(readJson('.mcp.json')).toEqual({ mcpServers: { 'push-relay': mcpServerEntry(launcher) } });
    expect(readJson('.claude-plugin/plugin.json')).toMatchObject({ name: PLUGIN_NAME });
  });

  // Claude Code 2.1.197 (the newest whose package allows Node 20) has no `validate --json`: its verdict is the
  // exit code under --strict (warnings fail too) and the "Validation passed" line. What the plugin provides is
  // pinned against the installer's spec above, and the install test below runs its hooks for real.
  it('passes `claude plugin validate --strict` (the directory as a marketplace, and the plugin manifest)', async () => {
    for (const target of [PLUGIN_DIR, join(PLUGIN_DIR, '.claude-plugin', 'plugin.json')]) {
      const { stdout } = await claude(['plugin', 'validate', '--strict', target]);
      expect(stdout).toContain('Validation passed');
    }
  });

  it('`claude plugin validate --strict` refuses a manifest with an unknown field (the check above can fail)', async () => {
    const broken = await tempDir('claude-plugin-broken-');
    try {
      cpSync(PLUGIN_DIR, broken.path, { recursive: true });
      const manifest = join(broken.path, '.claude-plugin', 'plugin.json');
      writeFileSync(manifest, JSON.stringify({ ...JSON.parse(readFileSync(manifest, 'utf8')), hookz: {} }));
      await expect(claude(['plugin', 'validate', '--strict', manifest])).rejects.toMatchObject({ code: 1 });
    } finally {
      await broken.cleanup();
    }
  });

  it('installs offline from its directory as a local marketplace', async () => {
    await claude(['plugin', 'marketplace', 'add', PLUGIN_DIR]);
    await claude(['plugin', 'install', `${PLUGIN_NAME}@${MARKETPLACE_NAME}`]);
    const { stdout } = await claude(['plugin', 'list', '--json']);
    const listed = JSON.stringify(JSON.parse(stdout));
    expect(listed).toContain(`${PLUGIN_NAME}@${MARKETPLACE_NAME}`);
    const settings = JSON.parse(readFileSync(join(home.path, '.claude', 'settings.json'), 'utf8')) as { enabledPlugins: Record<string, boolean> };
    expect(settings.enabledPlugins[`${PLUGIN_NAME}@${MARKETPLACE_NAME}`]).toBe(true);
  });

  it('once installed, its hooks hand a pending event to the model (claude -p, no installer output in this HOME)', async () => {
    // The hooks can only come from the plugin: this HOME's settings have none of their own.
    expect(JSON.parse(readFileSync(join(home.path, '.claude', 'settings.json'), 'utf8')).hooks).toBeUndefined();
    relay = await startRelayHarness({ homePath: join(home.path, '.config', 'push-relay') });
    const event = await relay.emit('deal.won', { name: 'Plugin Corp', amount: 42 });
    await withModel({}, async (model) => {
      model.script({ text: 'Saw Plugin Corp.' });
      const out = await run(CLAUDE_BIN, ['-p', 'Anything new?'], {
        env: env({ ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: API_KEY }),
        cwd: home.path,
        timeout: 120_000,
      });
      expect(out.stdout).toContain('Saw Plugin Corp.');
      const [first] = model.mainRequests();
      expect(messagesText(first!)).toContain(`deal.won #${event.event_id}`);
      // The hook text names the tool by the name Claude Code gave the plugin's server, and that tool exists.
      const tool = mcpToolName('get_pending_events', 'plugin');
      expect(messagesText(first!)).toContain(tool);
      expect((first!.tools ?? []).map((t) => t.name)).toContain(tool);
    });
  });
});
