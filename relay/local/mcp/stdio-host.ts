// `push-relay mcp`: the tools over stdio for agents that spawn their MCP servers, backed by the running relay
// (remote backend; it never opens an upstream stream of its own). Starting needs no relay: the tools answer
// "no relay running" until one is up. With `channel`, it also declares Claude Code's channel capability and
// pushes each new event as `notifications/claude/channel`.
//
// Disconnects: when the client goes away its end of our stdin closes. The SDK's transport closes itself at
// stdin EOF, but a broken pipe (stdin `close` without `end`, an EPIPE on stdout) is ours to notice, and the
// CLI waits on `closed`: so stdin `end`/`close` and a broken stdout abort every wait here (the host's own
// signal, next to the SDK's), close the server, and resolve `closed` — the CLI then exits.
import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import type { ApiEvent } from '../api-events.js';
import { CHANNEL_METHOD, channelMessages } from './channel.js';
import { ChannelFeed } from './channel-feed.js';
import { remoteBackend } from './remote-backend.js';
import { createToolServer } from './server.js';

export interface StdioHostOptions {
  home: string;
  consumer: string;
  /** Calls on `consumer` made for the Claude Code session (CLAUDE_CODE_SESSION_ID) take through the session's consumers. */
  sessionScoped?: boolean;
  channel?: boolean;
  progressIntervalMs?: number;
  stdin?: Readable;
  stdout?: Writable;
  /** Diagnostics (stderr by default: Claude Code keeps an MCP server's stderr in its logs). */
  log?: (line: string) => void;
  /** First reconnect delay of the channel feed. */
  channelRetryMs?: number;
}

export interface StdioHost {
  /** Resolves once the client is gone (stdin closed) or `close()` was called. */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

export async function startStdioHost(options: StdioHostOptions): Promise<StdioHost> {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const log = options.log ?? ((line: string) => void process.stderr.write(`push-relay mcp: ${line}\n`));
  const disconnected = new AbortController();

  const server = createToolServer({
    backend: remoteBackend({ home: options.home, sessionConsumer: options.sessionScoped ? options.consumer : undefined }),
    defaultConsumer: options.consumer,
    progressIntervalMs: options.progressIntervalMs,
    channel: options.channel,
    disconnectSignal: () => disconnected.signal,
  });
  server.server.onerror = (err) => log(`protocol error: ${err.message}`);

  let feed: ChannelFeed | undefined;
  if (options.channel) {
    const push = (events: ApiEvent[]) => {
      for (const params of channelMessages(events, options.consumer)) {
        server.server.notification({ method: CHANNEL_METHOD, params: { ...params } }).catch((err: Error) => log(`channel push failed: ${err.message}`));
      }
    };
    feed = new ChannelFeed({ home: options.home, consumer: options.consumer, onEvents: push, log, retryMs: options.channelRetryMs });
    // Push only to a client that finished the handshake.
    server.server.oninitialized = () => feed?.start();
  }

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      disconnected.abort();
      feed?.stop();
      stdin.off('end', close);
      stdin.off('close', close);
      try {
        await server.close();
      } catch {
        // already closed
      }
      resolveClosed();
    })());
  stdin.once('end', close);
  stdin.once('close', close);
  // The client died and took the pipe with it: nobody can read our answers any more.
  stdout.once('error', () => void close());

  await server.connect(new StdioServerTransport(stdin, stdout));
  return { closed, close };
}
