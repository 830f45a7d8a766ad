// The notification service with the memory notifier: inbox → policy → format → notifier, and every way the
// notifier can let it down.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryInbox } from '../../../relay/inbox/memory-inbox.js';
import type { IncomingEvent, StoredEvent } from '../../../relay/inbox/types.js';
import { backgroundClock } from '../../../relay/util/clock.js';
import { MemoryNotifier } from '../../../relay/notify/memory-notifier.js';
import { NotifierError, offLine } from '../../../relay/notify/notifier.js';
import { NotificationService, type NotificationServiceOptions } from '../../../relay/notify/service.js';
import { NotificationSettingsError } from '../../../relay/notify/settings.js';
import { captureLog } from '../../helpers/capture-log.js';
import { useCleanups } from '../../helpers/cleanups.js';


let seq = 0;
function stored(topic: string, payload: Record<string, unknown> = {}, subscription_ids = ['sub_1']): StoredEvent {
  seq++;
  return {
    seq,
    event_id: seq,
    topic,
    category: 'crm',
    occurred_at: new Date().toISOString(),
    payload,
    server: 'http://127.0.0.1:1',
    tenant: 't',
    subscription_ids,
    received_at: new Date().toISOString(),
  };
}

const cleanup = useCleanups();
function service(options: Partial<NotificationServiceOptions> = {}) {
  const notifier = (options.notifier as MemoryNotifier | undefined) ?? new MemoryNotifier();
  const cap = captureLog();
  const svc = new NotificationService({ clock: backgroundClock, log: cap.log, ...options, notifier });
  cleanup.add(() => svc.close());
  return { svc, notifier, ...cap, warn: () => cap.at('warn') };
}

/** Lets the delivery queue run (it chains promises, fake timers or not). */
async function settle(svc: NotificationService): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
  await svc.idle();
}

beforeEach(() => {
  seq = 0;
  vi.useFakeTimers({ now: new Date(2026, 0, 5, 12, 0) });
});
afterEach(async () => {
  // The services close while the fake timers still run them; the helper's own afterEach then finds nothing.
  await cleanup.run();
  vi.useRealTimers();
});

