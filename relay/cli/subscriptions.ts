// `push-relay subscriptions [--all] [--json]`: what this relay's client_id is subscribed to upstream.
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
    const filter = s.filter && Object.keys(s.filter).length > 0 ? ` filter ${JSON.stringify(s.filter)}` : '';
    const deleted = s.deleted_at ? ' (deleted)' : '';
    process.stdout.write(`${s.subscription_id}  ${s.topic_patterns.join(', ')}${filter}  delivered ${s.events_delivered}${deleted}\n`);
  }
}
