// The memory twin of the file inbox (STYLE.md "A memory twin beside each real implementation"): same table,
// consumers, waiters and retention, nothing on disk. Appends are durable the moment they are committed.
import { BaseInbox } from './base-inbox.js';
import { newBatch } from './event-table.js';
import { resolveRetention } from './retention.js';
import { DEFAULT_RETENTION, type AppendResult, type EventSource, type IncomingEvent, type RetentionPolicy } from './types.js';

export interface MemoryInboxOptions {
  retention?: Partial<RetentionPolicy>;
  /** Milliseconds since the epoch; drives `received_at` and age retention. */
  clock?: () => number;
  onListenerError?: (error: unknown) => void;
}

export class MemoryInbox extends BaseInbox {
  constructor(options: MemoryInboxOptions = {}) {
    super({
      retention: resolveRetention(options.retention, DEFAULT_RETENTION),
      clock: options.clock ?? Date.now,
      onListenerError: options.onListenerError,
    });
  }

  append(events: IncomingEvent[]): Promise<AppendResult> {
    try {
      this.assertOpen();
      this.validate(events);
    } catch (error) {
      return Promise.reject(error);
    }
    const batch = newBatch();
    const result = this.table.plan(events, this.receivedAt(), batch);
    this.table.commit(batch);
    this.published(batch, [result]);
    return Promise.resolve(result);
  }

  raiseResumeCursor(source: EventSource, eventId: number): Promise<void> {
    try {
      this.assertOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    this.table.raiseCursor(source, eventId);
    return Promise.resolve();
  }

  compact(): Promise<void> {
    try {
      this.assertOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    this.expire();
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    this.releaseWaiters();
    return Promise.resolve();
  }

  protected persistConsumers(_changed: boolean): Promise<void> {
    return Promise.resolve();
  }
}
