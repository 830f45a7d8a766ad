// `push-relay events [--pending] [--consumer C] [--topic T] [--limit N] [--ack] [--receipts] [--json]`.
import { neutralizeText } from '../protocol/untrusted-text.js';
import { eventReceiptsPath, LOCAL_API, localApiPath, type ApiEvent, type ApiReceipt, type EventsResponse, type PendingResponse, type ReceiptsResponse } from '../protocol/local-api.js';
import { intOption, parse } from './args.js';
import { callRelay, HOME_OPTION, printJson } from './relay-connection.js';

/** Receipt requests in flight at once (one per listed event, on loopback). */
const RECEIPT_FETCHES = 16;

export async function run(argv: string[]): Promise<void> {
  const { values } = parse(
    argv,
    {
      ...HOME_OPTION,
      pending: { type: 'boolean' },
      consumer: { type: 'string' },
      topic: { type: 'string' },
      limit: { type: 'string' },
      ack: { type: 'boolean' },
      receipts: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    'push-relay events [--pending [--consumer C] [--ack]] [--topic T] [--limit N] [--receipts] [--json] [--home DIR]',
  );
  const topic = values.topic || undefined;
  const limit = intOption('limit', values.limit, { min: 1, max: 1000 }) || undefined;
  let events: ApiEvent[];
  let footer = '';
  if (values.pending || values.consumer || values.ack) {
    const path = localApiPath(LOCAL_API.pending, { topic, limit, consumer: values.consumer || undefined, ack: values.ack || undefined });
    const r = await callRelay<PendingResponse>(values.home, path);
    events = r.events;
    footer = `${r.events.length} shown${values.ack ? ' and acked' : ''}, ${r.pending} more pending for ${r.consumer}`;
  } else {
    events = (await callRelay<EventsResponse>(values.home, localApiPath(LOCAL_API.events, { topic, limit }))).events.reverse();
  }
  // Asked after the listing: an `--ack` listing's own receipt (via http) is among them.
  const receipts = values.receipts ? await fetchReceipts(values.home, events) : undefined;
  if (values.json) return printJson(receipts ? events.map((e) => ({ ...e, receipts: receipts.get(e.seq) ?? null })) : events);
  for (const e of events) {
    process.stdout.write(`${eventLine(e)}\n`);
    const r = receipts?.get(e.seq);
    if (receipts) for (const line of receiptLines(r)) process.stdout.write(`    ${line}\n`);
  }
  if (footer) process.stdout.write(`${footer}\n`);
  else if (events.length === 0) process.stdout.write('no events yet\n');
}

/** The receipts of each event by seq; an event dropped by retention meanwhile has none (undefined). */
async function fetchReceipts(home: string | undefined, events: readonly ApiEvent[]): Promise<Map<number, ReceiptsResponse>> {
  const found = new Map<number, ReceiptsResponse>();
  for (let i = 0; i < events.length; i += RECEIPT_FETCHES) {
    const batch = events.slice(i, i + RECEIPT_FETCHES);
    const answers = await Promise.all(batch.map((e) => callRelay<ReceiptsResponse>(home, eventReceiptsPath(e.seq)).catch(() => undefined)));
    for (const r of answers) if (r) found.set(r.seq, r);
  }
  return found;
}

/** The lines under an event: one per receipt, oldest first, then the overflow; "not seen" when none. */
export function receiptLines(r: ReceiptsResponse | undefined): string[] {
  if (!r) return ['receipts: gone (dropped by retention)'];
  if (r.receipts.length === 0 && r.overflow === 0) return ['receipts: none (no agent took it, no popup showed it)'];
  const lines = r.receipts.map(receiptLine);
  if (r.overflow > 0) lines.push(`+${r.overflow} more receipts not kept (per-event cap)`);
  return lines;
}

/** One receipt, one line: names come from callers of the local API, so they are neutralized like server text. */
export function receiptLine(r: ApiReceipt): string {
  const parts = [`${neutralizeText(r.at, 40)}`, neutralizeText(r.via, 40)];
  if (r.consumer !== null) parts.push(`consumer=${neutralizeText(r.consumer, 200)}`);
  if (r.session !== null) parts.push(`session=${neutralizeText(r.session, 200)}`);
  if (r.acked_at !== null) parts.push(`acked=${neutralizeText(r.acked_at, 40)}`);
  return `↳ ${parts.join('  ')}`;
}

/**
 * One line per event, whatever the server put in it: every field is neutralized (a newline in a topic
 * cannot start a line of its own, so no fake end-of-data marker), clipped, and the payload stays JSON.
 */
export function eventLine(e: ApiEvent): string {
  return [neutralizeText(e.occurred_at, 40), `#${neutralizeText(e.event_id, 24)}`, neutralizeText(e.topic, 200), neutralizeText(JSON.stringify(e.payload), 2000)].join('  ');
}
