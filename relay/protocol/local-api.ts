// The relay's local HTTP API as one contract (DESIGN.md "Local HTTP"): its routes, their query parameters, and
// the request and response bodies. The server routes (relay/local/), the light client and its users (relay/client,
// the hooks, the CLI, `push-relay mcp`) and the renderer all take the wire shapes from here, so none re-declares
// them. Types, the route table and one pure path builder only: no node:* import and no zod at run time, so the
// renderer's browser program and the hook bundle (start-up budget) can both import it. The zod schemas that
// validate at the boundary stay with the server (relay/local/routes.ts).
import type { SubscriptionRow } from './frames.js';
import type { ListTopicsOutputSchema, TopicInfo } from './tools.js';
import type { z } from 'zod';

export type { SubscriptionRow, TopicInfo };

export const LOCAL_API = {
  health: '/v1/health',
  status: '/v1/status',
  pending: '/v1/pending',
  wait: '/v1/wait',
  ack: '/v1/ack',
  events: '/v1/events',
  stream: '/v1/stream',
  subscriptions: '/v1/subscriptions',
  topics: '/v1/topics',
  settings: '/v1/settings',
  notifications: '/v1/notifications',
  upstreams: '/v1/upstreams',
} as const;

export type LocalRoute = (typeof LOCAL_API)[keyof typeof LOCAL_API];

/** Where a consumer seen for the first time starts (DESIGN.md "Consumers"): the head (default) or the earliest retained event. */
export type ConsumerStart = 'head' | 'earliest';

export interface PendingParams {
  consumer?: string;
  topic?: string;
  limit?: number;
  /** Move the consumer's cursor past the returned events. */
  ack?: boolean;
  /**
   * Only /v1/pending, without ack: hand the events over (claimed for a lease, skipped by other takers on the
   * consumer until acked) rather than only show them. /v1/wait always claims.
   */
  claim?: boolean;
  start?: ConsumerStart;
}

export interface WaitParams extends Omit<PendingParams, 'start' | 'claim'> {
  timeout_ms?: number;
}

export interface EventsParams {
  /** Events after this seq, oldest first; without it, the newest `limit` events. */
  since?: number;
  topic?: string;
  limit?: number;
}

/** The query parameters of each route that takes some. */
export interface LocalApiQuery {
  '/v1/pending': PendingParams;
  '/v1/wait': WaitParams;
  '/v1/events': EventsParams;
  '/v1/subscriptions': { include_deleted?: boolean };
  '/v1/topics': { category?: string };
}

type QueryOf<R extends LocalRoute> = R extends keyof LocalApiQuery ? LocalApiQuery[R] : Record<string, never>;

/** `route` with its query string (parameters left undefined are left out). Relative: the renderer calls its own origin. */
export function localApiPath<R extends LocalRoute>(route: R, query?: QueryOf<R>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) params.set(key, String(value));
  const search = params.toString();
  return search ? `${route}?${search}` : route;
}

/** `DELETE /v1/subscriptions/<id>`: the one route with a path parameter. */
export function subscriptionPath(id: string): string {
  return `${LOCAL_API.subscriptions}/${encodeURIComponent(id)}`;
}

/** An event as the local API, the MCP tools and the hooks show it: the upstream event plus its place in this inbox. */
export interface ApiEvent {
  /** Position in this relay's inbox (for acks and paging). */
  seq: number;
  event_id: number;
  topic: string;
  category: string;
  occurred_at: string;
  received_at: string;
  aggregate_type: string | null;
  aggregate_id: string | null;
  actor_id: string | null;
  correlation_id: string | null;
  payload: Record<string, unknown>;
  subscription_ids: string[];
  server: string;
}

export interface HealthResponse {
  ok: true;
  version: string;
  pid: number;
}

export interface PendingResponse {
  consumer: string;
  events: ApiEvent[];
  /** Whether the returned events are now acked. */
  acked: boolean;
  /** Matching events still pending beyond the returned ones. */
  pending: number;
  cursor: number;
}

export interface WaitResponse {
  status: 'event' | 'timeout';
  consumer: string;
  events: ApiEvent[];
  pending: number;
}

/**
 * `POST /v1/ack`: exactly one of `up_to_seq` (what the UI holds), `up_to_event_id` (what agents see) or `seqs`
 * (exactly the events a hook listed and printed, and no older one another taker may hold).
 */
export interface AckRequest {
  consumer?: string;
  up_to_seq?: number;
  up_to_event_id?: number;
  seqs?: number[];
}

/** A consumer's read position; also the answer of `POST /v1/ack`. */
export interface ConsumerStatus {
  name: string;
  topic?: string | undefined;
  /** Highest acked seq. */
  cursor: number;
  pending: number;
}
export type AckResponse = ConsumerStatus;

export interface EventsResponse {
  events: ApiEvent[];
  head: number;
}

