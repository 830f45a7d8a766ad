// What a consumer can do (DESIGN.md "Consumers"): read its pending events, wait for the next ones, ack. One
// implementation for both surfaces that offer it, the /v1 routes (routes.ts) and the in-process MCP tools
// (mcp/core-backend.ts), so the two cannot drift apart:
// - a consumer seen for the first time starts at the head unless the call asks for `start: "earliest"`;
// - an ack is durable before the answer goes out: an answer that says "acked" never precedes a write that may
//   still fail (a full disk then surfaces as an error, not as events that come back after a restart);
// - a wait the caller abandoned acks nothing: the events stay pending for the next call or the hook;
// - a hand-over is a claim (relay/inbox/claims.ts): within one consumer an event goes to exactly one taker. With
//   ack the claim is the ack, taken before any other waiter is released; without it the events are claimed
//   for a lease, skipped by other takers until acked or the lease runs out (a taker that died hands them back);
// - every hand-over leaves a delivery receipt (relay/inbox/receipts.ts): which consumer and session took the
//   events, through which path (`via`), when; the consumer's ack marks it acked. A view leaves none.
import type { ConsumerState, Inbox, StoredEvent } from '../inbox/types.js';
import type { ConsumerStart, HandOverPath, PendingResponse, WaitResponse } from '../protocol/local-api.js';
import { toApiEvent } from './api-events.js';

export interface PendingOp {
  consumer: string;
  topic?: string | undefined;
  limit: number;
  /** Move the consumer's cursor past the returned events. */
  ack: boolean;
  /**
   * Without ack: hand the returned events over (claimed for the lease; the caller acks them after showing them,
   * as the hooks do) instead of only viewing them (the UI, `push-relay events`). Ack implies it.
   */
  claim?: boolean | undefined;
  start?: ConsumerStart | undefined;
  /** The hand-over path, for the receipt (relay/protocol/local-api.ts HAND_OVER_PATHS). */
  via: HandOverPath;
  /** The taker's session, for the receipt. */
  session?: string | undefined;
}

/** A wait always hands over: it claims what it returns. */
export interface WaitOp extends Omit<PendingOp, 'start' | 'claim'> {
  timeoutMs: number;
  /** Ends the wait early (the caller went away); the wait then resolves with no events and acks nothing. */
  signal: AbortSignal;
}

/**
 * Exactly one of `upToSeq` (what the UI holds), `upToEventId` (what agents see) or `seqs` (exactly the events a
 * hook listed: acking up to the last one would also ack older events another taker holds and may never show).
 */
export type AckOp = { consumer: string } & (
  | { upToSeq: number; upToEventId?: undefined; seqs?: undefined }
  | { upToSeq?: undefined; upToEventId: number; seqs?: undefined }
  | { upToSeq?: undefined; upToEventId?: undefined; seqs: readonly number[] }
);

export interface ConsumerOpsOptions {
  /** How long a hand-over without ack holds its events (ms); short in tests. */
  leaseMs?: number;
}

/**
 * A hook lists, prints and acks within seconds; an agent that took events with ack: false acks after working on
 * them. Five minutes covers both, and is how long a taker that died delays the events' next hand-over.
 */
export const DEFAULT_LEASE_MS = 5 * 60_000;

export interface ConsumerOps {
  pending(op: PendingOp): Promise<PendingResponse>;
  wait(op: WaitOp): Promise<WaitResponse>;
  ack(op: AckOp): Promise<ConsumerState>;
}

export function consumerOps(inbox: Inbox, options: ConsumerOpsOptions = {}): ConsumerOps {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  /** Matching events a taker could still get: unacked and held by nobody (what was just handed over is held). */
  const remaining = (op: { consumer: string; topic?: string | undefined }) => inbox.unclaimedCount(op.consumer, { topic: op.topic });

  return {
    async pending(op) {
      let state = await inbox.consumer(op.consumer, { startAt: op.start });
      if (!op.ack && !op.claim) {
        // A view: every unacked event, claimed or not, and nothing taken.
        const events = inbox.pending(op.consumer, { topic: op.topic, limit: op.limit });
        const pending = inbox.pending(op.consumer, { topic: op.topic }).length - events.length;
        return { consumer: op.consumer, events: events.map(toApiEvent), acked: false, pending, cursor: state.cursor };
      }
      const events = inbox.claim(op.consumer, { topic: op.topic, limit: op.limit, leaseMs });
      record(inbox, op, events);
      const acked = op.ack && events.length > 0;
      if (acked) state = await ackOrHandBack(inbox, op.consumer, events);
      return { consumer: op.consumer, events: events.map(toApiEvent), acked, pending: remaining(op), cursor: state.cursor };
    },

    async wait(op) {
      await inbox.consumer(op.consumer);
      const found = await inbox.waitForPending(op.consumer, { topic: op.topic, limit: op.limit, timeoutMs: op.timeoutMs, signal: op.signal, leaseMs });
      if (op.signal.aborted && found.length > 0) {
        // Claimed, but nobody is left to receive them: hand them back now rather than after the lease.
        inbox.release(op.consumer, found.map((e) => e.seq));
      }
      const events = op.signal.aborted ? [] : found;
      record(inbox, op, events);
      const acked = op.ack && events.length > 0;
      if (acked) await ackOrHandBack(inbox, op.consumer, events);
      // Throws inbox_closed when the wait ended because the relay is shutting down (not a timeout).
      const pending = remaining(op);
      return { status: events.length > 0 ? 'event' : 'timeout', consumer: op.consumer, events: events.map(toApiEvent), pending };
    },

    async ack(op) {
      await inbox.consumer(op.consumer);
      if (op.seqs) return inbox.ackEvents(op.consumer, op.seqs);
      const seq = op.upToSeq ?? seqForEventId(inbox, op.consumer, op.upToEventId);
      return inbox.ack(op.consumer, seq);
    },
  };
}

/**
 * The receipt of a hand-over, recorded before the ack so the ack marks it. Not awaited: a receipt that cannot
 * be written (a full disk) must not delay or fail the hand-over; it stays in memory until the relay stops.
 */
function record(inbox: Inbox, op: { consumer: string; via: HandOverPath; session?: string | undefined }, events: readonly StoredEvent[]): void {
  if (events.length === 0) return;
  inbox.recordReceipts(events.map((e) => e.seq), { via: op.via, consumer: op.consumer, session: op.session }).catch(() => {});
}

/** Acks what was just claimed; an ack that fails (a full disk) answers with an error, so the events go back at once. */
async function ackOrHandBack(inbox: Inbox, consumer: string, events: readonly StoredEvent[]): Promise<ConsumerState> {
  const seqs = events.map((e) => e.seq);
  try {
    return await inbox.ackEvents(consumer, seqs);
  } catch (error) {
    inbox.release(consumer, seqs);
    throw error;
  }
}

/** Maps `up_to_event_id` (what agents see) to the inbox's seq for the consumer's events. */
function seqForEventId(inbox: Inbox, consumer: string, eventId: number): number {
  let seq: number | undefined;
  for (const e of inbox.pending(consumer, { limit: 100_000 })) if (e.event_id <= eventId) seq = e.seq;
  return seq ?? 0;
}