describe('delivery', () => {
  it('formats an event for the notifier, with its seq and topic', async () => {
    const { svc, notifier } = service();
    await svc.start();
    svc.offer([stored('deal.won', { name: 'Acme & Co — Platform', amount: 150000, owner: '<rep@demo>' })]);
    await settle(svc);
    expect(notifier.sent).toEqual([{ title: 'Deal won: Acme & Co — Platform', body: '$150,000 · &lt;rep@demo&gt;', seq: 1, tag: 'deal.won' }]);
    expect(svc.status().counts).toMatchObject({ received: 1, shown: 1, delivered: 1, failed: 0, unavailable: 0 });
  });

  it('does not escape for a notifier that shows plain text', async () => {
    const { svc, notifier } = service({ notifier: new MemoryNotifier({ markup: false }) });
    svc.offer([stored('deal.won', { name: 'A', owner: '<rep@demo>' })]);
    await settle(svc);
    expect(notifier.sent[0]?.body).toBe('<rep@demo>');
  });

  it('a burst of 50 becomes the first popup and one summary that opens at the first summarized event', async () => {
    const { svc, notifier } = service();
    svc.offer(Array.from({ length: 50 }, (_, i) => stored(i < 30 ? 'deal.won' : 'account.health_at_risk', { name: `D${i}` })));
    await vi.advanceTimersByTimeAsync(5000);
    await svc.idle();
    expect(notifier.sent).toHaveLength(2);
    expect(notifier.sent[1]).toEqual({ title: '49 new events', body: 'deal.won ×29, account.health_at_risk ×20', seq: 2, tag: 'summary' });
    expect(svc.status().counts).toMatchObject({ received: 50, shown: 1, summaries: 1, summarized: 49, delivered: 2 });
  });

  it('delivers one popup at a time, in order', async () => {
    const order: string[] = [];
    const notifier = new MemoryNotifier();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const notify = notifier.notify.bind(notifier);
    notifier.notify = async (n) => {
      order.push(`start ${n.seq}`);
      if (n.seq === 1) await gate;
      await notify(n);
      order.push(`end ${n.seq}`);
    };
    const { svc } = service({ notifier, settings: { burst: { windowMs: 0 } } });
    svc.offer([stored('deal.won'), stored('deal.won')]);
    await vi.advanceTimersByTimeAsync(0);
    expect(order).toEqual(['start 1']);
    release();
    await settle(svc);
    expect(order).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('routes a click on a popup to onClick(seq)', () => {
    const { svc, notifier } = service();
    const clicked: number[] = [];
    svc.onClick((s) => clicked.push(s));
    notifier.click(42);
    expect(clicked).toEqual([42]);
  });
});

describe('no notification service', () => {
  it('logs ONE clear line, counts every popup it could not show, and keeps going', async () => {
    const notifier = new MemoryNotifier();
    notifier.availability = { ok: false, reason: 'no notification service (no D-Bus session bus)' };
    const { svc, warn } = service({ notifier, settings: { burst: { windowMs: 0 } } });
    await svc.start();
    for (let i = 0; i < 5; i++) svc.offer([stored('deal.won')]);
    await settle(svc);
    await vi.advanceTimersByTimeAsync(10 * 60_000); // re-checks happen; still off: no more lines
    for (let i = 0; i < 3; i++) svc.offer([stored('deal.won')]);
    await settle(svc);
    expect(warn()).toEqual(['OS notifications are off: no notification service (no D-Bus session bus); events still reach the inbox and agents']);
    expect(svc.status()).toMatchObject({ available: false, unavailable_reason: 'no notification service (no D-Bus session bus)', counts: { received: 8, unavailable: 8, delivered: 0 } });
  });

  it('a notifier that turns out unavailable on delivery is switched off once, and back on when it returns', async () => {
    const notifier = new MemoryNotifier();
    const { svc, warn, lines } = service({ notifier, settings: { burst: { windowMs: 0 } }, reprobeMs: 60_000 });
    await svc.start();
    notifier.failure = new NotifierError('unavailable', 'no notification service on the D-Bus session bus');
    svc.offer([stored('deal.won'), stored('deal.won')]);
    await settle(svc);
    svc.offer([stored('deal.won')]);
    await settle(svc);
    expect(warn()).toEqual([offLine('no notification service on the D-Bus session bus')]);
    expect(svc.status().counts).toMatchObject({ failed: 1, unavailable: 2 });

    notifier.failure = undefined; // a notification daemon started
    await vi.advanceTimersByTimeAsync(60_000);
    svc.offer([stored('deal.won')]);
    await settle(svc);
    expect(notifier.sent).toHaveLength(1);
    expect(lines.some((l) => l.level === 'info' && l.msg === 'OS notifications are on again (memory)')).toBe(true);
    expect(svc.status().available).toBe(true);
  });

  it('counts failures and timeouts, logging each kind once', async () => {
    const notifier = new MemoryNotifier();
    const { svc, warn } = service({ notifier, settings: { burst: { windowMs: 0 } }, deliveryTimeoutMs: 1000 });
    notifier.failure = new NotifierError('failed', 'notify-send failed: boom');
    svc.offer([stored('deal.won'), stored('deal.won'), stored('deal.won')]);
    await settle(svc);
    notifier.failure = undefined;
    notifier.notify = () => new Promise(() => undefined); // never answers
    svc.offer([stored('deal.won'), stored('deal.won')]);
    await vi.advanceTimersByTimeAsync(2500);
    await svc.idle();
    expect(svc.status().counts).toMatchObject({ failed: 5, delivered: 0 });
    expect(warn()).toHaveLength(2);
    expect(warn()[0]).toContain('notify-send failed: boom');
    expect(warn()[1]).toContain('did not answer within 1000 ms');
  });

  it('an availability check that throws counts as off, with the reason', async () => {
    const notifier = new MemoryNotifier();
    notifier.available = () => Promise.reject(new Error('probe exploded'));
    const { svc, warn } = service({ notifier });
    expect(await svc.start()).toEqual({ ok: false, reason: 'cannot check for a notification service (probe exploded)' });
    expect(warn()).toHaveLength(1);
  });
});

describe('pause, resume, policy', () => {
  it('pause() silences popups, reports paused_until, and resumes by itself', async () => {
    const { svc, notifier, lines } = service({ settings: { burst: { windowMs: 0 } } });
    await svc.start();
    const changes: (string | null)[] = [];
    svc.onChange((s) => changes.push(s.paused_until));
    const status = svc.pause('15m');
    expect(status.paused_until).toBe(new Date(2026, 0, 5, 12, 15).toISOString());
    svc.offer([stored('deal.won')]);
    await vi.advanceTimersByTimeAsync(15 * 60_000);
    svc.offer([stored('deal.won')]);
    await settle(svc);
    expect(notifier.sent.map((n) => n.seq)).toEqual([2]);
    expect(svc.status()).toMatchObject({ paused_until: null, counts: { suppressed: { paused: 1 } } });
    expect(changes).toEqual([status.paused_until, null]);
    expect(lines.map((l) => l.msg)).toContain('notifications resumed (pause ended)');
  });

  it('resume() ends a pause early', async () => {
    const { svc, notifier } = service();
    svc.pause({ minutes: 30 });
    expect(svc.resume().paused_until).toBeNull();
    svc.offer([stored('deal.won')]);
    await settle(svc);
    expect(notifier.sent).toHaveLength(1);
  });

  it('setPolicy() validates and applies', async () => {
    const { svc, notifier } = service();
    expect(() => svc.setPolicy({ quietHours: { start: '25:00', end: '07:00' } })).toThrow(NotificationSettingsError);
    expect(() => svc.setPolicy({ quietHours: { start: '25:00', end: '07:00' } })).toThrow(/"notifications\.quietHours\.start" use a 24-hour local time/);
    expect(() => svc.setPolicy({ topics: [{ pattern: 'has space', enabled: false }] })).toThrow(/notifications\.topics\.0\.pattern/);
    svc.setPolicy({ topics: [{ pattern: 'deal.*', enabled: false }] });
    svc.offer([stored('deal.won'), stored('ticket.created')]);
    await vi.advanceTimersByTimeAsync(5000);
    await svc.idle();
    expect(notifier.sent.map((n) => n.tag)).toEqual(['ticket.created']);
    expect(svc.policy.topics).toEqual([{ pattern: 'deal.*', enabled: false }]);
  });

  it('invalid settings at construction fail with the field named', () => {
    expect(() => new NotificationService({ notifier: new MemoryNotifier(), settings: { maxPerMinute: 0 } })).toThrow(/notifications\.maxPerMinute/);
  });
});

describe('fed by the inbox', () => {
  const incoming = (event_id: number, topic = 'deal.won'): IncomingEvent => ({
    source: { server: 'http://127.0.0.1:1', tenant: 't' },
    subscription_id: 'sub_1',
    event: { event_id, topic, category: 'crm', occurred_at: new Date().toISOString(), payload: { name: `Deal ${event_id}` } },
  });

  it('pops up newly stored events only, never duplicates of stored ones', async () => {
    const inbox = new MemoryInbox();
    cleanup.add(() => inbox.close());
    const { svc, notifier } = service({ settings: { burst: { windowMs: 0 } } });
    svc.attach(inbox);
    await inbox.append([incoming(1)]);
    await inbox.append([incoming(1), incoming(2)]); // event 1 again: a replay after a reconnect
    await inbox.append([incoming(2)]);
    await settle(svc);
    expect(notifier.sent.map((n) => n.title)).toEqual(['Deal won: Deal 1', 'Deal won: Deal 2']);
    expect(notifier.sent.map((n) => n.seq)).toEqual([1, 2]);
  });

  it('leaves popup receipts on the inbox: shown for a popup, for every event a summary covers, clicked, failed', async () => {
    const inbox = new MemoryInbox();
    cleanup.add(() => inbox.close());
    const { svc, notifier } = service({ settings: { burst: { windowMs: 0 } } });
    svc.attach(inbox);
    await inbox.append([incoming(1)]);
    await settle(svc);
    expect(inbox.receipts(1)?.receipts.map((r) => r.via)).toEqual(['shown']);
    notifier.click(1);
    expect(inbox.receipts(1)?.receipts.map((r) => r.via)).toEqual(['shown', 'clicked']);
    notifier.failure = new NotifierError('failed', 'the daemon said no');
    await inbox.append([incoming(2)]);
    await settle(svc);
    expect(inbox.receipts(2)?.receipts.map((r) => r.via)).toEqual(['failed']);
  });

  it('a summary popup leaves a shown receipt on each event it stands for, and a click on it a clicked one', async () => {
    const inbox = new MemoryInbox();
    cleanup.add(() => inbox.close());
    const { svc, notifier } = service();
    svc.attach(inbox);
    await inbox.append([1, 2, 3, 4, 5].map((id) => incoming(id)));
    await vi.advanceTimersByTimeAsync(5000);
    await svc.idle();
    expect(notifier.sent.map((n) => n.tag)).toEqual(['deal.won', 'summary']);
    expect([1, 2, 3, 4, 5].map((seq) => inbox.receipts(seq)?.receipts.map((r) => r.via))).toEqual([['shown'], ['shown'], ['shown'], ['shown'], ['shown']]);
    notifier.click(2);
    expect([2, 3, 4, 5].map((seq) => inbox.receipts(seq)?.receipts.at(-1)?.via)).toEqual(['clicked', 'clicked', 'clicked', 'clicked']);
  });

  it('after close() it takes no more events and holds no timers', async () => {
    const inbox = new MemoryInbox();
    cleanup.add(() => inbox.close());
    const { svc, notifier } = service();
    svc.attach(inbox);
    await inbox.append([incoming(1), incoming(2), incoming(3)]);
    await svc.close();
    await inbox.append([incoming(4)]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(notifier.sent).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
