// Hands one upstream's events to the inbox: a bounded queue (drop-oldest, counted), serial appends in arrival
// order with whatever arrived meanwhile in the same append (group commit, as relay/upstream/push-stream.ts does),
// and the event ids.
//
// Event ids: a standard MCP notification carries no id, so the relay numbers each upstream's events itself:
// increasing per source, continuing from the source's durable cursor (Inbox.resumeCursor,
// relay/inbox/source-log.ts "cursor"), so ids never repeat across restarts and the inbox's identity (server,
// tenant, event_id) stays exact. This writer is the only one for its source. For standard notifications it
// cannot give the Pact stream's no-loss guarantee: nothing can be fetched again, so what a full queue or a
// refusing disk loses is lost, and said so (`mcp.upstream.dropped`, the `write_failures` counter).
//
// The Events extension draft (SEP-3415) has its own writer (tenant `events`): its events carry the server's id
// and cursor, and `onStored` tells relay/upstream/mcp/event-subscriptions.ts when each is durable (or was not
// stored), which moves the cursor or resumes from it, so there nothing is lost even when this queue is full.
import type { Inbox, IncomingEvent } from '../../inbox/types.js';
import type { McpUpstreamStatus } from '../../protocol/local-api.js';
import { describeError } from '../errors.js';
import { BoundedQueue } from './bounded-queue.js';
import type { ResourceContent } from './resource-content.js';
import { droppedEvent, mcpSource, MCP_TOPIC, toPushEvent, type PendingMcpEvent } from './topics.js';

export const DEFAULT_QUEUE_CAPACITY = 1000;
/** How many of the newest `mcp.*` events are searched for this source's last one (once per upstream start). */
const LAST_STORED_SCAN = 10_000;
/** Events per append: one write stays small even when a flood keeps the queue full. */
const MAX_BATCH = 500;
/**
 * At most one `mcp.upstream.dropped` event per this interval while a flood goes on (its count covers everything
 * dropped since the last one); the queue running empty reports at once. A flood must not become a flood of
 * dropped events in agents' inboxes and popups.
 */
export const DROPPED_REPORT_INTERVAL_MS = 5_000;

export interface InboxWriterOptions {
  upstream: string;
  /** The inbox source's tenant (default `local`); the Events extension's events are a source of their own. */
  tenant?: string;
  inbox: Pick<Inbox, 'append' | 'resumeCursor' | 'recent'>;
  capacity?: number;
  /** Fetches a resource's content for `mcp.resource.updated` (readContent on); undefined = never. */
  readContent?: (uri: string) => Promise<ResourceContent | undefined>;
  now?: () => Date;
  log?: (line: string) => void;
}

/** The writer's part of an upstream's status (the local API contract). */
export type InboxWriterStats = Pick<McpUpstreamStatus, 'queued' | 'queue_capacity' | 'stored' | 'duplicates' | 'dropped' | 'write_failures'>;

export class McpInboxWriter {
  readonly #o: InboxWriterOptions;
  readonly #queue: BoundedQueue<PendingMcpEvent>;
  readonly #source;
  #draining: Promise<void> | undefined;
  #closed = false;
  #stored = 0;
  #duplicates = 0;
  #dropped = 0;
  #writeFailures = 0;
  /** Dropped from the queue but fetched again by their sender (events with `onStored`), not yet subtracted. */
  #refetched = 0;
  /** Dropped and not yet reported in an event. */
  #unreported = 0;
  #lastReportAt = Number.NEGATIVE_INFINITY;
  readonly #listeners = new Set<() => void>();

  constructor(options: InboxWriterOptions) {
    this.#o = options;
    this.#queue = new BoundedQueue(options.capacity ?? DEFAULT_QUEUE_CAPACITY);
    this.#source = mcpSource(options.upstream, options.tenant);
  }

