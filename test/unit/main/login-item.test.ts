// "Open at login": an XDG autostart file on Linux (in a temp XDG_CONFIG_HOME), setLoginItemSettings elsewhere.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { autostartPath, createLoginItem, desktopEntry, launchCommand, quoteExecArg } from '../../../main/login-item.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';
import { FakeApp } from './fakes.js';

const dirs: TempDir[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await d.cleanup();
});

describe('login item', () => {
  it('Linux: writes and removes ~/.config/autostart/push-relay.desktop under XDG_CONFIG_HOME', async () => {
    const dir = await tempDir('autostart-');
    dirs.push(dir);
    const app = new FakeApp();
    app.appPath = '/opt/push relay/app';
    const env = { XDG_CONFIG_HOME: join(dir.path, 'config') };
    const item = createLoginItem({ platform: 'linux', app, env, execPath: '/usr/lib/electron/electron' });
    const file = join(dir.path, 'config', 'autostart', 'push-relay.desktop');
    expect(item.supported).toBe(true);
    expect(item.isEnabled()).toBe(false);

    item.setEnabled(true);
    expect(item.isEnabled()).toBe(true);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('[Desktop Entry]\nType=Application\n');
    expect(text).toContain('\nExec=/usr/lib/electron/electron "/opt/push relay/app"\n');
    expect(text).toContain('\nX-GNOME-Autostart-enabled=true\n');
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(app.loginItem.openAtLogin).toBe(false); // Electron's call is a no-op on Linux: never relied on

    item.setEnabled(false);
    expect(existsSync(file)).toBe(false);
    expect(item.isEnabled()).toBe(false);
    item.setEnabled(false); // idempotent
  });

  it('Linux: an entry the desktop disabled (Hidden=true) counts as off', async () => {
    const dir = await tempDir('autostart-');
    dirs.push(dir);
    const env = { XDG_CONFIG_HOME: dir.path };
    const item = createLoginItem({ platform: 'linux', app: new FakeApp(), env, execPath: '/x' });
    item.setEnabled(true);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(autostartPath(env, () => '/nowhere'), `${desktopEntry(['/x'])}Hidden=true\n`);
    expect(item.isEnabled()).toBe(false);
  });

  it('Linux: runs the AppImage itself when packaged as one, the binary when packaged, ~/.config by default', () => {
    const app = new FakeApp();
    app.appPath = '/src/push-relay';
    expect(launchCommand({ app, execPath: '/e/electron' }, {})).toEqual(['/e/electron', '/src/push-relay']);
    app.isPackaged = true;
    expect(launchCommand({ app, execPath: '/opt/Push Relay/push-relay-tray' }, {})).toEqual(['/opt/Push Relay/push-relay-tray']);
    // Inside an AppImage, execPath is a temporary mount that is gone after logout.
    expect(launchCommand({ app, execPath: '/tmp/.mount_x/push-relay-tray' }, { APPIMAGE: '/home/u/Apps/Push Relay.AppImage' })).toEqual([
      '/home/u/Apps/Push Relay.AppImage',
    ]);
    expect(autostartPath({}, () => '/home/u')).toBe('/home/u/.config/autostart/push-relay.desktop');
    expect(quoteExecArg('/home/u/Apps/Push Relay.AppImage')).toBe('"/home/u/Apps/Push Relay.AppImage"');
    expect(quoteExecArg('/a/$HOME"x')).toBe('"/a/\\\\$HOME\\\\"x"');
    expect(quoteExecArg('/a/100%')).toBe('/a/100%%');
  });

  it.each(['darwin', 'win32'] as const)('%s: uses setLoginItemSettings', (platform) => {
    const app = new FakeApp();
    const item = createLoginItem({ platform, app, execPath: '/x' });
    item.setEnabled(true);
    expect(app.loginItem.openAtLogin).toBe(true);
    expect(item.isEnabled()).toBe(true);
    item.setEnabled(false);
    expect(item.isEnabled()).toBe(false);
  });
});
