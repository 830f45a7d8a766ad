// The tray app, composed: it HOSTS the relay core in-process (startRelay, same home as the daemon) and adds
// what only a desktop app can: a tray icon and menu, the inbox window, Electron notifications, safeStorage
// for the API key. Every Electron API comes in through `ElectronApi`; main/main.ts passes the real module.
//
// Order matters:
//   1. userData := the relay's home (before the single-instance lock, which lives there);
//   2. single-instance lock: a second launch quits and the first shows its inbox;
//   3. after `ready`: decrypt the key (read-only), start the relay — it takes the home's instance lock, so a
//      daemon that owns the home is found here (we refuse, naming its pid; see `ownedByAnother`);
//   4. only then open settings for writing: the relay opens its settings store over electron-store once it
//      holds the lock, and the tray writes through that store (one writer per file, one write path).
import { join } from 'node:path';
import { homePaths, resolveHome } from '../relay/config/home.js';
import { InstanceLockedError } from '../relay/config/instance.js';
import { findRelay } from '../relay/client/endpoint.js';
import { openSettings, type SettingsStore } from '../relay/config/settings.js';
import type { RelayOptions } from '../relay/core/relay.js';
import type { Inbox } from '../relay/inbox/types.js';
import type { KeyWriter } from '../relay/local/settings-routes.js';
import type { SignInFlow } from '../relay/auth/sign-in-flow.js';
import type { NotificationService } from '../relay/notify/service.js';
import { HttpError } from '../relay/util/http.js';
import { createLogger, type Logger } from '../relay/util/log.js';
import type { ElectronApi } from './electron-api.js';
import { InboxWindow, inboxUrl, type InboxRoute } from './inbox-window.js';
import { registerIpc } from './ipc.js';
import { createLoginItem, type LoginItem } from './login-item.js';
import { buildMenu, type MenuAction } from './menu-model.js';
import { signInFacts, traySignIn, traySignOut, traySignInStore, type TraySignInDeps } from './sign-in.js';
import { ElectronNotifier } from './notifier.js';
import { ApiKeyVault, readOnlyKeyStore, SecretStorageError, type SecretStorageStatus } from './secrets.js';
import { electronStoreBackend, TraySettings, type StoreFactory } from './settings.js';
import { claimSingleInstance } from './single-instance.js';
import { TrayController } from './tray.js';
import { trayView, type TrayStatusInput } from './tray-state.js';
import { hardenWebContents } from './web-security.js';

export const APP_NAME = 'Push Relay';
export const APP_USER_MODEL_ID = 'place.pact.push-relay';

/** The part of a running relay (relay/core/relay.ts RunningRelay) the tray uses. */
export interface HostedRelay {
  readonly url: string;
  readonly token: string;
  readonly core: {
    status(): TrayStatusInput;
    onStatus(listener: () => void): () => void;
    readonly inbox: Pick<Inbox, 'recent' | 'readSince' | 'head' | 'onAppend'>;
  };
  readonly notifications?: Pick<NotificationService, 'pause' | 'resume' | 'status'>;
  /** The relay's settings store (over electron-store): the tray writes its own keys through it. */
  readonly settings: SettingsStore;
  /** The relay's interactive sign-in, the one the Settings page starts too. */
  readonly signIn: Pick<SignInFlow, 'start' | 'signOut'>;
  close(): Promise<void>;
}

export interface TrayAppOptions {
  electron: ElectronApi;
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  /** The process's arguments (for `--home DIR`). */
  argv: string[];
  execPath: string;
  /** process.resourcesPath: where electron-builder's extraResources land when packaged. */
  resourcesPath: string;
  /** The directory of the compiled main process (dist/main), for the preload. */
  mainDir: string;
  createStore: StoreFactory;
  startRelay: (options: RelayOptions) => Promise<HostedRelay>;
  log?: Logger;
  now?: () => number;
  homedir?: () => string;
  /** Coalesces bursts of changes into one tray update (default: 150 ms later). */
  defer?: (fn: () => void) => void;
  /** Where the app listens for termination signals (default: process.on). */
  onSignal?: (signal: NodeJS.Signals, listener: () => void) => void;
}

