// Shared by the MCP integration tests: a reference push server whose emits the test controls, a relay on a
// temp home (in-process, or the caller starts a daemon), and MCP SDK clients over HTTP.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { Client, StreamableHTTPClientTransport, type CallToolResult, type JSONRPCMessage, type Transport } from '@modelcontextprotocol/client';
import { startRelay, type RunningRelay } from '../../../relay/core/relay.js';
import type { McpHttpOptions } from '../../../relay/local/mcp/http-host.js';
import { startReferenceServer, type ReferenceServer } from '../../../relay/reference-server/server.js';
import { BIN } from '../../helpers/cli.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';

export const TENANT = 't1';
export const API_KEY = 'mcp-test-key';
export const CLIENT_ID = 'mcp-test';

export interface World {
  server: ReferenceServer;
  home: TempDir;
  emit(topic: string, payload?: Record<string, unknown>): Promise<{ event_id: number }>;
  close(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  const server = await startReferenceServer({ tokens: { [API_KEY]: TENANT } });
  const home = await tempDir('relay-mcp-');
  return {
    server,
    home,
    emit: (topic, payload = {}) => server.emit(TENANT, { topic, payload }),
    close: async () => {
      await server.close();
      await home.cleanup();
    },
  };
}

/** The relay in this process, subscribed to every topic, with its upstream stream open. */
export async function startInProcessRelay(world: World, mcp: McpHttpOptions = {}): Promise<RunningRelay> {
  const relay = await startRelay({
    home: world.home.path,
    server: world.server.url,
    apiKey: API_KEY,
    clientId: CLIENT_ID,
    localPort: 0,
    env: {},
    notify: false, // no desktop popups from a test run
    mcp: { progressIntervalMs: 100, ...mcp },
  });
  await relay.core.control.subscribe({ topic: ['*'] });
  await waitFor(() => relay.core.status().upstream.state === 'open', { timeoutMs: 20_000, what: 'the upstream stream to open' });
  return relay;
}

/** Emits and waits until the relay's inbox holds the event. */
export async function emitAndStore(world: World, relay: RunningRelay, topic: string, payload: Record<string, unknown> = {}) {
  const head = relay.core.inbox.head();
  const emitted = await world.emit(topic, payload);
  await waitFor(() => relay.core.inbox.head() > head, { timeoutMs: 15_000, what: `${topic} in the inbox` });
  return emitted;
}

export interface HttpClient {
  client: Client;
  transport: StreamableHTTPClientTransport;
  call(name: string, args?: Record<string, unknown>, options?: Parameters<Client['callTool']>[1]): Promise<CallToolResult>;
  ok<T = Record<string, unknown>>(name: string, args?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

export async function connectHttp(relay: { url: string; token: string }, path = '/mcp'): Promise<HttpClient> {
  const client = new Client({ name: 'push-relay-mcp-tests', version: '0.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(path, relay.url), {
    requestInit: { headers: { authorization: `Bearer ${relay.token}` } },
  });
  await client.connect(transport);
  const call = async (name: string, args: Record<string, unknown> = {}, options?: Parameters<Client['callTool']>[1]) =>
    (await client.callTool({ name, arguments: args }, options)) as CallToolResult;
  return {
    client,
    transport,
    call,
    async ok<T>(name: string, args: Record<string, unknown> = {}) {
      const result = await call(name, args);
      if (result.isError) throw new Error(`tool ${name} failed: ${text(result)}`);
      return result.structuredContent as T;
    },
    close: () => client.close(),
  };
}

export function text(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

export interface WaitOut {
  status: 'event' | 'timeout';
  consumer: string;
  events: { event_id: number; topic: string; payload: Record<string, unknown> }[];
  pending: number;
}

/**
 * A stdio client transport over a child we spawn ourselves, so a test can end the child's stdin and see how
 * the child exits (the SDK's StdioClientTransport sends SIGTERM itself when the child is slow to go).
 */
export class ChildStdioTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr = '';

  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: 'pipe' });
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    this.child.stderr.setEncoding('utf8').on('data', (c: string) => (this.stderr += c));
  }

  async start(): Promise<void> {
    let partial = '';
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.onmessage?.(JSON.parse(line) as JSONRPCMessage);
    });
    this.child.on('close', () => this.onclose?.());
  }

  async send(message: JSONRPCMessage): Promise<void> {
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  /** What a client that goes away does: its end of the pipe closes. */
  endStdin(): void {
    this.child.stdin.end();
  }

  async close(): Promise<void> {
    this.endStdin();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
  }
}
