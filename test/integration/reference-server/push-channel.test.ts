import { afterEach, describe, expect, it } from 'vitest';
import { startReferenceServer, type ReferenceServer, type ReferenceServerOptions } from '../../../relay/reference-server/server.js';
import { EventFrameSchema, HeartbeatFrameSchema, LagFrameSchema, METHOD, OpenFrameSchema } from '../../../relay/protocol/frames.js';
import { SseReader } from '../../helpers/sse-reader.js';

const TOKEN = 'tok';
const AUTH = { authorization: `Bearer ${TOKEN}` };
let server: ReferenceServer;
const readers: SseReader[] = [];

async function start(options: ReferenceServerOptions = {}): Promise<ReferenceServer> {
  server = await startReferenceServer({ tokens: { [TOKEN]: 't1', other: 't2' }, ...options });
  return server;
}

async function open(clientId: string, headers: Record<string, string> = {}, query = ''): Promise<SseReader> {
  const reader = await SseReader.open(`${server.url}/mcp/push/sse?client_id=${clientId}${query}`, { ...AUTH, ...headers });
  readers.push(reader);
  return reader;
}

const emit = (topic: string, payload: Record<string, unknown> = {}, extra: Record<string, string> = {}) =>
  server.emit('t1', { topic, payload, ...extra });

afterEach(async () => {
  for (const r of readers.splice(0)) r.close();
  await server?.close();
});

