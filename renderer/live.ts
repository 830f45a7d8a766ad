// The live link to the relay: one fetch() of /v1/stream (SSE), decoded by relay/protocol/sse-decoder.ts, reconnected with a short
// backoff when the relay goes away. `onOpen` runs on every (re)connect so the caller can fetch what it missed
// while disconnected (/v1/stream itself starts at "now").
import { ApiError, errorText, type RelayClient } from './api.js';
import { LOCAL_API, type ApiEvent, type RelayStatus } from '../relay/protocol/local-api.js';
import { SseDecoder, type SseMessage } from '../relay/protocol/sse-decoder.js';

export type LinkState = 'connecting' | 'live' | 'unreachable' | 'unauthorized';

export interface LinkInfo {
  state: LinkState;
  error: string | null;
  /** When the next attempt starts (epoch ms), while unreachable. */
  retryAt: number | null;
}

export interface LiveHandlers {
  onStatus(status: RelayStatus): void;
  onEvent(event: ApiEvent): void;
  onOpen(): void;
  onLink(info: LinkInfo): void;
}

/** The relay writes a keepalive comment every 15 s; three missed ones mean the connection is dead. */
const SILENCE_MS = 45_000;
const BACKOFF_MS = [500, 1000, 2000, 4000, 5000];

export class LiveStream {
  readonly #client: RelayClient;
  readonly #h: LiveHandlers;
  #stopped = true;
  #abort: AbortController | undefined;
  #wake: (() => void) | undefined;

  constructor(client: RelayClient, handlers: LiveHandlers) {
    this.#client = client;
    this.#h = handlers;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    void this.#run();
  }

  stop(): void {
    this.#stopped = true;
    this.#abort?.abort();
    this.#wake?.();
  }

  /** Skips the backoff wait. */
  retryNow(): void {
    this.#wake?.();
  }

  async #run(): Promise<void> {
    let failures = 0;
    this.#h.onLink({ state: 'connecting', error: null, retryAt: null });
    while (!this.#stopped) {
      let error: string;
      try {
        await this.#connectOnce(() => {
          failures = 0;
        });
        error = 'the relay closed the event stream';
      } catch (err) {
        if (this.#stopped) return;
        if (err instanceof ApiError && err.status === 401) {
          this.#h.onLink({ state: 'unauthorized', error: err.message, retryAt: null });
          this.#stopped = true;
          return;
        }
        error = errorText(err);
      }
      if (this.#stopped) return;
      const delay = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)]!;
      failures++;
      this.#h.onLink({ state: 'unreachable', error, retryAt: Date.now() + delay });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  async #connectOnce(onLive: () => void): Promise<void> {
    const abort = new AbortController();
    this.#abort = abort;
    let lastByte = Date.now();
    const watchdog = setInterval(() => {
      if (Date.now() - lastByte > SILENCE_MS) abort.abort(new Error('no data from the relay for 45 s'));
    }, 5000);
    let live = false;
    const decoder = new SseDecoder();
    const handle = (m: SseMessage) => {
      if (m.event === 'status') {
        const status = JSON.parse(m.data) as RelayStatus;
        if (!live) {
          live = true;
          onLive();
          this.#h.onLink({ state: 'live', error: null, retryAt: null });
          this.#h.onStatus(status);
          this.#h.onOpen();
        } else {
          this.#h.onStatus(status);
        }
      } else if (m.event === 'event') {
        this.#h.onEvent(JSON.parse(m.data) as ApiEvent);
      }
    };
    try {
      const res = await this.#client.open(LOCAL_API.stream, { signal: abort.signal, headers: { accept: 'text/event-stream' } });
      if (!res.body) throw new Error('the event stream has no body');
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        lastByte = Date.now();
        for (const m of decoder.feed(value)) {
          try {
            handle(m);
          } catch (err) {
            // One bad message must not take the stream down.
            console.warn('push-relay: skipped a malformed stream message', err);
          }
        }
      }
    } catch (err) {
      if (abort.signal.aborted && !this.#stopped) {
        throw new Error(abort.signal.reason instanceof Error ? abort.signal.reason.message : 'the event stream was interrupted');
      }
      throw err;
    } finally {
      clearInterval(watchdog);
      abort.abort();
    }
  }
}
