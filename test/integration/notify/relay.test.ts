// The notification service inside the relay core (in-process, reference server on port 0): fed by the
// inbox, silent on restart, headless without a D-Bus session bus, reachable at /v1/notifications*.
import { describe, expect, it } from 'vitest';
import { startRelay, type RelayOptions, type RunningRelay } from '../../../relay/core/relay.js';
import { MemoryNotifier } from '../../../relay/notify/memory-notifier.js';
import { eventReceiptsPath, type ReceiptsResponse } from '../../../relay/protocol/local-api.js';
import type { NotificationStatus } from '../../../relay/notify/service.js';
import { startReferenceServer, type ReferenceServer } from '../../../relay/reference-server/server.js';
import { captureLog } from '../../helpers/capture-log.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';
import { useCleanups } from '../../helpers/cleanups.js';

const KEY = 'notify-key-0123456789';
const TENANT = 'tenant-n';
const CLIENT = 'relay-notify';

const cleanup = useCleanups();

async function server(): Promise<ReferenceServer> {
  const s = await startReferenceServer({ tokens: { [KEY]: TENANT } });
  cleanup.add(() => s.close());
  s.store.subscribe(TENANT, { client_id: CLIENT, topic: ['*'] });
  return s;
}

async function home(): Promise<string> {
  const dir = await tempDir('relay-notify-');
  cleanup.add(dir.cleanup);
  return dir.path;
}

async function relay(ref: ReferenceServer, dir: string, options: Partial<RelayOptions> = {}): Promise<RunningRelay> {
  const r = await startRelay({ home: dir, server: ref.url, apiKey: KEY, clientId: CLIENT, localPort: 0, env: {}, ...options });
  cleanup.add(() => r.close());
  await waitFor(() => r.core.status().upstream.state === 'open', { what: 'upstream open' });
  return r;
}

