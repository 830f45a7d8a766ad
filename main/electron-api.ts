// The seam between main/ and Electron: the few members of the `electron` module the tray app uses, typed
// structurally. main/main.ts passes the real module (tsc checks that it fits); tests pass fakes, so all of
// main/ runs in plain Node, where `import 'electron'` throws (no binary on these machines).
// Shape after menubar, which takes `app` as a parameter instead of importing it.

export interface PreventableEvent {
  preventDefault(): void;
}

export interface MenuItemTemplate {
  label?: string;
  type?: 'normal' | 'separator' | 'submenu' | 'checkbox' | 'radio';
  enabled?: boolean;
  checked?: boolean;
  submenu?: MenuItemTemplate[];
  click?: () => void;
  toolTip?: string;
}

export interface MenuLike {
  readonly items: unknown[];
}

/** Images are passed as file paths: Electron loads `name@2x.png` beside them, and on macOS a name ending in
 * `Template` makes a template image. */
export interface TrayLike {
  setImage(imagePath: string): void;
  setToolTip(toolTip: string): void;
  setContextMenu(menu: MenuLike | null): void;
  setTitle?(title: string): void;
  on(event: 'click', listener: () => void): unknown;
  destroy(): void;
}

export interface SessionLike {
  setPermissionRequestHandler(
    handler: ((webContents: unknown, permission: string, callback: (granted: boolean) => void) => void) | null,
  ): void;
  setPermissionCheckHandler(handler: ((webContents: unknown, permission: string) => boolean) | null): void;
  webRequest: {
    onHeadersReceived(
      listener:
        | ((
            details: { url: string; responseHeaders?: Record<string, string[]> },
            callback: (response: { responseHeaders?: Record<string, string | string[]> }) => void,
          ) => void)
        | null,
    ): void;
  };
}

export type WindowOpenResponse = { action: 'deny' };

export interface WebContentsLike {
  readonly id: number;
  readonly session: SessionLike;
  setWindowOpenHandler(handler: (details: { url: string }) => WindowOpenResponse): void;
  on(event: 'will-navigate' | 'will-redirect', listener: (event: PreventableEvent, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  getURL(): string;
}

export interface WebPreferencesLike {
  preload?: string;
  contextIsolation?: boolean;
  sandbox?: boolean;
  nodeIntegration?: boolean;
  nodeIntegrationInWorker?: boolean;
  nodeIntegrationInSubFrames?: boolean;
  webSecurity?: boolean;
  allowRunningInsecureContent?: boolean;
  webviewTag?: boolean;
  navigateOnDragDrop?: boolean;
  spellcheck?: boolean;
  devTools?: boolean;
}

export interface WindowOptions {
  width?: number;
  height?: number;
  minWidth?: number;
  minHeight?: number;
  show?: boolean;
  title?: string;
  icon?: string;
  autoHideMenuBar?: boolean;
  backgroundColor?: string;
  webPreferences?: WebPreferencesLike;
}

export interface WindowLike {
  readonly webContents: WebContentsLike;
  loadURL(url: string): Promise<void>;
  show(): void;
  hide(): void;
  focus(): void;
  restore(): void;
  isMinimized(): boolean;
  isVisible(): boolean;
  isDestroyed(): boolean;
  destroy(): void;
  on(event: 'close', listener: (event: PreventableEvent) => void): unknown;
  on(event: 'closed' | 'show' | 'focus', listener: () => void): unknown;
}

export interface NotificationOptions {
  title: string;
  body: string;
  silent?: boolean;
}

export interface NotificationLike {
  on(event: 'click' | 'close', listener: () => void): unknown;
  on(event: 'failed', listener: (event: unknown, error: string) => void): unknown;
  show(): void;
}

export interface IpcInvokeEvent {
  readonly sender: WebContentsLike;
  /** The frame that sent the message; null when it navigated away or was destroyed. */
  readonly senderFrame: { readonly url: string } | null;
}

export interface IpcSyncEvent extends IpcInvokeEvent {
  returnValue: unknown;
}

export interface SafeStorageApi {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only (Electron ≥ 28). */
  getSelectedStorageBackend?(): string;
  /** The async API (newer Electron); preferred when present. */
  isAsyncEncryptionAvailable?(): Promise<boolean>;
  encryptStringAsync?(plainText: string): Promise<Buffer>;
  decryptStringAsync?(encrypted: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }>;
}

export interface MessageBoxOptions {
  type?: 'none' | 'info' | 'error' | 'question' | 'warning';
  title?: string;
  message: string;
  detail?: string;
  buttons?: string[];
  defaultId?: number;
  cancelId?: number;
}

export interface LoginItemSettingsLike {
  openAtLogin: boolean;
}

export interface AppApi {
  readonly isPackaged: boolean;
  getAppPath(): string;
  getVersion(): string;
  setPath(name: 'userData', path: string): void;
  setName(name: string): void;
  setAppUserModelId(id: string): void;
  requestSingleInstanceLock(): boolean;
  whenReady(): Promise<unknown>;
  quit(): void;
  exit(exitCode?: number): void;
  getLoginItemSettings(): LoginItemSettingsLike;
  setLoginItemSettings(settings: { openAtLogin: boolean }): void;
  on(event: 'second-instance' | 'activate', listener: () => void): unknown;
  on(event: 'window-all-closed', listener: () => void): unknown;
  on(event: 'before-quit' | 'will-quit', listener: (event: PreventableEvent) => void): unknown;
  on(event: 'web-contents-created', listener: (event: unknown, contents: WebContentsLike) => void): unknown;
  readonly dock?: { hide(): void } | undefined;
}

export interface ElectronApi {
  app: AppApi;
  Tray: new (imagePath: string) => TrayLike;
  Menu: { buildFromTemplate(template: MenuItemTemplate[]): MenuLike };
  Notification: { new (options: NotificationOptions): NotificationLike; isSupported(): boolean };
  BrowserWindow: { new (options: WindowOptions): WindowLike; fromWebContents(contents: WebContentsLike): WindowLike | null };
  safeStorage: SafeStorageApi;
  shell: { openExternal(url: string): Promise<void> };
  dialog: { showMessageBox(options: MessageBoxOptions): Promise<{ response: number }> };
  ipcMain: {
    on(channel: string, listener: (event: IpcSyncEvent, ...args: unknown[]) => void): unknown;
    removeAllListeners(channel: string): unknown;
  };
}
