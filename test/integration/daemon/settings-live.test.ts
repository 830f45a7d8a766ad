// The Settings page's changes apply while the daemon runs (README "Local API"): a new key, server URL, client id
// or mode reconnects at once, with no restart; and a daemon that wrote settings still shuts down cleanly.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { homePaths } from '../../../relay/config/home.js';
import { startReferenceServer, type ReferenceServer } from '../../../relay/reference-server/server.js';
import { startCli, type CliProcess } from '../../helpers/cli.js';
import { allEvents, relayApi, type RelayApi } from '../../helpers/relay-api.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';
import { useCleanups } from '../../helpers/cleanups.js';

const cleanup = useCleanups();

type Status = { pid: number; mode: string; server: string; client_id: string; upstream: { state: string; source: { server: string } } };
const CLEAN_ENV = { PUSH_RELAY_API_KEY: '', PUSH_RELAY_SERVER: '', PUSH_RELAY_HOME: '' };
const WAIT = { timeoutMs: 30_000, intervalMs: 25 };

async function referenceServer(tokens: Record<string, string>): Promise<ReferenceServer> {
  const server = await startReferenceServer({ tokens, heartbeatMs: 1000 });
  cleanup.add(() => server.close());
  return server;
}

async function daemon(settings?: Record<string, unknown>, args: string[] = []): Promise<{ relay: CliProcess; api: RelayApi; home: string }> {
  const home = await tempDir('relay-settings-live-');
  cleanup.add(home.cleanup);
  if (settings) writeFileSync(join(home.path, 'settings.json'), JSON.stringify(settings));
  const relay = startCli(['daemon', '--home', home.path, '--local-port', '0', '--heartbeat-ms', '1000', ...args], CLEAN_ENV);
  cleanup.add(() => relay.kill('SIGKILL'));
  const api = relayApi(await relay.line('listening', 30_000), home.path);
  return { relay, api, home: home.path };
}

/** PUT /v1/settings with every field the Settings page sends (renderer/settings-view.ts `#save`). */
async function save(api: RelayApi, body: { server: string | null; clientId: string | null; apiKey?: string | null }) {
  const res = await api.raw('/v1/settings', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { restart_required?: boolean; message?: string; error?: { message: string } } };
}

const status = (api: RelayApi) => api.get<Status>('/v1/status');

describe('settings apply live', () => {
  it('a new key saved from the page (server and client id sent along) reconnects at once', async () => {
    const server = await referenceServer({ 'good-key-123': 't1' });
    server.store.subscribe('t1', { client_id: 'keyed', topic: ['deal.*'] });
    const { api } = await daemon({ server: server.url, apiKey: 'revoked-key-456', clientId: 'keyed' });
    await waitFor(async () => (await status(api)).upstream.state === 'unauthorized', { ...WAIT, what: 'the unauthorized state' });

    const res = await save(api, { server: server.url, clientId: 'keyed', apiKey: 'good-key-123' });
    expect(res).toMatchObject({ status: 200, body: { restart_required: false, message: expect.stringMatching(/in use/) } });
    expect(res.body.message).not.toMatch(/restart/);
    await waitFor(async () => (await status(api)).upstream.state === 'open', { ...WAIT, what: 'the stream to open with the new key' });
    await server.emit('t1', { topic: 'deal.won', payload: { after: 'the key change' } });
    await waitFor(async () => (await allEvents(api)).some((e) => e.payload.after === 'the key change'), { ...WAIT, what: 'an event after the key change' });
  });

  it('demo mode → a real server (URL + key) → another client id → demo again, all in one process', async () => {
    const real = await referenceServer({ 'real-key-1': 'r1' });
    real.store.subscribe('r1', { client_id: 'relay-live', topic: ['deal.*'] });
    real.store.subscribe('r1', { client_id: 'relay-two', topic: ['custom.*'] });
    const { api } = await daemon(undefined, ['--demo-interval-ms', '50']);
    const demo = await waitFor(async () => {
      const s = await status(api);
      return s.mode === 'demo' && s.upstream.state === 'open' && s;
    }, { ...WAIT, what: 'demo mode open' });
    const demoServer = demo.server;

    // Leaving demo mode: the new server's events arrive, the status names it, the embedded server stops.
    const toReal = await save(api, { server: real.url, clientId: 'relay-live', apiKey: 'real-key-1' });
    expect(toReal).toMatchObject({ status: 200, body: { restart_required: false } });
    expect(toReal.body.message).toContain(`reconnects to ${real.url}`);
    await waitFor(async () => {
      const s = await status(api);
      return s.mode === 'server' && s.upstream.state === 'open' && s.server === real.url && s.client_id === 'relay-live';
    }, { ...WAIT, what: 'the stream open on the real server' });
    expect((await status(api)).pid).toBe(demo.pid);
    expect(real.connectCount('relay-live')).toBeGreaterThan(0);
    await real.emit('r1', { topic: 'deal.won', payload: { from: 'the real server' } });
    await waitFor(async () => (await allEvents(api)).some((e) => e.payload.from === 'the real server'), { ...WAIT, what: 'the real server’s event' });
    await expect(fetch(`${demoServer}/healthz`)).rejects.toThrow();

    // A new client id alone: a new connection as that client, the old one closed.
    const toTwo = await save(api, { server: real.url, clientId: 'relay-two' });
    expect(toTwo).toMatchObject({ status: 200, body: { restart_required: false } });
    await waitFor(async () => (await status(api)).client_id === 'relay-two' && real.connections('relay-two').length === 1 && real.connections('relay-live').length === 0, {
      ...WAIT,
      what: 'a connection as relay-two and none as relay-live',
    });
    await waitFor(async () => (await status(api)).upstream.state === 'open', { ...WAIT, what: 'the stream open as relay-two' });
    await real.emit('r1', { topic: 'custom.relay_two', payload: { for: 'relay-two' } });
    await waitFor(async () => (await allEvents(api)).some((e) => e.payload.for === 'relay-two'), { ...WAIT, what: 'relay-two’s event' });

    // Back to demo mode: the embedded server starts again and its generated events flow.
    const toDemo = await save(api, { server: null, clientId: null });
    expect(toDemo).toMatchObject({ status: 200, body: { restart_required: false, message: expect.stringMatching(/demo mode/) } });
    await waitFor(async () => {
      const s = await status(api);
      return s.mode === 'demo' && s.upstream.state === 'open';
    }, { ...WAIT, what: 'demo mode open again' });
    const before = (await allEvents(api)).length;
    await waitFor(async () => (await allEvents(api)).length > before, { ...WAIT, what: 'a generated demo event' });
  });

  it('refuses a server without a key, naming the field, and keeps what runs', async () => {
    const real = await referenceServer({ 'real-key-1': 'r1' });
    const { api } = await daemon();
    const res = await save(api, { server: real.url, clientId: null });
    expect(res.status).toBe(400);
    expect(res.body.error?.message).toMatch(/^apiKey: /);
    expect((await api.get<{ settings: { server: string | null } }>('/v1/settings')).settings.server).toBeNull();
    expect((await status(api)).mode).toBe('demo');
  });

  it('SIGTERM after a settings write still shuts down cleanly: exit 0, relay.json and the lock removed', async () => {
    const { relay, api, home } = await daemon();
    expect((await save(api, { server: null, clientId: 'written-before-sigterm' })).status).toBe(200);
    const paths = homePaths(home);
    expect(existsSync(paths.relayJson)).toBe(true);
    expect(await relay.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(existsSync(paths.relayJson)).toBe(false);
    expect(existsSync(paths.lock)).toBe(false);
  });
});
