// One behaviour suite for every Inbox implementation (STYLE.md "One contract suite, every implementation").
// Only the port (relay/inbox/types.ts) is used here; what only the file inbox does lives in
// test/unit/inbox/file-inbox.test.ts.
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CONSUMER, type EventSource, type IncomingEvent, type Inbox, type RetentionPolicy, type StoredEvent } from '../../relay/inbox/types.js';
import { tempDir, type TempDir } from '../helpers/tmp.js';

export interface ContractInboxOptions {
  retention?: Partial<RetentionPolicy>;
  clock?: () => number;
}

/** `make` builds a fresh inbox in `dir` (ignored by memory implementations) with the given options. */
export type MakeInbox = (dir: string, options?: ContractInboxOptions) => Promise<Inbox>;

export const SOURCE_A: EventSource = { server: 'http://127.0.0.1:47830', tenant: 'tenant-a' };
export const SOURCE_B: EventSource = { server: 'https://api.pact.place', tenant: 'tenant-b' };

/** An incoming event as the upstream hands it to the inbox. */
export function incoming(eventId: number, options: { topic?: string; subscription?: string; source?: EventSource } = {}): IncomingEvent {
  const topic = options.topic ?? 'deal.closed';
  return {
    source: options.source ?? SOURCE_A,
    subscription_id: options.subscription ?? 'sub-1',
    event: {
      event_id: eventId,
      topic,
      category: topic.split('.')[0] ?? 'custom',
      aggregate_type: 'deal',
      aggregate_id: `deal-${eventId}`,
      actor_id: null,
      correlation_id: null,
      occurred_at: new Date(Date.UTC(2025, 0, 1, 0, 0, eventId % 60)).toISOString(),
      payload: { amount: eventId * 100, name: `Deal ${eventId}` },
    },
  };
}

const seqs = (events: readonly StoredEvent[]) => events.map((e) => e.seq);
const ids = (events: readonly StoredEvent[]) => events.map((e) => e.event_id);

