// electron-store on the daemon's file: same path, a schema derived from the relay's zod schema, defaults
// for the tray's own key, and a file the daemon (relay/config/settings.ts + zod) keeps reading.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openTraySettings, trayStoreOptions, TRAY_DEFAULTS } from '../../../main/settings.js';
import { openSettings } from '../../../relay/config/settings.js';
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

describe('tray settings (electron-store over conf)', () => {
  it('is <home>/settings.json, mode 0600, with the tray defaults written next to the daemon’s keys', async () => {
    const dir = await home();
    await openSettings(dir).set('server', 'https://api.pact.place');
    const settings = openTraySettings(confFactory, dir);
    expect(settings.path).toBe(join(dir, 'settings.json'));
    expect(statSync(settings.path).mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(settings.path, 'utf8'));
    expect(file).toMatchObject({ server: 'https://api.pact.place', ...TRAY_DEFAULTS });
    // The daemon still reads it: the tray's own keys are ignored by its schema.
    expect(openSettings(dir).read()).toMatchObject({ server: 'https://api.pact.place' });
  });

  it('validates with the relay’s own rules (a value the daemon would refuse is refused here too)', async () => {
    const dir = await home();
    const options = trayStoreOptions(dir);
    expect(Object.keys(options.schema)).toEqual(expect.arrayContaining(['server', 'clientId', 'apiKey', 'apiKeyEncrypted', 'localPort', 'secretStorage']));
    const store = confFactory(options);
    expect(() => store.set('localPort', 70000)).toThrow(/Config schema violation/);
    expect(() => store.set('clientId', 'has spaces')).toThrow(/Config schema violation/);
    store.set('localPort', 0);
    expect(openSettings(dir).read().localPort).toBe(0);
  });

  it('refuses (and never wipes) a file with invalid content', async () => {
    const dir = await home();
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ localPort: 'eighty' }));
    expect(() => openTraySettings(confFactory, dir)).toThrow(/localPort/);
    expect(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8'))).toEqual({ localPort: 'eighty' });
  });

  it('records the secret storage status for the UI', async () => {
    const dir = await home();
    const settings = openTraySettings(confFactory, dir);
    settings.setSecretStorage({ backend: 'basic_text', available: true, warning: 'careful' });
    expect(JSON.parse(readFileSync(settings.path, 'utf8')).secretStorage).toEqual({ backend: 'basic_text', available: true, warning: 'careful' });
  });
});
