// The memory twin of the Notifier port (STYLE.md "A memory twin beside each real implementation"):
// records popups, can be made unavailable or failing, and simulates clicks.
import { NotifierError, type Availability, type Notification, type Notifier } from './notifier.js';

export class MemoryNotifier implements Notifier {
  readonly name = 'memory';
  readonly markup: boolean;
  readonly sent: Notification[] = [];
  /** What `available()` answers; change it at will. */
  availability: Availability = { ok: true };
  /** While set, every `notify` rejects with it. */
  failure: NotifierError | undefined;
  readonly #clicks = new Set<(seq: number) => void>();
  readonly #waiters = new Set<() => void>();

  constructor(options: { markup?: boolean } = {}) {
    this.markup = options.markup ?? true;
  }

  available(): Promise<Availability> {
    return Promise.resolve(this.availability);
  }

  notify(notification: Notification): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (!this.availability.ok) return Promise.reject(new NotifierError('unavailable', this.availability.reason));
    this.sent.push({ ...notification });
    for (const w of this.#waiters) w();
    return Promise.resolve();
  }

  onClick(listener: (seq: number) => void): () => void {
    this.#clicks.add(listener);
    return () => this.#clicks.delete(listener);
  }

  /** Simulates a click on the popup for `seq`. */
  click(seq: number): void {
    for (const l of this.#clicks) l(seq);
  }

  /** Resolves once `count` popups were sent (woken by `notify`, not by polling). */
  waitForCount(count: number, timeoutMs = 5000): Promise<Notification[]> {
    if (this.sent.length >= count) return Promise.resolve(this.sent);
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.sent.length < count) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(this.sent);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${count} popups; got ${this.sent.length}`));
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }
}