export interface TrayApp {
  readonly home: string;
  readonly relay: HostedRelay | undefined;
  readonly window: InboxWindow;
  readonly settings: TraySettings | undefined;
  readonly secretStorage: SecretStorageStatus | undefined;
  /** What the tray shows now (status line, kind, unread). */
  readonly unread: number;
  dispatch(action: MenuAction): void;
  /** Re-renders tray and menu now. */
  render(): void;
  /** Stops everything; resolves when the relay is closed. */
  shutdown(): Promise<void>;
}

/** `--home DIR` or `--home=DIR` among Electron's arguments. */
export function homeFlag(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--home') return argv[i + 1];
    if (a.startsWith('--home=')) return a.slice('--home='.length);
  }
  return undefined;
}

/** Returns null when this process is a second instance (it quits; the first one shows its window). */
export async function startTrayApp(options: TrayAppOptions): Promise<TrayApp | null> {
  const { electron, platform, env } = options;
  const { app } = electron;
  const now = options.now ?? Date.now;
  const home = resolveHome(homeFlag(options.argv), { env, platform, homedir: options.homedir });
  const paths = homePaths(home);
  const log = options.log ?? createLogger({ dir: paths.logs, stderrLevel: 'warn' });

  app.setName(APP_NAME);
  app.setPath('userData', home);
  if (platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);

  let relay: HostedRelay | undefined;
  let signInDeps: () => TraySignInDeps = () => {
    throw new Error('the app is still starting');
  };
  /** Set once this process holds the home's lock (it may then write settings). */
  const owned: { settings?: TraySettings; vault?: ApiKeyVault; secretStorage?: SecretStorageStatus } = {};
  let fatal: string | null = null;
  let lastSeen = 0;
  let closed = false;
  let closing: Promise<void> | undefined;
  const offs: (() => void)[] = [];

  const imageDir = app.isPackaged ? join(options.resourcesPath, 'tray') : join(app.getAppPath(), 'build', 'tray');
  const windowIcon =
    platform === 'darwin' ? undefined : app.isPackaged ? join(options.resourcesPath, 'icon.png') : join(app.getAppPath(), 'build', 'icons', '256x256.png');
  // Nothing of Electron is touched until the window is first shown.
  const inboxWindow = new InboxWindow({
    electron,
    preload: join(options.mainDir, 'preload', 'preload.cjs'),
    icon: windowIcon,
    target: () => (relay ? { url: relay.url, token: relay.token } : null),
    openExternal: (url) => void electron.shell.openExternal(url).catch(() => undefined),
    onSeen: () => markSeen(),
    log: (l) => log.warn(l),
  });

  if (!claimSingleInstance(app, () => inboxWindow.show())) {
    app.quit();
    return null;
  }

  // A tray app lives on when its last window closes.
  app.on('window-all-closed', () => undefined);
  app.on('web-contents-created', (_event, contents) =>
    hardenWebContents(contents, { allowedOrigin: () => inboxWindow.origin(), log: (l) => log.warn(l) }),
  );
  app.on('before-quit', () => inboxWindow.allowClose());
  // SIGTERM/SIGINT/SIGHUP quit like the menu does, so the relay shuts down cleanly (relay.json and the lock go).
  // Persistent listeners on purpose: electron-store writes through conf → atomically, whose when-exit hooks these
  // signals with process.once at import and re-raises the signal after its own clean-up; with no listener of
  // ours left, that re-raised signal would kill the process before the relay's shutdown has run.
  const onSignal = options.onSignal ?? ((signal, listener) => void process.on(signal, listener));
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) onSignal(signal, () => app.quit());
  app.on('will-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    void shutdown().finally(() => app.quit());
  });

  await app.whenReady();
  if (platform === 'darwin') app.dock?.hide();

  const notifier = new ElectronNotifier({ electron, platform, log: (l) => log.warn(l) });
  offs.push(notifier.onClick((seq) => inboxWindow.show({ view: 'inbox', event: seq })));

  const loginItem: LoginItem = createLoginItem({ platform, app, env, homedir: options.homedir, execPath: options.execPath });

  const tray = new TrayController({ electron, imageDir, platform, dispatch: (a) => dispatch(a), onClick: () => inboxWindow.show() });
  let renderQueued = false;
  const defer = options.defer ?? ((fn: () => void) => void setTimeout(fn, 150));
  const requestRender = () => {
    if (renderQueued || closed) return;
    renderQueued = true;
    defer(() => {
      renderQueued = false;
      render();
    });
  };

  function pausedUntil(): number | null {
    const iso = relay?.notifications?.status().paused_until;
    const t = iso ? Date.parse(iso) : NaN;
    return Number.isFinite(t) ? t : null;
  }

  function unreadCount(): number {
    return relay ? relay.core.inbox.readSince(lastSeen, { limit: 100 }).length : 0;
  }

  function markSeen(): void {
    if (!relay) return;
    const head = relay.core.inbox.head();
    if (head !== lastSeen) {
      lastSeen = head;
      requestRender();
    }
  }

  function render(): void {
    if (closed) return;
    try {
      renderNow();
    } catch (err) {
      log.error(`tray update failed: ${(err as Error).message}`);
    }
  }

  function renderNow(): void {
    const t = now();
    const paused = pausedUntil();
    const view = trayView({ status: relay ? relay.core.status() : null, fatal, pausedUntil: paused, unread: unreadCount(), now: t, platform });
    const running = relay !== undefined;
    const status = relay?.core.status();
    const menu = buildMenu({
      signIn: signInFacts(status?.mode, status?.auth),
      statusLine: view.statusLine,
      recent: relay ? relay.core.inbox.recent(5) : [],
      pausedUntil: paused,
      now: t,
      openAtLogin: safe(() => loginItem.isEnabled(), false),
      loginItemSupported: loginItem.supported,
      relayRunning: running,
    });
    tray.render(view, menu);
  }

  function dispatch(action: MenuAction): void {
    try {
      switch (action.type) {
        case 'open-inbox':
          return void inboxWindow.show();
        case 'open-event':
          return void inboxWindow.show({ view: 'inbox', event: action.seq });
        case 'open-subscriptions':
          return void inboxWindow.show({ view: 'subscriptions' });
        case 'open-settings':
          return void inboxWindow.show({ view: 'settings' });
        case 'pause':
          relay?.notifications?.pause(action.preset);
          return render();
        case 'resume':
          relay?.notifications?.resume();
          return render();
        case 'set-open-at-login':
          loginItem.setEnabled(action.enabled);
          return render();
        case 'sign-in':
        case 'sign-out': {
          const run = action.type === 'sign-in' ? traySignIn : traySignOut;
          void run(signInDeps())
            .catch((err: Error) => log.warn(`${action.type} failed: ${err.message}`))
            .finally(() => render());
          return;
        }
        case 'quit':
          return app.quit();
      }
    } catch (err) {
      log.error(`menu action ${action.type} failed: ${(err as Error).message}`);
    }
  }

  async function shutdown(): Promise<void> {
    closing ??= (async () => {
      closed = true;
      for (const off of offs.splice(0)) off();
      tray.destroy();
      inboxWindow.destroy();
      notifier.close();
      try {
        await relay?.close();
      } catch (err) {
        log.warn(`relay shutdown: ${(err as Error).message}`);
      }
      log.flush();
    })();
    return closing;
  }

  // The key: decrypted from settings (read-only until we hold the home's lock). The environment wins, as
  // it does for the daemon.
  const settingsBackend = (dir: string) => electronStoreBackend(options.createStore, dir);
  let apiKey: string | undefined;
  let reEncrypt = false;
  try {
    const stored = openSettings(home, settingsBackend(home)).read();
    if (!env.PUSH_RELAY_API_KEY && stored.apiKeyEncrypted) {
      const loaded = await new ApiKeyVault({ safeStorage: electron.safeStorage, platform, store: readOnlyKeyStore(stored.apiKeyEncrypted) }).load();
      apiKey = loaded?.key;
      reEncrypt = loaded?.shouldReEncrypt ?? false;
    }
  } catch (err) {
    // The relay reports a broken settings file itself, in its own words; a key we cannot decrypt is logged
    // and the relay says what is missing.
    if (err instanceof SecretStorageError) log.warn(err.message);
  }

  // OAuth sign-ins sealed by safeStorage (after `ready`: Linux knows its keyring only then), else memory only.
  const signIns = traySignInStore(home, electron.safeStorage, platform);
  signInDeps = () => ({
    flow: () => relay?.signIn,
    openExternal: (url) => electron.shell.openExternal(url),
  });
  render();
  try {
    relay = await options.startRelay({
      home,
      env,
      apiKey,
      signIns,
      log,
      notify: notifier,
      // The relay's own Settings route over the relay's own store, kept in electron-store; the page's key goes
      // through safeStorage, never into settings.json as plain text.
      settingsBackend,
      writeKey: (key) => writeKey(key),
    });
  } catch (err) {
    if (err instanceof InstanceLockedError) {
      await ownedByAnother(electron, log, err.pid, home);
      await shutdown();
      app.quit();
      return handle();
    }
    fatal = (err as Error).message;
    log.error(`relay did not start: ${fatal}`);
    render();
    void electron.dialog
      .showMessageBox({ type: 'error', title: APP_NAME, message: 'Push Relay could not start its relay', detail: fatal, buttons: ['OK'] })
      .catch(() => undefined);
    return handle();
  }

  lastSeen = relay.core.inbox.head();
  const settings = (owned.settings = new TraySettings(relay.settings));
  const vault = (owned.vault = new ApiKeyVault({ safeStorage: electron.safeStorage, platform, store: settings, log: (level, l) => log[level](l) }));
  const secretStorage = (owned.secretStorage = await vault.status());
  settings.setSecretStorage(secretStorage);
  if (secretStorage.warning && (secretStorage.backend === 'basic_text' || settings.getEncrypted())) log.warn(secretStorage.warning);
  if (reEncrypt && apiKey) await vault.save(apiKey).catch((err: Error) => log.warn(`re-encrypting the API key failed: ${err.message}`));

  offs.push(
    registerIpc({
      electron,
      window: () => inboxWindow.current(),
      origin: () => inboxWindow.origin(),
      log: (l) => log.warn(l),
      handlers: {
        getConfig: () =>
          relay ? { relayUrl: relay.url, token: relay.token, secretStorage: { backend: secretStorage.backend, warning: secretStorage.warning } } : null,
      },
    }),
  );
  offs.push(relay.core.onStatus(() => requestRender()));
  offs.push(relay.core.inbox.onAppend(() => requestRender()));
  render();
  log.info(`tray app ready: relay on ${relay.url} (home ${home})`);
  return handle();

  async function writeKey(key: string | null): ReturnType<KeyWriter> {
    if (!owned.vault) throw new HttpError(503, 'not_ready', 'the app is still starting; try again in a moment');
    try {
      const apiKeyEncrypted = key === null ? null : await owned.vault.encrypt(key);
      return { patch: { apiKeyEncrypted, apiKey: null }, storage: 'encrypted' };
    } catch (err) {
      if (err instanceof SecretStorageError) throw new HttpError(409, err.code, err.message);
      throw err;
    }
  }

  function handle(): TrayApp {
    return {
      home,
      get relay() {
        return relay;
      },
      window: inboxWindow,
      get settings() {
        return owned.settings;
      },
      get secretStorage() {
        return owned.secretStorage;
      },
      get unread() {
        return unreadCount();
      },
      dispatch,
      render,
      shutdown,
    };
  }
}

