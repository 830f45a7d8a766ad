// The relay's one push connection (`GET <base>/mcp/push/sse?client_id=…`, seed 000) and its reconnect policy.
//
// SSE parsing is eventsource-parser's, fed by sse-decoder.ts (STYLE.md "Pure codec, then stateful client");
// connection state, retry and the resume point are ours, because the resume point must be the inbox's durable cursor, not the last id seen:
// DESIGN.md "Upstream cursor" — the relay advances its resume point only past events that are durable in
// the inbox, and on `subscription.lag` reconnects from that point so dropped events are fetched again.
//
// States:
//   paused ──start/resume──► connecting ──200 + text/event-stream──► open
//   open/attempt ──drop / 5xx / 429 / other non-200 / wrong content-type / watchdog / redirect refused /
//                  inbox write failed / an SSE event without end (oversize)──► reconnecting
//                  ─timer (backoff, Retry-After)─► (attempt)
//   any attempt ──network failure (refused, DNS, reset, timeout)──► offline ─timer─► (attempt)
//   any attempt ──401/403 (after one refresh and retry, for a sign-in)──► unauthorized (no timer)
//                  ──setApiKey / setCredentials──► connecting
//   open ──subscription.lag──► reconnecting ─(appends done, no delay)─► (attempt)
//   open ──subscription.lag, more than 3 within a minute (lag_storm)──► reconnecting ─timer (backoff)─► (attempt)
//   any ──pause/stop──► paused
// Malformed frames never change the state: they are counted, logged once per kind and skipped.
// An attempt made while `reconnecting` or `offline` keeps that state until it opens, so the state says why the
// relay is not connected, not merely that it is trying.
import { createHash } from 'node:crypto';
import { METHOD, type PushFrame, type SubscriptionRow } from '../protocol/frames.js';
import { MAX_PENDING_EVENT_CHARS } from '../protocol/limits.js';
import { SseDecoder, type SseMessage } from '../protocol/sse-decoder.js';
import type { EventSource, IncomingEvent, Inbox, StoredEvent } from '../inbox/types.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { describeError, redact } from './errors.js';
import { decodeFrame, isMalformed, MalformedCounter } from './frame-decoder.js';
import { apiKeyCredentials, type BearerCredentials } from './credentials.js';
import { createGuardedFetch } from './guarded-fetch.js';
import { httpFetch, type StreamFetch, type StreamResponse } from './http-fetch.js';
import { toServerUrl, type ServerUrl } from './server-url.js';
import { systemClock } from '../util/clock.js';
import { VERSION } from '../util/version.js';
import { classifyFailure, readSome, type AttemptOutcome, type Failure } from './failure.js';
import { LagReconnects, LAG_WINDOW_MS } from './lag-reconnects.js';
import type { Clock, PushState, PushStreamStatus, StreamError, LagRecord } from './stream-status.js';

export type { Clock, LagRecord, PushState, PushStreamStatus, StreamError, StreamErrorCode } from './stream-status.js';

export interface PushStreamOptions {
  /** The push server, in any form `normalizeServerUrl` accepts, or its result. */
  server: string | ServerUrl;
  apiKey: string;
  /** Instead of `apiKey`: an OAuth sign-in's refreshing token (relay/auth/session.ts). */
  credentials?: BearerCredentials;
  clientId: string;
  /** Identity of what this stream receives: `{ server: origin, tenant }` (see `tenantIdForKey`). */
  source: EventSource;
  inbox: Pick<Inbox, 'append' | 'resumeCursor' | 'raiseResumeCursor'>;
  /** The server's heartbeat period; no frame for 2.5× this means the stream is dead. Default 15 000. */
  heartbeatMs?: number;
  /** The transport; a global-fetch-shaped function fits too. Default: node:http/https (http-fetch.ts). */
  fetch?: StreamFetch;
  clock?: Clock;
  /** Uniform in [0, 1), for backoff jitter. */
  random?: () => number;
  log?: (line: string) => void;
  backoff?: Partial<Omit<BackoffOptions, 'random'>>;
  /**
   * Stop reading from the socket while this many received events wait for the inbox, so a slow disk pushes
   * back on the server (which then drops and sends `subscription.lag`) instead of growing memory. Default 1000.
   */
  maxQueuedEvents?: number;
  /**
   * The same, counted in characters of the events' frames: a server sends events up to the frame limit (1 MiB)
   * each, and a thousand of those would be a gigabyte. Default 16 MiB.
   */
  maxQueuedChars?: number;
}

