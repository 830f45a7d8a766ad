// `push-relay watch [--consumer C] [--topic T] [--home DIR]`: one line per new event on stdout, for Claude
// Code's Monitor tool and shell scripts (`<time> <topic> #<id> <key fields>`, payload text quoted and
// neutralized as in the hooks: each event is exactly one line).
//
// Without --consumer it follows the inbox from now on and acks nothing (it never takes events away from the
// hooks): the relay's /v1/stream says when something landed and /v1/events?since= fetches it in order, so a
// relay restart is caught up from the last printed seq. With --consumer it long-polls that consumer's
// /v1/wait and acks what it printed: a named, resumable cursor (a restarted watch continues where it left).
// The relay going away is not an error: watch waits for it (re-reading relay.json) and carries on.
import { request, type IncomingMessage } from 'node:http';
import { findRelay, relayRequest, type RelayEndpoint } from '../client/local-client.js';
import { resolveHome } from '../config/home.js';
import { watchLine } from '../hooks/format.js';
import { LOCAL_API, localApiPath, type EventsResponse, type WaitResponse } from '../protocol/local-api.js';
import { SseDecoder } from '../protocol/sse-decoder.js';
import { parse } from './args.js';
import { HOME_OPTION } from './relay-connection.js';

const RETRY_MS = 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

/** Finds a relay that answers; also returns its inbox head at that moment (where following starts). */
async function connect(home: string, out: Output): Promise<{ relay: RelayEndpoint; head: number }> {
  for (;;) {
    try {
      const relay = findRelay(home);
      const { head } = await relayRequest<EventsResponse>(relay, localApiPath(LOCAL_API.events, { limit: 1 }), { timeoutMs: 5000 });
      out.notice(`following ${relay.url}`);
      return { relay, head };
    } catch (err) {
      out.notice(`waiting for the relay (${(err as Error).message})`);
      await sleep(RETRY_MS);
    }
  }
}

async function followConsumer(home: string, consumer: string, topic: string | undefined, out: Output): Promise<never> {
  for (;;) {
    const { relay } = await connect(home, out);
    try {
      for (;;) {
        const path = localApiPath(LOCAL_API.wait, { consumer, topic: topic || undefined, ack: true, limit: 100, timeout_ms: 30_000 });
        const answer = await relayRequest<WaitResponse>(relay, path, { timeoutMs: 45_000 });
        for (const e of answer.events) out.line(watchLine(e));
      }
    } catch (err) {
      out.notice(`lost the relay (${(err as Error).message}); reconnecting`);
      await sleep(RETRY_MS);
    }
  }
}

/** Opens /v1/stream; calls `onEvent` for each `event` message; resolves when the stream ends. */
function openStream(relay: RelayEndpoint, onOpen: () => void, onEvent: () => void): Promise<void> {
  return new Promise((resolve) => {
    const req = request(`${relay.url}${LOCAL_API.stream}`, { headers: { authorization: `Bearer ${relay.token}`, accept: 'text/event-stream' } }, (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        res.resume();
        return resolve();
      }
      onOpen();
      const decoder = new SseDecoder();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        for (const m of decoder.feed(chunk)) if (m.event === 'event') onEvent();
      });
      res.on('end', resolve);
      res.on('error', () => resolve());
      res.on('close', resolve);
    });
    req.on('error', () => resolve());
    req.end();
  });
}

async function followInbox(home: string, topic: string | undefined, out: Output): Promise<never> {
  let last: number | undefined;
  for (;;) {
    const { relay, head } = await connect(home, out);
    last ??= head;
    try {
      // Drains run one at a time; a wake-up during a drain runs one more afterwards.
      let draining: Promise<void> | undefined;
      let again = false;
      const drain = async (): Promise<void> => {
        for (;;) {
          const path = localApiPath(LOCAL_API.events, { since: last, topic: topic || undefined, limit: 1000 });
          const { events, head: now } = await relayRequest<EventsResponse>(relay, path, { timeoutMs: 10_000 });
          for (const e of events) out.line(watchLine(e));
          if (events.length > 0) last = events.at(-1)!.seq;
          else if (topic && now > last!) last = now; // nothing matched up to the head: skip the scanned range
          if (events.length < 1000) return;
        }
      };
      const wake = () => {
        if (draining) {
          again = true;
          return;
        }
        draining = drain()
          .catch(() => undefined)
          .finally(() => {
            draining = undefined;
            if (again) {
              again = false;
              wake();
            }
          });
      };
      await openStream(relay, wake, wake);
      await draining;
      out.notice('the relay closed the stream; reconnecting');
    } catch (err) {
      out.notice(`lost the relay (${(err as Error).message}); reconnecting`);
    }
    await sleep(RETRY_MS);
  }
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parse(argv, { ...HOME_OPTION, consumer: { type: 'string' }, topic: { type: 'string' } }, 'push-relay watch [--consumer C] [--topic T] [--home DIR]');
  const home = resolveHome(values.home);
  // Exit quietly when the reader goes away (`| head`, Monitor stopped) or on ^C.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => process.exit(err.code === 'EPIPE' ? 0 : 1));
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => process.exit(0));
  const out = new Output();
  if (values.consumer) await followConsumer(home, values.consumer, values.topic, out);
  else await followInbox(home, values.topic, out);
}
