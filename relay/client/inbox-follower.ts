// Follows a running relay's inbox: hands on every new event exactly once, in inbox order, through relay
// restarts and gaps of any length. The one follower of `push-relay watch` and the `push-relay mcp --channel`
// feed; neither talks to the push server. Two ways to follow, as each user needs:
// - by inbox seq (`{ by: 'seq' }`): starts at the head (now) and acks nothing. `/v1/stream` only says that
//   something landed (its opening status carries the head); the events themselves are read in pages from
//   `/v1/events?since=<last seq handed on>`, one drain at a time, so a backlog of any size is paged through
//   and the backlog and the live events cannot overlap or leave a hole between them;
// - by consumer (`{ by: 'consumer' }`): long-polls that consumer's `/v1/wait` with ack, so the relay's cursor
//   (DESIGN.md "Consumers") is the resume point and a restarted follower continues where the last one left.
// The relay is found through relay.json (endpoint.ts) at each (re)connect, and relay.json is looked at while
// connected too: when it names another relay (a restart on a new port), the follower moves over.
import { LOCAL_API, localApiPath, type ApiEvent, type EventsResponse, type HandOverParams, type WaitResponse } from '../protocol/local-api.js';
import { findRelay, relayRequest, retryPause, type RelayEndpoint } from './local-client.js';
import { openRelayStream } from './relay-stream.js';

export type FollowMode = { by: 'seq'; topic?: string | undefined } | { by: 'consumer'; consumer: string; topic?: string | undefined };

export type FollowerState =
  /** No relay to follow yet (none running, or it does not answer): `reason` says why. */
  | { state: 'waiting'; reason: string }
  | { state: 'connected'; url: string }
  /** The relay followed went away; the follower looks for it again. */
  | { state: 'lost'; url: string; reason: string };

export interface InboxFollowerOptions {
  home: string;
  follow: FollowMode;
  /** New events, in inbox order, each once. */
  onEvents(events: ApiEvent[]): void;
  onState?(state: FollowerState): void;
  /** First delay before looking for the relay again; doubles up to `maxRetryMs`, back to `retryMs` once connected. */
  retryMs?: number;
  maxRetryMs?: number;
  /** By seq: no byte for this long (the relay sends a keepalive every 15 s) means a hung relay; reconnect. */
  idleMs?: number;
  /** How often relay.json is compared with the relay followed. */
  relayCheckMs?: number;
  /** Events per `/v1/events` page (the route's maximum is 1000). */
  pageSize?: number;
  /**
   * Who reads, for the delivery receipts (relay/protocol/local-api.ts): the path (`watch`, `channel`), the session,
   * and, following by seq, the consumer the reader speaks for. Without it the relay records nothing (a view).
   */
  receipt?: HandOverParams & { consumer?: string | undefined };
}

interface SessionEnd {
  /** Whether the session got as far as following (else the relay was never usable). */
  connected: boolean;
  reason: string;
}

const WAIT_LIMIT = 100;
const WAIT_MS = 30_000;

export class InboxFollower {
  readonly #o: InboxFollowerOptions;
  #run: AbortController | undefined;
  /** By seq: the highest seq handed on (or the head where following began). Kept across stop()/start(). */
  #last: number | undefined;
  #delay: number;

  constructor(options: InboxFollowerOptions) {
    this.#o = options;
    this.#delay = options.retryMs ?? 1_000;
  }

