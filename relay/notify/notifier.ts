// The Notifier port: how a popup reaches the OS. Adapters: node-notifier for the headless daemon
// (./node-notifier.ts), a memory twin for tests (./memory-notifier.ts), and Electron's `Notification` in
// main/ for the tray app (node-notifier's helper binaries do not run from inside an asar).

/** One popup, already formatted (relay/notify/format.ts) for this notifier's `markup` setting. */
export interface Notification {
  title: string;
  body: string;
  /** Inbox seq of the event (the first one, for a summary): a click opens the inbox there. */
  seq?: number;
  /** The event's topic, or `summary`; adapters may use it to group popups. */
  tag?: string;
}

export type Availability = { ok: true } | { ok: false; reason: string };

export interface Notifier {
  /** For logs and status, e.g. `notify-send`, `electron`, `memory`. */
  readonly name: string;
  /** True when the OS renders the body as markup (Linux daemons): the formatter then escapes `& < >`. */
  readonly markup: boolean;
  /** Whether popups can be shown at all here; the reason says why not, in words a person can act on. */
  available(): Promise<Availability>;
  /** Shows one popup. Rejects with a NotifierError (`unavailable` when the OS has no notification service). */
  notify(notification: Notification): Promise<void>;
  /** Calls `listener` with the popup's seq when the person clicks it (adapters that can tell). */
  onClick?(listener: (seq: number) => void): () => void;
  close?(): Promise<void> | void;
}

export type NotifierErrorCode = 'unavailable' | 'failed' | 'timeout';

export class NotifierError extends Error {
  constructor(
    readonly code: NotifierErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'NotifierError';
  }
}

/** The line the relay logs, once, when popups cannot be shown. */
export function offLine(reason: string): string {
  return `OS notifications are off: ${reason}; events still reach the inbox and agents`;
}
