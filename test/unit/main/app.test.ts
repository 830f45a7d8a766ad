// The tray app composed over fakes of Electron: single instance, the menu's actions, notification clicks,
// close-hides / quit-quits, refusal when another relay owns the home — and, hosting the REAL relay core
// (startRelay, demo mode, port 0, temp home), a click on a real event's popup and the settings page's key
// going through safeStorage.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startTrayApp, homeFlag, type HostedRelay, type TrayApp, type TrayAppOptions } from '../../../main/app.js';
import { CHANNELS } from '../../../main/ipc-channels.js';
import { homePaths } from '../../../relay/config/home.js';
import { openSettings } from '../../../relay/config/settings.js';
import { RelayConfigError } from '../../../relay/core/errors.js';
import { startRelay, type RelayOptions } from '../../../relay/core/relay.js';
import { MemoryInbox } from '../../../relay/inbox/memory-inbox.js';
import { startReferenceServer, type ReferenceServer } from '../../../relay/reference-server/server.js';
import { silentLogger } from '../../../relay/util/log.js';
import { incoming } from '../../contract/inbox.contract.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';
import { confFactory } from './conf-store.js';
import { FakeNotification, FakeSafeStorage, FakeTray, FakeWindow, fakeElectron, type FakeElectron } from './fakes.js';

const dirs: TempDir[] = [];
const apps: TrayApp[] = [];
const servers: ReferenceServer[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.shutdown();
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) await d.cleanup();
});

async function newDir(): Promise<string> {
  const d = await tempDir('tray-app-');
  dirs.push(d);
  return d.path;
}

/** A relay double: a memory inbox, a settable upstream state, a pause the tray can set. */
function fakeRelay(home: string) {
  const inbox = new MemoryInbox();
  let state: 'open' | 'reconnecting' | 'unauthorized' = 'open';
  let pausedUntil: number | null = null;
  const listeners = new Set<() => void>();
  const emit = () => listeners.forEach((l) => l());
  const relay = {
    url: 'http://127.0.0.1:47999',
    token: 'b'.repeat(64),
    closed: false,
    core: {
      status: () => ({ mode: 'demo' as const, server: 'http://127.0.0.1:1', upstream: { state, stopped: false, lastError: null } }),
      onStatus: (l: () => void) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      inbox,
    },
    notifications: {
      pause: vi.fn((preset: string) => {
        pausedUntil = Date.now() + (preset === '1h' ? 3_600_000 : 900_000);
        emit();
        return {} as never;
      }),
      resume: vi.fn(() => {
        pausedUntil = null;
        emit();
        return {} as never;
      }),
      status: () => ({ paused_until: pausedUntil === null ? null : new Date(pausedUntil).toISOString() }) as never,
    },
    settings: openSettings(home),
    close: vi.fn(async () => {
      relay.closed = true;
    }),
    setState(next: typeof state) {
      state = next;
      emit();
    },
  };
  return relay;
}

async function launch(overrides: Partial<TrayAppOptions> & { electron?: FakeElectron; home?: string } = {}) {
  const electron = overrides.electron ?? fakeElectron();
  const home = overrides.home ?? (await newDir());
  const relay = fakeRelay(home);
  const relayOptions: RelayOptions[] = [];
  const app = await startTrayApp({
    electron,
    platform: 'linux',
    env: { XDG_CONFIG_HOME: join(home, 'xdg') },
    argv: ['/usr/bin/electron', '.', '--home', home],
    execPath: '/usr/bin/electron',
    resourcesPath: '/resources',
    mainDir: '/app/dist/main',
    createStore: confFactory,
    startRelay: async (o) => {
      relayOptions.push(o);
      return relay as unknown as HostedRelay;
    },
    log: silentLogger,
    defer: (fn) => fn(),
    ...overrides,
  });
  if (app) apps.push(app);
  return { app, electron, relay, home, relayOptions, tray: () => FakeTray.all[0]! };
}

