// The notification policy: which stored events become popups, which fold into a summary, which stay quiet.
// Pure decisions over an injected clock (timers included) — no I/O, no formatting: the service formats
// and delivers what `deliver` receives. Every offered event ends up in exactly one counter of `stats()`
// (shown, summarized, suppressed.<reason>) or is still pending; none is dropped without a count.
//
// Rules, in the order they apply to an event:
//   1. `enabled: false` → suppressed.disabled.
//   2. topic rules, last matching rule wins → suppressed.topic.
//   3. every subscription that matched the event is muted → suppressed.subscription.
//   4. paused (until a time; resumes by itself) → suppressed.paused.
//   5. local quiet hours → suppressed.quiet_hours.
//   6. bursts: the first event after `burst.windowMs` of silence shows AT ONCE (DESIGN.md 'Who uses it' 1: a
//      popup within a second; the bench holds it to ≤ 2× node-notifier's own floor). Events closer than that to
//      the previous one are held until the burst settles (`settleMs` of silence, at most `maxHoldMs` after the
//      first held one); then, if the whole burst has at most `maxIndividual` events they show one by one (each
//      late by about `settleMs`, still under a second), otherwise ONE summary covers every held event. A burst
//      of 50 = the first popup + one "49 new events" summary. A short delay before every popup would give a
//      single summary of all 50, but it would delay every lone event too, which is the common case.
//   7. ceiling: at most `maxPerMinute` popups (single or summary) in any 60 s. A popup over the ceiling
//      folds into a deferred summary shown when the oldest popup of the window leaves it.
// Paused, quiet or disabled at the moment held events are released → they count under that reason.
import { topicMatches } from '../protocol/topic-glob.js';
import { backgroundClock, type Clock } from '../util/clock.js';
import { inQuietHours, timerAt } from './clock.js';
import { DEFAULT_NOTIFICATION_SETTINGS, type NotificationSettings } from './settings.js';

/** What the policy needs of an event (a StoredEvent has all of it). */
export interface PolicyEvent {
  seq: number;
  topic: string;
  subscription_ids?: readonly string[];
}

export type SuppressReason = 'disabled' | 'topic' | 'subscription' | 'paused' | 'quiet_hours';

export interface Summary {
  /** Events the summary stands for. */
  count: number;
  /** [topic, count], most frequent first (first seen first among equals); at most MAX_SUMMARY_TOPICS. */
  topics: [string, number][];
  /** Events of topics beyond that list. */
  otherTopics: number;
  /** Inbox seq of the first and last covered event (a click opens the inbox at the first). */
  firstSeq: number;
  lastSeq: number;
  /** Inbox seqs of the covered events (the first MAX_SUMMARY_SEQS), for their delivery receipts. */
  seqs: number[];
  reason: 'burst' | 'ceiling';
}

export type Popup<E> = { kind: 'event'; event: E } | { kind: 'summary'; summary: Summary };

/** What happened to an offered event right away. */
export type Decision = 'shown' | 'held' | 'deferred' | SuppressReason;

export interface PolicyStats {
  /** Events offered. */
  received: number;
  /** Events shown as their own popup. */
  shown: number;
  /** Summary popups, and the events they covered. */
  summaries: number;
  summarized: number;
  suppressed: Record<SuppressReason, number>;
  /** Why events went into summaries: a burst, or the per-minute ceiling (an event can count in both). */
  coalesced: { burst: number; ceiling: number };
}

const MAX_SUMMARY_TOPICS = 50;
/** A summary names at most this many events for receipts: it bounds memory in a flood, not what the popup says. */
export const MAX_SUMMARY_SEQS = 1000;
const MINUTE = 60_000;

/** Counts of a group of events, plus the first few of them (to show one by one if the group stays small). */
class Bucket<E extends PolicyEvent> {
  count = 0;
  readonly topics = new Map<string, number>();
  otherTopics = 0;
  firstSeq = Infinity;
  lastSeq = -Infinity;
  readonly seqs: number[] = [];
  readonly sample: E[] = [];

  add(e: E, keep: number): void {
    this.count++;
    this.#topic(e.topic, 1);
    if (this.seqs.length < MAX_SUMMARY_SEQS) this.seqs.push(e.seq);
    this.firstSeq = Math.min(this.firstSeq, e.seq);
    this.lastSeq = Math.max(this.lastSeq, e.seq);
    if (this.sample.length < keep) this.sample.push(e);
  }

  addPopup(p: Popup<E>, keep: number): void {
    if (p.kind === 'event') return this.add(p.event, keep);
    const s = p.summary;
    this.count += s.count;
    for (const [topic, n] of s.topics) this.#topic(topic, n);
    this.otherTopics += s.otherTopics;
    for (const seq of s.seqs) if (this.seqs.length < MAX_SUMMARY_SEQS) this.seqs.push(seq);
    this.firstSeq = Math.min(this.firstSeq, s.firstSeq);
    this.lastSeq = Math.max(this.lastSeq, s.lastSeq);
  }

