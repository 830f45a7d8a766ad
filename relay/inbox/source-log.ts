// Per-source dedupe index, resume cursor and retention floor. Events of one source mostly arrive in increasing
// event_id order, so a sorted array with binary search does the job of a Map at 8 bytes per event instead of
// ~35, and builds in O(1) per event on open; a straggler with a lower id is spliced in.
import type { EventSource, StoredEvent } from './types.js';

function max(a: number | undefined, b: number): number {
  return a === undefined || b > a ? b : a;
}

export class SourceLog {
  readonly source: EventSource;
  /**
   * The upstream resume point (`Last-Event-ID`): the highest event_id durable here, or raised past that without
   * an event (the server's position at a first connect). It only ever rises, and survives retention (DESIGN.md
   * "Upstream cursor").
   *
   * Why the highest id and not "the id below which everything is durable": the relay sees only the events its
   * subscriptions match, so the ids it receives are sparse, and a gap below the newest id cannot be told apart
   * from events that were never meant for it. A straggler (an id lower than the newest, arriving after it) is
   * stored when it comes, but it never lowers the cursor: resuming from it would only make the server send
   * again what is already durable. The server resumes by id, so a straggler not yet delivered when the
   * connection drops is one the server must send again after the cursor; the relay cannot ask for it by name.
   */
  cursor: number | undefined;
  /** Highest event_id ever stored (committed); written into checkpoints, see `floor`. */
  storedMax: number | undefined;
  /**
   * Highest event_id that retention dropped. An id at or below it that is not stored may be a replay of a
   * dropped event, or a straggler older than what retention already let go: the two cannot be told apart once
   * the event is gone, and storing it again could deliver it twice, so both are refused as duplicates. Above
   * the floor, identity is exact: an id not stored is new, whatever its order.
   */
  floor: number | undefined;
  /** Stored and reserved events, sorted by event_id. Entries below `start` are retained out. */
  private byId: StoredEvent[] = [];
  private start = 0;

  constructor(source: EventSource) {
    this.source = source;
  }

  raiseCursor(eventId: number): void {
    this.cursor = max(this.cursor, eventId);
  }

  /** A committed event (appended or loaded): it moves the cursor and the stored maximum. */
  stored(eventId: number): void {
    this.cursor = max(this.cursor, eventId);
    this.storedMax = max(this.storedMax, eventId);
  }

  raiseStoredMax(eventId: number): void {
    this.storedMax = max(this.storedMax, eventId);
  }

  raiseFloor(eventId: number): void {
    this.floor = max(this.floor, eventId);
  }

  /** The highest id this source has shown: stored, reserved by an append in flight, or the cursor. */
  newest(): number | undefined {
    const last = this.byId.at(-1);
    return last === undefined ? this.cursor : max(this.cursor, last.event_id);
  }

  /** The entry with this event_id, if any. It may be retained out: the caller checks its seq. */
  find(eventId: number): StoredEvent | undefined {
    const last = this.byId.at(-1);
    if (!last || last.event_id < eventId) return undefined; // the usual case: a new, higher event_id
    const i = this.lowerBound(eventId);
    const event = this.byId[i];
    return event?.event_id === eventId ? event : undefined;
  }

  insert(event: StoredEvent): void {
    const last = this.byId.at(-1);
    if (!last || last.event_id < event.event_id) this.byId.push(event);
    else this.byId.splice(this.lowerBound(event.event_id), 0, event);
  }

  /** Takes back a reserved event whose write failed. */
  remove(event: StoredEvent): void {
    const i = this.lowerBound(event.event_id);
    if (this.byId[i] === event) this.byId.splice(i, 1);
  }

  /**
   * Forgets entries retained out (seq < `firstAliveSeq`). In order of arrival they sit at the front; an
   * out-of-order straggler stays until the next compaction, and `find`'s callers treat it as gone meanwhile.
   */
  dropDead(firstAliveSeq: number): void {
    while (this.start < this.byId.length && (this.byId[this.start] as StoredEvent).seq < firstAliveSeq) this.start++;
    if (this.start >= 1024 && this.start * 2 >= this.byId.length) {
      this.byId = this.byId.slice(this.start).filter((e) => e.seq >= firstAliveSeq);
      this.start = 0;
    }
  }

  private lowerBound(eventId: number): number {
    let lo = this.start;
    let hi = this.byId.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.byId[mid] as StoredEvent).event_id < eventId) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
