// Fakes of the Electron members main/ uses (main/electron-api.ts), recording what the code did to them.
// Plain classes, no module mocks: main/ receives them exactly as it receives the real `electron` module.
import type {
  AppApi,
  ElectronApi,
  IpcSyncEvent,
  MenuItemTemplate,
  MessageBoxOptions,
  NotificationOptions,
  PreventableEvent,
  SafeStorageApi,
  SessionLike,
  TrayLike,
  WebContentsLike,
  WindowLike,
  WindowOptions,
  WindowOpenResponse,
} from '../../../main/electron-api.js';

type Listener = (...args: never[]) => unknown;

class Emitter {
  readonly listeners = new Map<string, Listener[]>();
  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  emit(event: string, ...args: unknown[]): void {
    for (const l of this.listeners.get(event) ?? []) (l as (...a: unknown[]) => unknown)(...args);
  }
  count(event: string): number {
    return this.listeners.get(event)?.length ?? 0;
  }
}

export class FakeEvent implements PreventableEvent {
  defaultPrevented = false;
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

export class FakeSession implements SessionLike {
  requestHandler: ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | null = null;
  checkHandler: ((contents: unknown, permission: string) => boolean) | null = null;
  headersListener:
    | ((
        details: { url: string; responseHeaders?: Record<string, string[]> },
        callback: (response: { responseHeaders?: Record<string, string | string[]> }) => void,
      ) => void)
    | null = null;
  setPermissionRequestHandler(handler: FakeSession['requestHandler']): void {
    this.requestHandler = handler;
  }
  setPermissionCheckHandler(handler: FakeSession['checkHandler']): void {
    this.checkHandler = handler;
  }
  webRequest = {
    onHeadersReceived: (listener: FakeSession['headersListener']) => {
      this.headersListener = listener;
    },
  };
}

let nextId = 1;

export class FakeWebContents extends Emitter implements WebContentsLike {
  readonly id = nextId++;
  readonly session = new FakeSession();
  url = '';
  openHandler: ((details: { url: string }) => WindowOpenResponse) | undefined;
  setWindowOpenHandler(handler: (details: { url: string }) => WindowOpenResponse): void {
    this.openHandler = handler;
  }
  getURL(): string {
    return this.url;
  }
  /** Simulates a navigation the page starts; true when it was allowed. */
  navigate(url: string, kind: 'will-navigate' | 'will-redirect' = 'will-navigate'): boolean {
    const event = new FakeEvent();
    this.emit(kind, event, url);
    return !event.defaultPrevented;
  }
}

export class FakeWindow extends Emitter implements WindowLike {
  static all: FakeWindow[] = [];
  readonly webContents = new FakeWebContents();
  readonly loaded: string[] = [];
  visible = false;
  focused = false;
  minimized = false;
  destroyed = false;
  constructor(readonly options: WindowOptions) {
    super();
    FakeWindow.all.push(this);
  }
  loadURL(url: string): Promise<void> {
    this.loaded.push(url);
    this.webContents.url = url;
    return Promise.resolve();
  }
  show(): void {
    this.visible = true;
    this.emit('show');
  }
  hide(): void {
    this.visible = false;
  }
  focus(): void {
    this.focused = true;
    this.emit('focus');
  }
  restore(): void {
    this.minimized = false;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    this.destroyed = true;
    this.visible = false;
    this.emit('closed');
  }
  /** What the window manager does on the close button: 'close', then destroy unless prevented. */
  close(): void {
    const event = new FakeEvent();
    this.emit('close', event);
    if (!event.defaultPrevented) this.destroy();
  }
  get lastUrl(): string | undefined {
    return this.loaded.at(-1);
  }
}

export class FakeTray extends Emitter implements TrayLike {
  static all: FakeTray[] = [];
  readonly images: string[] = [];
  readonly tooltips: string[] = [];
  readonly menus: FakeMenu[] = [];
  destroyed = false;
  constructor(image: string) {
    super();
    this.images.push(image);
    FakeTray.all.push(this);
  }
  setImage(image: string): void {
    this.images.push(image);
  }
  setToolTip(text: string): void {
    this.tooltips.push(text);
  }
  setContextMenu(menu: FakeMenu | null): void {
    if (menu) this.menus.push(menu);
  }
  destroy(): void {
    this.destroyed = true;
  }
  get menu(): FakeMenu {
    const m = this.menus.at(-1);
    if (!m) throw new Error('no context menu was set');
    return m;
  }
}

export class FakeMenu {
  constructor(readonly items: MenuItemTemplate[]) {}
  /** Finds an item by label (submenus included). */
  find(label: string | RegExp): MenuItemTemplate | undefined {
    const walk = (items: MenuItemTemplate[]): MenuItemTemplate | undefined => {
      for (const i of items) {
        if (i.label !== undefined && (typeof label === 'string' ? i.label === label : label.test(i.label))) return i;
        const inner = i.submenu && walk(i.submenu);
        if (inner) return inner;
      }
      return undefined;
    };
    return walk(this.items);
  }
  click(label: string | RegExp): void {
    const item = this.find(label);
    if (!item?.click) throw new Error(`no clickable menu item ${String(label)}`);
    item.click();
  }
}

export class FakeNotification extends Emitter {
  static all: FakeNotification[] = [];
  static supported = true;
  shown = false;
  constructor(readonly options: NotificationOptions) {
    super();
    FakeNotification.all.push(this);
  }
  static isSupported(): boolean {
    return FakeNotification.supported;
  }
  show(): void {
    this.shown = true;
  }
}

export class FakeSafeStorage implements SafeStorageApi {
  available = true;
  backend = 'gnome_libsecret';
  calls: string[] = [];
  /** A reversible "encryption" that never contains the plain text. */
  encryptString(plain: string): Buffer {
    this.calls.push('encryptString');
    if (!this.available) throw new Error('Encryption is not available.');
    return Buffer.from(`enc:${Buffer.from(plain).toString('hex').split('').reverse().join('')}`);
  }
  decryptString(encrypted: Buffer): string {
    this.calls.push('decryptString');
    const s = encrypted.toString();
    if (!s.startsWith('enc:')) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    return Buffer.from(s.slice(4).split('').reverse().join(''), 'hex').toString();
  }
  isEncryptionAvailable(): boolean {
    return this.available;
  }
  getSelectedStorageBackend(): string {
    return this.backend;
  }
}

/** The async API of newer Electron versions, on top of the same scheme. */
export class FakeAsyncSafeStorage extends FakeSafeStorage {
  shouldReEncrypt = false;
  isAsyncEncryptionAvailable(): Promise<boolean> {
    this.calls.push('isAsyncEncryptionAvailable');
    return Promise.resolve(this.available);
  }
  encryptStringAsync(plain: string): Promise<Buffer> {
    this.calls.push('encryptStringAsync');
    return Promise.resolve(this.encryptString(plain));
  }
  decryptStringAsync(encrypted: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }> {
    this.calls.push('decryptStringAsync');
    return Promise.resolve({ result: this.decryptString(encrypted), shouldReEncrypt: this.shouldReEncrypt });
  }
}

export class FakeApp extends Emitter implements AppApi {
  isPackaged = false;
  appPath = process.cwd();
  readonly paths = new Map<string, string>();
  name = '';
  userModelId = '';
  singleInstance = true;
  quitCalls = 0;
  exitCode: number | undefined;
  loginItem = { openAtLogin: false };
  dockHidden = false;
  /** Order of the calls whose order matters. */
  readonly calls: string[] = [];
  readonly #ready = Promise.resolve();
  getAppPath(): string {
    return this.appPath;
  }
  getVersion(): string {
    return '0.0.0-test';
  }
  setPath(name: 'userData', path: string): void {
    this.calls.push(`setPath:${name}`);
    this.paths.set(name, path);
  }
  setName(name: string): void {
    this.name = name;
  }
  setAppUserModelId(id: string): void {
    this.userModelId = id;
  }
  requestSingleInstanceLock(): boolean {
    this.calls.push('requestSingleInstanceLock');
    return this.singleInstance;
  }
  whenReady(): Promise<void> {
    this.calls.push('whenReady');
    return this.#ready;
  }
  /** Like Electron: before-quit, then will-quit (which may be prevented). */
  quit(): void {
    this.quitCalls++;
    const before = new FakeEvent();
    this.emit('before-quit', before);
    if (before.defaultPrevented) return;
    const will = new FakeEvent();
    this.emit('will-quit', will);
  }
  exit(code = 0): void {
    this.exitCode = code;
  }
  getLoginItemSettings(): { openAtLogin: boolean } {
    return { ...this.loginItem };
  }
  setLoginItemSettings(settings: { openAtLogin: boolean }): void {
    this.loginItem = { openAtLogin: settings.openAtLogin };
  }
  dock = {
    hide: () => {
      this.dockHidden = true;
    },
  };
}

export class FakeIpcMain {
  readonly syncListeners = new Map<string, (event: IpcSyncEvent, ...args: unknown[]) => void>();
  on(channel: string, listener: (event: IpcSyncEvent, ...args: unknown[]) => void): this {
    this.syncListeners.set(channel, listener);
    return this;
  }
  removeAllListeners(channel: string): this {
    this.syncListeners.delete(channel);
    return this;
  }
  sendSync(channel: string, event: Omit<IpcSyncEvent, 'returnValue'>, ...args: unknown[]): unknown {
    const l = this.syncListeners.get(channel);
    if (!l) throw new Error(`No listener for '${channel}'`);
    const e: IpcSyncEvent = { ...event, returnValue: undefined };
    l(e, ...args);
    return e.returnValue;
  }
}

export interface FakeElectron extends ElectronApi {
  app: FakeApp;
  ipcMain: FakeIpcMain;
  safeStorage: FakeSafeStorage;
  opened: string[];
  dialogs: MessageBoxOptions[];
  /** What the next dialog answers (button index). */
  dialogResponse: number;
}

export function fakeElectron(options: { safeStorage?: FakeSafeStorage } = {}): FakeElectron {
  FakeWindow.all = [];
  FakeTray.all = [];
  FakeNotification.all = [];
  FakeNotification.supported = true;
  const opened: string[] = [];
  const dialogs: MessageBoxOptions[] = [];
  const fake: FakeElectron = {
    app: new FakeApp(),
    Tray: FakeTray,
    Menu: { buildFromTemplate: (template: MenuItemTemplate[]) => new FakeMenu(template) },
    Notification: FakeNotification,
    BrowserWindow: Object.assign(
      class extends FakeWindow {},
      { fromWebContents: (contents: WebContentsLike) => FakeWindow.all.find((w) => w.webContents === contents) ?? null },
    ),
    safeStorage: options.safeStorage ?? new FakeSafeStorage(),
    shell: {
      openExternal: (url: string) => {
        opened.push(url);
        return Promise.resolve();
      },
    },
    dialog: {
      showMessageBox: (o: MessageBoxOptions) => {
        dialogs.push(o);
        return Promise.resolve({ response: fake.dialogResponse });
      },
    },
    ipcMain: new FakeIpcMain(),
    opened,
    dialogs,
    dialogResponse: 1,
  };
  return fake;
}
