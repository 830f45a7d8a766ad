// The seam under the local MCP tools (DESIGN.md "Local MCP tools"): the tools are defined once (tools.ts) over
// this interface, which has two implementations — in-process over the RelayCore (core-backend.ts, the relay's
// own `/mcp`) and remote over a running relay's /v1 API (remote-backend.ts, `push-relay mcp`).
import type { z } from 'zod';
import type { SubscriptionRow } from '../../protocol/frames.js';
import type { Category, ListTopicsOutputSchema, SubscribeInput } from '../../protocol/tools.js';
import type { ApiEvent, ConsumerStart, PendingResponse, SessionsResponse } from '../../protocol/local-api.js';
import type { RelayStatus } from '../core.js';
import type { ToolErrorCode } from '../../util/errors.js';

export interface PendingQuery {
  consumer: string;
  topic?: string | undefined;
  limit: number;
  /** Move the consumer's cursor past the returned events; without it they are claimed for a lease (consumer-ops.ts). */
  ack: boolean;
  /** Where the consumer starts if this is its first use (DESIGN.md "Consumers"). */
  start?: ConsumerStart | undefined;
  /** The taker's session, for the delivery receipt (the path is the tool's own: `get_pending_events`). */
  session?: string | undefined;
}

/** `GET /v1/pending`'s answer (relay/protocol/local-api.ts); the tool does not show the cursor. */
export type PendingResult = Omit<PendingResponse, 'cursor'>;

export interface WaitQuery {
  consumer: string;
  topic?: string | undefined;
  limit: number;
  timeoutMs: number;
  /** Ends the wait early (cancellation, disconnect); the wait then resolves with no events. */
  signal: AbortSignal;
  /** The taker's session, for the delivery receipt (the path is the tool's own: `wait_for_event`). */
  session?: string | undefined;
}

/** `events` empty = the timeout passed (or the signal fired). Returned events are acked, like the hooks do. */
export interface WaitResult {
  consumer: string;
  events: ApiEvent[];
  pending: number;
}

export interface AckResult {
  consumer: string;
  cursor: number;
  pending: number;
}

export type TopicCatalog = z.infer<typeof ListTopicsOutputSchema>;

export interface ToolBackend {
  pending(query: PendingQuery): Promise<PendingResult>;
  wait(query: WaitQuery): Promise<WaitResult>;
  ack(consumer: string, upToEventId: number): Promise<AckResult>;
  subscribe(input: Omit<SubscribeInput, 'client_id'>): Promise<SubscriptionRow>;
  unsubscribe(subscriptionId: string): Promise<Record<string, unknown>>;
  listSubscriptions(includeDeleted: boolean): Promise<SubscriptionRow[]>;
  listTopics(category?: Category): Promise<TopicCatalog>;
  status(): Promise<RelayStatus>;
  /** The Claude Code sessions the relay knows (relay/sessions/), live ones first. */
  sessions(): Promise<SessionsResponse>;
}

export type { ToolErrorCode };

/** A failure the model can act on; the tools turn it into an `isError: true` result with this message. */
export class ToolError extends Error {
  override readonly name = 'ToolError';

  constructor(
    readonly code: ToolErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function relayNotRunning(home: string, detail?: string): ToolError {
  return new ToolError(
    'relay_not_running',
    `No Push Relay is running on ${home}${detail ? ` (${detail})` : ''}: start it with \`push-relay daemon\` (or the tray app), then call this tool again.`,
  );
}

export function relayStopping(): ToolError {
  return new ToolError('relay_stopping', 'Push Relay is shutting down; call this tool again once it is running (`push-relay daemon` or the tray app).');
}
