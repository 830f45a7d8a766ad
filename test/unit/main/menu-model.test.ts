// The tray menu as plain data: status line first, recent events, the pause submenu, the rest; and its
// Electron template (labels escaped, clicks dispatching the data actions).
import { describe, expect, it, vi } from 'vitest';
import { buildMenu, eventLabel, toTemplate, type MenuAction, type MenuFacts, type MenuNode, type RecentEvent } from '../../../main/menu-model.js';

const NOW = Date.UTC(2026, 0, 5, 12, 0, 0);
const fmt = (ms: number) => new Date(ms).toISOString().slice(11, 16);

function event(seq: number, extra: Partial<RecentEvent> = {}): RecentEvent {
  return { seq, topic: 'deal.won', occurred_at: new Date(NOW - seq * 60_000).toISOString(), aggregate_id: `deal_${seq}`, payload: { name: `Acme ${seq}` }, ...extra };
}

function facts(partial: Partial<MenuFacts> = {}): MenuFacts {
  return { statusLine: 'Connected to demo server', recent: [], pausedUntil: null, now: NOW, openAtLogin: false, loginItemSupported: true, formatTime: fmt, ...partial };
}

const labels = (nodes: MenuNode[]) => nodes.map((n) => (n.kind === 'separator' ? '---' : n.label));

describe('menu model', () => {
  it('starts with the status line, then recent events, pause, inbox, subscriptions, settings, login, quit', () => {
    const menu = buildMenu(facts({ recent: [event(7), event(6)] }));
    expect(menu[0]).toEqual({ kind: 'label', label: 'Connected to demo server' });
    expect(labels(menu)).toEqual([
      'Connected to demo server',
      '---',
      'Recent events',
      'deal.won — Acme 7 · 11:53',
      'deal.won — Acme 6 · 11:54',
      '---',
      'Pause notifications',
      'Open inbox',
      'Subscriptions…',
      'Settings…',
      '---',
      'Open at login',
      'Quit Push Relay',
    ]);
  });

  it('shows at most 5 recent events, each opening the inbox at its seq', () => {
    const menu = buildMenu(facts({ recent: [9, 8, 7, 6, 5, 4, 3].map((s) => event(s)) }));
    const items = menu.filter((n): n is Extract<MenuNode, { kind: 'item' }> => n.kind === 'item' && n.action.type === 'open-event');
    expect(items.map((i) => i.action)).toEqual([9, 8, 7, 6, 5].map((seq) => ({ type: 'open-event', seq })));
  });

  it('says so when there are no events yet', () => {
    expect(labels(buildMenu(facts()))).toContain('No events yet');
  });

  it('has a pause submenu: 15 min, 1 h, 8 h, until tomorrow, resume (enabled only while paused)', () => {
    const sub = buildMenu(facts()).find((n) => n.kind === 'submenu');
    expect(sub).toMatchObject({ label: 'Pause notifications' });
    if (sub?.kind !== 'submenu') throw new Error('no submenu');
    expect(labels(sub.items)).toEqual(['For 15 minutes', 'For 1 hour', 'For 8 hours', 'Until tomorrow', '---', 'Resume notifications']);
    expect(sub.items.flatMap((n) => (n.kind === 'item' ? [n.action] : []))).toEqual([
      { type: 'pause', preset: '15m' },
      { type: 'pause', preset: '1h' },
      { type: 'pause', preset: '8h' },
      { type: 'pause', preset: 'tomorrow' },
      { type: 'resume' },
    ]);
    expect(sub.items.at(-1)).toMatchObject({ enabled: false });

    const paused = buildMenu(facts({ pausedUntil: NOW + 15 * 60_000 })).find((n) => n.kind === 'submenu');
    if (paused?.kind !== 'submenu') throw new Error('no submenu');
    expect(paused.label).toBe('Notifications paused');
    expect(paused.items[0]).toEqual({ kind: 'label', label: 'Paused until 12:15' });
    expect(paused.items.at(-1)).toMatchObject({ label: 'Resume notifications', enabled: true });
  });

  it('"Open at login" is a checkbox that toggles; hidden where unsupported', () => {
    expect(buildMenu(facts({ openAtLogin: false })).find((n) => n.kind === 'checkbox')).toEqual({
      kind: 'checkbox',
      label: 'Open at login',
      checked: false,
      action: { type: 'set-open-at-login', enabled: true },
    });
    expect(buildMenu(facts({ openAtLogin: true })).find((n) => n.kind === 'checkbox')).toMatchObject({ checked: true, action: { enabled: false } });
    expect(buildMenu(facts({ loginItemSupported: false })).some((n) => n.kind === 'checkbox')).toBe(false);
  });

  it('without a running relay, the entries that need it are disabled (Quit never is)', () => {
    const menu = buildMenu(facts({ relayRunning: false }));
    for (const label of ['Open inbox', 'Subscriptions…', 'Settings…']) expect(menu.find((n) => n.kind === 'item' && n.label === label)).toMatchObject({ enabled: false });
    expect(menu.find((n) => n.kind === 'item' && n.label === 'Quit Push Relay')).not.toMatchObject({ enabled: false });
  });

  it('event labels: topic, what it is about (one line, truncated), time', () => {
    expect(eventLabel(event(1, { payload: { title: 'Line one\n\tline two' } }), fmt)).toBe('deal.won — Line one line two · 11:59');
    expect(eventLabel(event(1, { payload: {}, aggregate_id: null }), fmt)).toBe('deal.won · 11:59');
    expect(eventLabel(event(1, { payload: { name: 'x'.repeat(200) } }), fmt)).toMatch(/^deal\.won — x+… · 11:59$/);
    expect(eventLabel(event(1, { occurred_at: 'not a time' }), fmt)).toBe('deal.won — Acme 1');
    // Server text: a bidi override or tag characters must not reorder or hide what the menu says.
    const hostile = eventLabel(event(1, { topic: 'deal.won\u202e', payload: { name: 'Acme\u{e0041}\u2066x\u0085' } }), fmt);
    expect(hostile).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u);
    expect(hostile).toBe('deal.won\\u202e — Acme\\udb40\\udc41\\u2066x\\u0085 · 11:59');
  });
});

