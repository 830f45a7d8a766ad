export { NotificationService, type NotificationCounts, type NotificationServiceOptions, type NotificationStatus } from './service.js';
export { NotifierError, offLine, type Availability, type Notification, type Notifier } from './notifier.js';
export { NodeNotifierAdapter } from './node-notifier.js';
export { MemoryNotifier } from './memory-notifier.js';
export { NotificationPolicy, type Decision, type PolicyStats, type Popup, type Summary, type SuppressReason } from './policy.js';
export { formatEvent, formatSummary, type FormattedText } from './format.js';
export { PAUSE_PRESETS, resolvePause, type PauseRequest } from './pause.js';
export { notificationRoutes, NOTIFICATIONS_PATH } from './routes.js';
export { systemClock, type Clock } from './clock.js';
export {
  DEFAULT_NOTIFICATION_SETTINGS,
  NotificationSettingsError,
  NotificationSettingsSchema,
  parseNotificationSettings,
  type NotificationSettings,
  type NotificationSettingsInput,
} from './settings.js';
