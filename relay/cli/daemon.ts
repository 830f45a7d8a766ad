// `push-relay daemon`: the relay, headless (DESIGN.md "CLI"). Prints `listening <url>` then `inbox <url>`.
// The relay's own modules are imported in `run`, after `beginStartup()`: loading them is part of start-up.
import { resolveHome, homePaths } from '../config/home.js';
import { assertHomeTrusted } from '../config/home-trust.js';
import { createLogger } from '../util/log.js';
import { intOption, parse } from './args.js';
import { UsageError } from './errors.js';
import { beginStartup, endStartup } from './young-generation.js';

const USAGE = 'push-relay daemon [--server URL] [--client-id ID] [--home DIR] [--local-port N] [--demo]';

/** Bounds of the claim lease: below 100 ms a live hook could lose its claim mid-run; above a day nothing is handed back in practice. */
export const CLAIM_LEASE_MS = { min: 100, max: 86_400_000 } as const;

/** `--claim-lease-ms` wins over PUSH_RELAY_CLAIM_LEASE_MS; either is checked like every numeric option. */
export function claimLease(flag: string | undefined, env: string | undefined): number | undefined {
  if (flag !== undefined) return intOption('claim-lease-ms', flag, CLAIM_LEASE_MS);
  if (env === undefined || env === '') return undefined;
  try {
    return intOption('claim-lease-ms', env, CLAIM_LEASE_MS);
  } catch (err) {
    throw new UsageError(`PUSH_RELAY_CLAIM_LEASE_MS: ${(err as Error).message.replace(/^--claim-lease-ms /, '')}`);
  }
}

export async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parse(
    argv,
    {
      server: { type: 'string' },
      'client-id': { type: 'string' },
      home: { type: 'string' },
      'local-port': { type: 'string' },
      demo: { type: 'boolean' },
      'demo-interval-ms': { type: 'string' },
      'heartbeat-ms': { type: 'string' },
      quiet: { type: 'boolean' },
      // Hidden, for tests and advanced use (README "Sessions"): how long an unacked hand-over holds its events.
      'claim-lease-ms': { type: 'string' },
    },
    USAGE,
  );
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"\nusage: ${USAGE}`);
  const home = resolveHome(values.home);
  // Before the logger writes into it (startRelay checks again, for the tray, which hosts the same core).
  assertHomeTrusted(homePaths(home), 'owner');
  const log = createLogger({ dir: homePaths(home).logs, stderrLevel: values.quiet ? 'warn' : 'info' });

  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  beginStartup();
  const { startRelay } = await import('../core/relay.js');
  // A setting, a URL, a port or another relay in the way fails as one line (exitWhenDone, by the error catalogue).
  const relay = await startRelay({
    home,
    server: values.server,
    demo: values.demo,
    clientId: values['client-id'],
    localPort: intOption('local-port', values['local-port'], { max: 65535 }),
    demoIntervalMs: intOption('demo-interval-ms', values['demo-interval-ms'], { min: 10 }),
    heartbeatMs: intOption('heartbeat-ms', values['heartbeat-ms'], { min: 50 }),
    claimLeaseMs: claimLease(values['claim-lease-ms'], process.env.PUSH_RELAY_CLAIM_LEASE_MS),
    log,
  });
  endStartup();
  process.stdout.write(`listening ${relay.url}\ninbox ${relay.inboxUrl}\n`);
  log.info(`relay ready on ${relay.url} (home ${home})`);
  const signal = await stopped;
  log.info(`${signal}: shutting down`);
  await relay.close();
  log.flush();
}
