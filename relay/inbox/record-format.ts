// The log's line format, pure (no I/O): `<crc32 of json, 8 hex digits> <json>\n`.
// The CRC catches torn and bit-flipped lines that still happen to parse; the newline marks a complete write.
//
// Record kinds:
//   {"t":"cp","head":N,"cursors":[[server,tenant,event_id,stored_max],…]}  first line of every segment: the
//        head seq, resume cursors and highest stored event_id per source so far, so deleting older segments
//        loses none of them (seqs are never reused, and an event retained out is still refused as a
//        duplicate: source-log.ts "floor"); stored_max is -1 while nothing was stored. Checkpoints written
//        before stored_max existed have three items.
//   {"t":"ev","ev":{…StoredEvent}}   one stored event.
//   {"t":"merge","seq":N,"sub":"…"}  a later frame for stored event N added subscription "…".
//   {"t":"rc","seq":N,"r":{via,at,consumer?,session?}}  a delivery receipt on event N (receipts.ts).
//   {"t":"rk","seq":N,"c":"…","at":"…"}  consumer "…" acked event N: its receipts there are marked acked.
//   {"t":"rx","seq":N}               one more receipt on event N past the per-event cap (counted, not kept).
// Receipts sit in the same log as their events, so they are exactly as crash-safe, and a receipt whose event
// retention dropped is skipped on open like the event itself.
import { crc32 } from 'node:zlib';
import { RECEIPT_KINDS } from '../protocol/local-api.js';
import type { SourceCursor } from './event-table.js';
import type { Receipt, ReceiptChange } from './receipts.js';
import type { StoredEvent } from './types.js';

export type LogRecord =
  | { t: 'cp'; head: number; cursors: [server: string, tenant: string, eventId: number, storedMax?: number][] }
  | { t: 'ev'; ev: StoredEvent }
  | { t: 'merge'; seq: number; sub: string }
  | { t: 'rc'; seq: number; r: Receipt }
  | { t: 'rk'; seq: number; c: string; at: string }
  | { t: 'rx'; seq: number };

export function receiptRecord(change: ReceiptChange): LogRecord {
  switch (change.kind) {
    case 'receipt':
      return { t: 'rc', seq: change.seq, r: change.receipt };
    case 'acked':
      return { t: 'rk', seq: change.seq, c: change.consumer, at: change.at };
    case 'overflow':
      return { t: 'rx', seq: change.seq };
  }
}

/** The receipt change a receipt record stands for (undefined for other records). */
export function receiptChange(record: LogRecord): ReceiptChange | undefined {
  switch (record.t) {
    case 'rc':
      return { kind: 'receipt', seq: record.seq, receipt: record.r };
    case 'rk':
      return { kind: 'acked', seq: record.seq, consumer: record.c, at: record.at };
    case 'rx':
      return { kind: 'overflow', seq: record.seq };
    default:
      return undefined;
  }
}

const NEWLINE = 0x0a;
const SPACE = 0x20;
const CRC_DIGITS = 8;
/** stored_max of a source whose cursor was only raised (a first connect), with no event stored yet. */
const NOTHING_STORED = -1;

export function encodeRecord(record: LogRecord): string {
  const json = JSON.stringify(record);
  return `${crc32(json).toString(16).padStart(CRC_DIGITS, '0')} ${json}\n`;
}

export function checkpointRecord(head: number, cursors: readonly SourceCursor[]): LogRecord {
  return {
    t: 'cp',
    head,
    cursors: cursors.map(({ source, eventId, storedMax }) => [source.server, source.tenant, eventId, storedMax ?? NOTHING_STORED]),
  };
}

export function checkpointCursors(record: Extract<LogRecord, { t: 'cp' }>): SourceCursor[] {
  return record.cursors.map(([server, tenant, eventId, storedMax]) => ({
    source: { server, tenant },
    eventId,
    // A checkpoint from before stored_max existed: its cursor was the dedupe bound then, so it stays one.
    storedMax: storedMax === undefined ? eventId : storedMax === NOTHING_STORED ? undefined : storedMax,
  }));
}

export interface ScanResult {
  /** Byte offset just past the last line whose CRC and JSON were good. */
  goodEnd: number;
  /** Lines that were torn or corrupt (each one counted). */
  corrupt: number;
}

