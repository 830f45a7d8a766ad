// The tray's settings: electron-store (conf here) as the backend of the relay's one settings store, on the
// daemon's file. Validation is the store's zod schema (no second ajv schema); the tray's own keys go through it.
import { readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { electronStoreBackend, TraySettings } from '../../../main/settings.js';
import { openSettings, SettingsError } from '../../../relay/config/settings.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';
import { confFactory } from './conf-store.js';

const dirs: TempDir[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await d.cleanup();
});

async function home(): Promise<string> {
  const d = await tempDir('tray-settings-');
  dirs.push(d);
  return d.path;
}

const trayStore = (dir: string) => openSettings(dir, electronStoreBackend(confFactory, dir));

describe('tray settings (the relay store over electron-store)', () => {
  it('is <home>/settings.json, mode 0600, read and written by tray and daemon alike', async () => {
    const dir = await home();
    openSettings(dir).update({ server: 'https://api.pact.place' });
    const store = trayStore(dir);
    expect(store.path).toBe(join(dir, 'settings.json'));
    expect(store.read()).toMatchObject({ server: 'https://api.pact.place' });
    store.update({ clientId: 'tray-one' });
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    expect(openSettings(dir).read()).toMatchObject({ server: 'https://api.pact.place', clientId: 'tray-one' });
  });

  it('validates with the one schema, naming the field; nothing is written for a refused value', async () => {
    const dir = await home();
    const store = trayStore(dir);
    store.update({ localPort: 0 });
    const before = readFileSync(store.path, 'utf8');
    expect(() => store.update({ localPort: 70000 })).toThrow(SettingsError);
    expect(() => store.update({ clientId: 'has spaces' })).toThrow(/"clientId" use letters/);
    expect(readFileSync(store.path, 'utf8')).toBe(before);
  });

  it('refuses (and never wipes) a file with invalid content', async () => {
    const dir = await home();
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ localPort: 'eighty' }));
    expect(() => trayStore(dir).read()).toThrow(/"localPort"/);
    expect(() => trayStore(dir).update({ clientId: 'x' })).toThrow(/"localPort"/);
    expect(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8'))).toEqual({ localPort: 'eighty' });
  });

  it('records the secret storage status and the encrypted key through the store', async () => {
    const dir = await home();
    openSettings(dir).update({ apiKey: 'pact_plain_from_a_headless_setup' });
    const settings = new TraySettings(trayStore(dir));
    settings.setSecretStorage({ backend: 'basic_text', available: true, warning: 'careful' });
    settings.saveEncrypted('ZW5jcnlwdGVk');
    const file = JSON.parse(readFileSync(settings.path, 'utf8'));
    expect(file).toEqual({ secretStorage: { backend: 'basic_text', available: true, warning: 'careful' }, apiKeyEncrypted: 'ZW5jcnlwdGVk' });
    expect(settings.getEncrypted()).toBe('ZW5jcnlwdGVk');
  });

  it('never writes through a symlinked settings.json (the key would land in the link’s target)', async () => {
    const dir = await home();
    const target = join(dir, 'elsewhere.json');
    writeFileSync(target, '{}');
    symlinkSync(target, join(dir, 'settings.json'));
    expect(() => new TraySettings(trayStore(dir)).saveEncrypted('ZW5jcnlwdGVk')).toThrow(/symbolic link/);
    expect(readFileSync(target, 'utf8')).toBe('{}');
  });
});
