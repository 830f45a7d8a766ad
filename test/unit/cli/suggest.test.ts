import { describe, expect, it } from 'vitest';
import { closest, editDistance } from '../../../relay/cli/suggest.js';

describe('editDistance (optimal string alignment)', () => {
  it.each([
    ['subscribe', 'subscribe', 0],
    ['subscibe', 'subscribe', 1],
    ['subcsribe', 'subscribe', 1], // neighbours swapped: one edit
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
  ])('%s → %s = %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('closest', () => {
  const commands = ['daemon', 'status', 'events', 'subscriptions', 'subscribe', 'unsubscribe', 'topics', 'mcp', 'hook', 'watch'];
  it('finds near misses, case-insensitively', () => {
    expect(closest('subscibe', commands)).toBe('subscribe');
    expect(closest('STATUS', commands)).toBe('status');
    expect(closest('deamon', commands)).toBe('daemon');
    expect(closest('subscription', commands)).toBe('subscriptions');
  });
  it('suggests nothing for short or far words', () => {
    expect(closest('sub', commands)).toBeUndefined();
    expect(closest('frobnicate', commands)).toBeUndefined();
    expect(closest('x', ['mcp'])).toBeUndefined();
  });
});
