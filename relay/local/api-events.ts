// The shape of an event on the local API, the MCP tools and the hooks: the upstream event plus where it
// sits in this inbox (`seq`, for acks and paging) and when it arrived.
import type { StoredEvent } from '../inbox/types.js';

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

export function toApiEvent(e: StoredEvent): ApiEvent {
  return {
    seq: e.seq,
    event_id: e.event_id,
    topic: e.topic,
    category: e.category,
    occurred_at: e.occurred_at,
    received_at: e.received_at,
    aggregate_type: e.aggregate_type ?? null,
    aggregate_id: e.aggregate_id ?? null,
    actor_id: e.actor_id ?? null,
    correlation_id: e.correlation_id ?? null,
    payload: e.payload,
    subscription_ids: e.subscription_ids,
    server: e.server,
  };
}
