// The local API as the UI reads it (README "Local API"). Mirrors of the relay's types, kept here because the
// renderer's tsc program must not pull relay/ modules that need Node (importing them, even for types, would
// also emit them into dist/renderer). Only the fields the UI uses.

export interface ApiEvent {
  seq: number;
  event_id: number;
  topic: string;
  category: string;
  occurred_at: string;
  received_at: string;
  aggregate_type: string | null;
  aggregate_id: string | null;
  actor_id: string | null;
  correlation_id: string | null;
  payload: Record<string, unknown>;
  subscription_ids: string[];
  server: string;
}

export type UpstreamState = 'connecting' | 'open' | 'reconnecting' | 'unauthorized' | 'offline' | 'paused';

export interface UpstreamStatus {
  state: UpstreamState;
  stopped?: boolean;
  server?: string;
  lastError: { code: string; message: string; status?: number; at: number } | null;
  nextRetryAt: number | null;
  connectedAt?: number | null;
  lag: { count: number; dropped_total: number; last_at: number | null; last_dropped_count: number | null };
}

export interface ConsumerStatus {
  name: string;
  topic?: string;
  cursor: number;
  pending: number;
}

export interface RelayStatus {
  version: string;
  pid: number;
  home: string;
  mode: 'demo' | 'server';
  server: string;
  client_id: string;
  started_at: string;
  local_url: string;
  upstream: UpstreamStatus;
  inbox: Record<string, unknown>;
  consumers: ConsumerStatus[];
  /** Present when the relay shows OS notifications (relay/notify). */
  notifications?: NotificationStatus;
}

/** `GET /v1/notifications` (relay/notify/routes.ts), also under `notifications` in the status. */
export interface NotificationStatus {
  notifier: string;
  available: boolean | null;
  unavailable_reason: string | null;
  enabled: boolean;
  paused_until: string | null;
  quiet_hours_now: boolean;
  pending: number;
  counts: { delivered: number; failed: number; unavailable: number; shown?: number; summaries?: number; received?: number };
}

export interface SubscriptionRow {
  subscription_id: string;
  client_id: string;
  topic_patterns: string[];
  filter?: Record<string, unknown> | null;
  client_label?: string | null;
  consent_purpose?: string | null;
  events_delivered: number;
  last_delivered_at?: string | null;
  created_at?: string;
  deleted_at?: string | null;
}

export interface TopicInfo {
  topic: string;
  category: string;
  description: string;
  payload_fields: string[];
  filter_example: Record<string, unknown>;
}

export interface TopicsResponse {
  topics: TopicInfo[];
  categories: string[];
}

export interface PendingResponse {
  consumer: string;
  events: ApiEvent[];
  pending: number;
  cursor: number;
}

export interface EventsResponse {
  events: ApiEvent[];
  head: number;
}

/** `/v1/settings` (relay/local/settings-routes.ts). */
export interface SettingsResponse {
  settings: {
    server: string | null;
    clientId: string | null;
    apiKeySet: boolean;
    apiKeyStorage: 'plain' | 'encrypted' | null;
    localPort: number | null;
    notifications: Record<string, unknown> | null;
  };
  path: string;
  overridden_by_env: { server: boolean; apiKey: boolean };
  restart_required?: boolean;
  message?: string;
  warning?: string;
}
