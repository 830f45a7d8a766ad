// The tools' backend inside the relay process (the `/mcp` endpoint): straight onto the RelayCore, with the
// same consumer semantics as the /v1 routes (routes.ts): create the consumer on first use (at the head), ack
// up to the last returned event.
import { InboxError } from '../../inbox/errors.js';
import { toApiEvent } from '../api-events.js';
import type { RelayCore } from '../core.js';
import { UnknownSubscriptionError, unsubscribeKnown, withNextStep } from '../unknown-subscription.js';
import { seqForEventId } from '../routes.js';
import { relayStopping, ToolError, type ToolBackend } from './backend.js';

export function coreBackend(core: RelayCore): ToolBackend {
  const { inbox, control } = core;
  return {
    pending: (q) =>
      guard(async () => {
        await inbox.consumer(q.consumer);
        const events = inbox.pending(q.consumer, { topic: q.topic, limit: q.limit });
        const acked = q.ack && events.length > 0;
        if (acked) await inbox.ackEvents(q.consumer, events.map((e) => e.seq));
        const remaining = inbox.pending(q.consumer, { topic: q.topic }).length;
        return { consumer: q.consumer, events: events.map(toApiEvent), acked, pending: acked ? remaining : remaining - events.length };
      }),

    wait: (q) =>
      guard(async () => {
        await inbox.consumer(q.consumer);
        const events = await inbox.waitForPending(q.consumer, { topic: q.topic, limit: q.limit, timeoutMs: q.timeoutMs, signal: q.signal });
        // A wait the caller abandoned acks nothing: the events stay pending for the next call or the hook.
        // The reply does not wait for the ack to be durable. ackEvents applies the ack in memory before its first
        // await, so the next call, the hooks and get_pending_events never see these events again; its write of
        // consumers.json (tmp file, fsync, rename, fsync dir) finishes after the reply. That write was ~1 ms of
        // a ~1.9 ms emit → result (test/bench/mcp.ts: 5× a loopback round trip, against a goal of 3×). A crash in
        // that window only hands the events over again after the restart: at least once, as DESIGN.md
        // "Consumers" promises, never lost. A failed write keeps the registry dirty; the next save retries and
        // reports it (and on a closing inbox, pending() below throws inbox_closed as before).
        if (events.length > 0 && !q.signal.aborted) inbox.ackEvents(q.consumer, events.map((e) => e.seq)).catch(() => undefined);
        // Throws inbox_closed when the wait ended because the relay is shutting down (not a timeout).
        const remaining = inbox.pending(q.consumer, { topic: q.topic }).length;
        if (q.signal.aborted) return { consumer: q.consumer, events: [], pending: remaining };
        return { consumer: q.consumer, events: events.map(toApiEvent), pending: remaining };
      }),

    ack: (consumer, upToEventId) =>
      guard(async () => {
        await inbox.consumer(consumer);
        const state = await inbox.ack(consumer, seqForEventId(core, consumer, upToEventId));
        return { consumer, cursor: state.cursor, pending: state.pending };
      }),

    subscribe: (input) => guard(() => control.subscribe(input)),
    unsubscribe: (id) => guard(() => unsubscribeKnown(control, id)),
    listSubscriptions: (includeDeleted) => guard(() => control.listSubscriptions(includeDeleted)),
    listTopics: (category) => guard(() => control.listTopics(category)),
    status: () => guard(async () => core.status()),
  };
}

/** Typed errors of the layers below become tool errors whose message says what to do. */
async function guard<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ToolError) throw err;
    if (err instanceof UnknownSubscriptionError) throw new ToolError('invalid_request', withNextStep(err.message, 'mcp'), { cause: err });
    if (err instanceof InboxError) {
      if (err.code === 'inbox_closed') throw relayStopping();
      throw new ToolError('relay_error', err.message, { cause: err });
    }
    const e = err as { code?: unknown; message?: unknown; name?: unknown };
    // ControlError (the push server's control plane): its messages already say what to change.
    if (e?.name === 'ControlError' && typeof e.message === 'string') {
      throw new ToolError(e.code === 'invalid_input' ? 'invalid_request' : 'upstream_error', `The push server call failed: ${e.message}`, { cause: err });
    }
    throw err;
  }
}
