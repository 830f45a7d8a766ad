// The idle watch's bound: at most MAX_WAKES_PER_MINUTE wakes of one session in any 60 s (README "Sessions").
// The watch stays armed after a wake turn, so a server that emits without pause could otherwise keep an idle
// session busy; past the bound the next events wait, and the wake after the pause lists them together. The
// times of recent wakes live in <home>/hooks/wakes-<session>, since each wake ends its waiter process and the
// next Stop starts a new one.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readTextNoFollow, writeFileNoFollow } from '../util/safe-fs.js';

export const MAX_WAKES_PER_MINUTE = 4;
const WINDOW_MS = 60_000;

export function wakeLogFile(home: string, key: string): string {
  return join(home, 'hooks', `wakes-${key}`);
}

/** Wake times within the window before `now`, oldest first. */
export function recentWakes(file: string, now: number): number[] {
  try {
    const times = JSON.parse(readTextNoFollow(file)) as unknown;
    if (!Array.isArray(times)) return [];
    return times.filter((t): t is number => typeof t === 'number' && t > now - WINDOW_MS && t <= now).sort((a, b) => a - b);
  } catch {
    return [];
  }
}

/** How long to hold off before taking events (0: a wake is allowed now). */
export function wakeDelay(recent: readonly number[], now: number, max = MAX_WAKES_PER_MINUTE): number {
  if (recent.length < max) return 0;
  return Math.max(0, recent[recent.length - max]! + WINDOW_MS - now);
}

export function recordWake(file: string, now: number): void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileNoFollow(file, JSON.stringify([...recentWakes(file, now), now].slice(-MAX_WAKES_PER_MINUTE)));
  } catch {
    // without the record the bound is looser for a minute, nothing worse
  }
}
