// State of the reference push server: per-tenant event logs, subscriptions, consent and delivery counters.
// Tenant isolation is structural (seed 000, "Guarantees"): every map is keyed by tenant first, and nothing
// here takes a tenant from anything but the caller, which resolves it from the bearer token.
import { randomUUID } from 'node:crypto';
import type { PushEvent, SubscriptionRow } from '../protocol/frames.js';
import { canonicalFilterKey, compileFilter, type CompiledFilter } from '../protocol/filter.js';
import { topicMatchesAny } from '../protocol/topic-glob.js';
import { PUSH_ENDPOINT, PUSH_ENDPOINT_HINT, type SubscribeInput } from '../protocol/tools.js';
import { categoryOf } from './catalog.js';
import { checkDeliverable } from './deliverable.js';
import { Journal } from './journal.js';
import type { GrantEntry, GrantJournal } from './oauth/grants.js';
import type { EmitInput } from './schemas.js';

/** An event in the log; `subject` (the data subject for the consent gate) is never pushed to clients. */
export interface LoggedEvent extends PushEvent {
  subject: string | null;
}

export interface SubscriptionRecord {
  subscription_id: string;
  client_id: string;
  topic_patterns: string[];
  filter: Record<string, unknown> | null;
  client_label: string | null;
  consent_purpose: string | null;
  created_at: string;
  deleted_at: string | null;
  events_delivered: number;
  last_delivered_at: string | null;
}

export type ConsentStatus = 'withdrawn' | 'suppressed' | 'granted';

interface Subscription {
  record: SubscriptionRecord;
  intentKey: string;
  filter: CompiledFilter;
}

class TenantState {
  readonly events: LoggedEvent[] = [];
  /** Highest event id that is durable; readers never see past it. */
  durableHead = 0;
  readonly subscriptions = new Map<string, Subscription>();
  /** consent key (`subject` or `subject\u0000purpose`) → status */
  readonly consent = new Map<string, ConsentStatus>();
  consentFiltered = 0;
  deliveries = 0;
}

type JournalRecord =
  | { k: 'event'; tenant: string; event: LoggedEvent }
  | { k: 'sub'; tenant: string; record: SubscriptionRecord }
  | { k: 'consent'; tenant: string; subject: string; purpose: string | null; status: ConsentStatus }
  | { k: 'delivery'; tenant: string; subscription_id: string; event_id: number; at: string }
  /** The authorization server's clients and refresh grants (oauth/grants.ts: hashed tokens only). */
  | { k: 'oauth'; entry: GrantEntry };

export class UnknownTopicError extends Error {
  readonly code = 'unknown_topic';
}

export interface StoreOptions {
  dataDir?: string;
  now?: () => Date;
}

export class ReferenceStore {
  readonly #tenants = new Map<string, TenantState>();
  readonly #journal: Journal<JournalRecord> | undefined;
  readonly #now: () => Date;
  readonly #listeners = new Set<(tenant: string, event: LoggedEvent) => void>();
  /** Journal lines skipped on open (torn tail or damage), for the admin summary. */
  readonly skippedOnOpen: number;
  readonly #oauthEntries: GrantEntry[] = [];

  constructor(options: StoreOptions = {}) {
    this.#now = options.now ?? (() => new Date());
    if (!options.dataDir) {
      this.skippedOnOpen = 0;
      return;
    }
    const { journal, records, skipped } = Journal.open<JournalRecord>(options.dataDir, 'journal.jsonl');
    this.#journal = journal;
    this.skippedOnOpen = skipped;
    for (const r of records) this.#replay(r);
  }