  #topic(topic: string, n: number): void {
    const have = this.topics.get(topic);
    if (have !== undefined) this.topics.set(topic, have + n);
    else if (this.topics.size < MAX_SUMMARY_TOPICS) this.topics.set(topic, n);
    else this.otherTopics += n;
  }

  summary(reason: Summary['reason']): Summary {
    const topics = [...this.topics.entries()].sort((a, b) => b[1] - a[1]); // stable: first seen first among equals
    return { count: this.count, topics, otherTopics: this.otherTopics, firstSeq: this.firstSeq, lastSeq: this.lastSeq, seqs: [...this.seqs], reason };
  }
}

export interface PolicyOptions<E> {
  settings?: NotificationSettings;
  clock?: Clock;
  /** Receives each popup the policy decides on. Must not throw. */
  deliver: (popup: Popup<E>) => void;
}

export class NotificationPolicy<E extends PolicyEvent = PolicyEvent> {
  readonly #clock: Clock;
  readonly #deliver: (popup: Popup<E>) => void;
  #settings: NotificationSettings = DEFAULT_NOTIFICATION_SETTINGS;
  #muted = new Set<string>();

  /** Time of the last event that reached the burst stage. */
  #lastEventAt: number | undefined;
  /** Events in the current burst so far (the lead one included). */
  #burstSize = 0;
  #held = new Bucket<E>();
  #heldSince: number | undefined;
  #holdTimer: unknown;

  /** Times of the popups of the last minute, oldest first. */
  #popupTimes: number[] = [];
  #deferred = new Bucket<E>();
  #ceilingTimer: unknown;