  /** Queues an event; synchronous and O(1), so a flood costs the notification handler nothing more. */
  push(event: PendingMcpEvent): void {
    if (this.#closed) {
      event.onStored?.(false);
      return;
    }
    const dropped = this.#queue.push(event);
    if (dropped?.onStored) {
      // Its sender fetches it again (the Events extension resumes from its cursor): deferred, not lost.
      this.#refetched++;
      dropped.onStored(false);
    }
    this.#draining ??= this.#drain().finally(() => {
      this.#draining = undefined;
    });
  }

  stats(): InboxWriterStats {
    return {
      queued: this.#queue.size,
      queue_capacity: this.#queue.capacity,
      stored: this.#stored,
      duplicates: this.#duplicates,
      dropped: this.#dropped,
      write_failures: this.#writeFailures,
    };
  }

  /**
   * Whether this source has stored events before (its durable cursor exists), and when the newest one still
   * kept was stored (null when retention let it go, or when more than the newest 10,000 MCP events are other
   * upstreams'; the inbox has no per-source lookup, and this runs once per start).
   */
  history(): { lastStoredAt: string | null } | undefined {
    if (this.#o.inbox.resumeCursor(this.#source) === undefined) return undefined;
    const last = this.#o.inbox.recent(LAST_STORED_SCAN, { topic: 'mcp.*' }).find((e) => e.server === this.#source.server && e.tenant === this.#source.tenant);
    return { lastStoredAt: last?.received_at ?? null };
  }

  /**
   * The Events extension's ids of this source's newest stored events (`payload.event_id`), for dedupe after a
   * resume (relay/upstream/mcp/event-cursors.ts): searched among the newest 10,000 `mcp.event.*` events.
   */
  storedEventIds(): string[] {
    const ids: string[] = [];
    for (const e of this.#o.inbox.recent(LAST_STORED_SCAN, { topic: 'mcp.event.*' })) {
      if (e.server === this.#source.server && e.tenant === this.#source.tenant && typeof e.payload.event_id === 'string') ids.push(e.payload.event_id);
    }
    return ids.reverse();
  }

  /** Called after each append (stats changed). Returns an unsubscribe. */
  onWrite(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves once everything queued so far is written (or failed). */
  async idle(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  /** Stops taking events; what is queued is still written. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.idle();
  }

  async #drain(): Promise<void> {
    while (this.#queue.size > 0) {
      const dropped = this.#queue.takeDropped();
      const refetched = Math.min(dropped, this.#refetched);
      this.#refetched -= refetched;
      // Only what nobody can fetch again is a loss to count and report (`mcp.upstream.dropped`).
      this.#dropped += dropped - refetched;
      this.#unreported += dropped - refetched;
      const batch = this.#queue.take(MAX_BATCH);
      const now = (this.#o.now ?? (() => new Date()))();
      if (this.#unreported > 0 && (this.#queue.size === 0 || now.getTime() - this.#lastReportAt >= DROPPED_REPORT_INTERVAL_MS)) {
        // First in the batch: the oldest were dropped, so the gap lies before what follows.
        batch.unshift(droppedEvent(this.#o.upstream, this.#unreported, this.#queue.capacity, now));
        this.#unreported = 0;
        this.#lastReportAt = now.getTime();
      }
      await this.#attachContent(batch);
      let next = (this.#o.inbox.resumeCursor(this.#source) ?? 0) + 1;
      const incoming: IncomingEvent[] = batch.map((e) => ({ source: { ...this.#source }, event: toPushEvent(e, next++), subscription_id: this.#source.server }));
      let stored = false;
      try {
        const result = await this.#o.inbox.append(incoming);
        this.#stored += result.appended.length;
        this.#duplicates += result.duplicates;
        stored = true;
      } catch (err) {
        this.#writeFailures += incoming.length;
        this.#o.log?.(`upstream ${this.#o.upstream}: ${incoming.length} event(s) could not be stored${batch.some((e) => e.onStored) ? '' : ' and are lost'}: ${describeError(err)}`);
      }
      for (const e of batch) e.onStored?.(stored);
      for (const l of this.#listeners) l();
    }
  }

  /** Content for the batch's resource updates, read once per URI per batch (a flood of one URI reads it once). */
  async #attachContent(batch: PendingMcpEvent[]): Promise<void> {
    const read = this.#o.readContent;
    if (!read) return;
    const byUri = new Map<string, Promise<ResourceContent | undefined>>();
    for (const e of batch) {
      if (e.topic !== MCP_TOPIC.resourceUpdated || e.uri === undefined) continue;
      let p = byUri.get(e.uri);
      if (!p) {
        p = read(e.uri).catch((err: unknown) => {
          this.#o.log?.(`upstream ${this.#o.upstream}: resources/read failed: ${describeError(err)}`);
          return undefined;
        });
        byUri.set(e.uri, p);
      }
      const content = await p;
      if (content) e.payload.content = content;
    }
  }
}
