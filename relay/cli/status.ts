// `push-relay status [--json]`: the running relay's state in a few lines (or all of it as JSON).
import { neutralizeText } from '../protocol/untrusted-text.js';
import { LOCAL_API, type RelayStatus } from '../protocol/local-api.js';
import { parse } from './args.js';
import { callRelay, HOME_OPTION, printJson } from './relay-connection.js';

const MAX_ERROR_CHARS = 600;

export async function run(argv: string[]): Promise<void> {
  const { values } = parse(argv, { ...HOME_OPTION, json: { type: 'boolean' } }, 'push-relay status [--json] [--home DIR]');
  const status = await callRelay<RelayStatus>(values.home, LOCAL_API.status);
  if (values.json) return printJson(status);
  const up = status.upstream;
  const lines = [
    `relay      ${status.local_url} (pid ${status.pid}, v${status.version}, home ${status.home})`,
    `upstream   ${up.state}${status.mode === 'demo' ? ' (demo mode)' : ''} — ${status.server} as ${status.client_id}`,
  ];
  const auth = status.auth;
  if (auth?.method === 'oauth') {
    const who = auth.signed_in ? `as ${neutralizeText(auth.subject ?? 'unknown', 200)}, scopes ${neutralizeText(auth.scopes.join(' ') || 'none', 200)}` : `no: ${neutralizeText(auth.problem ?? '', 300)}`;
    lines.push(`signed in  ${who}`);
    lines.push(`tokens     ${auth.stored_in}`);
  } else if (auth?.method === 'api-key') {
    lines.push('auth       API key');
  }
  // The message holds what the server said (already quoted by the upstream client): one clipped, neutral line.
  if (up.lastError?.message) lines.push(`last error ${neutralizeText(up.lastError.message, MAX_ERROR_CHARS)}`);
  if (up.lag?.count) lines.push(`lag        ${up.lag.count} time(s), ${up.lag.dropped_total ?? 0} event(s) dropped upstream and fetched again`);
  // What the stream skipped or refused is counted, never silent (DESIGN.md "Failure behaviour").
  const skipped = Object.entries(up.malformed ?? {}).filter(([, n]) => n > 0).map(([kind, n]) => `${n} ${kind}`);
  if (up.oversizeDrops) skipped.push(`${up.oversizeDrops} connection(s) dropped for an endless event`);
  if (skipped.length > 0) lines.push(`skipped    ${skipped.join(', ')}`);
  const arrivals = [`head ${String(status.inbox.head)}`];
  if (status.inbox.duplicates) arrivals.push(`${status.inbox.duplicates} duplicate(s) ignored`);
  if (status.inbox.outOfOrder) arrivals.push(`${status.inbox.outOfOrder} stored out of order`);
  lines.push(`inbox      ${String(status.inbox.events)} event(s), ${arrivals.join(', ')}`);
  for (const c of status.consumers) lines.push(`consumer   ${c.name}${c.topic ? ` (${c.topic})` : ''}: ${c.pending} pending`);
  // Standard MCP servers as event sources (push-relay upstream list shows their entries).
  for (const u of status.upstreams ?? []) {
    const counts = `${u.stored} stored${u.dropped ? `, ${u.dropped} dropped` : ''}`;
    lines.push(`mcp        ${u.name} (${u.transport}): ${u.state}, ${counts}${u.last_error ? `; last error ${neutralizeText(u.last_error.message, 200)}` : ''}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}
