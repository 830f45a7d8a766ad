// `push-relay mcp` (stdio) spawned as a child process, the way Claude Code runs it, driven by the MCP SDK's
// stdio client against a real daemon fed by a reference push server the test controls.
import { Client, type CallToolResult, type Notification } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, startCli, type CliProcess } from '../../helpers/cli.js';
import { relayApi, type RelayApi } from '../../helpers/relay-api.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';
import { TOOL_NAMES } from '../../../relay/local/mcp/tools.js';
import { API_KEY, ChildStdioTransport, CLIENT_ID, startWorld, text, type WaitOut, type World } from './harness.js';
import { useCleanups } from '../../helpers/cleanups.js';
import { eventReceiptsPath, type ReceiptsResponse } from '../../../relay/protocol/local-api.js';

const cleanup = useCleanups();

interface Daemon {
  process: CliProcess;
  api: RelayApi;
  waiters(): Promise<number>;
  inboxHead(): Promise<number>;
}

async function startDaemon(world: World, home: string): Promise<Daemon> {
  const p = startCli(['daemon', '--home', home, '--local-port', '0', '--server', world.server.url, '--client-id', CLIENT_ID], {
    PUSH_RELAY_API_KEY: API_KEY,
    PUSH_RELAY_HOME: '',
  });
  const api = relayApi(await p.line('listening', 20_000), home);
  await api.post('/v1/subscriptions', { topic: ['*'] });
  await waitFor(async () => (await api.get<{ upstream: { state: string } }>('/v1/status')).upstream.state === 'open', { timeoutMs: 20_000, what: 'upstream open' });
  return {
    process: p,
    api,
    waiters: async () => (await api.get<{ inbox: { waiters: number } }>('/v1/status')).inbox.waiters,
    inboxHead: async () => (await api.get<{ head: number }>('/v1/events?limit=1')).head,
  };
}

interface StdioMcp {
  client: Client;
  transport: StdioClientTransport;
  stderr(): string;
  notifications: Notification[];
  call(name: string, args?: Record<string, unknown>, options?: Parameters<Client['callTool']>[1]): Promise<CallToolResult>;
}

async function spawnMcp(args: string[], env: Record<string, string> = {}): Promise<StdioMcp> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', ...args], env: { PUSH_RELAY_HOME: '', ...env }, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const client = new Client({ name: 'stdio-tests', version: '0' });
  const notifications: Notification[] = [];
  client.fallbackNotificationHandler = async (n) => void notifications.push(n);
  await client.connect(transport);
  cleanup.add(() => client.close());
  return {
    client,
    transport,
    stderr: () => stderr,
    notifications,
    call: async (name, a = {}, options) => (await client.callTool({ name, arguments: a }, options)) as CallToolResult,
  };
}

