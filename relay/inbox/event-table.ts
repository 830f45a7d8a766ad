// The in-memory side of an inbox, shared by the memory and the file implementation: the visible events in seq
// order, the dedupe index, the per-source resume cursors and retention floors, and the two-step append (reserve, then commit once
// durable). The file inbox rebuilds this table from its log on open; the memory inbox is just this table.
//
// Memory layout (the budget is ~30 MB for 100k events): one object per event, a pointer to it in `events`
// and one in its source's sorted dedupe array (source-log.ts); nothing else per event. Strings that repeat
// across events (server, tenant, topic, category, aggregate_type, actor_id, subscription id lists) are
// interned, so 100k events share a few copies instead of holding 100k each.
import { expiredPrefix } from './retention.js';
import { SourceLog } from './source-log.js';
import type { TopicPredicate } from './topic-filter.js';
import type { AppendResult, EventSource, IncomingEvent, RetentionPolicy, StoredEvent } from './types.js';
import type { SeqSkip } from './claims.js';

/** Events and subscription merges reserved by appends that are not durable yet; committed or rolled back as one. */
export interface PendingBatch {
  /** seq of the first event reserved into this batch (Infinity while it has none). */
  firstSeq: number;
  events: StoredEvent[];
  /** A second frame for an event stored earlier: its subscription is added once the batch is durable. */
  merges: Merge[];
}

export interface Merge {
  event: StoredEvent;
  subscriptionId: string;
}

/** What a checkpoint keeps of one source (record-format.ts): its resume cursor and highest stored id. */
export interface SourceCursor {
  source: EventSource;
  eventId: number;
  /** Highest event_id stored; undefined while the cursor was only raised (record-format.ts "stored_max"). */
  storedMax: number | undefined;
}

export function newBatch(): PendingBatch {
  return { firstSeq: Infinity, events: [], merges: [] };
}

/** Set by makeStored itself (or dropped, `subscription_id`): never copied from the incoming event. */
const STORED_FIXED_FIELDS: ReadonlySet<string> = new Set([
  'event_id', 'topic', 'category', 'occurred_at', 'payload', 'subscription_id',
  'seq', 'server', 'tenant', 'subscription_ids', 'received_at',
]);