describe('relay core with notifications', () => {
  it('a popup shown, then clicked, leaves shown and clicked receipts on its event, read at /v1/events/<seq>/receipts and kept across a restart', async () => {
    const ref = await server();
    const dir = await home();
    const notifier = new MemoryNotifier();
    const r1 = await relay(ref, dir, { notify: notifier });
    await ref.emit(TENANT, { topic: 'deal.won', payload: { name: 'Seen on the desktop', amount: 1 } });
    const [popup] = await notifier.waitForCount(1);
    const read = async (r: RunningRelay) => {
      const res = await fetch(`${r.url}${eventReceiptsPath(popup!.seq!)}`, { headers: { authorization: `Bearer ${r.token}` } });
      return (await res.json()) as ReceiptsResponse;
    };
    // The person clicks a popup that is on screen: after the notifier confirmed it.
    await waitFor(async () => (await read(r1)).receipts.length === 1, { what: 'the shown receipt' });
    notifier.click(popup!.seq!);
    await waitFor(async () => (await read(r1)).receipts.length === 2, { what: 'two popup receipts' });
    const before = await read(r1);
    expect(before.receipts.map((x) => [x.via, x.consumer])).toEqual([
      ['shown', null],
      ['clicked', null],
    ]);
    await r1.close();
    const r2 = await relay(ref, dir, { notify: new MemoryNotifier() });
    expect(await read(r2)).toEqual(before);
  });

  it('pops up each newly stored event, and nothing for stored events after a restart', async () => {
    const ref = await server();
    const dir = await home();
    const first = new MemoryNotifier();
    const r1 = await relay(ref, dir, { notify: first });
    await ref.emit(TENANT, { topic: 'deal.won', payload: { name: 'Acme Corp — Platform', amount: 150000, owner: 'rep@demo' } });
    await first.waitForCount(1);
    expect(first.sent[0]).toEqual({ title: 'Deal won: Acme Corp — Platform', body: '$150,000 · rep@demo', seq: 1, tag: 'deal.won' });
    await r1.close();

    const second = new MemoryNotifier();
    const r2 = await relay(ref, dir, { notify: second });
    await ref.emit(TENANT, { topic: 'ticket.created', payload: { subject: 'Export is slow', priority: 'p2' } });
    await waitFor(() => r2.core.inbox.head() === 2, { what: 'second event stored' });
    await second.waitForCount(1);
    await r2.notifications!.idle();
    expect(second.sent.map((n) => [n.seq, n.tag])).toEqual([[2, 'ticket.created']]);
    expect(r2.core.status().notifications).toMatchObject({ notifier: 'memory', available: true, counts: { received: 1, delivered: 1 } });
  });

  it('headless: no D-Bus session bus → one clear log line, events still reach the inbox', async () => {
    const ref = await server();
    const { log, at } = captureLog();
    const r = await relay(ref, await home(), { log }); // default notifier (node-notifier), env without DBUS_SESSION_BUS_ADDRESS
    for (let i = 0; i < 3; i++) await ref.emit(TENANT, { topic: 'deal.won', payload: { name: `D${i}` } });
    await waitFor(() => r.core.inbox.head() === 3, { what: 'events in the inbox' });
    await r.notifications!.idle();
    const status = r.core.status().notifications!;
    expect(status).toMatchObject({ notifier: 'notify-send', available: false, unavailable_reason: 'no notification service (no D-Bus session bus)' });
    expect(status.counts.received).toBe(3);
    expect(status.counts.delivered).toBe(0);
    expect(at('warn').filter((l) => l.includes('OS notifications'))).toEqual([
      'OS notifications are off: no notification service (no D-Bus session bus); events still reach the inbox and agents',
    ]);
    expect(r.core.status().upstream.state).toBe('open');
  });

  it('notify: false runs without a notification service', async () => {
    const ref = await server();
    const r = await relay(ref, await home(), { notify: false });
    expect(r.notifications).toBeUndefined();
    expect(r.core.status().notifications).toBeUndefined();
    const res = await fetch(`${r.url}/v1/notifications`, { headers: { authorization: `Bearer ${r.token}` } });
    expect(res.status).toBe(404);
  });

  it('pause and resume over the local API (token required), visible in /v1/status', async () => {
    const ref = await server();
    const notifier = new MemoryNotifier();
    const r = await relay(ref, await home(), { notify: notifier });
    const call = (path: string, init: RequestInit = {}, token: string | null = r.token) =>
      fetch(`${r.url}${path}`, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });

    expect((await call('/v1/notifications/pause', { method: 'POST', body: '{"for":"1h"}' }, null)).status).toBe(401);
    const before = Date.now();
    const paused = await call('/v1/notifications/pause', { method: 'POST', body: '{"for":"1h"}' });
    expect(paused.status).toBe(200);
    const pausedBody = (await paused.json()) as NotificationStatus;
    const until = Date.parse(pausedBody.paused_until!);
    expect(until).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 3_600_000);

    await ref.emit(TENANT, { topic: 'deal.won', payload: { name: 'quiet' } });
    await waitFor(() => r.core.status().notifications?.counts.suppressed.paused === 1, { what: 'event counted as paused' });
    const status = (await (await call('/v1/status')).json()) as { notifications: NotificationStatus };
    expect(status.notifications.paused_until).toBe(pausedBody.paused_until);

    const bad = await call('/v1/notifications/pause', { method: 'POST', body: '{"for":"forever"}' });
    expect(bad.status).toBe(400);
    const past = await call('/v1/notifications/pause', { method: 'POST', body: '{"until":"2001-01-01T00:00:00Z"}' });
    expect(past.status).toBe(400);
    expect(((await past.json()) as { error: { code: string } }).error.code).toBe('invalid_pause');
    expect((await call('/v1/notifications/resume', { method: 'GET' })).status).toBe(405);

    const resumed = (await (await call('/v1/notifications/resume', { method: 'POST' })).json()) as NotificationStatus;
    expect(resumed.paused_until).toBeNull();
    await ref.emit(TENANT, { topic: 'deal.won', payload: { name: 'loud' } });
    await notifier.waitForCount(1);
    expect(notifier.sent[0]?.title).toBe('Deal won: loud');
    const got = (await (await call('/v1/notifications')).json()) as NotificationStatus;
    expect(got.counts).toMatchObject({ received: 2, shown: 1, suppressed: { paused: 1 } });
  });
});