describe('menu template', () => {
  it('maps nodes to Electron items; clicks dispatch the action', () => {
    const dispatch = vi.fn<(a: MenuAction) => void>();
    const template = toTemplate(buildMenu(facts({ recent: [event(3)] })), dispatch, 'darwin');
    expect(template[0]).toEqual({ label: 'Connected to demo server', enabled: false });
    expect(template[1]).toEqual({ type: 'separator' });
    template.find((t) => t.label?.startsWith('deal.won'))?.click?.();
    template.find((t) => t.label === 'Pause notifications')?.submenu?.[1]?.click?.();
    template.find((t) => t.label === 'Quit Push Relay')?.click?.();
    expect(dispatch.mock.calls.map((c) => c[0])).toEqual([{ type: 'open-event', seq: 3 }, { type: 'pause', preset: '1h' }, { type: 'quit' }]);
    expect(template.find((t) => t.label === 'Open at login')).toMatchObject({ type: 'checkbox', checked: false });
  });

  it('doubles & on Windows and Linux (mnemonic marker), not on macOS', () => {
    const nodes: MenuNode[] = [{ kind: 'label', label: 'R&D deal' }];
    expect(toTemplate(nodes, () => undefined, 'linux')[0]?.label).toBe('R&&D deal');
    expect(toTemplate(nodes, () => undefined, 'win32')[0]?.label).toBe('R&&D deal');
    expect(toTemplate(nodes, () => undefined, 'darwin')[0]?.label).toBe('R&D deal');
  });
});