describe('tray app (fake relay)', () => {
  it('quits cleanly on SIGTERM, SIGINT and SIGHUP: the relay is closed, as from the menu', async () => {
    const signals = new Map<string, () => void>();
    const { electron, relay } = await launch({ onSignal: (signal, listener) => void signals.set(signal, listener) });
    expect([...signals.keys()].sort()).toEqual(['SIGHUP', 'SIGINT', 'SIGTERM']);
    signals.get('SIGTERM')!();
    await waitFor(() => relay.closed);
    expect(electron.app.quitCalls).toBeGreaterThanOrEqual(1);
  });

  it('puts userData in the relay home before taking the single-instance lock, then shows the tray', async () => {
    const { app, electron, home, relayOptions, tray } = await launch();
    expect(app).not.toBeNull();
    expect(electron.app.paths.get('userData')).toBe(home);
    expect(electron.app.calls).toEqual(['setPath:userData', 'requestSingleInstanceLock', 'whenReady']);
    expect(electron.app.name).toBe('Push Relay');
    expect(relayOptions[0]).toMatchObject({ home, notify: expect.objectContaining({ name: 'electron' }) });
    expect(tray().menu.items[0]).toEqual({ label: 'Connected to demo server', enabled: false });
    expect(tray().images[0]).toMatch(/tray-linux-reconnecting\.png$/); // "Starting…" until the relay runs
    expect(tray().images.at(-1)).toBe(join(process.cwd(), 'build', 'tray', 'tray-linux-connected.png'));
  });

  it('a second instance quits at once; the first one shows its inbox on "second-instance"', async () => {
    const electron = fakeElectron();
    electron.app.singleInstance = false;
    const second = await launch({ electron });
    expect(second.app).toBeNull();
    expect(electron.app.quitCalls).toBe(1);
    expect(FakeTray.all).toHaveLength(0);
    expect(second.relayOptions).toHaveLength(0);

    const first = await launch();
    expect(FakeWindow.all).toHaveLength(0);
    first.electron.app.emit('second-instance', {}, ['electron', '.'], '/');
    expect(FakeWindow.all).toHaveLength(1);
    expect(FakeWindow.all[0]!.visible).toBe(true);
    expect(FakeWindow.all[0]!.focused).toBe(true);
  });

  it('a notification click shows the inbox window at that event', async () => {
    const { relayOptions, relay } = await launch();
    // The relay's notification service hands popups to the notifier the tray gave it.
    const notifier = relayOptions[0]!.notify;
    if (!notifier) throw new Error('the tray passed no notifier');
    await notifier.notify({ title: 'Deal won', body: 'Acme', seq: 12 });
    expect(FakeWindow.all).toHaveLength(0);
    FakeNotification.all.at(-1)!.emit('click');
    const w = FakeWindow.all[0]!;
    expect(w.visible && w.focused).toBe(true);
    expect(new URL(w.lastUrl!).origin).toBe(relay.url);
    expect(new URL(w.lastUrl!).hash).toBe(`#token=${relay.token}&event=12`);
  });

  it('rebuilds the menu on every change: upstream state, new events (unread + recent), pause', async () => {
    const { relay, tray } = await launch();
    const before = tray().menus.length;
    relay.setState('reconnecting');
    expect(tray().menus.length).toBe(before + 1);
    expect(tray().menu.items[0]?.label).toBe('Reconnecting to demo server…');
    expect(tray().images.at(-1)).toMatch(/tray-linux-reconnecting\.png$/);

    relay.setState('open');
    await relay.core.inbox.append([incoming(1, { topic: 'deal.won' }), incoming(2, { topic: 'account.health_at_risk' })]);
    expect(tray().menu.items[0]?.label).toBe('Connected to demo server · 2 unread');
    expect(tray().images.at(-1)).toMatch(/tray-linux-connected-unread\.png$/);
    expect(tray().menu.find(/^account\.health_at_risk/)).toBeDefined();

    tray().menu.click('For 1 hour');
    expect(relay.notifications.pause).toHaveBeenCalledWith('1h');
    expect(tray().menu.items[0]?.label).toMatch(/^Notifications paused until .+ · 2 unread$/);
    expect(tray().images.at(-1)).toMatch(/tray-linux-paused-unread\.png$/);
    tray().menu.click('Resume notifications');
    expect(relay.notifications.resume).toHaveBeenCalled();

    // Looking at the inbox clears unread.
    tray().menu.click('Open inbox');
    expect(tray().menu.items[0]?.label).toBe('Connected to demo server');
  });

  it('menu entries open the window at the right place', async () => {
    const { relay, tray } = await launch();
    await relay.core.inbox.append([incoming(5, { topic: 'deal.won' })]);
    tray().menu.click(/^deal\.won/);
    const w = FakeWindow.all[0]!;
    expect(new URL(w.lastUrl!).hash).toMatch(/&event=1$/); // inbox seq, not the upstream event id
    tray().menu.click('Subscriptions…');
    expect(w.lastUrl).toMatch(/&subscriptions$/);
    tray().menu.click('Settings…');
    expect(w.lastUrl).toMatch(/&settings$/);
    expect(FakeWindow.all).toHaveLength(1);
  });

  it('"Open at login" on Linux writes the XDG autostart file and the menu shows it checked', async () => {
    const { home, tray } = await launch();
    tray().menu.click('Open at login');
    expect(existsSync(join(home, 'xdg', 'autostart', 'push-relay.desktop'))).toBe(true);
    expect(tray().menu.find('Open at login')).toMatchObject({ type: 'checkbox', checked: true });
    tray().menu.click('Open at login');
    expect(existsSync(join(home, 'xdg', 'autostart', 'push-relay.desktop'))).toBe(false);
  });

  it('closing the window hides it; Quit closes the relay, the window and the tray, then quits', async () => {
    const { electron, relay, tray } = await launch();
    tray().menu.click('Open inbox');
    const w = FakeWindow.all[0]!;
    w.close();
    expect(w.destroyed).toBe(false);
    expect(w.visible).toBe(false);
    expect(electron.app.count('window-all-closed')).toBe(1); // handled: the app lives on in the tray

    tray().menu.click('Quit Push Relay');
    await waitFor(() => electron.app.quitCalls >= 2, { what: 'the second quit after shutdown' });
    expect(relay.close).toHaveBeenCalledOnce();
    expect(w.destroyed).toBe(true);
    expect(tray().destroyed).toBe(true);
  });

  it('answers the preload with the relay URL, token and key-storage status — to our window only', async () => {
    const safeStorage = new FakeSafeStorage();
    safeStorage.backend = 'basic_text';
    const electron = fakeElectron({ safeStorage });
    const { app, relay, tray, home } = await launch({ electron });
    tray().menu.click('Open inbox');
    const w = FakeWindow.all[0]!;
    const config = electron.ipcMain.sendSync(CHANNELS.getConfig, { sender: w.webContents, senderFrame: { url: `${relay.url}/` } });
    expect(config).toEqual({ relayUrl: relay.url, token: relay.token, secretStorage: { backend: 'basic_text', warning: expect.stringMatching(/basic_text/) } });
    expect(app?.secretStorage?.backend).toBe('basic_text');
    // The flag the UI can show, in settings.json.
    expect(JSON.parse(readFileSync(join(home, 'settings.json'), 'utf8')).secretStorage).toMatchObject({ backend: 'basic_text', warning: expect.any(String) });
    const stranger = new electron.BrowserWindow({}) as FakeWindow;
    expect(electron.ipcMain.sendSync(CHANNELS.getConfig, { sender: stranger.webContents, senderFrame: { url: `${relay.url}/` } })).toBeNull();
  });

  it('a relay that cannot start leaves the tray in an error state with the reason, and says so once', async () => {
    const { electron, tray } = await launch({
      startRelay: () => Promise.reject(new RelayConfigError('local port 47831 is in use; pick another with --local-port N', 'port_in_use')),
    });
    expect(tray().menu.items[0]?.label).toBe('Error: local port 47831 is in use; pick another with --local-port N');
    expect(tray().images.at(-1)).toMatch(/tray-linux-error\.png$/);
    expect(tray().menu.find('Open inbox')).toMatchObject({ enabled: false });
    expect(electron.dialogs).toEqual([expect.objectContaining({ type: 'error', detail: expect.stringMatching(/port 47831 is in use/) })]);
  });

  it('decrypts a saved key and hands it to the relay; PUSH_RELAY_API_KEY wins over it', async () => {
    const home = await newDir();
    const safeStorage = new FakeSafeStorage();
    writeFileSync(join(home, 'settings.json'), JSON.stringify({ server: 'https://api.pact.place', apiKeyEncrypted: safeStorage.encryptString('pact_saved_key').toString('base64') }));
    const one = await launch({ home, electron: fakeElectron({ safeStorage }) });
    expect(one.relayOptions[0]?.apiKey).toBe('pact_saved_key');
    await one.app!.shutdown();

    const two = await launch({ home, electron: fakeElectron({ safeStorage }), env: { PUSH_RELAY_API_KEY: 'pact_env_key' } });
    expect(two.relayOptions[0]?.apiKey).toBeUndefined();
    expect(two.relayOptions[0]?.env?.PUSH_RELAY_API_KEY).toBe('pact_env_key');
  });

  it('macOS: no Dock icon, template tray images; Windows: an AppUserModelID for notifications', async () => {
    const mac = await launch({ platform: 'darwin' });
    expect(mac.electron.app.dockHidden).toBe(true);
    expect(mac.tray().images.at(-1)).toMatch(/tray-connectedTemplate\.png$/);
    await mac.app!.shutdown();
    const win = await launch({ platform: 'win32' });
    expect(win.electron.app.userModelId).toBe('place.pact.push-relay');
    expect(win.tray().images.at(-1)).toMatch(/tray-win32-connected\.png$/);
  });

  it('takes --home from the arguments', () => {
    expect(homeFlag(['electron', '.', '--home', '/h'])).toBe('/h');
    expect(homeFlag(['electron', '.', '--home=/h2'])).toBe('/h2');
    expect(homeFlag(['electron', '.'])).toBeUndefined();
  });
});

