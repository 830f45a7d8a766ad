// The settings store on its own file (the daemon's backend): one schema with errors naming the field, one
// atomic write path that installs no signal handler and never writes through a symlink.
import { existsSync, lstatSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSettings, SettingsError } from '../../../relay/config/settings.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';

const dirs: TempDir[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await d.cleanup();
});

async function home(): Promise<string> {
  const d = await tempDir('settings-store-');
  dirs.push(d);
  return d.path;
}

describe('settings store (file backend)', () => {
  it('writes atomically, mode 0600, keeping keys it does not know; null removes a key', async () => {
    const dir = await home();
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ futureKey: { a: 1 }, server: 'https://a.example' }));
    const store = openSettings(dir);
    expect(store.update({ clientId: 'c1', server: null })).toEqual({ clientId: 'c1' });
    expect(JSON.parse(readFileSync(store.path, 'utf8'))).toEqual({ futureKey: { a: 1 }, clientId: 'c1' });
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['settings.json']); // no temp file left
  });

  it('refuses an invalid change by field name and writes nothing', async () => {
    const dir = await home();
    const store = openSettings(dir);
    const err = (() => {
      try {
        store.update({ clientId: 'has spaces', localPort: 70000 });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SettingsError);
    expect((err as SettingsError).issues.map((i) => i.field)).toEqual(['clientId', 'localPort']);
    expect((err as Error).message).toMatch(/"clientId" use letters.*"localPort"/);
    expect(existsSync(store.path)).toBe(false);
  });

  it('installs no signal handler: the relay owns its shutdown (a library that re-raises SIGTERM pre-empts it)', async () => {
    const signals = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
    const before = signals.map((s) => process.listenerCount(s));
    openSettings(await home()).update({ clientId: 'c1' });
    expect(signals.map((s) => process.listenerCount(s))).toEqual(before);
  });

  it('refuses to write through a symlinked settings.json, and leaves the link and its target alone', async () => {
    const dir = await home();
    const target = join(dir, 'target.json');
    writeFileSync(target, '{"server":"https://a.example"}');
    symlinkSync(target, join(dir, 'settings.json'));
    expect(() => openSettings(dir).update({ apiKey: 'pact_secret_into_the_target' })).toThrow(/settings\.json is a symbolic link/);
    expect(readFileSync(target, 'utf8')).toBe('{"server":"https://a.example"}');
    expect(lstatSync(join(dir, 'settings.json')).isSymbolicLink()).toBe(true);
  });
});
