// Bytes of one push stream in, SSE messages out, with a bound on what a server can make us hold.
//
// The SSE grammar is eventsource-parser's (the parser eventsource itself wraps; STYLE.md "Pure codec, then
// stateful client"): we feed it decoded text and it calls back per message. Its `maxBufferSize` bounds the
// two places a streaming SSE parser grows without end — a line that never ends (a `data:`, a comment or any
// field) and an event whose blank line never comes (many `data:` lines) — and reports
// `max-buffer-size-exceeded` instead of growing. The push stream then drops the connection: what a server
// sends is untrusted, in size too.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { MAX_FRAME_BYTES, type SseMessage } from './frame-decoder.js';

/**
 * The most text one pending SSE event (its unfinished line plus its `data:` lines so far) may hold, in UTF-16
 * code units (≤ its UTF-8 bytes). A multiple of the frame limit, not the limit itself: an event a little over
 * the limit that does end is skipped and counted while the stream stays up (DESIGN.md "Failure behaviour":
 * oversize data → skip, count), so the buffer must hold one such event; an event four times over the limit is
 * no longer a big frame but a stream that will not end its event.
 */
export const MAX_PENDING_EVENT_CHARS = 4 * MAX_FRAME_BYTES;

export interface SseFeed {
  /**
   * Parses one chunk of the body; messages it completes are passed to `onMessage` before it returns.
   * Returns false once the pending event outgrew the cap: the rest of the stream cannot be trusted to
   * resynchronise, so the caller drops the connection (nothing more may be pushed).
   */
  push(chunk: Uint8Array): boolean;
}

export function createSseFeed(onMessage: (message: SseMessage) => void, maxPendingChars = MAX_PENDING_EVENT_CHARS): SseFeed {
  let overflowed = false;
  const parser = createParser({
    onEvent: (m: EventSourceMessage) => onMessage({ event: m.event, data: m.data, id: m.id }),
    onError: (error) => {
      // 'unknown-field' and 'invalid-retry' are lines the SSE spec says to ignore; only the cap matters here.
      if (error.type === 'max-buffer-size-exceeded') overflowed = true;
    },
    maxBufferSize: maxPendingChars,
  });
  // Streaming decode: a multi-byte character split across chunks is joined, not replaced (as eventsource does).
  const decoder = new TextDecoder();
  return {
    push(chunk) {
      if (overflowed) return false;
      parser.feed(decoder.decode(chunk, { stream: true }));
      return !overflowed;
    },
  };
}
