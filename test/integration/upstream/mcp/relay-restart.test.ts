// Across a relay restart (the compiled daemon, stopped and started again on the same home) a standard MCP
// upstream cannot resume: standard MCP has no cursor. The first connect of the new run records one
// `mcp.upstream.reconnected` event naming the window nothing was connected (from the last event stored from that
// server to the connect); a brand-new upstream records none (DESIGN.md "Upstreams"; README "Limits, said plainly").
import { describe, expect, it } from 'vitest';
import { openSettings } from '../../../../relay/config/settings.js';
import { MCP_TOPIC, NO_RESUME_NOTE } from '../../../../relay/upstream/mcp/topics.js';
import { useCleanups } from '../../../helpers/cleanups.js';
import { startCli, type CliProcess } from '../../../helpers/cli.js';
import { startV2TestServer } from '../../../helpers/mcp-v2-http-server.js';
import { allEvents, relayApi, type RelayApi } from '../../../helpers/relay-api.js';
import { tempDir } from '../../../helpers/tmp.js';
import { waitFor } from '../../../helpers/wait-for.js';

const cleanup = useCleanups();
const CLEAN_ENV = { PUSH_RELAY_API_KEY: '', PUSH_RELAY_SERVER: '', PUSH_RELAY_HOME: '' };

type Stored = { seq: number; topic: string; server: string; received_at: string; payload: Record<string, unknown> };

async function upstreamConnected(api: RelayApi, name: string, connects = 1): Promise<void> {
  await waitFor(
    async () => {
      const { upstreams } = await api.get<{ upstreams?: { name: string; state: string; connects: number }[] }>('/v1/status');
      const u = upstreams?.find((x) => x.name === name);
      return u?.state === 'connected' && u.connects >= connects;
    },
    { timeoutMs: 30_000, intervalMs: 100, what: `upstream ${name} connected` },
  );
}

async function mcpEvents(api: RelayApi): Promise<Stored[]> {
  return ((await allEvents(api)) as unknown as Stored[]).filter((e) => e.topic.startsWith('mcp.'));
}

describe('MCP upstream across a relay restart', () => {
  it('records one reconnected event naming the window since the last stored event; none for a brand-new upstream', { timeout: 90_000 }, async () => {
    const server = await startV2TestServer();
    cleanup.add(() => server.close());
    const home = await tempDir('mcp-restart-');
    cleanup.add(home.cleanup);
    openSettings(home.path).update({ upstreams: [{ name: 'docs', type: 'http', url: server.url, allowPush: true, resources: { subscribe: ['test://a'] } }] as never });
    const start = (): CliProcess => {
      const p = startCli(['daemon', '--demo', '--home', home.path, '--local-port', '0'], CLEAN_ENV);
      cleanup.add(() => p.kill('SIGKILL'));
      return p;
    };

    const first = start();
    const api1 = relayApi(await first.line('listening', 30_000), home.path);
    await upstreamConnected(api1, 'docs');
    server.notify.resourceUpdated('test://a');
    const before = await waitFor(async () => {
      const events = await mcpEvents(api1);
      return events.length >= 1 ? events : undefined;
    }, { what: 'the update stored in the first run' });
    // Brand new: no history, so no reconnected event.
    expect(before.map((e) => e.topic)).toEqual([MCP_TOPIC.resourceUpdated]);
    expect(await first.kill('SIGTERM')).toMatchObject({ code: 0 });

    server.notify.resourceUpdated('test://a'); // while no relay runs: lost, as the event will say
    const second = start();
    const api2 = relayApi(await second.line('listening', 30_000), home.path);
    await upstreamConnected(api2, 'docs');
    const reconnected = await waitFor(async () => {
      const events = (await mcpEvents(api2)).filter((e) => e.topic === MCP_TOPIC.reconnected);
      return events.length >= 1 ? events : undefined;
    }, { what: 'the reconnected event of the second run' });
    expect(reconnected).toHaveLength(1);
    const gap = reconnected[0]!;
    expect(gap.server).toBe('mcp:docs');
    expect(gap.payload).toMatchObject({ upstream: 'docs', cause: 'restarted', not_connected_from: before[0]!.received_at, may_have_missed_updates: true });
    const until = String(gap.payload.not_connected_until);
    expect(Date.parse(until)).toBeGreaterThanOrEqual(Date.parse(before[0]!.received_at));
    expect(gap.payload.note).toBe(`the relay was not running or not connected to this server between ${before[0]!.received_at} and ${until}; ${NO_RESUME_NOTE}`);

    // Events flow again after it, and the gap is recorded once, not per notification.
    server.notify.resourceUpdated('test://a');
    const after = await waitFor(async () => {
      const events = await mcpEvents(api2);
      return events.length >= 3 ? events : undefined;
    }, { what: 'an update after the restart' });
    expect(after.map((e) => e.topic)).toEqual([MCP_TOPIC.resourceUpdated, MCP_TOPIC.reconnected, MCP_TOPIC.resourceUpdated]);
  });
});
