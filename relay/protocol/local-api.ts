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
  /** GET: the live Claude Code sessions; POST: a hook reports its session (relay/sessions/). */
  sessions: '/v1/sessions',
  signIn: '/v1/sign-in',
  signOut: '/v1/sign-out',
} as const;

export type LocalRoute = (typeof LOCAL_API)[keyof typeof LOCAL_API];

/**
 * Delivery receipts: how an event reached someone. Written once here; the inbox stores these names, the routes
 * validate them, the CLI and the page show them. The hand-over paths (an agent took the event):
 * - `stop_hook`, `prompt_context`, `session_start`, `idle_wake`: the Claude Code hooks (`hook stop`,
 *   `hook prompt-submit`, `hook session-start`, `hook idle-wake`);
 * - `wait_for_event`, `get_pending_events`: the MCP tools;
 * - `channel`: pushed by `push-relay mcp --channel`; `watch`: printed by `push-relay watch`;
 * - `http`: any other use of /v1/pending or /v1/wait (scripts, `push-relay events --ack`).
 */
export const HAND_OVER_PATHS = ['stop_hook', 'prompt_context', 'session_start', 'idle_wake', 'wait_for_event', 'get_pending_events', 'channel', 'watch', 'http'] as const;
export type HandOverPath = (typeof HAND_OVER_PATHS)[number];

/** Desktop popups (relay/notify): shown by the OS, clicked by the person, or failed (refused, timed out, no notification service). */
export const POPUP_RECEIPTS = ['shown', 'clicked', 'failed'] as const;
export type PopupReceipt = (typeof POPUP_RECEIPTS)[number];

export const RECEIPT_KINDS = [...HAND_OVER_PATHS, ...POPUP_RECEIPTS] as const;
export type ReceiptKind = HandOverPath | PopupReceipt;

export function isHandOverPath(value: unknown): value is HandOverPath {
  return (HAND_OVER_PATHS as readonly unknown[]).includes(value);
}

/** Who may say which hand-over path and session took the events: /v1/pending, /v1/wait and (as a reader) /v1/events. */
export interface HandOverParams {
  /** The hand-over path, for the receipt (default `http` on /v1/pending and /v1/wait; none on /v1/events). */
  via?: HandOverPath;
  /**
   * A Claude Code session id (the hook input's session_id). On /v1/pending, /v1/wait and /v1/ack the relay
   * picks the consumer and claim scope for it from the session mode and routes in settings (relay/sessions/),
   * and `consumer` is then ignored; on every hand-over it is recorded in the receipt.
   */
  session?: string;
}

/**
 * A Claude Code session id as the relay takes it (hook input `session_id`, CLAUDE_CODE_SESSION_ID): Claude Code's
 * are UUIDs; at most 92 characters, so a per-session consumer name (relay/local/mcp/consumers.ts) stays within its limit.
 */
export const SESSION_ID = /^[\w.-]{1,92}$/;
export const SESSION_ID_RULE = "session ids use letters, digits and _ . - (at most 92), as Claude Code's do";

/** Where a consumer seen for the first time starts (DESIGN.md "Consumers"): the head (default) or the earliest retained event. */
export type ConsumerStart = 'head' | 'earliest';

export interface PendingParams extends HandOverParams {
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
  /** With `session`: this wait is the session's idle waiter (state idle-watching), not a `wait_for_event` call (waiting). */
  idle?: boolean;
  /**
   * Without `session`: the Claude Code session this wait takes for (`wait_for_event` through `push-relay mcp`,
   * which names its consumer itself). While it is open the session's idle waiter takes nothing: the two are
   * one taker, so one event never starts two turns of one session.
   */
  taker?: string;
}

export interface EventsParams extends HandOverParams {
  /** Events after this seq, oldest first; without it, the newest `limit` events. */
  since?: number;
  topic?: string;
  limit?: number;
  /** Only with `via` (a follower that shows what it reads, e.g. the channel): the reader's consumer name, for the receipt. */
  consumer?: string;
}

/** The query parameters of each route that takes some. */
export interface LocalApiQuery {
  '/v1/pending': PendingParams;
  '/v1/wait': WaitParams;
  '/v1/events': EventsParams;
  '/v1/subscriptions': { include_deleted?: boolean };
  '/v1/topics': { category?: string };
  '/v1/sessions': { include_gone?: boolean };
  /** DELETE: cancel only this sign-in (a page that started it), not a newer one started elsewhere. */
  '/v1/sign-in': { id?: string };
}

type QueryOf<R extends LocalRoute> = R extends keyof LocalApiQuery ? LocalApiQuery[R] : Record<string, never>;

/** `route` with its query string (parameters left undefined are left out). Relative: the renderer calls its own origin. */
export function localApiPath<R extends LocalRoute>(route: R, query?: QueryOf<R>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) params.set(key, String(value));
  const search = params.toString();
  return search ? `${route}?${search}` : route;
}

