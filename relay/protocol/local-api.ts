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
  /** GET: the live Claude Code sessions; POST: a hook reports its session (relay/sessions/). */
  sessions: '/v1/sessions',
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
  /**
   * A Claude Code session id: the relay picks the consumer and claim scope for it from the session mode and
   * routes in settings (relay/sessions/), and records the hand-over; `consumer` is then ignored.
   */
  session?: string;
}

export interface WaitParams extends Omit<PendingParams, 'start' | 'claim'> {
  timeout_ms?: number;
  /** With `session`: this wait is the session's idle waiter (state idle-watching), not a `wait_for_event` call (waiting). */
  idle?: boolean;
  /**
   * Without `session`: the Claude Code session this wait takes for (`wait_for_event` through `push-relay mcp`,
   * which names its consumer itself). While it is open the session's idle waiter takes nothing: the two are
   * one taker, so one event never starts two turns of one session.
   */
  taker?: string;
}

/** `POST /v1/ack` and friends take `session` too: the seqs are acked in the consumers they were handed over from. */
export interface SessionParam {
  session?: string;
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
  '/v1/sessions': { include_gone?: boolean };
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
  /** With `session`: the session ended (SessionEnd, or its lease ran out); its idle waiter stops. */
  session_gone?: boolean;
}

/**
 * `POST /v1/ack`: exactly one of `up_to_seq` (what the UI holds), `up_to_event_id` (what agents see) or `seqs`
 * (exactly the events a hook listed and printed, and no older one another taker may hold).
 */
export interface AckRequest {
  consumer?: string;
  /** The session the events were handed to (`/v1/pending?session=`): acked in the consumers they came from. */
  session?: string;
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

/** How Claude Code sessions share events (settings `sessions.mode`; relay/sessions/). */
export type SessionMode = 'shared' | 'per-session';

/** What a session is doing, as the hooks and waits report it. */
export type SessionState = 'working' | 'idle-watching' | 'waiting' | 'gone';

/** The hook that reported: SessionStart, UserPromptSubmit, Stop, SessionEnd, or the idle waiter starting. */
export type SessionHookEvent = 'start' | 'prompt' | 'stop' | 'end' | 'idle';

/** `POST /v1/sessions`: computed by the hook from its input (`cwd`) and the file system (repository root, remote). */
export interface SessionReport {
  session_id: string;
  event: SessionHookEvent;
  cwd?: string;
  /** The git repository root containing `cwd`. */
  root?: string;
  /** The repository's `origin` URL. */
  remote?: string;
}

export interface SessionView {
  session_id: string;
  cwd: string | null;
  root: string | null;
  remote: string | null;
  state: SessionState;
  started_at: string;
  last_seen_at: string;
  last_handover_at: string | null;
  /** Events handed to this session so far. */
  handed_over: number;
  /** The consumers it takes from: its own or the shared one, then the routes its project matches. */
  consumers: string[];
}

export interface SessionsResponse {
  mode: SessionMode;
  sessions: SessionView[];
}

export interface SessionReportResponse {
  session: SessionView;
}
