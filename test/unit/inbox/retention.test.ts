import { describe, expect, it } from 'vitest';
import { expiredPrefix, resolveRetention } from '../../../relay/inbox/retention.js';
import { DEFAULT_RETENTION } from '../../../relay/inbox/types.js';

describe('expiredPrefix', () => {
  const at = (times: number[]) => (i: number) => times[i] ?? Number.NaN;

  it('drops the oldest beyond maxEvents', () => {
    expect(expiredPrefix(5, at([0, 0, 0, 0, 0]), { maxEvents: 3, maxAgeMs: 1e9 }, 0)).toBe(2);
    expect(expiredPrefix(2, at([0, 0]), { maxEvents: 3, maxAgeMs: 1e9 }, 0)).toBe(0);
    expect(expiredPrefix(2, at([0, 0]), { maxEvents: 0, maxAgeMs: 1e9 }, 0)).toBe(2);
  });

  it('drops the leading events older than maxAgeMs, stopping at the first one in age', () => {
    const times = [100, 200, 300, 150];
    expect(expiredPrefix(4, at(times), { maxEvents: 10, maxAgeMs: 100 }, 350)).toBe(2);
    expect(expiredPrefix(4, at(times), { maxEvents: 10, maxAgeMs: 100 }, 399)).toBe(2);
    expect(expiredPrefix(4, at(times), { maxEvents: 10, maxAgeMs: 100 }, 401)).toBe(4);
  });

  it('combines both limits', () => {
    expect(expiredPrefix(4, at([100, 200, 300, 400]), { maxEvents: 3, maxAgeMs: 150 }, 401)).toBe(2);
  });
});

describe('resolveRetention', () => {
  it('fills in defaults and refuses negative limits with a typed error', () => {
    expect(resolveRetention(undefined, DEFAULT_RETENTION)).toEqual(DEFAULT_RETENTION);
    expect(resolveRetention({ maxEvents: 5 }, DEFAULT_RETENTION)).toEqual({ ...DEFAULT_RETENTION, maxEvents: 5 });
    expect(() => resolveRetention({ maxAgeMs: -1 }, DEFAULT_RETENTION)).toThrow(expect.objectContaining({ code: 'inbox_invalid_argument' }));
    expect(() => resolveRetention({ sessionConsumerIdleMs: -1 }, DEFAULT_RETENTION)).toThrow(expect.objectContaining({ code: 'inbox_invalid_argument' }));
  });
});
