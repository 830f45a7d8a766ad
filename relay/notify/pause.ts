// "Pause notifications" as the tray menu offers it (15 min / 1 h / 8 h / until tomorrow) plus explicit
// durations and end times for the UI and the local API. A pause always ends by itself; none is longer
// than a week, so a forgotten pause cannot silence the relay for good.
import { z } from 'zod';
import { nextLocalTime } from './clock.js';
import { RelayError } from '../util/errors.js';

export const PAUSE_PRESETS = ['15m', '1h', '8h', 'tomorrow'] as const;
export type PausePreset = (typeof PAUSE_PRESETS)[number];

const PRESET_MS: Record<Exclude<PausePreset, 'tomorrow'>, number> = { '15m': 15 * 60_000, '1h': 3_600_000, '8h': 8 * 3_600_000 };
const MAX_PAUSE_MS = 7 * 24 * 3_600_000;

export type PauseRequest = PausePreset | { minutes: number } | { until: Date | string | number };

/** The body of `POST /v1/notifications/pause`: `{"for":"1h"}`, `{"minutes":30}` or `{"until":"<ISO time>"}`. */
export const PauseBodySchema = z.union([
  z.strictObject({ for: z.enum(PAUSE_PRESETS) }),
  z.strictObject({ minutes: z.number().positive().max(MAX_PAUSE_MS / 60_000) }),
  z.strictObject({ until: z.string().min(1).max(100) }),
]);

/** A pause request that cannot work; the message says which ones can. */
export class PauseError extends RelayError {
  declare readonly code: 'invalid_pause';

  constructor(message: string) {
    super('bad_request', 'invalid_pause', message);
  }
}

/**
 * When a pause asked for at `now` ends (epoch ms). "tomorrow" ends at the next local `tomorrowAt` (08:00 by
 * default): paused at 18:00 it ends at 08:00 the next day, paused at 01:30 it ends at 08:00 the same
 * morning — the morning the person means when they say "tomorrow" before going to bed.
 */
export function resolvePause(request: PauseRequest, now: number, tomorrowAt = '08:00'): number {
  if (typeof request === 'string') {
    if (request === 'tomorrow') return nextLocalTime(tomorrowAt, now);
    const ms = PRESET_MS[request];
    if (ms === undefined) throw new PauseError(`unknown pause "${String(request)}"; use one of ${PAUSE_PRESETS.join(', ')}`);
    return now + ms;
  }
  if ('minutes' in request) {
    const ms = request.minutes * 60_000;
    if (!Number.isFinite(ms) || ms <= 0 || ms > MAX_PAUSE_MS) {
      throw new PauseError(`pause for 1 minute to ${MAX_PAUSE_MS / 60_000} minutes (a week), not ${request.minutes}`);
    }
    return now + ms;
  }
  const until = request.until instanceof Date ? request.until.getTime() : typeof request.until === 'number' ? request.until : Date.parse(request.until);
  if (!Number.isFinite(until)) throw new PauseError(`"until" is not a time: ${String(request.until)}; use an ISO time such as 2026-01-05T08:00:00+01:00`);
  if (until <= now) throw new PauseError('"until" is in the past; to end a pause, resume instead');
  if (until - now > MAX_PAUSE_MS) throw new PauseError('a pause ends within a week; pick an earlier "until"');
  return until;
}

/** Maps a validated route body to a request. */
export function pauseRequestFromBody(body: z.infer<typeof PauseBodySchema>): PauseRequest {
  if ('for' in body) return body.for;
  if ('minutes' in body) return { minutes: body.minutes };
  return { until: body.until };
}