const USER_AGENT = `push-relay/${VERSION} (node ${process.versions.node})`;

export const DEFAULT_HEARTBEAT_MS = 15_000;
/** The start of a refusal's body kept for its message (failure.ts `serverMessage` shows 300 characters). */
const MAX_ERROR_BODY_CHARS = 2048;
/** DESIGN.md "Failure behaviour": no frame for 2.5 heartbeats → treat the stream as dead. */
export const WATCHDOG_FACTOR = 2.5;

/**
 * The tenant identity of a source when the server does not name one: the first 16 hex characters of
 * sha256(key). Deterministic, so restarts resume the same source, and not reversible into the key. Rotating
 * the key therefore starts a new source: its resume cursor starts empty (the server sends from its head) and
 * dedupe does not span the two; pass the new source to `setApiKey(key, source)`.
 */
export function tenantIdForKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex').slice(0, 16);
}

interface Attempt extends AttemptOutcome {
  gen: number;
  /** Aborts the request and its body: the attempt was abandoned. */
  abort: AbortController;
  startedAt: number;
  openedAt: number | undefined;
  deliveredEvent: boolean;
  /** The watchdog is off while we hold back reading for the inbox. */
  backpressured: boolean;
}

export class PushStream {
  readonly url: ServerUrl;
  readonly #o: PushStreamOptions;
  readonly #clock: Clock;
  readonly #log: (line: string) => void;
  readonly #fetch: StreamFetch;
  readonly #backoff: Backoff;
  readonly #heartbeatMs: number;
  readonly #maxQueued: number;
  readonly #maxQueuedChars: number;
  #credentials: BearerCredentials;
  #source: EventSource;

  #state: PushState = 'paused';
  #stopped = true;
  /** Bumped whenever the current attempt is abandoned; callbacks of older attempts are ignored. */
  #gen = 0;
  #attempt: Attempt | undefined;
  #retryTimer: unknown;
  #watchdog: unknown;
  #nextRetryAt: number | null = null;
  #lastError: StreamError | null = null;

  #pending: IncomingEvent[] = [];
  /** Frame characters of `#pending` (what the backpressure bounds besides the count). */
  #pendingChars = 0;
  #flushing: Promise<void> | undefined;
  readonly #roomWaiters = new Set<() => void>();

  #attempts = 0;
  #connects = 0;
  #connectedAt: number | null = null;
  #lastFrameAt: number | null = null;
  #lastEventAt: number | null = null;
  #frames = 0;
  #events = 0;
  #stored = 0;
  #duplicates = 0;
  #serverCursor: number | null = null;
  /**
   * Where the server started us when the inbox had no cursor for this source yet (its head at the first
   * connect). Reconnecting from it rather than without a Last-Event-ID means events emitted between a drop
   * and the reconnect are not skipped before the first one is durable. It is also recorded in the inbox
   * (`raiseResumeCursor`), so a relay restarted before any event arrived resumes there too, rather than at the
   * server's head, which would skip what was emitted while it was down; this field covers the moment until
   * that write is durable.
   */
  #startCursor: number | undefined;
  #subscriptions: SubscriptionRow[] = [];
  #lag: LagRecord = { count: 0, dropped_total: 0, last_at: null, last_dropped_count: null };
  readonly #malformed = new MalformedCounter();
  readonly #lagReconnects = new LagReconnects();
  /** Connections dropped because one pending SSE event outgrew its cap (sse-decoder.ts). */
  #oversizeDrops = 0;

  readonly #statusListeners = new Set<(status: PushStreamStatus) => void>();
  readonly #eventListeners = new Set<(events: StoredEvent[]) => void>();