  start(): void {
    if (this.#run) return;
    const run = new AbortController();
    this.#run = run;
    void this.#loop(run.signal);
  }

  stop(): void {
    this.#run?.abort(new Error('stopped'));
    this.#run = undefined;
  }

  async #loop(stopped: AbortSignal): Promise<void> {
    while (!stopped.aborted) {
      let relay: RelayEndpoint | undefined;
      try {
        relay = findRelay(this.#o.home);
      } catch (err) {
        this.#o.onState?.({ state: 'waiting', reason: (err as Error).message });
      }
      if (relay) {
        const end = await this.#session(relay, stopped);
        if (stopped.aborted) return;
        this.#o.onState?.(end.connected ? { state: 'lost', url: relay.url, reason: end.reason } : { state: 'waiting', reason: end.reason });
      }
      await retryPause(this.#delay, stopped);
      this.#delay = Math.min(this.#delay * 2, this.#o.maxRetryMs ?? 10_000);
    }
  }

  /** Follows `relay` until it goes away (or relay.json names another, or stop()); resolves with why it ended. */
  async #session(relay: RelayEndpoint, stopped: AbortSignal): Promise<SessionEnd> {
    const session = new AbortController();
    const end = (reason: string) => session.abort(new Error(reason));
    const onStop = () => end('stopped');
    stopped.addEventListener('abort', onStop, { once: true });
    const check = setInterval(() => {
      let now: RelayEndpoint;
      try {
        now = findRelay(this.#o.home);
      } catch {
        return; // relay.json gone: the relay is stopping, and its connections end with it
      }
      if (now.url !== relay.url || now.pid !== relay.pid) end(`relay.json now names the relay at ${now.url}`);
    }, this.#o.relayCheckMs ?? 2_000);
    check.unref();
    const state = { connected: false };
    const connected = () => {
      state.connected = true;
      this.#delay = this.#o.retryMs ?? 1_000;
      this.#o.onState?.({ state: 'connected', url: relay.url });
    };
    try {
      const follow = this.#o.follow;
      const reason = follow.by === 'seq' ? await this.#followSeq(relay, follow.topic, session.signal, connected) : await this.#followConsumer(relay, follow, session.signal, connected);
      return { connected: state.connected, reason };
    } catch (err) {
      return { connected: state.connected, reason: session.signal.aborted ? (session.signal.reason as Error).message : (err as Error).message };
    } finally {
      clearInterval(check);
      stopped.removeEventListener('abort', onStop);
      session.abort(new Error('session over'));
    }
  }

  #followSeq(relay: RelayEndpoint, topic: string | undefined, signal: AbortSignal, connected: () => void): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      let started = false;
      let settled = false;
      let idle: ReturnType<typeof setTimeout> | undefined;
      const settle = () => {
        if (settled) return false;
        settled = true;
        clearTimeout(idle);
        stream.close();
        signal.removeEventListener('abort', aborted);
        return true;
      };
      const finish = (reason: string) => settle() && resolve(reason);
      const aborted = () => settle() && reject(signal.reason as Error);
      signal.addEventListener('abort', aborted, { once: true });
      const touch = () => {
        if (settled) return;
        clearTimeout(idle);
        idle = setTimeout(() => finish('no data for too long'), this.#o.idleMs ?? 45_000);
        idle.unref();
      };

      // Drains run one at a time; a wake-up during a drain runs one more after it.
      let draining = false;
      let again = false;
      const wake = () => {
        if (draining) {
          again = true;
          return;
        }
        draining = true;
        void (async () => {
          try {
            do {
              again = false;
              await this.#drain(relay, topic, signal);
            } while (again && !signal.aborted);
          } catch (err) {
            if (!signal.aborted) finish(`catching up failed: ${(err as Error).message}`);
          } finally {
            draining = false;
          }
        })();
      };

      const stream = openRelayStream(relay, {
        onData: touch,
        onEnd: finish,
        onMessage: (m) => {
          if (m.event === 'status' && !started) {
            // The stream opens with the relay's status: its inbox head is where the live events begin.
            started = true;
            void this.#startAt(relay, headOf(m.data), signal).then(
              () => {
                if (signal.aborted) return;
                connected();
                wake();
              },
              (err: Error) => {
                if (!signal.aborted) finish(`reading the inbox head failed: ${err.message}`);
              },
            );
          } else if (m.event === 'event' && started) {
            wake();
          }
        },
      });
      touch();
    });
  }

  /** The first connect follows from now; a head below the point reached is a new inbox whose seqs started over. */
  async #startAt(relay: RelayEndpoint, head: number | undefined, signal: AbortSignal): Promise<void> {
    head ??= (await relayRequest<EventsResponse>(relay, localApiPath(LOCAL_API.events, { limit: 1 }), { timeoutMs: 10_000, signal })).head;
    if (this.#last === undefined || head < this.#last) this.#last = head;
  }

  /** Hands on everything after #last, page by page, until a page comes back short (the head is reached). */
  async #drain(relay: RelayEndpoint, topic: string | undefined, signal: AbortSignal): Promise<void> {
    const pageSize = this.#o.pageSize ?? 1000;
    for (;;) {
      const since = this.#last!;
      const path = localApiPath(LOCAL_API.events, { since, topic: topic || undefined, limit: pageSize, ...this.#o.receipt });
      const { events, head } = await relayRequest<EventsResponse>(relay, path, { timeoutMs: 10_000, signal });
      if (signal.aborted || this.#last !== since) return;
      const fresh = events.filter((e) => e.seq > since);
      // A short page holds every match up to the head it was read with (the relay reads both in one step), so
      // with a topic the scanned range is skipped too; a full page continues after its last event.
      const full = events.length >= pageSize;
      this.#last = full ? Math.max(since, events.at(-1)!.seq) : Math.max(since, head, fresh.at(-1)?.seq ?? since);
      if (fresh.length > 0) this.#o.onEvents(fresh);
      if (!full) return;
    }
  }

  async #followConsumer(relay: RelayEndpoint, follow: { consumer: string; topic?: string | undefined }, signal: AbortSignal, connected: () => void): Promise<string> {
    // The relay answers with the token it was given: following starts only once that is so.
    await relayRequest<EventsResponse>(relay, localApiPath(LOCAL_API.events, { limit: 1 }), { timeoutMs: 5_000, signal });
    connected();
    for (;;) {
      // A consumer's pending events come oldest first, WAIT_LIMIT at a time, at once while there are any:
      // a backlog is paged through by the loop. The relay acks what it answers with (the caller prints it).
      const path = localApiPath(LOCAL_API.wait, { consumer: follow.consumer, topic: follow.topic || undefined, ack: true, limit: WAIT_LIMIT, timeout_ms: WAIT_MS, via: this.#o.receipt?.via, session: this.#o.receipt?.session });
      const answer = await relayRequest<WaitResponse>(relay, path, { timeoutMs: WAIT_MS + 15_000, signal });
      if (answer.events.length > 0) this.#o.onEvents(answer.events);
    }
  }
}

function headOf(statusJson: string): number | undefined {
  try {
    const head = (JSON.parse(statusJson) as { inbox?: { head?: unknown } }).inbox?.head;
    return typeof head === 'number' ? head : undefined;
  } catch {
    return undefined;
  }
}
