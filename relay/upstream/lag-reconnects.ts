// When a `subscription.lag` reconnect may be immediate (pure; the clock's time is passed in).
//
// DESIGN.md "Upstream cursor": on `subscription.lag` the relay reconnects from its durable cursor so that what
// the server dropped is fetched again, and at once, since the server is healthy and only the relay fell
// behind. A server that answers every connection with a lag frame (broken, or hostile: the pace of
// reconnects is the server's to set otherwise) would then get a reconnect per round trip — tens of thousands
// in seconds. So only the first few lag reconnects within a minute are immediate; after that they go through
// the same backoff as a failure, and keep doing so until a minute passes without a lag (else, once the
// backoff's delays grew to tens of seconds, the minute would hold few lags and let a burst through again).

/** Lag reconnects within `LAG_WINDOW_MS` that are still immediate. */
export const LAG_IMMEDIATE_MAX = 3;
export const LAG_WINDOW_MS = 60_000;

export class LagReconnects {
  /** Times of the latest lag reconnects, oldest first (at most LAG_IMMEDIATE_MAX + 1 kept). */
  readonly #times: number[] = [];
  #storm = false;

  /** Records a lag reconnect at `now`; returns whether it must wait out the backoff (a storm is under way). */
  note(now: number): boolean {
    if (!this.storming(now)) this.#storm = false;
    while (this.#times.length > 0 && now - this.#times[0]! >= LAG_WINDOW_MS) this.#times.shift();
    this.#times.push(now);
    // Only "more than the limit or not" matters, so the list stays short however fast the lags come.
    if (this.#times.length > LAG_IMMEDIATE_MAX + 1) this.#times.shift();
    if (this.#times.length > LAG_IMMEDIATE_MAX) this.#storm = true;
    return this.#storm;
  }

  /** Lag reconnects within the minute before `now` (counting stops past LAG_IMMEDIATE_MAX + 1). */
  recent(now: number): number {
    return this.#times.filter((t) => now - t < LAG_WINDOW_MS).length;
  }

  /** Whether a storm is under way: it began, and a minute without a lag has not passed since. */
  storming(now: number): boolean {
    const last = this.#times.at(-1);
    return this.#storm && last !== undefined && now - last < LAG_WINDOW_MS;
  }
}