describe('tray app hosting the real relay core', () => {
  async function launchReal(electron = fakeElectron(), home?: string) {
    home ??= await newDir();
    const app = await startTrayApp({
      electron,
      platform: 'linux',
      env: {},
      argv: ['electron', '.', `--home=${home}`],
      execPath: '/usr/bin/electron',
      resourcesPath: '/resources',
      mainDir: '/app/dist/main',
      createStore: confFactory,
      startRelay: (o) => startRelay({ ...o, localPort: 0, demoIntervalMs: 30, mcp: false }),
      log: silentLogger,
      defer: (fn) => fn(),
    });
    if (app) apps.push(app);
    return { app: app!, electron, home };
  }

  it('a real event’s popup, clicked, opens the window at that event on the relay’s origin', async () => {
    const { app } = await launchReal();
    const popup = await waitFor(() => FakeNotification.all[0], { what: 'a demo event popup', timeoutMs: 15_000 });
    popup.emit('click');
    const w = FakeWindow.all[0]!;
    const url = new URL(w.lastUrl!);
    expect(url.origin).toBe(app.relay!.url);
    const seq = Number(new URLSearchParams(url.hash.slice(1)).get('event'));
    expect(seq).toBeGreaterThan(0);
    expect(new URLSearchParams(url.hash.slice(1)).get('token')).toBe(app.relay!.token);
    // The tray's menu lists the event too.
    await waitFor(() => FakeTray.all[0]!.menu.find(/^[a-z_]+\.[a-z_.]+/), { what: 'a recent event in the menu' });
  });

  it('the settings page’s API key is stored through safeStorage — encrypted, never plain', async () => {
    const { app, home } = await launchReal();
    const put = (body: unknown) =>
      fetch(`${app.relay!.url}/v1/settings`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${app.relay!.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const res = await put({ apiKey: 'pact_live_secret_42' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ settings: { apiKeySet: true, apiKeyStorage: 'encrypted' } });
    const file = readFileSync(join(home, 'settings.json'), 'utf8');
    expect(file).not.toContain('pact_live_secret_42');
    expect(JSON.parse(file).apiKeyEncrypted).toEqual(expect.any(String));
  });

  it('a key refused by the server, replaced from the Settings page (every field the page sends), reconnects at once — encrypted, no restart', async () => {
    const server = await startReferenceServer({ tokens: { 'pact_good_key_1': 't1' }, heartbeatMs: 1000 });
    servers.push(server);
    server.store.subscribe('t1', { client_id: 'tray-keyed', topic: ['deal.*'] });
    const home = await newDir();
    const safeStorage = new FakeSafeStorage();
    writeFileSync(join(home, 'settings.json'), JSON.stringify({
      server: server.url, clientId: 'tray-keyed', apiKeyEncrypted: safeStorage.encryptString('pact_revoked_key').toString('base64'),
    }));
    const { app } = await launchReal(fakeElectron({ safeStorage }), home);
    const state = () => app.relay!.core.status().upstream.state;
    await waitFor(() => state() === 'unauthorized', { what: 'the unauthorized state', timeoutMs: 20_000 });
    await waitFor(() => /API key/.test(FakeTray.all[0]!.menu.items[0]?.label ?? ''), { what: 'the tray to say the key was refused' });

    const res = await fetch(`${app.relay!.url}/v1/settings`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${app.relay!.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ server: server.url, clientId: 'tray-keyed', apiKey: 'pact_good_key_1' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ restart_required: false, message: expect.stringMatching(/in use/), settings: { apiKeyStorage: 'encrypted' } });
    await waitFor(() => state() === 'open', { what: 'the stream to open with the new key', timeoutMs: 20_000 });
    await waitFor(() => !/API key/.test(FakeTray.all[0]!.menu.items[0]?.label ?? ''), { what: 'the tray to drop its key warning' });
    await server.emit('t1', { topic: 'deal.won', payload: { after: 'the key change' } });
    await waitFor(() => app.relay!.core.inbox.recent(5).some((e) => e.payload.after === 'the key change'), { what: 'an event after the key change', timeoutMs: 20_000 });
    const file = readFileSync(join(home, 'settings.json'), 'utf8');
    expect(file).not.toContain('pact_good_key_1');
    expect(safeStorage.decryptString(Buffer.from(JSON.parse(file).apiKeyEncrypted, 'base64'))).toBe('pact_good_key_1');
  });

  it('with no OS encryption the settings page gets a clear refusal and nothing is written', async () => {
    const safeStorage = new FakeSafeStorage();
    safeStorage.available = false;
    const { app, home } = await launchReal(fakeElectron({ safeStorage }));
    const res = await fetch(`${app.relay!.url}/v1/settings`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${app.relay!.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ apiKey: 'pact_live_secret_43' }),
    });
    expect(res.status).toBe(409);
    expect(JSON.stringify(await res.json())).toMatch(/not available.*NOT saved/);
    expect(readFileSync(join(home, 'settings.json'), 'utf8')).not.toContain('pact_live_secret_43');
  });

  it('another relay owning the home: a dialog naming its pid, its inbox on request, then quit — settings untouched', async () => {
    const home = await newDir();
    const paths = homePaths(home);
    const owner = process.ppid; // alive, and not us: the lock's owner
    writeFileSync(paths.lock, String(owner));
    writeFileSync(paths.relayJson, JSON.stringify({ pid: owner, url: 'http://127.0.0.1:45555', version: 'x' }));
    writeFileSync(paths.localToken, `${'c'.repeat(64)}\n`);
    const electron = fakeElectron();
    electron.dialogResponse = 0; // "Open its inbox"
    const app = await startTrayApp({
      electron,
      platform: 'linux',
      env: {},
      argv: ['electron', '.', '--home', home],
      execPath: '/usr/bin/electron',
      resourcesPath: '/resources',
      mainDir: '/app/dist/main',
      createStore: confFactory,
      startRelay: (o) => startRelay({ ...o, localPort: 0, mcp: false }),
      log: silentLogger,
      defer: (fn) => fn(),
    });
    expect(electron.dialogs).toHaveLength(1);
    expect(electron.dialogs[0]).toMatchObject({ message: `Push Relay is already running (pid ${owner})`, detail: expect.stringContaining(`kill ${owner}`) });
    expect(electron.opened).toEqual([`http://127.0.0.1:45555/#token=${'c'.repeat(64)}`]);
    expect(electron.app.quitCalls).toBeGreaterThan(0);
    expect(FakeTray.all[0]?.destroyed ?? true).toBe(true);
    expect(app?.relay).toBeUndefined();
    expect(existsSync(paths.settings)).toBe(false); // one writer: the tray wrote nothing
    expect(readFileSync(paths.lock, 'utf8')).toBe(String(owner)); // and left the owner's lock alone
  });
});
