// `push-relay subscriptions [--all] [--json]`: what this relay's client_id is subscribed to upstream.
import { neutralizeText } from '../protocol/untrusted-text.js';
import { LOCAL_API, localApiPath, type SubscriptionsResponse } from '../protocol/local-api.js';
import { parse } from './args.js';
import { callRelay, HOME_OPTION, printJson } from './relay-connection.js';

export async function run(argv: string[]): Promise<void> {
  const { values } = parse(argv, { ...HOME_OPTION, all: { type: 'boolean' }, json: { type: 'boolean' } }, 'push-relay subscriptions [--all] [--json] [--home DIR]');
  const { subscriptions } = await callRelay<SubscriptionsResponse>(values.home, localApiPath(LOCAL_API.subscriptions, { include_deleted: values.all || undefined }));
  if (values.json) return printJson(subscriptions);
  if (subscriptions.length === 0) {
    process.stdout.write('no subscriptions; add one with `push-relay subscribe --topic "deal.*"`\n');
    return;
  }
  for (const s of subscriptions) {
    // Rows come back from the server: every field neutralized and clipped, one line per subscription.
    const filter = s.filter && Object.keys(s.filter).length > 0 ? ` filter ${neutralizeText(JSON.stringify(s.filter), 400)}` : '';
    const deleted = s.deleted_at ? ' (deleted)' : '';
    const line = `${neutralizeText(s.subscription_id, 80)}  ${neutralizeText(s.topic_patterns.join(', '), 400)}${filter}  delivered ${neutralizeText(s.events_delivered, 20)}${deleted}`;
    process.stdout.write(`${line}\n`);
  }
}
