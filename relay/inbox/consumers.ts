// Consumer bookkeeping shared by both inboxes: named cursors with an optional topic, created on first use,
// moved only forward. Persistence is the caller's business; this only says whether something changed.
import { z } from 'zod';
import { InboxError } from './errors.js';
import { DEFAULT_CONSUMER, type ConsumerOptions } from './types.js';

export interface ConsumerRecord {
  topic: string | undefined;
  /** Every event of this consumer with seq <= cursor is acked (the ack floor). */
  cursor: number;
  /**
   * Events above the floor acked one by one: a topic-filtered read (`wait_for_event(topic="deal.*")`) acks what
   * it returned without swallowing the older events of other topics it did not show. The floor catches up
   * over them as soon as the gap below is acked (see `settle`).
   */
  acked?: Set<number>;
  /** When it was last created, read, waited on or acked (ms since the epoch): session consumers expire by it. */
  usedAt: number;
}

/** Where a new consumer may start: the inbox's head, and the seq just before its oldest retained event. */
export interface StartPositions {
  head: number;
  earliest: number;
}

export const ConsumersFileSchema = z.object({
  version: z.literal(1),
  consumers: z.record(
    z.string().min(1),
    z.object({
      topic: z.string().optional(),
      cursor: z.number().int().nonnegative(),
      acked: z.array(z.number().int().positive()).optional(),
      /** ms since the epoch; absent in files written before consumers expired (then: the time of loading). */
      used_at: z.number().int().nonnegative().optional(),
    }),
  ),
});
export type ConsumersFile = z.infer<typeof ConsumersFileSchema>;

const MAX_NAME_LENGTH = 256;

export class ConsumerRegistry {
  private readonly consumers = new Map<string, ConsumerRecord>();

  /**
   * The default consumer exists from the first start at seq 0, so the Claude Code hooks see everything the
   * relay ever received (DESIGN.md "Consumers"), unlike later consumers that start at the head.
   */
  constructor(saved?: ConsumersFile, now = 0) {
    for (const [name, { topic, cursor, acked, used_at: usedAt }] of Object.entries(saved?.consumers ?? {})) {
      this.consumers.set(name, { topic, cursor, usedAt: usedAt ?? now, ...(acked?.length ? { acked: new Set(acked.filter((s) => s > cursor)) } : {}) });
    }
    if (!this.consumers.has(DEFAULT_CONSUMER)) this.consumers.set(DEFAULT_CONSUMER, { topic: undefined, cursor: 0, usedAt: now });
  }

  get(name: string): ConsumerRecord | undefined {
    return this.consumers.get(name);
  }

  entries(): [string, ConsumerRecord][] {
    return [...this.consumers];
  }

  /**
   * Returns the consumer, creating it if new; a topic given for an existing consumer replaces its topic. Marks
   * it used at `now` (saved with the next change: a use alone is not worth a write).
   */
  ensure(name: string, options: ConsumerOptions | undefined, at: StartPositions, now: number): { record: ConsumerRecord; changed: boolean } {
    checkName(name);
    const existing = this.consumers.get(name);
    if (existing) {
      existing.usedAt = now;
      if (options?.topic === undefined || options.topic === existing.topic) return { record: existing, changed: false };
      existing.topic = options.topic;
      return { record: existing, changed: true };
    }
    const record: ConsumerRecord = {
      topic: options?.topic,
      cursor: options?.startAt === 'earliest' ? at.earliest : at.head,
      usedAt: now,
    };
    this.consumers.set(name, record);
    return { record, changed: true };
  }

  /** Moves the cursor to `upToSeq`, never backward and never past `head` (nothing exists there yet to ack). */
  ack(record: ConsumerRecord, upToSeq: number, head: number): boolean {
    if (!Number.isSafeInteger(upToSeq)) {
      throw new InboxError('inbox_invalid_argument', `ack needs an integer seq; got ${String(upToSeq)}.`);
    }
    const next = Math.min(Math.max(record.cursor, upToSeq), Math.max(head, record.cursor));
    if (next === record.cursor) return false;
    record.cursor = next;
    return true;
  }

  /** Marks single events acked (only seqs above the floor and at most `head`); returns whether anything changed. */
  ackEach(record: ConsumerRecord, seqs: readonly number[], head: number): boolean {
    let changed = false;
    for (const seq of seqs) {
      if (!Number.isSafeInteger(seq)) throw new InboxError('inbox_invalid_argument', `ack needs integer seqs; got ${String(seq)}.`);
      if (seq <= record.cursor || seq > head || record.acked?.has(seq)) continue;
      (record.acked ??= new Set()).add(seq);
      changed = true;
    }
    return changed;
  }

  /**
   * Raises the floor over every event that is acked or not this consumer's, up to the first one still pending
   * (`firstPending` finds it), and forgets single acks at or below the floor. Returns whether the floor moved.
   */
  settle(record: ConsumerRecord, head: number, firstPending: (cursor: number, acked: ReadonlySet<number>) => number | undefined): boolean {
    const before = record.cursor;
    if (record.acked?.size) {
      const blocker = firstPending(record.cursor, record.acked);
      record.cursor = Math.max(record.cursor, blocker === undefined ? head : blocker - 1);
      for (const seq of record.acked) if (seq <= record.cursor) record.acked.delete(seq);
      if (record.acked.size === 0) delete record.acked;
    }
    return record.cursor !== before;
  }

  anyUnused(prefix: string, cutoff: number): boolean {
    for (const [name, record] of this.consumers) if (record.usedAt < cutoff && name.startsWith(prefix)) return true;
    return false;
  }

  /** Forgets the consumers named `prefix…` unused since before `cutoff`, except `keep`; returns their names. */
  dropUnused(prefix: string, cutoff: number, keep: (name: string) => boolean): string[] {
    const dropped: string[] = [];
    for (const [name, record] of this.consumers) {
      if (name.startsWith(prefix) && record.usedAt < cutoff && !keep(name)) {
        this.consumers.delete(name);
        dropped.push(name);
      }
    }
    return dropped;
  }

  toFile(): ConsumersFile {
    const consumers: ConsumersFile['consumers'] = {};
    for (const [name, { topic, cursor, acked, usedAt }] of this.consumers) {
      consumers[name] = {
        ...(topic === undefined ? {} : { topic }),
        cursor,
        ...(acked?.size ? { acked: [...acked].sort((a, b) => a - b) } : {}),
        used_at: usedAt,
      };
    }
    return { version: 1, consumers };
  }
}

function checkName(name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw new InboxError('inbox_invalid_argument', `A consumer name is 1–${MAX_NAME_LENGTH} characters; got ${JSON.stringify(name)}.`);
  }
}