  constructor(options: PushStreamOptions) {
    this.#o = options;
    this.url = toServerUrl(options.server);
    this.#clock = options.clock ?? systemClock;
    const log = options.log ?? (() => undefined);
    this.#log = (line) => log(`upstream: ${this.#redact(line)}`);
    this.#credentials = options.credentials ?? apiKeyCredentials(options.apiKey);
    this.#source = options.source;
    this.#heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.#maxQueued = Math.max(1, options.maxQueuedEvents ?? 1000);
    this.#maxQueuedChars = Math.max(1, options.maxQueuedChars ?? 16 * 1024 * 1024);
    this.#backoff = new Backoff({ ...options.backoff, random: options.random ?? Math.random });
    // The one seam the token passes (guarded-fetch.ts): a sign-in refreshes before expiry and once after a 401.
    this.#fetch = createGuardedFetch({
      origin: this.url.origin,
      token: () => this.#credentials.token(),
      onRejected: async (rejected) => (await this.#credentials.refreshAfterRejection?.(rejected)) ?? false,
      fetch: options.fetch ?? httpFetch,
    });
  }

  // ── control ────────────────────────────────────────────────────────────────────────────────────────────

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#backoff.reset();
    this.#connectSoon();
  }

  /** Closes the connection and waits for in-flight appends; no reconnects until `start()`. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.pause();
  }

  /** Closes the connection (state `paused`) and resolves once in-flight appends are done. */
  async pause(): Promise<void> {
    this.#abandon();
    this.#nextRetryAt = null;
    this.#setState('paused');
    await this.#idle();
  }

  /** Reconnects at once after `pause()` (not after `stop()`: use `start()`). */
  resume(): void {
    if (this.#stopped || this.#state !== 'paused') return;
    this.#backoff.reset();
    this.#connectSoon();
  }

  /**
   * Uses a new key from the next request on. Unless paused or open, reconnects at once — this is the only way
   * out of `unauthorized`. A new `source` (a key of another tenant, see `tenantIdForKey`) takes effect then too.
   */
  setApiKey(apiKey: string, source?: EventSource): void {
    this.setCredentials(apiKeyCredentials(apiKey), source);
  }

  /** As `setApiKey`, for any credentials: switching between a key and a sign-in, or a new sign-in. */
  setCredentials(credentials: BearerCredentials, source?: EventSource): void {
    this.#credentials = credentials;
    const sourceChanged = source !== undefined && (source.server !== this.#source.server || source.tenant !== this.#source.tenant);
    if (sourceChanged) {
      this.#source = { ...source };
      this.#startCursor = undefined;
    }
    if (this.#stopped || this.#state === 'paused') return;
    // An open stream keeps working with the key it authenticated with; the next connect uses the new one.
    if (this.#state === 'open' && !sourceChanged) return;
    this.#backoff.reset();
    if (this.#state === 'unauthorized') this.#setState('connecting');
    this.#connectSoon();
  }

  status(): PushStreamStatus {
    let cursor: number | null = null;
    try {
      cursor = this.#resumePoint() ?? null;
    } catch {
      // a closed inbox has no cursor to show
    }
    return {
      state: this.#state,
      stopped: this.#stopped,
      server: this.url.origin,
      pushUrl: this.url.pushUrl,
      clientId: this.#o.clientId,
      source: { ...this.#source },
      lastError: this.#lastError ? { ...this.#lastError } : null,
      nextRetryAt: this.#nextRetryAt,
      attempts: this.#attempts,
      connects: this.#connects,
      connectedAt: this.#connectedAt,
      lastFrameAt: this.#lastFrameAt,
      lastEventAt: this.#lastEventAt,
      lag: { ...this.#lag },
      malformed: this.#malformed.snapshot(),
      oversizeDrops: this.#oversizeDrops,
      frames: this.#frames,
      events: this.#events,
      stored: this.#stored,
      duplicates: this.#duplicates,
      queued: this.#pending.length,
      cursor,
      serverCursor: this.#serverCursor,
      subscriptions: [...this.#subscriptions],
    };
  }

  /** Called after every change worth showing (state, errors, frames, appends). Returns an unsubscribe. */
  onStatus(listener: (status: PushStreamStatus) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  /** Called after each durable append with the events new to the inbox. Returns an unsubscribe. */
  onEvents(listener: (events: StoredEvent[]) => void): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  // ── connecting ─────────────────────────────────────────────────────────────────────────────────────────

  #connectSoon(): void {
    this.#connect().catch((err: unknown) => {
      // Not expected (every step handles its own failures); never an unhandled rejection.
      this.#scheduleRetry({ code: 'connect_failed', state: 'reconnecting', message: `could not start a connection: ${describeError(err)}` }, undefined);
    });
  }

  async #connect(): Promise<void> {
    this.#abandon();
    const gen = this.#gen;
    this.#nextRetryAt = null;
    if (this.#state !== 'reconnecting' && this.#state !== 'offline') this.#setState('connecting');
    // The resume point must cover every event already received, so wait until they are durable (or failed).
    await this.#idle();
    if (gen !== this.#gen || this.#stopped) return;

    let cursor: number | undefined;
    try {
      cursor = this.#resumePoint();
    } catch (err) {
      this.#scheduleRetry({ code: 'inbox_unavailable', state: 'reconnecting', message: `cannot read the inbox's resume cursor: ${describeError(err)}` }, undefined);
      return;
    }

    const attempt: Attempt = {
      gen,
      abort: new AbortController(),
      startedAt: this.#clock.now(),
      openedAt: undefined,
      deliveredEvent: false,
      status: undefined,
      retryAfter: null,
      contentType: '',
      body: '',
      fetchError: undefined,
      readError: undefined,
      ended: false,
      backpressured: false,
    };
    this.#attempt = attempt;
    this.#attempts++;
    this.#armWatchdog(attempt);
    this.#logQuietly(`connecting to ${this.url.pushUrl} (client ${this.#o.clientId}, resume after ${cursor ?? 'none: live from the head'})`);
    this.#changed();
    // Each connect is a fresh request whose Last-Event-ID is the durable cursor, never the last id seen; every
    // way it ends goes through #scheduleRetry, so one policy decides when to come back.
    const failure = await this.#read(attempt, cursor);
    if (failure) this.#scheduleRetry(failure, attempt);
  }

  /** The inbox's durable cursor for the source, else where the server first started us (see #startCursor). */
  #resumePoint(): number | undefined {
    return this.#o.inbox.resumeCursor(this.#source) ?? this.#startCursor;
  }

  /**
   * One attempt, from the request to the end of the stream. Resolves with why it ended, or undefined when it
   * was abandoned (pause, stop, a lag frame, a newer attempt): then its outcome no longer matters.
   */
  async #read(attempt: Attempt, cursor: number | undefined): Promise<Failure | undefined> {
    const url = new URL(this.url.pushUrl);
    url.searchParams.set('client_id', this.#o.clientId);
    // A user-agent names us to the server's logs (node:http sends none of its own, unlike fetch).
    const headers: Record<string, string> = { accept: 'text/event-stream', 'cache-control': 'no-store', 'user-agent': USER_AGENT };
    if (cursor !== undefined) headers['last-event-id'] = String(cursor);
    let res: StreamResponse;
    try {
      res = await this.#fetch(url, { method: 'GET', headers, signal: attempt.abort.signal });
    } catch (err) {
      attempt.fetchError = err;
      return this.#outcome(attempt);
    }
    if (attempt.gen !== this.#gen) {
      res.body?.cancel().catch(() => undefined);
      return undefined;
    }
    attempt.status = res.status;
    attempt.retryAfter = res.headers.get('retry-after');
    attempt.contentType = res.headers.get('content-type') ?? '';
    // [spec] WHATWG HTML "server-sent events": anything but a 200 text/event-stream fails the connection.
    if (res.status !== 200 || !attempt.contentType.toLowerCase().startsWith('text/event-stream') || !res.body) {
      // Read a little for the error message (the reference server and Pact say what is wrong in it); the
      // cap bounds what a hostile server can make us hold, and the socket is released after it.
      attempt.body = await readSome(res, MAX_ERROR_BODY_CHARS);
      return this.#outcome(attempt, 'the response has no body');
    }

    this.#onOpen(attempt);
    const reader = res.body.getReader();
    const sse = new SseDecoder({ maxPendingChars: MAX_PENDING_EVENT_CHARS });
    try {
      for (;;) {
        await this.#roomFor(attempt);
        if (attempt.gen !== this.#gen) return undefined;
        const chunk = await reader.read();
        if (attempt.gen !== this.#gen) return undefined;
        if (chunk.done) {
          attempt.ended = true;
          return this.#outcome(attempt);
        }
        // Bytes, not only whole frames, prove the stream alive: on a link slower than one big frame per 2.5
        // heartbeats a frame-based watchdog would cut the stream mid-frame forever (found by the soak).
        this.#armWatchdog(attempt);
        for (const message of sse.feed(chunk.value)) this.#onMessage(attempt, message);
        if (sse.overflowed) return this.#oversize();
      }
    } catch (err) {
      if (attempt.gen !== this.#gen) return undefined;
      attempt.readError = err;
      return this.#outcome(attempt);
    } finally {
      if (!attempt.ended) reader.cancel().catch(() => undefined);
    }
  }

  /** The failure an ended attempt stands for, unless it was abandoned meanwhile. */
  #outcome(attempt: Attempt, detail?: string): Failure | undefined {
    if (attempt.gen !== this.#gen) return undefined;
    return classifyFailure(attempt, this.url, detail, this.#credentials.refusedHint);
  }

  /** One pending SSE event outgrew its cap (sse-decoder.ts): counted, then the connection goes like a failure. */
  #oversize(): Failure {
    this.#oversizeDrops++;
    return {
      code: 'oversize',
      state: 'reconnecting',
      message: `${this.url.origin} sent an SSE event over ${MAX_PENDING_EVENT_CHARS} characters without ending it; dropped the connection`,
    };
  }

  #onOpen(attempt: Attempt): void {
    const now = this.#clock.now();
    attempt.openedAt = now;
    this.#connects++;
    this.#connectedAt = now;
    this.#nextRetryAt = null;
    this.#armWatchdog(attempt);
    this.#logQuietly(`connected (${this.#connects} connect${this.#connects === 1 ? '' : 's'} so far)`);
    this.#setState('open');
  }

  /**
   * Abandons `attempt` (when it is still the current one, or when none is given) and schedules the next
   * according to `failure`: no timer for `unauthorized`, otherwise backoff with jitter and Retry-After.
   */
  #scheduleRetry(failure: Failure, attempt: Attempt | undefined): void {
    if (attempt && attempt.gen !== this.#gen) return;
    if (this.#stopped || this.#state === 'paused') return;
    this.#abandon();
    const now = this.#clock.now();
    this.#lastError = {
      code: failure.code,
      message: this.#redact(failure.message),
      ...(failure.status !== undefined ? { status: failure.status } : {}),
      at: now,
    };
    if (failure.state === 'unauthorized') {
      this.#nextRetryAt = null;
      this.#log(`${this.#lastError.message}`);
      this.#setState('unauthorized');
      return;
    }
    // A connection that delivered events proves the server healthy, unless it was our inbox that failed (a
    // full disk must not turn into a reconnect every 0.5 s) or the server then sent an event without end (one
    // good event first must not buy it a reconnect every 0.5 s either).
    if (attempt && failure.code !== 'inbox_write_failed' && failure.code !== 'oversize') {
      const openForMs = attempt.openedAt === undefined ? 0 : now - attempt.openedAt;
      this.#backoff.settle({ openForMs, deliveredEvent: attempt.deliveredEvent });
    }
    const { delayMs, retryAfterMs } = this.#backoff.nextAfter({ status: failure.status, retryAfter: failure.retryAfter }, now);
    this.#nextRetryAt = now + delayMs;
    const gen = this.#gen;
    this.#retryTimer = this.#clock.setTimeout(() => {
      this.#retryTimer = undefined;
      if (gen === this.#gen && !this.#stopped) this.#connectSoon();
    }, delayMs);
    const why = retryAfterMs !== undefined ? ` (server asked for ${Math.round(retryAfterMs / 1000)} s)` : '';
    this.#log(`${failure.code}: ${this.#lastError.message}; retry in ${delayMs} ms${why}`);
    this.#setState(failure.state);
  }

  /** Closes the current attempt's stream and cancels timers; callbacks of that attempt become no-ops. */
  #abandon(): void {
    this.#gen++;
    const attempt = this.#attempt;
    this.#attempt = undefined;
    attempt?.abort.abort();
    if (this.#retryTimer !== undefined) this.#clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#clearWatchdog();
    this.#wakeReaders();
  }

  // ── watchdog ───────────────────────────────────────────────────────────────────────────────────────────

  #armWatchdog(attempt: Attempt): void {
    this.#clearWatchdog();
    const ms = Math.round(this.#heartbeatMs * WATCHDOG_FACTOR);
    this.#watchdog = this.#clock.setTimeout(() => {
      this.#watchdog = undefined;
      if (attempt.gen !== this.#gen) return;
      const failure: Failure =
        attempt.openedAt === undefined
          ? { code: 'connect_timeout', state: 'offline', message: `no answer from ${this.url.origin} within ${ms} ms` }
          : { code: 'heartbeat_timeout', state: 'reconnecting', message: `nothing from ${this.url.origin} for ${ms} ms (2.5 heartbeats); treating the stream as dead` };
      this.#scheduleRetry(failure, attempt);
    }, ms);
  }

  #clearWatchdog(): void {
    if (this.#watchdog !== undefined) this.#clock.clearTimeout(this.#watchdog);
    this.#watchdog = undefined;
  }

  // ── frames ─────────────────────────────────────────────────────────────────────────────────────────────

  #onMessage(attempt: Attempt, message: SseMessage): void {
    // Messages later in a chunk than a lag frame belong to an abandoned connection.
    if (attempt.gen !== this.#gen) return;
    try {
      this.#onFrameText(attempt, message);
    } catch (err) {
      // Never throw into the parser: the rest of the chunk would be lost with it.
      this.#log(`internal error handling a frame: ${describeError(err)}`);
    }
  }

  #onFrameText(attempt: Attempt, message: SseMessage): void {
    const now = this.#clock.now();
    this.#frames++;
    this.#lastFrameAt = now;
    this.#armWatchdog(attempt);
    const decoded = decodeFrame(message);
    if (isMalformed(decoded)) {
      if (this.#malformed.record(decoded.malformed)) {
        this.#log(`skipping a malformed frame (${decoded.malformed}: ${decoded.detail}); further ones of this kind are counted, not logged`);
      }
      this.#changed();
      return;
    }
    this.#onFrame(attempt, decoded.frame, now, message.data.length);
  }

  #onFrame(attempt: Attempt, frame: PushFrame, now: number, chars: number): void {
    switch (frame.method) {
      case METHOD.open: {
        this.#subscriptions = frame.params.subscriptions;
        this.#serverCursor = frame.params.cursor;
        if (this.#startCursor === undefined && this.#o.inbox.resumeCursor(this.#source) === undefined) {
          this.#startCursor = frame.params.cursor;
          const source = this.#source;
          this.#o.inbox
            .raiseResumeCursor(source, frame.params.cursor)
            .catch((err: unknown) => this.#log(`could not record the start position in the inbox: ${(err as Error).message}`));
        }
        const requested = (frame.params as { requested_cursor?: unknown }).requested_cursor;
        if (typeof requested === 'number') {
          this.#log(
            `the server's log ends at ${frame.params.cursor} but the relay resumed after ${requested}: the server may have lost data; ` +
              'new events it sends with ids already stored here will be taken as duplicates',
          );
        }
        this.#changed();
        return;
      }
      case METHOD.heartbeat:
        this.#serverCursor = frame.params.cursor;
        this.#changed();
        return;
      case METHOD.event: {
        const { subscription_id, ...event } = frame.params;
        attempt.deliveredEvent = true;
        this.#events++;
        this.#lastEventAt = now;
        this.#serverCursor = Math.max(this.#serverCursor ?? 0, event.event_id);
        this.#enqueue({ source: { ...this.#source }, event, subscription_id }, chars);
        return;
      }
      case METHOD.lag: {
        const { dropped_count, buffer_capacity, last_event_id } = frame.params;
        this.#lag = {
          count: this.#lag.count + 1,
          dropped_total: this.#lag.dropped_total + dropped_count,
          last_at: now,
          last_dropped_count: dropped_count,
        };
        // Everything after the lag frame on this connection lies past the gap, so stop reading now; what was
        // received before it is contiguous and still goes to the inbox (the next connect waits for that).
        this.#abandon();
        if (this.#lagReconnects.note(now)) {
          // Passing no attempt: the backoff is not settled by this connection, so it grows while lags repeat.
          this.#scheduleRetry(
            {
              code: 'lag_storm',
              state: 'reconnecting',
              message:
                `${this.url.origin} keeps answering with subscription.lag (${this.#lagReconnects.recent(now)} within ${LAG_WINDOW_MS / 1000} s; last: ${dropped_count} event(s) dropped); ` +
                'reconnecting from the durable cursor with backoff',
            },
            undefined,
          );
          return;
        }
        this.#logQuietly(
          `server dropped ${dropped_count} event(s) (buffer ${buffer_capacity}, last delivered ${last_event_id}); ` +
            'reconnecting from the durable cursor to fetch them again',
        );
        // A connection that stayed open a while, or delivered events, proved the server healthy, as for a failure.
        this.#backoff.settle({ openForMs: attempt.openedAt === undefined ? 0 : now - attempt.openedAt, deliveredEvent: attempt.deliveredEvent });
        this.#nextRetryAt = now;
        this.#setState('reconnecting');
        this.#connectSoon();
        return;
      }
    }
  }

  // ── inbox ──────────────────────────────────────────────────────────────────────────────────────────────

  #enqueue(incoming: IncomingEvent, chars: number): void {
    this.#pending.push(incoming);
    this.#pendingChars += chars;
    if (!this.#flushing) {
      this.#flushing = this.#flush().finally(() => {
        this.#flushing = undefined;
      });
    }
  }

  /** Serial appends in arrival order; whatever arrives during one append goes into the next (group commit). */
  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0);
      this.#pendingChars = 0;
      this.#wakeReaders();
      try {
        const result = await this.#o.inbox.append(batch);
        this.#stored += result.appended.length;
        this.#duplicates += result.duplicates;
        if (result.appended.length > 0) {
          for (const listener of this.#eventListeners) {
            try {
              listener(result.appended);
            } catch (err) {
              this.#log(`an onEvents listener threw: ${describeError(err)}`);
            }
          }
        }
        this.#changed();
      } catch (err) {
        // Nothing of the batch was kept, and anything after it would leave a gap below the resume point:
        // drop it all, close, and fetch it again from the durable cursor later. Never skip events.
        this.#pending = [];
        this.#pendingChars = 0;
        this.#wakeReaders();
        const failure: Failure = {
          code: 'inbox_write_failed',
          state: 'reconnecting',
          message: `could not store ${batch.length} event(s) in the inbox: ${describeError(err)}`,
        };
        const current = this.#attempt;
        if (current) {
          this.#scheduleRetry(failure, current);
        } else {
          // The stream is already closed (a retry may be pending); still say why events are not stored.
          this.#lastError = { code: failure.code, message: this.#redact(failure.message), at: this.#clock.now() };
          this.#log(this.#lastError.message);
          this.#changed();
        }
        return;
      }
    }
  }

  /** Resolves when no append is in flight or queued. */
  async #idle(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  /** Holds back socket reads while the inbox is behind (backpressure to the server). */
  async #roomFor(attempt: Attempt): Promise<void> {
    while (attempt.gen === this.#gen && (this.#pending.length >= this.#maxQueued || this.#pendingChars >= this.#maxQueuedChars)) {
      if (!attempt.backpressured) {
        attempt.backpressured = true;
        this.#clearWatchdog();
      }
      await new Promise<void>((resolve) => this.#roomWaiters.add(resolve));
    }
    if (attempt.backpressured) {
      attempt.backpressured = false;
      if (attempt.gen === this.#gen) this.#armWatchdog(attempt);
    }
  }

  #wakeReaders(): void {
    const waiters = [...this.#roomWaiters];
    this.#roomWaiters.clear();
    for (const wake of waiters) wake();
  }

  // ── status ─────────────────────────────────────────────────────────────────────────────────────────────

  #setState(state: PushState): void {
    if (state !== this.#state) {
      this.#logQuietly(`state ${this.#state} → ${state}`);
      this.#state = state;
    }
    this.#changed();
  }

  #changed(): void {
    if (this.#statusListeners.size === 0) return;
    const snapshot = this.status();
    for (const listener of this.#statusListeners) {
      try {
        listener(snapshot);
      } catch (err) {
        this.#log(`an onStatus listener threw: ${describeError(err)}`);
      }
    }
  }

  /**
   * Logs unless a lag storm is under way: then each backed-off reconnect logs its one `lag_storm` line, not
   * also its connecting, connected and state lines (a line per reconnect is what made storms flood the log).
   */
  #logQuietly(line: string): void {
    if (!this.#lagReconnects.storming(this.#clock.now())) this.#log(line);
  }

  #redact(text: string): string {
    return redact(text, [...this.#credentials.secrets(), this.#o.apiKey]);
  }
}
