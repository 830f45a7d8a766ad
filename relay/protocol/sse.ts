// Encoding of one Server-Sent Events message (WHATWG HTML, "Server-sent events", event stream format).
// The JSON is single-line (JSON.stringify never emits raw newlines), so one `data:` line per frame.
import { sseEventName } from './frames.js';

export function encodeSseFrame(frame: { method: string }, id?: number): string {
  const idLine = id === undefined ? '' : `id: ${id}\n`;
  return `${idLine}event: ${sseEventName(frame.method)}\ndata: ${JSON.stringify(frame)}\n\n`;
}
