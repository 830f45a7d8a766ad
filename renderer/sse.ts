// A Server-Sent Events parser (WHATWG HTML "Interpreting an event stream"), pure: text in, messages out.
// The UI reads /v1/stream with fetch() because EventSource cannot send an Authorization header.

export interface SseMessage {
  event: string;
  data: string;
  id: string | undefined;
}

export interface SseParser {
  /** Feeds decoded text; chunks may split lines, and CRLF pairs, anywhere. */
  feed(chunk: string): void;
  /** Forgets a partial message (call on reconnect). */
  reset(): void;
}

export function createSseParser(onMessage: (message: SseMessage) => void): SseParser {
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let id: string | undefined;
  let lastId: string | undefined;
  let pendingCR = false;

  const dispatch = () => {
    // [spec] "If the data buffer is an empty string, set the data buffer and the event type buffer to the
    // empty string and return." The last event ID persists across messages.
    if (id !== undefined) lastId = id;
    if (data.length > 0) onMessage({ event: event || 'message', data: data.join('\n'), id: lastId });
    data = [];
    event = '';
    id = undefined;
  };

  const line = (text: string) => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return; // comment (keepalive)
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) id = value;
    // `retry` and unknown fields: ignored (reconnects are the caller's policy).
  };

  return {
    feed(chunk) {
      let text = chunk;
      // A CR ended the previous chunk: a LF starting this one belongs to the same line break.
      if (pendingCR && text.startsWith('\n')) text = text.slice(1);
      pendingCR = false;
      buffer += text;
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const c = buffer.charCodeAt(i);
        if (c !== 10 && c !== 13) continue;
        line(buffer.slice(start, i));
        if (c === 13) {
          if (i + 1 === buffer.length) pendingCR = true;
          else if (buffer.charCodeAt(i + 1) === 10) i++;
        }
        start = i + 1;
      }
      buffer = buffer.slice(start);
    },
    reset() {
      buffer = '';
      data = [];
      event = '';
      id = undefined;
      pendingCR = false;
    },
  };
}
