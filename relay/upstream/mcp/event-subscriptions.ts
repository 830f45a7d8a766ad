// The Events extension draft (SEP-3415; wire shapes in relay/protocol/mcp-events.ts) on one connection to one
// server: read the event types (`events/list`), subscribe to those the entry names, and hand every occurrence to
// the upstream's Events writer with its cursor. Experimental, and only when the entry turns it on.
//
// The guarantee, as for the Pact stream: nothing lost, nothing repeated.
//   - The cursor moves only once the inbox holds what came before it: each event carries a callback the writer
//     calls when it is durable (in order), and the saved cursor (relay/upstream/mcp/event-cursors.ts) is the one
//     after the last durable event; a heartbeat's cursor waits until every event received before it is durable.
//   - A write that fails, or a writer too far behind, never moves the cursor past an event: the stream is closed
//     and opened again from the saved cursor once what is in flight has settled (backpressure by resume, not by
//     dropping, so a flood costs time, not events).
//   - What a resume sends again is dropped by event id (the draft's `eventId` "for client-side dedup"), against
//     the ids saved with the cursor and those the inbox holds (the crash window between the two writes).
//   - `truncated: true` from the server (its retention, `maxAgeMs`) is the one admitted gap: it becomes an
//     `mcp.events.truncated` event, so agents know.
//
// Push streams are told apart by the request id the server echoes in `_meta` (the draft's subscriptionId). The
// SDK does not expose a request's id before its answer, and a stream's answer comes only at its end, so streams
// open one at a time: the first `notifications/events/active` with an id not yet known belongs to the stream
// being opened.
import type * as z from 'zod';
import {
  ActiveParamsSchema,
  chooseDelivery,
  EVENTS_METHOD,
  EventOccurrenceSchema,
  HeartbeatParamsSchema,
  ListEventsResultSchema,
  MAX_LISTED_EVENT_TYPES,
  MIN_POLL_INTERVAL_MS,
  parseEventTypes,
  pollDelay,
  PollResultSchema,
  STREAM_SILENCE_MS,
  StreamErrorParamsSchema,
  StreamNotificationParamsSchema,
  subscriptionIdOf,
  type EventOccurrence,
  type EventType,
} from '../../protocol/mcp-events.js';
import { topicMatches } from '../../protocol/topic-glob.js';
import { neutralizeText } from '../../protocol/untrusted-text.js';
import { MAX_EVENT_SUBSCRIPTIONS, type EventsExtensionConfig } from '../../config/upstreams.js';
import { subscriptionKey, withRecent, type EventCursorStore } from './event-cursors.js';
import { eventsTruncatedEvent, extensionEvent, type PendingMcpEvent } from './topics.js';

/** The part of the SDK client used here: its custom-method forms (a result or params schema given per call). */
export interface EventsClient {
  request(request: { method: string; params?: Record<string, unknown> }, resultSchema: z.ZodType, options?: { timeout?: number; signal?: AbortSignal }): Promise<unknown>;
  setNotificationHandler(method: string, schemas: { params: z.ZodType }, handler: (params: unknown, notification: { params?: unknown }) => void): void;
}

export interface EventsStats {
  subscriptions: number;
  events: number;
  duplicates: number;
  truncated: number;
  /** Occurrences or notifications that did not parse, or came for no known stream. */
  refused: number;
  /** Times a stream was closed and resumed because the writer fell behind. */
  paused: number;
  last_error: string | null;
}

export interface EventSubscriptionsOptions {
  client: EventsClient;
  upstream: string;
  config: EventsExtensionConfig;
  store: EventCursorStore;
  /** Queues an event for the inbox (the upstream's Events writer); `onStored` reports when it is durable. */
  write(event: PendingMcpEvent): void;
  /** Events waiting in that writer. A push stream is closed (and resumed from the cursor) above `maxBacklog`. */
  backlog(): number;
  maxBacklog: number;
  /** Event ids the inbox holds for this upstream's Events source (the newest; see event-cursors.ts). */
  storedIds: Iterable<string>;
  /** A request (list, poll, the wait for a stream's `active`) must answer within this (ms). */
  timeoutMs: number;
  /** Floor of the poll interval (default the draft's 1 s). */
  pollFloorMs?: number;
  /** A push stream silent for this long (no event, no heartbeat) is dead (default 60 s: twice the draft's 30 s). */
  silenceMs?: number;
  /** Retry delays of a stream or poll that failed: from `retryBaseMs`, doubling, up to 30 s. */
  retryBaseMs?: number;
  now?: () => Date;
  log(line: string): void;
  onChange?(): void;
}

