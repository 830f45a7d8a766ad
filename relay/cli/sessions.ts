// `push-relay sessions [--all] [--json]`: the Claude Code sessions the relay knows (relay/sessions/): each one's
// project, state (working / idle-watching / waiting / gone), last hand-over and the consumers it takes from.
// Live ones by default; --all adds the recently gone. Paths come from the hooks: neutralized like any text.
import { LOCAL_API, localApiPath, type SessionsResponse, type SessionView } from '../protocol/local-api.js';
import { neutralizeText } from '../protocol/untrusted-text.js';
import { parse } from './args.js';
import { callRelay, HOME_OPTION, printJson } from './relay-connection.js';

function ago(iso: string | null, now: number): string {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

export function sessionLine(s: SessionView, now: number): string {
  const project = neutralizeText(s.root ?? s.cwd ?? '(project unknown)', 200);
  const remote = s.remote ? ` (${neutralizeText(s.remote, 200)})` : '';
  return (
    `${neutralizeText(s.session_id, 92)}  ${s.state}  ${project}${remote}  ` +
    `last hand-over ${ago(s.last_handover_at, now)} (${s.handed_over} events)  seen ${ago(s.last_seen_at, now)}  from ${s.consumers.join(', ')}`
  );
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parse(argv, { ...HOME_OPTION, all: { type: 'boolean' }, json: { type: 'boolean' } }, 'push-relay sessions [--all] [--json] [--home DIR]');
  const answer = await callRelay<SessionsResponse>(values.home, localApiPath(LOCAL_API.sessions, { include_gone: values.all === true }));
  if (values.json) return printJson(answer);
  process.stdout.write(`mode ${answer.mode}\n`);
  if (answer.sessions.length === 0) {
    process.stdout.write('no live Claude Code sessions; they register through the hooks (`push-relay install claude-code`)\n');
    return;
  }
  const now = Date.now();
  for (const s of answer.sessions) process.stdout.write(`${sessionLine(s, now)}\n`);
}
