// Real desktop notifications: the compiled `push-relay daemon` against an in-process reference server, on a
// private X display + D-Bus session bus + dunst (test/helpers/desktop-session.ts). node-notifier runs the
// real notify-send; the test reads the `Notify` calls off the bus. Fails (never skips) without the packages.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationStatus } from '../../../relay/notify/service.js';
import { startReferenceServer, type ReferenceServer } from '../../../relay/reference-server/server.js';
import { startCli, type CliProcess } from '../../helpers/cli.js';
import { startDesktopSession, type DesktopSession, type NotifyCall } from '../../helpers/desktop-session.js';
import { relayApi, type RelayApi } from '../../helpers/relay-api.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';
import { useCleanups } from '../../helpers/cleanups.js';

const KEY = 'desktop-key-0123456789';
const TENANT = 'tenant-desktop';
const CLIENT = 'relay-desktop';
const COMPILED = fileURLToPath(new URL('../../../dist/relay/cli/main.js', import.meta.url));

let session: DesktopSession;
let server: ReferenceServer;
const cleanup = useCleanups();

beforeAll(async () => {
  if (!existsSync(COMPILED)) throw new Error('the daemon is not built: run `npx tsc -p tsconfig.build.json` (npm test does) first');
  session = await startDesktopSession();
  server = await startReferenceServer({ tokens: { [KEY]: TENANT } });
  server.store.subscribe(TENANT, { client_id: CLIENT, topic: ['*'] });
});
afterAll(async () => {
  await server?.close();
  await session?.close();
});

interface Daemon {
  p: CliProcess;
  api: RelayApi;
  /** Notify calls made since this daemon started (ours: app name "Push Relay"). */
  calls(): NotifyCall[];
  notifications(): Promise<NotificationStatus>;
}

/** A daemon on a fresh home (own inbox, own policy), with the desktop session's DISPLAY and bus. */
async function daemon(notifications?: Record<string, unknown>, env: NodeJS.ProcessEnv = session.env): Promise<Daemon> {
  const home = await tempDir('desktop-home-');
  cleanup.add(home.cleanup);
  if (notifications) writeFileSync(join(home.path, 'settings.json'), JSON.stringify({ notifications }));
  const from = session.calls.length;
  const p = startCli(['daemon', '--home', home.path, '--local-port', '0', '--server', server.url, '--client-id', CLIENT], {
    PUSH_RELAY_HOME: '',
    PUSH_RELAY_SERVER: '',
    PUSH_RELAY_API_KEY: KEY,
    ...env,
  });
  cleanup.add(() => p.kill('SIGKILL'));
  const api = relayApi(await p.line('listening'), home.path);
  await waitFor(async () => (await api.get<{ upstream: { state: string } }>('/v1/status')).upstream.state === 'open', { what: 'upstream open' });
  const d: Daemon = {
    p,
    api,
    calls: () => session.calls.slice(from).filter((c) => c.appName === 'Push Relay'),
    notifications: () => api.get<NotificationStatus>('/v1/notifications'),
  };
  await waitFor(async () => (await d.notifications()).available === true, { what: 'the daemon to find the notification service' });
  return d;
}

