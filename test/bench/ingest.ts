// Durable ingest: FileInbox.append in batches (as the upstream stream batches frames) against a raw loop that
// writes the same bytes and fsyncs once per batch — the floor this machine's disk sets.
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileInbox } from '../../relay/inbox/file-inbox.js';
import type { IncomingEvent } from '../../relay/inbox/types.js';
import type { BenchRow } from './stats.js';

const SOURCE = { server: 'http://127.0.0.1:1', tenant: 'bench' };

/** Events shaped like the CRM demo's (~400 bytes each on disk); shared with the daemon bench's prefill. */
export function makeEvents(n: number, offset: number, source: IncomingEvent['source'] = SOURCE): IncomingEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    source,
    subscription_id: 'sub-1',
    event: {
      event_id: offset + i + 1,
      topic: 'deal.stage_changed',
      category: 'crm',
      aggregate_type: 'deal',
      aggregate_id: `deal_${offset + i}`,
      actor_id: 'rep@demo',
      correlation_id: null,
      occurred_at: new Date().toISOString(),
      payload: { deal_id: `deal_${offset + i}`, account_id: 'acc_acme', amount: 50000, old_stage: 'Proposal', new_stage: 'Negotiation' },
    },
  }));
}

async function ingest(dir: string, total: number, batch: number, window: number): Promise<number> {
  const inbox = await FileInbox.open({ dir, retention: { maxEvents: total * 2 } });
  const batches = Array.from({ length: total / batch }, (_, i) => makeEvents(batch, i * batch));
  const inFlight = new Set<Promise<unknown>>();
  const t0 = performance.now();
  for (const b of batches) {
    const p = inbox.append(b).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= window) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const rate = total / ((performance.now() - t0) / 1000);
  if (inbox.stats().events !== total) throw new Error(`ingest bench lost events: ${inbox.stats().events} of ${total}`);
  await inbox.close();
  return rate;
}

export async function benchIngest(total = 50_000, batch = 100): Promise<BenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-ingest-'));
  try {
    // Floor: the same number of bytes per batch, written and fsync'd.
    const sample = makeEvents(batch, 0).map((e) => JSON.stringify({ t: 'ev', ev: { ...e.event, seq: 1 } }) + '\n').join('');
    const fd = openSync(join(dir, 'raw.log'), 'a');
    const t0 = performance.now();
    for (let i = 0; i < total / batch; i++) {
      writeSync(fd, sample);
      fsyncSync(fd);
    }
    const rawRate = total / ((performance.now() - t0) / 1000);
    closeSync(fd);

    // Sequential: each batch awaited before the next (the worst case: no group commit can help).
    const sequential = await ingest(join(dir, 'seq'), total, batch, 1);
    // Pipelined: a few batches in flight, as when frames keep arriving while an fsync runs; the inbox's
    // group commit folds them into fewer fsyncs. This is how the upstream stream feeds it under a burst.
    const pipelined = await ingest(join(dir, 'pipe'), total, batch, 4);
    const row = (name: string, rate: number, goal: string, met: boolean): BenchRow => ({
      figure: name,
      value: rate,
      unit: 'events/s',
      floor: rawRate,
      floorName: `raw append+fsync per ${batch}`,
      ratio: rate / rawRate,
      goal,
      met,
    });
    return [
      row(`durable ingest, batches of ${batch} awaited one by one`, sequential, 'report', true),
      row(`durable ingest, ${batch}-event batches, 4 in flight`, pipelined, '≥ 20,000/s and ≥ 0.5× floor', pipelined >= 20_000 && pipelined / rawRate >= 0.5),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