/**
 * Another relay (a `push-relay daemon`, usually) owns this home. We do not attach to it as a client: the
 * tray's job is to own the connection, the popups, the pause state and the encrypted key, and a client
 * tray would show a pause menu that pauses nothing and a key field the daemon cannot decrypt. So: say
 * who owns the home, offer to open THAT relay's inbox in the browser, and quit.
 */
async function ownedByAnother(electron: Pick<ElectronApi, 'dialog' | 'shell'>, log: Logger, pid: number, home: string): Promise<void> {
  const { dialog, shell } = electron;
  const detail =
    `Another Push Relay (pid ${pid}, usually \`push-relay daemon\`) already holds the connection and the inbox in ${home}. ` +
    `Only one relay per home can. Stop it (Ctrl-C in its terminal, or \`kill ${pid}\`) and start the app again, ` +
    'or open that relay’s inbox in your browser.';
  log.warn(`another relay (pid ${pid}) owns ${home}; the tray app quits`);
  const { response } = await dialog
    .showMessageBox({ type: 'info', title: APP_NAME, message: `Push Relay is already running (pid ${pid})`, detail, buttons: ['Open its inbox', 'Quit'], defaultId: 0, cancelId: 1 })
    .catch(() => ({ response: 1 }));
  if (response !== 0) return;
  try {
    // The endpoint finder reads relay.json and local-token no-follow, after the home trust check: a planted
    // relay.json must not send the browser, with the token in its URL, to someone else's server.
    const { url, token } = findRelay(home);
    await shell.openExternal(inboxUrl({ url, token }, { view: 'inbox' } satisfies InboxRoute));
  } catch {
    // relay.json not written yet or gone, or the home is not trusted: nothing to open.
  }
}

function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}
