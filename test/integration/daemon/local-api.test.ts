// The local API's consumer semantics (DESIGN.md "Consumers") against a real daemon and an external
// reference server whose emits the test controls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceServer, type ReferenceServer } from '../../../relay/reference-server/server.js';
import { runCli, startCli, type CliProcess } from '../../helpers/cli.js';
import { allEvents, relayApi, type RelayApi } from '../../helpers/relay-api.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';

let server: ReferenceServer;
let relay: CliProcess;
let api: RelayApi;
let home: { path: string; cleanup(): Promise<void> };
const CLIENT = 'local-api-test';

async function emit(topic: string, payload: Record<string, unknown> = {}) {
  return server.emit('t1', { topic, payload });
}

async function inboxHas(n: number) {
  return waitFor(async () => (await allEvents(api)).length >= n, { what: `${n} events in the inbox` });
}

beforeAll(async () => {
  server = await startReferenceServer({ tokens: { key1: 't1' } });
  home = await tempDir('relay-home-');
  relay = startCli(['daemon', '--home', home.path, '--local-port', '0', '--server', server.url, '--client-id', CLIENT], {
    PUSH_RELAY_API_KEY: 'key1',
  });
  const url = await relay.line('listening');
  api = relayApi(url, home.path);
  await api.post('/v1/subscriptions', { topic: ['deal.*', 'ticket.*'] });
  await waitFor(async () => (await api.get<{ upstream: { state: string } }>('/v1/status')).upstream.state === 'open', { what: 'upstream open' });
});

afterAll(async () => {
  await relay?.kill();
  await server?.close();
  await home?.cleanup();
});

