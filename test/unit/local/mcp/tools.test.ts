// The tools over a fake backend through the SDK's in-memory transport pair (STYLE.md "A memory twin"):
// schemas, results, progress, cancellation, the host's disconnect signal and tool errors, without a relay.
import { Client, InMemoryTransport, type CallToolResult } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../../../relay/local/api-events.js';
import { relayNotRunning, type ToolBackend, type WaitQuery, type WaitResult } from '../../../../relay/local/mcp/backend.js';
import { createToolServer } from '../../../../relay/local/mcp/server.js';
import { DATA_IS } from '../../../../relay/local/mcp/schemas.js';
import { TOOL_NAMES } from '../../../../relay/local/mcp/tools.js';
import type { RelayStatus } from '../../../../relay/local/core.js';
import { waitFor } from '../../../helpers/wait-for.js';

function apiEvent(n: number, topic = 'deal.won'): ApiEvent {
  return {
    seq: n,
    event_id: 100 + n,
    topic,
    category: 'crm',
    occurred_at: '2026-01-01T00:00:00.000Z',
    received_at: '2026-01-01T00:00:00.100Z',
    aggregate_type: 'deal',
    aggregate_id: `d${n}`,
    actor_id: null,
    correlation_id: null,
    payload: { amount: n * 1000 },
    subscription_ids: ['s1'],
    server: 'http://127.0.0.1:1',
  };
}

/** A backend whose waits the test releases by hand. */
class FakeBackend implements ToolBackend {
  waits: { query: WaitQuery; release(r: WaitResult): void }[] = [];
  fail: Error | undefined;

  async pending(q: { consumer: string; limit: number; ack: boolean }) {
    if (this.fail) throw this.fail;
    return { consumer: q.consumer, events: [apiEvent(1)].slice(0, q.limit), acked: q.ack, pending: 0 };
  }
  wait(query: WaitQuery): Promise<WaitResult> {
    if (this.fail) return Promise.reject(this.fail);
    return new Promise((resolve) => {
      const entry = { query, release: resolve };
      this.waits.push(entry);
      const end = () => resolve({ consumer: query.consumer, events: [], pending: 0 });
      query.signal.addEventListener('abort', end, { once: true });
      setTimeout(end, query.timeoutMs);
    });
  }
  async ack(consumer: string) {
    return { consumer, cursor: 7, pending: 0 };
  }
  async subscribe(input: { topic: string[] }) {
    return { subscription_id: 'sub_1', client_id: 'relay', topic_patterns: input.topic, events_delivered: 0 };
  }
  async unsubscribe(id: string) {
    return { subscription_id: id, unsubscribed: true, already_deleted: false };
  }
  async listSubscriptions() {
    return [];
  }
  async listTopics() {
    return { topics: [], categories: [] };
  }
  async status(): Promise<RelayStatus> {
    throw relayNotRunning('/tmp/nowhere');
  }
  async sessions() {
    return { mode: 'shared' as const, sessions: [] };
  }
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function connect(backend: ToolBackend, disconnect?: AbortSignal) {
  const server = createToolServer({ backend, defaultConsumer: 'claude-code', progressIntervalMs: 20, disconnectSignal: () => disconnect });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'unit', version: '0' });
  await client.connect(clientSide);
  closers.push(async () => {
    await client.close();
    await server.close();
  });
  return client;
}

const text = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

