// `npm start`: tray vs daemon decided from injected facts (the real run of scripts/start.mjs is in
// test/integration/main/launch.test.ts).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decideLaunch, fallbackLine, readLaunchFacts, type LaunchFacts } from '../../../main/launch.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function facts(partial: Partial<LaunchFacts> = {}): LaunchFacts {
  return {
    platform: 'linux',
    env: { DISPLAY: ':0' },
    electronDir: '/repo/node_modules/electron',
    pathTxt: 'electron',
    exists: (p) => p === '/repo/node_modules/electron/dist/electron',
    ...partial,
  };
}

describe('launch decision', () => {
  it('runs the tray when the binary named by path.txt exists and there is a display', () => {
    expect(decideLaunch(facts())).toEqual({ mode: 'tray', electron: '/repo/node_modules/electron/dist/electron' });
    expect(decideLaunch(facts({ env: { WAYLAND_DISPLAY: 'wayland-0' } })).mode).toBe('tray');
    expect(
      decideLaunch(facts({ platform: 'darwin', env: {}, pathTxt: 'Electron.app/Contents/MacOS/Electron', exists: (p) => p.endsWith('MacOS/Electron') })),
    ).toEqual({ mode: 'tray', electron: '/repo/node_modules/electron/dist/Electron.app/Contents/MacOS/Electron' });
    expect(decideLaunch(facts({ platform: 'win32', env: {}, pathTxt: 'electron.exe', exists: () => true })).mode).toBe('tray');
  });

  it('honours ELECTRON_OVERRIDE_DIST_PATH as Electron’s own resolution does', () => {
    expect(decideLaunch(facts({ env: { DISPLAY: ':0', ELECTRON_OVERRIDE_DIST_PATH: '/opt/e' }, exists: (p) => p === '/opt/e/electron' }))).toEqual({
      mode: 'tray',
      electron: '/opt/e/electron',
    });
  });

  it.each([
    ['no path.txt (the binary download never ran)', { pathTxt: null }, /path\.txt is missing/],
    ['path.txt naming a missing file', { exists: () => false }, /no Electron binary at \/repo\/node_modules\/electron\/dist\/electron/],
    ['no display on Linux (SSH)', { env: {} }, /no display: neither DISPLAY nor WAYLAND_DISPLAY is set/],
    ['PUSH_RELAY_HEADLESS=1', { env: { DISPLAY: ':0', PUSH_RELAY_HEADLESS: '1' } }, /PUSH_RELAY_HEADLESS is set/],
  ] as const)('falls back to the daemon: %s', (_name, partial, reason) => {
    const d = decideLaunch(facts(partial as Partial<LaunchFacts>));
    expect(d.mode).toBe('daemon');
    if (d.mode === 'daemon') expect(d.reason).toMatch(reason);
  });

  it('says why in one line', () => {
    const line = fallbackLine('no display');
    expect(line).toBe('Electron is not available here (no display): running the headless daemon instead; open the inbox URL below in a browser.');
    expect(line).not.toContain('\n');
  });

  it('reads the facts without importing electron (which throws without its binary)', () => {
    const f = readLaunchFacts(ROOT, {}, 'linux');
    expect(f.electronDir).toBe(`${ROOT}node_modules/electron`);
    expect(f.pathTxt === null || typeof f.pathTxt === 'string').toBe(true);
  });
});
