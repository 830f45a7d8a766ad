// `push-relay subscribe --topic T… [--filter JSON] [--label L]`: relayed to the push server's control plane.
import type { SubscriptionRow } from '../protocol/frames.js';
import { neutralizeText } from '../protocol/untrusted-text.js';
import { LOCAL_API } from '../protocol/local-api.js';
import { parse } from './args.js';
import { UsageError } from './errors.js';
import { callRelay, HOME_OPTION, printJson } from './relay-connection.js';

const USAGE = 'push-relay subscribe --topic T [--topic T2 …] [--filter JSON] [--label L] [--json] [--home DIR]';

export async function run(argv: string[]): Promise<void> {
  const { values } = parse(
    argv,
    { ...HOME_OPTION, topic: { type: 'string', multiple: true }, filter: { type: 'string' }, label: { type: 'string' }, json: { type: 'boolean' } },
    USAGE,
  );
  if (!values.topic?.length) throw new UsageError(`give at least one --topic, e.g. --topic "deal.*"\nusage: ${USAGE}`);
  let filter: unknown;
  if (values.filter !== undefined) {
    try {
      filter = JSON.parse(values.filter);
    } catch {
      throw new UsageError(`--filter must be a JSON object, e.g. '{"amount_gte": 100000}'`);
    }
  }
  const row = await callRelay<SubscriptionRow>(values.home, LOCAL_API.subscriptions, {
    body: { topic: values.topic, ...(filter === undefined ? {} : { filter }), ...(values.label ? { client_label: values.label } : {}) },
  });
  if (values.json) return printJson(row);
  // The row is the server's answer: neutralized and clipped like every server text.
  process.stdout.write(`subscribed ${neutralizeText(row.subscription_id, 80)} to ${neutralizeText(row.topic_patterns.join(', '), 400)}\n`);
}
