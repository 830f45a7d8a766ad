import { describe, expect, it } from 'vitest';
import { GONE_KEPT_MS, InvalidSessionError, SessionRegistry, SHARED_CONSUMER } from '../../../relay/sessions/registry.js';
import { DEFAULT_SESSION_SETTINGS, SessionSettingsSchema } from '../../../relay/sessions/settings.js';

function registry(settings = DEFAULT_SESSION_SETTINGS, options: { leaseMs?: number; maxSessions?: number } = {}) {
  let now = 1_000_000;
  const r = new SessionRegistry(settings, { now: () => now, ...options });
  return { r, advance: (ms: number) => (now += ms) };
}

describe('SessionRegistry', () => {
  it('registers a session from a hook report with its project, and refreshes it', () => {
    const { r, advance } = registry();
    r.report({ session_id: 'a-1', event: 'start', cwd: '/w/app/src', root: '/w/app', remote: 'git@github.com:acme/app.git' });
    advance(5000);
    r.report({ session_id: 'a-1', event: 'prompt' });
    const [s] = r.list();
    expect(s).toMatchObject({ session_id: 'a-1', cwd: '/w/app/src', root: '/w/app', remote: 'git@github.com:acme/app.git', state: 'working', consumers: [SHARED_CONSUMER] });
    expect(Date.parse(s!.last_seen_at) - Date.parse(s!.started_at)).toBe(5000);
  });

  it('refuses ids that are not Claude Code session ids', () => {
    const { r } = registry();
    for (const bad of ['', 'a/b', '../x', 'x'.repeat(93), 'a b']) expect(() => r.touch(bad)).toThrow(InvalidSessionError);
  });

  it('states: a wait makes it idle-watching or waiting, a hand-over makes it working, SessionEnd gone and ends its waits', () => {
    const { r } = registry();
    const rec = r.touch('s1');
    const idle = r.beginWait(rec, true, new AbortController().signal);
    expect(r.get('s1')!.state).toBe('idle-watching');
    idle.end(false);
    expect(r.get('s1')!.state).toBe('idle-watching');
    const tool = r.beginWait(rec, false, new AbortController().signal);
    expect(r.get('s1')!.state).toBe('waiting');
    tool.end(true);
    expect(r.get('s1')!.state).toBe('working');
    const open = r.beginWait(rec, true, new AbortController().signal);
    r.report({ session_id: 's1', event: 'end' });
    expect(open.signal.aborted).toBe(true);
    open.end(false);
    expect(r.get('s1')!.state).toBe('gone');
    // A call after SessionEnd does not bring it back; `claude --resume` (SessionStart) does.
    r.touch('s1');
    expect(r.get('s1')!.state).toBe('gone');
    r.report({ session_id: 's1', event: 'start' });
    expect(r.get('s1')!.state).toBe('working');
  });

  it('a SessionStart or Stop report landing after its idle waiter began (the hooks run in parallel) leaves it idle-watching', () => {
    const { r } = registry();
    const rec = r.touch('parallel');
    r.beginWait(rec, true, new AbortController().signal);
    r.report({ session_id: 'parallel', event: 'start', cwd: '/w' });
    expect(r.get('parallel')!.state).toBe('idle-watching');
    r.report({ session_id: 'parallel', event: 'stop' });
    expect(r.get('parallel')!.state).toBe('idle-watching');
    // A prompt is a turn, whatever waits meanwhile.
    r.report({ session_id: 'parallel', event: 'prompt' });
    expect(r.get('parallel')!.state).toBe('working');
  });

  it('a session not refreshed within the lease is gone, unless a wait of it is open; gone ones are dropped later', () => {
    const { r, advance } = registry(DEFAULT_SESSION_SETTINGS, { leaseMs: 1000 });
    const quiet = r.touch('quiet');
    const watching = r.touch('watching');
    r.beginWait(watching, true, new AbortController().signal);
    expect(quiet.state).toBe('working');
    advance(1001);
    expect(r.get('quiet')!.state).toBe('gone');
    expect(r.get('watching')!.state).toBe('idle-watching');
    advance(GONE_KEPT_MS);
    expect(r.get('quiet')).toBeUndefined();
    expect(r.list(false).map((s) => s.session_id)).toEqual(['watching']);
  });

  it('is bounded: the gone go first, then the least recently seen without a wait', () => {
    const { r, advance } = registry(DEFAULT_SESSION_SETTINGS, { maxSessions: 3 });
    r.touch('a');
    advance(1);
    r.touch('b');
    advance(1);
    r.touch('c');
    r.report({ session_id: 'b', event: 'end' });
    r.touch('d');
    expect(r.list().map((s) => s.session_id).sort()).toEqual(['a', 'c', 'd']);
    r.touch('e');
    expect(r.list().map((s) => s.session_id).sort()).toEqual(['c', 'd', 'e']);
  });

  it('per-session mode: each session takes from its own consumer', () => {
    const { r } = registry(SessionSettingsSchema.parse({ mode: 'per-session' }));
    expect(r.view(r.touch('s9')).consumers).toEqual(['session:s9']);
    expect(r.liveBaseConsumers()).toEqual(['session:s9']);
  });

  it('routes: the first matching route takes an event; a session takes from the routes its project matches, then its base', () => {
    const settings = SessionSettingsSchema.parse({
      routes: [
        { project: '/w/billing', topics: ['invoice.*'] },
        { project: 'https://github.com/acme/crm', topics: ['deal.*'], filter: { amount_gte: 1000 } },
      ],
    });
    const { r } = registry(settings);
    const [billing, crm] = r.routeConsumers();
    expect(r.routeOf({ topic: 'invoice.paid', payload: {} })).toBe(billing);
    expect(r.routeOf({ topic: 'deal.won', payload: { amount: 5000 } })).toBe(crm);
    expect(r.routeOf({ topic: 'deal.won', payload: { amount: 10 } })).toBeUndefined();
    r.report({ session_id: 'in-billing', event: 'start', cwd: '/w/billing/api' });
    r.report({ session_id: 'in-crm', event: 'start', cwd: '/elsewhere', remote: 'git@github.com:acme/crm.git' });
    r.report({ session_id: 'neither', event: 'start', cwd: '/w/billing-old' });
    expect(r.get('in-billing') && r.view(r.get('in-billing')!).consumers).toEqual([billing, SHARED_CONSUMER]);
    expect(r.view(r.get('in-crm')!).consumers).toEqual([crm, SHARED_CONSUMER]);
    expect(r.view(r.get('neither')!).consumers).toEqual([SHARED_CONSUMER]);
    // A route's consumer is named by what it says, not where it stands.
    const swapped = new SessionRegistry(SessionSettingsSchema.parse({ routes: [...settings.routes].reverse() }));
    expect(swapped.routeConsumers()).toEqual([crm, billing]);
  });

  it('remembers which consumer handed each seq over, so an ack by seqs goes there', () => {
    const settings = SessionSettingsSchema.parse({ routes: [{ project: '/w/a' }] });
    const { r } = registry(settings);
    const rec = r.touch('s');
    const [route] = r.routeConsumers();
    r.handedOver(rec, route!, [5, 7]);
    r.handedOver(rec, SHARED_CONSUMER, [6]);
    expect(Object.fromEntries(r.consumersOfSeqs(rec, [5, 6, 7, 8]))).toEqual({ [route!]: [5, 7], [SHARED_CONSUMER]: [6, 8] });
    expect(r.view(rec).handed_over).toBe(3);
  });
});

describe('sessions settings', () => {
  it('defaults to shared with no routes; refuses a bad filter or mode', () => {
    expect(SessionSettingsSchema.parse({})).toEqual({ mode: 'shared', routes: [] });
    expect(SessionSettingsSchema.safeParse({ mode: 'each' }).success).toBe(false);
    expect(SessionSettingsSchema.safeParse({ routes: [{ project: '/x', filter: { amount_ge: 1 } }] }).success).toBe(false);
    expect(SessionSettingsSchema.safeParse({ routes: [{ project: '/x', extra: 1 }] }).success).toBe(false);
  });
});
