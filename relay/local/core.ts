// What the local server needs from the running relay. The daemon and the tray app both provide it.
import type { Inbox } from '../inbox/types.js';
import type { NotificationStatus } from '../notify/service.js';
import type { Category, ListTopicsOutputSchema, SubscribeInput } from '../protocol/tools.js';
import type { PushStreamStatus } from '../upstream/push-stream.js';
import type { SubscriptionRow } from '../protocol/frames.js';
import type { RelayStatus as WireRelayStatus } from '../protocol/local-api.js';
import type { SessionRegistry } from '../sessions/registry.js';
import type { z } from 'zod';

/**
 * `/v1/status` as the relay produces it: the contract (relay/protocol/local-api.ts) with the upstream and
 * notification snapshots in full. `extends` keeps the two in step: a field the contract names must be here.
 */
export interface RelayStatus extends WireRelayStatus {
  upstream: PushStreamStatus;
  consumers: { name: string; topic: string | undefined; cursor: number; pending: number }[];
  /** OS notifications (relay/notify): absent when the host runs without them. */
  notifications?: NotificationStatus;
}

/** The control plane as the relay relays it: the relay supplies the client_id. */
export interface ControlPlane {
  subscribe(input: Omit<SubscribeInput, 'client_id'>): Promise<SubscriptionRow>;
  unsubscribe(subscriptionId: string): Promise<Record<string, unknown>>;
  listSubscriptions(includeDeleted?: boolean): Promise<SubscriptionRow[]>;
  listTopics(category?: Category): Promise<z.infer<typeof ListTopicsOutputSchema>>;
}

export interface RelayCore {
  readonly inbox: Inbox;
  readonly control: ControlPlane;
  /** The live Claude Code sessions (relay/sessions/); a host without one gets a shared-mode registry. */
  readonly sessions?: SessionRegistry;
  /** How long a hand-over without ack holds its events (consumer-ops.ts DEFAULT_LEASE_MS unless the daemon says). */
  readonly claimLeaseMs?: number;
  status(): RelayStatus;
  /** Calls `listener` whenever the status changes (upstream state, lag, …). Returns an unsubscribe. */
  onStatus(listener: (status: RelayStatus) => void): () => void;
}
