// Reconnect delays (pure: the random source and the clock are injected).
//
// Exponential growth from ~0.5 s to a 60 s cap, jittered so that many relays cut off by the same outage do
// not come back in lockstep (AWS Architecture Blog, "Exponential Backoff And Jitter": full and decorrelated
// jitter). Decorrelated is the default: it never goes below the base, so a flapping server is not hammered
// with near-zero delays, and it still spreads clients out.
//
// A connection that stayed open for a while, or delivered an event, proves the server healthy: the next
// failure starts from the base again. `Retry-After` (RFC 9110 §10.2.3: delay-seconds or an HTTP-date) is
// honoured on 429 and 503 by waiting the larger of it and the backoff, capped so a hostile or broken server
// cannot park the relay for days.

export type JitterStrategy = 'full' | 'decorrelated';

export interface BackoffOptions {
  /** First delay (decorrelated: the floor of every delay). Default 500 ms. */
  baseMs: number;
  /** Largest backoff delay. Default 60 s. */
  capMs: number;
  jitter: JitterStrategy;
  /** A connection open at least this long resets the backoff. Default 30 s. */
  resetAfterMs: number;
  /** Largest delay a Retry-After may impose. Default 10 min. */
  retryAfterCapMs: number;
  /** Uniform in [0, 1). Default Math.random. */
  random: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  baseMs: 500,
  capMs: 60_000,
  jitter: 'decorrelated',
  resetAfterMs: 30_000,
  retryAfterCapMs: 10 * 60_000,
  random: Math.random,
};

/** What a failed or closed connection tells the backoff. */
export interface ConnectionOutcome {
  /** How long the stream was open (0 when it never opened). */
  openForMs: number;
  /** Whether it delivered at least one event. */
  deliveredEvent: boolean;
}

export class Backoff {
  readonly options: BackoffOptions;
  #attempt = 0;
  /** The previous delay (decorrelated jitter grows from it). */
  #previous: number;

  constructor(options: Partial<BackoffOptions> = {}) {
    this.options = { ...DEFAULT_BACKOFF, ...definedOnly(options) };
    const { baseMs, capMs } = this.options;
    if (!(baseMs > 0) || !(capMs >= baseMs)) {
      throw new RangeError(`backoff needs 0 < baseMs <= capMs (got baseMs ${baseMs}, capMs ${capMs})`);
    }
    this.#previous = baseMs;
  }

  /** Failures since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  reset(): void {
    this.#attempt = 0;
    this.#previous = this.options.baseMs;
  }

  /** Resets when the connection that just ended proved the server healthy. Returns whether it did. */
  settle(outcome: ConnectionOutcome): boolean {
    if (outcome.deliveredEvent || outcome.openForMs >= this.options.resetAfterMs) {
      this.reset();
      return true;
    }
    return false;
  }

  /** The delay before the next attempt; counts one failure. */
  next(): number {
    const { baseMs, capMs, jitter, random } = this.options;
    const r = clamp01(random());
    let delay: number;
    if (jitter === 'full') {
      // full jitter: uniform in [0, min(cap, base·2^attempt)]
      const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(this.#attempt, 52));
      delay = r * ceiling;
    } else {
      // decorrelated jitter: uniform in [base, min(cap, previous·3)]
      const ceiling = Math.min(capMs, this.#previous * 3);
      delay = baseMs + r * (ceiling - baseMs);
    }
    delay = Math.min(capMs, Math.max(0, Math.round(delay)));
    this.#previous = Math.max(baseMs, delay);
    this.#attempt++;
    return delay;
  }

  /**
   * The delay after a refused attempt: the backoff, or the server's Retry-After when that is longer (429 and
   * 503 only, as RFC 9110 defines it for them), never more than `retryAfterCapMs`.
   */
  nextAfter(response: { status?: number; retryAfter?: string | null }, nowMs: number): { delayMs: number; retryAfterMs: number | undefined } {
    const delay = this.next();
    const honours = response.status === 429 || response.status === 503;
    const retryAfterMs = honours ? parseRetryAfter(response.retryAfter, nowMs) : undefined;
    if (retryAfterMs === undefined) return { delayMs: delay, retryAfterMs };
    return { delayMs: Math.min(this.options.retryAfterCapMs, Math.max(delay, retryAfterMs)), retryAfterMs };
  }
}

/**
 * `Retry-After` in milliseconds from `nowMs`: delay-seconds (`120`) or an HTTP-date
 * (`Wed, 21 Oct 2015 07:28:00 GMT`); a date in the past is 0. Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Otherwise an HTTP-date: Date.parse reads IMF-fixdate and the obsolete RFC 850 and asctime forms. A bare
  // number with a sign or a fraction is neither, and Date.parse would guess a year from it.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

function clamp01(x: number): number {
  if (!Number.isFinite(x) || x < 0) return 0;
  return x >= 1 ? 1 - Number.EPSILON : x;
}

function definedOnly<T extends object>(o: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
