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

  // async: a closed inbox or bad input rejects instead of throwing, as in the file inbox.
  async append(events: IncomingEvent[]): Promise<AppendResult> {
    this.assertOpen();
    this.validate(events);
    const batch = newBatch();
    const result = this.table.plan(events, this.receivedAt(), batch);
    this.table.commit(batch);
    this.published(batch, [result]);
    return result;
  }

  async raiseResumeCursor(source: EventSource, eventId: number): Promise<void> {
    this.assertOpen();
    this.table.raiseCursor(source, eventId);
  }

  async compact(): Promise<void> {
    this.assertOpen();
    this.expire();
  }

  close(): Promise<void> {
    this.closed = true;
    this.releaseWaiters();
    return Promise.resolve();
  }

  protected persistConsumers(_changed: boolean): Promise<void> {
    return Promise.resolve();
  }

  protected persistReceipts(): Promise<void> {
    return Promise.resolve();
  }
}