  #tenant(tenant: string): TenantState {
    let state = this.#tenants.get(tenant);
    if (!state) {
      state = new TenantState();
      this.#tenants.set(tenant, state);
    }
    return state;
  }

  /** Where the authorization server keeps its grants across restarts; undefined without a data dir. */
  get oauthJournal(): GrantJournal | undefined {
    const journal = this.#journal;
    if (!journal) return undefined;
    return {
      entries: this.#oauthEntries,
      write: (entry) => {
        // A rotated refresh token must be durable before the new one is handed out: sync write, fsync behind.
        journal.write({ k: 'oauth', entry });
        void journal.sync().catch(() => undefined);
      },
    };
  }

  #replay(r: JournalRecord): void {
    if (r.k === 'oauth') {
      this.#oauthEntries.push(r.entry);
      return;
    }
    const state = this.#tenant(r.tenant);
    switch (r.k) {
      case 'event':
        // Ids are dense per tenant; a duplicate or gap would mean a damaged journal, so keep order strict.
        if (r.event.event_id !== state.events.length + 1) return;
        state.events.push(r.event);
        state.durableHead = r.event.event_id;
        break;
      case 'sub': {
        const existing = state.subscriptions.get(r.record.subscription_id);
        const record = { ...r.record };
        if (existing) {
          record.events_delivered = existing.record.events_delivered;
          record.last_delivered_at = existing.record.last_delivered_at;
        }
        state.subscriptions.set(record.subscription_id, toSubscription(record));
        break;
      }
      case 'consent':
        setConsent(state, r.subject, r.purpose, r.status);
        break;
      case 'delivery': {
        const sub = state.subscriptions.get(r.subscription_id);
        if (sub) {
          sub.record.events_delivered++;
          sub.record.last_delivered_at = r.at;
        }
        state.deliveries++;
        break;
      }
    }
  }

  // ---- events ----

  /**
   * Appends an event; resolves once it is durable, then tells listeners (the push dispatcher). Throws
   * `UnknownTopicError`, or `UndeliverableEventError` for an event whose frame relays would refuse.
   */
  async emit(tenant: string, input: EmitInput): Promise<LoggedEvent> {
    const category = categoryOf(input.topic);
    if (!category) {
      throw new UnknownTopicError(
        `unknown topic "${input.topic}": use a catalog topic (list_topics) or a custom.<name> topic`,
      );
    }
    const state = this.#tenant(tenant);
    const event: LoggedEvent = {
      event_id: state.events.length + 1,
      topic: input.topic,
      category,
      aggregate_type: input.aggregate_type ?? null,
      aggregate_id: input.aggregate_id ?? null,
      actor_id: input.actor_id ?? null,
      correlation_id: input.correlation_id ?? null,
      occurred_at: this.#now().toISOString(),
      payload: input.payload,
      subject: input.subject ?? null,
    };
    checkDeliverable(event);
    state.events.push(event);
    if (this.#journal) {
      try {
        this.#journal.write({ k: 'event', tenant, event });
      } catch (err) {
        // Not written: take it back so no reader sees an id that a restart would reuse. The write is
        // synchronous right after the push, so this event is still the last one.
        state.events.pop();
        throw err;
      }
      // If fsync fails the caller gets an error, but the bytes were written: the event stays and goes
      // out with the next publish (at-least-once from the emitter's point of view).
      await this.#journal.sync();
    }
    // Publish strictly in id order, and only what this sync covered: events written after it started
    // are published by their own emit once their sync is done.
    while (state.durableHead < event.event_id) {
      const next = state.events[state.durableHead]!;
      state.durableHead = next.event_id;
      if (this.isBlockedByConsent(tenant, next, null)) state.consentFiltered++;
      for (const l of this.#listeners) l(tenant, next);
    }
    return event;
  }

  onEvent(listener: (tenant: string, event: LoggedEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  head(tenant: string): number {
    return this.#tenants.get(tenant)?.durableHead ?? 0;
  }

  /** Durable events with id > cursor, at most `limit`. Ids are dense, so this is a slice. */
  eventsAfter(tenant: string, cursor: number, limit: number): LoggedEvent[] {
    const state = this.#tenants.get(tenant);
    if (!state) return [];
    const from = Math.max(0, cursor);
    return state.events.slice(from, Math.min(state.durableHead, from + limit));
  }

  // ---- subscriptions ----

  /** Idempotent (seed 000): the same client_id + topics + filter returns (and reactivates) the same row. */
  subscribe(tenant: string, input: SubscribeInput): { row: SubscriptionRow; created: boolean } {
    const filter = compileFilter(input.filter); // throws FilterError naming the bad key
    const topics = [...new Set(input.topic)].sort();
    const intentKey = intentKeyOf(input.client_id, topics, input.filter ?? null);
    const state = this.#tenant(tenant);
    for (const sub of state.subscriptions.values()) {
      if (sub.intentKey !== intentKey) continue;
      const changed =
        sub.record.deleted_at !== null ||
        (input.client_label !== undefined && input.client_label !== sub.record.client_label) ||
        (input.consent_purpose !== undefined && input.consent_purpose !== sub.record.consent_purpose);
      if (changed) {
        sub.record.deleted_at = null;
        if (input.client_label !== undefined) sub.record.client_label = input.client_label;
        if (input.consent_purpose !== undefined) sub.record.consent_purpose = input.consent_purpose;
        this.#persistSub(tenant, sub.record);
      }
      return { row: toRow(sub.record), created: false };
    }
    const record: SubscriptionRecord = {
      subscription_id: randomUUID(),
      client_id: input.client_id,
      topic_patterns: topics,
      filter: input.filter ?? null,
      client_label: input.client_label ?? null,
      consent_purpose: input.consent_purpose ?? null,
      created_at: this.#now().toISOString(),
      deleted_at: null,
      events_delivered: 0,
      last_delivered_at: null,
    };
    state.subscriptions.set(record.subscription_id, { record, intentKey, filter });
    this.#persistSub(tenant, record);
    return { row: toRow(record), created: true };
  }

  /** Soft delete (seed 000): the row and its counters stay; no further pushes. */
  unsubscribe(tenant: string, subscriptionId: string): { found: boolean; alreadyDeleted: boolean } {
    const sub = this.#tenants.get(tenant)?.subscriptions.get(subscriptionId);
    if (!sub) return { found: false, alreadyDeleted: false };
    if (sub.record.deleted_at !== null) return { found: true, alreadyDeleted: true };
    sub.record.deleted_at = this.#now().toISOString();
    this.#persistSub(tenant, sub.record);
    return { found: true, alreadyDeleted: false };
  }

  listSubscriptions(tenant: string, clientId: string, includeDeleted = false): SubscriptionRow[] {
    return this.#subs(tenant)
      .filter((s) => s.record.client_id === clientId && (includeDeleted || s.record.deleted_at === null))
      .map((s) => toRow(s.record));
  }

  /** Active subscriptions of a client, with compiled filters, for the dispatcher. */
  activeSubscriptions(tenant: string, clientId: string): readonly Subscription[] {
    return this.#subs(tenant).filter((s) => s.record.client_id === clientId && s.record.deleted_at === null);
  }

  allSubscriptions(tenant?: string): { tenant: string; row: SubscriptionRow }[] {
    const out: { tenant: string; row: SubscriptionRow }[] = [];
    for (const [name, state] of this.#tenants) {
      if (tenant !== undefined && name !== tenant) continue;
      for (const s of state.subscriptions.values()) out.push({ tenant: name, row: toRow(s.record) });
    }
    return out;
  }

  #subs(tenant: string): Subscription[] {
    const state = this.#tenants.get(tenant);
    return state ? [...state.subscriptions.values()] : [];
  }

  #persistSub(tenant: string, record: SubscriptionRecord): void {
    // Subscriptions change rarely; a sync write is enough for SIGKILL, and fsync follows in the background.
    this.#journal?.write({ k: 'sub', tenant, record });
    void this.#journal?.sync().catch(() => undefined);
  }

  /** Does this subscription want this event (topic glob + filter)? Consent is checked separately. */
  static matches(sub: Subscription, event: PushEvent): boolean {
    return topicMatchesAny(sub.record.topic_patterns, event.topic) && sub.filter.matches(event);
  }

  // ---- consent ----

  setConsent(tenant: string, subject: string, status: ConsentStatus, purpose: string | null = null): void {
    setConsent(this.#tenant(tenant), subject, purpose, status);
    this.#journal?.write({ k: 'consent', tenant, subject, purpose, status });
    void this.#journal?.sync().catch(() => undefined);
  }

  /** Seed 000: "A withdrawn or suppressed data subject is never pushed, no matter who subscribed." */
  isBlockedByConsent(tenant: string, event: LoggedEvent, consentPurpose: string | null): boolean {
    if (event.subject === null) return false;
    const state = this.#tenants.get(tenant);
    if (!state) return false;
    const any = state.consent.get(event.subject);
    if (any === 'withdrawn' || any === 'suppressed') return true;
    if (consentPurpose === null) return false;
    const scoped = state.consent.get(`${event.subject}\u0000${consentPurpose}`);
    return scoped === 'withdrawn' || scoped === 'suppressed';
  }

  // ---- audit ----

  /** One audit row per delivery (seed 000: "Every delivery writes a row"), feeding the rolling counters. */
  recordDelivery(tenant: string, subscriptionId: string, eventId: number): void {
    const state = this.#tenants.get(tenant);
    const sub = state?.subscriptions.get(subscriptionId);
    if (!state || !sub) return;
    const at = this.#now().toISOString();
    sub.record.events_delivered++;
    sub.record.last_delivered_at = at;
    state.deliveries++;
    this.#journal?.write({ k: 'delivery', tenant, subscription_id: subscriptionId, event_id: eventId, at });
  }

  tenantCounters(): { tenant: string; events: number; deliveries: number; consent_filtered: number }[] {
    return [...this.#tenants].map(([tenant, s]) => ({
      tenant,
      events: s.durableHead,
      deliveries: s.deliveries,
      consent_filtered: s.consentFiltered,
    }));
  }

  async close(): Promise<void> {
    await this.#journal?.close();
  }
}

function setConsent(state: TenantState, subject: string, purpose: string | null, status: ConsentStatus): void {
  const key = purpose === null ? subject : `${subject}\u0000${purpose}`;
  if (status === 'granted') state.consent.delete(key);
  else state.consent.set(key, status);
}

function intentKeyOf(clientId: string, sortedTopics: string[], filter: Record<string, unknown> | null): string {
  return JSON.stringify([clientId, sortedTopics, canonicalFilterKey(filter ?? {})]);
}

function toSubscription(record: SubscriptionRecord): Subscription {
  return {
    record,
    intentKey: intentKeyOf(record.client_id, record.topic_patterns, record.filter),
    filter: compileFilter(record.filter),
  };
}

export type { Subscription };

function toRow(r: SubscriptionRecord): SubscriptionRow {
  return {
    ...r,
    filter: r.filter ?? {},
    push_endpoint: PUSH_ENDPOINT,
    push_endpoint_hint: PUSH_ENDPOINT_HINT,
  };
}