describe('consumers over /v1/pending, /v1/ack, /v1/wait', () => {
  it('the default consumer (claude-code) sees every event from the first start; ack moves it', async () => {
    await emit('deal.won', { n: 1 });
    await emit('ticket.created', { n: 2 });
    await inboxHas(2);
    const first = await api.get<{ consumer: string; events: { seq: number; topic: string }[]; pending: number }>('/v1/pending?limit=1');
    expect(first.consumer).toBe('claude-code');
    expect(first.events.map((e) => e.topic)).toEqual(['deal.won']);
    expect(first.pending).toBe(1); // one more after the listed one
    const acked = await api.get<{ events: unknown[]; pending: number; acked: boolean }>('/v1/pending?ack=true');
    expect(acked.events).toHaveLength(2);
    expect(acked).toMatchObject({ pending: 0, acked: true });
    expect((await api.get<{ events: unknown[] }>('/v1/pending')).events).toHaveLength(0);
  });

  it('a new consumer starts at the head (no history flood) unless it asks for the earliest', async () => {
    const fresh = await api.get<{ events: unknown[] }>('/v1/pending?consumer=fresh');
    expect(fresh.events).toHaveLength(0);
    const history = await api.get<{ events: unknown[] }>('/v1/pending?consumer=historian&start=earliest');
    expect(history.events.length).toBeGreaterThanOrEqual(2);
    await emit('deal.lost');
    await waitFor(async () => (await api.get<{ events: unknown[] }>('/v1/pending?consumer=fresh')).events.length === 1, { what: 'fresh consumer sees the new event' });
  });

  it('filters by topic and acks by upstream event id', async () => {
    const before = (await allEvents(api)).length;
    const won = await emit('deal.won', { n: 'a' });
    await emit('ticket.created', { n: 'b' });
    await inboxHas(before + 2);
    const deals = await api.get<{ events: { topic: string; event_id: number }[] }>('/v1/pending?topic=deal.*');
    expect(deals.events.every((e) => e.topic.startsWith('deal.'))).toBe(true);
    const state = await api.post<{ cursor: number; pending: number }>('/v1/ack', { up_to_event_id: won.event_id });
    const rest = await api.get<{ events: { event_id: number }[] }>('/v1/pending');
    expect(rest.events.every((e) => e.event_id > won.event_id)).toBe(true);
    expect(state.pending).toBe(rest.events.length);
    await api.get('/v1/pending?ack=true');
  });

  it('/v1/wait returns at once when something is pending, else on the next matching event, else timeout', async () => {
    const timeout = await api.get<{ status: string; events: unknown[] }>('/v1/wait?consumer=waiter&timeout_ms=50');
    expect(timeout).toMatchObject({ status: 'timeout', events: [] });
    const waiting = api.get<{ status: string; events: { topic: string }[] }>('/v1/wait?consumer=waiter&topic=deal.*&timeout_ms=10000&ack=true');
    await emit('ticket.created'); // not a deal: the waiter keeps waiting
    await emit('deal.stage_changed', { new_stage: 'Proposal' });
    const woken = await waiting;
    expect(woken.status).toBe('event');
    expect(woken.events.map((e) => e.topic)).toEqual(['deal.stage_changed']);
    // The acking, topic-filtered wait took only what it returned: the ticket is still pending for this consumer.
    const left = await api.get<{ events: { topic: string }[] }>('/v1/pending?consumer=waiter');
    expect(left.events.map((e) => e.topic)).toEqual(['ticket.created']);
  });

  it('rejects bad parameters with 400s that say what is wrong', async () => {
    const bad = await api.raw('/v1/pending?limit=lots');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('limit');
    const unknown = await api.raw('/v1/pending?bogus=1');
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain('bogus');
    const ack = await api.raw('/v1/ack', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(ack.status).toBe(400);
  });
});

describe('CLI commands that operate the relay', () => {
  const cli = (...args: string[]) => runCli([...args, '--home', home.path]);

  it('subscribe, subscriptions, topics, unsubscribe, status and events', async () => {
    const sub = await cli('subscribe', '--topic', 'account.health_*', '--filter', '{"score_lt": 40}', '--label', 'health', '--json');
    expect(sub.code).toBe(0);
    const row = JSON.parse(sub.stdout) as { subscription_id: string; client_id: string; filter: unknown };
    expect(row).toMatchObject({ client_id: CLIENT, filter: { score_lt: 40 } });
    const list = await cli('subscriptions');
    expect(list.stdout).toContain(row.subscription_id);
    const topics = await cli('topics', '--category', 'crm');
    expect(topics.stdout).toContain('deal.won');
    expect((await cli('unsubscribe', row.subscription_id)).stdout).toContain('unsubscribed');
    expect((await cli('subscriptions')).stdout).not.toContain(row.subscription_id);
    const status = await cli('status');
    expect(status.stdout).toMatch(/upstream\s+open/);
    const json = JSON.parse((await cli('status', '--json')).stdout) as { client_id: string };
    expect(json.client_id).toBe(CLIENT);
    await emit('deal.won', { amount: 7 });
    await waitFor(async () => (await cli('events')).stdout.includes('"amount":7'), { what: 'events listing the new event' });
    const pending = await cli('events', '--pending', '--consumer', 'cli-reader');
    expect(pending.stdout).toContain('more pending for cli-reader');
  });

  it('an invalid filter is refused with the server’s reason', async () => {
    const { code, stderr } = await cli('subscribe', '--topic', 'deal.*', '--filter', '{"amount_gte":"x"}');
    expect(code).toBe(1);
    expect(stderr).toContain('amount_gte');
  });

  it('unsubscribe of an unknown id names the CLI command that lists the ids, not the MCP tool', async () => {
    const { code, stderr } = await cli('unsubscribe', 'not-an-id');
    expect(code).toBe(1);
    expect(stderr).toBe('push-relay: no subscription "not-an-id" for this relay\'s client id; run `push-relay subscriptions` to see the ids you have\n');
  });

  it('says how to start a relay when none is running', async () => {
    const empty = await tempDir('no-relay-');
    try {
      const { code, stderr } = await runCli(['status', '--home', empty.path]);
      expect(code).toBe(1);
      expect(stderr).toContain('no relay is running');
      expect(stderr).toContain('push-relay daemon');
    } finally {
      await empty.cleanup();
    }
  });
});
