// `push-relay events [--pending] [--consumer C] [--topic T] [--limit N] [--ack] [--json]`.
import { neutralizeText } from '../protocol/untrusted-text.js';
import { LOCAL_API, localApiPath, type ApiEvent, type EventsResponse, type PendingResponse } from '../protocol/local-api.js';
import { intOption, parse } from './args.js';
import { callRelay, HOME_OPTION, printJson } from './relay-connection.js';

export async function run(argv: string[]): Promise<void> {
  const { values } = parse(
    argv,
    { ...HOME_OPTION, pending: { type: 'boolean' }, consumer: { type: 'string' }, topic: { type: 'string' }, limit: { type: 'string' }, ack: { type: 'boolean' }, json: { type: 'boolean' } },
    'push-relay events [--pending [--consumer C] [--ack]] [--topic T] [--limit N] [--json] [--home DIR]',
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
  if (values.json) return printJson(events);
  for (const e of events) process.stdout.write(`${eventLine(e)}\n`);
  if (footer) process.stdout.write(`${footer}\n`);
  else if (events.length === 0) process.stdout.write('no events yet\n');
}

/**
 * One line per event, whatever the server put in it: every field is neutralized (a newline in a topic
 * cannot start a line of its own, so no fake end-of-data marker), clipped, and the payload stays JSON.
 */
export function eventLine(e: ApiEvent): string {
  return [neutralizeText(e.occurred_at, 40), `#${neutralizeText(e.event_id, 24)}`, neutralizeText(e.topic, 200), neutralizeText(JSON.stringify(e.payload), 2000)].join('  ');
}
