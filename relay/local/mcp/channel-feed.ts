// New events of a running relay, for `push-relay mcp --channel`: reads the relay's `/v1/stream` (SSE) and
// follows the relay through restarts. It never talks to the push server. The relay is found through
// `<home>/relay.json` at each (re)connect. The stream opens with the relay's status, whose inbox head is where
// its live events begin: the first connect starts there; after a gap, the events that landed meanwhile are
// fetched from `/v1/events?since=` before live ones, so none is skipped and none repeated (ordered by seq).
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { findRelay, relayRequest, type RelayEndpoint } from '../../client/local-client.js';
import { LOCAL_API, localApiPath, type ApiEvent, type EventsResponse } from '../../protocol/local-api.js';
import { SseDecoder } from '../../protocol/sse-decoder.js';

export interface ChannelFeedOptions {
  home: string;
  /** Called with new events in seq order, batched over `batchMs`. */
  onEvents(events: ApiEvent[]): void;
  log?: (line: string) => void;
  /** First reconnect delay (doubles up to `maxRetryMs`). */
  retryMs?: number;
  maxRetryMs?: number;
  /** Events arriving within this window are delivered together (a burst becomes one batch). */
  batchMs?: number;
  /** No byte (the relay sends a keepalive every 15 s) for this long: the relay hangs; reconnect. */
  idleMs?: number;
}

const BACKFILL_LIMIT = 200;

function headOf(statusJson: string): number | undefined {
  try {
    const head = (JSON.parse(statusJson) as { inbox?: { head?: unknown } }).inbox?.head;
    return typeof head === 'number' ? head : undefined;
  } catch {
    return undefined;
  }
}

export class ChannelFeed {
  readonly #o: ChannelFeedOptions;
  #stopped = true;
  #generation = 0;
  #req: ClientRequest | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #batchTimer: ReturnType<typeof setTimeout> | undefined;
  #batch: ApiEvent[] = [];
  #delay: number;
  /** Highest inbox seq handed on (or the head at the first connect): the backfill point after a gap. */
  #lastSeq: number | undefined;
  #waitingLogged = false;

  constructor(options: ChannelFeedOptions) {
    this.#o = options;
    this.#delay = options.retryMs ?? 1_000;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    this.#generation++;
    this.#req?.destroy();
    this.#req = undefined;
    for (const t of [this.#retryTimer, this.#idleTimer, this.#batchTimer]) clearTimeout(t);
    this.#batch = [];
  }

  #log(line: string): void {
    this.#o.log?.(line);
  }

  #connect(): void {
    if (this.#stopped) return;
    const generation = ++this.#generation;
    let relay: RelayEndpoint;
    try {
      relay = findRelay(this.#o.home);
    } catch {
      if (!this.#waitingLogged) this.#log(`channel: no relay running on ${this.#o.home} yet; waiting for one`);
      this.#waitingLogged = true;
      return this.#retry(generation);
    }
    let synced = false;
    let syncing = false;
    const held: ApiEvent[] = [];
    const decoder = new SseDecoder();
    const req = request(`${relay.url}${LOCAL_API.stream}`, { headers: { authorization: `Bearer ${relay.token}`, accept: 'text/event-stream' } });
    this.#req = req;
    const fail = (why: string) => {
      if (generation !== this.#generation) return;
      this.#log(`channel: lost the relay at ${relay.url} (${why}); reconnecting`);
      req.destroy();
      this.#retry(generation);
    };
    req.on('error', (err) => fail((err as NodeJS.ErrnoException).code ?? err.message));
    req.on('response', (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        res.resume();
        return fail(`HTTP ${res.statusCode}`);
      }
      this.#touch(generation, fail);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (generation !== this.#generation) return;
        this.#touch(generation, fail);
        for (const m of decoder.feed(chunk)) {
          if (m.event === 'status' && !syncing) {
            // The stream opens with the relay's status, whose inbox head is where its live events start.
            syncing = true;
            void this.#sync(relay, headOf(m.data)).then(
              () => {
                if (generation !== this.#generation) return;
                synced = true;
                this.#waitingLogged = false;
                this.#delay = this.#o.retryMs ?? 1_000;
                this.#log(`channel: connected to the relay at ${relay.url}`);
                this.#deliver(held.splice(0));
              },
              (err: Error) => fail(`catching up failed: ${err.message}`),
            );
          } else if (m.event === 'event') {
            let event: ApiEvent;
            try {
              event = JSON.parse(m.data) as ApiEvent;
            } catch {
              continue;
            }
            // Live events wait until what landed during a gap is handed on, so seq order holds.
            if (synced) this.#deliver([event]);
            else held.push(event);
          }
        }
      });
      res.on('close', () => fail('stream ended'));
    });
    req.end();
  }

  /** Sets the starting point at a first connect; after a gap, hands on what landed meanwhile. */
  async #sync(relay: RelayEndpoint, head: number | undefined): Promise<void> {
    if (head === undefined) head = (await relayRequest<EventsResponse>(relay, localApiPath(LOCAL_API.events, { limit: 1 }), { timeoutMs: 10_000 })).head;
    // First connect: start from now (the inbox's history is for get_pending_events, not for pushes). A head
    // below our point is a fresh inbox whose seqs started over.
    if (this.#lastSeq === undefined || head < this.#lastSeq) {
      this.#lastSeq = head;
      return;
    }
    if (head === this.#lastSeq) return;
    const { events } = await relayRequest<EventsResponse>(relay, localApiPath(LOCAL_API.events, { since: this.#lastSeq, limit: BACKFILL_LIMIT }), { timeoutMs: 10_000 });
    this.#deliver(events);
  }

  #deliver(events: ApiEvent[]): void {
    const fresh = events.filter((e) => this.#lastSeq === undefined || e.seq > this.#lastSeq);
    if (fresh.length === 0) return;
    this.#lastSeq = fresh.at(-1)!.seq;
    this.#batch.push(...fresh);
    this.#batchTimer ??= setTimeout(() => {
      this.#batchTimer = undefined;
      const batch = this.#batch.splice(0);
      if (batch.length > 0 && !this.#stopped) this.#o.onEvents(batch);
    }, this.#o.batchMs ?? 50);
  }

  #touch(generation: number, fail: (why: string) => void): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      if (generation === this.#generation) fail('no data for too long');
    }, this.#o.idleMs ?? 45_000);
    this.#idleTimer.unref();
  }

  #retry(generation: number): void {
    if (this.#stopped || generation !== this.#generation) return;
    this.#generation++; // whatever the old connection still emits is ignored
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#retryTimer);
    const delay = this.#delay;
    this.#delay = Math.min(this.#delay * 2, this.#o.maxRetryMs ?? 10_000);
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }
}
