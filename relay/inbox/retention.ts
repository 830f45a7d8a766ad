// Retention arithmetic shared by both inboxes: which prefix of the (seq-ordered) log has fallen out of the
// policy. Pure; the caller decides what "dropping" means (forget in memory, delete whole segment files).
import { InboxError } from './errors.js';
import type { RetentionPolicy } from './types.js';

/**
 * How many of the `count` oldest-first events are past retention at `now`: everything beyond the newest
 * `maxEvents`, plus the leading events received more than `maxAgeMs` ago. Stops at the first event still in
 * age, so a clock step backwards can only keep events longer, never drop a newer one before an older one.
 */
export function expiredPrefix(count: number, receivedAtMs: (index: number) => number, policy: Pick<RetentionPolicy, 'maxEvents' | 'maxAgeMs'>, now: number): number {
  let drop = Math.max(0, count - Math.max(0, policy.maxEvents));
  const oldestKept = now - policy.maxAgeMs;
  while (drop < count && receivedAtMs(drop) < oldestKept) drop++;
  return drop;
}

/** Normalizes a partial policy against the defaults once, so the hot paths never see undefined. */
export function resolveRetention(policy: Partial<RetentionPolicy> | undefined, defaults: RetentionPolicy): RetentionPolicy {
  const maxEvents = policy?.maxEvents ?? defaults.maxEvents;
  const maxAgeMs = policy?.maxAgeMs ?? defaults.maxAgeMs;
  const sessionConsumerIdleMs = policy?.sessionConsumerIdleMs ?? defaults.sessionConsumerIdleMs;
  if (!(maxEvents >= 0) || !(maxAgeMs >= 0) || !(sessionConsumerIdleMs >= 0)) {
    throw new InboxError(
      'inbox_invalid_argument',
      `Retention must be non-negative numbers; got maxEvents=${maxEvents}, maxAgeMs=${maxAgeMs}, sessionConsumerIdleMs=${sessionConsumerIdleMs}.`,
    );
  }
  return { maxEvents, maxAgeMs, sessionConsumerIdleMs };
}