/** Ids remembered for dedupe across all subscriptions of an upstream (the same event may match two). */
const MAX_SEEN_IDS = 10_000;
const MAX_STREAM_TIMEOUT_MS = 2 ** 31 - 1;
const RETRY_CAP_MS = 30_000;
/** Events asked for per poll (the draft's `maxEvents`). */
const POLL_MAX_EVENTS = 100;

interface Sub {
  key: string;
  type: EventType;
  args: Record<string, unknown>;
  mode: 'push' | 'poll';
  /** The durable cursor: the server's position after the last event the inbox holds. */
  cursor: string | null;
  recentIds: string[];
  /** Events handed to the writer and not yet settled. */
  inFlight: number;
  /** A cursor received after the newest event (heartbeat, active, a duplicate's), taken once inFlight is 0. */
  pendingCursor: string | null | undefined;
  /** A write failed since the last (re)open: the cursor stays, and the stream reopens from it. */
  broken: boolean;
  /** Closed by the relay to resume later (writer behind, write failed, silence). */
  reopenWanted: boolean;
  generation: number;
  abort: AbortController | undefined;
  requestId: string | undefined;
  lastHeardAt: number;
  failures: number;
  stopped: boolean;
  timer: NodeJS.Timeout | undefined;
}

export class EventSubscriptions {
  readonly #o: EventSubscriptionsOptions;
  readonly #subs: Sub[] = [];
  readonly #byRequestId = new Map<string, Sub>();
  /** Ids of streams this relay closed: their late notifications are expected, not refused. */
  readonly #retiredIds = new Set<string>();
  readonly #seen = new Set<string>();
  /** The push stream being opened: it claims the first unknown subscription id on `active`. */
  #opening: { sub: Sub; claimed: () => void } | undefined;
  #openQueue: Promise<void> = Promise.resolve();
  #closed = false;
  #watchdog: NodeJS.Timeout | undefined;
  readonly #stats: EventsStats = { subscriptions: 0, events: 0, duplicates: 0, truncated: 0, refused: 0, paused: 0, last_error: null };

  private constructor(o: EventSubscriptionsOptions) {
    this.#o = o;
    for (const id of o.storedIds) this.#remember(id);
  }

  /** Lists the event types, subscribes to the chosen ones and starts delivery. Rejects when `events/list` fails. */
  static async start(o: EventSubscriptionsOptions): Promise<EventSubscriptions> {
    const subs = new EventSubscriptions(o);
    const types = await subs.#listTypes();
    subs.#choose(types);
    subs.#installHandlers();
    for (const sub of subs.#subs) {
      if (sub.mode === 'poll') void subs.#pollLoop(sub);
      else subs.#queueOpen(sub);
    }
    const silenceMs = o.silenceMs ?? STREAM_SILENCE_MS;
    subs.#watchdog = setInterval(() => subs.#checkSilence(silenceMs), Math.max(50, Math.min(5000, silenceMs / 4)));
    subs.#watchdog.unref();
    return subs;
  }

