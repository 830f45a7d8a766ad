// The topic scheme of standard MCP upstreams (DESIGN.md "Upstreams": topics under `mcp.`) and the one place
// their events are built. Everything a server sends is untrusted: strings are bounded here, and shown through
// relay/protocol/untrusted-text.ts wherever they are shown, as Pact payloads are.
import type { EventSource } from '../../inbox/types.js';
import type { PushEvent } from '../../protocol/frames.js';

export const MCP_TOPIC = {
  resourceUpdated: 'mcp.resource.updated',
  resourcesListChanged: 'mcp.resources.list_changed',
  toolsListChanged: 'mcp.tools.list_changed',
  promptsListChanged: 'mcp.prompts.list_changed',
  reconnected: 'mcp.upstream.reconnected',
  dropped: 'mcp.upstream.dropped',
} as const;
export type McpTopic = (typeof MCP_TOPIC)[keyof typeof MCP_TOPIC];

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
}

/** The inbox source of an upstream: its own cursor and dedupe space, apart from the Pact server's. */
export function mcpSource(name: string): EventSource {
  return { server: `mcp:${name}`, tenant: 'local' };
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
    aggregate_type: e.uri !== undefined ? 'mcp.resource' : 'mcp.upstream',
    aggregate_id: e.uri ?? String(e.payload.upstream),
    occurred_at: e.occurred_at,
    payload: e.payload,
  };
}
