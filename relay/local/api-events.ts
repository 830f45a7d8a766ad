// The shape of an event on the local API, the MCP tools and the hooks (relay/protocol/local-api.ts): the
// upstream event plus where it sits in this inbox (`seq`, for acks and paging) and when it arrived.
import type { StoredEvent } from '../inbox/types.js';
import type { ApiEvent } from '../protocol/local-api.js';

export type { ApiEvent };

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
