// Delivery receipts, in memory: for each stored event, who it reached and how (relay/protocol/local-api.ts
// RECEIPT_KINDS), so a person can answer "did my agent ever see that event?". Shared by both inboxes; the file
// inbox also writes each change to its log (record-format.ts `rc`/`rk`/`rx`) and replays it here on open.
// Bounded twice: receipts go with their event when retention drops it (`dropBelow`), and each event keeps
// at most MAX_RECEIPTS_PER_EVENT of them (the first ones: they answer "was it ever seen"), counting the rest.
import type { ReceiptKind } from '../protocol/local-api.js';

/** Receipts kept per event; further ones are only counted (`overflow`). */
export const MAX_RECEIPTS_PER_EVENT = 16;
/** Longest consumer or session name a receipt keeps (longer ones are cut, not refused: a receipt never fails a hand-over). */
export const MAX_RECEIPT_NAME = 200;

export interface Receipt {
  via: ReceiptKind;
  /** ISO time of the hand-over or popup. */
  at: string;
  consumer?: string;
  session?: string;
  /** When `consumer` acked the event (only hand-overs have a consumer). */
  acked_at?: string;
}

export interface EventReceipts {
  receipts: Receipt[];
  /** Receipts past the cap, counted and not kept. */
  overflow: number;
}

export interface ReceiptInput {
  via: ReceiptKind;
  consumer?: string | undefined;
  session?: string | undefined;
}

/** What changed, for the file inbox to write: a kept receipt, an overflow, or an ack mark. */
export type ReceiptChange =
  | { kind: 'receipt'; seq: number; receipt: Receipt }
  | { kind: 'overflow'; seq: number }
  | { kind: 'acked'; seq: number; consumer: string; at: string };

export class ReceiptTable {
  private readonly bySeq = new Map<number, EventReceipts>();

  get(seq: number): EventReceipts | undefined {
    return this.bySeq.get(seq);
  }

  /** Adds a receipt (or counts it past the cap); returns what to persist. */
  add(seq: number, input: ReceiptInput, at: string): ReceiptChange {
    const entry = this.entry(seq);
    if (entry.receipts.length >= MAX_RECEIPTS_PER_EVENT) {
      entry.overflow++;
      return { kind: 'overflow', seq };
    }
    const receipt: Receipt = { via: input.via, at };
    const consumer = clip(input.consumer);
    const session = clip(input.session);
    if (consumer !== undefined) receipt.consumer = consumer;
    if (session !== undefined) receipt.session = session;
    entry.receipts.push(receipt);
    return { kind: 'receipt', seq, receipt };
  }

  /** Replays a change from the log (open). */
  load(change: ReceiptChange): void {
    switch (change.kind) {
      case 'receipt': {
        const entry = this.entry(change.seq);
        if (entry.receipts.length >= MAX_RECEIPTS_PER_EVENT) entry.overflow++;
        else entry.receipts.push({ ...change.receipt });
        return;
      }
      case 'overflow':
        this.entry(change.seq).overflow++;
        return;
      case 'acked':
        this.markOne(change.seq, change.consumer, change.at);
        return;
    }
  }

  /**
   * Marks the receipts of `consumer` on the events now acked (the `seqs` acked one by one, and every seq in
   * `(from, to]` the floor moved over) with `at`; returns the ack marks to persist.
   */
  markAcked(consumer: string, seqs: readonly number[], from: number, to: number, at: string): ReceiptChange[] {
    const changes: ReceiptChange[] = [];
    const mark = (seq: number) => {
      if (this.markOne(seq, consumer, at)) changes.push({ kind: 'acked', seq, consumer, at });
    };
    for (const seq of seqs) if (seq <= from || seq > to) mark(seq);
    if (to > from) {
      // Walk whichever is shorter: the range the floor moved over, or the events that have receipts.
      if (to - from <= this.bySeq.size) {
        for (let seq = from + 1; seq <= to; seq++) if (this.bySeq.has(seq)) mark(seq);
      } else {
        for (const seq of [...this.bySeq.keys()].sort((a, b) => a - b)) if (seq > from && seq <= to) mark(seq);
      }
    }
    return changes;
  }

  /** Forgets the receipts of events retention dropped (seq below the oldest one kept). */
  dropBelow(firstAliveSeq: number): void {
    for (const seq of this.bySeq.keys()) if (seq < firstAliveSeq) this.bySeq.delete(seq);
  }

  /** Events with at least one receipt or overflow. */
  get size(): number {
    return this.bySeq.size;
  }

  clear(): void {
    this.bySeq.clear();
  }

  private entry(seq: number): EventReceipts {
    let entry = this.bySeq.get(seq);
    if (!entry) {
      entry = { receipts: [], overflow: 0 };
      this.bySeq.set(seq, entry);
    }
    return entry;
  }

  private markOne(seq: number, consumer: string, at: string): boolean {
    const entry = this.bySeq.get(seq);
    if (!entry) return false;
    let changed = false;
    for (const r of entry.receipts) {
      if (r.consumer === consumer && r.acked_at === undefined) {
        r.acked_at = at;
        changed = true;
      }
    }
    return changed;
  }
}

function clip(name: string | undefined): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return undefined;
  return name.length > MAX_RECEIPT_NAME ? name.slice(0, MAX_RECEIPT_NAME) : name;
}