export interface SubscriptionsResponse {
  subscriptions: SubscriptionRow[];
}

export type TopicsResponse = z.infer<typeof ListTopicsOutputSchema>;

/** Every 4xx/5xx answer. `code` is the failure's code (relay/util/errors.ts), `message` says what to do. */
export interface ErrorBody {
  error: { code: string; message: string };
}

export type UpstreamState = 'connecting' | 'open' | 'reconnecting' | 'unauthorized' | 'offline' | 'paused';

/** The upstream connection as `/v1/status` reports it (the relay adds more fields; these are the contract). */
export interface UpstreamStatus {
  state: UpstreamState;
  stopped?: boolean;
  server?: string;
  lastError: { code: string; message: string; status?: number; at: number } | null;
  nextRetryAt: number | null;
  connectedAt?: number | null;
  lastEventAt?: number | null;
  lag: { count: number; dropped_total: number; last_at: number | null; last_dropped_count: number | null };
  /** Frames skipped and counted, by kind (DESIGN.md "Failure behaviour": skip, count, stay up). */
  malformed?: Record<string, number>;
  /** Connections dropped because one SSE event never ended within the cap. */
  oversizeDrops?: number;
}

/** The inbox's counters under `inbox` in the status (relay/inbox stats). */
export interface InboxStatus {
  events: number;
  head: number;
  /** Events that arrived again and were stored once (identity: source and event id). */
  duplicates?: number;
  /** Events below a source's newest id that were never stored, stored on arrival. */
  outOfOrder?: number;
  [counter: string]: unknown;
}

/** `GET /v1/notifications`, also under `notifications` in the status. */
export interface NotificationStatus {
  notifier: string;
  available: boolean | null;
  unavailable_reason: string | null;
  enabled: boolean;
  paused_until: string | null;
  quiet_hours_now: boolean;
  pending: number;
  counts: { delivered: number; failed: number; unavailable: number; shown?: number; summaries?: number; received?: number };
}

/** One standard MCP upstream (relay/upstream/mcp/upstream.ts), under `upstreams` in the status. */
export interface McpUpstreamStatus {
  name: string;
  transport: 'stdio' | 'http';
  state: 'connecting' | 'connected' | 'backoff' | 'disabled' | 'no-push' | 'failed' | 'stopped';
  allow_push: boolean;
  enabled: boolean;
  /** The negotiated protocol version of the current (or last) connection. */
  protocol_version: string | null;
  subscribed_uris: number;
  connects: number;
  /** Connections that ended unexpectedly (a stdio server exiting counts: it is restarted). */
  disconnects: number;
  notifications: number;
  last_event_at: string | null;
  next_retry_at: string | null;
  /** What went wrong last, neutralized (it may quote the server's words: untrusted). */
  last_error: { message: string; at: string } | null;
  queued: number;
  queue_capacity: number;
  stored: number;
  duplicates: number;
  dropped: number;
  write_failures: number;
}

/** `GET /v1/upstreams`, and the answer to `POST /v1/upstreams` (relay/local/upstream-routes.ts). */
export interface UpstreamsResponse {
  upstreams: {
    name: string;
    type: 'stdio' | 'http';
    /** The command line or URL (header and env values are never shown). */
    target: string;
    enabled: boolean;
    allowPush: boolean;
    subscribe: string[];
    /** The live state, or null while the relay has not applied the entry yet. */
    status: McpUpstreamStatus | null;
  }[];
  path: string;
  message?: string;
}

/** `POST /v1/upstreams`: the Settings page's toggles. */
export interface UpstreamToggle {
  name: string;
  enabled?: boolean;
  allowPush?: boolean;
}

export interface RelayStatus {
  version: string;
  pid: number;
  home: string;
  mode: 'demo' | 'server';
  server: string;
  client_id: string;
  started_at: string;
  local_url: string;
  upstream: UpstreamStatus;
  inbox: InboxStatus;
  consumers: ConsumerStatus[];
  /** Present when the relay shows OS notifications (relay/notify). */
  notifications?: NotificationStatus;
  /** Standard MCP servers as event sources, in settings order (absent from relays without them). */
  upstreams?: McpUpstreamStatus[];
}

/** `GET/PUT /v1/settings` (relay/local/settings-routes.ts). */
export interface SettingsResponse {
  settings: {
    server: string | null;
    clientId: string | null;
    apiKeySet: boolean;
    apiKeyStorage: 'plain' | 'encrypted' | null;
    localPort: number | null;
    notifications: Record<string, unknown> | null;
  };
  path: string;
  overridden_by_env: { server: boolean; apiKey: boolean };
  restart_required?: boolean;
  message?: string;
  warning?: string;
}

/** `/v1/stream` (SSE): its event names and their `data`. */
export interface StreamMessages {
  status: RelayStatus;
  event: ApiEvent;
}
