// The renderer's pure modules under vitest (no browser): the filter rows ↔ grammar mapping, and the read-state
// model's rule for moving the `ui` cursor. (The SSE decoder it shares is tested in test/unit/protocol/.)
import { describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../../relay/protocol/local-api.js';
import { checkFilter, filterToRows, parseScalar, rowsToFilter, splitList } from '../../../renderer/filter-builder.js';
import { InboxModel } from '../../../renderer/inbox-model.js';
import { parseHash, routeHash, tokenFromInput } from '../../../renderer/location.js';

describe('filter rows and the shared grammar', () => {
  it('turns typed text into the values the grammar expects', () => {
    expect(parseScalar('100000')).toBe(100000);
    expect(parseScalar('true')).toBe(true);
    expect(parseScalar('"100"')).toBe('100');
    expect(parseScalar(' won ')).toBe('won');
    expect(splitList('a, "b, c", 3')).toEqual(['a', '"b, c"', '3']);
  });

  it('builds the filter dict from rows and names the key the grammar rejects', () => {
    expect(
      rowsToFilter([
        { field: 'amount', op: 'gte', value: '100000' },
        { field: 'stage_to', op: 'in', value: 'Closed Won, Negotiation' },
        { field: 'vip', op: 'exists', value: 'true' },
        { field: '', op: 'eq', value: '' },
      ]),
    ).toMatchObject({ ok: true, filter: { amount_gte: 100000, stage_to_in: ['Closed Won', 'Negotiation'], vip_exists: true } });
    expect(rowsToFilter([{ field: 'ok', op: 'eq', value: '1' }, { field: 'amount', op: 'lt', value: 'many' }])).toEqual({
      ok: false,
      message: 'filter key "amount_lt" needs a number, got string "many"',
      key: 'amount_lt',
      row: 1,
    });
    expect(rowsToFilter([{ field: '__proto__', op: 'eq', value: 'x' }])).toMatchObject({ ok: false, key: '__proto__' });
    expect(rowsToFilter([{ field: '', op: 'eq', value: 'orphan' }])).toMatchObject({ ok: false, row: 0 });
    expect(checkFilter([1])).toMatchObject({ ok: false, message: 'The filter must be a JSON object like {"owner": "rep@demo"}.' });
  });

  it('round-trips a filter through rows', () => {
    const filter = { owner: 'rep@demo', amount_gte: 5, tags_contains: 'vip', stage_to: ['won', 'lost'], code: '100' };
    const rows = filterToRows(filter);
    expect(rows).toContainEqual({ field: 'code', op: 'eq', value: '"100"' });
    const back = rowsToFilter(rows);
    expect(back.ok && back.filter).toEqual({ owner: 'rep@demo', amount_gte: 5, tags_contains: 'vip', stage_to_in: ['won', 'lost'], code: '100' });
  });
});

describe('InboxModel read state', () => {
  const ev = (seq: number): ApiEvent => ({
    seq, event_id: seq, topic: 't', category: 'custom', occurred_at: '', received_at: '', aggregate_type: null,
    aggregate_id: null, actor_id: null, correlation_id: null, payload: {}, subscription_ids: [], server: 's',
  });
  const memoryStorage = (): Storage => {
    const m = new Map<string, string>();
    return {
      get length() { return m.size; },
      clear: () => m.clear(),
      getItem: (k) => m.get(k) ?? null,
      key: (i) => [...m.keys()][i] ?? null,
      removeItem: (k) => void m.delete(k),
      setItem: (k, v) => void m.set(k, v),
    };
  };

  it('moves the cursor only over contiguous reads, and never before the cursor is known', () => {
    const model = new InboxModel(memoryStorage());
    model.add([ev(5), ev(6)]);
    expect(model.markRead(6)).toBeNull(); // cursor unknown yet
    model.setPendingPage([ev(4), ev(5), ev(6)], 3, 0);
    expect(model.unreadCount()).toBe(2);
    expect(model.markRead(5)).toBeNull(); // 4 is still unread
    expect(model.markRead(4)).toBe(6);
    model.setCursor(6);
    expect(model.unreadCount()).toBe(0);
    expect(model.list().map((e) => e.seq)).toEqual([6, 5, 4]);
  });

  it('stops at the end of a truncated pending page', () => {
    const model = new InboxModel(memoryStorage());
    model.setPendingPage([ev(1), ev(2)], 0, 50);
    model.add([ev(90)]);
    model.markRead(1);
    model.markRead(2);
    expect(model.markRead(90)).toBe(2);
    expect(model.unreadCount()).toBe(50);
  });
});

describe('location', () => {
  it('reads the token and the route from the fragment', () => {
    expect(parseHash('#token=abcdef0123&event=42')).toEqual({ token: 'abcdef0123', route: { view: 'inbox', event: 42 } });
    expect(parseHash('#settings')).toEqual({ token: null, route: { view: 'settings' } });
    expect(parseHash('#token=<script>')).toMatchObject({ token: null });
    expect(routeHash({ view: 'inbox', event: 7 })).toBe('#event=7');
    expect(tokenFromInput('http://127.0.0.1:47831/#token=abcdef0123')).toBe('abcdef0123');
    expect(tokenFromInput('  abcdef0123 ')).toBe('abcdef0123');
    expect(tokenFromInput('http://127.0.0.1:47831/')).toBeNull();
  });
});
