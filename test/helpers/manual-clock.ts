// A Clock whose time moves only when the test says so (relay/util/clock.ts), for backoff arithmetic with real
// I/O around it: fake timers would also freeze the sockets' own timers, this freezes only the code under test.
import type { Clock } from '../../relay/util/clock.js';

export interface ManualClock extends Clock {
  /** Due times of the pending timers, soonest first. */
  pending(): number[];
  /** Moves time to `at` (never backwards), firing every timer due by then in due order. */
  advanceTo(at: number): void;
  /** Moves time to the soonest pending timer and fires it (and any due with it); returns that time. */
  runNext(): number | undefined;
}

export function manualClock(start = 1_000_000): ManualClock {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const due = () => [...timers.entries()].sort(([a, x], [b, y]) => x.at - y.at || a - b);
  const clock: ManualClock = {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++seq;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    pending: () => due().map(([, t]) => t.at),
    advanceTo(at) {
      for (;;) {
        const next = due()[0];
        if (!next || next[1].at > at) break;
        now = Math.max(now, next[1].at);
        timers.delete(next[0]);
        next[1].fn();
      }
      now = Math.max(now, at);
    },
    runNext() {
      const next = due()[0];
      if (!next) return undefined;
      clock.advanceTo(next[1].at);
      return next[1].at;
    },
  };
  return clock;
}
