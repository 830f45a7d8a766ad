// The notification service: fed with each batch of events the inbox newly stored (never a replay of events
// it already had), it runs the policy, formats what the policy lets through and hands it to the Notifier,
// one popup at a time. Without a notification service on the machine it says so in ONE log line and goes on
// counting; the relay never waits for, or fails because of, a popup.
import type { Inbox, StoredEvent } from '../inbox/types.js';
import type { PopupReceipt, NotificationStatus as WireNotificationStatus } from '../protocol/local-api.js';
import { silentLogger, type Logger } from '../util/log.js';
import { backgroundClock, type Clock } from '../util/clock.js';
import { formatEvent, formatSummary } from './format.js';
import { NotifierError, offLine, type Availability, type Notification, type Notifier } from './notifier.js';
import { resolvePause, type PauseRequest } from './pause.js';
import { NotificationPolicy, type PolicyStats, type Popup } from './policy.js';
import { parseNotificationSettings, type NotificationSettings } from './settings.js';

export interface NotificationServiceOptions {
  notifier: Notifier;
  /** The `notifications` settings value (validated here; undefined = defaults). */
  settings?: unknown;
  clock?: Clock;
  log?: Logger;
  /** A popup that has not gone out after this long counts as failed (notify-send stuck on a dead bus). */
  deliveryTimeoutMs?: number;
  /** While off, ask the notifier again at most this often (a notification daemon may start later). */
  reprobeMs?: number;
  /** Popups waiting for the notifier beyond this many are counted as failed instead of queued. */
  maxQueue?: number;
}

export interface NotificationCounts extends PolicyStats {
  /** Popups the OS accepted. */
  delivered: number;
  /** Popups the notifier rejected or that timed out. */
  failed: number;
  /** Popups not attempted because no notification service is available. */
  unavailable: number;
}

/**
 * What `status()` reports (also under `notifications` in the relay's /v1/status): the contract's shape
 * (relay/protocol/local-api.ts; `available` is null until the first check has answered, `pending` counts events
 * held for a burst summary or deferred by the per-minute ceiling) with the full counts.
 */
export interface NotificationStatus extends WireNotificationStatus {
  counts: NotificationCounts;
}

/** Popups remembered for their click receipts (the Electron adapter keeps 50 alive for their click handlers). */
const MAX_CLICKABLE_POPUPS = 100;

export class NotificationService {
  readonly #notifier: Notifier;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #policy: NotificationPolicy<StoredEvent>;
  readonly #timeoutMs: number;
  readonly #reprobeMs: number;
  readonly #maxQueue: number;
  #availability: Availability | undefined;
  #probe: Promise<Availability> | undefined;
  #checkedAt = -Infinity;
  #queue: Promise<void> = Promise.resolve();
  #queued = 0;
  #closed = false;
  #wasPaused = false;
  readonly #loggedFailures = new Set<string>();
  readonly #counts = { delivered: 0, failed: 0, unavailable: 0 };
  readonly #changeListeners = new Set<(status: NotificationStatus) => void>();
  readonly #clickListeners = new Set<(seq: number) => void>();
  readonly #offs: (() => void)[] = [];
  /** Where popup receipts go (the inbox the service is attached to): shown, failed, clicked per event. */
  #receipts: Pick<Inbox, 'recordReceipts'> | undefined;
  /** The events each recent popup stood for, by the seq a click reports (a summary's first). */
  readonly #popupSeqs = new Map<number, readonly number[]>();

