// MCP upstreams inside the running relay: configured in settings.json, shown in /v1/status and `relay_status`,
// their events reaching agents through the unchanged tools (`wait_for_event(topic="mcp.resource.updated")`),
// and settings changes (add, remove, disable, gate) applied live through the one settings store.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { openSettings } from '../../../../relay/config/settings.js';
import type { RunningRelay } from '../../../../relay/core/relay.js';
import { EVENT_CURSORS_FILE } from '../../../../relay/upstream/mcp/event-cursors.js';
import { MCP_TOPIC } from '../../../../relay/upstream/mcp/topics.js';
import { createCleanups } from '../../../helpers/cleanups.js';
import { startV2TestServer, type V2TestServer } from '../../../helpers/mcp-v2-http-server.js';
import { tempDir } from '../../../helpers/tmp.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { startInProcessRelay, startWorld } from '../../mcp/harness.js';

const cleanups = createCleanups();
afterEach(() => cleanups.run());

async function v2(): Promise<V2TestServer> {
  const s = await startV2TestServer();
  cleanups.add(() => s.close());
  return s;
}

function upstreamEntry(name: string, s: V2TestServer, extra: Record<string, unknown> = {}) {
  return { name, type: 'http', url: s.url, allowPush: true, resources: { subscribe: ['test://a'] }, ...extra };
}

async function relayWith(upstreams: unknown[]): Promise<{ relay: RunningRelay; home: string }> {
  const world = await startWorld();
  cleanups.add(() => world.close());
  openSettings(world.home.path).update({ upstreams: upstreams as never });
  const relay = await startInProcessRelay(world);
  cleanups.add(() => relay.close());
  return { relay, home: world.home.path };
}

function state(relay: RunningRelay, name: string): string | undefined {
  return relay.core.status().upstreams?.find((u) => u.name === name)?.state;
}

async function mcpClient(relay: RunningRelay): Promise<Client> {
  const client = new Client({ name: 'mcp-upstream-tests', version: '0.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', relay.url), { requestInit: { headers: { authorization: `Bearer ${relay.token}` } } }));
  cleanups.add(() => client.close());
  return client;
}

