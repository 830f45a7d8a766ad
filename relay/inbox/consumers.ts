// Consumer bookkeeping shared by both inboxes: named cursors with an optional topic, created on first use,
// moved only forward. Persistence is the caller's business; this only says whether something changed.
import { z } from 'zod';
import { InboxError } from './errors.js';
import { DEFAULT_CONSUMER, type ConsumerOptions } from './types.js';

export interface ConsumerRecord {
  topic: string | undefined;
  cursor: number;
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
    z.object({ topic: z.string().optional(), cursor: z.number().int().nonnegative() }),
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
  constructor(saved?: ConsumersFile) {
    for (const [name, { topic, cursor }] of Object.entries(saved?.consumers ?? {})) this.consumers.set(name, { topic, cursor });
    if (!this.consumers.has(DEFAULT_CONSUMER)) this.consumers.set(DEFAULT_CONSUMER, { topic: undefined, cursor: 0 });
  }

  get(name: string): ConsumerRecord | undefined {
    return this.consumers.get(name);
  }

  entries(): [string, ConsumerRecord][] {
    return [...this.consumers];
  }

  /** Returns the consumer, creating it if new; a topic given for an existing consumer replaces its topic. */
  ensure(name: string, options: ConsumerOptions | undefined, at: StartPositions): { record: ConsumerRecord; changed: boolean } {
    checkName(name);
    const existing = this.consumers.get(name);
    if (existing) {
      if (options?.topic === undefined || options.topic === existing.topic) return { record: existing, changed: false };
      existing.topic = options.topic;
      return { record: existing, changed: true };
    }
    const record: ConsumerRecord = {
      topic: options?.topic,
      cursor: options?.startAt === 'earliest' ? at.earliest : at.head,
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

  toFile(): ConsumersFile {
    const consumers: ConsumersFile['consumers'] = {};
    for (const [name, { topic, cursor }] of this.consumers) consumers[name] = topic === undefined ? { cursor } : { topic, cursor };
    return { version: 1, consumers };
  }
}

function checkName(name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw new InboxError('inbox_invalid_argument', `A consumer name is 1–${MAX_NAME_LENGTH} characters; got ${JSON.stringify(name)}.`);
  }
}