  constructor(options: NotificationServiceOptions) {
    this.#notifier = options.notifier;
    this.#clock = options.clock ?? backgroundClock;
    this.#log = options.log ?? silentLogger;
    this.#timeoutMs = options.deliveryTimeoutMs ?? 10_000;
    this.#reprobeMs = options.reprobeMs ?? 60_000;
    this.#maxQueue = options.maxQueue ?? 100;
    this.#policy = new NotificationPolicy<StoredEvent>({
      settings: parseNotificationSettings(options.settings),
      clock: this.#clock,
      deliver: (popup) => this.#deliver(popup),
    });
    this.#offs.push(this.#policy.onChange(() => this.#policyChanged()));
    const offClick = this.#notifier.onClick?.((seq) => {
      this.#receipt(this.#popupSeqs.get(seq) ?? [seq], 'clicked');
      for (const l of this.#clickListeners) l(seq);
    });
    if (offClick) this.#offs.push(offClick);
  }

  /** Asks the notifier whether popups can be shown; logs the one "OS notifications are off" line if not. */
  start(): Promise<Availability> {
    return this.#ensureAvailability();
  }

  /**
   * Feeds the service from the inbox: every append that stored new events. Popups leave their delivery receipts
   * (shown, failed, clicked) in the same inbox. Returns a detach function.
   */
  attach(inbox: Pick<Inbox, 'onAppend' | 'recordReceipts'>): () => void {
    this.#receipts = inbox;
    const off = inbox.onAppend((events) => this.offer(events));
    this.#offs.push(off);
    return off;
  }

  /** Newly stored events, in seq order. Never throws (it runs inside the inbox's append). */
  offer(events: readonly StoredEvent[]): void {
    if (this.#closed) return;
    for (const e of events) {
      try {
        this.#policy.offer(e);
      } catch (err) {
        this.#log.error(`notification policy failed on event seq ${e.seq}: ${(err as Error).message}`);
      }
    }
  }

  /** Pauses popups (15m / 1h / 8h / tomorrow / {minutes} / {until}); they resume by themselves. */
  pause(request: PauseRequest): NotificationStatus {
    const until = resolvePause(request, this.#clock.now(), this.#policy.settings.tomorrowAt);
    this.#policy.pause(until);
    this.#log.info(`notifications paused until ${new Date(until).toString()}`);
    return this.status();
  }

  resume(): NotificationStatus {
    if (this.#policy.pausedUntil() !== undefined) this.#log.info('notifications resumed');
    this.#wasPaused = false;
    this.#policy.resume();
    return this.status();
  }

  /** Applies a new policy (the `notifications` settings value). Throws NotificationSettingsError if invalid. */
  setPolicy(input: unknown): NotificationSettings {
    const settings = parseNotificationSettings(input);
    this.#policy.setSettings(settings);
    return settings;
  }

  get policy(): NotificationSettings {
    return this.#policy.settings;
  }

  status(): NotificationStatus {
    const until = this.#policy.pausedUntil();
    return {
      notifier: this.#notifier.name,
      available: this.#availability ? this.#availability.ok : null,
      unavailable_reason: this.#availability && !this.#availability.ok ? this.#availability.reason : null,
      enabled: this.#policy.settings.enabled,
      paused_until: until === undefined ? null : new Date(until).toISOString(),
      quiet_hours_now: this.#policy.quietNow(),
      pending: this.#policy.pending(),
      counts: { ...this.#policy.stats(), ...this.#counts },
    };
  }

  /** Calls `listener` when pause, policy or availability change. Returns an unsubscribe. */
  onChange(listener: (status: NotificationStatus) => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  /** Calls `listener` with the inbox seq of a clicked popup (when the notifier reports clicks). */
  onClick(listener: (seq: number) => void): () => void {
    this.#clickListeners.add(listener);
    return () => this.#clickListeners.delete(listener);
  }

  /** Resolves when every popup handed to the notifier so far has been sent or has failed. */
  idle(): Promise<void> {
    return this.#queue;
  }

  /** Stops timers and listeners. Popups already handed to the OS finish on their own. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#offs.splice(0)) off();
    this.#policy.close();
    this.#changeListeners.clear();
    this.#clickListeners.clear();
    await this.#notifier.close?.();
  }

  #deliver(popup: Popup<StoredEvent>): void {
    const markup = { markup: this.#notifier.markup };
    let n: Notification;
    let seqs: readonly number[];
    if (popup.kind === 'event') {
      const text = formatEvent(popup.event, markup);
      n = { ...text, seq: popup.event.seq, tag: popup.event.topic };
      seqs = [popup.event.seq];
    } else {
      const text = formatSummary(popup.summary, markup);
      n = { ...text, seq: popup.summary.firstSeq, tag: 'summary' };
      seqs = popup.summary.seqs;
    }
    if (this.#queued >= this.#maxQueue) {
      this.#counts.failed++;
      this.#receipt(seqs, 'failed');
      this.#logFailure(new NotifierError('failed', `more than ${this.#maxQueue} popups are waiting for the notifier; dropping new ones until it catches up`));
      return;
    }
    this.#queued++;
    this.#queue = this.#queue.then(() => this.#send(n, seqs)).finally(() => this.#queued--);
  }

  async #send(n: Notification, seqs: readonly number[]): Promise<void> {
    if (this.#closed) return;
    const availability = await this.#ensureAvailability();
    if (!availability.ok) {
      // Not attempted (a headless box): no receipt, or every event there would carry a "failed" one.
      this.#counts.unavailable++;
      return;
    }
    try {
      await this.#withTimeout(this.#notifier.notify(n));
      this.#counts.delivered++;
      this.#remember(n, seqs);
      this.#receipt(seqs, 'shown');
    } catch (err) {
      this.#counts.failed++;
      this.#receipt(seqs, 'failed');
      const e = err instanceof NotifierError ? err : new NotifierError('failed', (err as Error)?.message ?? String(err));
      if (e.code === 'unavailable') this.#setAvailability({ ok: false, reason: e.message });
      else this.#logFailure(e);
    }
  }

  /** Popup receipts on the inbox; never awaited, never failing a popup (a closed inbox or full disk is ignored). */
  #receipt(seqs: readonly number[], kind: PopupReceipt): void {
    if (!this.#receipts || seqs.length === 0) return;
    try {
      this.#receipts.recordReceipts(seqs, { via: kind }).catch(() => {});
    } catch {
      // an inbox without receipts (a test double): nothing to record
    }
  }

  /** Keeps what a click on this popup stands for; only the newest few popups can still be clicked. */
  #remember(n: Notification, seqs: readonly number[]): void {
    if (n.seq === undefined) return;
    this.#popupSeqs.set(n.seq, seqs);
    if (this.#popupSeqs.size > MAX_CLICKABLE_POPUPS) this.#popupSeqs.delete(this.#popupSeqs.keys().next().value as number);
  }

  #withTimeout(p: Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = this.#clock.setTimeout(
        () => reject(new NotifierError('timeout', `${this.#notifier.name} did not answer within ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
      p.then(resolve, reject).finally(() => this.#clock.clearTimeout(timer));
    });
  }

  /** The known availability; asks again when unknown, or when off for longer than `reprobeMs`. */
  #ensureAvailability(): Promise<Availability> {
    const a = this.#availability;
    if (a && (a.ok || this.#clock.now() - this.#checkedAt < this.#reprobeMs)) return Promise.resolve(a);
    this.#probe ??= this.#notifier
      .available()
      .catch((err: unknown): Availability => ({ ok: false, reason: `cannot check for a notification service (${(err as Error)?.message ?? String(err)})` }))
      .then((result) => {
        this.#probe = undefined;
        this.#checkedAt = this.#clock.now();
        this.#setAvailability(result);
        return result;
      });
    return this.#probe;
  }

  #setAvailability(next: Availability): void {
    const prev = this.#availability;
    this.#availability = next;
    this.#checkedAt = this.#clock.now();
    const wasOk = prev?.ok;
    if (!next.ok && wasOk !== false) {
      this.#log.warn(offLine(next.reason)); // the one line; off → off again stays quiet
    } else if (next.ok && wasOk === false) {
      this.#log.info(`OS notifications are on again (${this.#notifier.name})`);
    }
    if (wasOk !== next.ok) this.#emitChange();
  }

  #logFailure(e: NotifierError): void {
    // Once per distinct message (a flood of identical failures is one line), and at most a few kinds.
    if (this.#loggedFailures.has(e.message) || this.#loggedFailures.size >= 10) return;
    this.#loggedFailures.add(e.message);
    this.#log.warn(`OS notification failed: ${e.message} (counted in status; further identical failures are not logged)`);
  }

  #policyChanged(): void {
    const paused = this.#policy.pausedUntil() !== undefined;
    if (this.#wasPaused && !paused) this.#log.info('notifications resumed (pause ended)');
    this.#wasPaused = paused;
    this.#emitChange();
  }

  #emitChange(): void {
    if (this.#changeListeners.size === 0) return;
    const s = this.status();
    for (const l of this.#changeListeners) l(s);
  }
}
