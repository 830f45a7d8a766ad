// One client's push stream (`GET /mcp/push/sse`): replay from a cursor, then live frames through a ring
// buffer that drops the oldest when the socket cannot keep up (seed 000, "Backpressure-safe": "the ring
// buffer caps at 100 events per connection and a single subscription.lag notification covers an overflow
// flurry").
//
// Replay is pulled from the log one event at a time, only when the socket is writable, so catching up on
// a long history never overflows the buffer; the buffer is for live events a slow reader cannot take yet.
import type { ServerResponse } from 'node:http';
import { frame, METHOD } from '../protocol/frames.js';
import { encodeSseFrame } from '../protocol/sse.js';
import { encodeEventFrame } from './event-frame.js';
import { ReferenceStore, type LoggedEvent } from './store.js';

export const LAG_DETAIL =
  'Per-connection event buffer is overflowing — dropping oldest events. Reduce filter scope or consume faster; ' +
  'resume from last_event_id on reconnect.';

interface Outgoing {
  text: string;
  eventId: number;
  subscriptionId: string;
}

interface Flurry {
  dropped: number;
  bySubscription: Map<string, number>;
  lastEventId: number;
}

export interface PushConnectionOptions {
  res: ServerResponse;
  tenant: string;
  clientId: string;
  store: ReferenceStore;
  /** Replay events after this id; the live position when the client gave none. */
  cursor: number;
  requestedCursor: number | undefined;
  bufferCapacity: number;
  heartbeatMs: number;
  onClose: () => void;
}

export class PushConnection {
  readonly tenant: string;
  readonly clientId: string;
  readonly #o: PushConnectionOptions;
  /** Every event ≤ cursor has been turned into frames (written, buffered or dropped). */
  #cursor: number;
  #lastWrittenEventId: number;
  #replaying = true;
  #blocked = false;
  #closed = false;
  readonly #ring: Outgoing[] = [];
  #flurry: Flurry | undefined;
  readonly #heartbeat: NodeJS.Timeout;
  /** Counters for tests and the admin summary. */
  framesWritten = 0;
  droppedTotal = 0;
  /** Test control: a server that stops heartbeating (the client's watchdog must notice). */
  heartbeatsPaused = false;

  constructor(options: PushConnectionOptions) {
    this.#o = options;
    this.tenant = options.tenant;
    this.clientId = options.clientId;
    this.#cursor = options.cursor;
    this.#lastWrittenEventId = options.cursor;
    const { res } = options;
    res.on('drain', () => {
      this.#blocked = false;
      this.#pump();
    });
    res.on('close', () => this.close());
    this.#heartbeat = setInterval(() => this.#sendHeartbeat(), options.heartbeatMs);
    this.#heartbeat.unref();
  }

  start(): void {
    const { res, store, tenant, clientId } = this.#o;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const params: Record<string, unknown> = {
      client_id: clientId,
      subscriptions: store.listSubscriptions(tenant, clientId),
      cursor: this.#cursor,
    };
    if (this.#o.requestedCursor !== undefined && this.#o.requestedCursor !== this.#cursor) {
      // The client asked to resume past the end of this server's log (e.g. the server lost its data).
      params.requested_cursor = this.#o.requestedCursor;
    }
    this.#write(encodeSseFrame(frame(METHOD.open, params)));
    this.#pump();
  }

  /** Called for every newly durable event of the tenant. */
  onEvent(event: LoggedEvent): void {
    if (this.#closed || this.#replaying || event.event_id <= this.#cursor) return;
    this.#cursor = event.event_id;
    for (const out of this.#framesFor(event)) {
      if (this.#ring.length >= this.#o.bufferCapacity) this.#drop(this.#ring.shift()!);
      this.#ring.push(out);
    }
    this.#pump();
  }

  /** Test hook: writes raw bytes into the stream (malformed-frame fuzzing of clients). */
  injectRaw(text: string): void {
    if (!this.#closed) this.#write(text);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    if (!this.#o.res.writableEnded) this.#o.res.end();
    this.#o.onClose();
  }

  /** Abruptly cuts the TCP connection (test hook for network loss). */
  destroy(): void {
    this.#o.res.socket?.destroy();
    this.close();
  }

  #drop(out: Outgoing): void {
    this.#flurry ??= { dropped: 0, bySubscription: new Map(), lastEventId: this.#lastWrittenEventId };
    this.#flurry.dropped++;
    this.#flurry.bySubscription.set(out.subscriptionId, (this.#flurry.bySubscription.get(out.subscriptionId) ?? 0) + 1);
    this.droppedTotal++;
  }

  #pump(): void {
    while (!this.#closed && !this.#blocked) {
      if (this.#flurry) {
        this.#write(encodeSseFrame(frame(METHOD.lag, this.#lagParams(this.#flurry))));
        this.#flurry = undefined;
        continue;
      }
      const out = this.#ring.shift();
      if (out) {
        this.#write(out.text);
        this.#lastWrittenEventId = out.eventId;
        this.framesWritten++;
        this.#o.store.recordDelivery(this.tenant, out.subscriptionId, out.eventId);
        continue;
      }
      if (!this.#replaying) return;
      const [next] = this.#o.store.eventsAfter(this.tenant, this.#cursor, 1);
      if (!next) {
        this.#replaying = false; // caught up: from now on the store's listener feeds us
        return;
      }
      this.#cursor = next.event_id;
      this.#lastWrittenEventId = Math.max(this.#lastWrittenEventId, next.event_id - 1);
      for (const out of this.#framesFor(next)) {
        if (this.#ring.length >= this.#o.bufferCapacity) this.#drop(this.#ring.shift()!);
        this.#ring.push(out);
      }
    }
  }

  #lagParams(f: Flurry): Record<string, unknown> {
    // The subscription that lost the most; all of them are listed too, since one flurry can span several.
    const [worst] = [...f.bySubscription].sort((a, b) => b[1] - a[1]);
    return {
      subscription_id: worst?.[0] ?? null,
      dropped_count: f.dropped,
      buffer_capacity: this.#o.bufferCapacity,
      last_event_id: f.lastEventId,
      detail: LAG_DETAIL,
      dropped_by_subscription: Object.fromEntries(f.bySubscription),
    };
  }

  #framesFor(event: LoggedEvent): Outgoing[] {
    const { store, tenant, clientId } = this.#o;
    const out: Outgoing[] = [];
    for (const sub of store.activeSubscriptions(tenant, clientId)) {
      if (!ReferenceStore.matches(sub, event)) continue;
      if (store.isBlockedByConsent(tenant, event, sub.record.consent_purpose)) continue;
      out.push({
        text: encodeEventFrame(event, sub.record.subscription_id),
        eventId: event.event_id,
        subscriptionId: sub.record.subscription_id,
      });
    }
    return out;
  }

  #sendHeartbeat(): void {
    // A blocked socket cannot take a heartbeat either, and a stalled reader is not kept alive by one.
    if (this.#closed || this.heartbeatsPaused || this.#blocked || this.#ring.length > 0) return;
    this.#write(encodeSseFrame(frame(METHOD.heartbeat, { cursor: this.#cursor })));
  }

  #write(text: string): void {
    if (!this.#o.res.write(text)) this.#blocked = true;
  }
}
