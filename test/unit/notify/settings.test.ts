// The `notifications` settings key: defaults, validation messages, and the settings file using the schema.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSettings, SettingsError } from '../../../relay/config/settings.js';
import { DEFAULT_NOTIFICATION_SETTINGS, NotificationSettingsError, parseNotificationSettings } from '../../../relay/notify/settings.js';
import { tempDir } from '../../helpers/tmp.js';
import { useCleanups } from '../../helpers/cleanups.js';

const cleanup = useCleanups();

describe('notification settings', () => {
  it('defaults', () => {
    expect(DEFAULT_NOTIFICATION_SETTINGS).toEqual({
      enabled: true,
      subscriptions: {},
      topics: [],
      quietHours: null,
      maxPerMinute: 10,
      burst: { windowMs: 2000, maxIndividual: 3, settleMs: 600, maxHoldMs: 2000 },
      tomorrowAt: '08:00',
    });
    expect(parseNotificationSettings(undefined)).toEqual(DEFAULT_NOTIFICATION_SETTINGS);
    expect(parseNotificationSettings({ burst: { windowMs: 500 } }).burst).toEqual({ windowMs: 500, maxIndividual: 3, settleMs: 600, maxHoldMs: 2000 });
  });

  it.each([
    [{ enabled: 'yes' }, '"notifications.enabled"'],
    [{ quietHours: { start: '22:00', end: '7:00' } }, '"notifications.quietHours.end" use a 24-hour local time "HH:MM"'],
    [{ quietHours: { start: '22:00', end: '22:00' } }, 'quiet hours need different start and end times'],
    [{ topics: [{ pattern: '', enabled: false }] }, '"notifications.topics.0.pattern" topic pattern is empty'],
    [{ subscriptions: { sub_1: 'off' } }, '"notifications.subscriptions.sub_1"'],
    [{ maxPerMinute: 0 }, '"notifications.maxPerMinute"'],
    [{ burst: { settleMs: -1 } }, '"notifications.burst.settleMs"'],
    [{ tomorrowAt: '8am' }, '"notifications.tomorrowAt"'],
  ])('%j is refused with the field named', (input, message) => {
    expect(() => parseNotificationSettings(input)).toThrow(NotificationSettingsError);
    expect(() => parseNotificationSettings(input)).toThrow(message);
  });

  it('settings.json is validated with the same schema when read', async () => {
    const home = await tempDir('notify-settings-');
    cleanup.add(home.cleanup);
    writeFileSync(join(home.path, 'settings.json'), JSON.stringify({ notifications: { quietHours: { start: '22:00', end: '07:00' }, maxPerMinute: 5 } }));
    expect(openSettings(home.path).read().notifications).toMatchObject({ quietHours: { start: '22:00', end: '07:00' }, maxPerMinute: 5, enabled: true });
    writeFileSync(join(home.path, 'settings.json'), JSON.stringify({ notifications: { maxPerMinute: 'lots' } }));
    expect(() => openSettings(home.path).read()).toThrow(SettingsError);
    expect(() => openSettings(home.path).read()).toThrow(/"notifications\.maxPerMinute"/);
  });
});