describe('push channel /mcp/push/sse', () => {
  it('opens with a subscription.open handshake listing active subscriptions and the cursor', async () => {
    await start();
    const sub = server.store.subscribe('t1', { client_id: 'c1', topic: ['deal.*'] }).row;
    server.store.subscribe('t1', { client_id: 'someone-else', topic: ['*'] });
    await emit('deal.won');
    const reader = await open('c1');
    expect(reader.status).toBe(200);
    expect(reader.headers['content-type']).toMatch(/^text\/event-stream/);
    await reader.waitForCount(METHOD.open, 1);
    const openFrame = OpenFrameSchema.parse(reader.messages[0]!.json);
    expect(reader.messages[0]!.event).toBe('notifications.pact.subscription.open');
    expect(openFrame.params.cursor).toBe(1); // no cursor given: live from the head
    expect(openFrame.params.subscriptions.map((s) => s.subscription_id)).toEqual([sub.subscription_id]);
  });

  it('sends one event frame per (event, matching subscription) with every seed field, id = event_id', async () => {
    await start();
    const deals = server.store.subscribe('t1', { client_id: 'c1', topic: ['deal.*'] }).row;
    const big = server.store.subscribe('t1', { client_id: 'c1', topic: ['deal.won'], filter: { amount_gte: 100000 } }).row;
    const reader = await open('c1');
    await reader.waitForCount(METHOD.open, 1);
    await emit('account.created', { account_id: 'a' }); // matches nothing
    const won = await emit('deal.won', { account_id: 'acc_uuid', amount: 150000, new_stage: 'Closed Won' }, {
      aggregate_type: 'deal',
      aggregate_id: 'deal_uuid',
      actor_id: 'rep@demo',
      correlation_id: 'req_abc',
    });
    await emit('deal.lost', { amount: 1 });
    await reader.waitForCount(METHOD.event, 3);
    const events = reader.byMethod(METHOD.event);
    expect(events).toHaveLength(3);
    const first = EventFrameSchema.parse(events[0]!.json).params;
    expect(events[0]!.id).toBe(String(won.event_id));
    expect(events[0]!.event).toBe('notifications.pact.event');
    expect(first).toEqual({
      subscription_id: expect.any(String),
      event_id: won.event_id,
      topic: 'deal.won',
      category: 'crm',
      aggregate_type: 'deal',
      aggregate_id: 'deal_uuid',
      actor_id: 'rep@demo',
      correlation_id: 'req_abc',
      occurred_at: won.occurred_at,
      payload: { account_id: 'acc_uuid', amount: 150000, new_stage: 'Closed Won' },
    });
    expect(events.slice(0, 2).map((e) => e.json.params.subscription_id).sort()).toEqual([deals.subscription_id, big.subscription_id].sort());
    expect(events[2]!.json.params).toMatchObject({ topic: 'deal.lost', subscription_id: deals.subscription_id });
  });

  it('sends heartbeats with the cursor', async () => {
    await start({ heartbeatMs: 40 });
    server.store.subscribe('t1', { client_id: 'c1', topic: ['*'] });
    await emit('deal.won');
    const reader = await open('c1');
    await reader.waitForCount(METHOD.heartbeat, 2);
    const hb = HeartbeatFrameSchema.parse(reader.byMethod(METHOD.heartbeat)[0]!.json);
    expect(hb.params.cursor).toBe(1);
    expect(reader.byMethod(METHOD.heartbeat)[0]!.id).toBeUndefined();
  });

  it('resumes from Last-Event-ID or ?cursor=, replaying only matching events after it', async () => {
    await start();
    server.store.subscribe('t1', { client_id: 'c1', topic: ['deal.*'] });
    for (const topic of ['deal.won', 'ticket.created', 'deal.lost', 'deal.created', 'ticket.created']) await emit(topic);
    const byHeader = await open('c1', { 'last-event-id': '1' });
    await byHeader.waitForCount(METHOD.event, 2);
    expect(byHeader.byMethod(METHOD.event).map((m) => m.id)).toEqual(['3', '4']);
    expect(OpenFrameSchema.parse(byHeader.messages[0]!.json).params.cursor).toBe(1);

    const byQuery = await open('c1', {}, '&cursor=0');
    await byQuery.waitForCount(METHOD.event, 3);
    expect(byQuery.byMethod(METHOD.event).map((m) => m.id)).toEqual(['1', '3', '4']);

    // A reconnecting EventSource sends Last-Event-ID with the URL it started with: the header wins.
    const both = await open('c1', { 'last-event-id': '3' }, '&cursor=0');
    await both.waitForCount(METHOD.event, 1);
    await emit('deal.won');
    await both.waitForCount(METHOD.event, 2);
    expect(both.byMethod(METHOD.event).map((m) => m.id)).toEqual(['4', '6']);
  });

  it('flags a cursor past the end of the log instead of silently skipping', async () => {
    await start();
    server.store.subscribe('t1', { client_id: 'c1', topic: ['*'] });
    await emit('deal.won');
    const reader = await open('c1', { 'last-event-id': '50' });
    await reader.waitForCount(METHOD.open, 1);
    expect(reader.messages[0]!.json.params).toMatchObject({ cursor: 1, requested_cursor: 50 });
  });

  it('refuses a bad cursor, a missing client_id and a missing token with a 4xx JSON reason', async () => {
    await start();
    const badCursor = await open('c1', { 'last-event-id': 'abc' });
    expect(badCursor.status).toBe(400);
    expect(JSON.parse(badCursor.body).error.code).toBe('invalid_cursor');
    const noClient = await SseReader.open(`${server.url}/mcp/push/sse`, AUTH);
    readers.push(noClient);
    expect(noClient.status).toBe(400);
    expect(JSON.parse(noClient.body).error.message).toContain('client_id');
    const noToken = await SseReader.open(`${server.url}/mcp/push/sse?client_id=c1`);
    readers.push(noToken);
    expect(noToken.status).toBe(401);
  });

  it('never pushes another tenant’s events', async () => {
    await start();
    server.store.subscribe('t1', { client_id: 'c1', topic: ['*'] });
    server.store.subscribe('t2', { client_id: 'c1', topic: ['*'] });
    const reader = await open('c1');
    await reader.waitForCount(METHOD.open, 1);
    await server.emit('t2', { topic: 'deal.won', payload: { secret: true } });
    await emit('deal.lost');
    await reader.waitForCount(METHOD.event, 1);
    expect(reader.byMethod(METHOD.event).map((m) => m.json.params.topic)).toEqual(['deal.lost']);
  });

  it('stops pushing after unsubscribe', async () => {
    await start();
    const row = server.store.subscribe('t1', { client_id: 'c1', topic: ['*'] }).row;
    const reader = await open('c1');
    await reader.waitForCount(METHOD.open, 1);
    server.store.unsubscribe('t1', row.subscription_id);
    await emit('deal.won');
    server.store.subscribe('t1', { client_id: 'c1', topic: ['deal.lost'] });
    await emit('deal.lost');
    await reader.waitForCount(METHOD.event, 1);
    expect(reader.byMethod(METHOD.event).map((m) => m.json.params.topic)).toEqual(['deal.lost']);
  });

  it('on overflow drops the oldest and sends one lag frame per flurry: received + dropped = matched', async () => {
    const capacity = 20;
    await start({ bufferCapacity: capacity, heartbeatMs: 60_000 });
    server.store.subscribe('t1', { client_id: 'slow', topic: ['custom.*'] });
    const reader = await open('slow');
    await reader.waitForCount(METHOD.open, 1);
    reader.pause();
    // Big payloads fill the kernel's socket buffers quickly; then the server's ring buffer overflows.
    const blob = 'x'.repeat(64 * 1024);
    const total = 400;
    for (let i = 0; i < total; i++) await emit('custom.load', { i, blob });
    const [connection] = server.connections('slow');
    expect(connection!.droppedTotal).toBeGreaterThan(0);
    reader.resume();
    await reader.waitUntil((ms) => {
      const received = ms.filter((m) => m.json.method === METHOD.event).length;
      const dropped = ms.filter((m) => m.json.method === METHOD.lag).reduce((n, m) => n + Number(m.json.params.dropped_count), 0);
      return received + dropped === total;
    }, 20_000, 'received + dropped to reach the matched count');
    const lags = reader.byMethod(METHOD.lag).map((m) => LagFrameSchema.parse(m.json).params);
    expect(lags).toHaveLength(1); // one flurry: the reader was paused once
    expect(lags[0]).toMatchObject({ buffer_capacity: capacity, dropped_count: connection!.droppedTotal });
    expect(lags[0]!.detail).toMatch(/resume from last_event_id/);
    // Everything before the lag frame is ≤ last_event_id; what was dropped comes back when resuming from it.
    const lagIndex = reader.messages.findIndex((m) => m.json.method === METHOD.lag);
    const before = reader.messages.slice(0, lagIndex).filter((m) => m.json.method === METHOD.event).map((m) => Number(m.id));
    expect(Math.max(...before)).toBe(lags[0]!.last_event_id);
    const received = new Set(reader.byMethod(METHOD.event).map((m) => Number(m.id)));
    const resumed = await open('slow', { 'last-event-id': String(lags[0]!.last_event_id) });
    await resumed.waitForCount(METHOD.event, total - lags[0]!.last_event_id);
    const replayed = new Set(resumed.byMethod(METHOD.event).map((m) => Number(m.id)));
    for (let id = 1; id <= total; id++) expect(received.has(id) || replayed.has(id)).toBe(true);
  });

  it('counts deliveries on the subscription (events_delivered, last_delivered_at)', async () => {
    await start();
    const row = server.store.subscribe('t1', { client_id: 'c1', topic: ['deal.*'] }).row;
    const reader = await open('c1');
    await reader.waitForCount(METHOD.open, 1);
    await emit('deal.won');
    await emit('deal.lost');
    await reader.waitForCount(METHOD.event, 2);
    const [listed] = server.store.listSubscriptions('t1', 'c1');
    expect(listed).toMatchObject({ subscription_id: row.subscription_id, events_delivered: 2 });
    expect(listed!.last_delivered_at).toEqual(expect.any(String));
  });

  it('counts connects per client and can inject failures (test controls)', async () => {
    await start();
    server.failNextStreams({ status: 429, retryAfterSeconds: 7, count: 1 });
    const limited = await open('c1');
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('7');
    const ok = await open('c1');
    expect(ok.status).toBe(200);
    expect(server.connectCount('c1')).toBe(1);
  });
});