  stats(): EventsStats {
    return { ...this.#stats, subscriptions: this.#subs.filter((s) => !s.stopped).length };
  }

  /** Ends every stream and poll; what is in flight still settles, and the cursors are written. */
  close(): void {
    this.#closed = true;
    if (this.#watchdog) clearInterval(this.#watchdog);
    for (const sub of this.#subs) {
      if (sub.timer) clearTimeout(sub.timer);
      this.#cancelStream(sub);
    }
    this.#o.store.flush();
  }

  async #listTypes(): Promise<EventType[]> {
    const types: EventType[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100 && types.length < MAX_LISTED_EVENT_TYPES; page++) {
      const result = (await this.#o.client.request(
        { method: EVENTS_METHOD.list, params: cursor ? { cursor } : {} },
        ListEventsResultSchema,
        { timeout: this.#o.timeoutMs },
      )) as { events: unknown[]; nextCursor?: string };
      const parsed = parseEventTypes(result.events);
      types.push(...parsed.types);
      if (parsed.refused > 0) this.#refuse(`${parsed.refused} event type(s) in events/list did not parse and are ignored`);
      cursor = result.nextCursor;
      if (!cursor) break;
    }
    return types.slice(0, MAX_LISTED_EVENT_TYPES);
  }

  #choose(types: readonly EventType[]): void {
    let over = 0;
    for (const want of this.#o.config.subscribe) {
      const matching = types.filter((t) => topicMatches(want.name, t.name));
      if (matching.length === 0) this.#o.log(`events: the server lists no event type matching ${neutralizeText(want.name, 200)}`);
      for (const type of matching) {
        const key = subscriptionKey(this.#o.upstream, type.name, want.arguments);
        if (this.#subs.some((s) => s.key === key)) continue;
        if (this.#subs.length >= MAX_EVENT_SUBSCRIPTIONS) {
          over++;
          continue;
        }
        const mode = chooseDelivery(type);
        if (!mode) {
          this.#o.log(`events: ${neutralizeText(type.name, 200)} offers neither push nor poll delivery (webhook needs an endpoint the server can reach; the relay listens on loopback only); not subscribed`);
          continue;
        }
        const saved = this.#o.store.load(key);
        for (const id of saved?.recentIds ?? []) this.#remember(id);
        this.#subs.push({
          key,
          type,
          args: want.arguments,
          mode,
          cursor: saved?.cursor ?? null,
          recentIds: saved?.recentIds ?? [],
          inFlight: 0,
          pendingCursor: undefined,
          broken: false,
          reopenWanted: false,
          generation: 0,
          abort: undefined,
          requestId: undefined,
          lastHeardAt: Date.now(),
          failures: 0,
          stopped: false,
          timer: undefined,
        });
      }
    }
    if (over > 0) {
      // A glob such as `*` on a server that lists many types must not open a stream per type: the cap is the
      // same as for configured subscriptions.
      this.#o.log(`events: ${over} more event type(s) match but are not subscribed: at most ${MAX_EVENT_SUBSCRIPTIONS} subscriptions per upstream; name the types you want`);
    }
  }

