// The notification policy under fake timers: bursts, ceilings, pauses, quiet hours, mutes.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backgroundClock } from '../../../relay/util/clock.js';
import { resolvePause } from '../../../relay/notify/pause.js';
import { NotificationPolicy, type PolicyEvent, type PolicyStats, type Popup } from '../../../relay/notify/policy.js';
import { parseNotificationSettings, type NotificationSettingsInput } from '../../../relay/notify/settings.js';

let seq = 0;
const ev = (topic = 'deal.won', subscription_ids: string[] = ['sub_1']): PolicyEvent => ({ seq: ++seq, topic, subscription_ids });

function setup(settings: NotificationSettingsInput = {}) {
  const popups: Popup<PolicyEvent>[] = [];
  const policy = new NotificationPolicy<PolicyEvent>({
    settings: parseNotificationSettings(settings),
    clock: backgroundClock,
    deliver: (p) => popups.push(p),
  });
  const events = () => popups.filter((p) => p.kind === 'event').map((p) => (p.kind === 'event' ? p.event.seq : -1));
  const summaries = () => popups.flatMap((p) => (p.kind === 'summary' ? [p.summary] : []));
  return { policy, popups, events, summaries };
}

/** Every offered event is in exactly one counter, or still pending. */
function accounted(stats: PolicyStats, pending: number): number {
  return stats.shown + stats.summarized + Object.values(stats.suppressed).reduce((a, b) => a + b, 0) + pending;
}

