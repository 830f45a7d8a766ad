// `push-relay watch [--consumer C] [--topic T] [--home DIR]`: one line per new event on stdout, for Claude
// Code's Monitor tool and shell scripts (`<time> <topic> #<id> <key fields>`, payload text quoted and
// neutralized as in the hooks: each event is exactly one line).
//
// Following is relay/client/inbox-follower.ts (the channel feed of `push-relay mcp --channel` uses it too).
// Without --consumer it follows the inbox by seq from now on and acks nothing (it never takes events away from
// the hooks); a relay restart is caught up from the last printed seq, page by page. With --consumer it
// long-polls that consumer's /v1/wait and acks what it printed: a named, resumable cursor (a restarted watch
// continues where it left). The relay going away is not an error: watch waits for it and carries on.
import { InboxFollower } from '../client/inbox-follower.js';
import { resolveHome } from '../config/home.js';
import { watchLine } from '../hooks/format.js';
import { parse } from './args.js';
import { HOME_OPTION } from './relay-connection.js';

/** Watch looks for a relay that went away once a second (no backoff: a terminal user is watching). */
const RETRY_MS = 1000;

class Output {
  private lastNotice = '';
  constructor(private readonly stderr: NodeJS.WriteStream = process.stderr) {}
  line(text: string): void {
    process.stdout.write(`${text}\n`);
  }
  /** One stderr line per state change (not one per retry). */
  notice(text: string): void {
    if (text === this.lastNotice) return;
    this.lastNotice = text;
    this.stderr.write(`push-relay watch: ${text}\n`);
  }
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parse(argv, { ...HOME_OPTION, consumer: { type: 'string' }, topic: { type: 'string' } }, 'push-relay watch [--consumer C] [--topic T] [--home DIR]');
  const home = resolveHome(values.home);
  // Exit quietly when the reader goes away (`| head`, Monitor stopped) or on ^C.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => process.exit(err.code === 'EPIPE' ? 0 : 1));
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => process.exit(0));
  const out = new Output();
  const follower = new InboxFollower({
    home,
    follow: values.consumer ? { by: 'consumer', consumer: values.consumer, topic: values.topic } : { by: 'seq', topic: values.topic },
    onEvents: (events) => {
      for (const e of events) out.line(watchLine(e));
    },
    onState: (s) => {
      if (s.state === 'connected') out.notice(`following ${s.url}`);
      else if (s.state === 'lost') out.notice(`lost the relay (${s.reason}); reconnecting`);
      else out.notice(`waiting for the relay (${s.reason})`);
    },
    retryMs: RETRY_MS,
    maxRetryMs: RETRY_MS,
    // What watch prints was seen: each event gets a `watch` receipt (under --consumer, that consumer's).
    receipt: { via: 'watch', consumer: values.consumer || undefined },
  });
  follower.start();
  // Runs until a signal or a closed stdout ends the process (above).
  await new Promise<never>(() => undefined);
}
