// `push-relay mcp [--consumer NAME] [--channel] [--home DIR] [--per-session]`: the stdio MCP server for agents
// (DESIGN.md "CLI"), backed by the running relay. It starts whether or not a relay runs; stdout is the MCP
// channel, so diagnostics go to stderr.
import { resolveHome } from '../config/home.js';
import { DEFAULT_CONSUMER } from '../inbox/types.js';
import { sessionConsumer } from '../local/mcp/consumers.js';
import { startStdioHost } from '../local/mcp/stdio-host.js';
import { ConsumerNameSchema } from '../local/routes.js';
import { intOption, parse } from './args.js';
import { UsageError } from './errors.js';

const USAGE = 'push-relay mcp [--consumer NAME | --per-session] [--channel] [--home DIR]';

export async function run(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const { values, positionals } = parse(
    argv,
    {
      home: { type: 'string' },
      consumer: { type: 'string' },
      channel: { type: 'boolean' },
      'per-session': { type: 'boolean' },
      // For tests: how often wait_for_event reports progress, and how soon the channel looks for a relay again.
      'progress-interval-ms': { type: 'string' },
      'channel-retry-ms': { type: 'string' },
    },
    USAGE,
  );
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"\nusage: ${USAGE}`);
  if (values.consumer !== undefined && values['per-session']) throw new UsageError(`--consumer and --per-session exclude each other\nusage: ${USAGE}`);
  const log = (line: string) => void process.stderr.write(`push-relay mcp: ${line}\n`);

  let consumer = DEFAULT_CONSUMER;
  if (values.consumer !== undefined) {
    const valid = ConsumerNameSchema.safeParse(values.consumer);
    if (!valid.success) throw new UsageError(`--consumer: ${valid.error.issues[0]?.message ?? 'invalid name'}`);
    consumer = valid.data;
  } else if (values['per-session']) {
    const id = env.CLAUDE_CODE_SESSION_ID;
    // Not fatal: an agent whose MCP server fails to start loses every tool, which is worse than a shared consumer.
    if (id) consumer = sessionConsumer(id);
    else log(`--per-session: CLAUDE_CODE_SESSION_ID is not set (Claude Code sets it); using the consumer "${DEFAULT_CONSUMER}"`);
  }

  const host = await startStdioHost({
    home: resolveHome(values.home),
    consumer,
    // Without --consumer the tools take as the session's hooks do: its routes and the mode (README "Sessions").
    sessionScoped: values.consumer === undefined,
    channel: values.channel === true,
    progressIntervalMs: intOption('progress-interval-ms', values['progress-interval-ms'], { min: 10 }),
    channelRetryMs: intOption('channel-retry-ms', values['channel-retry-ms'], { min: 10 }),
    log,
  });
  const onSignal = () => void host.close();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await host.closed;
}
