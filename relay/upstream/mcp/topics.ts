// The topic scheme of standard MCP upstreams (DESIGN.md "Upstreams": topics under `mcp.`) and the one place
// their events are built. Everything a server sends is untrusted: strings are bounded here, and shown through
// relay/protocol/untrusted-text.ts wherever they are shown, as Pact payloads are.
import type { EventSource } from '../../inbox/types.js';
import type { PushEvent } from '../../protocol/frames.js';
import { nestsDeeperThan } from '../../protocol/json-depth.js';
import { MAX_FRAME_DEPTH } from '../../protocol/limits.js';

export const MCP_TOPIC = {
  resourceUpdated: 'mcp.resource.updated',
  resourcesListChanged: 'mcp.resources.list_changed',
  toolsListChanged: 'mcp.tools.list_changed',
  promptsListChanged: 'mcp.prompts.list_changed',
  reconnected: 'mcp.upstream.reconnected',
  dropped: 'mcp.upstream.dropped',
  /** Events extension (experimental): the server resumed later than the relay's cursor, so events were skipped. */
  eventsTruncated: 'mcp.events.truncated',
} as const;
/** Events extension (experimental): an event of type NAME is `mcp.event.NAME` (eventTopic). */
export const MCP_EVENT_TOPIC_PREFIX = 'mcp.event.';
export type McpTopic = (typeof MCP_TOPIC)[keyof typeof MCP_TOPIC] | `${typeof MCP_EVENT_TOPIC_PREFIX}${string}`;

/** The standard notifications an upstream turns into events, by method. */
export const NOTIFICATION_TOPICS = {
  'notifications/resources/updated': MCP_TOPIC.resourceUpdated,
  'notifications/resources/list_changed': MCP_TOPIC.resourcesListChanged,
  'notifications/tools/list_changed': MCP_TOPIC.toolsListChanged,
  'notifications/prompts/list_changed': MCP_TOPIC.promptsListChanged,
} as const;
export type UpstreamNotificationMethod = keyof typeof NOTIFICATION_TOPICS;

/** Category of every MCP-upstream event (the Pact catalog's categories are the push server's). */
export const MCP_CATEGORY = 'mcp';

/** Longest URI kept in an event; a longer one is cut (a URI is an identifier, not content). */
export const MAX_URI_CHARS = 2048;

/** What `mcp.upstream.reconnected` says, once, in the event itself (DESIGN.md "Upstreams"). */
export const NO_RESUME_NOTE =
  'standard MCP has no resume cursor: resource updates and list changes sent while the relay was disconnected may have been missed; re-read what matters';

/** An event of an upstream before the relay numbers it (relay/upstream/mcp/inbox-writer.ts assigns event_id). */
export interface PendingMcpEvent {
  topic: McpTopic;
  payload: Record<string, unknown>;
  occurred_at: string;
  /** For `mcp.resource.updated`: the resource whose content may be attached at write time. */
  uri?: string;
  /** For Events-extension events: what the event is about (default: the resource, else the upstream). */
  aggregate?: { type: string; id: string };
  /**
   * Called once the writer is done with the event: `true` when it is durable in the inbox (stored, or already
   * there), `false` when it was dropped or could not be stored. The Events extension moves its cursor on this.
   */
  onStored?: (stored: boolean) => void;
}

/** The inbox source of an upstream: its own cursor and dedupe space, apart from the Pact server's. */
export function mcpSource(name: string, tenant = 'local'): EventSource {
  return { server: `mcp:${name}`, tenant };
}

export function clipUri(uri: string): string {
  return uri.length > MAX_URI_CHARS ? uri.slice(0, MAX_URI_CHARS) : uri;
}

/** A notification as an event; undefined for one this relay does not turn into events. */
export function notificationEvent(upstream: string, method: string, params: unknown, now: Date): PendingMcpEvent | undefined {
  if (!Object.hasOwn(NOTIFICATION_TOPICS, method)) return undefined;
  const topic = NOTIFICATION_TOPICS[method as UpstreamNotificationMethod];
  const payload: Record<string, unknown> = { upstream };
  const p = (params ?? {}) as { uri?: unknown; _meta?: Record<string, unknown> };
  const subscriptionId = p._meta?.['io.modelcontextprotocol/subscriptionId'];
  if (typeof subscriptionId === 'string' || typeof subscriptionId === 'number') payload.mcp_subscription_id = String(subscriptionId).slice(0, 200);
  let uri: string | undefined;
  if (topic === MCP_TOPIC.resourceUpdated) {
    if (typeof p.uri !== 'string' || p.uri === '') return undefined; // the spec requires it; without it there is nothing to say
    uri = clipUri(p.uri);
    payload.uri = uri;
  }
  return { topic, payload, occurred_at: now.toISOString(), uri };
}

