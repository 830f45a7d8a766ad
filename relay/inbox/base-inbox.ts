// Everything the two inboxes do identically: reads, consumers, waiters, listeners, stats, retention on read.
// Subclasses own the append path (how a batch becomes durable), consumer persistence, compaction and close.
import { ClaimRegistry, type SeqSkip } from './claims.js';
import { ConsumerRegistry, type ConsumerRecord } from './consumers.js';
import { InboxClosedError, InboxError } from './errors.js';
import { EventTable, type PendingBatch } from './event-table.js';
import { ReceiptTable, type ReceiptChange } from './receipts.js';
import { bothTopics, topicPredicate } from './topic-filter.js';
import {
  SESSION_CONSUMER_PREFIX,
  type AppendResult,
  type ClaimOptions,
  type ConsumerOptions,
  type ConsumerState,
  type EventReceipts,
  type EventSource,
  type Inbox,
  type InboxStats,
  type IncomingEvent,
  type ReadOptions,
  type ReceiptInput,
  type RetentionPolicy,
  type StoredEvent,
  type WaitOptions,
} from './types.js';
import { WaiterRegistry } from './waiters.js';

export interface BaseInboxOptions {
  retention: RetentionPolicy;
  clock: () => number;
  /** Where a throwing `onAppend` listener is reported; it never fails the append or other listeners. */
  onListenerError?: ((error: unknown) => void) | undefined;
}

const CONSUMER_SWEEP_EVERY_MS = 60_000;

export abstract class BaseInbox implements Inbox {
  protected readonly table = new EventTable();
  protected readonly receiptTable = new ReceiptTable();
  protected consumers = new ConsumerRegistry();
  protected readonly retention: RetentionPolicy;
  protected readonly clock: () => number;
  protected closed = false;
  protected duplicates = 0;
  protected outOfOrder = 0;
  protected skippedOnOpen = 0;
  private readonly waiters = new WaiterRegistry();
  // A lease that runs out hands its events back: wake the waiters that may take them now.
  private readonly claims = new ClaimRegistry((consumer, seqs) => this.handBack(consumer, seqs));
  /** When session consumers were last looked at; reset by an inbox that replaces `consumers` (loading them). */
  protected lastConsumerSweep = -Infinity;
  private readonly listeners = new Set<(events: StoredEvent[]) => void>();
  private readonly onListenerError: (error: unknown) => void;

  protected constructor(options: BaseInboxOptions) {
    this.retention = options.retention;
    this.clock = options.clock;
    this.onListenerError = options.onListenerError ?? ((error) => console.error('inbox: an onAppend listener threw', error));
  }

  abstract append(events: IncomingEvent[]): Promise<AppendResult>;
  abstract raiseResumeCursor(source: EventSource, eventId: number): Promise<void>;
  abstract compact(): Promise<void>;
  abstract close(): Promise<void>;
  /**
   * Makes the consumer registry durable (no-op in memory); resolves once the state at call time is. With
   * `changed` false it still waits for saves in flight and retries one that failed, so an ack that changed
   * nothing itself is not reported durable before an earlier, identical one is.
   */
  protected abstract persistConsumers(changed: boolean): Promise<void>;
  /** Makes receipt changes durable (no-op in memory), in the order given. */
  protected abstract persistReceipts(changes: readonly ReceiptChange[]): Promise<void>;

  resumeCursor(source: EventSource): number | undefined {
    this.assertOpen();
    return this.table.resumeCursor(source);
  }

  readSince(seq: number, options?: ReadOptions): StoredEvent[] {
    this.assertOpen();
    this.expire();
    return this.table.readSince(seq, topicPredicate(options?.topic), options?.limit);
  }

  recent(limit: number, options?: { topic?: string }): StoredEvent[] {
    this.assertOpen();
    this.expire();
    return this.table.recent(limit, topicPredicate(options?.topic));
  }

  get(seq: number): StoredEvent | undefined {
    this.assertOpen();
    this.expire();
    return this.table.get(seq);
  }

  head(): number {
    this.assertOpen();
    return this.table.head();
  }

  async consumer(name: string, options?: ConsumerOptions): Promise<ConsumerState> {
    this.assertOpen();
    this.expire();
    const { record, changed } = this.consumers.ensure(name, options, this.startPositions(), this.clock());
    await this.persistConsumers(changed);
    return this.state(name, record);
  }

  listConsumers(): ConsumerState[] {
    this.assertOpen();
    this.expire();
    return this.consumers.entries().map(([name, record]) => this.state(name, record));
  }

  pending(name: string, options?: ReadOptions): StoredEvent[] {
    this.assertOpen();
    return this.pendingOf(name, options);
  }

  unclaimedCount(name: string, options?: { topic?: string }): number {
    this.assertOpen();
    this.expire();
    const record = this.touch(name);
    return this.table.countSince(record.cursor, bothTopics(topicPredicate(record.topic), topicPredicate(options?.topic)), this.skipFor(name, record, true));
  }

  claim(name: string, options: ClaimOptions): StoredEvent[] {
    this.assertOpen();
    return this.claimOf(name, options, options.leaseMs);
  }