/** `DELETE /v1/subscriptions/<id>`: a route with a path parameter. */
export function subscriptionPath(id: string): string {
  return `${LOCAL_API.subscriptions}/${encodeURIComponent(id)}`;
}

/** `GET /v1/events/<seq>/receipts`: one event, addressed by its place in this inbox (`ApiEvent.seq`), and its receipts. */
export function eventReceiptsPath(seq: number): string {
  return `${LOCAL_API.events}/${seq}/receipts`;
}

/** The pattern the server matches `eventReceiptsPath` against. */
export const EVENT_RECEIPTS_PATTERN = /^\/v1\/events\/(\d{1,16})\/receipts$/;

/** One receipt: `via` reached `consumer` (and `session`) at `at`; `acked_at` once that consumer acked the event. */
export interface ApiReceipt {
  via: ReceiptKind;
  at: string;
  consumer: string | null;
  session: string | null;
  acked_at: string | null;
}

/** `GET /v1/events/<seq>/receipts`: oldest first; `overflow` counts receipts past the per-event cap, not kept. */
export interface ReceiptsResponse {
  seq: number;
  event_id: number;
  server: string;
  topic: string;
  receipts: ApiReceipt[];
  overflow: number;
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
  /**
   * The session the events were handed to (`/v1/pending?session=`): with `seqs`, each is acked in the consumer it
   * came from; with `up_to_event_id`, every consumer of the session is acked up to it (`ack_events` of `push-relay mcp`).
   */
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
  /** The Events extension draft (experimental), present when the entry turns it on. */
  events_extension?: {
    /** `waiting` until the first connect; `not_offered` when the server does not offer the extension. */
    state: 'waiting' | 'not_offered' | 'on';
    subscriptions: number;
    stored: number;
    /** Events the server sent again (after a resume) and the relay already had. */
    duplicates: number;
    /** Times the server resumed later than the relay's cursor (events skipped: an `mcp.events.truncated` event each). */
    truncated: number;
    /** Notifications or occurrences that did not parse. */
    refused: number;
    /** Times a stream was closed and resumed from the cursor because storing fell behind. */
    paused: number;
    write_failures: number;
    last_error: string | null;
  };
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
    /** The Events extension draft (experimental): on or off, and the event type globs subscribed. */
    events: { enabled: boolean; types: string[] };
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
  /**
   * The Events extension (experimental): turn it on or off, and/or replace the subscribed event type globs (a
   * glob kept keeps its arguments; a new one has none: arguments are set with `upstream add --events` or in
   * settings.json).
   */
  events?: { enabled?: boolean; types?: string[] };
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
  /** How the relay authenticates to the push server (an OAuth sign-in: who, scopes, where tokens are kept). */
  auth?: AuthStatus;
  /** Standard MCP servers as event sources, in settings order (absent from relays without them). */
  upstreams?: McpUpstreamStatus[];
  /** The latest sign-in started on this relay (page or tray), while the relay runs. */
  sign_in?: SignInAttempt | null;
}

export type AuthStatus =
  | { method: 'demo' | 'api-key' }
  | {
      method: 'oauth';
      signed_in: boolean;
      subject: string | null;
      scopes: string[];
      expires_at: string | null;
      refreshes: number;
      stored_in: string;
      /** Why the sign-in ended and what to do ("sign in again"), or null. */
      problem: string | null;
    };

/**
 * One OAuth sign-in the relay runs (relay/auth/sign-in-flow.ts): `POST /v1/sign-in` starts one (SignInRequest) and
 * answers with it once its authorization URL is known; `GET` reads the latest (or null); `DELETE` cancels it.
 * Also under `sign_in` in the status, so the page follows it on the status stream. Server text (`subject`,
 * `scopes`, `problem`) is neutralized by the relay and shown as text.
 */
export interface SignInAttempt {
  id: string;
  server: string;
  state: 'pending' | 'signed_in' | 'failed' | 'cancelled';
  /** Open it in a browser to approve (the page opens it in a new tab). */
  authorization_url: string | null;
  started_at: string;
  subject: string | null;
  scopes: string[];
  problem: string | null;
}

/**
 * `POST /v1/sign-in`'s body: `{}` signs in to the relay's server; `{ server }` names the push server to sign in to
 * (a newcomer in demo mode has none saved). Once signed in, that server is saved in settings and the relay switches
 * to it, as a Settings change would; no API key is needed. Validated as the Settings page's server URL.
 */
export interface SignInRequest {
  server?: string;
}

export interface SignInResponse {
  sign_in: SignInAttempt | null;
}

/** `POST /v1/sign-out`: as `push-relay logout` (revoked on the server, removed here, back to the API key). */
export interface SignOutResponse {
  signed_out: boolean;
  message: string;
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