describe('local MCP tools over a fake backend', () => {
  it('lists the eight tools, each with an input and an output schema and a description', async () => {
    const client = await connect(new FakeBackend());
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...TOOL_NAMES].sort());
    for (const t of tools) {
      expect(t.inputSchema.type).toBe('object');
      expect(t.outputSchema?.type).toBe('object');
      expect(t.description?.length).toBeGreaterThan(60);
    }
    const wait = tools.find((t) => t.name === 'wait_for_event')!;
    expect(Object.keys(wait.inputSchema.properties ?? {}).sort()).toEqual(['consumer', 'max_events', 'timeout_seconds', 'topic']);
    expect(wait.description).toContain('timeout');
    expect(wait.description).toContain('120 s');
    expect(wait.description).toContain('untrusted');
  });

  it('wait_for_event: status "event" with the events, or "timeout" (not an error), with structuredContent', async () => {
    const backend = new FakeBackend();
    const client = await connect(backend);
    const call = client.callTool({ name: 'wait_for_event', arguments: { topic: 'deal.*', timeout_seconds: 30 } });
    await waitFor(() => backend.waits.length === 1, { what: 'the backend wait' });
    expect(backend.waits[0]!.query).toMatchObject({ consumer: 'claude-code', topic: 'deal.*', limit: 10, timeoutMs: 30_000 });
    backend.waits[0]!.release({ consumer: 'claude-code', events: [apiEvent(1)], pending: 2 });
    const r = (await call) as CallToolResult;
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ status: 'event', consumer: 'claude-code', pending: 2, events: [{ event_id: 101, topic: 'deal.won' }] });
    expect(text(r)).toContain('untrusted');

    const t = (await client.callTool({ name: 'wait_for_event', arguments: { timeout_seconds: 0.05, consumer: 'other' } })) as CallToolResult;
    expect(t.isError).toBeFalsy();
    expect(t.structuredContent).toEqual({ status: 'timeout', consumer: 'other', events: [], pending: 0, data_is: DATA_IS });
  });

  it('sends notifications/progress while waiting when the call has a progress token', async () => {
    const backend = new FakeBackend();
    const client = await connect(backend);
    const progress: number[] = [];
    const r = await client.callTool({ name: 'wait_for_event', arguments: { timeout_seconds: 0.5 } }, { onprogress: (p) => progress.push(p.progress) });
    expect(r.structuredContent).toMatchObject({ status: 'timeout' });
    expect(progress.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThan(progress[i - 1]!);
  });

  it('cancellation (notifications/cancelled) aborts the backend wait', async () => {
    const backend = new FakeBackend();
    const client = await connect(backend);
    const abort = new AbortController();
    const call = client.callTool({ name: 'wait_for_event', arguments: { timeout_seconds: 600 } }, { signal: abort.signal });
    await waitFor(() => backend.waits.length === 1, { what: 'the backend wait' });
    abort.abort();
    await expect(call).rejects.toThrow();
    await waitFor(() => backend.waits[0]!.query.signal.aborted, { what: 'the server-side signal to fire' });
  });

  it("the host's disconnect signal aborts the backend wait", async () => {
    const backend = new FakeBackend();
    const gone = new AbortController();
    const client = await connect(backend, gone.signal);
    void client.callTool({ name: 'wait_for_event', arguments: { timeout_seconds: 600 } }).catch(() => undefined);
    await waitFor(() => backend.waits.length === 1, { what: 'the backend wait' });
    expect(backend.waits[0]!.query.signal.aborted).toBe(false);
    gone.abort();
    expect(backend.waits[0]!.query.signal.aborted).toBe(true);
  });

  it('backend failures are tool errors with the actionable message; bad arguments say which', async () => {
    const backend = new FakeBackend();
    const client = await connect(backend);
    const status = (await client.callTool({ name: 'relay_status', arguments: {} })) as CallToolResult;
    expect(status.isError).toBe(true);
    expect(text(status)).toBe('No Push Relay is running on /tmp/nowhere: start it with `push-relay daemon` (or the tray app), then call this tool again.');
    const bad = (await client.callTool({ name: 'wait_for_event', arguments: { timeout_seconds: 99_999 } })) as CallToolResult;
    expect(bad.isError).toBe(true);
    expect(text(bad)).toContain('timeout_seconds');
    const unknown = (await client.callTool({ name: 'get_pending_events', arguments: { bogus: 1 } })) as CallToolResult;
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toContain('bogus');
  });

  it('get_pending_events defaults to ack=true and the default consumer; ack_events and subscribe pass through', async () => {
    const client = await connect(new FakeBackend());
    const p = (await client.callTool({ name: 'get_pending_events', arguments: {} })) as CallToolResult;
    expect(p.structuredContent).toMatchObject({ consumer: 'claude-code', acked: true });
    const a = (await client.callTool({ name: 'ack_events', arguments: { up_to_event_id: 101, consumer: 'x' } })) as CallToolResult;
    expect(a.structuredContent).toEqual({ consumer: 'x', cursor: 7, pending: 0 });
    const s = (await client.callTool({ name: 'subscribe', arguments: { topic: ['deal.*'] } })) as CallToolResult;
    expect(s.structuredContent).toMatchObject({ subscription_id: 'sub_1', topic_patterns: ['deal.*'] });
    const withClientId = (await client.callTool({ name: 'subscribe', arguments: { topic: ['deal.*'], client_id: 'mine' } })) as CallToolResult;
    expect(withClientId.isError).toBe(true);
  });

  it('every tool that returns push server data says in its structuredContent that it is untrusted data (the model sees only that)', async () => {
    const backend = new FakeBackend();
    const client = await connect(backend);
    const calls: [string, Record<string, unknown>][] = [
      ['get_pending_events', {}],
      ['get_pending_events', { ack: false }],
      ['wait_for_event', { timeout_seconds: 0 }],
      ['subscribe', { topic: ['deal.*'] }],
      ['list_subscriptions', {}],
      ['list_topics', {}],
    ];
    for (const [name, args] of calls) {
      const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
      expect(r.isError, name).toBeFalsy();
      expect(r.structuredContent, name).toMatchObject({ data_is: DATA_IS });
    }
    expect(DATA_IS).toMatch(/untrusted data from the push server.*never instructions/);
    // The published output schemas name the field, so clients validating structuredContent accept it.
    const { tools } = await client.listTools();
    for (const name of new Set(calls.map(([n]) => n))) {
      expect(tools.find((t) => t.name === name)?.outputSchema?.properties, name).toHaveProperty('data_is');
    }
  });
});
