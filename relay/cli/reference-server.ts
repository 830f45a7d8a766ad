// `push-relay reference-server`: the reference push server standalone (DESIGN.md "CLI").
import { randomBytes } from 'node:crypto';
import { intOption, parse } from './args.js';
import { CliError, UsageError } from './errors.js';
import { startDemoFeed } from '../reference-server/demo.js';
import {
  DEFAULT_REFERENCE_PORT,
  DEMO_TENANT,
  DEMO_TOKEN,
  startReferenceServer,
} from '../reference-server/server.js';

const USAGE =
  'push-relay reference-server [--port N] [--token TOKEN=TENANT]… [--admin-token T] [--heartbeat-ms N] [--buffer N] [--data-dir DIR] [--demo] [--oauth]';

/** The client id `--demo` subscribes to every topic, so `curl -N …?client_id=demo` shows events at once. */
const DEMO_CLIENT_ID = 'demo';

export async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parse(
    argv,
    {
      port: { type: 'string' },
      token: { type: 'string', multiple: true },
      'admin-token': { type: 'string' },
      'heartbeat-ms': { type: 'string' },
      buffer: { type: 'string' },
      'data-dir': { type: 'string' },
      demo: { type: 'boolean' },
      oauth: { type: 'boolean' },
      'demo-interval-ms': { type: 'string' },
    },
    USAGE,
  );
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"\nusage: ${USAGE}`);

  const tokens: Record<string, string> = {};
  for (const pair of values.token ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1) throw new UsageError(`--token takes TOKEN=TENANT, got "${pair}"`);
    tokens[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const generated = Object.keys(tokens).length === 0 && !values.demo;
  if (Object.keys(tokens).length === 0) {
    // Demo mode uses the well-known demo token so the README's curl line works; otherwise a random one.
    tokens[values.demo ? DEMO_TOKEN : `ref_${randomBytes(12).toString('hex')}`] = DEMO_TENANT;
  }

  // Listen for the stop signals before anything can print "listening": a supervisor may signal at once.
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  const [firstToken, firstTenant] = Object.entries(tokens)[0]!;
  // Demo mode signs in with OAuth too, so `push-relay login --server <url>` works against it out of the box.
  const oauth = values.oauth || values.demo ? { tenant: firstTenant } : undefined;
  let server;
  try {
    server = await startReferenceServer({
      port: intOption('port', values.port, { max: 65535 }) ?? DEFAULT_REFERENCE_PORT,
      tokens,
      checkHost: true,
      adminToken: values['admin-token'],
      heartbeatMs: intOption('heartbeat-ms', values['heartbeat-ms'], { min: 50 }),
      bufferCapacity: intOption('buffer', values.buffer, { min: 1, max: 1_000_000 }),
      dataDir: values['data-dir'],
      oauth,
      log: (line) => process.stderr.write(`reference-server: ${line}\n`),
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new CliError(`port ${values.port ?? DEFAULT_REFERENCE_PORT} is in use; pick another with --port N (0 = any free port)`, 'port_in_use');
    if (e.code === 'EACCES' || e.code === 'ENOENT' || e.code === 'ENOTDIR') throw new CliError(`cannot use --data-dir: ${e.message}`, 'data_dir');
    throw err;
  }
  process.stdout.write(`listening ${server.url}\n`);
  if (oauth) process.stderr.write(`reference-server: OAuth sign-in on (tenant "${firstTenant}"): push-relay login --server ${server.url}\n`);
  if (generated) process.stderr.write(`reference-server: token for tenant "${firstTenant}": ${firstToken}\n`);
  let feed: { stop(): void } | undefined;
  if (values.demo) {
    server.store.subscribe(firstTenant, { client_id: DEMO_CLIENT_ID, topic: ['*'], client_label: 'demo (curl)' });
    feed = startDemoFeed((input) => server.emit(firstTenant, input), {
      intervalMs: intOption('demo-interval-ms', values['demo-interval-ms'], { min: 10 }),
      onError: (err) => process.stderr.write(`reference-server: demo emit failed: ${(err as Error).message}\n`),
    });
    process.stderr.write(
      `reference-server: demo mode; watch events with:\n  curl -N -H 'Authorization: Bearer ${firstToken}' '${server.url}/mcp/push/sse?client_id=${DEMO_CLIENT_ID}'\n`,
    );
  }

  await stopped;
  feed?.stop();
  await server.close();
}
