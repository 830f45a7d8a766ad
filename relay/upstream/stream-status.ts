// What the push stream tells the relay, the local API and the tray about itself: its state machine's states,
// typed errors, lag record and a JSON-able status snapshot; plus the injectable clock it runs on.
import type { SubscriptionRow } from '../protocol/frames.js';
import type { EventSource } from '../inbox/types.js';
import type { MalformedKind } from './frame-decoder.js';

export type PushState = 'connecting' | 'open' | 'reconnecting' | 'unauthorized' | 'offline' | 'paused';

export type StreamErrorCode =
  | 'unauthorized'
  | 'rate_limited'
  | 'server_unavailable'
  | 'server_error'
  | 'http_error'
  | 'bad_content_type'
  | 'network_error'
  | 'connect_failed'
  | 'connect_timeout'
  | 'heartbeat_timeout'
  | 'stream_dropped'
  | 'stream_ended'
  | 'cross_origin_redirect'
  | 'too_many_redirects'
  | 'invalid_redirect'
  | 'inbox_write_failed'
  /** One SSE event grew past its cap without ending (sse-decoder.ts); the connection was dropped. */
  | 'oversize'
  /** More than a few `subscription.lag` reconnects within a minute; now they wait out the backoff. */
  | 'lag_storm'
  /** The inbox could not even be read (closed). */
  | 'inbox_unavailable';

export interface StreamError {
  code: StreamErrorCode;
  /** Safe to show and log: bearer tokens and the key are redacted. */
  message: string;
  status?: number;
  /** Epoch milliseconds (the injected clock). */
  at: number;
}

export interface LagRecord {
  /** `subscription.lag` frames received. */
  count: number;
  dropped_total: number;
  last_at: number | null;
  last_dropped_count: number | null;
}

/** A plain JSON-able snapshot; times are epoch milliseconds of the injected clock, `null` when never. */
// A type alias, not an interface, so it is assignable to Record<string, unknown> (status documents embed it).
export type PushStreamStatus = {
  state: PushState;
  /** True before `start()` and after `stop()`. */
  stopped: boolean;
  server: string;
  pushUrl: string;
  clientId: string;
  source: EventSource;
  lastError: StreamError | null;
  nextRetryAt: number | null;
  /** Connection attempts made, and how many of them opened. */
  attempts: number;
  connects: number;
  connectedAt: number | null;
  lastFrameAt: number | null;
  lastEventAt: number | null;
  lag: LagRecord;
  malformed: Record<MalformedKind, number>;
  /**
   * Connections dropped because one SSE event grew past its cap without ending (`lastError.code` `oversize`).
   * Unlike `malformed.oversize` (a frame over the limit that ended: skipped, the stream stays up).
   */
  oversizeDrops: number;
  /** Every SSE message received (heartbeats and malformed ones included). */
  frames: number;
  /** Event frames received, and what the inbox made of them. */
  events: number;
  stored: number;
  duplicates: number;
  /** Event frames received but not yet durable. */
  queued: number;
  /**
   * The `Last-Event-ID` of the next connect: the inbox's durable resume point for this source, or, before
   * anything is durable, the server's position at this process's first connect.
   */
  cursor: number | null;
  /** The server's position from the last `subscription.open` or heartbeat. */
  serverCursor: number | null;
  /** Active subscriptions as the last `subscription.open` listed them. */
  subscriptions: SubscriptionRow[];
};

export type { Clock } from '../util/clock.js';