export function inboxContract(name: string, make: MakeInbox): void {
  describe(`Inbox contract: ${name}`, () => {
    const opened: Inbox[] = [];
    const dirs: TempDir[] = [];

    async function open(options?: ContractInboxOptions): Promise<Inbox> {
      const dir = await tempDir('inbox-contract-');
      dirs.push(dir);
      const inbox = await make(dir.path, options);
      opened.push(inbox);
      return inbox;
    }

    afterEach(async () => {
      vi.useRealTimers();
      vi.restoreAllMocks();
      for (const inbox of opened.splice(0)) await inbox.close();
      for (const dir of dirs.splice(0)) await dir.cleanup();
    });

    describe('append and read', () => {
      it('assigns increasing seqs and reads them back in seq order', async () => {
        const inbox = await open();
        expect(inbox.head()).toBe(0);
        const first = await inbox.append([incoming(10), incoming(11)]);
        const second = await inbox.append([incoming(12, { topic: 'ticket.opened' })]);
        expect(seqs(first.appended)).toEqual([1, 2]);
        expect(seqs(second.appended)).toEqual([3]);
        expect(first.duplicates).toBe(0);
        expect(inbox.head()).toBe(3);
        expect(ids(inbox.readSince(0))).toEqual([10, 11, 12]);
        expect(ids(inbox.readSince(1))).toEqual([11, 12]);
        expect(inbox.readSince(3)).toEqual([]);
        expect(ids(inbox.readSince(0, { limit: 2 }))).toEqual([10, 11]);
        expect(ids(inbox.readSince(0, { topic: 'ticket.*' }))).toEqual([12]);
      });

      it('stores the event with its source, subscriptions and receive time', async () => {
        const inbox = await open({ clock: () => Date.UTC(2025, 5, 1) });
        const { appended } = await inbox.append([incoming(7, { source: SOURCE_B, subscription: 'sub-x' })]);
        const stored = inbox.get(appended[0]?.seq ?? -1);
        expect(stored).toMatchObject({
          seq: 1,
          event_id: 7,
          topic: 'deal.closed',
          server: SOURCE_B.server,
          tenant: SOURCE_B.tenant,
          subscription_ids: ['sub-x'],
          received_at: '2025-06-01T00:00:00.000Z',
          payload: { amount: 700, name: 'Deal 7' },
        });
        expect(inbox.get(2)).toBeUndefined();
      });

      it('keeps the event’s fields as they came: optional ones only when present, unknown ones too, `__proto__` as data', async () => {
        const inbox = await open();
        const bare = incoming(1);
        const { aggregate_type: _t, aggregate_id: _i, actor_id: _a, correlation_id: _c, ...required } = bare.event;
        const extra = JSON.parse('{"future_field": {"x": 1}, "__proto__": {"polluted": true}, "seq": 999, "server": "spoofed", "subscription_id": "frame-sub"}') as object;
        const { appended } = await inbox.append([{ ...bare, event: Object.assign(Object.create(null) as object, required, extra) as IncomingEvent['event'] }]);
        const stored = inbox.get(appended[0]!.seq)!;
        expect(Object.keys(stored).sort()).toEqual(
          ['__proto__', 'category', 'event_id', 'future_field', 'occurred_at', 'payload', 'received_at', 'seq', 'server', 'subscription_ids', 'tenant', 'topic'].sort(),
        );
        expect(Object.getPrototypeOf(stored)).toBe(Object.prototype);
        expect((stored as unknown as Record<string, unknown>).polluted).toBeUndefined();
        expect(Object.getOwnPropertyDescriptor(stored, '__proto__')?.value).toEqual({ polluted: true });
        expect(stored).toMatchObject({ seq: 1, server: SOURCE_A.server, subscription_ids: ['sub-1'], future_field: { x: 1 } });
        const full = (await inbox.append([incoming(2)])).appended[0]!;
        expect(full).toMatchObject({ aggregate_type: 'deal', aggregate_id: 'deal-2', actor_id: null, correlation_id: null });
      });

      it('keeps call order for appends issued together', async () => {
        const inbox = await open();
        const results = await Promise.all([1, 2, 3, 4, 5].map((id) => inbox.append([incoming(id)])));
        expect(results.map((r) => r.appended[0]?.seq)).toEqual([1, 2, 3, 4, 5]);
        expect(ids(inbox.readSince(0))).toEqual([1, 2, 3, 4, 5]);
      });

      it('lists the newest first in recent(), optionally by topic', async () => {
        const inbox = await open();
        await inbox.append([incoming(1), incoming(2, { topic: 'ticket.opened' }), incoming(3), incoming(4)]);
        expect(ids(inbox.recent(2))).toEqual([4, 3]);
        expect(ids(inbox.recent(10, { topic: 'deal.*' }))).toEqual([4, 3, 1]);
      });
    });

    describe('dedupe', () => {
      it('stores an event once whatever arrives twice, and counts the duplicate', async () => {
        const inbox = await open();
        await inbox.append([incoming(5)]);
        const again = await inbox.append([incoming(5)]);
        expect(again).toEqual({ appended: [], duplicates: 1, outOfOrder: 0 });
        expect(inbox.readSince(0)).toHaveLength(1);
        expect(inbox.get(1)?.subscription_ids).toEqual(['sub-1']);
        expect(inbox.stats().duplicates).toBe(1);
      });

      it('adds the subscription of a second frame to the stored event', async () => {
        const inbox = await open();
        await inbox.append([incoming(5, { subscription: 'sub-1' })]);
        const merged = await inbox.append([incoming(5, { subscription: 'sub-2' })]);
        expect(merged.duplicates).toBe(1);
        expect(merged.appended).toEqual([]);
        expect(inbox.get(1)?.subscription_ids).toEqual(['sub-1', 'sub-2']);
      });

      it('merges two frames of one event within one append', async () => {
        const inbox = await open();
        const result = await inbox.append([incoming(8, { subscription: 'a' }), incoming(9), incoming(8, { subscription: 'b' })]);
        expect(ids(result.appended)).toEqual([8, 9]);
        expect(result.duplicates).toBe(1);
        expect(inbox.get(1)?.subscription_ids).toEqual(['a', 'b']);
      });

      it('merges frames of one event from appends issued together', async () => {
        const inbox = await open();
        const [first, second] = await Promise.all([inbox.append([incoming(8, { subscription: 'a' })]), inbox.append([incoming(8, { subscription: 'b' })])]);
        expect(first?.appended).toHaveLength(1);
        expect(second).toEqual({ appended: [], duplicates: 1, outOfOrder: 0 });
        expect(inbox.readSince(0)).toHaveLength(1);
        expect(inbox.get(1)?.subscription_ids).toEqual(['a', 'b']);
      });

      it('keys identity by server and tenant as well as event_id', async () => {
        const inbox = await open();
        const result = await inbox.append([
          incoming(1, { source: SOURCE_A }),
          incoming(1, { source: SOURCE_B }),
          incoming(1, { source: { server: SOURCE_A.server, tenant: 'other' } }),
        ]);
        expect(result.appended).toHaveLength(3);
        expect(result.duplicates).toBe(0);
      });
    });

    describe('out-of-order ids', () => {
      it('stores an id lower than the newest that was never stored, counts it as out of order, and keeps the cursor', async () => {
        const inbox = await open();
        await inbox.append([incoming(10)]);
        await inbox.append([incoming(11)]);
        const late = await inbox.append([incoming(5)]);
        expect(ids(late.appended)).toEqual([5]);
        expect(late).toMatchObject({ duplicates: 0, outOfOrder: 1 });
        expect(late.appended[0]?.seq).toBe(3);
        expect(ids(inbox.readSince(0))).toEqual([10, 11, 5]);
        expect(ids(inbox.pending(DEFAULT_CONSUMER))).toEqual([10, 11, 5]);
        expect(inbox.resumeCursor(SOURCE_A)).toBe(11);
        expect(inbox.stats()).toMatchObject({ events: 3, duplicates: 0, outOfOrder: 1 });
      });

      it('still counts the same id again as a duplicate, not as out of order', async () => {
        const inbox = await open();
        await inbox.append([incoming(10), incoming(11), incoming(5)]);
        const again = await inbox.append([incoming(5), incoming(11)]);
        expect(again).toEqual({ appended: [], duplicates: 2, outOfOrder: 0 });
        expect(inbox.stats()).toMatchObject({ events: 3, duplicates: 2, outOfOrder: 1 });
      });

      it('orders within one append too, per source', async () => {
        const inbox = await open();
        const result = await inbox.append([incoming(10), incoming(11), incoming(3, { source: SOURCE_B }), incoming(5), incoming(5), incoming(7)]);
        expect(ids(result.appended)).toEqual([10, 11, 3, 5, 7]);
        expect(result).toMatchObject({ duplicates: 1, outOfOrder: 2 });
        expect(inbox.resumeCursor(SOURCE_A)).toBe(11);
        expect(inbox.resumeCursor(SOURCE_B)).toBe(3);
      });

      it('refuses an id at or below what retention dropped, and stores a late one above it', async () => {
        const inbox = await open({ retention: { maxEvents: 2, maxAgeMs: 365 * 24 * 3600_000 } });
        await inbox.append([incoming(10), incoming(20), incoming(30), incoming(40)]);
        expect(ids(inbox.readSince(0))).toEqual([30, 40]);
        const result = await inbox.append([incoming(15), incoming(20), incoming(25)]);
        expect(ids(result.appended)).toEqual([25]);
        expect(result).toMatchObject({ duplicates: 2, outOfOrder: 1 });
      });
    });

    describe('resume cursor', () => {
      it('is the highest stored event_id per source', async () => {
        const inbox = await open();
        expect(inbox.resumeCursor(SOURCE_A)).toBeUndefined();
        await inbox.append([incoming(3, { source: SOURCE_A }), incoming(40, { source: SOURCE_B }), incoming(7, { source: SOURCE_A })]);
        await inbox.append([incoming(5, { source: SOURCE_A })]);
        expect(inbox.resumeCursor(SOURCE_A)).toBe(7);
        expect(inbox.resumeCursor(SOURCE_B)).toBe(40);
        expect(inbox.resumeCursor({ server: SOURCE_A.server, tenant: 'nobody' })).toBeUndefined();
      });

      it('can be raised without an event (a first connect), never lowered; an id below it is new, not a duplicate', async () => {
        const inbox = await open();
        await inbox.raiseResumeCursor(SOURCE_A, 10);
        expect(inbox.resumeCursor(SOURCE_A)).toBe(10);
        await inbox.raiseResumeCursor(SOURCE_A, 4);
        expect(inbox.resumeCursor(SOURCE_A)).toBe(10);
        expect(inbox.resumeCursor(SOURCE_B)).toBeUndefined();
        const result = await inbox.append([incoming(9, { source: SOURCE_A }), incoming(11, { source: SOURCE_A })]);
        expect(result).toMatchObject({ duplicates: 0, outOfOrder: 1 });
        expect(result.appended.map((e) => e.event_id)).toEqual([9, 11]);
        expect(inbox.resumeCursor(SOURCE_A)).toBe(11);
      });
    });

    describe('per-event acks', () => {
      it('a topic-filtered ack leaves older events of other topics pending, and the floor catches up later', async () => {
        const inbox = await open();
        await inbox.append([incoming(1, { topic: 'ticket.created' }), incoming(2, { topic: 'deal.won' }), incoming(3, { topic: 'deal.lost' })]);
        const deals = inbox.pending(DEFAULT_CONSUMER, { topic: 'deal.*' });
        expect(deals.map((e) => e.event_id)).toEqual([2, 3]);
        let state = await inbox.ackEvents(DEFAULT_CONSUMER, deals.map((e) => e.seq));
        expect(state).toMatchObject({ cursor: 0, pending: 1 });
        expect(inbox.pending(DEFAULT_CONSUMER).map((e) => e.topic)).toEqual(['ticket.created']);
        expect(inbox.pending(DEFAULT_CONSUMER, { topic: 'deal.*' })).toEqual([]);
        state = await inbox.ackEvents(DEFAULT_CONSUMER, [inbox.pending(DEFAULT_CONSUMER)[0]!.seq]);
        expect(state).toMatchObject({ cursor: 3, pending: 0 });
      });

      it('ignores seqs at or below the floor and beyond the head; a cumulative ack clears single acks below it', async () => {
        const inbox = await open();
        await inbox.append([incoming(1), incoming(2), incoming(3)]);
        await inbox.ackEvents(DEFAULT_CONSUMER, [3, 99]);
        expect(inbox.pending(DEFAULT_CONSUMER).map((e) => e.seq)).toEqual([1, 2]);
        const state = await inbox.ack(DEFAULT_CONSUMER, 2);
        expect(state).toMatchObject({ cursor: 3, pending: 0 }); // 3 was acked already, so the floor rises over it
      });

      it('a waiter is not woken by an event already acked', async () => {
        const inbox = await open();
        await inbox.append([incoming(1, { topic: 'ticket.created' }), incoming(2, { topic: 'deal.won' })]);
        await inbox.ackEvents(DEFAULT_CONSUMER, [2]);
        const waiting = inbox.waitForPending(DEFAULT_CONSUMER, { topic: 'deal.*', timeoutMs: 60_000 });
        await inbox.append([incoming(3, { topic: 'deal.lost' })]);
        expect((await waiting).map((e) => e.event_id)).toEqual([3]);
      });
    });

    describe('claims', () => {
      it('hands each event to one taker: a second claim on the consumer gets the next events, a view still sees all', async () => {
        const inbox = await open();
        await inbox.append([incoming(1), incoming(2), incoming(3)]);
        expect(ids(inbox.claim(DEFAULT_CONSUMER, { limit: 2, leaseMs: 60_000 }))).toEqual([1, 2]);
        expect(ids(inbox.claim(DEFAULT_CONSUMER, { leaseMs: 60_000 }))).toEqual([3]);
        expect(inbox.claim(DEFAULT_CONSUMER, { leaseMs: 60_000 })).toEqual([]);
        expect(ids(inbox.pending(DEFAULT_CONSUMER))).toEqual([1, 2, 3]);
        expect(inbox.unclaimedCount(DEFAULT_CONSUMER)).toBe(0);
        expect(inbox.stats().claimed).toBe(3);
        // Claims are per consumer: another consumer's takers are not affected.
        await inbox.consumer('other', { startAt: 'earliest' });
        expect(ids(inbox.claim('other', { leaseMs: 60_000 }))).toEqual([1, 2, 3]);
      });

      it('an ack ends the claim for good; a release hands the events back at once', async () => {
        const inbox = await open();
        await inbox.append([incoming(1), incoming(2), incoming(3)]);
        const taken = inbox.claim(DEFAULT_CONSUMER, { limit: 2, leaseMs: 60_000 });
        await inbox.ackEvents(DEFAULT_CONSUMER, [taken[0]!.seq]);
        inbox.release(DEFAULT_CONSUMER, [taken[1]!.seq]);
        expect(inbox.stats().claimed).toBe(0);
        expect(ids(inbox.claim(DEFAULT_CONSUMER, { leaseMs: 60_000 }))).toEqual([2, 3]);
        await inbox.ack(DEFAULT_CONSUMER, 3);
        expect(inbox.stats().claimed).toBe(0);
        expect(inbox.claim(DEFAULT_CONSUMER, { leaseMs: 60_000 })).toEqual([]);
      });

      it('a claim not acked within its lease goes to the next taker, waking a parked one (fake timers)', async () => {
        const inbox = await open();
        vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
        await inbox.append([incoming(1)]);
        expect(ids(inbox.claim(DEFAULT_CONSUMER, { leaseMs: 1_000 }))).toEqual([1]); // this taker then dies
        let got: StoredEvent[] | undefined;
        void inbox.waitForPending(DEFAULT_CONSUMER, { timeoutMs: 60_000, leaseMs: 1_000 }).then((events) => (got = events));
        await vi.advanceTimersByTimeAsync(999);
        expect(got).toBeUndefined();
        await vi.advanceTimersByTimeAsync(1);
        expect(ids(got!)).toEqual([1]);
        expect(inbox.stats().claimed).toBe(1); // now held by the waiter that took it
      });

      it('claiming waiters on one consumer take different events or keep waiting', async () => {
        const inbox = await open();
        await inbox.consumer('crowd');
        const results: StoredEvent[][] = [];
        const waits = Array.from({ length: 5 }, () => inbox.waitForPending('crowd', { timeoutMs: 60_000, limit: 1, leaseMs: 60_000 }).then((e) => results.push(e)));
        await inbox.append([incoming(1), incoming(2), incoming(3)]);
        await vi.waitFor(() => expect(results).toHaveLength(3));
        expect(results.map(ids).sort()).toEqual([[1], [2], [3]]);
        expect(inbox.stats().waiters).toBe(2);
        await inbox.append([incoming(4), incoming(5)]);
        await Promise.all(waits);
        expect(results.flatMap(ids).sort()).toEqual([1, 2, 3, 4, 5]);
      });

      it('a view (waitForPending without a lease) neither claims nor skips claimed events', async () => {
        const inbox = await open();
        await inbox.append([incoming(1)]);
        inbox.claim(DEFAULT_CONSUMER, { leaseMs: 60_000 });
        expect(ids(await inbox.waitForPending(DEFAULT_CONSUMER, { timeoutMs: 60_000 }))).toEqual([1]);
        expect(inbox.stats().claimed).toBe(1);
      });

      it('close ends every claim and its timer', async () => {
        const inbox = await open();
        await inbox.append([incoming(1)]);
        vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
        inbox.claim(DEFAULT_CONSUMER, { leaseMs: 60_000 });
        expect(vi.getTimerCount()).toBeGreaterThan(0);
        await inbox.close();
        expect(vi.getTimerCount()).toBe(0);
      });
    });

    describe('consumers', () => {
      it('has the default consumer from the first start, at seq 0, seeing everything', async () => {
        const inbox = await open();
        expect(inbox.listConsumers()).toEqual([{ name: DEFAULT_CONSUMER, topic: undefined, cursor: 0, pending: 0 }]);
        await inbox.append([incoming(1), incoming(2)]);
        expect(ids(inbox.pending(DEFAULT_CONSUMER))).toEqual([1, 2]);
        expect(await inbox.consumer(DEFAULT_CONSUMER)).toEqual({ name: DEFAULT_CONSUMER, topic: undefined, cursor: 0, pending: 2 });
      });

      it('starts any other consumer at the head', async () => {
        const inbox = await open();
        await inbox.append([incoming(1), incoming(2)]);
        expect(await inbox.consumer('agent')).toEqual({ name: 'agent', topic: undefined, cursor: 2, pending: 0 });
        await inbox.append([incoming(3)]);
        expect(ids(inbox.pending('agent'))).toEqual([3]);
      });

      it('creates a consumer first used by pending() at the head too', async () => {
        const inbox = await open();
        await inbox.append([incoming(1)]);
        expect(inbox.pending('fresh')).toEqual([]);
        await inbox.append([incoming(2)]);
        expect(ids(inbox.pending('fresh'))).toEqual([2]);
        expect(inbox.listConsumers().map((c) => c.name)).toContain('fresh');
      });

      it('forgets a per-session consumer unused for sessionConsumerIdleMs, never a named one, never one with a waiter', async () => {
        let now = Date.UTC(2025, 0, 1);
        const DAY = 86_400_000;
        const inbox = await open({ clock: () => now, retention: { sessionConsumerIdleMs: 7 * DAY } });
        await inbox.append([incoming(1)]);
        await inbox.consumer('session:gone');
        await inbox.consumer('session:active');
        await inbox.consumer('session:waiting');
        await inbox.consumer('ui');
        const names = () => inbox.listConsumers().map((c) => c.name).sort();
        now += 5 * DAY;
        inbox.pending('session:active'); // a read is a use
        const waiting = inbox.waitForPending('session:waiting', { timeoutMs: 60_000 });
        now += 3 * DAY; // gone: 8 days unused; active: 3; waiting: parked
        expect(names()).toEqual(['claude-code', 'session:active', 'session:waiting', 'ui']);
        now += 5 * DAY; // active: 8 days unused now
        await inbox.append([incoming(2)]);
        expect(ids(await waiting)).toEqual([2]);
        expect(names()).toEqual(['claude-code', 'session:waiting', 'ui']);
        // Used again later, a forgotten session starts at the head like any new consumer.
        expect(await inbox.consumer('session:gone')).toMatchObject({ cursor: 2, pending: 0 });
      });

      it("starts at the earliest retained event with startAt: 'earliest'", async () => {
        const inbox = await open();
        await inbox.append([incoming(1), incoming(2)]);
        const state = await inbox.consumer('history', { startAt: 'earliest' });
        expect(state).toMatchObject({ cursor: 0, pending: 2 });
        expect(ids(inbox.pending('history'))).toEqual([1, 2]);
        // startAt applies to a new consumer only.
        await inbox.ack('history', 2);
        expect((await inbox.consumer('history', { startAt: 'earliest' })).cursor).toBe(2);
      });

      it('filters by the consumer topic, remembered, and by the call topic on top', async () => {
        const inbox = await open();
        await inbox.consumer('deals', { topic: 'deal.*', startAt: 'earliest' });
        await inbox.append([incoming(1, { topic: 'deal.closed' }), incoming(2, { topic: 'ticket.opened' }), incoming(3, { topic: 'deal.lost' })]);
        expect(ids(inbox.pending('deals'))).toEqual([1, 3]);
        expect(ids(inbox.pending('deals', { topic: 'deal.lost' }))).toEqual([3]);
        expect(ids(inbox.pending('deals', { topic: 'ticket.*' }))).toEqual([]);
        expect(ids(inbox.pending('deals', { limit: 1 }))).toEqual([1]);
        expect(await inbox.consumer('deals')).toMatchObject({ topic: 'deal.*', pending: 2 });
        expect(inbox.listConsumers().find((c) => c.name === 'deals')).toEqual({ name: 'deals', topic: 'deal.*', cursor: 0, pending: 2 });
        expect(await inbox.consumer('deals', { topic: 'ticket.*' })).toMatchObject({ topic: 'ticket.*', pending: 1 });
      });

      it('acks forward only, clamps at the head, and updates pending counts', async () => {
        const inbox = await open();
        await inbox.append([incoming(1), incoming(2), incoming(3)]);
        expect(await inbox.ack(DEFAULT_CONSUMER, 2)).toEqual({ name: DEFAULT_CONSUMER, topic: undefined, cursor: 2, pending: 1 });
        expect(ids(inbox.pending(DEFAULT_CONSUMER))).toEqual([3]);
        expect((await inbox.ack(DEFAULT_CONSUMER, 1)).cursor).toBe(2);
        expect(await inbox.ack(DEFAULT_CONSUMER, 99)).toMatchObject({ cursor: 3, pending: 0 });
        await inbox.append([incoming(4)]);
        expect(ids(inbox.pending(DEFAULT_CONSUMER))).toEqual([4]);
      });

      it('rejects an ack that is not an integer seq', async () => {
        const inbox = await open();
        await expect(inbox.ack(DEFAULT_CONSUMER, Number.NaN)).rejects.toMatchObject({ code: 'inbox_invalid_argument' });
      });
    });

    describe('waiters', () => {
      it('returns at once when events are already pending', async () => {
        const inbox = await open();
        await inbox.append([incoming(1)]);
        expect(ids(await inbox.waitForPending(DEFAULT_CONSUMER, { timeoutMs: 60_000 }))).toEqual([1]);
        expect(inbox.stats().waiters).toBe(0);
      });

      it('is woken by an append', async () => {
        const inbox = await open();
        await inbox.consumer('w');
        const waiting = inbox.waitForPending('w', { timeoutMs: 60_000 });
        expect(inbox.stats().waiters).toBe(1);
        await inbox.append([incoming(1), incoming(2)]);
        expect(ids(await waiting)).toEqual([1, 2]);
        expect(inbox.stats().waiters).toBe(0);
      });

      it('gives up with [] after the timeout (fake timers)', async () => {
        const inbox = await open();
        vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
        let settled = false;
        const waiting = inbox.waitForPending('w', { timeoutMs: 5_000 }).finally(() => (settled = true));
        await vi.advanceTimersByTimeAsync(4_999);
        expect(settled).toBe(false);
        await vi.advanceTimersByTimeAsync(1);
        expect(await waiting).toEqual([]);
        expect(inbox.stats().waiters).toBe(0);
      });

      it('ends with [] on abort and leaves no listener behind', async () => {
        const inbox = await open();
        const controller = new AbortController();
        const waiting = inbox.waitForPending('w', { timeoutMs: 60_000, signal: controller.signal });
        expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
        controller.abort();
        expect(await waiting).toEqual([]);
        expect(inbox.stats().waiters).toBe(0);
        expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
        expect(await inbox.waitForPending('w', { timeoutMs: 60_000, signal: controller.signal })).toEqual([]);
      });

      it('removes the abort listener when woken by an append', async () => {
        const inbox = await open();
        const controller = new AbortController();
        const waiting = inbox.waitForPending(DEFAULT_CONSUMER, { timeoutMs: 60_000, signal: controller.signal });
        await inbox.append([incoming(1)]);
        expect(ids(await waiting)).toEqual([1]);
        expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      });

      it('leaves nothing behind after 10,000 aborted waits', async () => {
        const inbox = await open();
        const waits: Promise<StoredEvent[]>[] = [];
        const controllers: AbortController[] = [];
        for (let i = 0; i < 10_000; i++) {
          const controller = new AbortController();
          controllers.push(controller);
          waits.push(inbox.waitForPending('w', { timeoutMs: 60_000, signal: controller.signal }));
        }
        expect(inbox.stats().waiters).toBe(10_000);
        for (const controller of controllers) controller.abort();
        expect(inbox.stats().waiters).toBe(0);
        expect((await Promise.all(waits)).every((events) => events.length === 0)).toBe(true);
        expect(controllers.every((c) => getEventListeners(c.signal, 'abort').length === 0)).toBe(true);
      });

      it('is not woken by events its topics do not match', async () => {
        const inbox = await open();
        await inbox.consumer('deals', { topic: 'deal.*' });
        let byConsumerTopic: StoredEvent[] | undefined;
        let byCallTopic: StoredEvent[] | undefined;
        void inbox.waitForPending('deals', { timeoutMs: 60_000 }).then((events) => (byConsumerTopic = events));
        void inbox.waitForPending(DEFAULT_CONSUMER, { timeoutMs: 60_000, topic: 'deal.*' }).then((events) => (byCallTopic = events));
        await inbox.append([incoming(1, { topic: 'ticket.opened' })]);
        expect(inbox.stats().waiters).toBe(2);
        expect(byConsumerTopic).toBeUndefined();
        expect(byCallTopic).toBeUndefined();
        await inbox.append([incoming(2, { topic: 'deal.closed' })]);
        expect(inbox.stats().waiters).toBe(0);
        expect(ids(byConsumerTopic ?? [])).toEqual([2]);
        expect(ids(byCallTopic ?? [])).toEqual([2]);
      });

      it('releases 1,000 waiters with a single append', async () => {
        const inbox = await open();
        const waits = Array.from({ length: 1_000 }, (_, i) => inbox.waitForPending(i % 2 ? DEFAULT_CONSUMER : `agent-${i}`, { timeoutMs: 60_000 }));
        expect(inbox.stats().waiters).toBe(1_000);
        await inbox.append([incoming(1)]);
        const released = await Promise.all(waits);
        expect(released.every((events) => events.length === 1 && events[0]?.event_id === 1)).toBe(true);
        expect(inbox.stats().waiters).toBe(0);
      });

      it('ends waiting calls with [] on close', async () => {
        const inbox = await open();
        const waiting = inbox.waitForPending('w', { timeoutMs: 60_000 });
        await inbox.close();
        expect(await waiting).toEqual([]);
      });
    });

    describe('retention', () => {
      it('keeps at most maxEvents, hiding older ones, and refuses them when replayed', async () => {
        const inbox = await open({ retention: { maxEvents: 3, maxAgeMs: 365 * 24 * 3600_000 } });
        await inbox.append([1, 2, 3, 4, 5].map((id) => incoming(id)));
        expect(ids(inbox.readSince(0))).toEqual([3, 4, 5]);
        expect(inbox.get(1)).toBeUndefined();
        expect(inbox.stats()).toMatchObject({ events: 3, head: 5, oldest: 3 });
        expect(ids(inbox.pending(DEFAULT_CONSUMER))).toEqual([3, 4, 5]);
        expect(inbox.resumeCursor(SOURCE_A)).toBe(5);
        // A replay of event 1 (retained out, so not in the index) must not come back as new.
        const replay = await inbox.append([incoming(1), incoming(4), incoming(6)]);
        expect(ids(replay.appended)).toEqual([6]);
        expect(replay.duplicates).toBe(2);
        await inbox.compact();
        expect(ids(inbox.readSince(0))).toEqual([4, 5, 6]);
      });

      it('drops events older than maxAgeMs as the clock moves, even without appends', async () => {
        let now = Date.UTC(2025, 0, 1);
        const inbox = await open({ clock: () => now, retention: { maxEvents: 1_000, maxAgeMs: 60_000 } });
        await inbox.append([incoming(1), incoming(2)]);
        now += 30_000;
        await inbox.append([incoming(3)]);
        now += 30_001;
        expect(ids(inbox.readSince(0))).toEqual([3]);
        expect(inbox.stats()).toMatchObject({ events: 1, oldest: 3, head: 3 });
        expect((await inbox.consumer('late', { startAt: 'earliest' })).pending).toBe(1);
        now += 60_000;
        await inbox.compact();
        expect(inbox.readSince(0)).toEqual([]);
        expect(inbox.stats()).toMatchObject({ events: 0, oldest: undefined, head: 3 });
        const replay = await inbox.append([incoming(2), incoming(4)]);
        expect(ids(replay.appended)).toEqual([4]);
        expect(replay.appended[0]?.seq).toBe(4);
      });
    });

    describe('onAppend', () => {
      it('tells listeners about new events only, until unsubscribed', async () => {
        const inbox = await open();
        const seen: number[][] = [];
        const unsubscribe = inbox.onAppend((events) => seen.push(ids(events)));
        await inbox.append([incoming(1), incoming(2)]);
        await inbox.append([incoming(2)]);
        await inbox.append([incoming(3)]);
        unsubscribe();
        await inbox.append([incoming(4)]);
        expect(seen).toEqual([[1, 2], [3]]);
      });

      it('calls listeners when the events are readable, and survives a throwing listener', async () => {
        const inbox = await open();
        const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
        const readable: number[][] = [];
        inbox.onAppend(() => {
          throw new Error('listener bug');
        });
        inbox.onAppend((events) => readable.push(ids(inbox.readSince((events[0]?.seq ?? 1) - 1))));
        await expect(inbox.append([incoming(1)])).resolves.toMatchObject({ duplicates: 0 });
        expect(readable).toEqual([[1]]);
        expect(errors).toHaveBeenCalled();
      });
    });

    describe('close', () => {
      it('makes every later call fail with a typed error', async () => {
        const inbox = await open();
        await inbox.append([incoming(1)]);
        await inbox.close();
        await inbox.close();
        const closed = { code: 'inbox_closed' };
        await expect(inbox.append([incoming(2)])).rejects.toMatchObject(closed);
        await expect(inbox.consumer('x')).rejects.toMatchObject(closed);
        await expect(inbox.ack(DEFAULT_CONSUMER, 1)).rejects.toMatchObject(closed);
        await expect(inbox.waitForPending(DEFAULT_CONSUMER, { timeoutMs: 10 })).rejects.toMatchObject(closed);
        await expect(inbox.compact()).rejects.toMatchObject(closed);
        expect(() => inbox.readSince(0)).toThrow(expect.objectContaining(closed));
        expect(() => inbox.pending(DEFAULT_CONSUMER)).toThrow(expect.objectContaining(closed));
        expect(() => inbox.head()).toThrow(expect.objectContaining(closed));
        expect(() => inbox.stats()).toThrow(expect.objectContaining(closed));
        expect(() => inbox.resumeCursor(SOURCE_A)).toThrow(expect.objectContaining(closed));
      });

      it('finishes appends already issued', async () => {
        const inbox = await open();
        const appending = inbox.append([incoming(1)]);
        await inbox.close();
        expect(ids((await appending).appended)).toEqual([1]);
      });
    });
  });
}
