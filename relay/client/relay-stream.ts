// The relay's `/v1/stream` (SSE: the status on connect and on each change, then each new event) read over
// node:http, for the clients that follow the relay from a terminal or a stdio bridge (inbox-follower.ts). The
// browser UI reads the same stream with fetch(). Decoding is relay/protocol/sse-decoder.ts; this file only
// connects, feeds the decoder, and says once why the stream ended. Reconnecting is the reader's policy.
import { request } from 'node:http';
import { LOCAL_API } from '../protocol/local-api.js';
import { SseDecoder, type SseMessage } from '../protocol/sse-decoder.js';
import type { RelayEndpoint } from './endpoint.js';

export interface RelayStreamHandlers {
  /** Each decoded message, in stream order. */
  onMessage(message: SseMessage): void;
  /** Any bytes arrived (keepalive comments too): the relay is alive. */
  onData?(): void;
  /** Called once, when the stream ended or could not open, with why; not after `close()`. */
  onEnd(reason: string): void;
}

export interface RelayStream {
  close(): void;
}

export function openRelayStream(relay: RelayEndpoint, handlers: RelayStreamHandlers): RelayStream {
  let ended = false;
  const end = (reason: string) => {
    if (ended) return;
    ended = true;
    req.destroy();
    handlers.onEnd(reason);
  };
  const req = request(`${relay.url}${LOCAL_API.stream}`, { headers: { authorization: `Bearer ${relay.token}`, accept: 'text/event-stream' } });
  req.on('error', (err) => end((err as NodeJS.ErrnoException).code ?? err.message));
  req.on('response', (res) => {
    if (res.statusCode !== 200) {
      res.resume();
      return end(`HTTP ${res.statusCode}`);
    }
    const decoder = new SseDecoder();
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      if (ended) return;
      handlers.onData?.();
      for (const m of decoder.feed(chunk)) {
        if (ended) return;
        handlers.onMessage(m);
      }
    });
    res.on('error', (err) => end(err.message));
    res.on('close', () => end('stream ended'));
  });
  req.end();
  return {
    close() {
      ended = true;
      req.destroy();
    },
  };
}
