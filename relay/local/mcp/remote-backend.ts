// The tools' backend of `push-relay mcp`: a running relay's /v1 API over loopback (relay/client/local-client).
// It never opens an upstream stream of its own. The relay is looked up through `<home>/relay.json` at every
// call, so an agent started before the relay works as soon as the relay is up, and one that outlives a relay
// restart follows it to its new port.
import { findRelay, relayRequest, RelayRequestError, RelayUnavailableError, type RelayEndpoint, type RequestOptions } from '../../client/local-client.js';
import type { SubscriptionRow } from '../../protocol/frames.js';
import type { RelayStatus } from '../core.js';
import { SUBSCRIPTION_NOT_FOUND, withNextStep } from '../unknown-subscription.js';
import { relayNotRunning, ToolError, type AckResult, type PendingResult, type TopicCatalog, type ToolBackend, type WaitResult } from './backend.js';

export interface RemoteBackendOptions {
  home: string;
  /** Deadline of the quick calls (everything but the wait). */
  requestTimeoutMs?: number;
  /** How often a wait whose relay went away looks for it again (the relay restarting). */
  retryMs?: number;
}

export function remoteBackend(options: RemoteBackendOptions): ToolBackend {
  const { home } = options;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const retryMs = options.retryMs ?? 1_000;

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
    pending: (q) => call<PendingResult>(`/v1/pending?${params({ consumer: q.consumer, topic: q.topic, limit: q.limit, ack: q.ack })}`),

    async wait(q) {
      const deadline = Date.now() + q.timeoutMs;
      let relay = locate(); // not running at the start: say so at once
      for (;;) {
        const remaining = Math.max(0, deadline - Date.now());
        try {
          const path = `/v1/wait?${params({ consumer: q.consumer, topic: q.topic, limit: q.limit, timeout_ms: remaining, ack: true })}`;
          // The relay ends its side of the wait when this request goes away (abort = socket closed).
          const r = await relayRequest<WaitResult>(relay, path, { signal: q.signal, timeoutMs: remaining + requestTimeoutMs });
          return { consumer: r.consumer, events: r.events, pending: r.pending };
        } catch (err) {
          if (q.signal.aborted) return { consumer: q.consumer, events: [], pending: 0 };
          if (!(err instanceof RelayUnavailableError)) throw toToolError(err, home);
          // The relay went away mid-wait (restart, upgrade): look for it again until the deadline.
          if (Date.now() + retryMs >= deadline) throw toToolError(err, home);
          await sleep(retryMs, q.signal);
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
      const state = await call<{ name: string; cursor: number; pending: number }>('/v1/ack', { method: 'POST', body: { consumer, up_to_event_id: upToEventId } });
      return { consumer: state.name, cursor: state.cursor, pending: state.pending } satisfies AckResult;
    },

    subscribe: (input) => call<SubscriptionRow>('/v1/subscriptions', { method: 'POST', body: input }),
    unsubscribe: (id) => call<Record<string, unknown>>(`/v1/subscriptions/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    listSubscriptions: async (includeDeleted) =>
      (await call<{ subscriptions: SubscriptionRow[] }>(`/v1/subscriptions${includeDeleted ? '?include_deleted=true' : ''}`)).subscriptions,
    listTopics: (category) => call<TopicCatalog>(`/v1/topics${category ? `?category=${encodeURIComponent(category)}` : ''}`),
    status: () => call<RelayStatus>('/v1/status'),
  };
}

function params(values: Record<string, string | number | boolean | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined) p.set(k, String(v));
  return p.toString();
}

function toToolError(err: unknown, home: string): ToolError {
  if (err instanceof ToolError) return err;
  if (err instanceof RelayUnavailableError) return relayNotRunning(home, describeUnavailable(err.message));
  if (err instanceof RelayRequestError) {
    if (err.code === SUBSCRIPTION_NOT_FOUND) return new ToolError('invalid_request', withNextStep(err.message, 'mcp'), { cause: err });
    if (err.status === 400) return new ToolError('invalid_request', `Push Relay refused the arguments: ${err.message}`, { cause: err });
    if (err.status === 401 && err.message.includes('local-token')) {
      return new ToolError('relay_error', `The relay on ${home} refused its local token; restart the relay, or point --home at the home dir it runs on.`, { cause: err });
    }
    // Errors of the control plane come through the relay with the push server's code and message.
    const upstream = err.status >= 500 && err.code !== 'internal_error';
    return new ToolError(upstream ? 'upstream_error' : 'relay_error', `${upstream ? 'The push server call failed' : 'Push Relay call failed'} (${err.code}): ${err.message}`, { cause: err });
  }
  return new ToolError('relay_error', `Push Relay call failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

/** The client's messages say "no relay…; start one" already; keep only the part that is news. */
function describeUnavailable(message: string): string | undefined {
  if (message.startsWith('no relay is running')) return undefined;
  return message.replace(/; is it running\?$/, '');
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
