// `push-relay unsubscribe ID`.
import { subscriptionPath } from '../protocol/local-api.js';
import { parse } from './args.js';
import { UsageError } from './errors.js';
import { callRelay, HOME_OPTION } from './relay-connection.js';

export async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { ...HOME_OPTION }, 'push-relay unsubscribe ID [--home DIR]');
  const [id] = positionals;
  if (!id || positionals.length > 1) throw new UsageError('give one subscription id; `push-relay subscriptions` lists them');
  await callRelay(values.home, subscriptionPath(id), { method: 'DELETE' });
  process.stdout.write(`unsubscribed ${id}\n`);
}
