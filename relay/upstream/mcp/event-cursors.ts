// Where the Events extension's resume points live between runs (relay/protocol/mcp-events.ts): per subscription
// (upstream, event type, arguments), the server's opaque cursor after the last event the inbox made durable, and
// the ids of the newest events stored, for dedupe after a resume. Two implementations behind one interface (file,
// memory), one contract suite: test/contract/event-cursors.contract.ts.
//
// Why not the inbox's own source cursor: that one is a number (the Pact stream's event id), and the draft's
// cursor is an opaque string. The order of writes keeps the guarantee: an event is durable in the inbox before
// the cursor after it is saved here, so a crash between the two can only resume from an older cursor, and the
// events the server sends again are the newest ones stored, which the upstream finds in the inbox at start
// (relay/upstream/mcp/upstream.ts) and drops as duplicates.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { readTextNoFollow, writeFileAtomicSync } from '../../util/safe-fs.js';

/** Newest event ids kept per subscription for dedupe after a resume. */
export const RECENT_EVENT_IDS = 256;
/** Subscriptions kept at most; the least recently saved go first (a removed upstream's leave in time). */
export const MAX_CURSOR_ENTRIES = 1000;
export const EVENT_CURSORS_FILE = 'mcp-event-cursors.json';

export interface EventCursorState {
  /** The server's cursor to resume from; null = none (start from now). */
  cursor: string | null;
  /** Ids of the newest events stored, oldest first (at most RECENT_EVENT_IDS). */
  recentIds: string[];
}

export interface EventCursorStore {
  load(key: string): EventCursorState | undefined;
  /** Records the state; the file store writes it within `flushMs` (and at `flush`). */
  save(key: string, state: EventCursorState): void;
  /** Writes what is saved and not yet written. */
  flush(): void;
}

/** The key of a subscription: its upstream, type name and arguments (canonical JSON: key order does not matter). */
export function subscriptionKey(upstream: string, name: string, args: Record<string, unknown>): string {
  const digest = createHash('sha256').update(JSON.stringify([upstream, name, canonical(args)])).digest('hex').slice(0, 32);
  return `${upstream}/${digest}`;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** The last `RECENT_EVENT_IDS` of `ids` plus `added`, oldest first, without repeats. */
export function withRecent(ids: readonly string[], added: readonly string[]): string[] {
  const out = [...ids.filter((id) => !added.includes(id)), ...added];
  return out.slice(-RECENT_EVENT_IDS);
}

export class MemoryEventCursorStore implements EventCursorStore {
  readonly #entries = new Map<string, EventCursorState>();

  load(key: string): EventCursorState | undefined {
    const e = this.#entries.get(key);
    return e && { cursor: e.cursor, recentIds: [...e.recentIds] };
  }

  save(key: string, state: EventCursorState): void {
    this.#entries.delete(key);
    this.#entries.set(key, { cursor: state.cursor, recentIds: state.recentIds.slice(-RECENT_EVENT_IDS) });
    while (this.#entries.size > MAX_CURSOR_ENTRIES) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  flush(): void {}
}

interface FileShape {
  version: 1;
  subscriptions: Record<string, { cursor: string | null; recent_ids: string[]; saved_at: string }>;
}

/**
 * One JSON file in the relay home, mode 0600, replaced atomically and never written through a symlink. Saves are
 * written at most every `flushMs` (a burst of events is one write, not one per batch); what a crash loses is
 * only a cursor advance, whose events the dedupe catches (see above).
 */
export class FileEventCursorStore implements EventCursorStore {
  readonly path: string;
  readonly #flushMs: number;
  readonly #log: (line: string) => void;
  #data: FileShape | undefined;
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(home: string, options: { flushMs?: number; log?: (line: string) => void } = {}) {
    this.path = join(home, EVENT_CURSORS_FILE);
    this.#flushMs = options.flushMs ?? 100;
    this.#log = options.log ?? (() => undefined);
  }

  load(key: string): EventCursorState | undefined {
    const e = this.#read().subscriptions[key];
    return e && { cursor: e.cursor, recentIds: [...e.recent_ids] };
  }

  save(key: string, state: EventCursorState): void {
    const subs = this.#read().subscriptions;
    delete subs[key]; // re-inserted last: insertion order is recency
    subs[key] = { cursor: state.cursor, recent_ids: state.recentIds.slice(-RECENT_EVENT_IDS), saved_at: new Date().toISOString() };
    const keys = Object.keys(subs);
    for (const old of keys.slice(0, Math.max(0, keys.length - MAX_CURSOR_ENTRIES))) delete subs[old];
    this.#dirty = true;
    if (!this.#timer) {
      this.#timer = setTimeout(() => this.flush(), this.#flushMs);
      this.#timer.unref();
    }
  }

  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#dirty || !this.#data) return;
    this.#dirty = false;
    try {
      writeFileAtomicSync(this.path, `${JSON.stringify(this.#data)}\n`);
    } catch (err) {
      // Not fatal: the relay resumes from an older cursor next time and drops what it already has.
      this.#log(`event cursors: cannot write ${this.path}: ${(err as Error).message}`);
    }
  }

  #read(): FileShape {
    if (this.#data) return this.#data;
    this.#data = { version: 1, subscriptions: {} };
    let text: string;
    try {
      text = readTextNoFollow(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.#log(`event cursors: cannot read ${this.path} (${(err as Error).message}); starting from now`);
      return this.#data;
    }
    try {
      const parsed = JSON.parse(text) as Partial<FileShape>;
      if (parsed.version !== 1 || typeof parsed.subscriptions !== 'object' || parsed.subscriptions === null) throw new Error('not a version 1 cursor file');
      for (const [key, e] of Object.entries(parsed.subscriptions)) {
        if ((typeof e.cursor === 'string' || e.cursor === null) && Array.isArray(e.recent_ids) && e.recent_ids.every((id) => typeof id === 'string')) {
          this.#data.subscriptions[key] = e;
        }
      }
    } catch (err) {
      this.#log(`event cursors: ${this.path} is unreadable (${(err as Error).message}); Events-extension subscriptions start from now`);
    }
    return this.#data;
  }
}