  #pausedUntil: number | undefined;
  #cancelResume: (() => void) | undefined;
  readonly #listeners = new Set<() => void>();
  #stats: PolicyStats = {
    received: 0,
    shown: 0,
    summaries: 0,
    summarized: 0,
    suppressed: { disabled: 0, topic: 0, subscription: 0, paused: 0, quiet_hours: 0 },
    coalesced: { burst: 0, ceiling: 0 },
  };

  constructor(options: PolicyOptions<E>) {
    this.#clock = options.clock ?? backgroundClock;
    this.#deliver = options.deliver;
    this.setSettings(options.settings ?? DEFAULT_NOTIFICATION_SETTINGS);
  }

  get settings(): NotificationSettings {
    return this.#settings;
  }

  /** Applies a validated policy. Held and deferred events stay; they are released under the new rules. */
  setSettings(settings: NotificationSettings): void {
    this.#settings = settings;
    this.#muted = new Set(Object.entries(settings.subscriptions).filter(([, on]) => on === false).map(([id]) => id));
    if (!settings.enabled) this.#dropPending('disabled');
    if (this.#deferred.count > 0) {
      // A higher ceiling may free a slot now.
      this.#clock.clearTimeout(this.#ceilingTimer);
      this.#ceilingTimer = undefined;
      this.#scheduleCeilingFlush(this.#clock.now());
    }
    this.#changed();
  }

  offer(event: E): Decision {
    this.#stats.received++;
    const now = this.#clock.now();
    const reason = this.#filter(event) ?? this.#gate(now);
    if (reason) {
      this.#stats.suppressed[reason]++;
      return reason;
    }
    const { windowMs, maxIndividual } = this.#settings.burst;
    const inBurst = this.#lastEventAt !== undefined && now - this.#lastEventAt < windowMs;
    this.#lastEventAt = now;
    if (!inBurst && this.#held.count === 0) {
      this.#burstSize = 1;
      return this.#emit({ kind: 'event', event }, now);
    }
    this.#burstSize++;
    if (this.#held.count === 0) this.#heldSince = now;
    this.#held.add(event, maxIndividual);
    this.#scheduleHoldFlush(now);
    return 'held';
  }

  /** Pauses until `until` (epoch ms); resumes by itself then. Held and deferred events count as paused. */
  pause(until: number): void {
    if (until <= this.#clock.now()) return this.resume();
    this.#cancelResume?.();
    this.#pausedUntil = until;
    this.#dropPending('paused');
    this.#cancelResume = timerAt(this.#clock, until, () => {
      this.#cancelResume = undefined;
      this.#pausedUntil = undefined;
      this.#changed();
    });
    this.#changed();
  }

  resume(): void {
    this.#cancelResume?.();
    this.#cancelResume = undefined;
    if (this.#pausedUntil === undefined) return;
    this.#pausedUntil = undefined;
    this.#changed();
  }

  /** The end of the current pause, or undefined when not paused. */
  pausedUntil(): number | undefined {
    if (this.#pausedUntil !== undefined && this.#clock.now() >= this.#pausedUntil) return undefined;
    return this.#pausedUntil;
  }

  quietNow(): boolean {
    return inQuietHours(this.#settings.quietHours, this.#clock.now());
  }

  /** Events held for a burst or deferred by the ceiling, not yet shown. */
  pending(): number {
    return this.#held.count + this.#deferred.count;
  }

  stats(): PolicyStats {
    const s = this.#stats;
    return { ...s, suppressed: { ...s.suppressed }, coalesced: { ...s.coalesced } };
  }

  /** Calls `listener` when the pause state or the settings change. Returns an unsubscribe. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops every timer. Events still pending stay counted in `pending()`. */
  close(): void {
    this.#clock.clearTimeout(this.#holdTimer);
    this.#clock.clearTimeout(this.#ceilingTimer);
    this.#holdTimer = this.#ceilingTimer = undefined;
    this.#cancelResume?.();
    this.#cancelResume = undefined;
    this.#listeners.clear();
  }

  #filter(e: E): SuppressReason | undefined {
    if (!this.#settings.enabled) return 'disabled';
    let on = true;
    for (const rule of this.#settings.topics) if (topicMatches(rule.pattern, e.topic)) on = rule.enabled;
    if (!on) return 'topic';
    const ids = e.subscription_ids ?? [];
    if (this.#muted.size > 0 && ids.length > 0 && ids.every((id) => this.#muted.has(id))) return 'subscription';
    return undefined;
  }

  /** Reasons that hold for every event at this moment. */
  #gate(now: number): SuppressReason | undefined {
    if (!this.#settings.enabled) return 'disabled';
    if (this.#pausedUntil !== undefined) {
      if (now < this.#pausedUntil) return 'paused';
      this.resume(); // the resume timer may not have run yet (a sleeping laptop); wall clock decides
    }
    if (inQuietHours(this.#settings.quietHours, now)) return 'quiet_hours';
    return undefined;
  }

  #scheduleHoldFlush(now: number): void {
    const { settleMs, maxHoldMs } = this.#settings.burst;
    const at = Math.min(now + settleMs, (this.#heldSince ?? now) + maxHoldMs);
    this.#clock.clearTimeout(this.#holdTimer);
    this.#holdTimer = this.#clock.setTimeout(() => this.#flushHeld(), Math.max(0, at - now));
  }

  #flushHeld(): void {
    this.#holdTimer = undefined;
    const batch = this.#held;
    this.#held = new Bucket();
    this.#heldSince = undefined;
    if (batch.count === 0) return;
    const now = this.#clock.now();
    const gate = this.#gate(now);
    if (gate) {
      this.#stats.suppressed[gate] += batch.count;
      return;
    }
    const small = batch.count === 1 || this.#burstSize <= this.#settings.burst.maxIndividual;
    if (small && batch.sample.length === batch.count) {
      for (const event of batch.sample) this.#emit({ kind: 'event', event }, now);
      return;
    }
    this.#stats.coalesced.burst += batch.count;
    this.#emit({ kind: 'summary', summary: batch.summary('burst') }, now);
  }

  #emit(popup: Popup<E>, now: number): 'shown' | 'deferred' {
    this.#prune(now);
    if (this.#deferred.count > 0 || this.#popupTimes.length >= this.#settings.maxPerMinute) {
      this.#deferred.addPopup(popup, 1);
      this.#stats.coalesced.ceiling += popup.kind === 'event' ? 1 : popup.summary.count;
      this.#scheduleCeilingFlush(now);
      return 'deferred';
    }
    this.#popupTimes.push(now);
    if (popup.kind === 'event') this.#stats.shown++;
    else {
      this.#stats.summaries++;
      this.#stats.summarized += popup.summary.count;
    }
    this.#deliver(popup);
    return 'shown';
  }

  #prune(now: number): void {
    let drop = 0;
    while (drop < this.#popupTimes.length && (this.#popupTimes[drop] as number) <= now - MINUTE) drop++;
    if (drop > 0) this.#popupTimes.splice(0, drop);
  }

  #scheduleCeilingFlush(now: number): void {
    if (this.#ceilingTimer !== undefined) return;
    this.#prune(now);
    const full = this.#popupTimes.length >= this.#settings.maxPerMinute;
    const at = full ? (this.#popupTimes[this.#popupTimes.length - this.#settings.maxPerMinute] as number) + MINUTE : now;
    this.#ceilingTimer = this.#clock.setTimeout(() => this.#flushDeferred(), Math.max(0, at - now));
  }

  #flushDeferred(): void {
    this.#ceilingTimer = undefined;
    const now = this.#clock.now();
    this.#prune(now);
    if (this.#deferred.count === 0) return;
    if (this.#popupTimes.length >= this.#settings.maxPerMinute) return this.#scheduleCeilingFlush(now);
    const batch = this.#deferred;
    this.#deferred = new Bucket();
    const gate = this.#gate(now);
    if (gate) {
      this.#stats.suppressed[gate] += batch.count;
      return;
    }
    const single = batch.count === 1 ? batch.sample[0] : undefined;
    this.#emit(single ? { kind: 'event', event: single } : { kind: 'summary', summary: batch.summary('ceiling') }, now);
  }

  /** Held and deferred events will not be shown: count them under `reason`. */
  #dropPending(reason: SuppressReason): void {
    const n = this.pending();
    if (n === 0) return;
    this.#stats.suppressed[reason] += n;
    this.#held = new Bucket();
    this.#deferred = new Bucket();
    this.#heldSince = undefined;
    this.#clock.clearTimeout(this.#holdTimer);
    this.#clock.clearTimeout(this.#ceilingTimer);
    this.#holdTimer = this.#ceilingTimer = undefined;
  }

  #changed(): void {
    for (const l of this.#listeners) l();
  }
}
