// `push-relay topics [--category C] [--json]`: the push server's topic catalog.
import { neutralizeText } from '../protocol/untrusted-text.js';
import { LOCAL_API, localApiPath, type TopicsResponse } from '../protocol/local-api.js';
import { parse } from './args.js';
import { callRelay, HOME_OPTION, printJson } from './relay-connection.js';

export async function run(argv: string[]): Promise<void> {
  const { values } = parse(argv, { ...HOME_OPTION, category: { type: 'string' }, json: { type: 'boolean' } }, 'push-relay topics [--category C] [--json] [--home DIR]');
  const { topics } = await callRelay<TopicsResponse>(values.home, localApiPath(LOCAL_API.topics, { category: values.category || undefined }));
  if (values.json) return printJson(topics);
  // The catalog is the server's text: each field neutralized and clipped, one line per topic.
  const rows = topics.map((t) => ({ topic: neutralizeText(t.topic, 120), category: neutralizeText(t.category, 40), description: neutralizeText(t.description, 400) }));
  const width = Math.max(0, ...rows.map((t) => t.topic.length));
  for (const t of rows) process.stdout.write(`${t.topic.padEnd(width)}  ${t.category.padEnd(11)}  ${t.description}\n`);
}