beforeEach(() => {
  seq = 0;
  // Monday 5 January 2026, 12:00 local time.
  vi.useFakeTimers({ now: new Date(2026, 0, 5, 12, 0, 0) });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('bursts', () => {
  it('shows a lone event at once, before any timer runs', () => {
    const { policy, events } = setup();
    expect(policy.offer(ev())).toBe('shown');
    expect(events()).toEqual([1]);
  });

  it('shows events further apart than the window one by one, each at once', () => {
    const { policy, events, summaries } = setup();
    for (let i = 0; i < 5; i++) {
      expect(policy.offer(ev())).toBe('shown');
      vi.advanceTimersByTime(2000);
    }
    expect(events()).toEqual([1, 2, 3, 4, 5]);
    expect(summaries()).toEqual([]);
  });

  it('holds a close second and third event until the burst settles, then shows them one by one', () => {
    const { policy, events } = setup();
    policy.offer(ev());
    vi.advanceTimersByTime(500);
    expect(policy.offer(ev())).toBe('held');
    vi.advanceTimersByTime(300);
    expect(policy.offer(ev())).toBe('held');
    expect(events()).toEqual([1]);
    vi.advanceTimersByTime(599);
    expect(events()).toEqual([1]);
    vi.advanceTimersByTime(1);
    expect(events()).toEqual([1, 2, 3]);
    expect(policy.pending()).toBe(0);
  });

  it('folds more than 3 events within 2 s into one summary after the first', () => {
    const { policy, events, summaries } = setup();
    const topics = ['deal.won', 'deal.won', 'account.health_at_risk', 'deal.won', 'account.health_at_risk'];
    for (const t of topics) {
      policy.offer(ev(t));
      vi.advanceTimersByTime(100);
    }
    vi.advanceTimersByTime(2000);
    expect(events()).toEqual([1]);
    expect(summaries()).toEqual([
      { count: 4, topics: [['deal.won', 2], ['account.health_at_risk', 2]], otherTopics: 0, firstSeq: 2, lastSeq: 5, seqs: [2, 3, 4, 5], reason: 'burst' },
    ]);
  });

  it('gives a burst of 50 exactly one summary, not 50 popups', () => {
    const { policy, popups, summaries } = setup();
    for (let i = 0; i < 50; i++) policy.offer(ev(i % 5 === 0 ? 'account.health_at_risk' : 'deal.won'));
    vi.advanceTimersByTime(10_000);
    expect(popups).toHaveLength(2);
    expect(popups[0]).toMatchObject({ kind: 'event', event: { seq: 1 } });
    expect(summaries()).toHaveLength(1);
    expect(summaries()[0]).toMatchObject({ count: 49, firstSeq: 2, lastSeq: 50, topics: [['deal.won', 40], ['account.health_at_risk', 9]] });
    const stats = policy.stats();
    expect(stats).toMatchObject({ received: 50, shown: 1, summaries: 1, summarized: 49, coalesced: { burst: 49, ceiling: 0 } });
    expect(accounted(stats, policy.pending())).toBe(50);
  });

  it('releases a never-ending burst at most every maxHoldMs, so nothing waits forever', () => {
    const { policy, popups } = setup();
    for (let i = 0; i < 40; i++) {
      policy.offer(ev());
      vi.advanceTimersByTime(250); // 4 per second: never 600 ms of silence
    }
    vi.advanceTimersByTime(5000);
    // 10 s of stream: the first at once, then one summary per 2 s of held events.
    expect(popups[0]?.kind).toBe('event');
    const summaries = popups.filter((p) => p.kind === 'summary');
    expect(summaries.length).toBeGreaterThanOrEqual(4);
    expect(summaries.length).toBeLessThanOrEqual(6);
    expect(accounted(policy.stats(), policy.pending())).toBe(40);
    expect(policy.pending()).toBe(0);
  });

  it('shows a slow steady trickle one by one, each within a second', () => {
    const { policy, events, summaries } = setup();
    for (let i = 0; i < 6; i++) {
      policy.offer(ev());
      vi.advanceTimersByTime(1500);
    }
    expect(events()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(summaries()).toEqual([]);
  });

  it('with windowMs 0 never coalesces', () => {
    const { policy, events } = setup({ burst: { windowMs: 0 }, maxPerMinute: 100 });
    for (let i = 0; i < 10; i++) expect(policy.offer(ev())).toBe('shown');
    expect(events()).toHaveLength(10);
  });

  it('keeps a bounded list of topics in a summary and counts the rest', () => {
    const { policy, summaries } = setup();
    policy.offer(ev('lead'));
    for (let i = 0; i < 80; i++) policy.offer(ev(`custom.t${i}`));
    vi.advanceTimersByTime(5000);
    const s = summaries()[0]!;
    expect(s.count).toBe(80);
    expect(s.topics).toHaveLength(50);
    expect(s.otherTopics).toBe(30);
  });
});

describe('per-minute ceiling', () => {
  it('folds popups over the ceiling into one later summary, counted, never dropped', () => {
    const { policy, events, summaries } = setup({ maxPerMinute: 3, burst: { windowMs: 0 } });
    const decisions = [];
    for (let i = 0; i < 8; i++) {
      decisions.push(policy.offer(ev(i < 6 ? 'deal.won' : 'ticket.created')));
      vi.advanceTimersByTime(1000);
    }
    expect(decisions).toEqual(['shown', 'shown', 'shown', 'deferred', 'deferred', 'deferred', 'deferred', 'deferred']);
    expect(policy.pending()).toBe(5);
    expect(policy.stats().coalesced.ceiling).toBe(5);
    vi.advanceTimersByTime(60_000 - 8000 - 1);
    expect(summaries()).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(events()).toEqual([1, 2, 3]);
    expect(summaries()).toEqual([{ count: 5, topics: [['deal.won', 3], ['ticket.created', 2]], otherTopics: 0, firstSeq: 4, lastSeq: 8, seqs: [4, 5, 6, 7, 8], reason: 'ceiling' }]);
    expect(policy.pending()).toBe(0);
    expect(accounted(policy.stats(), 0)).toBe(8);
  });

  it('counts summaries against the ceiling too, and shows a single deferred event as itself', () => {
    const { policy, popups } = setup({ maxPerMinute: 2, burst: { windowMs: 0 } });
    policy.offer(ev());
    policy.offer(ev());
    expect(policy.offer(ev('ticket.created'))).toBe('deferred');
    vi.advanceTimersByTime(60_000);
    expect(popups.map((p) => (p.kind === 'event' ? p.event.topic : 'summary'))).toEqual(['deal.won', 'deal.won', 'ticket.created']);
  });

  it('a higher ceiling set later releases deferred events at once', () => {
    const { policy, summaries } = setup({ maxPerMinute: 1, burst: { windowMs: 0 } });
    policy.offer(ev());
    policy.offer(ev());
    policy.offer(ev());
    policy.setSettings(parseNotificationSettings({ maxPerMinute: 10, burst: { windowMs: 0 } }));
    vi.advanceTimersByTime(0);
    expect(summaries()).toMatchObject([{ count: 2, reason: 'ceiling' }]);
  });
});

describe('pause', () => {
  it.each([
    ['15m', 15 * 60_000],
    ['1h', 3_600_000],
    ['8h', 8 * 3_600_000],
  ] as const)('%s suppresses popups and resumes by itself', (preset, ms) => {
    const { policy, events } = setup();
    const changes = vi.fn();
    policy.onChange(changes);
    const until = resolvePause(preset, Date.now());
    expect(until - Date.now()).toBe(ms);
    policy.pause(until);
    expect(policy.pausedUntil()).toBe(until);
    expect(policy.offer(ev())).toBe('paused');
    vi.advanceTimersByTime(ms - 1);
    expect(policy.offer(ev())).toBe('paused');
    expect(policy.pausedUntil()).toBe(until);
    vi.advanceTimersByTime(1);
    expect(policy.pausedUntil()).toBeUndefined();
    expect(changes).toHaveBeenCalledTimes(2); // paused, then resumed by its own timer
    vi.advanceTimersByTime(5000);
    expect(policy.offer(ev())).toBe('shown');
    expect(events()).toEqual([3]);
    expect(policy.stats().suppressed.paused).toBe(2);
  });

  it('"tomorrow" in the evening ends at 08:00 the next day, and resumes by itself', () => {
    vi.setSystemTime(new Date(2026, 0, 5, 18, 30));
    const { policy } = setup();
    const until = resolvePause('tomorrow', Date.now());
    expect(new Date(until)).toEqual(new Date(2026, 0, 6, 8, 0));
    policy.pause(until);
    vi.setSystemTime(new Date(2026, 0, 6, 7, 59));
    expect(policy.offer(ev())).toBe('paused');
    vi.advanceTimersByTime(60_000);
    expect(policy.pausedUntil()).toBeUndefined();
    expect(policy.offer(ev())).toBe('shown');
  });

  it('"tomorrow" after midnight ends at 08:00 the same morning; tomorrowAt is configurable', () => {
    const night = new Date(2026, 0, 6, 1, 30).getTime();
    expect(new Date(resolvePause('tomorrow', night))).toEqual(new Date(2026, 0, 6, 8, 0));
    expect(new Date(resolvePause('tomorrow', night, '09:15'))).toEqual(new Date(2026, 0, 6, 9, 15));
    const morning = new Date(2026, 0, 6, 8, 0).getTime();
    expect(new Date(resolvePause('tomorrow', morning))).toEqual(new Date(2026, 0, 7, 8, 0));
  });

  it('the wall clock ends a pause even when its timer has not run (a laptop that slept)', () => {
    const { policy } = setup();
    policy.pause(Date.now() + 60_000);
    vi.setSystemTime(Date.now() + 120_000); // time jumps, timers do not run
    expect(policy.offer(ev())).toBe('shown');
  });

  it('events held for a burst when a pause starts count as paused', () => {
    const { policy, popups } = setup();
    policy.offer(ev());
    policy.offer(ev());
    policy.offer(ev());
    policy.pause(Date.now() + 60_000);
    vi.advanceTimersByTime(120_000);
    expect(popups).toHaveLength(1);
    expect(policy.stats().suppressed.paused).toBe(2);
    expect(accounted(policy.stats(), policy.pending())).toBe(3);
  });

  it('resume() ends a pause early; explicit durations and times are checked', () => {
    const { policy } = setup();
    policy.pause(resolvePause({ minutes: 30 }, Date.now()));
    policy.resume();
    expect(policy.pausedUntil()).toBeUndefined();
    expect(policy.offer(ev())).toBe('shown');
    expect(() => resolvePause({ minutes: 0 }, Date.now())).toThrow(/1 minute/);
    expect(() => resolvePause({ until: 'soon' }, Date.now())).toThrow(/not a time/);
    expect(() => resolvePause({ until: Date.now() - 1 }, Date.now())).toThrow(/past/);
    expect(() => resolvePause({ until: Date.now() + 8 * 86_400_000 }, Date.now())).toThrow(/week/);
    expect(resolvePause({ until: new Date(2026, 0, 5, 13, 0).toISOString() }, Date.now())).toBe(new Date(2026, 0, 5, 13, 0).getTime());
  });

  it('a pause longer than setTimeout can hold still ends by itself', () => {
    const { policy } = setup();
    const until = Date.now() + 6 * 86_400_000;
    policy.pause(until);
    vi.advanceTimersByTime(6 * 86_400_000 - 1000);
    expect(policy.pausedUntil()).toBe(until);
    vi.advanceTimersByTime(1000);
    expect(policy.pausedUntil()).toBeUndefined();
  });
});

describe('quiet hours', () => {
  it('22:00–07:00 crosses midnight', () => {
    const { policy } = setup({ quietHours: { start: '22:00', end: '07:00' }, burst: { windowMs: 0 }, maxPerMinute: 100 });
    const at = (d: number, h: number, m: number) => {
      vi.setSystemTime(new Date(2026, 0, d, h, m));
      return policy.offer(ev());
    };
    expect(at(5, 21, 59)).toBe('shown');
    expect(at(5, 22, 0)).toBe('quiet_hours');
    expect(at(5, 23, 59)).toBe('quiet_hours');
    expect(at(6, 0, 0)).toBe('quiet_hours');
    expect(at(6, 3, 0)).toBe('quiet_hours');
    expect(at(6, 6, 59)).toBe('quiet_hours');
    expect(at(6, 7, 0)).toBe('shown');
    expect(at(6, 12, 0)).toBe('shown');
    expect(policy.stats().suppressed.quiet_hours).toBe(5);
  });

  it('within one day (12:00–13:30)', () => {
    const { policy } = setup({ quietHours: { start: '12:00', end: '13:30' } });
    expect(policy.quietNow()).toBe(true);
    expect(policy.offer(ev())).toBe('quiet_hours');
    vi.setSystemTime(new Date(2026, 0, 5, 13, 30));
    expect(policy.quietNow()).toBe(false);
    expect(policy.offer(ev())).toBe('shown');
  });

  it('held events released inside quiet hours count as quiet', () => {
    vi.setSystemTime(new Date(2026, 0, 5, 21, 59, 59, 500));
    const { policy, popups } = setup({ quietHours: { start: '22:00', end: '07:00' } });
    policy.offer(ev());
    policy.offer(ev());
    vi.advanceTimersByTime(1000);
    expect(popups).toHaveLength(1);
    expect(policy.stats().suppressed.quiet_hours).toBe(1);
  });
});

describe('mutes', () => {
  it('global off suppresses everything', () => {
    const { policy, popups } = setup({ enabled: false });
    expect(policy.offer(ev())).toBe('disabled');
    expect(popups).toEqual([]);
  });

  it('per subscription: muted only when every matching subscription is muted', () => {
    const { policy } = setup({ subscriptions: { sub_quiet: false, sub_loud: true }, burst: { windowMs: 0 } });
    expect(policy.offer(ev('deal.won', ['sub_quiet']))).toBe('subscription');
    expect(policy.offer(ev('deal.won', ['sub_quiet', 'sub_other']))).toBe('shown');
    expect(policy.offer(ev('deal.won', ['sub_loud']))).toBe('shown');
    expect(policy.offer(ev('deal.won', []))).toBe('shown');
    // Ids that name Object.prototype members are plain ids.
    expect(policy.offer(ev('deal.won', ['toString', 'constructor']))).toBe('shown');
  });

  it('per topic pattern: the last matching rule wins', () => {
    const { policy } = setup({
      topics: [
        { pattern: 'deal.*', enabled: false },
        { pattern: 'deal.won', enabled: true },
        { pattern: 'custom.[!a]*', enabled: false },
      ],
      burst: { windowMs: 0 },
    });
    expect(policy.offer(ev('deal.lost'))).toBe('topic');
    expect(policy.offer(ev('deal.stage_changed'))).toBe('topic');
    expect(policy.offer(ev('deal.won'))).toBe('shown');
    expect(policy.offer(ev('custom.big_deal'))).toBe('topic');
    expect(policy.offer(ev('custom.alert'))).toBe('shown');
    expect(policy.offer(ev('ticket.created'))).toBe('shown');
    expect(policy.stats().suppressed.topic).toBe(3);
  });

  it('turning notifications off drops held events into the disabled count', () => {
    const { policy, popups } = setup();
    policy.offer(ev());
    policy.offer(ev());
    policy.setSettings(parseNotificationSettings({ enabled: false }));
    vi.advanceTimersByTime(5000);
    expect(popups).toHaveLength(1);
    expect(policy.stats().suppressed.disabled).toBe(1);
    expect(accounted(policy.stats(), policy.pending())).toBe(2);
  });
});

it('close() stops every timer', () => {
  const { policy, popups } = setup();
  policy.offer(ev());
  policy.offer(ev());
  policy.pause(Date.now() + 1000);
  policy.close();
  expect(vi.getTimerCount()).toBe(0);
  expect(popups).toHaveLength(1);
});
