// `npm start`: tray vs daemon decided from injected facts, then one real run of scripts/start.mjs here,
// where Electron's binary is missing: the reason line, the daemon's `listening` line, clean shutdown on a
// forwarded SIGTERM.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { decideLaunch, fallbackLine, readLaunchFacts, type LaunchFacts } from '../../../main/launch.js';
import { homePaths } from '../../../relay/config/home.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';

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

describe('npm start here (no Electron binary)', () => {
  const dirs: TempDir[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await d.cleanup();
  });

  it('prints the reason and the daemon’s listening line, and stops the daemon on a forwarded SIGTERM', async () => {
    expect(existsSync(`${ROOT}dist/main/launch.js`), 'run `npm run build` first').toBe(true);
    const home = await tempDir('npm-start-');
    dirs.push(home);
    const env: NodeJS.ProcessEnv = { ...process.env, DISPLAY: ':0' };
    delete env.PUSH_RELAY_HEADLESS;
    const child = spawn(process.execPath, [`${ROOT}scripts/start.mjs`, '--home', home.path, '--local-port', '0', '--quiet'], { env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
    try {
      await waitFor(() => /^listening http:\/\/127\.0\.0\.1:\d+$/m.test(stdout), { timeoutMs: 20_000, what: `the listening line (stderr: ${stderr})` });
      const reasons = stderr.split('\n').filter((l) => l.startsWith('Electron is not available here ('));
      expect(reasons).toHaveLength(1);
      expect(reasons[0]).toMatch(/^Electron is not available here \((no Electron binary|no display).*\): running the headless daemon instead; open the inbox URL below in a browser\.$/);
      await waitFor(() => /^inbox http:\/\/127\.0\.0\.1:\d+\/#token=/m.test(stdout), { what: 'the inbox line' });
      expect(existsSync(homePaths(home.path).relayJson)).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
    const { code } = await exited;
    expect(code).toBe(0);
    // The daemon got the signal through start.mjs and shut down cleanly (it removes relay.json on exit).
    expect(existsSync(homePaths(home.path).relayJson)).toBe(false);
  });
});
