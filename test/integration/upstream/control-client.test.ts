// ControlClient against the reference server's control plane (seed 000's four tools over MCP Streamable HTTP).
import { afterEach, describe, expect, it } from 'vitest';
import type { ReferenceServer } from '../../../relay/reference-server/server.js';
import { ControlClient } from '../../../relay/upstream/control-client.js';
import { ControlError } from '../../../relay/upstream/errors.js';
import { CLIENT, countingFetch, KEY, startServer, tinyServer, type TinyServer } from './harness.js';

const closers: { close(): Promise<void> }[] = [];

async function serve(options: Parameters<typeof startServer>[0] = {}): Promise<ReferenceServer> {
  const server = await startServer(options);
  closers.push(server);
  return server;
}

function client(server: { url: string }, options: Partial<ConstructorParameters<typeof ControlClient>[0]> = {}): ControlClient {
  const c = new ControlClient({ server: `${server.url}/mcp`, apiKey: KEY, clientId: CLIENT, ...options });
  closers.unshift(c);
  return c;
}

async function controlError(promise: Promise<unknown>): Promise<ControlError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ControlError);
    return err as ControlError;
  }
  throw new Error('the call succeeded');
}

afterEach(async () => {
  for (const c of closers.splice(0)) await c.close();
});

describe('ControlClient', () => {
  it('subscribe / list / unsubscribe / list_topics, under the relay client id, straight at /mcp/', async () => {
    const server = await serve();
    const counting = countingFetch();
    const control = client(server, { fetch: counting.fetch });
    expect(control.url.controlUrl).toBe(`${server.url}/mcp/`);

    const row = await control.subscribe({ topic: ['deal.*'], filter: { amount_gte: 100 }, client_label: 'test relay' });
    expect(row).toMatchObject({ client_id: CLIENT, topic_patterns: ['deal.*'], filter: { amount_gte: 100 }, events_delivered: 0 });
    const again = await control.subscribe({ topic: ['deal.*'], filter: { amount_gte: 100 } });
    expect(again.subscription_id).toBe(row.subscription_id); // idempotent

    const listed = await control.listSubscriptions();
    expect(listed.map((s) => s.subscription_id)).toEqual([row.subscription_id]);
    expect(listed[0]!.client_id).toBe(CLIENT);

    expect(await control.unsubscribe(row.subscription_id)).toEqual({ subscription_id: row.subscription_id, unsubscribed: true, already_deleted: false });
    expect(await control.listSubscriptions()).toEqual([]);
    const withDeleted = await control.listSubscriptions(true);
    expect(withDeleted[0]!.deleted_at).toEqual(expect.any(String));

    const all = await control.listTopics();
    expect(all.categories).toContain('crm');
    expect(all.topics.length).toBeGreaterThan(5);
    const crm = await control.listTopics('crm');
    expect(crm.topics.length).toBeGreaterThan(0);
    expect(crm.topics.every((t) => t.category === 'crm')).toBe(true);

    // Never the /mcp → /mcp/ redirect (seed 001), always the token.
    expect(counting.requests.every((r) => r.path === '/mcp/')).toBe(true);
    expect(counting.requests.every((r) => r.headers.get('authorization') === `Bearer ${KEY}`)).toBe(true);
  });

  it("a tool's own failure is a ControlError tool_error with the server's message", async () => {
    const server = await serve();
    const control = client(server);
    const err = await controlError(control.unsubscribe('no-such-subscription'));
    expect(err).toMatchObject({ code: 'tool_error', tool: 'unsubscribe' });
    expect(err.message).toMatch(/no subscription "no-such-subscription"/);
    const bad = await controlError(control.subscribe({ topic: ['deal.*'], filter: { amount_gte: 'lots' } }));
    expect(bad.code).toBe('tool_error');
    expect(bad.message).toMatch(/invalid filter/);
    // the client is still usable
    expect(await control.listSubscriptions()).toEqual([]);
  });

  it('arguments that fail the input schema are refused before anything is sent', async () => {
    const server = await serve();
    const counting = countingFetch();
    const control = client(server, { fetch: counting.fetch });
    const err = await controlError(control.subscribe({ topic: [] }));
    expect(err.code).toBe('invalid_input');
    expect(err.message).toMatch(/at least one pattern/);
    expect((await controlError(control.listTopics('nope'))).code).toBe('invalid_input');
    expect(counting.requests).toEqual([]);
    const badId = new ControlClient({ server: server.url, apiKey: KEY, clientId: 'has spaces' });
    closers.push(badId);
    expect((await controlError(badId.listSubscriptions())).code).toBe('invalid_input');
  });

  it('401 → unauthorized (the key is not in the message); a new key works', async () => {
    const server = await serve();
    const control = client(server, { apiKey: 'wrong-key-987654321' });
    const err = await controlError(control.listTopics());
    expect(err).toMatchObject({ code: 'unauthorized', status: 401 });
    expect(err.message).not.toContain('wrong-key-987654321');
    control.setApiKey(KEY);
    expect((await control.listTopics()).topics.length).toBeGreaterThan(0);
  });

  it('unreachable server → unreachable; reconnects once it is back', async () => {
    const server = await serve();
    const port = server.port;
    const control = client(server);
    await control.listTopics();
    await server.close();
    closers.splice(closers.indexOf(server), 1);
    const err = await controlError(control.listTopics());
    expect(err.code).toBe('unreachable');
    expect(err.message).toMatch(/ECONNREFUSED/);
    const again = await serve({ port });
    expect((await control.listTopics()).topics.length).toBeGreaterThan(0);
    expect(again.port).toBe(port);
  });

  it('a redirect to another origin is not followed: the token never reaches it', async () => {
    const elsewhere = await tinyServer((req, res) => {
      res.writeHead(500).end();
    });
    closers.push(elsewhere);
    const redirector: TinyServer = await tinyServer((req, res) => {
      res.writeHead(307, { location: `${elsewhere.url}/mcp/` }).end();
    });
    closers.push(redirector);
    const control = client(redirector);
    const err = await controlError(control.listTopics());
    expect(err.code).toBe('cross_origin_redirect');
    expect(err.message).toContain(elsewhere.url);
    expect(redirector.requests.length).toBeGreaterThan(0);
    expect(elsewhere.requests).toEqual([]);
  });

  it('close() ends it: later calls fail with closed', async () => {
    const server = await serve();
    const control = client(server);
    await control.listTopics();
    await control.close();
    expect((await controlError(control.listTopics())).code).toBe('closed');
  });
});
