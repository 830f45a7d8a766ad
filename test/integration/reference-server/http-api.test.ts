import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceServer, type ReferenceServer } from '../../../relay/reference-server/server.js';
import { METHOD } from '../../../relay/protocol/frames.js';
import { MAX_FRAME_BYTES, MAX_FRAME_DEPTH } from '../../../relay/protocol/limits.js';
import { decodeFrame } from '../../../relay/upstream/frame-decoder.js';
import { SseReader } from '../../helpers/sse-reader.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';

let server: ReferenceServer;
const ADMIN = 'admin-secret';

beforeAll(async () => {
  server = await startReferenceServer({ tokens: { tok: 't1', tok2: 't2' }, adminToken: ADMIN });
});
afterAll(() => server?.close());

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { authorization: 'Bearer tok', 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('POST /v1/events', () => {
  it('returns {event_id, occurred_at} with ids strictly increasing per tenant', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await post('/v1/events', { topic: 'deal.won', payload: { i } });
      expect(res.status).toBe(201);
      const body = (await res.json()) as { event_id: number; occurred_at: string };
      expect(Number.isNaN(Date.parse(body.occurred_at))).toBe(false);
      ids.push(body.event_id);
    }
    expect(ids).toEqual([ids[0], ids[0]! + 1, ids[0]! + 2]);
    const other = (await (await post('/v1/events', { topic: 'deal.won', payload: {} }, { authorization: 'Bearer tok2' })).json()) as { event_id: number };
    expect(other.event_id).toBe(1); // another tenant has its own sequence
  });

  it('takes custom.* topics with category custom and refuses unknown topics', async () => {
    const ok = await post('/v1/events', { topic: 'custom.deal_at_risk', payload: { severity: 'warning' } });
    expect(ok.status).toBe(201);
    const bad = await post('/v1/events', { topic: 'no.such.topic', payload: {} });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('unknown_topic');
    expect(body.error.message).toContain('custom.');
  });

  it.each([
    ['invalid JSON', '{"topic":', 'invalid_json'],
    ['an empty body', '', 'empty_body'],
    ['a missing payload', { topic: 'deal.won' }, 'invalid_event'],
    ['an unknown field', { topic: 'deal.won', payload: {}, tenant_id: 'x' }, 'invalid_event'],
    ['a payload that is not an object', { topic: 'deal.won', payload: [1] }, 'invalid_event'],
  ])('answers %s with a 400 that says what is wrong', async (_name, body, code) => {
    const res = await post('/v1/events', body);
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { code: string; message: string } };
    expect(json.error.code).toBe(code);
    expect(json.error.message.length).toBeGreaterThan(5);
    if (code === 'invalid_event' && typeof body === 'object' && 'tenant_id' in body) expect(json.error.message).toContain('tenant_id');
  });

  it('refuses bodies over 1 MiB with 413 and keeps serving', async () => {
    const res = await post('/v1/events', { topic: 'deal.won', payload: { blob: 'x'.repeat(1024 * 1024) } });
    expect(res.status).toBe(413);
    expect((await post('/v1/events', { topic: 'deal.won', payload: {} })).status).toBe(201);
  });

  it('refuses a non-JSON content type with 415, wrong methods with 405 and unknown routes with 404', async () => {
    expect((await post('/v1/events', 'x', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await fetch(`${server.url}/v1/events`, { headers: { authorization: 'Bearer tok' } })).status).toBe(405);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('needs a tenant token', async () => {
    expect((await post('/v1/events', { topic: 'deal.won', payload: {} }, { authorization: 'Bearer wrong' })).status).toBe(401);
  });
});

describe('events relays would refuse', () => {
  const nested = (levels: number): Record<string, unknown> => {
    let value: Record<string, unknown> = { leaf: 1 };
    for (let i = 1; i < levels; i++) value = { a: value };
    return value;
  };

  it('refuses at emit a frame over the relay limits, naming them; accepts one at the limits, which the relay decodes', async () => {
    server.store.subscribe('t1', { client_id: 'limits', topic: ['deal.won'] });
    const reader = await SseReader.open(`${server.url}/mcp/push/sse?client_id=limits`, { authorization: 'Bearer tok' });
    try {
      await reader.waitForCount(METHOD.open, 1);
      const emit = async (payload: unknown) => {
        const res = await post('/v1/events', { topic: 'deal.won', payload });
        return { status: res.status, body: (await res.json()) as { event_id: number; error: { code: string; message: string } } };
      };
      const probe = await emit({ blob: '' });
      expect(probe.status).toBe(201);
      await reader.waitForCount(METHOD.event, 1);
      const probeBytes = Buffer.byteLength(reader.byMethod(METHOD.event)[0]!.data);
      const digits = (n: number) => String(n).length;
      // The frame of the next event with this blob is exactly MAX_FRAME_BYTES (its id may have one digit more).
      const fits = 'x'.repeat(MAX_FRAME_BYTES - probeBytes - digits(probe.body.event_id + 1) + digits(probe.body.event_id));

      const over = await emit({ blob: `${fits}x` });
      expect(over.status).toBe(413);
      expect(over.body.error.code).toBe('event_too_large');
      expect(over.body.error.message).toContain(`${MAX_FRAME_BYTES}-byte limit`);
      const deep = await emit(nested(MAX_FRAME_DEPTH - 1));
      expect(deep.status).toBe(400);
      expect(deep.body.error.code).toBe('payload_too_deep');
      expect(deep.body.error.message).toContain(`${MAX_FRAME_DEPTH}-level limit`);

      // At the limits: accepted, with the next id (refused events took none), and decoded by the relay.
      const atSize = await emit({ blob: fits });
      expect(atSize.status).toBe(201);
      expect(atSize.body.event_id).toBe(probe.body.event_id + 1);
      const atDepth = await emit(nested(MAX_FRAME_DEPTH - 2));
      expect(atDepth.status).toBe(201);
      await reader.waitForCount(METHOD.event, 3);
      const frames = reader.byMethod(METHOD.event).slice(1);
      expect(Buffer.byteLength(frames[0]!.data)).toBe(MAX_FRAME_BYTES);
      for (const message of frames) {
        const decoded = decodeFrame(message);
        expect(decoded).not.toHaveProperty('malformed');
      }
    } finally {
      reader.close();
    }
  });

  it('refuses them from in-process emit too', async () => {
    await expect(server.emit('t1', { topic: 'deal.won', payload: nested(5_000) })).rejects.toMatchObject({ code: 'payload_too_deep' });
    await expect(server.emit('t1', { topic: 'deal.won', payload: { blob: 'x'.repeat(MAX_FRAME_BYTES) } })).rejects.toMatchObject({ code: 'event_too_large' });
  });
});

describe('deeply nested JSON', () => {
  // With a data dir, as the daemon runs it: the journal's JSON.stringify is what overflowed the stack (a 500).
  let persistent: ReferenceServer;
  let dir: TempDir;
  beforeAll(async () => {
    dir = await tempDir('ref-deep-');
    persistent = await startReferenceServer({ tokens: { tok: 't1' }, dataDir: dir.path });
  });
  afterAll(async () => {
    await persistent?.close();
    await dir?.cleanup();
  });

  const deep = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
  it.each([
    ['/v1/events', `{"topic":"deal.won","payload":${deep(50_000)}}`],
    ['/v1/consent', `{"subject":"s","status":"granted","purpose":${deep(50_000)}}`],
    ['/mcp/', `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_topics","arguments":${deep(50_000)}}}`],
  ])('answers a 50,000-deep body on %s with a 400 naming the limit, and keeps serving', async (path, body) => {
    const send = (text: string) =>
      fetch(`${persistent.url}${path}`, {
        method: 'POST',
        headers: { authorization: 'Bearer tok', 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: text,
      });
    const res = await send(body);
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { code: string; message: string } };
    expect(json.error).toMatchObject({ code: 'json_too_deep' });
    expect(json.error.message).toContain('100 levels');
    const ok = await fetch(`${persistent.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: 'Bearer tok', 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'deal.won', payload: { a: { b: 1 } } }),
    });
    expect(ok.status).toBe(201);
  });
});

describe('consent gate', () => {
  it('never pushes a withdrawn or suppressed subject, counts it, and pushes again once granted', async () => {
    server.store.subscribe('t1', { client_id: 'consent-client', topic: ['contact.*'] });
    const reader = await SseReader.open(`${server.url}/mcp/push/sse?client_id=consent-client`, { authorization: 'Bearer tok' });
    try {
      await reader.waitForCount(METHOD.open, 1);
      expect((await post('/v1/consent', { subject: 'ann@example.com', status: 'withdrawn' })).status).toBe(200);
      expect((await post('/v1/consent', { subject: 'bob@example.com', status: 'suppressed' })).status).toBe(200);
      await post('/v1/events', { topic: 'contact.created', payload: { who: 'ann' }, subject: 'ann@example.com' });
      await post('/v1/events', { topic: 'contact.created', payload: { who: 'bob' }, subject: 'bob@example.com' });
      await post('/v1/events', { topic: 'contact.created', payload: { who: 'cy' }, subject: 'cy@example.com' });
      await post('/v1/consent', { subject: 'ann@example.com', status: 'granted' });
      await post('/v1/events', { topic: 'contact.created', payload: { who: 'ann-again' }, subject: 'ann@example.com' });
      await reader.waitForCount(METHOD.event, 2);
      const pushed = reader.byMethod(METHOD.event).map((m) => m.json.params);
      expect(pushed.map((p) => (p.payload as { who: string }).who)).toEqual(['cy', 'ann-again']);
      for (const p of pushed) expect(p).not.toHaveProperty('subject'); // the data subject stays on the server
      const summary = (await (await fetch(`${server.url}/v1/admin/mcp/outbound/summary`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as {
        tenants: { tenant: string; consent_filtered: number }[];
      };
      expect(summary.tenants.find((t) => t.tenant === 't1')!.consent_filtered).toBe(2);
    } finally {
      reader.close();
    }
  });

  it('validates the consent body', async () => {
    const res = await post('/v1/consent', { subject: 'x', status: 'maybe' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('status');
  });
});

describe('admin routes', () => {
  it('need the admin token (a tenant token is not enough)', async () => {
    for (const path of ['/v1/admin/mcp/outbound/summary', '/v1/admin/mcp/outbound/subscriptions']) {
      expect((await fetch(`${server.url}${path}`)).status).toBe(401);
      expect((await fetch(`${server.url}${path}`, { headers: { authorization: 'Bearer tok' } })).status).toBe(401);
    }
  });

  it('show per-subscription counters, connections per client and the estimated cost line', async () => {
    const row = server.store.subscribe('t1', { client_id: 'admin-view', topic: ['deal.lost'] }).row;
    const reader = await SseReader.open(`${server.url}/mcp/push/sse?client_id=admin-view`, { authorization: 'Bearer tok' });
    try {
      await reader.waitForCount(METHOD.open, 1);
      await post('/v1/events', { topic: 'deal.lost', payload: {} });
      await reader.waitForCount(METHOD.event, 1);
      const headers = { authorization: `Bearer ${ADMIN}` };
      const summary = (await (await fetch(`${server.url}/v1/admin/mcp/outbound/summary`, { headers })).json()) as Record<string, unknown>;
      expect(summary.connections_by_client).toEqual(expect.arrayContaining([{ tenant: 't1', client_id: 'admin-view', connections: 1 }]));
      expect((summary.estimated_cost as { line: string }).line).toMatch(/deliveries × ~0\.01¢ ≈ \$/);
      const subs = (await (await fetch(`${server.url}/v1/admin/mcp/outbound/subscriptions?tenant=t1`, { headers })).json()) as {
        subscriptions: { subscription_id: string; events_delivered: number; tenant: string }[];
      };
      expect(subs.subscriptions.find((s) => s.subscription_id === row.subscription_id)).toMatchObject({ tenant: 't1', events_delivered: 1 });
      expect(subs.subscriptions.every((s) => s.tenant === 't1')).toBe(true);
    } finally {
      reader.close();
    }
  });

  it('are refused with a hint when no admin token was configured', async () => {
    const bare = await startReferenceServer({ tokens: { tok: 't1' } });
    try {
      const res = await fetch(`${bare.url}/v1/admin/mcp/outbound/summary`, { headers: { authorization: 'Bearer tok' } });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain('--admin-token');
    } finally {
      await bare.close();
    }
  });
});
