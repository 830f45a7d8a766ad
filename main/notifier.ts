// The tray's Notifier (relay/notify/notifier.ts port): Electron's `Notification`. node-notifier's helper
// binaries cannot run from inside an asar, and Electron's own API is the right one in the app anyway.
//
// Linux: Electron hands title and body to libnotify unchanged, and notification daemons render the body as
// markup — so `markup` is true there and the relay's formatter escapes `& < >` (event text is untrusted).
// A click reaches us only when the daemon supports actions (Electron adds a "default" action then).
import { NotifierError, type Availability, type Notification, type Notifier } from '../relay/notify/notifier.js';
import type { ElectronApi, NotificationLike } from './electron-api.js';

export interface ElectronNotifierOptions {
  electron: Pick<ElectronApi, 'Notification'>;
  platform: NodeJS.Platform;
  log?: (line: string) => void;
}

/** Popups kept referenced until closed or clicked: a collected Notification loses its click handler. */
const MAX_LIVE = 50;

export class ElectronNotifier implements Notifier {
  readonly name = 'electron';
  readonly markup: boolean;
  readonly #options: ElectronNotifierOptions;
  readonly #live = new Set<NotificationLike>();
  readonly #clicks = new Set<(seq: number) => void>();

  constructor(options: ElectronNotifierOptions) {
    this.#options = options;
    this.markup = options.platform !== 'darwin' && options.platform !== 'win32';
  }

  available(): Promise<Availability> {
    if (this.#options.electron.Notification.isSupported()) return Promise.resolve({ ok: true });
    return Promise.resolve({
      ok: false,
      reason:
        this.#options.platform === 'linux'
          ? 'no notification service (Electron found no libnotify or no notification daemon on the session bus)'
          : 'the system does not allow notifications for this app (check its notification settings)',
    });
  }

  async notify(n: Notification): Promise<void> {
    const { Notification: ElectronNotification } = this.#options.electron;
    const availability = await this.available();
    if (!availability.ok) throw new NotifierError('unavailable', availability.reason);
    let popup: NotificationLike;
    try {
      popup = new ElectronNotification({ title: n.title, body: n.body, silent: false });
    } catch (err) {
      throw new NotifierError('failed', `cannot create a notification: ${(err as Error).message}`);
    }
    const forget = () => this.#live.delete(popup);
    popup.on('click', () => {
      forget();
      if (n.seq !== undefined) for (const l of this.#clicks) l(n.seq);
    });
    popup.on('close', forget);
    popup.on('failed', (_event, error) => {
      forget();
      this.#options.log?.(`notification failed: ${error}`);
    });
    this.#live.add(popup);
    if (this.#live.size > MAX_LIVE) {
      const oldest = this.#live.values().next().value;
      if (oldest) this.#live.delete(oldest);
    }
    try {
      popup.show();
    } catch (err) {
      forget();
      throw new NotifierError('failed', `cannot show a notification: ${(err as Error).message}`);
    }
  }

  onClick(listener: (seq: number) => void): () => void {
    this.#clicks.add(listener);
    return () => this.#clicks.delete(listener);
  }

  close(): void {
    this.#live.clear();
    this.#clicks.clear();
  }

  /** Popups still referenced (tests, leak checks). */
  get live(): number {
    return this.#live.size;
  }
}