const SOURCE_SEPARATOR = '\u0000';
const MAX_INTERNED = 10_000;

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class EventTable {
  /** Visible events are `events[start..]`; the dead prefix is cut off in bulk (amortized O(1) per event). */
  private events: StoredEvent[] = [];
  private start = 0;
  /** Per (server, tenant): dedupe index of visible and reserved events, and the durable resume cursor. */
  private readonly sources = new Map<string, SourceLog>();
  /** Last source looked up; interned server/tenant strings make the check two pointer compares. */
  private lastSource: SourceLog | undefined;
  private lastSeq = 0;
  private nextSeq = 1;
  private readonly strings = new Map<string, string>();
  private readonly idLists = new Map<string, string[]>();
  /** The record `load` took last: most fields of the next one are the same strings. */
  private lastLoaded: StoredEvent | undefined;
  /** Cache for the age check: `received_at` of the oldest visible event, parsed once. */
  private oldestMs: { event: StoredEvent; ms: number } | undefined;

  /** Highest committed seq (0 when nothing was ever stored). */
  head(): number {
    return this.lastSeq;
  }

  size(): number {
    return this.events.length - this.start;
  }

  oldest(): StoredEvent | undefined {
    return this.events[this.start];
  }

  resumeCursor(source: EventSource): number | undefined {
    return this.sources.get(source.server + SOURCE_SEPARATOR + source.tenant)?.cursor;
  }

  /** Raises a source's resume cursor without an event; returns whether it moved. */
  raiseCursor(source: EventSource, eventId: number): boolean {
    const log = this.sourceLog(this.intern(source.server), this.intern(source.tenant));
    const before = log.cursor;
    log.raiseCursor(eventId);
    return log.cursor !== before;
  }

  sourceCursors(): SourceCursor[] {
    const out: SourceCursor[] = [];
    for (const log of this.sources.values()) {
      if (log.cursor !== undefined) out.push({ source: log.source, eventId: log.cursor, storedMax: log.storedMax });
    }
    return out;
  }

  get(seq: number): StoredEvent | undefined {
    const i = this.indexAfter(seq - 1);
    const event = this.events[i];
    return event?.seq === seq ? event : undefined;
  }

  /** Visible events with seq > `seq`, oldest first, at most `limit`. */
  /** Events after `seq` whose topic matches, minus the seqs in `skip` (a consumer's events acked out of order). */
  readSince(seq: number, matches: TopicPredicate | undefined, limit = Infinity, skip?: SeqSkip): StoredEvent[] {
    if (!(limit > 0)) return [];
    const from = this.indexAfter(seq);
    if (!matches && !skip) return this.events.slice(from, limit === Infinity ? undefined : from + limit);
    const out: StoredEvent[] = [];
    for (let i = from; i < this.events.length && out.length < limit; i++) {
      const event = this.events[i] as StoredEvent;
      if ((!matches || matches(event.topic)) && !skip?.has(event.seq)) out.push(event);
    }
    return out;
  }

  countSince(seq: number, matches: TopicPredicate | undefined, skip?: SeqSkip): number {
    const from = this.indexAfter(seq);
    if (!matches && !skip) return this.events.length - from;
    let n = 0;
    for (let i = from; i < this.events.length; i++) {
      const event = this.events[i] as StoredEvent;
      if ((!matches || matches(event.topic)) && !skip?.has(event.seq)) n++;
    }
    return n;
  }

  /** The first event after `seq` for which `stop` holds. */
  firstAfter(seq: number, stop: (event: StoredEvent) => boolean): StoredEvent | undefined {
    for (let i = this.indexAfter(seq); i < this.events.length; i++) {
      const event = this.events[i] as StoredEvent;
      if (stop(event)) return event;
    }
    return undefined;
  }

  /** Newest first, at most `limit`. */
  recent(limit: number, matches: TopicPredicate | undefined): StoredEvent[] {
    const out: StoredEvent[] = [];
    for (let i = this.events.length - 1; i >= this.start && out.length < limit; i--) {
      const event = this.events[i] as StoredEvent;
      if (!matches || matches(event.topic)) out.push(event);
    }
    return out;
  }

  /**
   * Reserves seqs for the new events of one append and records subscription merges for known ones, without
   * making anything visible. Returns the append's result (valid once the batch commits).
   */
  plan(incoming: readonly IncomingEvent[], receivedAt: string, batch: PendingBatch): AppendResult {
    const appended: StoredEvent[] = [];
    let duplicates = 0;
    let outOfOrder = 0;
    const firstAlive = this.firstAliveSeq();
    for (const { source, event, subscription_id: subscriptionId } of incoming) {
      const log = this.sourceLog(this.intern(source.server), this.intern(source.tenant));
      const found = log.find(event.event_id);
      const known = found && found.seq >= firstAlive ? found : undefined;
      if (known) {
        duplicates++;
        if (known.subscription_ids.includes(subscriptionId)) continue;
        if (known.seq >= batch.firstSeq) {
          // Same event twice in one batch: not written yet, so fold the subscription into the record itself.
          known.subscription_ids = this.idList([...known.subscription_ids, subscriptionId]);
        } else if (!batch.merges.some((m) => m.event === known && m.subscriptionId === subscriptionId)) {
          batch.merges.push({ event: known, subscriptionId });
        }
        continue;
      }
      if (log.floor !== undefined && event.event_id <= log.floor) {
        // At or below what retention dropped: most likely a replay of a dropped event (SourceLog.floor).
        duplicates++;
        continue;
      }
      // Identity is (source, event_id), not a watermark (DESIGN.md "Identity"): an id below the newest one
      // that was never stored is a new event that came late. It is stored, and counted apart from duplicates.
      const newest = log.newest();
      if (newest !== undefined && event.event_id < newest) outOfOrder++;
      const stored = this.makeStored(event, log.source, subscriptionId, receivedAt, this.nextSeq++);
      if (batch.firstSeq === Infinity) batch.firstSeq = stored.seq;
      log.insert(stored);
      batch.events.push(stored);
      appended.push(stored);
    }
    return { appended, duplicates, outOfOrder };
  }

  /** Makes a durable batch visible: events in seq order, resume cursors, subscription merges. */
  commit(batch: PendingBatch): void {
    for (const event of batch.events) this.pushEvent(event, this.sourceLog(event.server, event.tenant));
    for (const { event, subscriptionId } of batch.merges) this.mergeInto(event, subscriptionId);
  }

  /** Forgets a batch that could not be made durable: its events leave the dedupe index. Seqs are not reused. */
  rollback(batch: PendingBatch): void {
    for (const event of batch.events) this.sourceLog(event.server, event.tenant).remove(event);
  }

  /** Loads one event record read back from disk. Returns false (caller counts it as skipped) when it cannot fit. */
  load(event: StoredEvent): boolean {
    if (event.seq <= this.lastSeq) return false;
    this.internLoaded(event);
    const log = this.sourceLog(event.server, event.tenant);
    const found = log.find(event.event_id);
    if (found && found.seq >= this.firstAliveSeq()) return false;
    log.insert(event);
    this.pushEvent(event, log);
    this.nextSeq = this.lastSeq + 1;
    return true;
  }

  loadMerge(seq: number, subscriptionId: string): void {
    const event = this.get(seq);
    if (event) this.mergeInto(event, subscriptionId);
  }

  /**
   * Restores head and resume cursors that older, possibly deleted, segments established. A checkpoint read
   * before any event of this open is where the log now begins: every event of the segments before it (deleted
   * once retention dropped all of them) has an id at or below its stored maximum, so that becomes the floor.
   */
  loadCheckpoint(head: number, cursors: readonly SourceCursor[]): void {
    if (head > this.lastSeq) {
      this.lastSeq = head;
      this.nextSeq = head + 1;
    }
    const logStart = this.lastLoaded === undefined;
    for (const { source, eventId, storedMax } of cursors) {
      const log = this.sourceLog(this.intern(source.server), this.intern(source.tenant));
      log.raiseCursor(eventId);
      if (storedMax === undefined) continue;
      log.raiseStoredMax(storedMax);
      if (logStart) log.raiseFloor(storedMax);
    }
  }

  /** Drops the events past retention from memory and the dedupe index. Returns how many were dropped. */
  trim(policy: RetentionPolicy, now: number): number {
    const drop = expiredPrefix(this.size(), (i) => this.receivedMs(this.start + i), policy, now);
    if (drop === 0) return 0;
    for (let i = this.start; i < this.start + drop; i++) {
      const event = this.events[i] as StoredEvent;
      this.sourceLog(event.server, event.tenant).raiseFloor(event.event_id);
    }
    this.start += drop;
    if (this.start >= 1024 && this.start * 2 >= this.events.length) {
      this.events = this.events.slice(this.start);
      this.start = 0;
    }
    const firstAlive = this.firstAliveSeq();
    for (const log of this.sources.values()) log.dropDead(firstAlive);
    return drop;
  }

  /** Events with a lower seq are retained out; visible and reserved events are at or above it. */
  private firstAliveSeq(): number {
    return this.events[this.start]?.seq ?? this.lastSeq + 1;
  }

  /** First index in `events` (≥ start) whose seq is greater than `seq`. */
  private indexAfter(seq: number): number {
    let lo = this.start;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.events[mid] as StoredEvent).seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private receivedMs(i: number): number {
    const event = this.events[i] as StoredEvent;
    if (this.oldestMs?.event !== event) this.oldestMs = { event, ms: Date.parse(event.received_at) };
    return this.oldestMs.ms;
  }

  private pushEvent(event: StoredEvent, log: SourceLog): void {
    this.events.push(event);
    this.lastSeq = event.seq;
    log.stored(event.event_id);
  }

  /** `server` and `tenant` must be interned (they are on every stored event). */
  private sourceLog(server: string, tenant: string): SourceLog {
    const last = this.lastSource;
    if (last && last.source.server === server && last.source.tenant === tenant) return last;
    const key = server + SOURCE_SEPARATOR + tenant;
    let log = this.sources.get(key);
    if (!log) {
      log = new SourceLog({ server, tenant });
      this.sources.set(key, log);
    }
    this.lastSource = log;
    return log;
  }

  private mergeInto(event: StoredEvent, subscriptionId: string): void {
    // Copy on write: id lists are shared between events and may already be in a caller's hands.
    if (!event.subscription_ids.includes(subscriptionId)) event.subscription_ids = this.idList([...event.subscription_ids, subscriptionId]);
  }

  private makeStored(event: IncomingEvent['event'], source: EventSource, subscriptionId: string, receivedAt: string, seq: number): StoredEvent {
    // Built field by field, not with `{ subscription_id, ...rest }` and a spread: that took ~6 µs per event,
    // the largest CPU cost of ingest, against ~0.5 µs here, and every event gets the same hidden class.
    const stored: StoredEvent = {
      event_id: event.event_id,
      topic: event.topic,
      category: event.category,
      occurred_at: event.occurred_at,
      payload: event.payload,
      seq,
      server: source.server,
      tenant: source.tenant,
      subscription_ids: this.idList([subscriptionId]),
      received_at: receivedAt,
    };
    // The optional fields when present, and fields this version does not know (the frame schema keeps them).
    // A frame's params carry `subscription_id`; the stored form keeps the list instead.
    for (const key of Object.keys(event)) {
      if (STORED_FIXED_FIELDS.has(key)) continue;
      const value = (event as Record<string, unknown>)[key];
      // `__proto__` from JSON is an own data property: assigning it would set the prototype instead.
      if (key === '__proto__') Object.defineProperty(stored, key, { value, enumerable: true, writable: true, configurable: true });
      else (stored as Record<string, unknown>)[key] = value;
    }
    this.internFields(stored);
    return stored;
  }

  /**
   * Consecutive records mostly repeat the previous one's source, subscriptions and fields, so each is first
   * compared with the record loaded just before (already interned): on open that skips most pool lookups.
   */
  private internLoaded(event: StoredEvent): void {
    const prev = this.lastLoaded;
    event.server = prev && event.server === prev.server ? prev.server : this.intern(event.server);
    event.tenant = prev && event.tenant === prev.tenant ? prev.tenant : this.intern(event.tenant);
    event.subscription_ids = prev && sameIds(event.subscription_ids, prev.subscription_ids) ? prev.subscription_ids : this.idList(event.subscription_ids);
    this.internFields(event, prev);
    this.internPayload(event.payload, prev?.payload);
    // One append batch shares one received_at.
    if (prev && event.received_at === prev.received_at) event.received_at = prev.received_at;
    this.lastLoaded = event;
  }

  /**
   * The fields with few distinct values per relay. Not ids, not timestamps: those would only fill the pool.
   * A value equal to `prev`'s (an interned event) is taken from it without a lookup.
   */
  private internFields(event: StoredEvent, prev?: StoredEvent): void {
    event.topic = event.topic === prev?.topic ? prev.topic : this.intern(event.topic);
    if (typeof event.category === 'string') event.category = event.category === prev?.category ? prev.category : this.intern(event.category);
    if (typeof event.aggregate_type === 'string') {
      event.aggregate_type = event.aggregate_type === prev?.aggregate_type ? prev.aggregate_type : this.intern(event.aggregate_type);
    }
    if (typeof event.actor_id === 'string') event.actor_id = event.actor_id === prev?.actor_id ? prev.actor_id : this.intern(event.actor_id);
  }

  /**
   * Payload values repeat across events too (a stage, a status, a plan name). JSON.parse already shares
   * strings of up to 10 characters; a longer one equal to the same field of the record before is shared here.
   * Only that comparison, no pool: a pool lookup per string cost ~70 ms per 100k events whose payloads carry
   * unique ids and timestamps (measured), for values that are never shared.
   */
  private internPayload(payload: unknown, prev: unknown): void {
    if (typeof payload !== 'object' || payload === null || typeof prev !== 'object' || prev === null) return;
    const fields = payload as Record<string, unknown>;
    const before = prev as Record<string, unknown>;
    for (const key in fields) {
      const value = fields[key];
      if (typeof value === 'string' && value.length > 10 && key !== '__proto__' && value === before[key]) fields[key] = before[key];
    }
  }

  private intern(value: string): string {
    const hit = this.strings.get(value);
    if (hit !== undefined) return hit;
    if (this.strings.size < MAX_INTERNED) this.strings.set(value, value);
    return value;
  }

  /** Shared, frozen subscription id lists: most events of a relay carry one of a few lists. */
  private idList(ids: readonly string[]): string[] {
    const key = ids.length === 1 ? (ids[0] as string) : ids.join(SOURCE_SEPARATOR);
    const hit = this.idLists.get(key);
    if (hit) return hit;
    const list = Object.freeze(ids.map((id) => this.intern(id))) as string[];
    if (this.idLists.size < MAX_INTERNED) this.idLists.set(key, list);
    return list;
  }
}