describe('push-relay mcp against a running daemon', () => {
  let world: World;
  let daemon: Daemon;
  let home: string;

  beforeAll(async () => {
    world = await startWorld();
    home = world.home.path;
    daemon = await startDaemon(world, home);
  }, 60_000);

  afterAll(async () => {
    await daemon?.process.kill();
    await world?.close();
  });

  async function emitStored(topic: string, payload: Record<string, unknown> = {}) {
    const head = await daemon.inboxHead();
    const e = await world.emit(topic, payload);
    await waitFor(async () => (await daemon.inboxHead()) > head, { timeoutMs: 15_000, what: `${topic} in the inbox` });
    return e;
  }

  it('serves the tools: pending, a blocking wait woken by an event with progress on the way, status', async () => {
    const mcp = await spawnMcp(['--home', home, '--progress-interval-ms', '100']);
    const { tools } = await mcp.client.listTools();
    expect(tools).toHaveLength(TOOL_NAMES.length);
    await mcp.call('get_pending_events', { limit: 100 });

    const first = await emitStored('deal.won', { amount: 1 });
    const pending = await mcp.call('get_pending_events');
    expect(pending.structuredContent).toMatchObject({ consumer: 'claude-code', acked: true, events: [{ event_id: first.event_id }] });
    const firstSeq = (pending.structuredContent as { events: { seq: number }[] }).events[0]!.seq;
    expect((await daemon.api.get<ReceiptsResponse>(eventReceiptsPath(firstSeq))).receipts).toEqual([
      expect.objectContaining({ via: 'get_pending_events', consumer: 'claude-code', acked_at: expect.any(String) }),
    ]);

    const progress: number[] = [];
    const call = mcp.call('wait_for_event', { topic: 'deal.*', timeout_seconds: 60 }, { onprogress: (p) => progress.push(p.progress) });
    await waitFor(async () => (await daemon.waiters()) === 1, { what: 'the wait parked in the relay' });
    await waitFor(() => progress.length >= 2, { what: 'progress notifications' });
    const second = await world.emit('deal.won', { amount: 2 });
    const r = (await call).structuredContent as unknown as WaitOut;
    expect(r.status).toBe('event');
    expect(r.events.map((e) => e.event_id)).toEqual([second.event_id]);

    const timeout = await mcp.call('wait_for_event', { timeout_seconds: 0.2 });
    expect(timeout.isError).toBeFalsy();
    expect(timeout.structuredContent).toMatchObject({ status: 'timeout', events: [] });

    const status = await mcp.call('relay_status');
    expect(status.structuredContent).toMatchObject({ state: 'open', client_id: CLIENT_ID });
    const topics = await mcp.call('list_topics', { category: 'crm' });
    expect(JSON.stringify(topics.structuredContent)).toContain('deal.won');
  });

  it('with CLAUDE_CODE_SESSION_ID the tools take as the session (the mode of the relay: shared here); --consumer names one', async () => {
    const perSession = await spawnMcp(['--home', home, '--per-session'], { CLAUDE_CODE_SESSION_ID: '0b7e-session-1' });
    expect((await perSession.call('get_pending_events')).structuredContent).toMatchObject({ consumer: 'claude-code', events: [] });
    const listed = await daemon.api.get<{ sessions: { session_id: string }[] }>('/v1/sessions');
    expect(listed.sessions.map((s) => s.session_id)).toContain('0b7e-session-1');
    const named = await spawnMcp(['--home', home, '--consumer', 'cursor']);
    expect((await named.call('get_pending_events')).structuredContent).toMatchObject({ consumer: 'cursor' });
  });

  it('closing stdin ends the process and the wait it had parked in the relay', async () => {
    const transport = new ChildStdioTransport(['mcp', '--home', home], { PUSH_RELAY_HOME: '' });
    cleanup.add(() => transport.close());
    const client = new Client({ name: 'stdin-close', version: '0' });
    await client.connect(transport);
    void client.callTool({ name: 'wait_for_event', arguments: { consumer: 'stdin-close', timeout_seconds: 600 } }).catch(() => undefined);
    await waitFor(async () => (await daemon.waiters()) === 1, { what: 'the wait parked in the relay' });
    transport.endStdin();
    expect(await transport.exited).toEqual({ code: 0, signal: null });
    await waitFor(async () => (await daemon.waiters()) === 0, { what: 'the relay-side wait to end' });
  });

  it('--channel declares the capability and pushes notifications/claude/channel with identifier-safe meta', async () => {
    const mcp = await spawnMcp(['--home', home, '--channel']);
    expect(mcp.client.getServerCapabilities()?.experimental).toHaveProperty(['claude/channel']);
    expect(mcp.client.getInstructions()).toContain('get_pending_events');
    expect(mcp.client.getInstructions()).toContain('untrusted');
    await waitFor(() => mcp.stderr().includes('channel: connected'), { timeoutMs: 15_000, what: 'the channel to connect' });
    const e = await world.emit('deal.won', { amount: 125000, 'deal-name': 'Acme <rollout>' });
    // Find the notification of this event: on a loaded machine one for an earlier event may still arrive first.
    const pushed = await waitFor(
      () =>
        mcp.notifications.find(
          (n) => n.method === 'notifications/claude/channel' && (n.params as { meta?: { event_id?: string } }).meta?.event_id === String(e.event_id),
        ),
      { timeoutMs: 15_000, what: 'the channel notification of the emitted event' },
    );
    const params = pushed.params as { content: string; meta: Record<string, string> };
    expect(params.content).toContain(`deal.won #${e.event_id}`);
    expect(params.content).toContain('amount=125000');
    expect(params.content).toContain('untrusted');
    expect(params.content).not.toMatch(/[<>]/);
    for (const key of Object.keys(params.meta)) expect(key).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
    expect(params.meta).toMatchObject({ topic: 'deal.won', event_id: String(e.event_id), consumer: 'claude-code' });
    // The push left a `channel` receipt naming the bridge's consumer (GET /v1/events/<seq>/receipts).
    const receipts = await daemon.api.get<ReceiptsResponse>(eventReceiptsPath(Number(params.meta.seq)));
    expect(receipts.receipts).toContainEqual(expect.objectContaining({ via: 'channel', consumer: 'claude-code' }));
  });
});

