// Claims with leases (DESIGN.md "Consumers"): within one consumer an event is handed to exactly one taker. A
// hand-over claims its events in the same synchronous step that picks them, so a second taker on the same
// consumer skips them; an ack ends the claim for good, a release (the hand-over never reached anyone) or the
// lease running out (the taker died before acking) hands the events back. Claims live in memory only: a
// relay restart releases them all, which at worst hands an unacked event over once more (at least once).

/** Anything that can say whether a seq is to be skipped: an acked set, the claims, or both. */
export interface SeqSkip {
  has(seq: number): boolean;
}

interface Lease {
  timer: ReturnType<typeof setTimeout>;
  seqs: number[];
}

/** setTimeout fires at once for delays above 2^31-1 ms; a longer lease is capped instead. */
const MAX_TIMER_MS = 2_147_483_647;

export class ClaimRegistry {
  /** consumer → seq → the lease holding it. */
  private readonly byConsumer = new Map<string, Map<number, Lease>>();

  /** @param onExpire called with the seqs a lease handed back when it ran out (the inbox wakes waiters with them). */
  constructor(private readonly onExpire: (consumer: string, seqs: number[]) => void) {}

  /** The consumer's claimed seqs, as a skip set for reads. */
  claimed(consumer: string): SeqSkip | undefined {
    const held = this.byConsumer.get(consumer);
    return held && held.size > 0 ? held : undefined;
  }

  /** Claims `seqs` for `leaseMs`; the caller has just read them as unclaimed, in the same synchronous step. */
  claim(consumer: string, seqs: readonly number[], leaseMs: number): void {
    if (seqs.length === 0) return;
    let held = this.byConsumer.get(consumer);
    if (!held) this.byConsumer.set(consumer, (held = new Map()));
    const ms = Math.min(Math.max(1, Number.isFinite(leaseMs) ? leaseMs : 1), MAX_TIMER_MS);
    const lease: Lease = { seqs: [...seqs], timer: undefined as unknown as ReturnType<typeof setTimeout> };
    // The global is looked up per call, so vitest fake timers (installed after import) take effect.
    lease.timer = setTimeout(() => {
      const back = this.drop(consumer, [...lease.seqs], lease);
      if (back.length > 0) this.onExpire(consumer, back);
    }, ms);
    // A lease must not keep a process alive that has nothing else to do.
    lease.timer.unref?.();
    for (const seq of seqs) {
      const before = held.get(seq);
      held.set(seq, lease);
      if (before) this.forget(before, seq);
    }
  }

  /** Ends the claims on `seqs` (acked, or handed back); returns the seqs that were claimed. */
  release(consumer: string, seqs: readonly number[]): number[] {
    return this.drop(consumer, seqs, undefined);
  }

  /** Ends every claim of the consumer at or below `floor` (a cumulative ack covered them). */
  releaseUpTo(consumer: string, floor: number): void {
    const held = this.byConsumer.get(consumer);
    if (!held) return;
    this.drop(consumer, [...held.keys()].filter((seq) => seq <= floor), undefined);
  }

  /** Claimed seqs over all consumers (a leak shows up here). */
  size(): number {
    let n = 0;
    for (const held of this.byConsumer.values()) n += held.size;
    return n;
  }

  /** Ends every claim and its timer (the inbox is closing). */
  clear(): void {
    for (const held of this.byConsumer.values()) for (const lease of new Set(held.values())) clearTimeout(lease.timer);
    this.byConsumer.clear();
  }

  /** Removes `seqs` from the consumer's claims (only those held by `only`, when given). */
  private drop(consumer: string, seqs: readonly number[], only: Lease | undefined): number[] {
    const held = this.byConsumer.get(consumer);
    if (!held) return [];
    const dropped: number[] = [];
    for (const seq of seqs) {
      const lease = held.get(seq);
      if (!lease || (only && lease !== only)) continue;
      held.delete(seq);
      this.forget(lease, seq);
      dropped.push(seq);
    }
    if (held.size === 0) this.byConsumer.delete(consumer);
    return dropped;
  }

  /** A lease left with no seqs stops its timer. */
  private forget(lease: Lease, seq: number): void {
    const i = lease.seqs.indexOf(seq);
    if (i >= 0) lease.seqs.splice(i, 1);
    if (lease.seqs.length === 0) clearTimeout(lease.timer);
  }
}
