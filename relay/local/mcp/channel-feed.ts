// New events of a running relay, for `push-relay mcp --channel`: the inbox follower of relay/client (by seq,
// from now: the inbox's history is for get_pending_events, not for pushes), batched so a burst becomes one
// batch. The follower pages through any gap after a relay restart, so no event is skipped or pushed twice.
import { InboxFollower } from '../../client/inbox-follower.js';
import type { ApiEvent } from '../../protocol/local-api.js';

export interface ChannelFeedOptions {
  home: string;
  /** The consumer of the `push-relay mcp` pushing these events, named in their `channel` receipts. */
  consumer?: string;
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

export class ChannelFeed {
  readonly #o: ChannelFeedOptions;
  readonly #follower: InboxFollower;
  #batchTimer: ReturnType<typeof setTimeout> | undefined;
  #batch: ApiEvent[] = [];
  #stopped = true;
  #waitingLogged = false;

  constructor(options: ChannelFeedOptions) {
    this.#o = options;
    const log = (line: string) => options.log?.(line);
    this.#follower = new InboxFollower({
      home: options.home,
      follow: { by: 'seq' },
      onEvents: (events) => this.#deliver(events),
      onState: (s) => {
        if (s.state === 'connected') {
          this.#waitingLogged = false;
          log(`channel: connected to the relay at ${s.url}`);
        } else if (s.state === 'lost') {
          log(`channel: lost the relay at ${s.url} (${s.reason}); reconnecting`);
        } else if (!this.#waitingLogged) {
          this.#waitingLogged = true;
          log(`channel: no relay running on ${options.home} yet; waiting for one`);
        }
      },
      retryMs: options.retryMs,
      maxRetryMs: options.maxRetryMs,
      idleMs: options.idleMs,
      // Each event read here is pushed to the agent: a `channel` receipt on it.
      receipt: { via: 'channel', consumer: options.consumer },
    });
  }

  start(): void {
    this.#stopped = false;
    this.#follower.start();
  }

  stop(): void {
    this.#stopped = true;
    this.#follower.stop();
    clearTimeout(this.#batchTimer);
    this.#batchTimer = undefined;
    this.#batch = [];
  }

  #deliver(events: ApiEvent[]): void {
    this.#batch.push(...events);
    this.#batchTimer ??= setTimeout(() => {
      this.#batchTimer = undefined;
      const batch = this.#batch.splice(0);
      if (batch.length > 0 && !this.#stopped) this.#o.onEvents(batch);
    }, this.#o.batchMs ?? 50);
  }
}
