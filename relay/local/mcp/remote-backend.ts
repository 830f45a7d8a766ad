// The tools' backend of `push-relay mcp`: a running relay's /v1 API over loopback (relay/client/local-client).
// It never opens an upstream stream of its own. The relay is looked up through `<home>/relay.json` at every
// call, so an agent started before the relay works as soon as the relay is up, and one that outlives a relay
// restart follows it to its new port.
import { findRelay, relayRequest, retryPause, RelayUnavailableError, type RelayEndpoint, type RequestOptions } from '../../client/local-client.js';
import type { SubscriptionRow } from '../../protocol/frames.js';
import { LOCAL_API, localApiPath, SESSION_ID, subscriptionPath, type AckRequest, type AckResponse, type PendingResponse, type SessionsResponse, type SubscriptionsResponse, type WaitResponse } from '../../protocol/local-api.js';
import type { RelayStatus } from '../core.js';
import type { AckResult, TopicCatalog, ToolBackend } from './backend.js';
import { toToolError } from './tool-errors.js';

export interface RemoteBackendOptions {
  home: string;
  /** Deadline of the quick calls (everything but the wait). */
  requestTimeoutMs?: number;
  /** How often a wait whose relay went away looks for it again (the relay restarting). */
  retryMs?: number;
  /**
   * The Claude Code session this server serves (default: CLAUDE_CODE_SESSION_ID, which Claude Code sets for its
   * MCP servers): its waits count as the session's wait_for_event, and its idle waiter defers to them.
   */
  taker?: string | undefined;
  /**
   * The consumer that stands for "this session's consumers" (`claude-code`, or the per-session one): a call on it
   * made for a known session (`taker`) goes through the session — the routes its project matches and the mode
   * in settings — exactly as the hooks of that session take (README "Sessions"). Unset: every call takes from
   * the consumer it names (`push-relay mcp --consumer NAME`, like the hooks with `--consumer`).
   */
  sessionConsumer?: string | undefined;
}

export function remoteBackend(options: RemoteBackendOptions): ToolBackend {
  const { home } = options;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const retryMs = options.retryMs ?? 1_000;
  const rawTaker = 'taker' in options ? options.taker : process.env.CLAUDE_CODE_SESSION_ID;
  const taker = rawTaker && SESSION_ID.test(rawTaker) ? rawTaker : undefined;
  /**
   * The session ended while this server lives on: Claude Code's `/clear` gives the session a new id (SessionEnd
   * of this one) but keeps its MCP servers and their CLAUDE_CODE_SESSION_ID. Its waits would end at once, so
   * from then on the calls take from the consumer they name, as a server without a session does.
   */
  let sessionGone = false;
  /** The session a call on `consumer` takes for, when it goes through the session's consumers. */
  const viaSession = (consumer: string) => (!sessionGone && taker !== undefined && consumer === options.sessionConsumer ? taker : undefined);

  const locate = (): RelayEndpoint => {
    try {
      return findRelay(home);
    } catch (err) {
      throw toToolError(err, home);
    }
  };
  const call = async <T>(path: string, request: RequestOptions = {}): Promise<T> => {
    const relay = locate();
    try {
      return await relayRequest<T>(relay, path, { timeoutMs: requestTimeoutMs, ...request });
    } catch (err) {
      throw toToolError(err, home);
    }
  };

  return {
    pending: (q) => {
      const session = viaSession(q.consumer);
      const params = session
        ? { session, topic: q.topic, limit: q.limit, ack: q.ack, claim: true, via: 'get_pending_events' as const }
        : { consumer: q.consumer, topic: q.topic, limit: q.limit, ack: q.ack, claim: true, start: q.start, via: 'get_pending_events' as const, session: q.session };
      return call<PendingResponse>(localApiPath(LOCAL_API.pending, params));
    },

    async wait(q) {
      const deadline = Date.now() + q.timeoutMs;
      let relay = locate(); // not running at the start: say so at once
      for (;;) {
        const remaining = Math.max(0, deadline - Date.now());
        try {
          const session = viaSession(q.consumer);
          const path = session
            ? localApiPath(LOCAL_API.wait, { session, topic: q.topic, limit: q.limit, timeout_ms: remaining, ack: true, via: 'wait_for_event' })
            : localApiPath(LOCAL_API.wait, { consumer: q.consumer, topic: q.topic, limit: q.limit, timeout_ms: remaining, ack: true, via: 'wait_for_event', session: q.session, taker: sessionGone ? undefined : taker });
          // The relay ends its side of the wait when this request goes away (abort = socket closed).
          const r = await relayRequest<WaitResponse>(relay, path, { signal: q.signal, timeoutMs: remaining + requestTimeoutMs });
          if (session && r.session_gone && r.events.length === 0) {
            sessionGone = true;
            continue; // the rest of the time on the named consumer
          }
          return { consumer: r.consumer, events: r.events, pending: r.pending };
        } catch (err) {
          if (q.signal.aborted) return { consumer: q.consumer, events: [], pending: 0 };
          if (!(err instanceof RelayUnavailableError)) throw toToolError(err, home);
          // The relay went away mid-wait (restart, upgrade): look for it again until the deadline.
          if (Date.now() + retryMs >= deadline) throw toToolError(err, home);
          await retryPause(retryMs, q.signal);
          if (q.signal.aborted) return { consumer: q.consumer, events: [], pending: 0 };
          try {
            relay = findRelay(home);
          } catch {
            // still down; the next round retries (or gives up at the deadline)
          }
        }
      }
    },

    async ack(consumer, upToEventId) {
      const session = viaSession(consumer);
      const body: AckRequest = session ? { session, up_to_event_id: upToEventId } : { consumer, up_to_event_id: upToEventId };
      const state = await call<AckResponse>(LOCAL_API.ack, { method: 'POST', body });
      return { consumer: state.name, cursor: state.cursor, pending: state.pending } satisfies AckResult;
    },

    subscribe: (input) => call<SubscriptionRow>(LOCAL_API.subscriptions, { method: 'POST', body: input }),
    unsubscribe: (id) => call<Record<string, unknown>>(subscriptionPath(id), { method: 'DELETE' }),
    listSubscriptions: async (includeDeleted) =>
      (await call<SubscriptionsResponse>(localApiPath(LOCAL_API.subscriptions, { include_deleted: includeDeleted || undefined }))).subscriptions,
    listTopics: (category) => call<TopicCatalog>(localApiPath(LOCAL_API.topics, { category })),
    status: () => call<RelayStatus>(LOCAL_API.status),
    sessions: () => call<SessionsResponse>(LOCAL_API.sessions),
  };
}