  #params(sub: Sub): Record<string, unknown> {
    const maxAgeMs = this.#o.config.maxAgeMs;
    return { name: sub.type.name, arguments: sub.args, cursor: sub.cursor, ...(maxAgeMs !== undefined && sub.cursor !== null ? { maxAgeMs } : {}) };
  }

  // ---- push ----

  #installHandlers(): void {
    const on = (method: string, handle: (sub: Sub, params: Record<string, unknown>) => void) => {
      this.#o.client.setNotificationHandler(method, { params: StreamNotificationParamsSchema }, (_parsed, notification) => {
        const params = (notification.params ?? {}) as Record<string, unknown>;
        const id = subscriptionIdOf(params);
        let sub = id === undefined ? undefined : this.#byRequestId.get(id);
        if (!sub && id !== undefined && method === EVENTS_METHOD.active && this.#opening && !this.#retiredIds.has(id)) {
          sub = this.#opening.sub;
          sub.requestId = id;
          this.#byRequestId.set(id, sub);
          this.#opening.claimed();
        }
        if (!sub) {
          if (id === undefined || !this.#retiredIds.has(id)) this.#refuse(`a ${method} notification for no stream the relay opened`);
          return;
        }
        if (sub.requestId !== id || sub.stopped) return; // a stream closed to resume: what it still sends is not used
        sub.lastHeardAt = Date.now();
        handle(sub, params);
      });
    };
    on(EVENTS_METHOD.active, (sub, params) => {
      const p = ActiveParamsSchema.safeParse(params);
      if (!p.success) return this.#refuse('a notifications/events/active that did not parse');
      if (p.data.truncated && sub.cursor !== null) this.#truncated(sub);
      if (p.data.cursor !== undefined) this.#takeCursor(sub, p.data.cursor);
    });
    on(EVENTS_METHOD.heartbeat, (sub, params) => {
      const p = HeartbeatParamsSchema.safeParse(params);
      if (!p.success) return this.#refuse('a notifications/events/heartbeat that did not parse');
      if (p.data.cursor !== undefined) this.#takeCursor(sub, p.data.cursor);
    });
    on(EVENTS_METHOD.event, (sub, params) => this.#onOccurrence(sub, params));
    on(EVENTS_METHOD.error, (sub, params) => {
      const p = StreamErrorParamsSchema.safeParse(params);
      // Recoverable by the draft's word: the stream stays and the server retries. Said, not acted on.
      this.#error(`the server reported an error on ${neutralizeText(sub.type.name, 200)}: ${neutralizeText(p.success ? (p.data.error?.message ?? '') : '', 300)}`);
    });
    on(EVENTS_METHOD.terminated, (sub, params) => {
      const p = StreamErrorParamsSchema.safeParse(params);
      sub.stopped = true;
      this.#cancelStream(sub);
      this.#error(`the server ended the subscription to ${neutralizeText(sub.type.name, 200)} (${neutralizeText(p.success ? (p.data.error?.message ?? '') : '', 300)}); not resumed until the upstream reconnects`);
    });
  }

  /** Opens streams one at a time (see the header: the `active` claims the stream's id). */
  #queueOpen(sub: Sub): void {
    this.#openQueue = this.#openQueue.then(() => this.#open(sub)).catch(() => undefined);
  }

  async #open(sub: Sub): Promise<void> {
    if (this.#closed || sub.stopped) return;
    const generation = ++sub.generation;
    sub.broken = false;
    sub.reopenWanted = false;
    sub.pendingCursor = undefined;
    sub.requestId = undefined;
    const abort = new AbortController();
    sub.abort = abort;
    sub.lastHeardAt = Date.now();
    let claimed!: () => void;
    const active = new Promise<void>((resolve) => {
      claimed = resolve;
    });
    this.#opening = { sub, claimed };
    const answer = this.#o.client
      .request({ method: EVENTS_METHOD.stream, params: this.#params(sub) }, StreamNotificationParamsSchema, { signal: abort.signal, timeout: MAX_STREAM_TIMEOUT_MS })
      .then(
        () => 'the server ended the stream',
        (err: unknown) => `the stream failed: ${(err as Error).message}`,
      );
    let timeout: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      active.then(() => 'active' as const),
      answer,
      new Promise<string>((resolve) => {
        timeout = setTimeout(() => resolve(`no notifications/events/active within ${this.#o.timeoutMs} ms`), this.#o.timeoutMs);
      }),
    ]);
    clearTimeout(timeout);
    if (this.#opening?.sub === sub) this.#opening = undefined;
    if (outcome !== 'active') {
      this.#cancelStream(sub);
      if (!this.#closed && !sub.stopped) this.#retry(sub, outcome);
      return;
    }
    sub.failures = 0;
    this.#o.onChange?.();
    void answer.then((why) => {
      // Ended by the server or the transport, not by the relay: resume from the cursor after a pause.
      if (this.#closed || sub.stopped || sub.generation !== generation || abort.signal.aborted) return;
      this.#retireId(sub);
      sub.abort = undefined;
      this.#retry(sub, why);
    });
  }

  #cancelStream(sub: Sub): void {
    this.#retireId(sub);
    sub.abort?.abort();
    sub.abort = undefined;
  }

  #retireId(sub: Sub): void {
    if (sub.requestId === undefined) return;
    this.#byRequestId.delete(sub.requestId);
    this.#retiredIds.add(sub.requestId);
    if (this.#retiredIds.size > 1000) this.#retiredIds.delete(this.#retiredIds.values().next().value as string);
    sub.requestId = undefined;
  }

  /** Opens again after a delay, once everything in flight has settled (so the saved cursor is final). */
  #retry(sub: Sub, why: string): void {
    sub.failures++;
    const delay = this.#retryDelay(sub);
    this.#error(`${neutralizeText(sub.type.name, 200)}: ${neutralizeText(why, 300)}; resuming from the saved cursor in ${Math.round(delay / 100) / 10} s`);
    sub.reopenWanted = true;
    if (sub.timer) clearTimeout(sub.timer);
    sub.timer = setTimeout(() => {
      sub.timer = undefined;
      this.#reopenWhenSettled(sub);
    }, delay);
    sub.timer.unref();
  }

  /** Called when a stream was closed to resume: reopens as soon as nothing of it is in flight. */
  #reopenWhenSettled(sub: Sub): void {
    if (this.#closed || sub.stopped || sub.timer || !sub.reopenWanted || sub.inFlight > 0 || sub.abort) return;
    if (this.#o.backlog() >= this.#o.maxBacklog / 2) {
      // Still behind: look again shortly (settles of other subscriptions bring the backlog down).
      sub.timer = setTimeout(() => {
        sub.timer = undefined;
        this.#reopenWhenSettled(sub);
      }, 20);
      sub.timer.unref();
      return;
    }
    if (sub.mode === 'push') this.#queueOpen(sub);
  }

  #checkSilence(silenceMs: number): void {
    const now = Date.now();
    for (const sub of this.#subs) {
      if (sub.mode !== 'push' || !sub.abort || sub.requestId === undefined || now - sub.lastHeardAt <= silenceMs) continue;
      this.#cancelStream(sub);
      this.#retry(sub, `no event or heartbeat for ${Math.round((now - sub.lastHeardAt) / 1000)} s`);
    }
  }

  // ---- occurrences, cursors ----

  #onOccurrence(sub: Sub, params: Record<string, unknown>): void {
    const { _meta: _ignored, ...rest } = params;
    const p = EventOccurrenceSchema.safeParse(rest);
    if (!p.success) return this.#refuse(`an event for ${neutralizeText(sub.type.name, 200)} that did not parse (an id, name, timestamp or data missing, or over a limit)`);
    const o = p.data;
    const taken = this.#take(o, (stored) => this.#settle(sub, stored, o.eventId, o.cursor));
    if (!taken) {
      if (o.cursor !== undefined) this.#takeCursor(sub, o.cursor);
      return;
    }
    sub.pendingCursor = undefined; // this event's cursor supersedes any heartbeat before it
    sub.inFlight++;
    this.#o.write(taken);
    if (sub.mode === 'push' && sub.abort && this.#o.backlog() >= this.#o.maxBacklog) {
      // Behind: stop taking more from this stream; resume from the cursor once what is queued is stored.
      this.#stats.paused++;
      this.#cancelStream(sub);
      sub.reopenWanted = true;
    }
  }

  /**
   * An occurrence as an event for the writer, or undefined for one already taken (counted as a duplicate). One
   * that is then not stored is forgotten again, so it is taken when the server sends it again.
   */
  #take(o: EventOccurrence, onStored: (stored: boolean) => void): PendingMcpEvent | undefined {
    if (this.#seen.has(o.eventId)) {
      this.#stats.duplicates++;
      return undefined;
    }
    this.#remember(o.eventId);
    const event = extensionEvent(this.#o.upstream, o, this.#now());
    event.onStored = (stored) => {
      if (!stored) this.#seen.delete(o.eventId);
      onStored(stored);
    };
    this.#stats.events++;
    return event;
  }

  #settle(sub: Sub, stored: boolean, eventId: string, cursor: string | null | undefined): void {
    sub.inFlight--;
    if (!stored) {
      if (!sub.broken) {
        sub.broken = true;
        if (sub.mode === 'push') {
          this.#cancelStream(sub);
          this.#retry(sub, 'an event could not be stored');
        }
      }
    } else {
      sub.recentIds = withRecent(sub.recentIds, [eventId]);
      if (!sub.broken && cursor !== undefined) sub.cursor = cursor;
    }
    if (sub.inFlight === 0 && !sub.broken && sub.pendingCursor !== undefined) {
      sub.cursor = sub.pendingCursor;
      sub.pendingCursor = undefined;
    }
    this.#save(sub);
    if (sub.inFlight === 0) this.#reopenWhenSettled(sub);
  }

  /** A cursor with no event of its own: taken now when nothing is in flight, else once it has settled. */
  #takeCursor(sub: Sub, cursor: string | null): void {
    if (sub.inFlight > 0 || sub.broken) {
      if (!sub.broken) sub.pendingCursor = cursor;
      return;
    }
    if (sub.cursor === cursor) return;
    sub.cursor = cursor;
    this.#save(sub);
  }

  #save(sub: Sub): void {
    this.#o.store.save(sub.key, { cursor: sub.cursor, recentIds: sub.recentIds });
  }

  #truncated(sub: Sub): void {
    this.#stats.truncated++;
    this.#o.write(eventsTruncatedEvent(this.#o.upstream, sub.type.name, this.#now()));
  }

  #remember(id: string): void {
    this.#seen.add(id);
    if (this.#seen.size > MAX_SEEN_IDS) this.#seen.delete(this.#seen.values().next().value as string);
  }

  // ---- poll ----

  async #pollLoop(sub: Sub): Promise<void> {
    while (!this.#closed && !sub.stopped) {
      let delay: number;
      try {
        await this.#whenWriterBelow(this.#o.maxBacklog / 2);
        if (this.#closed) return;
        const abort = new AbortController();
        sub.abort = abort;
        const raw = await this.#o.client.request(
          { method: EVENTS_METHOD.poll, params: { ...this.#params(sub), maxEvents: this.#pollMaxEvents() } },
          PollResultSchema,
          { timeout: this.#o.timeoutMs, signal: abort.signal },
        );
        sub.abort = undefined;
        const result = raw as { events: unknown[]; cursor: string | null; truncated?: boolean; hasMore?: boolean; nextPollMs?: number };
        if (result.truncated && sub.cursor !== null) this.#truncated(sub);
        const settled: Promise<boolean>[] = [];
        for (const entry of result.events) {
          const p = EventOccurrenceSchema.safeParse(entry);
          if (!p.success) {
            this.#refuse(`an event for ${neutralizeText(sub.type.name, 200)} that did not parse`);
            continue;
          }
          const o = p.data;
          let resolveStored!: (stored: boolean) => void;
          const taken = this.#take(o, (stored) => {
            if (stored) sub.recentIds = withRecent(sub.recentIds, [o.eventId]);
            resolveStored(stored);
          });
          if (!taken) continue;
          settled.push(new Promise<boolean>((resolve) => (resolveStored = resolve)));
          this.#o.write(taken);
        }
        const outcomes = await Promise.all(settled);
        if (outcomes.every(Boolean)) {
          // The page is durable: its cursor is the resume point (null: the type has no replay).
          sub.cursor = result.cursor;
          sub.failures = 0;
          delay = result.hasMore ? 0 : pollDelay(result.nextPollMs, this.#o.pollFloorMs ?? MIN_POLL_INTERVAL_MS);
        } else {
          sub.failures++;
          delay = this.#retryDelay(sub);
          this.#error(`${neutralizeText(sub.type.name, 200)}: events could not be stored; polling again from the saved cursor`);
        }
        this.#save(sub);
        this.#o.onChange?.();
      } catch (err) {
        sub.abort = undefined;
        if (this.#closed) return;
        sub.failures++;
        delay = this.#retryDelay(sub);
        this.#error(`${neutralizeText(sub.type.name, 200)}: events/poll failed: ${neutralizeText((err as Error).message, 300)}; again in ${Math.round(delay / 100) / 10} s`);
      }
      if (delay > 0) {
        await new Promise<void>((resolve) => {
          sub.timer = setTimeout(() => {
            sub.timer = undefined;
            resolve();
          }, delay);
          sub.timer.unref();
        });
      }
    }
  }

  /**
   * Events asked for per poll: at most 100, and few enough that every poll subscription answering at once still
   * fits the writer's queue (a poll starts below half of `maxBacklog`, and the queue holds twice `maxBacklog`),
   * so a poll page is never cut by the queue's drop-oldest.
   */
  #pollMaxEvents(): number {
    const polls = Math.max(1, this.#subs.filter((s) => s.mode === 'poll').length);
    return Math.max(1, Math.min(POLL_MAX_EVENTS, Math.floor(this.#o.maxBacklog / polls)));
  }

  #retryDelay(sub: Sub): number {
    return Math.min(RETRY_CAP_MS, (this.#o.retryBaseMs ?? 1000) * 2 ** Math.min(10, sub.failures - 1));
  }

  async #whenWriterBelow(limit: number): Promise<void> {
    while (!this.#closed && this.#o.backlog() >= limit) await new Promise((r) => setTimeout(r, 20).unref());
  }

  // ---- bookkeeping ----

  #refuse(what: string): void {
    this.#stats.refused++;
    // One line per kind of refusal would still let a hostile server write the log; the count says the rest.
    if (this.#stats.refused <= 10 || this.#stats.refused % 1000 === 0) this.#o.log(`events: refused ${what} (${this.#stats.refused} so far)`);
  }

  #error(message: string): void {
    this.#stats.last_error = message;
    this.#o.log(`events: ${message}`);
    this.#o.onChange?.();
  }

  #now(): Date {
    return (this.#o.now ?? (() => new Date()))();
  }
}
