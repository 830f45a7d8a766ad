// relay/util/log.ts: repeats collapse (a reconnect storm cannot rotate the log away), with an injected clock;
// relay.log is never written through a planted link.
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../../relay/util/clock.js';
import { createLogger } from '../../../relay/util/log.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';

/** A clock moved by hand: `advance` runs the timers that come due, in order. */
function manualClock(): Clock & { advance(ms: number): void } {
  let now = Date.parse('2026-01-01T00:00:00Z');
  let timers: { at: number; fn: () => void }[] = [];
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      const timer = { at: now + ms, fn };
      timers.push(timer);
      return timer;
    },
    clearTimeout: (handle) => void (timers = timers.filter((t) => t !== handle)),
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((t) => t !== due);
        now = due.at;
        due.fn();
      }
      now = end;
    },
  };
}

let dir: TempDir;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await dir.cleanup();
});

function fileLines(): { msg: string; repeated?: number; attempt?: number }[] {
  return readFileSync(join(dir.path, 'relay.log'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { msg: string; repeated?: number; attempt?: number });
}

describe('logger repeat collapsing', () => {
  it('writes a repeating line once, then one line with the count when its window ends', () => {
    const clock = manualClock();
    const err: string[] = [];
    const log = createLogger({ dir: dir.path, stderr: { write: (t: string) => err.push(t) }, clock, repeatWindowMs: 60_000 });
    for (let i = 1; i <= 500; i++) {
      log.warn('upstream disconnected; reconnecting', { attempt: i });
      clock.advance(10);
    }
    expect(fileLines().map((l) => l.msg)).toEqual(['upstream disconnected; reconnecting']);
    clock.advance(60_000);
    const lines = fileLines();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ msg: 'upstream disconnected; reconnecting (repeated 499 more times within 60s)', repeated: 499, attempt: 500 });
    expect(err).toHaveLength(2);
    // After the window, the next occurrence is written again and opens a new window.
    log.warn('upstream disconnected; reconnecting', { attempt: 501 });
    expect(fileLines()).toHaveLength(3);
  });

  it('a different message, or different field names, is its own line; interleaved repeats collapse each', () => {
    const clock = manualClock();
    const log = createLogger({ dir: dir.path, stderr: null, clock });
    for (let i = 0; i < 20; i++) {
      log.info('connecting');
      log.info('connected', { url: 'x' });
      log.info('connected');
      clock.advance(100);
    }
    expect(fileLines().map((l) => l.msg)).toEqual(['connecting', 'connected', 'connected']);
    clock.advance(60_000);
    expect(fileLines().slice(3).map((l) => l.repeated)).toEqual([19, 19, 19]);
  });

  it('a line that does not repeat gets no summary', () => {
    const clock = manualClock();
    const log = createLogger({ dir: dir.path, stderr: null, clock });
    log.info('ready');
    clock.advance(120_000);
    expect(fileLines().map((l) => l.msg)).toEqual(['ready']);
  });

  it('flush (at shutdown) writes the count of a window still open, once', () => {
    const clock = manualClock();
    const log = createLogger({ dir: dir.path, stderr: null, clock, repeatWindowMs: 60_000 });
    for (let i = 0; i < 5; i++) log.warn('upstream disconnected; reconnecting');
    log.info('ready');
    log.flush();
    clock.advance(120_000);
    log.flush();
    expect(fileLines().map((l) => [l.msg, l.repeated])).toEqual([
      ['upstream disconnected; reconnecting', undefined],
      ['ready', undefined],
      ['upstream disconnected; reconnecting (repeated 4 more times within 60s)', 4],
    ]);
  });
});

describe('logger file', () => {
  it('does not write through a link planted at relay.log; says so once on stderr', async () => {
    const outside = await tempDir();
    try {
      const target = join(outside.path, 'victim');
      writeFileSync(target, 'precious\n');
      symlinkSync(target, join(dir.path, 'relay.log'));
      const err: string[] = [];
      const log = createLogger({ dir: dir.path, stderr: { write: (t: string) => err.push(t) } });
      log.info('hello');
      log.info('again');
      expect(readFileSync(target, 'utf8')).toBe('precious\n');
      expect(err.filter((l) => l.includes('symbolic link'))).toHaveLength(1);
    } finally {
      await outside.cleanup();
    }
  });
});
