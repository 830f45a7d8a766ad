// The tray: created once, then every change sets a NEW context menu (Linux ignores in-place updates);
// the image and tooltip change only when they differ.
import { describe, expect, it, vi } from 'vitest';
import { buildMenu, type MenuAction } from '../../../main/menu-model.js';
import { TrayController } from '../../../main/tray.js';
import { trayView, type TrayStatusInput } from '../../../main/tray-state.js';
import { FakeTray, fakeElectron } from './fakes.js';

const status = (state: TrayStatusInput['upstream']['state']): TrayStatusInput => ({
  mode: 'demo',
  server: 'http://127.0.0.1:1',
  upstream: { state, stopped: false, lastError: null },
});

function frame(state: TrayStatusInput['upstream']['state'], unread = 0, recent = 0) {
  const view = trayView({ status: status(state), pausedUntil: null, unread, now: 0, platform: 'linux' });
  const menu = buildMenu({
    statusLine: view.statusLine,
    recent: Array.from({ length: recent }, (_, i) => ({ seq: i + 1, topic: 'deal.won', occurred_at: '', payload: {} })),
    pausedUntil: null,
    now: 0,
    openAtLogin: false,
    loginItemSupported: true,
  });
  return [view, menu] as const;
}

describe('TrayController', () => {
  it('calls setContextMenu again, with a new menu, on every change', () => {
    const electron = fakeElectron();
    const dispatch = vi.fn<(a: MenuAction) => void>();
    const tray = new TrayController({ electron, imageDir: '/img', platform: 'linux', dispatch });

    tray.render(...frame('connecting'));
    expect(FakeTray.all).toHaveLength(1);
    const t = FakeTray.all[0]!;
    expect(t.images).toEqual(['/img/tray-linux-reconnecting.png']);
    expect(t.menus).toHaveLength(1);
    expect(t.menu.items[0]?.label).toBe('Connecting to demo server…');

    tray.render(...frame('open'));
    tray.render(...frame('open', 2, 2)); // new events: unread + recent
    expect(t.menus).toHaveLength(3);
    expect(new Set(t.menus).size).toBe(3);
    expect(t.menu.items[0]?.label).toBe('Connected to demo server · 2 unread');
    expect(t.images).toEqual(['/img/tray-linux-reconnecting.png', '/img/tray-linux-connected.png', '/img/tray-linux-connected-unread.png']);
    expect(t.tooltips.at(-1)).toBe('Push Relay — Connected to demo server · 2 unread');

    // Nothing changed: no new menu, no flicker of an open menu.
    tray.render(...frame('open', 2, 2));
    expect(t.menus).toHaveLength(3);
    expect(FakeTray.all).toHaveLength(1);

    t.menu.click('Open inbox');
    expect(dispatch).toHaveBeenCalledWith({ type: 'open-inbox' });
  });

  it('a left click opens the inbox where the platform reports clicks; destroy removes the icon', () => {
    const electron = fakeElectron();
    const onClick = vi.fn();
    const tray = new TrayController({ electron, imageDir: '/img', platform: 'win32', dispatch: () => undefined, onClick });
    tray.render(...frame('open'));
    FakeTray.all[0]!.emit('click');
    expect(onClick).toHaveBeenCalledOnce();
    tray.destroy();
    expect(FakeTray.all[0]!.destroyed).toBe(true);
  });
});
