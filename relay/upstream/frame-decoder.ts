// Decodes one SSE message of the push channel into a frame (pure, no I/O).
//
// Seed 000: "Each SSE data: frame is one MCP JSON-RPC notification. The SSE event: field carries the method
// name … clients that just parse the JSON envelope can ignore it." So the JSON envelope decides; the SSE
// `event:` name and `id:` are not trusted for routing. Anything that is not one of the four known frames is
// reported as a malformed kind, never thrown: the stream skips it and stays up (DESIGN.md "Failure
// behaviour": malformed frame, unknown method, oversize data → skip, count, log once per kind).
import { METHOD, PushFrameSchema, type PushFrame } from '../protocol/frames.js';
import { nestsDeeperThan } from '../protocol/json-depth.js';
import { MAX_FRAME_BYTES, MAX_FRAME_DEPTH } from '../protocol/limits.js';

export { MAX_FRAME_BYTES, MAX_FRAME_DEPTH };

export const MALFORMED_KINDS = ['oversize', 'invalid_json', 'not_jsonrpc', 'unknown_method', 'invalid_frame'] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

export interface Malformed {
  malformed: MalformedKind;
  /** Short, log-safe description (never the whole data). */
  detail: string;
}

export type DecodeResult = { frame: PushFrame } | Malformed;

const KNOWN_METHODS: ReadonlySet<string> = new Set(Object.values(METHOD));

/** Only the `data:` counts: the SSE `event:` name and `id:` are not trusted for routing (above). */
export function decodeFrame(message: { data: string }, maxBytes = MAX_FRAME_BYTES): DecodeResult {
  const { data } = message;
  // Size first, before JSON.parse spends time and memory on it. A UTF-16 length is a lower bound of the
  // UTF-8 byte length and 3× an upper bound, so the exact count is needed only in between.
  if (data.length > maxBytes || (data.length * 3 > maxBytes && Buffer.byteLength(data, 'utf8') > maxBytes)) {
    return { malformed: 'oversize', detail: `data of ${Buffer.byteLength(data, 'utf8')} bytes exceeds the ${maxBytes}-byte limit` };
  }

  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch (err) {
    // V8's message quotes the input; clip and clean it like the data itself.
    return { malformed: 'invalid_json', detail: `data is not JSON (${printable((err as Error).message, 80)}): ${preview(data)}` };
  }

  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { malformed: 'not_jsonrpc', detail: `data is JSON ${Array.isArray(json) ? 'array' : json === null ? 'null' : typeof json}, not a JSON-RPC notification object` };
  }
  const envelope = json as Record<string, unknown>;
  if (envelope.jsonrpc !== '2.0' || typeof envelope.method !== 'string') {
    return { malformed: 'not_jsonrpc', detail: 'object lacks "jsonrpc":"2.0" and a string "method"' };
  }
  if (!KNOWN_METHODS.has(envelope.method)) {
    return { malformed: 'unknown_method', detail: `unknown method "${preview(envelope.method, 100)}"` };
  }

  if (nestsDeeperThan(data, MAX_FRAME_DEPTH)) {
    return { malformed: 'invalid_frame', detail: `${envelope.method} nests arrays/objects deeper than ${MAX_FRAME_DEPTH} levels` };
  }

  const parsed = PushFrameSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    return { malformed: 'invalid_frame', detail: `${envelope.method} does not match its schema: ${issues}` };
  }
  return { frame: parsed.data };
}

export function isMalformed(result: DecodeResult): result is Malformed {
  return 'malformed' in result;
}

/** Counts malformed frames per kind and says which one is the first of its kind (log once per kind). */
export class MalformedCounter {
  readonly #counts = new Map<MalformedKind, number>();

  /** Counts one; returns true when it is the first of its kind. */
  record(kind: MalformedKind): boolean {
    const n = (this.#counts.get(kind) ?? 0) + 1;
    this.#counts.set(kind, n);
    return n === 1;
  }

  count(kind: MalformedKind): number {
    return this.#counts.get(kind) ?? 0;
  }

  get total(): number {
    let sum = 0;
    for (const n of this.#counts.values()) sum += n;
    return sum;
  }

  /** Every kind with its count (zeros included), JSON-able. */
  snapshot(): Record<MalformedKind, number> {
    return Object.fromEntries(MALFORMED_KINDS.map((k) => [k, this.count(k)])) as Record<MalformedKind, number>;
  }
}

function preview(text: string, max = 60): string {
  return JSON.stringify(printable(text, max));
}

/** At most `max` characters, control characters (binary garbage would garble a log line) as `?`. */
function printable(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.slice(0, max).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return text.length > max ? `${clean}…` : clean;
}
