// The inbox as the UI holds it: the events it has loaded, newest first, and their read state.
//
// Read state: the relay's consumer cursor of the consumer `ui` is the durable part — every event at or below
// it is read, for every window on this relay (the browser tab and the Electron window agree, and it survives
// restarts; the tray can count unread events as that consumer's pending). Above the cursor, events read one by
// one are remembered locally (localStorage of this origin) until they are contiguous with the cursor; then the
// cursor moves up to them with /v1/ack and they leave the local set. "Mark all read" acks up to the newest.
import type { ApiEvent } from '../relay/protocol/local-api.js';

export const UI_CONSUMER = 'ui';
const READ_KEY = 'push-relay.read';
/** Memory bound: the list keeps the newest this many events (older ones are a "Load older" away). */
export const MAX_EVENTS = 2000;

export class InboxModel {
  readonly #events = new Map<number, ApiEvent>();
  #sorted: ApiEvent[] | null = null;
  #cursor = 0;
  #localRead = new Set<number>();
  /**
   * When the first page of pending events was not all of them: the last seq of that page. Events between it
   * and the next known one are unknown, so the cursor may not be advanced past it one by one.
   */
  #pendingGapAfter: number | null = null;
  #hiddenPending = 0;
  #oldestLoaded = Infinity;
  /** No acks before the cursor is known: a read before that could move it past unseen events. */
  #ready = false;

  constructor(private readonly storage: Storage | null = safeLocalStorage()) {
    try {
      const saved = JSON.parse(this.storage?.getItem(READ_KEY) ?? '[]') as unknown;
      if (Array.isArray(saved)) for (const s of saved) if (Number.isSafeInteger(s)) this.#localRead.add(s as number);
    } catch {
      // corrupt: start empty
    }
  }

  get cursor(): number {
    return this.#cursor;
  }

  get size(): number {
    return this.#events.size;
  }

  get oldestSeq(): number {
    return this.#oldestLoaded;
  }

  get newestSeq(): number {
    return this.list()[0]?.seq ?? 0;
  }

  /** Adds events (any order, duplicates ignored). Returns the ones that were new. */
  add(events: readonly ApiEvent[]): ApiEvent[] {
    const added: ApiEvent[] = [];
    for (const e of events) {
      if (this.#events.has(e.seq)) continue;
      this.#events.set(e.seq, e);
      if (e.seq < this.#oldestLoaded) this.#oldestLoaded = e.seq;
      added.push(e);
    }
    if (added.length > 0) {
      this.#sorted = null;
      if (this.#events.size > MAX_EVENTS) {
        for (const e of this.list().slice(MAX_EVENTS)) this.#events.delete(e.seq);
        this.#sorted = null;
        this.#oldestLoaded = this.list().at(-1)?.seq ?? Infinity;
      }
    }
    return added;
  }

  get(seq: number): ApiEvent | undefined {
    return this.#events.get(seq);
  }

  /** Newest first. */
  list(): ApiEvent[] {
    this.#sorted ??= [...this.#events.values()].sort((a, b) => b.seq - a.seq);
    return this.#sorted;
  }

  isUnread(seq: number): boolean {
    return seq > this.#cursor && !this.#localRead.has(seq);
  }

  unreadCount(): number {
    let n = this.#hiddenPending;
    for (const e of this.#events.values()) if (this.isUnread(e.seq)) n++;
    return n;
  }

  /** The server's cursor (from /v1/pending, /v1/ack, or a status message). */
  setCursor(cursor: number): void {
    if (cursor === this.#cursor) return;
    this.#cursor = cursor;
    if (this.#pendingGapAfter !== null && cursor >= this.#pendingGapAfter) {
      this.#pendingGapAfter = null;
      this.#hiddenPending = 0;
    }
    for (const s of this.#localRead) if (s <= cursor) this.#localRead.delete(s);
    this.#save();
  }

  /** Records the first page of the consumer's pending events; `more` = how many were left out. */
  setPendingPage(events: readonly ApiEvent[], cursor: number, more: number): void {
    this.setCursor(cursor);
    this.#ready = true;
    this.add(events);
    this.#pendingGapAfter = more > 0 ? (events.at(-1)?.seq ?? cursor) : null;
    this.#hiddenPending = more;
  }

  /** Marks one event read locally; returns the seq the cursor can now advance to, if any. */
  markRead(seq: number): number | null {
    if (!this.isUnread(seq)) return null;
    this.#localRead.add(seq);
    this.#save();
    return this.advanceTarget();
  }

  /** The highest seq such that every known event in (cursor, seq] is read; null when none is. */
  advanceTarget(): number | null {
    if (!this.#ready) return null;
    const above = [...this.#events.keys()].filter((s) => s > this.#cursor).sort((a, b) => a - b);
    let target: number | null = null;
    for (const s of above) {
      if (this.#pendingGapAfter !== null && s > this.#pendingGapAfter) break;
      if (!this.#localRead.has(s)) break;
      target = s;
    }
    return target;
  }

  #save(): void {
    try {
      this.storage?.setItem(READ_KEY, JSON.stringify([...this.#localRead].slice(-5000)));
    } catch {
      // storage full or disabled: read state stays in memory
    }
  }
}

function safeLocalStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}
