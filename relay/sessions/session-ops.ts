// Hand-overs for a Claude Code session (README "Sessions"): the hooks pass the session id and the relay picks
// the consumers — the routes its project matches, then the shared consumer (`shared`) or its own
// (`per-session`) — and records the hand-over in the registry. Built on consumer-ops (relay/local), so a
// session's hand-over is a claim like any other: within each consumer an event goes to exactly one taker.
import type { ConsumerState, Inbox } from '../inbox/types.js';
import type { ConsumerOps } from '../local/consumer-ops.js';
import type { ApiEvent, HandOverPath, PendingResponse, WaitResponse } from '../protocol/local-api.js';
import type { SessionRecord, SessionRegistry } from './registry.js';

export interface SessionPendingOp {
  session: string;
  /** The hand-over path, for the receipt (which also names the session). */
  via: HandOverPath;
  topic?: string | undefined;
  limit: number;
  ack: boolean;
  claim: boolean;
}

export interface SessionWaitOp {
  session: string;
  /** The hand-over path, for the receipt (which also names the session). */
  via: HandOverPath;
  topic?: string | undefined;
  limit: number;
  ack: boolean;
  timeoutMs: number;
  /** The session's idle waiter (idle-watching) rather than a `wait_for_event` call (waiting). */
  idle: boolean;
  signal: AbortSignal;
}

export interface SessionOps {
  pending(op: SessionPendingOp): Promise<PendingResponse>;
  wait(op: SessionWaitOp): Promise<WaitResponse>;
  /**
   * A wait that names its consumer itself, made for a session (`taker`): counted as the session's
   * wait_for_event, so its idle waiter defers to it, and recorded as a hand-over to the session.
   */
  takerWait(taker: string, signal: AbortSignal, run: (signal: AbortSignal) => Promise<WaitResponse>): Promise<WaitResponse>;
  /** Acks exactly these seqs, each in the consumer it was handed over from. */
  ack(session: string, seqs: readonly number[]): Promise<ConsumerState>;
  /** `ack_events` for a session: everything up to the event id in each of the session's consumers; answers with the base one. */
  ackUpTo(session: string, upToEventId: number): Promise<ConsumerState>;
}

const bySeq = (a: ApiEvent, b: ApiEvent) => a.seq - b.seq;

/** Resolves when the session has no wait_for_event open, the signal fires, or `ms` pass. */
function untilNoToolWaits(record: SessionRecord, signal: AbortSignal, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      record.toolWaitListeners.delete(check);
      resolve();
    };
    const check = () => {
      if (record.toolWaits === 0) done();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    record.toolWaitListeners.add(check);
    check();
  });
}

/**
 * One wait per consumer, all ended by the first that finds events: what the others found in the same moment is
 * kept (claimed for this session too); what they find after the abort goes back (consumer-ops releases it).
 * With `deferTo`, a wait_for_event of that session starting meanwhile ends them too (`deferred`), and what
 * they held goes back to be taken by it; so does a change of the session settings (the consumers change).
 */
async function waitAll(
  ops: ConsumerOps,
  names: readonly string[],
  op: SessionWaitOp,
  timeoutMs: number,
  signal: AbortSignal,
  deferTo: SessionRecord | undefined,
  registry: SessionRegistry,
): Promise<{ events: Map<string, ApiEvent[]>; pending: number; deferred: boolean }> {
  const first = new AbortController();
  const onOuter = () => first.abort();
  signal.addEventListener('abort', onOuter, { once: true });
  let deferred = false;
  // Mode or routes changed (settings.json): end these waits so the caller picks the session's consumers again.
  const offConfigure = registry.onConfigure(() => {
    deferred = true;
    first.abort();
  });
  const onTool = () => {
    if (deferTo && deferTo.toolWaits > 0) {
      deferred = true;
      first.abort();
    }
  };
  deferTo?.toolWaitListeners.add(onTool);
  try {
    const answers = await Promise.all(
      names.map(async (consumer) => {
        const answer = await ops.wait({ consumer, topic: op.topic, limit: op.limit, ack: op.ack, via: op.via, session: op.session, timeoutMs, signal: first.signal });
        if (answer.events.length > 0) first.abort();
        return { consumer, answer };
      }),
    );
    const events = new Map<string, ApiEvent[]>();
    let pending = 0;
    for (const { consumer, answer } of answers) {
      if (answer.events.length > 0) events.set(consumer, answer.events);
      pending += answer.pending;
    }
    return { events, pending, deferred };
  } finally {
    signal.removeEventListener('abort', onOuter);
    offConfigure();
    deferTo?.toolWaitListeners.delete(onTool);
  }
}

