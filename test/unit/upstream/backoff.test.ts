import { afterEach, describe, expect, it, vi } from 'vitest';
import { Backoff, parseRetryAfter } from '../../../relay/upstream/backoff.js';

const TOP = 1 - Number.EPSILON;

describe('Backoff (decorrelated jitter, the default)', () => {
  it('grows ×3 at the top of the range up to the 60 s cap', () => {
    const b = new Backoff({ random: () => TOP });
    const delays = Array.from({ length: 8 }, () => b.next());
    expect(delays).toEqual([1500, 4500, 13500, 40500, 60000, 60000, 60000, 60000]);
    expect(b.attempt).toBe(8);
  });

  it('never goes below the 0.5 s base', () => {
    const b = new Backoff({ random: () => 0 });
    expect(Array.from({ length: 5 }, () => b.next())).toEqual([500, 500, 500, 500, 500]);
  });

  it('stays within [base, min(cap, 3 × previous)] for any random value', () => {
    let state = 12345;
    const lcg = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const b = new Backoff({ random: lcg });
    let previous = 500;
    for (let i = 0; i < 200; i++) {
      const d = b.next();
      expect(d).toBeGreaterThanOrEqual(500);
      expect(d).toBeLessThanOrEqual(Math.min(60_000, previous * 3));
      previous = d;
    }
  });

  it('treats a random source outside [0, 1) as its nearest bound', () => {
    expect(new Backoff({ random: () => -5 }).next()).toBe(500);
    expect(new Backoff({ random: () => 7 }).next()).toBe(1500);
    expect(new Backoff({ random: () => Number.NaN }).next()).toBe(500);
  });
});

describe('Backoff (full jitter)', () => {
  it('is uniform in [0, min(cap, base · 2^attempt)]', () => {
    const top = new Backoff({ jitter: 'full', random: () => TOP });
    expect(Array.from({ length: 10 }, () => top.next())).toEqual([500, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
    const half = new Backoff({ jitter: 'full', random: () => 0.5 });
    expect([half.next(), half.next(), half.next()]).toEqual([250, 500, 1000]);
    expect(new Backoff({ jitter: 'full', random: () => 0 }).next()).toBe(0);
  });

  it('does not overflow after very many attempts', () => {
    const b = new Backoff({ jitter: 'full', random: () => TOP });
    for (let i = 0; i < 2000; i++) b.next();
    expect(b.next()).toBe(60_000);
  });
});

describe('Backoff reset', () => {
  it('reset() starts from the base again', () => {
    const b = new Backoff({ random: () => TOP });
    b.next();
    b.next();
    b.reset();
    expect(b.attempt).toBe(0);
    expect(b.next()).toBe(1500);
  });

  it('settle(): a connection that delivered an event or stayed open 30 s resets; a short empty one does not', () => {
    const b = new Backoff({ random: () => TOP });
    b.next();
    b.next();
    expect(b.settle({ openForMs: 29_999, deliveredEvent: false })).toBe(false);
    expect(b.next()).toBe(13_500);
    expect(b.settle({ openForMs: 30_000, deliveredEvent: false })).toBe(true);
    expect(b.next()).toBe(1500);
    b.next();
    expect(b.settle({ openForMs: 10, deliveredEvent: true })).toBe(true);
    expect(b.next()).toBe(1500);
  });

  it('options are configurable and checked', () => {
    const b = new Backoff({ baseMs: 10, capMs: 50, resetAfterMs: 100, random: () => TOP });
    expect([b.next(), b.next(), b.next()]).toEqual([30, 50, 50]);
    expect(b.settle({ openForMs: 100, deliveredEvent: false })).toBe(true);
    expect(() => new Backoff({ baseMs: 0 })).toThrow(RangeError);
    expect(() => new Backoff({ baseMs: 100, capMs: 10 })).toThrow(RangeError);
  });
});

describe('Retry-After', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('parses delay-seconds', () => {
    expect(parseRetryAfter('120', 0)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', 0)).toBe(0);
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
    expect(parseRetryAfter(null, 0)).toBeUndefined();
    expect(parseRetryAfter('', 0)).toBeUndefined();
    expect(parseRetryAfter('-5', 0)).toBeUndefined();
    expect(parseRetryAfter('1.5', 0)).toBeUndefined();
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
  });

  it('parses an HTTP-date against the injected clock; a past date is 0', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2015-10-21T07:27:00Z'));
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.now())).toBe(60_000);
    vi.advanceTimersByTime(45_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.now())).toBe(15_000);
    vi.advanceTimersByTime(60_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.now())).toBe(0);
    // obsolete RFC 850 form
    expect(parseRetryAfter('Wednesday, 21-Oct-15 07:29:45 GMT', Date.parse('2015-10-21T07:29:00Z'))).toBe(45_000);
  });

  it('429/503: the larger of Retry-After and the backoff, capped at 10 min', () => {
    const b = new Backoff({ random: () => 0 });
    expect(b.nextAfter({ status: 429, retryAfter: '5' }, 0)).toEqual({ delayMs: 5000, retryAfterMs: 5000 });
    expect(b.nextAfter({ status: 503, retryAfter: '0' }, 0)).toEqual({ delayMs: 500, retryAfterMs: 0 });
    expect(b.nextAfter({ status: 429, retryAfter: '86400' }, 0)).toEqual({ delayMs: 600_000, retryAfterMs: 86_400_000 });
    const big = new Backoff({ random: () => TOP });
    for (let i = 0; i < 6; i++) big.next();
    expect(big.nextAfter({ status: 503, retryAfter: '2' }, 0).delayMs).toBe(60_000);
  });

  it('is ignored on other statuses and when absent', () => {
    const b = new Backoff({ random: () => 0 });
    expect(b.nextAfter({ status: 500, retryAfter: '30' }, 0)).toEqual({ delayMs: 500, retryAfterMs: undefined });
    expect(b.nextAfter({ status: 429 }, 0)).toEqual({ delayMs: 500, retryAfterMs: undefined });
    expect(b.nextAfter({}, 0).delayMs).toBe(500);
  });

  it('drives a retry timer: nothing fires before the Retry-After date', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const b = new Backoff({ random: () => 0 });
    const { delayMs } = b.nextAfter({ status: 429, retryAfter: 'Thu, 01 Jan 2026 00:00:03 GMT' }, Date.now());
    const fired = vi.fn();
    setTimeout(fired, delayMs);
    vi.advanceTimersByTime(2999);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledOnce();
  });
});
