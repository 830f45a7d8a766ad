// The `sessions` settings followed while the relay runs (relay/sessions/live-settings.ts): a change of the key
// reaches the registry, a new route's consumer exists before the route takes effect, and a file that does not
// validate keeps the settings in use.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSettings } from '../../../relay/config/settings.js';
import { MemoryInbox } from '../../../relay/inbox/memory-inbox.js';
import { followSessionSettings } from '../../../relay/sessions/live-settings.js';
import { SessionRegistry } from '../../../relay/sessions/registry.js';
import { silentLogger } from '../../../relay/util/log.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';

const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

async function world(initial: unknown): Promise<{ dir: TempDir; write(content: string): void; registry: SessionRegistry; inbox: MemoryInbox; warnings: string[] }> {
  const dir = await tempDir('live-settings-');
  stops.push(() => dir.cleanup());
  const path = join(dir.path, 'settings.json');
  const write = (content: string) => {
    writeFileSync(`${path}.tmp`, content, { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
  };
  write(JSON.stringify({ sessions: initial }));
  const store = openSettings(dir.path);
  const inbox = new MemoryInbox();
  const registry = new SessionRegistry(store.read().sessions ?? { mode: 'shared', routes: [] });
  const warnings: string[] = [];
  const log = { ...silentLogger, warn: (line: string) => void warnings.push(line) };
  stops.push(followSessionSettings({ inbox, registry, settings: store, log, debounceMs: 10 }));
  return { dir, write, registry, inbox, warnings };
}

describe('followSessionSettings', () => {
  it('applies a new mode and routes, each route consumer created before its route takes effect', async () => {
    const { write, registry, inbox } = await world({ mode: 'shared' });
    const seen: boolean[] = [];
    stops.push(registry.onConfigure(() => seen.push(registry.routeConsumers().every((c) => inbox.listConsumers().some((s) => s.name === c)))));
    write(JSON.stringify({ sessions: { mode: 'per-session', routes: [{ project: '/home/me/billing', topics: ['deal.*'] }] } }));
    await waitFor(() => registry.mode === 'per-session', { what: 'the new mode' });
    expect(registry.routeConsumers()).toHaveLength(1);
    expect(seen).toEqual([true]);
  });

  it('a file that does not validate keeps the settings in use; the next valid one applies', async () => {
    const { write, registry, warnings } = await world({ mode: 'per-session' });
    let configured = 0;
    stops.push(registry.onConfigure(() => configured++));
    write(JSON.stringify({ sessions: { mode: 'sometimes' } }));
    await waitFor(() => warnings.length === 1, { what: 'the invalid file read' });
    expect(warnings[0]).toMatch(/^sessions: settings not applied: .*sessions\.mode/);
    expect(registry.mode).toBe('per-session');
    write(JSON.stringify({ sessions: { mode: 'shared' } }));
    await waitFor(() => registry.mode === 'shared', { what: 'the valid file applied' });
    expect(configured).toBe(1);
  });
});
