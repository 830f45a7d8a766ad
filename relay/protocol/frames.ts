// Wire frames of the push channel `/mcp/push/sse` (seed 000, "Frames you'll see").
// Every SSE `data:` line is one MCP JSON-RPC notification; the SSE `event:` field carries the method with
// `/` flattened to `.`, and event frames carry the event id as the SSE `id:`.
// Schemas are loose (unknown fields kept): servers may add fields, and a relay must not drop an event
// because a newer server says more than this file knows.
import { z } from 'zod';

export const METHOD = {
  open: 'notifications/pact/subscription.open',
  event: 'notifications/pact/event',
  lag: 'notifications/pact/subscription.lag',
  heartbeat: 'notifications/pact/heartbeat',
} as const;
export type PushMethod = (typeof METHOD)[keyof typeof METHOD];

/** `notifications/pact/event` → `notifications.pact.event`, the SSE `event:` name of a frame. */
export function sseEventName(method: string): string {
  return method.replaceAll('/', '.');
}

export const EventIdSchema = z.number().int().nonnegative();

/** A JSON object (not an array, not null). Payloads and filters are always objects. */
export const JsonObjectSchema = z.record(z.string(), z.unknown());

/** The event as the seed's `notifications/pact/event` example carries it, minus the subscription id. */
export const PushEventSchema = z.looseObject({
  event_id: EventIdSchema,
  topic: z.string().min(1),
  category: z.string(),
  aggregate_type: z.string().nullable().optional(),
  aggregate_id: z.string().nullable().optional(),
  actor_id: z.string().nullable().optional(),
  correlation_id: z.string().nullable().optional(),
  occurred_at: z.string().min(1),
  payload: JsonObjectSchema,
});
export type PushEvent = z.infer<typeof PushEventSchema>;

export const EventParamsSchema = PushEventSchema.extend({ subscription_id: z.string().min(1) });
export type EventParams = z.infer<typeof EventParamsSchema>;

export const SubscriptionRowSchema = z.looseObject({
  subscription_id: z.string().min(1),
  client_id: z.string().min(1),
  topic_patterns: z.array(z.string()),
  filter: JsonObjectSchema.nullable().optional(),
  client_label: z.string().nullable().optional(),
  consent_purpose: z.string().nullable().optional(),
  events_delivered: z.number().int().nonnegative(),
  last_delivered_at: z.string().nullable().optional(),
  created_at: z.string().optional(),
  deleted_at: z.string().nullable().optional(),
  push_endpoint: z.string().optional(),
  push_endpoint_hint: z.string().optional(),
});
export type SubscriptionRow = z.infer<typeof SubscriptionRowSchema>;

export const OpenParamsSchema = z.looseObject({
  client_id: z.string(),
  subscriptions: z.array(SubscriptionRowSchema),
  cursor: EventIdSchema,
});
export type OpenParams = z.infer<typeof OpenParamsSchema>;

export const LagParamsSchema = z.looseObject({
  subscription_id: z.string().nullable(),
  dropped_count: z.number().int().positive(),
  buffer_capacity: z.number().int().positive(),
  last_event_id: EventIdSchema,
  detail: z.string(),
});
export type LagParams = z.infer<typeof LagParamsSchema>;

export const HeartbeatParamsSchema = z.looseObject({ cursor: EventIdSchema });
export type HeartbeatParams = z.infer<typeof HeartbeatParamsSchema>;

const envelope = <M extends string, P extends z.ZodType>(method: M, params: P) =>
  z.object({ jsonrpc: z.literal('2.0'), method: z.literal(method), params });

export const OpenFrameSchema = envelope(METHOD.open, OpenParamsSchema);
export const EventFrameSchema = envelope(METHOD.event, EventParamsSchema);
export const LagFrameSchema = envelope(METHOD.lag, LagParamsSchema);
export const HeartbeatFrameSchema = envelope(METHOD.heartbeat, HeartbeatParamsSchema);

export const PushFrameSchema = z.discriminatedUnion('method', [
  OpenFrameSchema,
  EventFrameSchema,
  LagFrameSchema,
  HeartbeatFrameSchema,
]);
export type PushFrame = z.infer<typeof PushFrameSchema>;
export type OpenFrame = z.infer<typeof OpenFrameSchema>;
export type EventFrame = z.infer<typeof EventFrameSchema>;
export type LagFrame = z.infer<typeof LagFrameSchema>;
export type HeartbeatFrame = z.infer<typeof HeartbeatFrameSchema>;

/** Builds a frame object (the server side); `encodeSseFrame` turns it into wire text. */
export function frame<M extends PushMethod>(method: M, params: unknown): { jsonrpc: '2.0'; method: M; params: unknown } {
  return { jsonrpc: '2.0', method, params };
}