describe('MCP upstreams in the relay', () => {
  it('an agent waiting on mcp.resource.updated gets the upstream’s update; relay_status shows the upstream', async () => {
    const s = await v2();
    const { relay } = await relayWith([upstreamEntry('modern', s)]);
    await waitFor(() => state(relay, 'modern') === 'connected', { timeoutMs: 15_000, what: 'the upstream to connect' });
    const client = await mcpClient(relay);
    const waiting = client.callTool({ name: 'wait_for_event', arguments: { topic: 'mcp.resource.updated', timeout_seconds: 30, consumer: 'mcp-test' } });
    // The consumer is created at the head when the call arrives: publish once it waits.
    await waitFor(() => relay.core.inbox.listConsumers().some((c) => c.name === 'mcp-test'), { what: 'the waiting consumer' });
    s.notify.resourceUpdated('test://a');
    const result = (await waiting) as { structuredContent?: { status: string; events: { topic: string; payload: Record<string, unknown> }[] } };
    expect(result.structuredContent?.status).toBe('event');
    expect(result.structuredContent?.events[0]).toMatchObject({ topic: MCP_TOPIC.resourceUpdated, payload: { upstream: 'modern', uri: 'test://a' } });

    const status = (await client.callTool({ name: 'relay_status', arguments: {} })) as { structuredContent?: { upstreams?: unknown[] }; content: { text?: string }[] };
    expect(status.structuredContent?.upstreams).toEqual([
      expect.objectContaining({ name: 'modern', transport: 'http', state: 'connected', allow_push: true, stored: 1, dropped: 0, last_error: null }),
    ]);
    expect(status.content[0]?.text).toContain('MCP upstreams: modern connected');
  });

  it('Events extension (experimental): an agent waiting on mcp.event.<type> gets the event; relay_status shows the extension', async () => {
    const d = await tempDir('relay-live-events-');
    cleanups.add(() => d.cleanup());
    const events = {
      name: 'ev',
      type: 'stdio',
      command: process.execPath,
      args: [join(process.cwd(), 'test/helpers/mcp-events-server.mjs')],
      env: { MCP_TEST_EVENTS_LOG: join(d.path, 'history'), MCP_TEST_EVENTS_TICK_MS: '100' },
      allowPush: true,
      events: { enabled: true, subscribe: [{ name: 'test.tick' }] },
    };
    const { relay, home } = await relayWith([events]);
    await waitFor(() => relay.core.status().upstreams?.find((u) => u.name === 'ev')?.events_extension?.state === 'on' || undefined, { timeoutMs: 15_000, what: 'the extension on' });
    const client = await mcpClient(relay);
    const result = (await client.callTool({ name: 'wait_for_event', arguments: { topic: 'mcp.event.test.tick', timeout_seconds: 30, consumer: 'mcp-events-test' } })) as {
      structuredContent?: { status: string; events: { topic: string; payload: Record<string, unknown> }[] };
    };
    expect(result.structuredContent?.status).toBe('event');
    expect(result.structuredContent?.events[0]).toMatchObject({ topic: 'mcp.event.test.tick', payload: { upstream: 'ev', event: 'test.tick', event_id: expect.stringMatching(/^evt-\d+$/) } });

    const status = (await client.callTool({ name: 'relay_status', arguments: {} })) as { structuredContent?: { upstreams?: { events_extension?: unknown }[] } };
    expect(status.structuredContent?.upstreams?.[0]?.events_extension).toMatchObject({ state: 'on', subscriptions: 1, last_error: null });
    // The relay keeps the cursors in its home, for the next run.
    await waitFor(() => existsSync(join(home, EVENT_CURSORS_FILE)) || undefined, { what: 'the cursor file' });
  });

  it('applies settings changes live: add, disable, gate, remove', async () => {
    const a = await v2();
    const b = await v2();
    const { relay, home } = await relayWith([upstreamEntry('a', a)]);
    const store = openSettings(home);
    await waitFor(() => state(relay, 'a') === 'connected', { timeoutMs: 15_000, what: 'a connected' });

    store.update({ upstreams: [upstreamEntry('a', a), upstreamEntry('b', b)] as never });
    await waitFor(() => state(relay, 'b') === 'connected', { timeoutMs: 15_000, what: 'b added live' });
    expect(relay.core.status().upstreams?.find((u) => u.name === 'a')?.connects).toBe(1); // a untouched

    store.update({ upstreams: [upstreamEntry('a', a, { enabled: false }), upstreamEntry('b', b, { allowPush: false })] as never });
    await waitFor(() => state(relay, 'a') === 'disabled' && state(relay, 'b') === 'no-push', { timeoutMs: 15_000, what: 'a disabled, b gated' });
    const head = relay.core.inbox.head();
    a.notify.resourceUpdated('test://a');
    b.notify.resourceUpdated('test://a');

    store.update({ upstreams: [upstreamEntry('b', b)] as never });
    await waitFor(() => relay.core.status().upstreams?.map((u) => u.name).join() === 'b' && state(relay, 'b') === 'connected', { timeoutMs: 15_000, what: 'a removed, b back' });
    // What the servers sent while disabled or gated was never stored.
    expect(relay.core.inbox.readSince(head, { topic: 'mcp.resource.*' })).toEqual([]);
    b.notify.resourceUpdated('test://a');
    await waitFor(() => relay.core.inbox.readSince(head, { topic: MCP_TOPIC.resourceUpdated }).length === 1, { what: 'b’s update after re-enabling push' });
  });

  it('GET/POST /v1/upstreams: entries with live state, the two toggles, refusals by field; header values never shown', async () => {
    const s = await v2();
    const { relay, home } = await relayWith([upstreamEntry('docs', s, { allowPush: false, headers: { Authorization: 'Bearer hidden-value' } })]);
    const call = async (method: string, body?: unknown) => {
      const res = await fetch(`${relay.url}/v1/upstreams`, {
        method,
        headers: { authorization: `Bearer ${relay.token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, text: await res.text() };
    };
    const got = await call('GET');
    expect(got.status).toBe(200);
    expect(got.text).not.toContain('hidden-value');
    expect(JSON.parse(got.text).upstreams[0]).toMatchObject({ name: 'docs', type: 'http', target: s.url, enabled: true, allowPush: false, status: { state: 'no-push' } });

    const on = await call('POST', { name: 'docs', allowPush: true });
    expect(on.status).toBe(200);
    expect(JSON.parse(on.text).message).toContain('docs: enabled; its notifications reach the inbox');
    await waitFor(() => state(relay, 'docs') === 'connected', { timeoutMs: 15_000, what: 'docs connected after the toggle' });

    expect((await call('POST', { name: 'nope', enabled: false })).status).toBe(404);
    const bad = await call('POST', { name: 'docs', allowPush: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('allowPush');
    expect((await call('POST', { name: 'docs', url: 'http://elsewhere' })).status).toBe(400); // only the toggles

    // The Events extension (experimental): on, with type globs; a glob kept keeps its arguments, a new one has none.
    const events = await call('POST', { name: 'docs', events: { enabled: true, types: ['deal.*'] } });
    expect(events.status).toBe(200);
    expect(JSON.parse(events.text).upstreams[0].events).toEqual({ enabled: true, types: ['deal.*'] });
    expect(JSON.parse(events.text).message).toContain('Events extension on for deal.*');
    const store = openSettings(home);
    store.update({ upstreams: store.read().upstreams!.map((u) => ({ ...u, events: { ...u.events, subscribe: [{ name: 'deal.*', arguments: { region: 'eu' } }] } })) });
    expect((await call('POST', { name: 'docs', events: { types: ['deal.*', 'ticket.created'] } })).status).toBe(200);
    expect(openSettings(home).read().upstreams![0]!.events).toEqual({
      enabled: true,
      subscribe: [
        { name: 'deal.*', arguments: { region: 'eu' } },
        { name: 'ticket.created', arguments: {} },
      ],
    });
    const empty = await call('POST', { name: 'docs', events: { types: [''] } });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('events.types.0');
  });
});
