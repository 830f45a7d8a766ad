// What a consumer can do (DESIGN.md "Consumers"): read its pending events, wait for the next ones, ack. One
// implementation for both surfaces that offer it, the /v1 routes (routes.ts) and the in-process MCP tools
// (mcp/core-backend.ts), so the two cannot drift apart:
// - a consumer seen for the first time starts at the head unless the call asks for `start: "earliest"`;
// - an ack is durable before the answer goes out: an answer that says "acked" never precedes a write that may
//   still fail (a full disk then surfaces as an error, not as events that come back after a restart);
// - a wait the caller abandoned acks nothing: the events stay pending for the next call or the hook.
import type { ConsumerState, Inbox } from '../inbox/types.js';
import type { ConsumerStart, PendingResponse, WaitResponse } from '../protocol/local-api.js';
import { toApiEvent } from './api-events.js';

export interface PendingOp {
  consumer: string;
  topic?: string | undefined;
  limit: number;
  /** Move the consumer's cursor past the returned events. */
  ack: boolean;
  start?: ConsumerStart | undefined;
}

export interface WaitOp extends Omit<PendingOp, 'start'> {
  timeoutMs: number;
  /** Ends the wait early (the caller went away); the wait then resolves with no events and acks nothing. */
  signal: AbortSignal;
}

/** Exactly one of `upToSeq` (what the UI and the hooks hold) or `upToEventId` (what agents see). */
export type AckOp = { consumer: string } & ({ upToSeq: number; upToEventId?: undefined } | { upToSeq?: undefined; upToEventId: number });

export interface ConsumerOps {
  pending(op: PendingOp): Promise<PendingResponse>;
  wait(op: WaitOp): Promise<WaitResponse>;
  ack(op: AckOp): Promise<ConsumerState>;
}

export function consumerOps(inbox: Inbox): ConsumerOps {
  /** Matching events still pending, beyond the `returned` ones unless those were acked. */
  const remaining = (op: PendingOp, returned: number, acked: boolean) => inbox.pending(op.consumer, { topic: op.topic }).length - (acked ? 0 : returned);

  return {
    async pending(op) {
      let state = await inbox.consumer(op.consumer, { startAt: op.start });
      const events = inbox.pending(op.consumer, { topic: op.topic, limit: op.limit });
      const acked = op.ack && events.length > 0;
      if (acked) state = await inbox.ackEvents(op.consumer, events.map((e) => e.seq));
      return { consumer: op.consumer, events: events.map(toApiEvent), acked, pending: remaining(op, events.length, acked), cursor: state.cursor };
    },

    async wait(op) {
      await inbox.consumer(op.consumer);
      const found = await inbox.waitForPending(op.consumer, { topic: op.topic, limit: op.limit, timeoutMs: op.timeoutMs, signal: op.signal });
      const events = op.signal.aborted ? [] : found;
      const acked = op.ack && events.length > 0;
      if (acked) await inbox.ackEvents(op.consumer, events.map((e) => e.seq));
      // Throws inbox_closed when the wait ended because the relay is shutting down (not a timeout).
      const pending = remaining(op, events.length, acked);
      return { status: events.length > 0 ? 'event' : 'timeout', consumer: op.consumer, events: events.map(toApiEvent), pending };
    },

    async ack(op) {
      await inbox.consumer(op.consumer);
      const seq = op.upToSeq ?? seqForEventId(inbox, op.consumer, op.upToEventId);
      return inbox.ack(op.consumer, seq);
    },
  };
}

/** Maps `up_to_event_id` (what agents see) to the inbox's seq for the consumer's events. */
function seqForEventId(inbox: Inbox, consumer: string, eventId: number): number {
  let seq: number | undefined;
  for (const e of inbox.pending(consumer, { limit: 100_000 })) if (e.event_id <= eventId) seq = e.seq;
  return seq ?? 0;
}
