// A third-party server as an event source: @modelcontextprotocol/server-everything (the MCP project's reference
// server, a real process), over stdio and over its Streamable HTTP mode. It sends `notifications/resources/updated`
// for subscribed resources every 5 s once `toggle-subscriber-updates` is called (the entry's callOnConnect), and
// the first one at once; the timeouts are generous for its pace on a loaded machine.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MCP_TOPIC } from '../../../../relay/upstream/mcp/topics.js';
import { createCleanups } from '../../../helpers/cleanups.js';
import { startFaultProxy } from '../../../helpers/fault-proxy.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { entry, EVERYTHING_SCRIPT, startUpstream, waitForEvents, waitForState } from './harness.js';

const cleanups = createCleanups();
afterEach(() => cleanups.run());

const DOC = 'demo://resource/static/document/architecture.md';

/** A loopback port free right now: server-everything takes its port from PORT and cannot report one it picked. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** server-everything in its Streamable HTTP mode (a real process), listening; returns its port. */
async function everythingHttp(): Promise<number> {
  const port = await freePort();
  const child = spawn(process.execPath, [EVERYTHING_SCRIPT, 'streamableHttp'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  cleanups.add(
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor(() => stderr.includes('listening'), { timeoutMs: 30_000, what: 'server-everything to listen' });
  return port;
}

describe('server-everything as an upstream', () => {
  it('over stdio: the subscribed resource’s updates become inbox events', { timeout: 60_000 }, async () => {
    const { upstream, inbox } = startUpstream(
      cleanups,
      entry({ name: 'everything', type: 'stdio', command: process.execPath, args: [EVERYTHING_SCRIPT, 'stdio'], resources: { subscribe: [DOC] }, callOnConnect: ['toggle-subscriber-updates'] }),
    );
    await waitForState(upstream, 'connected', 30_000);
    const [e] = await waitForEvents(inbox, MCP_TOPIC.resourceUpdated, 1, 30_000);
    expect(e!.payload).toMatchObject({ upstream: 'everything', uri: DOC });
    expect(upstream.status().protocol_version).toMatch(/^2025-/);
  });

  it('over Streamable HTTP: the same, through the GET stream', { timeout: 60_000 }, async () => {
    const port = await everythingHttp();
    const { upstream, inbox } = startUpstream(
      cleanups,
      entry({ name: 'everything-http', type: 'http', url: `http://127.0.0.1:${port}/mcp`, resources: { subscribe: ['demo://resource/static/document/*'] }, callOnConnect: ['toggle-subscriber-updates'] }),
    );
    await waitForState(upstream, 'connected', 30_000);
    expect(upstream.status().subscribed_uris).toBeGreaterThan(1);
    const events = await waitForEvents(inbox, MCP_TOPIC.resourceUpdated, 2, 30_000);
    expect(events[0]!.payload.upstream).toBe('everything-http');
    expect(String(events[0]!.payload.uri)).toMatch(/^demo:\/\/resource\/static\/document\//);
  });

  it('over Streamable HTTP: a dropped GET stream (the server still up, pings off) is a lost connection: replayed, with one reconnected event', { timeout: 60_000 }, async () => {
    const port = await everythingHttp();
    const proxy = await startFaultProxy({ target: { port } });
    cleanups.add(() => proxy.close());
    const { upstream, inbox } = startUpstream(
      cleanups,
      entry({ name: 'dropped', type: 'http', url: `${proxy.url}/mcp`, resources: { subscribe: [DOC] }, callOnConnect: ['toggle-subscriber-updates'] }),
      // No ping: only the SDK's report of the ended stream can tell the relay (the server answers everything else).
      { pingIntervalMs: 0 },
    );
    // The first update comes on the GET stream: once it is stored, the stream is open.
    await waitForEvents(inbox, MCP_TOPIC.resourceUpdated, 1, 30_000);
    proxy.cut(); // the stream's connection ends; new requests connect as before
    await waitFor(() => upstream.status().connects === 2 && upstream.status().state === 'connected', { timeoutMs: 30_000, what: 'a reconnect after the dropped stream' });
    expect(upstream.status().disconnects).toBe(1);
    expect(upstream.status().last_error?.message).toBe('the event stream dropped');
    const [reconnected] = await waitForEvents(inbox, MCP_TOPIC.reconnected, 1);
    expect(reconnected!.payload).toMatchObject({ upstream: 'dropped', cause: 'connection_lost' });
  });
});
