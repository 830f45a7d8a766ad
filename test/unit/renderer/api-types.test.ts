// renderer/api-types.ts mirrors the relay's API types (the renderer's tsc program must not pull Node modules).
// These assignments make `npm run typecheck` fail the moment the relay stops providing what the UI reads.
import { describe, expect, it } from 'vitest';
import type { ApiEvent as RelayApiEvent } from '../../../relay/local/api-events.js';
import type { RelayStatus as RelayRelayStatus } from '../../../relay/local/core.js';
import type { SubscriptionRow as RelaySubscriptionRow } from '../../../relay/protocol/frames.js';
import type { NotificationStatus as RelayNotificationStatus } from '../../../relay/notify/service.js';
import type { SettingsView } from '../../../relay/local/settings-routes.js';
import type { ApiEvent, NotificationStatus, RelayStatus, SettingsResponse, SubscriptionRow } from '../../../renderer/api-types.js';

type Provides<Relay, Ui> = Relay extends Ui ? true : false;

describe('renderer API type mirrors', () => {
  it('the relay provides every field the UI reads', () => {
    const event: Provides<RelayApiEvent, ApiEvent> = true;
    const status: Provides<RelayRelayStatus, RelayStatus> = true;
    const row: Provides<RelaySubscriptionRow, SubscriptionRow> = true;
    const notifications: Provides<RelayNotificationStatus, NotificationStatus> = true;
    const settings: Provides<SettingsView, SettingsResponse['settings']> = true;
    expect([event, status, row, notifications, settings]).toEqual([true, true, true, true, true]);
  });
});
