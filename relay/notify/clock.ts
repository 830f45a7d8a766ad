// Time as the notification policy sees it: wall-clock milliseconds plus timers, injected (STYLE.md "Inject
// the I/O ... We add an injectable clock too"), so bursts, ceilings, pauses and quiet hours are tested with
// fake timers and never with sleeps. Local time of day is read from `new Date(now())` in the process's zone.
import type { Clock } from '../util/clock.js';
import { minutesOfDay, type NotificationSettings } from './settings.js';

/** setTimeout takes at most 2^31-1 ms (~24.8 days); longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timer that fires at wall-clock time `at` (chained when far away). Returns a cancel function. */
export function timerAt(clock: Clock, at: number, fn: () => void): () => void {
  let handle: unknown;
  let cancelled = false;
  const arm = () => {
    const wait = at - clock.now();
    if (wait <= 0) return fn();
    handle = clock.setTimeout(() => {
      if (!cancelled) arm();
    }, Math.min(wait, MAX_TIMER_MS));
  };
  arm();
  return () => {
    cancelled = true;
    clock.clearTimeout(handle);
  };
}

/** True when local time `now` falls in the quiet hours [start, end), which may cross midnight. */
export function inQuietHours(quiet: NotificationSettings['quietHours'], now: number): boolean {
  if (!quiet) return false;
  const d = new Date(now);
  const minute = d.getHours() * 60 + d.getMinutes();
  const start = minutesOfDay(quiet.start);
  const end = minutesOfDay(quiet.end);
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** When the current quiet hours end (local), or undefined outside them. */
export function quietHoursEnd(quiet: NotificationSettings['quietHours'], now: number): number | undefined {
  if (!quiet || !inQuietHours(quiet, now)) return undefined;
  return nextLocalTime(quiet.end, now);
}

/**
 * The next moment after `now` when the local clock shows `time` (HH:MM): today if it is still ahead, else
 * tomorrow. Built from local date parts, so a DST change in between moves it with the wall clock.
 */
export function nextLocalTime(time: string, now: number): number {
  const minutes = minutesOfDay(time);
  const d = new Date(now);
  const today = new Date(d.getFullYear(), d.getMonth(), d.getDate(), Math.floor(minutes / 60), minutes % 60).getTime();
  if (today > now) return today;
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1, Math.floor(minutes / 60), minutes % 60).getTime();
}
