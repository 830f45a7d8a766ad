// Decoding of a Server-Sent Events stream (WHATWG HTML, "Interpreting an event stream") for the readers of the
// relay's own /v1/stream: the inbox UI, the MCP channel feed and `push-relay watch`. Pure, no I/O (STYLE.md
// "Pure codec, then stateful client"). The parsing is eventsource-parser's; this adds only what the readers
// want on top: a line end at a chunk-final CR, messages returned per chunk (so a reader's failure on one message cannot break the parser's
// state), the event name defaulting to "message", and the last event id carried over as the spec keeps it.
// One difference from the spec stays eventsource-parser's: a block with an `id:` but no `data:` is dropped
// whole, its id too. The relay's stream always sends an id together with data.
import { createParser, type EventSourceParser } from 'eventsource-parser';

export interface SseMessage {
  /** The `event:` field, or "message" when there is none. */
  event: string;
  data: string;
  /** The last event id seen on this stream (it persists across messages), if any. */
  id: string | undefined;
}

/** One decoder per connection: a new connection is a new stream. */
export class SseDecoder {
  readonly #parser: EventSourceParser;
  #lastId: string | undefined;
  #out: SseMessage[] = [];
  #pendingCR = false;

  constructor() {
    // `retry:` and unknown fields arrive as onRetry/onError: ignored, as the spec ignores unknown fields;
    // reconnecting is each reader's own policy.
    this.#parser = createParser({
      onEvent: (m) => {
        if (m.id !== undefined) this.#lastId = m.id;
        this.#out.push({ event: m.event ?? 'message', data: m.data, id: this.#lastId });
      },
    });
  }

  /** Decodes a chunk of text (split anywhere, CRLF pairs included); returns the messages it completed. */
  feed(chunk: string): SseMessage[] {
    // [spec] CR, LF and CRLF each end a line. eventsource-parser holds a chunk-final CR until the next chunk
    // shows whether an LF follows, so on a CR-only stream each message would wait for the next one to arrive.
    // The line ends here instead, and an LF that then starts the next chunk is the rest of the same CRLF.
    let text = this.#pendingCR && chunk.startsWith('\n') ? chunk.slice(1) : chunk;
    this.#pendingCR = text.endsWith('\r');
    if (this.#pendingCR) text += '\n';
    this.#parser.feed(text);
    const out = this.#out;
    this.#out = [];
    return out;
  }
}
