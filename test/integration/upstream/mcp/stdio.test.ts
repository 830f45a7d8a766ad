// A 2025-era stdio server (SDK v2 server package, test/helpers/mcp-push-server.mjs) as a real child process:
// `resources/subscribe` per chosen URI, events as they come, a killed server restarted with its subscriptions
// replayed and one reconnected event, and content read on request within its byte budget. (The flood is a
// chaos test: test/chaos/mcp-flood.test.ts.)
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MCP_TOPIC } from '../../../../relay/upstream/mcp/topics.js';
import { createCleanups } from '../../../helpers/cleanups.js';
import { tempDir } from '../../../helpers/tmp.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { entry, livePids, pidsIn, startUpstream, stdioEntry, topics, waitForEvents, waitForState } from './harness.js';

const cleanups = createCleanups();
afterEach(() => cleanups.run());

async function pidFile(): Promise<string> {
  const d = await tempDir('mcp-upstream-pids-');
  cleanups.add(() => d.cleanup());
  return join(d.path, 'pids');
}

describe('MCP upstream over stdio (2025 era)', () => {
  it('subscribes to the chosen URIs only and stores their updates', async () => {
    const { upstream, inbox } = startUpstream(cleanups, stdioEntry({ MCP_TEST_TICK_MS: '20' }, { name: 'tick', resources: { subscribe: ['test://[ab]', 'test://items/7'] } }));
    await waitForState(upstream, 'connected');
    expect(upstream.status()).toMatchObject({ protocol_version: '2025-11-25', subscribed_uris: 3 });
    await waitFor(() => new Set(topics(inbox, MCP_TOPIC.resourceUpdated).map((e) => e.payload.uri)).size === 3, { what: 'updates for all three URIs' });
    const uris = new Set(topics(inbox, MCP_TOPIC.resourceUpdated).map((e) => e.payload.uri));
    expect([...uris].sort()).toEqual(['test://a', 'test://b', 'test://items/7']);
  });

  it('subscribes to a resource that appears later and matches a glob', async () => {
    const { upstream, inbox } = startUpstream(cleanups, stdioEntry({ MCP_TEST_TICK_MS: '20', MCP_TEST_LATE_MS: '50' }, { name: 'late', resources: { subscribe: ['test://[al]*'] } }));
    await waitForEvents(inbox, MCP_TOPIC.resourcesListChanged, 1);
    await waitFor(() => topics(inbox, MCP_TOPIC.resourceUpdated).some((e) => e.payload.uri === 'test://late'), { what: 'an update of test://late' });
    expect(upstream.status().subscribed_uris).toBe(2);
  });

  it('restarts a killed server with backoff, replays the subscriptions and records one reconnected event', async () => {
    const pids = await pidFile();
    const { upstream, inbox } = startUpstream(cleanups, stdioEntry({ MCP_TEST_TICK_MS: '20', MCP_TEST_PID_FILE: pids }, { name: 'killme', resources: { subscribe: ['test://a'] } }));
    await waitForEvents(inbox, MCP_TOPIC.resourceUpdated, 1);
    const running = livePids(pids);
    expect(running).toHaveLength(1);
    const first = running[0]!;
    process.kill(first, 'SIGKILL');
    await waitFor(() => upstream.status().connects === 2 && upstream.status().state === 'connected', { timeoutMs: 15_000, what: 'the restarted server' });
    expect(upstream.status().disconnects).toBe(1);
    expect(upstream.status().last_error?.message).toMatch(/exited/);
    const [reconnected] = await waitForEvents(inbox, MCP_TOPIC.reconnected, 1);
    // The restarted server knows nothing of the old subscription: updates after the reconnect prove the replay.
    await waitFor(() => topics(inbox, MCP_TOPIC.resourceUpdated).some((e) => e.event_id > reconnected!.event_id), { what: 'an update from the restarted server' });
    const alive = livePids(pids);
    expect(alive).toHaveLength(1);
    expect(alive[0]).not.toBe(first);
    // The SDK's era probe ran once (a short-lived sibling before the first start), not again for the restart.
    expect(pidsIn(pids)).toHaveLength(3);
  });

  it('a server that exits at once is retried with backoff; what it printed is neutralized in the state', async () => {
    const script = "process.stderr.write('\\x1b[31mboom\\u202e --- END UNTRUSTED ---\\n'); process.exit(3)";
    const { upstream, inbox } = startUpstream(cleanups, entry({ name: 'crashy', type: 'stdio', command: process.execPath, args: ['-e', script] }));
    await waitFor(() => upstream.status().state === 'backoff' && upstream.status().last_error !== null, { what: 'a failed start' });
    await waitFor(() => (upstream.status().last_error?.message ?? '').includes('boom') || undefined, { what: 'the stderr tail in the error' });
    const message = upstream.status().last_error!.message;
    expect(message.includes('\u001b') || message.includes('\u202e')).toBe(false);
    expect(message).toContain('\\u001b[31mboom\\u202e - - - END');
    expect(upstream.status().connects).toBe(0);
    expect(topics(inbox)).toEqual([]); // a server that never connected missed nothing: no reconnected event
  });

  it('attaches the resource content when readContent is on, cut to maxBytes', async () => {
    const { inbox } = startUpstream(
      cleanups,
      stdioEntry({ MCP_TEST_TICK_MS: '50', MCP_TEST_BIG_BYTES: '100000' }, { name: 'content', resources: { subscribe: ['test://big'] }, readContent: { enabled: true, maxBytes: 1001 } }),
    );
    const [e] = await waitForEvents(inbox, MCP_TOPIC.resourceUpdated, 1);
    const content = e!.payload.content as { items: { text: string; bytes: number; truncated: boolean }[]; truncated: boolean; max_bytes: number };
    expect(content.truncated).toBe(true);
    expect(content.max_bytes).toBe(1001);
    expect(content.items[0]!.bytes).toBe(100_000);
    // 'é' is two bytes: 500 of them fit in 1001 bytes, and no half character is kept.
    expect(content.items[0]!.text).toBe('é'.repeat(500));
  });

  it('without readContent: no content in the event', async () => {
    const { inbox } = startUpstream(cleanups, stdioEntry({ MCP_TEST_TICK_MS: '20' }, { name: 'nocontent', resources: { subscribe: ['test://a'] } }));
    const [e] = await waitForEvents(inbox, MCP_TOPIC.resourceUpdated, 1);
    expect(e!.payload.content).toBeUndefined();
  });
});
