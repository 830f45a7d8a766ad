// The Events extension draft (SEP-3415, `io.modelcontextprotocol/events`; design sketch "MCP Events" of the
// experimental-ext-triggers-events working group): the wire shapes the relay reads, written once. Pure: zod
// schemas and small functions, no I/O. No MCP SDK implements the draft yet, so the relay sends these requests
// through the SDK's custom-method support (`client.request(…, resultSchema)`, `setNotificationHandler(method,
// {params}, …)`) rather than a protocol of its own.
//
// What the relay uses of the draft: `events/list` (event types and the delivery modes each offers), push
// delivery (`events/stream`: `notifications/events/active | event | heartbeat | error | terminated`, each with the
// stream's request id in `_meta["io.modelcontextprotocol/subscriptionId"]`) and poll delivery (`events/poll`).
// Webhook delivery is not used: it needs an https endpoint the server can reach, and the relay listens on
// loopback only.
//
// Everything here comes from a server and is untrusted: ids, names and cursors are bounded; an occurrence that
// breaks a bound is refused as a whole (never cut: a cut cursor or id would resume or dedupe wrongly).
import * as z from 'zod';

export const EVENTS_EXTENSION_ID = 'io.modelcontextprotocol/events';
export const SUBSCRIPTION_ID_META_KEY = 'io.modelcontextprotocol/subscriptionId';

export const EVENTS_METHOD = {
  list: 'events/list',
  stream: 'events/stream',
  poll: 'events/poll',
  active: 'notifications/events/active',
  event: 'notifications/events/event',
  heartbeat: 'notifications/events/heartbeat',
  error: 'notifications/events/error',
  terminated: 'notifications/events/terminated',
} as const;

/** Longest event name, event id and cursor accepted. A cursor is opaque, but it is stored and sent back. */
export const MAX_EVENT_NAME_CHARS = 200;
export const MAX_EVENT_ID_CHARS = 200;
export const MAX_CURSOR_CHARS = 4096;
/** Event types read from `events/list` at most (pages × items are the server's). */
export const MAX_LISTED_EVENT_TYPES = 1000;
/** The draft's default floor for `nextPollMs` (Client SDK Guidance, "Poll mode"): a server cannot make a tight loop. */
export const MIN_POLL_INTERVAL_MS = 1000;
/** The draft's heartbeat: at least every 30 s; a stream silent for twice that is dead ("Heartbeat"). */
export const STREAM_SILENCE_MS = 60_000;

export const DeliveryModeSchema = z.enum(['poll', 'push', 'webhook']);
export type DeliveryMode = z.infer<typeof DeliveryModeSchema>;

const Cursor = z.string().max(MAX_CURSOR_CHARS).nullable();

export const EventTypeSchema = z.looseObject({
  name: z.string().min(1).max(MAX_EVENT_NAME_CHARS),
  description: z.string().optional(),
  // Unknown modes of a later draft are ignored, not a reason to refuse the type.
  delivery: z.array(z.string()).transform((modes) => modes.filter((m): m is DeliveryMode => DeliveryModeSchema.safeParse(m).success)),
});
export type EventType = z.infer<typeof EventTypeSchema>;

export const ListEventsResultSchema = z.looseObject({
  // One malformed entry must not hide the others: each is parsed on its own (parseEventTypes).
  events: z.array(z.unknown()),
  nextCursor: z.string().max(MAX_CURSOR_CHARS).optional(),
});

export const EventOccurrenceSchema = z.looseObject({
  eventId: z.string().min(1).max(MAX_EVENT_ID_CHARS),
  name: z.string().min(1).max(MAX_EVENT_NAME_CHARS),
  timestamp: z.string().max(100),
  data: z.record(z.string(), z.unknown()),
  cursor: Cursor.optional(),
});
export type EventOccurrence = z.infer<typeof EventOccurrenceSchema>;

export const PollResultSchema = z.looseObject({
  events: z.array(z.unknown()),
  cursor: Cursor,
  truncated: z.boolean().optional(),
  hasMore: z.boolean().optional(),
  nextPollMs: z.number().nonnegative().optional(),
});
export type PollResult = z.infer<typeof PollResultSchema>;

/** Every stream notification's params: loose, so that a bad one is seen (and counted) by the handler, not lost in the SDK. */
export const StreamNotificationParamsSchema = z.looseObject({});

export const ActiveParamsSchema = z.looseObject({ cursor: Cursor.optional(), truncated: z.boolean().optional() });
export const HeartbeatParamsSchema = z.looseObject({ cursor: Cursor.optional() });
export const StreamErrorParamsSchema = z.looseObject({
  error: z.looseObject({ code: z.number().optional(), message: z.string().optional() }).optional(),
});

/** Whether the server offers the extension: `capabilities.extensions[id]` (SEP-2133 extensions) or the sketch's `capabilities.events`. */
export function offersEvents(capabilities: unknown): boolean {
  if (typeof capabilities !== 'object' || capabilities === null) return false;
  const caps = capabilities as { extensions?: unknown; events?: unknown };
  const ext = typeof caps.extensions === 'object' && caps.extensions !== null ? (caps.extensions as Record<string, unknown>)[EVENTS_EXTENSION_ID] : undefined;
  return (typeof ext === 'object' && ext !== null) || (typeof caps.events === 'object' && caps.events !== null);
}

/** The event types of one `events/list` page that parse; the rest are counted. */
export function parseEventTypes(entries: readonly unknown[]): { types: EventType[]; refused: number } {
  const types: EventType[] = [];
  let refused = 0;
  for (const entry of entries) {
    const parsed = EventTypeSchema.safeParse(entry);
    if (parsed.success) types.push(parsed.data);
    else refused++;
  }
  return { types, refused };
}

/** The stream a notification belongs to (the `events/stream` request id), or undefined. */
export function subscriptionIdOf(params: unknown): string | undefined {
  const meta = (params as { _meta?: unknown } | undefined)?._meta;
  if (typeof meta !== 'object' || meta === null) return undefined;
  const id = (meta as Record<string, unknown>)[SUBSCRIPTION_ID_META_KEY];
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/**
 * Which delivery mode the relay uses for a type: push when offered (low latency, one stream), else poll; undefined
 * when neither is (webhook only: the relay cannot be reached from a server).
 */
export function chooseDelivery(type: EventType): 'push' | 'poll' | undefined {
  if (type.delivery.includes('push')) return 'push';
  if (type.delivery.includes('poll')) return 'poll';
  return undefined;
}

/** The poll interval the relay honours: the server's, never below the floor, never above a minute. */
export function pollDelay(nextPollMs: number | undefined, floorMs: number): number {
  return Math.min(60_000, Math.max(floorMs, nextPollMs ?? floorMs));
}
