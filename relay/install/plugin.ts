// The Claude Code plugin form of the same integration: `.claude-plugin/plugin.json`, `hooks/hooks.json` and
// `.mcp.json`, built from spec.ts (the installer's source too). Claude Code copies an installed plugin into
// its own cache, so paths relative to the plugin cannot reach this checkout: the commands carry the absolute
// paths of the machine that built it, like the installer's do.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VERSION } from '../util/version.js';
import { hooksConfig, MCP_SERVER_NAME, mcpServerEntry, PLUGIN_NAME, type InstallFlags, type Launcher } from './spec.js';

export { PLUGIN_NAME };
export const MARKETPLACE_NAME = 'push-relay-local';

export interface PluginFiles {
  [relativePath: string]: unknown;
}

export function pluginFiles(launcher: Launcher, flags: InstallFlags = {}): PluginFiles {
  return {
    '.claude-plugin/plugin.json': {
      name: PLUGIN_NAME,
      version: VERSION,
      description:
        'Push Relay: events from an MCP push server reach Claude Code — a Stop hook hands new events over before Claude stops, SessionStart/UserPromptSubmit add them as context, an idle session is woken by the next event, and the push-relay MCP server offers wait_for_event and get_pending_events.',
      author: { name: 'Push Relay' },
      license: 'MIT',
      keywords: ['mcp', 'push', 'events', 'hooks', 'notifications'],
    },
    'hooks/hooks.json': {
      description: 'Push Relay hooks: hand pending push events to Claude (Stop, SessionStart, UserPromptSubmit) and wake idle sessions (idle-wake).',
      // --plugin: the hooks name the tools as Claude Code names a plugin's (mcp__plugin_push-relay_push-relay__…).
      hooks: hooksConfig(launcher, { ...flags, plugin: true }),
    },
    '.mcp.json': { mcpServers: { [MCP_SERVER_NAME]: mcpServerEntry(launcher, flags) } },
  };
}

/** A marketplace listing the plugin, for `claude plugin marketplace add <dir>` and `claude plugin install push-relay@push-relay-local`. */
export function marketplaceManifest(pluginSource: string): unknown {
  return {
    name: MARKETPLACE_NAME,
    owner: { name: 'Push Relay' },
    description: 'The Push Relay plugin built from this checkout.',
    plugins: [{ name: PLUGIN_NAME, source: pluginSource, description: 'Push events from the local relay reach Claude Code (hooks + MCP server).' }],
  };
}

/**
 * Writes the plugin to `dir`. The dir is also a one-plugin marketplace (`.claude-plugin/marketplace.json`,
 * source "./"), so it installs offline: `claude plugin marketplace add <dir>` then
 * `claude plugin install push-relay@push-relay-local`.
 */
export function writePluginDir(dir: string, launcher: Launcher, flags: InstallFlags = {}): string[] {
  rmSync(dir, { recursive: true, force: true });
  const written: string[] = [];
  const files = { ...pluginFiles(launcher, flags), '.claude-plugin/marketplace.json': marketplaceManifest('./') };
  for (const [rel, content] of Object.entries(files)) {
    const path = join(dir, rel);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, `${JSON.stringify(content, null, 2)}\n`);
    written.push(path);
  }
  return written;
}
