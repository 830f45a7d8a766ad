// When a `subscription.lag` reconnect may be immediate (pure; the clock's time is passed in).
//
// DESIGN.md "Upstream cursor": on `subscription.lag` the relay reconnects from its durable cursor so that what
// the server dropped is fetched again, and at once, since the server is healthy and only the relay fell
// behind. A server that answers every connection with a lag frame (broken, or hostile: the pace of
// reconnects is the server's to set otherwise) would then get a reconnect per round trip — tens of thousands
// in seconds. So only the first few lag reconnects within a minute are immediate; after that they go through
// the same backoff as a failure, until the minute has passed without that many.

/** Lag reconnects within `LAG_WINDOW_MS` that are still immediate. */
export const LAG_IMMEDIATE_MAX = 3;
export const LAG_WINDOW_MS = 60_000;

export class LagReconnects {
  /** Times of the lag reconnects within the window, oldest first (at most LAG_IMMEDIATE_MAX + 1 kept). */
  readonly #times: number[] = [];

  /** Records a lag reconnect at `now`; returns how many there were within the window, this one included. */
  note(now: number): number {
    while (this.#times.length > 0 && now - this.#times[0]! >= LAG_WINDOW_MS) this.#times.shift();
    this.#times.push(now);
    // Only "more than the limit or not" matters, so the list stays short however fast the lags come.
    if (this.#times.length > LAG_IMMEDIATE_MAX + 1) this.#times.shift();
    return this.#times.length;
  }

  /** Whether a lag reconnect at `now` would go through the backoff (a storm is under way). */
  storming(now: number): boolean {
    return this.#times.filter((t) => now - t < LAG_WINDOW_MS).length > LAG_IMMEDIATE_MAX;
  }
}