describe('push-relay mcp without a relay', () => {
  it('starts anyway, answers the actionable error, and works once a relay is up; the channel follows relay restarts', async () => {
    const world = await startWorld();
    cleanup.add(() => world.close());
    const home = (await tempDir('relay-mcp-late-')).path;
    const mcp = await spawnMcp(['--home', home, '--channel', '--channel-retry-ms', '100']);

    for (const [tool, args] of [['relay_status', {}], ['wait_for_event', { timeout_seconds: 30 }], ['get_pending_events', {}]] as const) {
      const r = await mcp.call(tool, args);
      expect(r.isError, tool).toBe(true);
      expect(text(r)).toBe(`No Push Relay is running on ${home}: start it with \`push-relay daemon\` (or the tray app), then call this tool again.`);
    }

    let daemon = await startDaemon(world, home);
    cleanup.add(() => daemon.process.kill('SIGKILL'));
    expect((await mcp.call('relay_status')).structuredContent).toMatchObject({ state: 'open' });
    await waitFor(() => mcp.stderr().split('channel: connected').length - 1 >= 1, { timeoutMs: 20_000, what: 'the channel to find the relay' });
    const first = await world.emit('ticket.created', { priority: 'high' });
    await waitFor(() => mcp.notifications.some((n) => (n.params as { meta?: { event_id?: string } }).meta?.event_id === String(first.event_id)), {
      timeoutMs: 15_000,
      what: 'the first channel notification',
    });

    // The relay restarts (new process, new port): tools, a wait in flight and the channel follow it through relay.json.
    const across = mcp.call('wait_for_event', { consumer: 'across-restart', timeout_seconds: 60 });
    await waitFor(async () => (await daemon.waiters()) === 1, { what: 'the wait parked in the first relay' });
    await daemon.process.kill('SIGTERM');
    daemon = await startDaemon(world, home);
    cleanup.add(() => daemon.process.kill('SIGKILL'));
    const second = await world.emit('ticket.created', { priority: 'low' });
    await waitFor(() => mcp.notifications.some((n) => (n.params as { meta?: { event_id?: string } }).meta?.event_id === String(second.event_id)), {
      timeoutMs: 20_000,
      what: 'a channel notification after the relay restarted',
    });
    expect((await across).structuredContent).toMatchObject({ status: 'event', events: [{ event_id: second.event_id }] });
    expect((await mcp.call('relay_status')).isError).toBeFalsy();
  }, 90_000);

  it('the channel pushes every one of 500 events that arrived while the relay was down, once and in order', async () => {
    const world = await startWorld();
    cleanup.add(() => world.close());
    const home = (await tempDir('relay-mcp-gap-')).path;
    let daemon = await startDaemon(world, home);
    cleanup.add(() => daemon.process.kill('SIGKILL'));
    const mcp = await spawnMcp(['--home', home, '--channel', '--channel-retry-ms', '100']);
    await waitFor(() => mcp.stderr().includes('channel: connected'), { timeoutMs: 20_000, what: 'the channel to connect' });
    const before = await world.emit('ticket.created', { name: 'before the gap' });
    const pushed = () => mcp.notifications.filter((n) => n.method === 'notifications/claude/channel').map((n) => (n.params as { meta: Record<string, string> }).meta);
    await waitFor(() => pushed().some((m) => m.event_id === String(before.event_id)), { timeoutMs: 20_000, what: 'the first push' });
    const beforeSeq = Number(pushed().find((m) => m.event_id === String(before.event_id))!.seq);
    await daemon.process.kill('SIGTERM');
    for (let i = 0; i < 500; i++) await world.emit('ticket.created', { i });
    daemon = await startDaemon(world, home);
    cleanup.add(() => daemon.process.kill('SIGKILL'));
    const after = await world.emit('ticket.created', { name: 'after the gap' });
    // A batch is pushed as a few events and one summary (first_event_id..last_event_id, count) of the rest.
    const lastPushed = (m: Record<string, string>) => (m.kind === 'summary' ? m.last_event_id : m.event_id);
    await waitFor(() => pushed().some((m) => lastPushed(m) === String(after.event_id)), { timeoutMs: 60_000, what: 'the push of the event after the gap' });
    // Everything the inbox holds after the first event: the 500, and the one after the gap.
    const expected = (await daemon.api.get<{ events: { event_id: number }[] }>(`/v1/events?since=${beforeSeq}&limit=1000`)).events.map((e) => String(e.event_id));
    expect(expected).toHaveLength(501);
    const covered: string[] = [];
    for (const m of pushed().filter((m) => Number(m.seq ?? Infinity) > beforeSeq)) {
      if (m.kind === 'summary') {
        const from = expected.indexOf(m.first_event_id!);
        covered.push(...expected.slice(from, from + Number(m.count)));
        expect(covered.at(-1)).toBe(m.last_event_id);
      } else covered.push(m.event_id!);
    }
    expect(covered).toEqual(expected);
  }, 120_000);
});
