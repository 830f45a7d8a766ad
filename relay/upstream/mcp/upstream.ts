// One standard MCP server as an event source, kept connected: connect (relay/upstream/mcp/connection.ts), turn
// each notification into an inbox event (relay/upstream/mcp/inbox-writer.ts), and when the connection ends —
// a stdio server that exits, an HTTP server that goes away, a dropped subscription stream — connect again with
// backoff (relay/upstream/backoff.ts), which for stdio is a restart of the server. Every connect replays every
// subscription (a new connection starts with none), and a reconnect records one `mcp.upstream.reconnected`
// event: standard MCP has no resume cursor, so what was sent in between may be gone (DESIGN.md "Upstreams").
//
// The gate (DESIGN.md "Upstreams", "Security"): without `allowPush` the server is not connected for push at
// all and nothing of it is stored. Everything here is per upstream: its own queue, backoff and state, and every
// failure is caught here, so one bad server never disturbs another or the Pact stream.
import type { UpstreamEntry } from '../../config/upstreams.js';
import type { Inbox } from '../../inbox/types.js';
import type { McpUpstreamStatus } from '../../protocol/local-api.js';
import { neutralizeText } from '../../protocol/untrusted-text.js';
import { Backoff, type BackoffOptions } from '../backoff.js';
import { describeError } from '../errors.js';
import { offersEvents } from '../../protocol/mcp-events.js';
import type { OpenConnection } from './connection.js';
import { MemoryEventCursorStore, type EventCursorStore } from './event-cursors.js';
import { EventSubscriptions, type EventsClient } from './event-subscriptions.js';
import { McpInboxWriter } from './inbox-writer.js';
import { notificationEvent, reconnectedEvent, type ReconnectGap } from './topics.js';

export type { McpUpstreamStatus };
export type McpUpstreamState = McpUpstreamStatus['state'];

export interface McpUpstreamDeps {
  inbox: Pick<Inbox, 'append' | 'resumeCursor' | 'recent'>;
  log: (line: string) => void;
  backoff?: Partial<BackoffOptions>;
  queueCapacity?: number;
  connectTimeoutMs?: number;
  pingIntervalMs?: number;
  /** Listen streams per connection before a merge (relay/upstream/mcp/connection.ts "Listen streams"). */
  maxListenStreams?: number;
  /** Where the Events extension keeps its cursors between runs (default: memory, i.e. from now at every start). */
  eventCursors?: EventCursorStore;
  /** The Events writer's queue (default 1,000); a push stream is resumed later when half of it is waiting. */
  eventsQueueCapacity?: number;
  /** Tests: the Events extension's poll floor, silence limit and retry base (relay/upstream/mcp/event-subscriptions.ts). */
  eventsTiming?: { pollFloorMs?: number; silenceMs?: number; retryBaseMs?: number };
  now?: () => Date;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
const DEFAULT_PING_INTERVAL_MS = 30_000;

export class McpUpstream {
  readonly entry: UpstreamEntry;
  readonly #d: McpUpstreamDeps;
  readonly #writer: McpInboxWriter | undefined;
  /** The Events extension's events (experimental): a source of their own, numbered apart from the notifications. */
  readonly #eventsWriter: McpInboxWriter | undefined;
  readonly #eventCursors: EventCursorStore;
  #events: EventSubscriptions | undefined;
  #eventsOffered: boolean | undefined;
  readonly #backoff: Backoff;
  #state: McpUpstreamState;
  #connection: OpenConnection | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  readonly #abort = new AbortController();
  #connects = 0;
  #disconnects = 0;
  #notifications = 0;
  #protocolVersion: string | null = null;
  #subscribed = 0;
  #lastEventAt: string | null = null;
  #nextRetryAt: number | undefined;
  #lastError: { message: string; at: string } | undefined;
  /** When the last connection ended (for the reconnected event), undefined before the first connect. */
  #downSince: number | undefined;
  /**
   * Set at start when the source already has events (a relay restart, or the entry enabled or changed): the
   * first connect of this run records the gap since the last stored event. Undefined for a brand-new source.
   */
  #startGap: { lastStoredAt: string | null } | undefined;
  /** When the connection closed its listen streams to merge them (relay/upstream/mcp/connection.ts "Listen streams"). */
  #resubscribeSince: number | undefined;
  readonly #listeners = new Set<() => void>();
  #running: Promise<void> | undefined;

