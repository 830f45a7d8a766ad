// The inbox port: a durable, deduplicating event log with named consumer cursors and waiters.
// Shape after the MCP SDK's EventStore (storeEvent / replayEventsAfter) and STYLE.md: append, readSince, ack.
// Two implementations (file, memory) pass one contract suite: test/contract/inbox.contract.ts.
import type { PushEvent } from '../protocol/frames.js';
import type { EventReceipts, ReceiptInput } from './receipts.js';

export type { EventReceipts, Receipt, ReceiptInput } from './receipts.js';

/** Where an event came from. An event's identity is (server, tenant, event_id) — DESIGN.md "Identity". */
export interface EventSource {
  /** Normalized origin of the push server, e.g. `https://api.pact.place` or `http://127.0.0.1:47830`. */
  server: string;
  /** Tenant the bearer token resolves to (or a stable hash of the key when the server does not say). */
  tenant: string;
}

/** An event as received on the push channel, with the subscription that matched it. */
export interface IncomingEvent {
  source: EventSource;
  event: PushEvent;
  subscription_id: string;
}

/** An event as the inbox keeps it. `seq` is the inbox's own order: strictly increasing, never reused. */
export interface StoredEvent extends PushEvent {
  seq: number;
  server: string;
  tenant: string;
  /** Every subscription that matched this event; a second frame for the same event only adds here. */
  subscription_ids: string[];
  received_at: string;
}

export interface AppendResult {
  /** Events new to the inbox, in seq order. Durable (fsync'd for the file inbox) when the promise resolves. */
  appended: StoredEvent[];
  /** How many incoming events were already stored (same server, tenant, event_id), or retained out. */
  duplicates: number;
  /** How many of `appended` came with an event_id below one their source had already shown (stored late, not dropped). */
  outOfOrder: number;
}

export interface ConsumerOptions {
  /** fnmatch glob on the topic (relay/protocol/topic-glob); undefined = every topic. */
  topic?: string;
  /** Where a consumer seen for the first time starts: at the head (default; no history flood) or the earliest retained event. */
  startAt?: 'head' | 'earliest';
}

export interface ConsumerState {
  name: string;
  topic: string | undefined;
  /** Highest seq acked; events with seq > cursor (and matching topic) are pending. */
  cursor: number;
  pending: number;
}

export interface ReadOptions {
  /** Only events whose topic matches this glob. */
  topic?: string;
  limit?: number;
}

export interface ClaimOptions extends ReadOptions {
  /**
   * How long the claim holds without an ack (ms). Until then other takers on the consumer skip these events;
   * after it they are handed over again (the taker died before acking). Claims are in memory: a relay
   * restart releases them.
   */
  leaseMs: number;
}

export interface WaitOptions extends ReadOptions {
  /** Give up (resolve with []) after this long. */
  timeoutMs: number;
  signal?: AbortSignal;
  /**
   * Claim what the wait returns for this long (ms), in the same step that picks it, skipping events other
   * takers hold: concurrent claiming waiters on one consumer get different events or keep waiting.
   * Without it the wait returns every pending event, claimed or not (a view, not a hand-over).
   */
  leaseMs?: number;
}

