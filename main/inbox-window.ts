// The one inbox window: the relay's own UI (served at `/` of the local URL), opened at a route. Closing it
// hides it to the tray; only Quit destroys it. Routes are the renderer's hash routes
// (renderer/location.ts): `#event=<seq>`, `#subscriptions`, `#settings`, with `token=` beside them.
import type { ElectronApi, WindowLike } from './electron-api.js';
import { hardenSession, hardenWebContents, originOf, secureWebPreferences } from './web-security.js';

export type InboxRoute = { view: 'inbox'; event?: number } | { view: 'subscriptions' } | { view: 'settings' };

export interface RelayTarget {
  url: string;
  token: string;
}

/**
 * The page URL. The token rides in the fragment (never sent to the server; the page strips it from its
 * address at once) as well as through the preload bridge, so the page works whichever it reads first.
 */
export function inboxUrl(target: RelayTarget, route: InboxRoute = { view: 'inbox' }): string {
  const params = new URLSearchParams({ token: target.token });
  let hash = params.toString();
  if (route.view === 'inbox' && route.event !== undefined) hash += `&event=${Math.trunc(route.event)}`;
  else if (route.view !== 'inbox') hash += `&${route.view}`;
  return `${target.url.replace(/\/+$/, '')}/#${hash}`;
}

export interface InboxWindowOptions {
  electron: Pick<ElectronApi, 'BrowserWindow'>;
  /** dist/main/preload/preload.cjs */
  preload: string;
  icon?: string;
  /** The running relay, or null while it is not running. */
  target: () => RelayTarget | null;
  openExternal: (url: string) => void;
  /** The person looked at the inbox (window shown or focused): unread resets. */
  onSeen?: () => void;
  log?: (line: string) => void;
}

export class InboxWindow {
  readonly #options: InboxWindowOptions;
  #window: WindowLike | undefined;
  #quitting = false;

  constructor(options: InboxWindowOptions) {
    this.#options = options;
  }

  current(): WindowLike | undefined {
    return this.#window && !this.#window.isDestroyed() ? this.#window : undefined;
  }

  origin(): string | null {
    const t = this.#options.target();
    return t ? originOf(t.url) : null;
  }

  /**
   * Shows the window (creating it on first use) and brings it to the front. With a route, the page goes
   * there; without one, an existing page keeps its state (the person's filter, scroll, open detail).
   * Returns false when the relay is not running (nothing to show).
   */
  show(route?: InboxRoute): boolean {
    const target = this.#options.target();
    if (!target) return false;
    let win = this.current();
    const created = !win;
    if (!win) win = this.#create();
    if (created || route) {
      win.loadURL(inboxUrl(target, route)).catch((err: Error) => this.#options.log?.(`inbox window: cannot load the relay UI: ${err.message}`));
    }
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
    return true;
  }

  /** From now on a close really closes (called on quit). */
  allowClose(): void {
    this.#quitting = true;
  }

  destroy(): void {
    this.#quitting = true;
    this.current()?.destroy();
    this.#window = undefined;
  }

  #create(): WindowLike {
    const win = new this.#options.electron.BrowserWindow({
      width: 980,
      height: 720,
      minWidth: 560,
      minHeight: 400,
      show: false,
      title: 'Push Relay',
      autoHideMenuBar: true,
      ...(this.#options.icon ? { icon: this.#options.icon } : {}),
      webPreferences: secureWebPreferences(this.#options.preload),
    });
    hardenWebContents(win.webContents, { allowedOrigin: () => this.origin(), openExternal: this.#options.openExternal, log: this.#options.log });
    hardenSession(win.webContents.session);
    win.on('close', (event) => {
      if (this.#quitting) return;
      event.preventDefault();
      win.hide();
    });
    const seen = () => this.#options.onSeen?.();
    win.on('show', seen);
    win.on('focus', seen);
    win.on('closed', () => {
      if (this.#window === win) this.#window = undefined;
    });
    this.#window = win;
    return win;
  }
}
