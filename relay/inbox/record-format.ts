// The log's line format, pure (no I/O): `<crc32 of json, 8 hex digits> <json>\n`.
// The CRC catches torn and bit-flipped lines that still happen to parse; the newline marks a complete write.
//
// Record kinds:
//   {"t":"cp","head":N,"cursors":[[server,tenant,event_id],…]}  first line of every segment: the head seq and
//        resume cursors so far, so deleting older segments loses neither (seqs are never reused, and an event
//        retained out is still refused as a duplicate).
//   {"t":"ev","ev":{…StoredEvent}}   one stored event.
//   {"t":"merge","seq":N,"sub":"…"}  a later frame for stored event N added subscription "…".
import { crc32 } from 'node:zlib';
import type { SourceCursor } from './event-table.js';
import type { StoredEvent } from './types.js';

export type LogRecord =
  | { t: 'cp'; head: number; cursors: [server: string, tenant: string, eventId: number][] }
  | { t: 'ev'; ev: StoredEvent }
  | { t: 'merge'; seq: number; sub: string };

const NEWLINE = 0x0a;
const SPACE = 0x20;
const CRC_DIGITS = 8;

export function encodeRecord(record: LogRecord): string {
  const json = JSON.stringify(record);
  return `${crc32(json).toString(16).padStart(CRC_DIGITS, '0')} ${json}\n`;
}

export function checkpointRecord(head: number, cursors: readonly SourceCursor[]): LogRecord {
  return { t: 'cp', head, cursors: cursors.map(({ source, eventId }) => [source.server, source.tenant, eventId]) };
}

export function checkpointCursors(record: Extract<LogRecord, { t: 'cp' }>): SourceCursor[] {
  return record.cursors.map(([server, tenant, eventId]) => ({ source: { server, tenant }, eventId }));
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
 */
export function scanSegment(buf: Buffer, onRecord: (record: LogRecord) => void): ScanResult {
  let pos = 0;
  let goodEnd = 0;
  let corrupt = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(NEWLINE, pos);
    const end = nl === -1 ? buf.length : nl;
    const record = nl === -1 ? undefined : decodeLine(buf, pos, end);
    if (record) {
      onRecord(record);
      goodEnd = end + 1;
    } else {
      corrupt++;
    }
    pos = end + 1;
  }
  return { goodEnd, corrupt };
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
    case 'cp':
      return (
        Number.isSafeInteger(r.head) &&
        Array.isArray(r.cursors) &&
        r.cursors.every((c) => Array.isArray(c) && typeof c[0] === 'string' && typeof c[1] === 'string' && Number.isSafeInteger(c[2]))
      );
    default:
      return false;
  }
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
