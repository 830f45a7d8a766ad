// Waiters for `waitForPending`, shared by both inboxes. Appends wake them through `notify` (no polling); each
// waiter leaves the set the moment it settles, whichever way (events, timeout, abort, close), and takes its
// timer and abort listener with it, so thousands of abandoned waits leave nothing behind.
import type { StoredEvent } from './types.js';

export interface WaitRequest {
  /** The consumer waited on: one with a parked waiter never expires. */
  consumer: string;
  /** Cheap test on freshly appended events: could any of them concern this waiter? */
  wants(events: readonly StoredEvent[]): boolean;
  /** The waiter's pending events now; the wait ends when this is non-empty. */
  collect(): StoredEvent[];
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

interface Waiter {
  request: WaitRequest;
  resolve(events: StoredEvent[]): void;
  timer: ReturnType<typeof setTimeout> | undefined;
  onAbort: (() => void) | undefined;
}

/** setTimeout fires at once for delays above 2^31-1 ms; a longer wait is capped instead. */
const MAX_TIMER_MS = 2_147_483_647;

export class WaiterRegistry {
  // A Set: deleting one waiter is O(1), so releasing n waiters is O(n), not O(n²).
  private readonly waiting = new Set<Waiter>();

  get size(): number {
    return this.waiting.size;
  }

  /** Waits for `collect()` to become non-empty; the caller has already checked it is empty now. */
  wait(request: WaitRequest): Promise<StoredEvent[]> {
    const { signal } = request;
    if (signal?.aborted) return Promise.resolve([]);
    const timeoutMs = Math.min(Math.max(0, Number.isFinite(request.timeoutMs) ? request.timeoutMs : 0), MAX_TIMER_MS);
    if (timeoutMs === 0) return Promise.resolve([]);
    return new Promise((resolve) => {
      const waiter: Waiter = { request, resolve, timer: undefined, onAbort: undefined };
      this.waiting.add(waiter);
      // The global is looked up per call, so vitest fake timers (installed after import) take effect.
      waiter.timer = setTimeout(() => this.settle(waiter, []), timeoutMs);
      if (signal) {
        waiter.onAbort = () => this.settle(waiter, []);
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
    });
  }

  /** The consumers that have a waiter parked right now. */
  consumers(): Set<string> {
    const names = new Set<string>();
    for (const waiter of this.waiting) names.add(waiter.request.consumer);
    return names;
  }

  /**
   * Called after an append made `events` visible (or claims on them ended: then only `consumer`'s waiters).
   * Waiters collect one after another in this synchronous loop, so a waiter that claims what it collects has
   * taken it before the next one looks: concurrent takers on one consumer never get the same event.
   */
  notify(events: readonly StoredEvent[], consumer?: string): void {
    if (events.length === 0 || this.waiting.size === 0) return;
    // Deleting the current element while iterating a Set is safe; settled waiters are skipped.
    for (const waiter of this.waiting) {
      if (consumer !== undefined && waiter.request.consumer !== consumer) continue;
      if (!waiter.request.wants(events)) continue;
      const pending = waiter.request.collect();
      if (pending.length > 0) this.settle(waiter, pending);
    }
  }

  /** Ends every wait with [] (the inbox is closing). */
  releaseAll(): void {
    for (const waiter of this.waiting) this.settle(waiter, []);
  }

  private settle(waiter: Waiter, events: StoredEvent[]): void {
    if (!this.waiting.delete(waiter)) return;
    if (waiter.timer !== undefined) clearTimeout(waiter.timer);
    if (waiter.onAbort) waiter.request.signal?.removeEventListener('abort', waiter.onAbort);
    waiter.resolve(events);
  }
}
