// Time and timers, injected (STYLE.md "Inject the I/O … We add an injectable clock too"), so backoff, the
// watchdog, notification bursts, pauses and quiet hours are tested with fake timers, never with sleeps.

export interface Clock {
  /** Milliseconds since the epoch (wall clock: a pause "until 08:00" must hold across laptop sleep). */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock. With `unref`, its timers never keep the process alive on their own. */
export function realClock(options: { unref?: boolean } = {}): Clock {
  return {
    now: () => Date.now(),
    setTimeout: (fn, ms) => {
      const t = setTimeout(fn, ms);
      if (options.unref) t.unref?.();
      return t;
    },
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}

/** The real clock. A pending timer keeps the process alive, like the connection a reconnect timer replaces. */
export const systemClock: Clock = realClock();

/** The real clock for timers that must never keep a process alive on their own (notification bursts, pauses). */
export const backgroundClock: Clock = realClock({ unref: true });