export interface RetentionPolicy {
  /** Keep at most this many events (oldest go first). */
  maxEvents: number;
  /** Drop events received longer ago than this. */
  maxAgeMs: number;
  /**
   * Forget a per-session consumer (`session:<id>`, one per Claude Code session) unused for this long. Sessions
   * come and go; without this every session ever seen would stay in consumers.json, rewritten on every ack.
   * A session resumed after that starts at the head again, as a new one does.
   */
  sessionConsumerIdleMs: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { maxEvents: 100_000, maxAgeMs: 30 * 24 * 3600_000, sessionConsumerIdleMs: 7 * 24 * 3600_000 };

/** Consumers named with this prefix belong to one agent session and expire (RetentionPolicy.sessionConsumerIdleMs). */
export const SESSION_CONSUMER_PREFIX = 'session:';

/**
 * The consumer shared by the Claude Code hooks and the stdio bridge. It exists from the inbox's first open at
 * seq 0, so it sees every event since the relay's first start (DESIGN.md "Consumers").
 */
export const DEFAULT_CONSUMER = 'claude-code';

export interface InboxStats {
  events: number;
  head: number;
  oldest: number | undefined;
  /** Incoming events found already stored, since this inbox was opened. */
  duplicates: number;
  /** Events stored though their event_id was below their source's newest (late, not duplicate), since this inbox was opened. */
  outOfOrder: number;
  /** Records skipped on open because they were torn or corrupt. */
  skippedOnOpen: number;
  /** `waitForPending` calls currently waiting (a leak shows up here). */
  waiters: number;
  /** Events claimed by a taker and neither acked nor released yet, over all consumers. */
  claimed: number;
  /** Events that have delivery receipts (receipts.ts). */
  receipted: number;
}

/**
 * Events returned by reads are the inbox's own objects, shared between callers: treat them as read-only.
 * Every method throws (or rejects with) an `InboxError` with code `inbox_closed` once `close()` was called.
 */
export interface Inbox {
  /**
   * Appends events; resolves once they are durable. Dedupe by (server, tenant, event_id), not by a watermark:
   * an event_id below the source's newest that was never stored is stored (and counted as `outOfOrder`). An
   * event_id at or below the highest one retention dropped that is not stored counts as a duplicate
   * (source-log.ts "floor"). Rejects with `InboxWriteError` (code `inbox_write_failed`) when the disk refuses;
   * nothing of it is kept.
   */
  append(events: IncomingEvent[]): Promise<AppendResult>;
  /**
   * Highest event_id durable for this source: the upstream resume point (`Last-Event-ID`). It never moves
   * backwards, not even for an event stored out of order (why: source-log.ts "cursor").
   */
  resumeCursor(source: EventSource): number | undefined;
  /**
   * Records that everything up to `eventId` of this source is accounted for, though nothing was stored — the
   * server's position at a first connect — so a restart resumes there instead of at the server's head (which
   * would skip what was emitted while the relay was down). Never lowers a cursor; durable when resolved.
   */
  raiseResumeCursor(source: EventSource, eventId: number): Promise<void>;
  /** Events with seq > `seq`, in seq order. */
  readSince(seq: number, options?: ReadOptions): StoredEvent[];
  /** The newest events first (for UIs), at most `limit`. */
  recent(limit: number, options?: { topic?: string }): StoredEvent[];
  get(seq: number): StoredEvent | undefined;
  /** Highest seq ever stored (0 when nothing was); it stays when retention drops events. */
  head(): number;

  /** Creates the consumer if new (at head unless `startAt: 'earliest'`); returns its state. A topic given here is remembered. */
  consumer(name: string, options?: ConsumerOptions): Promise<ConsumerState>;
  listConsumers(): ConsumerState[];
  /**
   * Unacked events of a consumer (topic of the consumer AND of the options), oldest first, claimed or not: a
   * view, not a hand-over (`claim` is one). A consumer seen for the first time here is created at the head.
   */
  pending(name: string, options?: ReadOptions): StoredEvent[];
  /** How many unacked events of the consumer (and topic) no taker holds a claim on. */
  unclaimedCount(name: string, options?: { topic?: string }): number;
  /**
   * Hands over the consumer's oldest unacked events that no other taker holds (at most `limit`), claiming them
   * for `leaseMs` in the same synchronous step: two takers never get the same event while a claim holds. The
   * claim ends with an ack (`ack`/`ackEvents` covering them), a `release`, or the lease running out (then
   * waiters are woken to take them).
   */
  claim(name: string, options: ClaimOptions): StoredEvent[];
  /** Hands claimed events back at once (the hand-over never reached anyone), waking waiters to take them. */
  release(name: string, seqs: readonly number[]): void;
  /** Moves the cursor forward to `upToSeq` (never backward, never past head); durable when resolved. Returns the new state. */
  ack(name: string, upToSeq: number): Promise<ConsumerState>;
  /**
   * Acks exactly these events (by seq), e.g. the ones a topic-filtered read returned, leaving older events of
   * other topics pending. The cursor (ack floor) rises over them once everything below is acked.
   */
  ackEvents(name: string, seqs: readonly number[]): Promise<ConsumerState>;
  /**
   * Resolves with the consumer's pending events as soon as there is at least one (at once if some are already
   * pending), or with [] on timeout, abort or close. Woken by append, never by polling.
   */
  waitForPending(name: string, options: WaitOptions): Promise<StoredEvent[]>;
  /**
   * Records a delivery receipt (receipts.ts) on each of these stored events: who took or saw them, and how. Seqs
   * retention dropped (or never stored) are ignored. Visible to `receipts` at once; the promise resolves once
   * the receipts are durable (file inbox) and rejects if the disk refused them — callers that hand events over
   * do not wait for it (a receipt must never delay or fail a hand-over). Acks (`ack`, `ackEvents`) mark the
   * receipts of that consumer on the events they cover as acked.
   */
  recordReceipts(seqs: readonly number[], receipt: ReceiptInput): Promise<void>;
  /** The receipts of a stored event, oldest first (empty when none); undefined when no such event is kept. */
  receipts(seq: number): EventReceipts | undefined;
  /** Calls `listener` after every append that stored new events. Returns an unsubscribe function. */
  onAppend(listener: (events: StoredEvent[]) => void): () => void;

  stats(): InboxStats;
  /** Applies retention now (also applied on open and periodically by the file inbox). */
  compact(): Promise<void>;
  close(): Promise<void>;
}
