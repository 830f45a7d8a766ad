import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceServer, type ReferenceServer } from '../../../relay/reference-server/server.js';
import { SubscriptionRowSchema } from '../../../relay/protocol/frames.js';
import { CATEGORIES } from '../../../relay/protocol/tools.js';
import { connectMcp, errorText, type ToolClient } from '../../helpers/mcp-client.js';

let server: ReferenceServer;
let a: ToolClient;
let b: ToolClient;

beforeAll(async () => {
  server = await startReferenceServer({ tokens: { 'tok-a': 'tenant-a', 'tok-b': 'tenant-b' } });
  a = await connectMcp(server.url, 'tok-a');
  b = await connectMcp(server.url, 'tok-b');
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await server?.close();
});

describe('control plane tools (seed 000)', () => {
  it('lists exactly the four tools', async () => {
    const { tools } = await a.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['list_subscriptions', 'list_topics', 'subscribe', 'unsubscribe']);
  });

  it('subscribe returns the seed row shape', async () => {
    const row = await a.ok('subscribe', {
      topic: ['deal.*'],
      client_id: 'claude-desktop-mbp-dean',
      filter: { account_id: 'acc_uuid' },
      client_label: "Dean's Claude Desktop",
    });
    expect(SubscriptionRowSchema.parse(row)).toMatchObject({
      client_id: 'claude-desktop-mbp-dean',
      topic_patterns: ['deal.*'],
      filter: { account_id: 'acc_uuid' },
      events_delivered: 0,
      push_endpoint: '/mcp/push/sse',
    });
    expect(row.subscription_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(String(row.push_endpoint_hint)).toContain('/mcp/push/sse');
  });

  it('is idempotent: same client, topics (any order) and filter (any key order) → the same row', async () => {
    const first = await a.ok('subscribe', { topic: ['workflow.run.*', 'deal.won'], client_id: 'idem', filter: { amount_gte: 5, owner: 'x' } });
    const again = await a.ok('subscribe', { topic: ['deal.won', 'workflow.run.*'], client_id: 'idem', filter: { owner: 'x', amount_gte: 5 } });
    expect(again.subscription_id).toBe(first.subscription_id);
    const other = await a.ok('subscribe', { topic: ['deal.won'], client_id: 'idem' });
    expect(other.subscription_id).not.toBe(first.subscription_id);
    const { subscriptions } = await a.ok<{ subscriptions: unknown[] }>('list_subscriptions', { client_id: 'idem' });
    expect(subscriptions).toHaveLength(2);
  });

  it('unsubscribe soft-deletes; re-subscribing the same intent reactivates that row', async () => {
    const row = await a.ok('subscribe', { topic: ['ticket.*'], client_id: 'soft' });
    const gone = await a.ok('unsubscribe', { subscription_id: row.subscription_id });
    expect(gone).toMatchObject({ unsubscribed: true, already_deleted: false });
    expect((await a.ok<{ subscriptions: unknown[] }>('list_subscriptions', { client_id: 'soft' })).subscriptions).toHaveLength(0);
    const all = await a.ok<{ subscriptions: { deleted_at: string | null }[] }>('list_subscriptions', { client_id: 'soft', include_deleted: true });
    expect(all.subscriptions).toHaveLength(1);
    expect(all.subscriptions[0]!.deleted_at).not.toBeNull();
    const back = await a.ok('subscribe', { topic: ['ticket.*'], client_id: 'soft' });
    expect(back.subscription_id).toBe(row.subscription_id);
    expect(back.deleted_at).toBeNull();
    expect((await a.ok('unsubscribe', { subscription_id: row.subscription_id })).already_deleted).toBe(false);
    expect((await a.ok('unsubscribe', { subscription_id: row.subscription_id })).already_deleted).toBe(true);
  });

  it('an invalid filter is a tool error naming the bad key', async () => {
    const result = await a.call('subscribe', { topic: ['deal.*'], client_id: 'bad', filter: { amount_gte: 'lots' } });
    expect(result.isError).toBe(true);
    expect(errorText(result)).toContain('amount_gte');
  });

  it('unknown parameters and a tenant_id argument are refused, not ignored', async () => {
    const unknown = await a.call('subscribe', { topic: ['deal.*'], client_id: 'x', tenant_id: 'tenant-b' });
    expect(unknown.isError).toBe(true);
    expect(errorText(unknown)).toContain('tenant_id');
    const empty = await a.call('subscribe', { topic: [], client_id: 'x' });
    expect(empty.isError).toBe(true);
  });

  it('tenants are isolated: the same client_id in another tenant sees nothing, and cannot unsubscribe', async () => {
    const row = await a.ok('subscribe', { topic: ['deal.*'], client_id: 'shared-name' });
    expect((await b.ok<{ subscriptions: unknown[] }>('list_subscriptions', { client_id: 'shared-name' })).subscriptions).toEqual([]);
    const result = await b.call('unsubscribe', { subscription_id: row.subscription_id });
    expect(result.isError).toBe(true);
    expect(errorText(result)).toContain('list_subscriptions');
  });

  it('list_topics covers the ten categories and scopes by category', async () => {
    const all = await a.ok<{ topics: { topic: string; category: string; filter_example: object }[]; categories: string[] }>('list_topics', {});
    expect(new Set(all.topics.map((t) => t.category))).toEqual(new Set(CATEGORIES));
    expect(all.topics.map((t) => t.topic)).toEqual(expect.arrayContaining(['deal.won', 'deal.stage_changed', 'account.health_at_risk', 'workflow.run.completed', 'custom.*']));
    for (const t of all.topics) expect(Object.keys(t.filter_example).length).toBeGreaterThan(0);
    const crm = await a.ok<{ topics: { category: string }[] }>('list_topics', { category: 'crm' });
    expect(crm.topics.length).toBeGreaterThan(3);
    expect(crm.topics.every((t) => t.category === 'crm')).toBe(true);
    expect((await a.call('list_topics', { category: 'nope' })).isError).toBe(true);
  });
});

describe('control plane HTTP', () => {
  it('/mcp answers 308 to /mcp/ (keeping the query)', async () => {
    const res = await fetch(`${server.url}/mcp?x=1`, { method: 'POST', redirect: 'manual' });
    expect(res.status).toBe(308);
    expect(res.headers.get('location')).toBe('/mcp/?x=1');
  });

  it('a missing or unknown token is 401 with a JSON reason', async () => {
    for (const headers of [{}, { authorization: 'Bearer nope' }] as Record<string, string>[]) {
      const res = await fetch(`${server.url}/mcp/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await res.json()).error.code).toBe('unauthorized');
    }
  });

  it('malformed JSON on /mcp/ is a 400 that says so', async () => {
    const res = await fetch(`${server.url}/mcp/`, {
      method: 'POST',
      headers: { authorization: 'Bearer tok-a', 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{"jsonrpc":',
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('invalid_json');
  });
});