export function sessionOps(inbox: Inbox, registry: SessionRegistry, ops: ConsumerOps): SessionOps {
  /** Consumers are created when a session first uses them: a per-session one starts at the head, at the session's start. */
  const consumersOf = async (record: SessionRecord) => {
    const names = registry.consumersOf(record);
    for (const name of names) await inbox.consumer(name);
    return names;
  };
  const base = (record: SessionRecord) => registry.baseConsumer(record.id);

  return {
    async pending(op) {
      const record = registry.touch(op.session);
      const names = await consumersOf(record);
      const events: ApiEvent[] = [];
      let pending = 0;
      let cursor = 0;
      const taken = op.claim || op.ack;
      for (const consumer of names) {
        const want = op.limit - events.length;
        if (want <= 0) {
          // The limit is reached: count what waits here without taking it.
          pending += inbox.unclaimedCount(consumer, { topic: op.topic });
          continue;
        }
        const answer = await ops.pending({ consumer, topic: op.topic, limit: want, ack: op.ack, claim: op.claim, via: op.via, session: op.session });
        if (taken) registry.handedOver(record, consumer, answer.events.map((e) => e.seq));
        events.push(...answer.events);
        pending += answer.pending;
        if (consumer === base(record)) cursor = answer.cursor;
      }
      return { consumer: base(record), events: events.sort(bySeq), acked: op.ack && events.length > 0, pending, cursor };
    },

    async wait(op) {
      const record = registry.touch(op.session);
      const wait = registry.beginWait(record, op.idle, op.signal);
      const deadline = Date.now() + op.timeoutMs;
      let handed = false;
      try {
        for (;;) {
          if (record.ended) return { status: 'timeout', consumer: base(record), events: [], pending: 0, session_gone: true };
          const left = Math.max(0, deadline - Date.now());
          // One taker per session: while its wait_for_event is open, the idle waiter takes nothing.
          if (op.idle && record.toolWaits > 0) {
            await untilNoToolWaits(record, wait.signal, left);
            if (wait.signal.aborted || Date.now() >= deadline) break;
            continue;
          }
          // Picked at each round: a settings change ends the round and the next one takes by the new settings.
          const names = await consumersOf(record);
          if (registry.consumersOf(record).join() !== names.join()) continue; // changed while they were created
          const { events, pending, deferred } = await waitAll(ops, names, op, left, wait.signal, op.idle ? record : undefined, registry);
          for (const [consumer, seqs] of events) registry.handedOver(record, consumer, seqs.map((e) => e.seq));
          const all = [...events.values()].flat().sort(bySeq);
          handed = all.length > 0;
          if (deferred && !handed && Date.now() < deadline) continue;
          if (op.signal.aborted) return { status: 'timeout', consumer: base(record), events: [], pending };
          const gone = record.ended ? { session_gone: true } : {};
          return { status: handed ? 'event' : 'timeout', consumer: base(record), events: all, pending, ...gone };
        }
        return { status: 'timeout', consumer: base(record), events: [], pending: 0, ...(record.ended ? { session_gone: true } : {}) };
      } finally {
        wait.end(handed);
      }
    },

    async takerWait(taker, signal, run) {
      const record = registry.touch(taker);
      const wait = registry.beginWait(record, false, signal);
      let handed = false;
      try {
        const answer = await run(wait.signal);
        registry.handedOver(record, answer.consumer, answer.events.map((e) => e.seq));
        handed = answer.events.length > 0;
        return answer;
      } finally {
        wait.end(handed);
      }
    },

    async ack(session, seqs) {
      const record = registry.touch(session);
      let last: ConsumerState | undefined;
      for (const [consumer, part] of registry.consumersOfSeqs(record, seqs)) last = await ops.ack({ consumer, seqs: part });
      return last ?? (await inbox.consumer(base(record)));
    },

    async ackUpTo(session, upToEventId) {
      const record = registry.touch(session);
      let state: ConsumerState | undefined;
      for (const consumer of await consumersOf(record)) {
        const s = await ops.ack({ consumer, upToEventId });
        if (consumer === base(record)) state = s;
      }
      return state ?? (await inbox.consumer(base(record)));
    },
  };
}
