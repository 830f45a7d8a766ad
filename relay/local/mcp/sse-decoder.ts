// A small Server-Sent Events decoder (WHATWG HTML "event stream interpretation") for reading the relay's own
// `/v1/stream`: feed it text chunks, get whole messages back. Pure: no I/O (STYLE.md "Pure codec, then
// stateful client"). Comments, `retry:` and unknown fields are ignored; an empty `data` dispatches nothing.
export interface SseMessage {
  event: string;
  data: string;
  id: string | undefined;
}

export class SseDecoder {
  #buffer = '';
  #event = '';
  #data: string[] = [];
  #id: string | undefined;

  /** Decodes a chunk; returns the messages it completed. */
  feed(chunk: string): SseMessage[] {
    this.#buffer += chunk;
    const out: SseMessage[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.#buffer);
      // A lone \r at the end may be the first half of \r\n: wait for the next chunk.
      if (!match || (match[0] === '\r' && match.index === this.#buffer.length - 1)) break;
      const line = this.#buffer.slice(0, match.index);
      this.#buffer = this.#buffer.slice(match.index + match[0].length);
      const message = this.#line(line);
      if (message) out.push(message);
    }
    return out;
  }

  #line(line: string): SseMessage | undefined {
    if (line === '') {
      const message = this.#data.length > 0 ? { event: this.#event || 'message', data: this.#data.join('\n'), id: this.#id } : undefined;
      this.#event = '';
      this.#data = [];
      return message;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.#event = value;
    else if (field === 'data') this.#data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.#id = value;
    return undefined;
  }
}