  constructor(entry: UpstreamEntry, deps: McpUpstreamDeps) {
    this.entry = entry;
    this.#d = deps;
    this.#backoff = new Backoff(deps.backoff);
    this.#state = !entry.enabled ? 'disabled' : !entry.allowPush ? 'no-push' : 'connecting';
    if (this.#state === 'connecting') {
      this.#writer = new McpInboxWriter({
        upstream: entry.name,
        inbox: deps.inbox,
        capacity: deps.queueCapacity,
        now: deps.now,
        log: (line) => deps.log(line),
        readContent: entry.readContent.enabled ? (uri) => this.#readContent(uri) : undefined,
      });
      this.#writer.onWrite(() => this.#changed());
      if (entry.events.enabled) {
        this.#eventsWriter = new McpInboxWriter({ upstream: entry.name, tenant: 'events', inbox: deps.inbox, capacity: deps.eventsQueueCapacity, now: deps.now, log: (line) => deps.log(line) });
        this.#eventsWriter.onWrite(() => this.#changed());
      }
    }
    this.#eventCursors = deps.eventCursors ?? new MemoryEventCursorStore();
  }

  get name(): string {
    return this.entry.name;
  }

  /** Starts connecting (nothing for a disabled or gated entry). */
  start(): void {
    if (this.#state !== 'connecting' || this.#running) return;
    // Read before any connect: a notification arriving during the first connect must not count as history.
    this.#startGap = this.#writer?.history();
    this.#running = this.#connect();
  }

  status(): McpUpstreamStatus {
    const e = this.entry;
    const w = this.#writer?.stats() ?? { queued: 0, queue_capacity: 0, stored: 0, duplicates: 0, dropped: 0, write_failures: 0 };
    return {
      name: e.name,
      transport: e.type,
      state: this.#state,
      allow_push: e.allowPush,
      enabled: e.enabled,
      protocol_version: this.#protocolVersion,
      subscribed_uris: this.#subscribed,
      connects: this.#connects,
      disconnects: this.#disconnects,
      notifications: this.#notifications,
      last_event_at: this.#lastEventAt,
      next_retry_at: this.#state === 'backoff' && this.#nextRetryAt !== undefined ? new Date(this.#nextRetryAt).toISOString() : null,
      last_error: this.#lastError ?? null,
      ...w,
      ...(this.#eventsWriter ? { events_extension: this.#eventsStatus(this.#eventsWriter) } : {}),
    };
  }

  #eventsStatus(writer: McpInboxWriter): NonNullable<McpUpstreamStatus['events_extension']> {
    const s = this.#events?.stats();
    const w = writer.stats();
    return {
      state: this.#eventsOffered === undefined ? 'waiting' : this.#eventsOffered ? 'on' : 'not_offered',
      subscriptions: s?.subscriptions ?? 0,
      stored: w.stored,
      duplicates: s?.duplicates ?? 0,
      truncated: s?.truncated ?? 0,
      refused: s?.refused ?? 0,
      paused: s?.paused ?? 0,
      write_failures: w.write_failures,
      last_error: s?.last_error ?? null,
    };
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Disconnects (a stdio server is stopped), stores what is queued, and stays stopped. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    if (this.#timer) clearTimeout(this.#timer);
    const c = this.#connection;
    this.#connection = undefined;
    await c?.close();
    await this.#running;
    await this.#writer?.close();
    // What was in flight settles here and moves the cursors; then they are written.
    await this.#eventsWriter?.close();
    this.#eventCursors.flush();
    this.#state = 'stopped';
    this.#changed();
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    this.#setState('connecting');
    const startedAt = Date.now();
    let connection: OpenConnection;
    try {
      // The MCP SDK client loads with the first upstream that connects, not on the relay's start path.
      const { openConnection } = await import('./connection.js');
      connection = await openConnection({
        entry: this.entry,
        timeoutMs: this.#d.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        signal: this.#abort.signal,
        pingIntervalMs: this.#d.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS,
        log: (line) => this.#d.log(`upstream ${this.entry.name}: ${line}`),
        // The same entry talks to the same server: once it spoke 2025-era, reconnects skip the era probe.
        knownLegacy: this.#protocolVersion !== null && this.#protocolVersion < '2026-07-28',
        onNotification: (method, params) => this.#onNotification(method, params),
        maxListenStreams: this.#d.maxListenStreams,
        onResubscribeGap: (phase) => {
          if (phase === 'start') this.#resubscribeSince ??= Date.now();
          else this.#flushGap();
        },
        onSubscribed: (count) => {
          this.#subscribed = count;
          this.#changed();
        },
        ...(this.#eventsWriter ? { startEvents: (client: EventsClient, caps: unknown) => this.#startEvents(client, caps) } : {}),
      });
    } catch (err) {
      if (this.#stopped) return;
      if (refusedCredentials(err)) {
        // As for the Pact stream's 401/403 (DESIGN.md "Failure behaviour"): no reconnect storm; a change of the
        // entry (new headers) builds a new upstream and tries again.
        this.#lastError = { message: neutralizeText(`the server refused the credentials: ${describeError(err)}`, 600), at: this.#now().toISOString() };
        this.#d.log(`upstream ${this.entry.name}: ${this.#lastError.message}; not retrying until the entry changes`);
        this.#setState('failed');
        return;
      }
      this.#fail(`connect failed: ${describeError(err)}`, 0, false);
      return;
    }
    if (this.#stopped) {
      await connection.close();
      return;
    }
    this.#connection = connection;
    this.#connects++;
    this.#protocolVersion = connection.protocolVersion;
    this.#subscribed = connection.subscribedUris.length;
    this.#flushGap();
    this.#setState('connected');
    const notificationsBefore = this.#notifications;
    this.#d.log(`upstream ${this.entry.name}: connected (${connection.protocolVersion}, ${connection.subscribedUris.length} resource subscription(s))`);
    const reason = await connection.ended;
    if (this.#stopped || this.#connection !== connection) return;
    this.#connection = undefined;
    await connection.close();
    this.#disconnects++;
    this.#fail(reason, Date.now() - startedAt, this.#notifications > notificationsBefore);
  }

  /** Records the failure and schedules the next connect (for stdio: the restart) with backoff. */
  #fail(message: string, openForMs: number, deliveredEvent: boolean): void {
    // Only a connection that was up can have missed something: a first connect that keeps failing records none
    // (beyond the start gap, still pending then).
    if (this.#connects > 0 || this.#notifications > 0) this.#downSince ??= Date.now();
    this.#lastError = { message: neutralizeText(message, 600), at: this.#now().toISOString() };
    this.#backoff.settle({ openForMs, deliveredEvent });
    const delay = this.#backoff.next();
    this.#nextRetryAt = Date.now() + delay;
    this.#d.log(`upstream ${this.entry.name}: ${this.#lastError.message}; retrying in ${Math.round(delay / 100) / 10} s`);
    this.#setState('backoff');
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.#connect();
    }, delay);
    this.#timer.unref?.();
  }

  /**
   * Records the pending gap, if any, once: before the first notification of the new connection (one may arrive
   * while the connect is still subscribing) or when the connect completes, whichever comes first, so the
   * reconnected event comes before what follows the gap.
   */
  #flushGap(): void {
    let gap: ReconnectGap | undefined;
    if (this.#startGap) gap = { cause: 'restarted', lastStoredAt: this.#startGap.lastStoredAt };
    else if (this.#downSince !== undefined) gap = { cause: 'connection_lost', downForMs: Date.now() - this.#downSince };
    else if (this.#resubscribeSince !== undefined) gap = { cause: 'resubscribed', downForMs: Date.now() - this.#resubscribeSince };
    this.#startGap = undefined;
    this.#downSince = undefined;
    this.#resubscribeSince = undefined;
    if (gap) this.#writer?.push(reconnectedEvent(this.entry.name, gap, this.#now()));
  }

  #onNotification(method: string, params: unknown): void {
    const event = notificationEvent(this.entry.name, method, params, this.#now());
    if (!event) return;
    this.#flushGap();
    this.#notifications++;
    this.#lastEventAt = event.occurred_at;
    this.#writer?.push(event);
  }

  /** The Events extension on a new connection, when the entry turns it on and the server offers it. */
  async #startEvents(client: EventsClient, capabilities: unknown): Promise<EventSubscriptions | undefined> {
    const writer = this.#eventsWriter;
    if (!writer || this.#stopped) return undefined;
    const offered = offersEvents(capabilities);
    if (offered !== this.#eventsOffered) {
      if (!offered) this.#d.log(`upstream ${this.entry.name}: events: the server does not offer the Events extension (io.modelcontextprotocol/events); only standard notifications are used`);
      this.#eventsOffered = offered;
      this.#changed();
    }
    if (!offered) return undefined;
    // What the last connection left in flight is stored (and its cursors saved) before this one resumes from them.
    await writer.idle();
    const capacity = writer.stats().queue_capacity;
    this.#events = await EventSubscriptions.start({
      client,
      upstream: this.entry.name,
      config: this.entry.events,
      store: this.#eventCursors,
      write: (event) => writer.push(event),
      backlog: () => writer.stats().queued,
      maxBacklog: Math.max(1, Math.floor(capacity / 2)),
      storedIds: writer.storedEventIds(),
      timeoutMs: this.#d.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      ...this.#d.eventsTiming,
      now: this.#d.now,
      log: (line) => this.#d.log(`upstream ${this.entry.name}: ${line}`),
      onChange: () => this.#changed(),
    });
    this.#changed();
    return this.#events;
  }

  async #readContent(uri: string) {
    const c = this.#connection;
    return c ? c.readContent(uri) : undefined;
  }

  #now(): Date {
    return (this.#d.now ?? (() => new Date()))();
  }

  #setState(state: McpUpstreamState): void {
    if (state === 'connected') this.#downSince = undefined;
    // Never back from stopped: a late step of a connect that raced stop() must not look alive.
    if (this.#stopped && state !== 'stopped') return;
    this.#state = state;
    this.#changed();
  }

  #changed(): void {
    for (const l of this.#listeners) {
      try {
        l();
      } catch (err) {
        this.#d.log(`upstream ${this.entry.name}: a status listener threw: ${describeError(err)}`);
      }
    }
  }
}

/** 401/403 from an HTTP server: retrying with the same headers cannot help. */
function refusedCredentials(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const status = (e as { status?: unknown }).status;
    if (status === 401 || status === 403 || e.name === 'UnauthorizedError') return true;
  }
  return false;
}
