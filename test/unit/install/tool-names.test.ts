// The MCP tools' names as Claude Code spells them, for both ways of installing (relay/install/spec.ts): the
// settings installer (`install claude-code`: mcp__push-relay__…) and the plugin (mcp__plugin_push-relay_push-relay__…).
// The plugin's hooks carry `--plugin`, so the text they print names the tool that exists.
import { describe, expect, it } from 'vitest';
import { describeEvents } from '../../../relay/hooks/format.js';
import { defaultLauncher } from '../../../relay/install/launcher.js';
import { pluginFiles } from '../../../relay/install/plugin.js';
import { hooksConfig, mcpToolName, type HooksConfig } from '../../../relay/install/spec.js';

const commands = (config: HooksConfig) => Object.values(config).flatMap((groups) => groups!.flatMap((g) => g.hooks.map((h) => h.command)));
const event = { seq: 1, event_id: 42, topic: 'deal.won', occurred_at: '2026-11-21T10:00:00.000Z', payload: { amount: 1 } };

describe('MCP tool names per install mode', () => {
  it('spells the names Claude Code gives a settings-installed server and a plugin server', () => {
    expect(mcpToolName('get_pending_events')).toBe('mcp__push-relay__get_pending_events');
    expect(mcpToolName('wait_for_event', 'plugin')).toBe('mcp__plugin_push-relay_push-relay__wait_for_event');
  });

  it("the plugin's hooks pass --plugin; the installer's do not", () => {
    const launcher = defaultLauncher('/usr/bin/node', '/opt/push-relay/bin/push-relay', '/opt/push-relay/dist/push-relay-hook.cjs');
    const plugin = (pluginFiles(launcher, { perSession: true })['hooks/hooks.json'] as { hooks: HooksConfig }).hooks;
    expect(commands(plugin).length).toBeGreaterThan(0);
    for (const command of commands(plugin)) expect(command).toMatch(/ --per-session --plugin$/);
    for (const command of commands(hooksConfig(launcher, { perSession: true }))) expect(command).not.toContain('--plugin');
  });

  it('the hook text names the tool of its install mode', () => {
    const settings = describeEvents({ intro: 'x', events: [event], more: 3 });
    expect(settings).toContain('(mcp__push-relay__get_pending_events)');
    const plugin = describeEvents({ intro: 'x', events: [event], more: 3, mode: 'plugin' });
    expect(plugin).toContain('(mcp__plugin_push-relay_push-relay__get_pending_events)');
    expect(plugin).not.toContain('mcp__push-relay__');
  });
});