describe('desktop notifications on D-Bus (Xvfb + dunst)', () => {
  it('emit → one Notify call with the right title and body; event text cannot inject markup', async () => {
    const d = await daemon();
    await server.emit(TENANT, {
      topic: 'deal.won',
      payload: { name: 'Acme & Sons — Platform', amount: 150000, owner: 'rep@demo <b>x</b> \\074i\\076' },
    });
    await session.waitFor(() => d.calls().length >= 1, { what: 'the deal.won popup' });
    await waitFor(async () => (await d.notifications()).counts.delivered === 1, { what: 'delivery counted' });
    const [call] = d.calls();
    expect(d.calls()).toHaveLength(1);
    expect(call).toMatchObject({
      appName: 'Push Relay',
      summary: 'Deal won: Acme & Sons — Platform',
      body: '$150,000 · rep@demo &lt;b&gt;x&lt;/b&gt; \\074i\\076',
      replacesId: 0,
      actions: [],
    });
  });

  it('a burst of 50 → the first popup and ONE summary', async () => {
    // A settle window far above scheduling noise, so a loaded CI box cannot split the burst in two.
    const d = await daemon({ burst: { windowMs: 5000, settleMs: 2000, maxHoldMs: 20_000 } });
    for (let i = 0; i < 50; i++) {
      await server.emit(TENANT, { topic: i % 5 === 4 ? 'account.health_at_risk' : 'deal.won', payload: { name: `Burst ${i}`, score: 10 } });
    }
    const status = await waitFor(
      async () => {
        const s = await d.notifications();
        return s.counts.received === 50 && s.pending === 0 && s.counts.delivered + s.counts.failed === s.counts.shown + s.counts.summaries && s;
      },
      { timeoutMs: 30_000, what: 'the burst to be delivered' },
    );
    expect(status.counts).toMatchObject({ received: 50, shown: 1, summaries: 1, summarized: 49, failed: 0 });
    await session.waitFor(() => d.calls().length >= 2, { what: 'two popups' });
    const calls = d.calls();
    expect(calls.map((c) => c.summary)).toEqual(['Deal won: Burst 0', '49 new events']);
    expect(calls[1]?.body).toBe('deal.won ×39, account.health_at_risk ×10');
  });

  it('paused (POST /v1/notifications/pause) → no Notify call; resumed → popups again', async () => {
    const d = await daemon();
    const paused = await d.api.post<NotificationStatus>('/v1/notifications/pause', { for: '15m' });
    expect(paused.paused_until).not.toBeNull();
    for (let i = 0; i < 3; i++) await server.emit(TENANT, { topic: 'ticket.created', payload: { subject: `Paused ${i}`, priority: 'p1' } });
    await waitFor(async () => (await d.notifications()).counts.suppressed.paused === 3, { what: '3 events counted as paused' });
    expect(d.calls()).toEqual([]);

    await d.api.post('/v1/notifications/resume', {});
    await server.emit(TENANT, { topic: 'ticket.created', payload: { subject: 'After the pause', priority: 'p1' } });
    await session.waitFor(() => d.calls().length >= 1, { what: 'the popup after resume' });
    expect(d.calls().map((c) => c.summary)).toEqual(['New ticket: After the pause']);
  });
});

describe('no notification service', () => {
  it('a session bus without a notification daemon → one clear line, the relay keeps running', async () => {
    const bare = await startDesktopSession({ notificationDaemon: false });
    cleanup.add(() => bare.close());
    const home = await tempDir('desktop-home-');
    cleanup.add(home.cleanup);
    const p = startCli(['daemon', '--home', home.path, '--local-port', '0', '--server', server.url, '--client-id', CLIENT], {
      PUSH_RELAY_HOME: '',
      PUSH_RELAY_SERVER: '',
      PUSH_RELAY_API_KEY: KEY,
      ...bare.env,
    });
    cleanup.add(() => p.kill('SIGKILL'));
    const api = relayApi(await p.line('listening'), home.path);
    await waitFor(() => p.stderr().includes('OS notifications are off'), { what: 'the off line' });
    await server.emit(TENANT, { topic: 'deal.won', payload: { name: 'Unseen' } });
    const status = await waitFor(async () => {
      const s = await api.get<NotificationStatus>('/v1/notifications');
      return s.counts.received >= 1 && s.counts.unavailable >= 1 && s;
    }, { what: 'the event counted as unavailable' });
    expect(status.unavailable_reason).toMatch(/^no notification service on the D-Bus session bus/);
    const lines = p.stderr().split('\n').filter((l) => l.includes('OS notifications'));
    expect(lines).toEqual([
      'push-relay: warn: OS notifications are off: no notification service on the D-Bus session bus (nothing provides org.freedesktop.Notifications; start a notification daemon such as dunst); events still reach the inbox and agents',
    ]);
    expect(bare.calls).toEqual([]);
    expect((await api.get<{ upstream: { state: string } }>('/v1/status')).upstream.state).toBe('open');
  });
});