  release(name: string, seqs: readonly number[]): void {
    this.assertOpen();
    this.handBack(name, this.claims.release(name, seqs));
  }

  /**
   * `pending` without the open check: waiters collect through it while a closing inbox commits its last batch.
   * With `unclaimed`, events other takers hold are skipped.
   */
  private pendingOf(name: string, options: ReadOptions | undefined, unclaimed = false): StoredEvent[] {
    this.expire();
    const record = this.touch(name);
    return this.table.readSince(record.cursor, bothTopics(topicPredicate(record.topic), topicPredicate(options?.topic)), options?.limit, this.skipFor(name, record, unclaimed));
  }

  /** Reads the unclaimed pending events and claims them in one synchronous step: nothing can interleave. */
  private claimOf(name: string, options: ReadOptions, leaseMs: number): StoredEvent[] {
    const events = this.pendingOf(name, options, true);
    this.claims.claim(name, events.map((e) => e.seq), leaseMs);
    return events;
  }

  /** What a read skips: the consumer's single acks, and with `unclaimed` the events other takers hold. */
  private skipFor(name: string, record: ConsumerRecord, unclaimed: boolean): SeqSkip | undefined {
    const claimed = unclaimed ? this.claims.claimed(name) : undefined;
    const acked = record.acked;
    if (!claimed) return acked;
    if (!acked) return claimed;
    return { has: (seq) => acked.has(seq) || claimed.has(seq) };
  }

  /** Claims handed back (released or expired): the waiters of that consumer may take these events now. */
  private handBack(consumer: string, seqs: readonly number[]): void {
    if (seqs.length === 0 || this.closed) return;
    const events = seqs.map((seq) => this.table.get(seq)).filter((e): e is StoredEvent => e !== undefined);
    this.waiters.notify(events, consumer);
  }

