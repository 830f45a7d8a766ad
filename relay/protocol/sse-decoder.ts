// Decoding of a Server-Sent Events stream (WHATWG HTML, "Interpreting an event stream"), for every SSE reader
// in the relay: the push stream and the control plane's SSE answers (untrusted, so capped), and the readers of
// the relay's own /v1/stream (the inbox UI, the MCP channel feed, `push-relay watch`). Pure, no I/O (STYLE.md
// "Pure codec, then stateful client"). The parsing is eventsource-parser's (the parser eventsource itself
// wraps); this adds only what the readers want on top:
// - bytes or text in: a multi-byte character split across chunks is joined, not replaced (as eventsource does);
// - a line end at a chunk-final CR, so a CR-only stream does not hold each message until the next arrives;
// - messages returned per chunk, so a reader's failure on one message cannot break the parser's state;
// - the event name defaulting to "message", and the last event id carried over as the spec keeps it;
// - a cap on what one pending event may hold (`maxPendingChars`): eventsource-parser's `maxBufferSize` bounds
//   the two places a streaming SSE parser grows without end (a line that never ends, whatever its field, and
//   an event whose blank line never comes) and reports it instead of growing. Past the cap the decoder is
//   `overflowed` for good: the rest of the stream cannot be trusted to resynchronise, so the reader drops it.
// One difference from the spec stays eventsource-parser's: a block with an `id:` but no `data:` is dropped
// whole, its id too. Both the relay's stream and the push protocol send an id together with data.
import { createParser, type EventSourceParser } from 'eventsource-parser';

export interface SseMessage {
  /** The `event:` field, or "message" when there is none. */
  event: string;
  data: string;
  /** The last event id seen on this stream (it persists across messages), if any. */
  id: string | undefined;
}

export interface SseDecoderOptions {
  /**
   * The most text one pending event (its unfinished line plus its `data:` lines so far) may hold, in UTF-16
   * code units (≤ its UTF-8 bytes). Unset: no cap (the relay's own stream, from a trust-checked relay).
   */
  maxPendingChars?: number;
}

/** One decoder per connection: a new connection is a new stream. */
export class SseDecoder {
  readonly #parser: EventSourceParser;
  readonly #bytes = new TextDecoder();
  #lastId: string | undefined;
  #out: SseMessage[] = [];
  #pendingCR = false;
  #overflowed = false;

  constructor(options: SseDecoderOptions = {}) {
    // `retry:` and unknown fields arrive as onError: ignored, as the spec ignores unknown fields; reconnecting
    // is each reader's own policy. Only the cap matters here.
    this.#parser = createParser({
      onEvent: (m) => {
        if (m.id !== undefined) this.#lastId = m.id;
        this.#out.push({ event: m.event ?? 'message', data: m.data, id: this.#lastId });
      },
      onError: (error) => {
        if (error.type === 'max-buffer-size-exceeded') this.#overflowed = true;
      },
      maxBufferSize: options.maxPendingChars,
    });
  }

  /** True once a pending event outgrew `maxPendingChars`; nothing more is decoded. */
  get overflowed(): boolean {
    return this.#overflowed;
  }

  /**
   * Decodes a chunk (bytes or text, split anywhere, CRLF pairs included); returns the messages it completed,
   * those before an overflow included. Check `overflowed` after each chunk.
   */
  feed(chunk: string | Uint8Array): SseMessage[] {
    if (this.#overflowed) return [];
    // [spec] CR, LF and CRLF each end a line. eventsource-parser holds a chunk-final CR until the next chunk
    // shows whether an LF follows, so on a CR-only stream each message would wait for the next one to arrive.
    // The line ends here instead, and an LF that then starts the next chunk is the rest of the same CRLF.
    const decoded = typeof chunk === 'string' ? chunk : this.#bytes.decode(chunk, { stream: true });
    let text = this.#pendingCR && decoded.startsWith('\n') ? decoded.slice(1) : decoded;
    this.#pendingCR = text.endsWith('\r');
    if (this.#pendingCR) text += '\n';
    this.#parser.feed(text);
    const out = this.#out;
    this.#out = [];
    return out;
  }
}
