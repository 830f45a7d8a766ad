// The relay's `/mcp` endpoint at protocol level: the MCP SDK client against an in-process relay fed by a
// reference push server whose emits the test controls (DESIGN.md "Local MCP tools", 'Who uses it' 3).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRelay } from '../../../relay/core/relay.js';
import { DATA_IS } from '../../../relay/local/mcp/schemas.js';
import { TOOL_NAMES } from '../../../relay/local/mcp/tools.js';
import { waitFor } from '../../helpers/wait-for.js';
import { CLIENT_ID, connectHttp, emitAndStore, startInProcessRelay, startWorld, text, type HttpClient, type WaitOut, type World } from './harness.js';

let world: World;
let relay: RunningRelay;
const clients: HttpClient[] = [];
const waiters = () => relay.core.inbox.stats().waiters;

async function client(path?: string): Promise<HttpClient> {
  const c = await connectHttp(relay, path);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  world = await startWorld();
  relay = await startInProcessRelay(world);
});

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => undefined);
  // Every test leaves no wait behind on the server: a leak shows up here.
  await waitFor(() => waiters() === 0, { what: 'no server-side waiters left' });
});

afterAll(async () => {
  await relay?.close();
  await world?.close();
});

describe('/mcp over Streamable HTTP', () => {
  it('lists the eight tools with input and output schemas', async () => {
    const c = await client();
    const { tools } = await c.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...TOOL_NAMES].sort());
    const wait = tools.find((t) => t.name === 'wait_for_event')!;
    expect(wait.inputSchema.properties).toHaveProperty('timeout_seconds');
    expect(wait.outputSchema?.properties).toHaveProperty('status');
    expect(c.client.getServerVersion()?.name).toBe('push-relay');
  });

  it('wait_for_event returns at once when something is pending, and acks it', async () => {
    const c = await client();
    await c.ok('get_pending_events', { limit: 100 }); // drain the shared default consumer
    await emitAndStore(world, relay, 'deal.won', { amount: 5 });
    const r = await c.ok<WaitOut>('wait_for_event', { timeout_seconds: 60 });
    expect(r.status).toBe('event');
    expect(r.events.map((e) => e.topic)).toEqual(['deal.won']);
    const again = await c.ok<WaitOut>('wait_for_event', { timeout_seconds: 0 });
    expect(again).toMatchObject({ status: 'timeout', events: [] });
  });

  it('wait_for_event blocks, and returns within the same call when an event is emitted a second later', async () => {
    const c = await client();
    const call = c.ok<WaitOut>('wait_for_event', { consumer: 'blocker', topic: 'deal.*', timeout_seconds: 60 });
    await waitFor(() => waiters() === 1, { what: 'the wait to be parked' });
    await new Promise((r) => setTimeout(r, 1000));
    await world.emit('ticket.created', { n: 1 }); // not a deal: keeps waiting
    const deal = await world.emit('deal.stage_changed', { new_stage: 'Proposal' });
    const r = await call;
    expect(r.status).toBe('event');
    expect(r.events.map((e) => e.event_id)).toEqual([deal.event_id]);
    expect(r.consumer).toBe('blocker');
  });

  it('times out with status "timeout", not an error', async () => {
    const c = await client();
    const r = await c.call('wait_for_event', { consumer: 'patient', timeout_seconds: 0.3 });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toEqual({ status: 'timeout', consumer: 'patient', events: [], pending: 0, data_is: DATA_IS });
    expect(text(r)).toContain('timeout');
  });

  it('sends progress notifications while it waits (SSE responses, not JSON)', async () => {
    const c = await client();
    const progress: number[] = [];
    const r = await c.call('wait_for_event', { consumer: 'progress', timeout_seconds: 1 }, { onprogress: (p) => progress.push(p.progress) });
    expect(r.structuredContent).toMatchObject({ status: 'timeout' });
    expect(progress.length).toBeGreaterThanOrEqual(2);
  });

  it('cancellation (AbortSignal → notifications/cancelled) ends the server-side wait', async () => {
    const c = await client();
    const abort = new AbortController();
    const call = c.call('wait_for_event', { consumer: 'cancelled', timeout_seconds: 600 }, { signal: abort.signal });
    await waitFor(() => waiters() === 1, { what: 'the wait to be parked' });
    abort.abort();
    await expect(call).rejects.toThrow();
    await waitFor(() => waiters() === 0, { what: 'the server-side wait to end' });
  });

  it('a client that disconnects mid-wait (no cancel sent) ends the server-side wait', async () => {
    const c = await client();
    const call = c.call('wait_for_event', { consumer: 'vanishing', timeout_seconds: 600 });
    await waitFor(() => waiters() === 1, { what: 'the wait to be parked' });
    await c.transport.close(); // aborts the HTTP requests; sends neither a cancel nor a DELETE
    await expect(call).rejects.toThrow();
    await waitFor(() => waiters() === 0, { what: 'the server-side wait to end' });
    // Nothing was acked by the abandoned wait: the next event is still there for this consumer.
  });

  it('ending the session (DELETE) ends its waits, and the session id is gone', async () => {
    const c = await client();
    const call = c.call('wait_for_event', { consumer: 'deleted', timeout_seconds: 600 }).catch((e: unknown) => e);
    await waitFor(() => waiters() === 1, { what: 'the wait to be parked' });
    const sessionId = c.transport.sessionId!;
    await c.transport.terminateSession();
    await waitFor(() => waiters() === 0, { what: 'the server-side wait to end' });
    await c.transport.close();
    await call;
    const res = await fetch(`${relay.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${relay.token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(404);
  });

  it('releases 200 concurrent wait_for_event callers with one event', async () => {
    const c = await client();
    // One consumer each: within one consumer an event goes to one taker only (claims.test.ts).
    const calls = Array.from({ length: 200 }, (_, i) => c.ok<WaitOut>('wait_for_event', { consumer: `crowd-${i}`, timeout_seconds: 120 }));
    await waitFor(() => waiters() === 200, { timeoutMs: 30_000, what: '200 parked waits' });
    const emitted = await world.emit('deal.won', { crowd: true });
    const results = await Promise.all(calls);
    expect(results.every((r) => r.status === 'event' && r.events[0]?.event_id === emitted.event_id)).toBe(true);
  }, 60_000);

  it('get_pending_events and ack_events share the default consumer (claude-code) with the hooks’ /v1 API', async () => {
    const c = await client();
    await c.ok('get_pending_events', { limit: 100 });
    const a = await emitAndStore(world, relay, 'ticket.created', { n: 'a' });
    const b = await emitAndStore(world, relay, 'ticket.created', { n: 'b' });
    await emitAndStore(world, relay, 'deal.won', { n: 'c' });

    const peek = await c.ok<{ consumer: string; events: { event_id: number }[]; acked: boolean; pending: number }>('get_pending_events', { ack: false, limit: 2 });
    expect(peek).toMatchObject({ consumer: 'claude-code', acked: false, pending: 1 });
    expect(peek.events.map((e) => e.event_id)).toEqual([a.event_id, b.event_id]);

    const acked = await c.ok<{ cursor: number; pending: number }>('ack_events', { up_to_event_id: a.event_id });
    expect(acked.pending).toBe(2);
    // The hooks read the same consumer through /v1/pending: what the tool acked is gone there too.
    const hookView = await fetch(`${relay.url}/v1/pending`, { headers: { authorization: `Bearer ${relay.token}` } });
    const hook = (await hookView.json()) as { events: { event_id: number }[] };
    expect(hook.events.map((e) => e.event_id)).not.toContain(a.event_id);
    expect(hook.events.map((e) => e.event_id)).toContain(b.event_id);
    // …and what the hook path acks is not handed over again by the tool.
    await fetch(`${relay.url}/v1/pending?ack=true`, { headers: { authorization: `Bearer ${relay.token}` } });
    expect(await c.ok('get_pending_events')).toMatchObject({ events: [], pending: 0 });
  });

  it('a new non-default consumer starts at the head (no history flood)', async () => {
    const c = await client();
    await emitAndStore(world, relay, 'deal.lost');
    expect(await c.ok('get_pending_events', { consumer: 'newcomer' })).toMatchObject({ consumer: 'newcomer', events: [] });
    await emitAndStore(world, relay, 'deal.won', { fresh: 1 });
    const r = await c.ok<{ events: { topic: string }[] }>('get_pending_events', { consumer: 'newcomer' });
    expect(r.events.map((e) => e.topic)).toEqual(['deal.won']);
  });

  it('?consumer= on the endpoint URL sets the session’s default consumer', async () => {
    const c = await client('/mcp?consumer=cursor-ide');
    expect(await c.ok('get_pending_events')).toMatchObject({ consumer: 'cursor-ide' });
  });

  it('subscribe, list_subscriptions, unsubscribe and list_topics go to the push server with the relay’s client id', async () => {
    const c = await client();
    const row = await c.ok<{ subscription_id: string; client_id: string; topic_patterns: string[] }>('subscribe', {
      topic: ['account.health_*'],
      filter: { score_lt: 40 },
      client_label: 'from mcp',
    });
    expect(row).toMatchObject({ client_id: CLIENT_ID, topic_patterns: ['account.health_*'] });
    const list = await c.ok<{ subscriptions: { subscription_id: string }[] }>('list_subscriptions');
    expect(list.subscriptions.map((s) => s.subscription_id)).toContain(row.subscription_id);
    expect(await c.ok('unsubscribe', { subscription_id: row.subscription_id })).toMatchObject({ unsubscribed: true });
    const topics = await c.ok<{ topics: { topic: string }[] }>('list_topics', { category: 'crm' });
    expect(topics.topics.map((t) => t.topic)).toContain('deal.won');
  });

  it('relay_status reports the upstream state and pending counts per consumer', async () => {
    const c = await client();
    const s = await c.ok<{ state: string; client_id: string; consumers: { name: string; pending: number }[]; last_error: unknown }>('relay_status');
    expect(s).toMatchObject({ state: 'open', client_id: CLIENT_ID, last_error: null });
    expect(s.consumers.map((x) => x.name)).toContain('claude-code');
  });

  it('refuses requests without a session or with an unknown one, and without the local token', async () => {
    const headers = { authorization: `Bearer ${relay.token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect((await fetch(`${relay.url}/mcp`, { method: 'POST', headers, body })).status).toBe(400);
    expect((await fetch(`${relay.url}/mcp`, { method: 'POST', headers: { ...headers, 'mcp-session-id': 'nope' }, body })).status).toBe(404);
    expect((await fetch(`${relay.url}/mcp`, { method: 'POST', headers: { ...headers, authorization: 'Bearer wrong' }, body })).status).toBe(401);
  });
});

describe('/mcp session lifetime', () => {
  it('closes a session that has had no request open for the idle timeout', async () => {
    const w = await startWorld();
    const r = await startInProcessRelay(w, { idleTimeoutMs: 300 });
    try {
      // A bare client that holds no GET stream (an open stream counts as a live client).
      const headers = { authorization: `Bearer ${r.token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      const init = await fetch(`${r.url}/mcp`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bare', version: '0' } } }),
      });
      expect(init.status).toBe(200);
      await init.text();
      const sessionId = init.headers.get('mcp-session-id')!;
      const ping = async () => {
        const res = await fetch(`${r.url}/mcp`, {
          method: 'POST',
          headers: { ...headers, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }),
        });
        await res.text();
        return res.status;
      };
      expect(await ping()).toBe(200);
      // Each ping is activity itself, so poll less often than the idle timeout.
      await waitFor(async () => (await ping()) === 404, { timeoutMs: 20_000, intervalMs: 1000, what: 'the idle session to expire' });
    } finally {
      await r.close();
      await w.close();
    }
  });
});
