// PushStream against the reference server: durable, ordered delivery and resume across every kind of cut
// (DESIGN.md 'Who uses it' 6: nothing lost, nothing delivered twice).
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryInbox } from '../../../relay/inbox/memory-inbox.js';
import type { AppendResult, IncomingEvent } from '../../../relay/inbox/types.js';
import type { ReferenceServer } from '../../../relay/reference-server/server.js';
import type { PushStream } from '../../../relay/upstream/push-stream.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait-for.js';
import { CLIENT, emitMany, makeStream, startServer, storedIds, TENANT, waitForState, waitForStatus } from './harness.js';

let servers: ReferenceServer[] = [];
const streams: PushStream[] = [];
const dirs: TempDir[] = [];

async function serve(options: Parameters<typeof startServer>[0] = {}): Promise<ReferenceServer> {
  const server = await startServer(options);
  servers.push(server);
  return server;
}

function track<T extends { stream: PushStream }>(h: T): T {
  streams.push(h.stream);
  return h;
}

afterEach(async () => {
  for (const s of streams.splice(0)) await s.stop();
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) await d.cleanup();
});

function subscribe(server: ReferenceServer, topic = ['custom.*', 'deal.*']): string {
  return server.store.subscribe(TENANT, { client_id: CLIENT, topic }).row.subscription_id;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('PushStream: delivery', () => {
  it('stores events durably, in order, and advances the cursor only through the inbox', async () => {
    const server = await serve();
    const subscriptionId = subscribe(server);
    const h = track(makeStream(server));
    expect(h.stream.status()).toMatchObject({ state: 'paused', stopped: true });
    h.stream.start();
    const open = await waitForStatus(h.stream, (s) => s.state === 'open' && s.subscriptions.length === 1, 'open with the subscription listed');
    expect(open.subscriptions[0]!.subscription_id).toBe(subscriptionId);
    expect(open.serverCursor).toBe(0);
    // Nothing durable yet: the first connect sent no Last-Event-ID and the server started at its head, which
    // is where a reconnect would resume until an event is durable.
    expect(open.cursor).toBe(0);

    const ids = await emitMany(server, 25);
    await server.emit(TENANT, { topic: 'account.created', payload: {} }); // matches no subscription
    await waitFor(() => storedIds(h.memory).length === 25, { what: '25 stored events' });
    expect(storedIds(h.memory)).toEqual(ids);
    expect(h.delivered.map((e) => e.event_id)).toEqual(ids);
    const stored = h.memory.readSince(0);
    expect(stored[0]).toMatchObject({ server: h.source.server, tenant: h.source.tenant, topic: 'custom.test', subscription_ids: [subscriptionId], payload: { i: 0 } });

    const s = h.stream.status();
    expect(s).toMatchObject({ state: 'open', connects: 1, attempts: 1, events: 25, stored: 25, duplicates: 0, queued: 0, cursor: ids.at(-1), lastError: null });
    expect(s.lastEventAt).not.toBeNull();
    expect(JSON.parse(JSON.stringify(s))).toEqual(s); // a plain JSON-able snapshot
    expect(h.states).toEqual(['connecting', 'open']);
  });

  it('one event matched by two subscriptions is stored once, with both subscription ids', async () => {
    const server = await serve();
    const a = subscribe(server, ['custom.*']);
    const b = subscribe(server, ['custom.test']);
    const h = track(makeStream(server));
    h.stream.start();
    await waitForStatus(h.stream, (s) => s.state === 'open' && s.subscriptions.length === 2, 'open');
    await emitMany(server, 3);
    await waitForStatus(h.stream, (s) => s.events === 6 && s.queued === 0, 'six event frames handled');
    expect(storedIds(h.memory)).toEqual([1, 2, 3]);
    expect(h.memory.readSince(0).every((e) => [...e.subscription_ids].sort().join() === [a, b].sort().join())).toBe(true);
    expect(h.stream.status()).toMatchObject({ stored: 3, duplicates: 3 });
  });

  it('resumes a new relay process from the inbox cursor (Last-Event-ID), not from the head', async () => {
    const server = await serve();
    subscribe(server);
    const memory = new MemoryInbox();
    const first = track(makeStream(server, { memory }));
    first.stream.start();
    await waitForState(first.stream, 'open');
    await emitMany(server, 5);
    await waitFor(() => storedIds(memory).length === 5, { what: 'first five' });
    await first.stream.stop();
    expect(first.stream.status()).toMatchObject({ state: 'paused', stopped: true });

    const missed = await emitMany(server, 5); // emitted while no relay is connected
    const second = track(makeStream(server, { memory }));
    second.stream.start();
    await waitFor(() => storedIds(memory).length === 10, { what: 'the five missed events' });
    expect(storedIds(memory)).toEqual(range(1, 10));
    expect(missed).toEqual(range(6, 10));
    expect(second.stream.status()).toMatchObject({ duplicates: 0, cursor: 10 });
  });
});

describe('PushStream: cuts', () => {
  it('server restart mid-stream (same port, same data dir): resumes with nothing lost or repeated', async () => {
    const dir = await tempDir('push-relay-upstream-');
    dirs.push(dir);
    let server = await serve({ dataDir: dir.path });
    const port = server.port;
    subscribe(server);
    const h = track(makeStream(server));
    h.stream.start();
    await waitForState(h.stream, 'open');

    const before = await emitMany(server, 30);
    await waitFor(() => storedIds(h.memory).length >= 10, { what: 'some events delivered before the restart' });
    await server.close(); // mid-stream: some of the 30 may not have been sent yet
    servers = servers.filter((s) => s !== server);
    await waitForStatus(h.stream, (s) => s.state === 'offline', 'offline while the server is down');
    expect(h.stream.status().lastError?.code).toBe('network_error');
    expect(h.stream.status().lastError?.message).toMatch(/ECONNREFUSED/);

    server = await serve({ dataDir: dir.path, port });
    const after = await emitMany(server, 10);
    await waitFor(() => storedIds(h.memory).length === 40, { what: 'all 40 events after the restart' });
    expect(storedIds(h.memory)).toEqual([...before, ...after]);
    expect(h.delivered.map((e) => e.event_id)).toEqual([...before, ...after]);
    expect(h.stream.status()).toMatchObject({ state: 'open', stored: 40, cursor: 40 });
    expect(h.states).toContain('offline');
  });

  it('connection destroyed: reconnects from the durable cursor, nothing lost', async () => {
    const server = await serve();
    subscribe(server);
    const h = track(makeStream(server));
    h.stream.start();
    await waitForState(h.stream, 'open');
    await emitMany(server, 5);
    await waitFor(() => storedIds(h.memory).length === 5, { what: 'five events' });

    server.connections(CLIENT)[0]!.destroy();
    await emitMany(server, 5); // stored by the server while the relay is cut off
    await waitFor(() => storedIds(h.memory).length === 10, { what: 'ten events after the cut' });
    expect(storedIds(h.memory)).toEqual(range(1, 10));
    expect(server.connectCount(CLIENT)).toBe(2);
    const s = h.stream.status();
    expect(s).toMatchObject({ state: 'open', connects: 2, duplicates: 0 });
    expect(['stream_dropped', 'stream_ended']).toContain(s.lastError?.code);
    expect(h.states).toEqual(['connecting', 'open', 'reconnecting', 'open']);
    expect(server.connections(CLIENT)).toHaveLength(1); // never two streams at once
  });

  it('lag storm: the server drops for a slow inbox; the relay reconnects from the durable cursor and backfills', async () => {
    const server = await serve({ bufferCapacity: 5, heartbeatMs: 60_000 });
    subscribe(server);
    const memory = new MemoryInbox();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batchSizes: number[] = [];
    const slow = {
      append: async (events: IncomingEvent[]): Promise<AppendResult> => {
        batchSizes.push(events.length);
        await gate; // the disk is slow until the test says otherwise
        return memory.append(events);
      },
      resumeCursor: memory.resumeCursor.bind(memory),
      raiseResumeCursor: memory.raiseResumeCursor.bind(memory),
    };
    const h = track(makeStream(server, { memory, inbox: slow, maxQueuedEvents: 10 }));
    h.stream.start();
    await waitForState(h.stream, 'open');

    // Big payloads fill the socket buffers quickly once the relay stops reading for its slow inbox. Each emit
    // yields to I/O so the relay reads (and stops reading) while the burst is going on.
    const blob = 'x'.repeat(64 * 1024);
    const connection = server.connections(CLIENT)[0]!;
    const ids: number[] = [];
    while (connection.droppedTotal === 0 || ids.length < 300) {
      ids.push((await server.emit(TENANT, { topic: 'custom.test', payload: { i: ids.length, blob } })).event_id);
      await new Promise((resolve) => setImmediate(resolve));
      if (ids.length > 3000) throw new Error('the server never dropped: the relay did not push back');
    }
    const total = ids.length;
    const held = h.stream.status();
    expect(batchSizes).toEqual([1]); // the first append is still in flight
    expect(held.queued).toBeGreaterThanOrEqual(10); // frames that came in meanwhile wait for the next append…
    expect(held.queued).toBeLessThan(100); // …but the relay stopped reading instead of buffering the burst
    release();

    await waitFor(() => storedIds(memory).length === total, { timeoutMs: 20_000, what: `all ${total} events after the backfill` });
    expect(storedIds(memory)).toEqual(ids);
    expect(new Set(h.delivered.map((e) => e.event_id)).size).toBe(total);
    expect(h.delivered).toHaveLength(total);
    const s = h.stream.status();
    expect(s.lag.count).toBeGreaterThanOrEqual(1);
    // Not equal to connection.droppedTotal: the relay leaves at the first lag frame, so the server may drop
    // more (a later flurry) before it notices; the replay from the durable cursor covers those too.
    expect(s.lag.dropped_total).toBeGreaterThan(0);
    expect(s.lag.last_dropped_count).toBeGreaterThan(0);
    expect(s.lag.last_at).not.toBeNull();
    expect(server.connectCount(CLIENT)).toBeGreaterThanOrEqual(2);
    expect(s.stored).toBe(total);
    expect(Math.max(...batchSizes)).toBeGreaterThan(1); // group commit: what arrived during the slow append went into the next
    expect(h.logs.some((l) => /server dropped \d+ event/.test(l))).toBe(true);
  });

  it('inbox write failure: reconnects later from the durable cursor and skips nothing', async () => {
    const server = await serve();
    subscribe(server);
    const memory = new MemoryInbox();
    let failuresLeft = 1;
    const flaky = {
      append: async (events: IncomingEvent[]): Promise<AppendResult> => {
        if (events.some((e) => e.event.event_id === 4) && failuresLeft-- > 0) {
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        }
        return memory.append(events);
      },
      resumeCursor: memory.resumeCursor.bind(memory),
      raiseResumeCursor: memory.raiseResumeCursor.bind(memory),
    };
    const h = track(makeStream(server, { memory, inbox: flaky }));
    h.stream.start();
    await waitForState(h.stream, 'open');
    const ids = await emitMany(server, 8);
    await waitFor(() => storedIds(memory).length === 8, { what: 'all eight events after the failed write' });
    expect(storedIds(memory)).toEqual(ids);
    const s = h.stream.status();
    expect(s.lastError).toMatchObject({ code: 'inbox_write_failed' });
    expect(s.lastError!.message).toMatch(/ENOSPC/);
    expect(s.connects).toBe(2);
    expect(h.states).toContain('reconnecting');
  });

  it('pause and resume: no stream while paused, then resume where the server first started us', async () => {
    const server = await serve();
    subscribe(server);
    const h = track(makeStream(server));
    h.stream.start();
    await waitForState(h.stream, 'open');
    await h.stream.pause();
    expect(h.stream.status()).toMatchObject({ state: 'paused', stopped: false, nextRetryAt: null });
    await waitFor(() => server.connections(CLIENT).length === 0, { what: 'the server to see the stream closed' });
    await emitMany(server, 3);
    h.stream.resume();
    await waitFor(() => storedIds(h.memory).length === 3, { what: 'events emitted while paused' });
    expect(server.connectCount(CLIENT)).toBe(2);
  });
});