/**
 * Why a gap may lie behind an `mcp.upstream.reconnected` event:
 *   - `connection_lost`: this run's connection ended and was made again (`down_for_ms` between the two);
 *   - `restarted`: the upstream's first connect in this run (the relay was restarted, or the entry enabled,
 *     gated on or changed) while its source already has events: nothing was connected from the last stored
 *     event (`not_connected_from`; null when retention let it go) to this connect (`not_connected_until`);
 *   - `resubscribed`: the relay closed its subscription streams and listened again with one new set
 *     (relay/upstream/mcp/connection.ts "listen streams"): `down_for_ms` between the close and the acknowledgement.
 */
export type ReconnectGap =
  | { cause: 'connection_lost' | 'resubscribed'; downForMs: number }
  | { cause: 'restarted'; lastStoredAt: string | null };

export function reconnectedEvent(upstream: string, gap: ReconnectGap, now: Date): PendingMcpEvent {
  const at = now.toISOString();
  const payload: Record<string, unknown> =
    gap.cause === 'restarted'
      ? {
          upstream,
          cause: gap.cause,
          not_connected_from: gap.lastStoredAt,
          not_connected_until: at,
          may_have_missed_updates: true,
          note: `the relay was not running or not connected to this server between ${gap.lastStoredAt ?? 'its last stored event (no longer kept)'} and ${at}; ${NO_RESUME_NOTE}`,
        }
      : { upstream, cause: gap.cause, down_for_ms: gap.downForMs, may_have_missed_updates: true, note: NO_RESUME_NOTE };
  return { topic: MCP_TOPIC.reconnected, payload, occurred_at: at };
}

export function droppedEvent(upstream: string, count: number, capacity: number, now: Date): PendingMcpEvent {
  return {
    topic: MCP_TOPIC.dropped,
    payload: {
      upstream,
      dropped_count: count,
      queue_capacity: capacity,
      note: `the server sent notifications faster than the relay could store them; the ${count} oldest waiting were dropped`,
    },
    occurred_at: now.toISOString(),
  };
}

/** The stored form: `event_id` from the relay's own per-source sequence. */
export function toPushEvent(e: PendingMcpEvent, eventId: number): PushEvent {
  return {
    event_id: eventId,
    topic: e.topic,
    category: MCP_CATEGORY,
    aggregate_type: e.aggregate?.type ?? (e.uri !== undefined ? 'mcp.resource' : 'mcp.upstream'),
    aggregate_id: e.aggregate?.id ?? e.uri ?? String(e.payload.upstream),
    occurred_at: e.occurred_at,
    payload: e.payload,
  };
}

/** Longest event-type name kept in a topic; the full name is in the payload. */
const MAX_TOPIC_NAME_CHARS = 150;
/** Largest event `data` stored as it is (serialized); a larger one is replaced by a note, as is one nested too deep. */
export const MAX_EVENT_DATA_CHARS = 256 * 1024;
/** The push protocol's depth limit (relay/protocol/limits.ts), less the two levels the stored event adds (`payload.data`). */
export const MAX_EVENT_DATA_DEPTH = MAX_FRAME_DEPTH - 2;

/**
 * The topic of an Events-extension event: `mcp.event.` + the type name, with anything outside the topic grammar's
 * safe characters replaced by `_` (a name is the server's text: it must not smuggle spaces or controls into topics).
 */
export function eventTopic(name: string): McpTopic {
  return `${MCP_EVENT_TOPIC_PREFIX}${name.slice(0, MAX_TOPIC_NAME_CHARS).replace(/[^A-Za-z0-9._:-]/g, '_')}`;
}

/** An Events-extension occurrence as an event: the server's id, type, time and data, all marked as the server's. */
export function extensionEvent(
  upstream: string,
  o: { eventId: string; name: string; timestamp: string; data: Record<string, unknown> },
  now: Date,
): PendingMcpEvent {
  let data: Record<string, unknown> = o.data;
  const json = JSON.stringify(o.data);
  if (json.length > MAX_EVENT_DATA_CHARS || nestsDeeperThan(json, MAX_EVENT_DATA_DEPTH)) {
    data = { omitted: true, note: `the event's data (${json.length} characters) was over the relay's limit (${MAX_EVENT_DATA_CHARS} characters, ${MAX_EVENT_DATA_DEPTH} levels) and is not stored` };
  }
  const occurred = Number.isNaN(Date.parse(o.timestamp)) ? now.toISOString() : o.timestamp.slice(0, 40);
  return {
    topic: eventTopic(o.name),
    payload: { upstream, event: o.name, event_id: o.eventId, timestamp: o.timestamp.slice(0, 40), data },
    occurred_at: occurred,
    aggregate: { type: 'mcp.event', id: o.eventId },
  };
}

export function eventsTruncatedEvent(upstream: string, name: string, now: Date): PendingMcpEvent {
  return {
    topic: MCP_TOPIC.eventsTruncated,
    payload: {
      upstream,
      event: name,
      may_have_missed_events: true,
      note: "the server resumed this subscription later than the relay's cursor (its retention, the maxAgeMs bound or its own limit): events in between were skipped; re-read what matters",
    },
    occurred_at: now.toISOString(),
  };
}