/**
 * Walks the lines of one segment, calling `onRecord` for each intact record. A line without a newline, with
 * a bad CRC, bad JSON or an unknown shape is corrupt: skipped and counted, never fatal.
 *
 * The segment comes in pieces, so opening the log never holds a whole segment in memory: `scan` takes the
 * bytes read so far and consumes the complete lines among them; the caller keeps the rest (a line the read
 * cut) in front of the next piece. `finish` counts what never got its newline as one torn line.
 */
export class SegmentScanner {
  private readonly onRecord: (record: LogRecord) => void;
  /** File offset of the next byte `scan` sees. */
  private offset = 0;
  private goodEnd = 0;
  private corrupt = 0;

  constructor(onRecord: (record: LogRecord) => void) {
    this.onRecord = onRecord;
  }

  /** Scans the complete lines of `buf[0, length)`, the segment's next bytes; returns how many bytes it consumed. */
  scan(buf: Buffer, length: number): number {
    let pos = 0;
    while (pos < length) {
      const nl = buf.indexOf(NEWLINE, pos);
      if (nl === -1 || nl >= length) break;
      const record = decodeLine(buf, pos, nl);
      if (record) {
        this.onRecord(record);
        this.goodEnd = this.offset + nl + 1;
      } else {
        this.corrupt++;
      }
      pos = nl + 1;
    }
    this.offset += pos;
    return pos;
  }

  /** Ends the segment; `unterminated` bytes after the last newline make one torn line. */
  finish(unterminated: number): ScanResult {
    return { goodEnd: this.goodEnd, corrupt: this.corrupt + (unterminated > 0 ? 1 : 0) };
  }
}

export function decodeLine(buf: Buffer, start: number, end: number): LogRecord | undefined {
  if (end - start < CRC_DIGITS + 3 || buf[start + CRC_DIGITS] !== SPACE) return undefined;
  const expected = parseHex(buf, start);
  if (expected < 0) return undefined;
  const body = buf.subarray(start + CRC_DIGITS + 1, end);
  if (crc32(body) !== expected) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  return isRecord(value) ? value : undefined;
}

/** The 8 lowercase hex digits at `start` as an unsigned number, or -1. (No string, no regex: this runs per line.) */
function parseHex(buf: Buffer, start: number): number {
  let value = 0;
  for (let i = start; i < start + CRC_DIGITS; i++) {
    const c = buf[i] as number;
    const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

// Shape checks, not a zod parse: a record passed its CRC, so this only guards against a record from a
// different version, and it runs 100k times on open where a schema parse would copy every event.
function isRecord(value: unknown): value is LogRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  switch (r.t) {
    case 'ev':
      return isStoredEvent(r.ev);
    case 'merge':
      return Number.isSafeInteger(r.seq) && typeof r.sub === 'string';
    case 'rc':
      return Number.isSafeInteger(r.seq) && isReceipt(r.r);
    case 'rk':
      return Number.isSafeInteger(r.seq) && typeof r.c === 'string' && typeof r.at === 'string';
    case 'rx':
      return Number.isSafeInteger(r.seq);
    case 'cp':
      return (
        Number.isSafeInteger(r.head) &&
        Array.isArray(r.cursors) &&
        r.cursors.every(
          (c) =>
            Array.isArray(c) &&
            typeof c[0] === 'string' &&
            typeof c[1] === 'string' &&
            Number.isSafeInteger(c[2]) &&
            (c[3] === undefined || Number.isSafeInteger(c[3])),
        )
      );
    default:
      return false;
  }
}

function isReceipt(value: unknown): value is Receipt {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  const optional = (v: unknown) => v === undefined || typeof v === 'string';
  return (RECEIPT_KINDS as readonly unknown[]).includes(r.via) && typeof r.at === 'string' && optional(r.consumer) && optional(r.session) && optional(r.acked_at);
}

// Only what the inbox itself relies on: anything append accepted must load again.
function isStoredEvent(value: unknown): value is StoredEvent {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  return (
    Number.isSafeInteger(e.seq) &&
    (e.seq as number) > 0 &&
    Number.isSafeInteger(e.event_id) &&
    typeof e.topic === 'string' &&
    typeof e.server === 'string' &&
    typeof e.tenant === 'string' &&
    typeof e.received_at === 'string' &&
    Array.isArray(e.subscription_ids) &&
    e.subscription_ids.every((s) => typeof s === 'string')
  );
}
