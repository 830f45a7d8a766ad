// The Electron Notification adapter of the relay's Notifier port: shows popups, routes clicks to the
// popup's inbox seq, keeps popups referenced until they close, says why when unavailable.
import { describe, expect, it, vi } from 'vitest';
import { ElectronNotifier } from '../../../main/notifier.js';
import { MemoryInbox } from '../../../relay/inbox/memory-inbox.js';
import { NotifierError } from '../../../relay/notify/notifier.js';
import { NotificationService } from '../../../relay/notify/service.js';
import { incoming } from '../../contract/inbox.contract.js';
import { FakeNotification, fakeElectron } from './fakes.js';

describe('ElectronNotifier', () => {
  it('shows a popup with the formatted title and body', async () => {
    const electron = fakeElectron();
    const notifier = new ElectronNotifier({ electron, platform: 'darwin' });
    await notifier.notify({ title: 'Deal won', body: 'Acme — $120,000', seq: 4 });
    expect(FakeNotification.all).toHaveLength(1);
    expect(FakeNotification.all[0]).toMatchObject({ shown: true, options: { title: 'Deal won', body: 'Acme — $120,000', silent: false } });
  });

  it('a click reports the popup’s inbox seq to every listener; popups without a seq report nothing', async () => {
    const electron = fakeElectron();
    const notifier = new ElectronNotifier({ electron, platform: 'linux' });
    const clicks: number[] = [];
    const off = notifier.onClick((seq) => clicks.push(seq));
    await notifier.notify({ title: 'a', body: 'b', seq: 17 });
    await notifier.notify({ title: 'no seq', body: '' });
    FakeNotification.all[0]!.emit('click');
    FakeNotification.all[1]!.emit('click');
    expect(clicks).toEqual([17]);
    off();
    await notifier.notify({ title: 'c', body: 'd', seq: 18 });
    FakeNotification.all[2]!.emit('click');
    expect(clicks).toEqual([17]);
  });

  it('keeps popups referenced until closed or clicked (a collected one loses its click handler), at most 50', async () => {
    const electron = fakeElectron();
    const notifier = new ElectronNotifier({ electron, platform: 'linux' });
    await notifier.notify({ title: 'a', body: '', seq: 1 });
    await notifier.notify({ title: 'b', body: '', seq: 2 });
    expect(notifier.live).toBe(2);
    FakeNotification.all[0]!.emit('close');
    FakeNotification.all[1]!.emit('click');
    expect(notifier.live).toBe(0);
    for (let i = 0; i < 60; i++) await notifier.notify({ title: String(i), body: '', seq: i });
    expect(notifier.live).toBe(50);
  });

  it('renders markup on Linux (the relay escapes & < >), plain text on macOS and Windows', () => {
    const electron = fakeElectron();
    expect(new ElectronNotifier({ electron, platform: 'linux' }).markup).toBe(true);
    expect(new ElectronNotifier({ electron, platform: 'darwin' }).markup).toBe(false);
    expect(new ElectronNotifier({ electron, platform: 'win32' }).markup).toBe(false);
  });

  it('without a notification service: unavailable with a reason, and notify rejects with NotifierError', async () => {
    const electron = fakeElectron();
    FakeNotification.supported = false;
    const notifier = new ElectronNotifier({ electron, platform: 'linux' });
    expect(await notifier.available()).toEqual({ ok: false, reason: expect.stringMatching(/no notification service/) });
    const err = await notifier.notify({ title: 'x', body: 'y' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotifierError);
    expect(err).toMatchObject({ code: 'unavailable' });
    expect(FakeNotification.all).toHaveLength(0);
  });

  it('a click on a tray popup becomes a clicked receipt on its event (through the notification service)', async () => {
    const electron = fakeElectron();
    const notifier = new ElectronNotifier({ electron, platform: 'linux' });
    const inbox = new MemoryInbox();
    const svc = new NotificationService({ notifier, settings: { burst: { windowMs: 0 } } });
    try {
      svc.attach(inbox);
      await inbox.append([incoming(41)]);
      await vi.waitFor(() => expect(FakeNotification.all).toHaveLength(1));
      await svc.idle();
      FakeNotification.all[0]!.emit('click');
      expect(inbox.receipts(1)?.receipts.map((r) => r.via)).toEqual(['shown', 'clicked']);
    } finally {
      await svc.close();
      await inbox.close();
    }
  });
});
