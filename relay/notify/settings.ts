// The `notifications` key of settings.json: the notification policy a person sets (tray menu, settings page,
// or by hand). One zod schema, used by relay/config/settings.ts when the file is read and by
// `NotificationService.setPolicy` at run time, so both fail with the same messages.
// No I/O and no heavy imports here: relay/config (and through it the hooks) imports this file.
import { z } from 'zod';
import { TopicPatternSchema } from '../protocol/topic-glob.js';
import { RelayError } from '../util/errors.js';

const CLOCK_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
/** A local wall-clock time, 24-hour `HH:MM`. */
const ClockTimeSchema = z.string().regex(CLOCK_TIME, 'use a 24-hour local time "HH:MM", e.g. "22:00"');

/** Minutes after local midnight of an `HH:MM` string the schema accepted. */
export function minutesOfDay(time: string): number {
  const m = CLOCK_TIME.exec(time);
  if (!m) throw new RangeError(`not an HH:MM time: ${time}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

const BurstSettingsSchema = z.object({
  /** Events less than this apart form one burst; the first event after a quieter gap shows at once. */
  windowMs: z.number().int().min(0).max(60_000).default(2000),
  /** A burst of up to this many events shows them one by one; a bigger one folds into a summary. */
  maxIndividual: z.number().int().min(1).max(100).default(3),
  /**
   * Held events are released after this much silence (below a second, so DESIGN.md 'Who uses it' 1, a popup
   * within a second, holds for them too)…
   */
  settleMs: z.number().int().min(0).max(10_000).default(600),
  /** …or at the latest this long after the first of them was held, however long the burst goes on. */
  maxHoldMs: z.number().int().min(0).max(60_000).default(2000),
});

const QuietHoursSchema = z
  .object({ start: ClockTimeSchema, end: ClockTimeSchema })
  .refine((q) => q.start !== q.end, { message: 'quiet hours need different start and end times (e.g. "22:00" to "07:00")' });

const TopicRuleSchema = z.object({
  /** fnmatch glob, as in `subscribe` (relay/protocol/topic-glob). */
  pattern: TopicPatternSchema,
  enabled: z.boolean(),
});

export const NotificationSettingsSchema = z.object({
  /** Global switch. */
  enabled: z.boolean().default(true),
  /** Subscription id → false mutes it. An event matched by several subscriptions shows unless all are muted. */
  subscriptions: z.record(z.string().min(1).max(200), z.boolean()).default({}),
  /** Ordered topic rules; the LAST rule whose pattern matches decides (so `deal.*` off, then `deal.won` on). */
  topics: z.array(TopicRuleSchema).max(200).default([]),
  /** Local quiet hours; `start` > `end` crosses midnight (22:00–07:00). null = none. */
  quietHours: QuietHoursSchema.nullable().default(null),
  /** Ceiling of popups (single or summary) in any 60 s; the excess folds into one later summary. */
  maxPerMinute: z.number().int().min(1).max(1000).default(10),
  burst: BurstSettingsSchema.prefault({}),
  /** Where "pause until tomorrow" ends: the next time the local clock shows this. */
  tomorrowAt: ClockTimeSchema.default('08:00'),
});

/** The policy as the relay uses it: every field present. */
export type NotificationSettings = z.infer<typeof NotificationSettingsSchema>;
/** The policy as a person or the UI writes it: every field optional. */
export type NotificationSettingsInput = z.input<typeof NotificationSettingsSchema>;

export const DEFAULT_NOTIFICATION_SETTINGS: NotificationSettings = NotificationSettingsSchema.parse({});

/** Notification settings that fail their schema; the message names each bad field. */
export class NotificationSettingsError extends RelayError {
  declare readonly code: 'invalid_notification_settings';

  constructor(message: string) {
    super('config', 'invalid_notification_settings', message);
  }
}

/** Validates a policy (undefined = the defaults). Throws NotificationSettingsError naming each bad field. */
export function parseNotificationSettings(input: unknown): NotificationSettings {
  const parsed = NotificationSettingsSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `"notifications${i.path.map((p) => `.${String(p)}`).join('')}" ${i.message}`);
  throw new NotificationSettingsError(`notification settings: ${issues.join('; ')}`);
}
