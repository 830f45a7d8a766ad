// A 2026-07-28 server (SDK v2 server package, test/helpers/mcp-v2-http-server.ts) as an event source:
// `subscriptions/listen` with the resource URIs the globs choose and the list-changed filters, events with the
// relay's own per-source ids, a server restart replayed with one reconnected event, and the allowPush gate.
import { afterEach, describe, expect, it } from 'vitest';
import { mcpSource, MCP_TOPIC, NO_RESUME_NOTE } from '../../../../relay/upstream/mcp/topics.js';
import { createCleanups } from '../../../helpers/cleanups.js';
import { startV2TestServer } from '../../../helpers/mcp-v2-http-server.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { entry, startUpstream, topics, waitForEvents, waitForState } from './harness.js';

const cleanups = createCleanups();
afterEach(() => cleanups.run());

async function server() {
  const s = await startV2TestServer();
  cleanups.add(() => s.close());
  return s;
}

describe('MCP upstream on a 2026-07-28 server', () => {
  it('listens to the glob-chosen resources and the list changes; each notification becomes an event with its own id', async () => {
    const s = await server();
    const { upstream, inbox } = startUpstream(cleanups, entry({ name: 'modern', type: 'http', url: s.url, resources: { subscribe: ['test://*'] } }));
    await waitForState(upstream, 'connected');
    expect(upstream.status()).toMatchObject({ protocol_version: '2026-07-28', subscribed_uris: 2, transport: 'http' });
    expect(s.methods).toContain('subscriptions/listen');

    s.notify.resourceUpdated('other://c'); // not chosen by the glob: the server does not send it
    s.notify.resourceUpdated('test://a');
    s.notify.toolsChanged();
    s.notify.promptsChanged();
    s.notify.resourcesChanged();
    await waitFor(() => topics(inbox).length >= 4, { what: 'four events' });
    const events = topics(inbox);
    expect(events.map((e) => e.topic)).toEqual([MCP_TOPIC.resourceUpdated, MCP_TOPIC.toolsListChanged, MCP_TOPIC.promptsListChanged, MCP_TOPIC.resourcesListChanged]);
    expect(events.map((e) => e.event_id)).toEqual([1, 2, 3, 4]);
    expect(events[0]).toMatchObject({ server: 'mcp:modern', category: 'mcp', payload: { upstream: 'modern', uri: 'test://a' } });
    expect(typeof events[0]!.payload.mcp_subscription_id).toBe('string');
    expect(inbox.resumeCursor(mcpSource('modern'))).toBe(4);
  });

  it('after the server restarts: replays the subscription, records one reconnected event, and events flow again with ids continuing', async () => {
    const s = await server();
    const { upstream, inbox } = startUpstream(cleanups, entry({ name: 'modern', type: 'http', url: s.url, resources: { subscribe: ['test://a'] } }));
    await waitForState(upstream, 'connected');
    s.notify.resourceUpdated('test://a');
    await waitForEvents(inbox, MCP_TOPIC.resourceUpdated, 1);

    await s.stop();
    await waitFor(() => upstream.status().state !== 'connected', { what: 'the upstream to notice the server is gone' });
    await s.restart();
    await waitFor(() => upstream.status().state === 'connected' && upstream.status().connects === 2, { timeoutMs: 15_000, what: 'a second connect' });
    const [reconnected] = await waitForEvents(inbox, MCP_TOPIC.reconnected, 1);
    expect(reconnected!.payload).toMatchObject({ upstream: 'modern', may_have_missed_updates: true, note: NO_RESUME_NOTE });
    expect(s.methods.filter((m) => m === 'subscriptions/listen').length).toBeGreaterThanOrEqual(2);

    s.notify.resourceUpdated('test://a');
    const updates = await waitForEvents(inbox, MCP_TOPIC.resourceUpdated, 2);
    expect(updates[1]!.event_id).toBeGreaterThan(reconnected!.event_id);
    expect(topics(inbox, MCP_TOPIC.reconnected)).toHaveLength(1);
  });

  it('a changed resource list brings newly matching resources into the subscription', async () => {
    const s = await server();
    const { upstream, inbox } = startUpstream(cleanups, entry({ name: 'modern', type: 'http', url: s.url, resources: { subscribe: ['test://*'] } }));
    await waitForState(upstream, 'connected');
    expect(upstream.status().subscribed_uris).toBe(2);
    s.addResource('test://new');
    s.notify.resourcesChanged();
    await waitFor(() => upstream.status().subscribed_uris === 3, { what: 'the new resource subscribed' });
    s.notify.resourceUpdated('test://new');
    const [e] = await waitForEvents(inbox, MCP_TOPIC.resourceUpdated, 1);
    expect(e!.payload.uri).toBe('test://new');
    expect(upstream.status().state).toBe('connected'); // the re-listen did not count as a lost connection
  });

  it('new resources get a listen stream of their own: the filters never overlap, so an update is stored once and none is missed', async () => {
    const s = await server();
    const { upstream, inbox } = startUpstream(cleanups, entry({ name: 'modern', type: 'http', url: s.url, resources: { subscribe: ['test://*'] } }));
    await waitForState(upstream, 'connected');
    s.addResource('test://new');
    s.notify.resourcesChanged();
    await waitFor(() => upstream.status().subscribed_uris === 3, { what: 'the new resource subscribed' });
    // The first stream stays as it was; the second carries only the new URI and no list-changed filter (a second
    // stream with the same filters would receive every list change twice).
    expect(s.listens).toEqual([
      { resourceSubscriptions: ['test://a', 'test://b'], resourcesListChanged: true, toolsListChanged: true, promptsListChanged: true },
      { resourceSubscriptions: ['test://new'] },
    ]);
    for (let i = 0; i < 5; i++) {
      s.notify.resourceUpdated('test://a');
      s.notify.resourceUpdated('test://new');
    }
    s.notify.toolsChanged();
    // The tools change comes on the first stream after its five test://a updates: once it is stored, everything of
    // that stream is; the second stream's five are waited for by count.
    await waitFor(() => topics(inbox, MCP_TOPIC.toolsListChanged).length === 1 && topics(inbox, MCP_TOPIC.resourceUpdated).length >= 10, { what: 'ten updates and the tools change' });
    const updates = topics(inbox, MCP_TOPIC.resourceUpdated).map((e) => e.payload.uri);
    expect(updates.filter((u) => u === 'test://a')).toHaveLength(5);
    expect(updates.filter((u) => u === 'test://new')).toHaveLength(5);
    expect(topics(inbox, MCP_TOPIC.resourcesListChanged)).toHaveLength(1); // the one list change, once
    expect(topics(inbox, MCP_TOPIC.reconnected)).toEqual([]);
    expect(upstream.status()).toMatchObject({ state: 'connected', connects: 1 });
  });

  it('past the stream limit the streams are merged by close-then-listen, and the gap is said in one reconnected event', async () => {
    const s = await server();
    const { upstream, inbox } = startUpstream(cleanups, entry({ name: 'modern', type: 'http', url: s.url, resources: { subscribe: ['test://*'] } }), { maxListenStreams: 1 });
    await waitForState(upstream, 'connected');
    s.addResource('test://new');
    s.notify.resourcesChanged();
    const [gap] = await waitForEvents(inbox, MCP_TOPIC.reconnected, 1);
    expect(gap!.payload).toMatchObject({ upstream: 'modern', cause: 'resubscribed', may_have_missed_updates: true, note: NO_RESUME_NOTE });
    expect(typeof gap!.payload.down_for_ms).toBe('number');
    expect(s.listens.at(-1)).toEqual({ resourceSubscriptions: ['test://a', 'test://b', 'test://new'], resourcesListChanged: true, toolsListChanged: true, promptsListChanged: true });
    s.notify.resourceUpdated('test://new');
    const [e] = await waitForEvents(inbox, MCP_TOPIC.resourceUpdated, 1);
    expect(e!.payload.uri).toBe('test://new');
    expect(e!.seq).toBeGreaterThan(gap!.seq);
    expect(upstream.status()).toMatchObject({ state: 'connected', connects: 1, subscribed_uris: 3 });
  });

  it('without allowPush: never connects and stores nothing', async () => {
    const s = await server();
    const { upstream, inbox } = startUpstream(cleanups, entry({ name: 'gated', type: 'http', url: s.url, allowPush: false, resources: { subscribe: ['test://*'] } }));
    expect(upstream.status().state).toBe('no-push');
    s.notify.resourceUpdated('test://a');
    // Nothing to wait for: the gate decides before any I/O. The server saw no request at all.
    await upstream.stop();
    expect(s.methods).toEqual([]);
    expect(topics(inbox)).toEqual([]);
  });

  it('refused credentials: state failed, no retry storm', async () => {
    const s = await startV2TestServer({ headers: { 'x-key': 'right' } });
    cleanups.add(() => s.close());
    const { upstream } = startUpstream(cleanups, entry({ name: 'keyed', type: 'http', url: s.url, headers: { 'x-key': 'wrong' } }));
    await waitForState(upstream, 'failed');
    expect(upstream.status().connects).toBe(0);
    expect(upstream.status().last_error?.message).toMatch(/refused the credentials/);
  });
});