  recordReceipts(seqs: readonly number[], receipt: ReceiptInput): Promise<void> {
    try {
      this.assertOpen();
      this.expire();
      const at = this.receivedAt();
      const changes = seqs.filter((seq) => this.table.get(seq) !== undefined).map((seq) => this.receiptTable.add(seq, receipt, at));
      return changes.length === 0 ? Promise.resolve() : this.persistReceipts(changes);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  receipts(seq: number): EventReceipts | undefined {
    this.assertOpen();
    this.expire();
    if (this.table.get(seq) === undefined) return undefined;
    const entry = this.receiptTable.get(seq);
    return { receipts: entry ? entry.receipts.map((r) => ({ ...r })) : [], overflow: entry?.overflow ?? 0 };
  }

  async ack(name: string, upToSeq: number): Promise<ConsumerState> {
    return this.acknowledge(name, (record, head) => this.consumers.ack(record, upToSeq, head));
  }

  async ackEvents(name: string, seqs: readonly number[]): Promise<ConsumerState> {
    return this.acknowledge(name, (record, head) => this.consumers.ackEach(record, seqs, head), seqs);
  }

  /**
   * Both acks: create the consumer if new, `mark` what is acked, raise the floor, end the claims on what is now
   * acked (`single`: the seqs acked one by one), save what changed.
   */
  private async acknowledge(name: string, mark: (record: ConsumerRecord, head: number) => boolean, single: readonly number[] = []): Promise<ConsumerState> {
    this.assertOpen();
    const { record, changed: created } = this.consumers.ensure(name, undefined, this.startPositions(), this.clock());
    const floor = record.cursor;
    const marked = mark(record, this.table.head());
    const settled = this.settle(record);
    // The receipts of this consumer on what is now acked say so; written behind the ack, never failing it.
    const ackMarks = this.receiptTable.markAcked(name, single, floor, record.cursor, this.receivedAt());
    if (ackMarks.length > 0) this.persistReceipts(ackMarks).catch(() => {});
    // The ack ends the claims it covers: from here the in-memory ack hides the events from every taker.
    this.claims.releaseUpTo(name, record.cursor);
    this.claims.release(name, single);
    await this.persistConsumers(created || marked || settled);
    this.expire();
    return this.state(name, record);
  }

  private settle(record: ConsumerRecord): boolean {
    const mine = topicPredicate(record.topic);
    return this.consumers.settle(record, this.table.head(), (cursor, acked) =>
      this.table.firstAfter(cursor, (e) => (!mine || mine(e.topic)) && !acked.has(e.seq))?.seq,
    );
  }

  waitForPending(name: string, options: WaitOptions): Promise<StoredEvent[]> {
    const { leaseMs } = options;
    const take = () => (leaseMs === undefined ? this.pendingOf(name, options) : this.claimOf(name, options, leaseMs));
    try {
      this.assertOpen();
      const ready = take();
      if (ready.length > 0) return Promise.resolve(ready);
    } catch (error) {
      return Promise.reject(error);
    }
    const callTopic = topicPredicate(options.topic);
    return this.waiters.wait({
      consumer: name,
      // The consumer's topic is read at wake-up time: `consumer(name, {topic})` may change it meanwhile.
      wants: (events) => {
        const record = this.consumers.get(name);
        if (!record) return false;
        const matches = bothTopics(topicPredicate(record.topic), callTopic);
        return events.some((e) => e.seq > record.cursor && !record.acked?.has(e.seq) && (!matches || matches(e.topic)));
      },
      // Synchronous: a claiming waiter takes its events before the next waiter looks (WaiterRegistry.notify).
      collect: take,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    });
  }

  onAppend(listener: (events: StoredEvent[]) => void): () => void {
    this.assertOpen();
    // Wrapped so the same function can subscribe twice and unsubscribe each registration separately.
    const entry = (events: StoredEvent[]) => listener(events);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  stats(): InboxStats {
    this.assertOpen();
    this.expire();
    return {
      events: this.table.size(),
      head: this.table.head(),
      oldest: this.table.oldest()?.seq,
      duplicates: this.duplicates,
      outOfOrder: this.outOfOrder,
      skippedOnOpen: this.skippedOnOpen,
      waiters: this.waiters.size,
      claimed: this.claims.size(),
      receipted: this.receiptTable.size,
    };
  }

  protected assertOpen(): void {
    if (this.closed) throw new InboxClosedError();
  }

  /** Age retention moves with the clock, not with appends, so reads hide what expired since (cheap: O(dropped)). */
  protected expire(): number {
    const now = this.clock();
    this.expireSessionConsumers(now);
    const dropped = this.table.trim(this.retention, now);
    // Receipts go with their event (bounded with the inbox's retention).
    if (dropped > 0 && this.receiptTable.size > 0) this.receiptTable.dropBelow(this.table.oldest()?.seq ?? this.table.head() + 1);
    return dropped;
  }

  /** Forgets per-session consumers unused for `sessionConsumerIdleMs`; looks at most once a minute. */
  private expireSessionConsumers(now: number): void {
    if (now - this.lastConsumerSweep < CONSUMER_SWEEP_EVERY_MS) return;
    this.lastConsumerSweep = now;
    const cutoff = now - this.retention.sessionConsumerIdleMs;
    if (!this.consumers.anyUnused(SESSION_CONSUMER_PREFIX, cutoff)) return;
    const parked = this.waiters.consumers();
    const dropped = this.consumers.dropUnused(SESSION_CONSUMER_PREFIX, cutoff, (name) => parked.has(name));
    // A failed save keeps the registry dirty; the next ack, consumer() or close() retries and reports it.
    if (dropped.length > 0) this.persistConsumers(true).catch(() => {});
  }

  protected receivedAt(): string {
    return new Date(this.clock()).toISOString();
  }

  protected validate(events: readonly IncomingEvent[]): void {
    if (!Array.isArray(events)) throw new InboxError('inbox_invalid_argument', 'append needs an array of incoming events.');
    for (const incoming of events) {
      const id = incoming?.event?.event_id;
      if (!Number.isSafeInteger(id) || (id as number) < 0 || typeof incoming.event.topic !== 'string') {
        throw new InboxError('inbox_invalid_argument', `An incoming event needs a non-negative integer event_id and a topic; got event_id=${String(id)}.`);
      }
      if (typeof incoming.source?.server !== 'string' || typeof incoming.source.tenant !== 'string' || typeof incoming.subscription_id !== 'string') {
        throw new InboxError('inbox_invalid_argument', `Event ${id} needs a source {server, tenant} and a subscription_id.`);
      }
    }
  }

  /**
   * After a batch is durable and committed: count, apply retention, tell listeners (once per append that
   * stored something) and wake waiters (once per batch).
   */
  protected published(batch: PendingBatch, results: readonly AppendResult[]): void {
    for (const result of results) {
      this.duplicates += result.duplicates;
      this.outOfOrder += result.outOfOrder;
    }
    this.expire();
    for (const result of results) {
      if (result.appended.length === 0) continue;
      for (const listener of [...this.listeners]) {
        try {
          listener(result.appended);
        } catch (error) {
          this.onListenerError(error);
        }
      }
    }
    this.waiters.notify(batch.events);
  }

  /** Ends every waiter with [] (on close). */
  protected releaseWaiters(): void {
    this.claims.clear();
    this.waiters.releaseAll();
  }

  private startPositions() {
    const head = this.table.head();
    const oldest = this.table.oldest();
    return { head, earliest: oldest ? oldest.seq - 1 : head };
  }

  /** A consumer used for the first time by a synchronous read is created at the head and saved in the background. */
  private touch(name: string): ConsumerRecord {
    const { record, changed } = this.consumers.ensure(name, undefined, this.startPositions(), this.clock());
    // A failed save keeps the registry dirty; the next ack, consumer() or close() retries and reports it.
    if (changed) this.persistConsumers(true).catch(() => {});
    return record;
  }

  private state(name: string, record: ConsumerRecord): ConsumerState {
    return {
      name,
      topic: record.topic,
      cursor: record.cursor,
      pending: this.table.countSince(record.cursor, topicPredicate(record.topic), record.acked),
    };
  }
}
