// The consumer operations (relay/local/consumer-ops.ts) behave alike on both surfaces that offer them: the /v1
// routes (a real local server on port 0) and the relay's own MCP tools (coreBackend, through the SDK's in-memory
// transport pair). One suite, every surface (STYLE.md "One contract suite, every implementation").
import { Client, InMemoryTransport, type CallToolResult } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InboxWriteError } from '../../../relay/inbox/errors.js';
import { MemoryInbox } from '../../../relay/inbox/memory-inbox.js';
import type { ConsumerState } from '../../../relay/inbox/types.js';
import type { RelayCore } from '../../../relay/local/core.js';
import { consumerOps } from '../../../relay/local/consumer-ops.js';
import { coreBackend } from '../../../relay/local/mcp/core-backend.js';
import { createToolServer } from '../../../relay/local/mcp/server.js';
import { startLocalServer } from '../../../relay/local/server.js';
import { LOCAL_API, localApiPath, type PendingParams, type WaitResponse } from '../../../relay/protocol/local-api.js';
import { silentLogger } from '../../../relay/util/log.js';
import { incoming } from '../../contract/inbox.contract.js';
import { fakeCore } from '../../helpers/fake-core.js';

/** An inbox whose consumer writes fail on demand (a full disk under consumers.json). */
class DiskFullInbox extends MemoryInbox {
  failAcks = false;
  override async ackEvents(name: string, seqs: readonly number[]): Promise<ConsumerState> {
    if (this.failAcks) throw new InboxWriteError('consumers.json', Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
    return super.ackEvents(name, seqs);
  }
}

/** What a caller sees of one operation: the event ids handed over, or the failure. */
type Outcome = { ok: true; eventIds: number[] } | { ok: false; text: string };

interface Surface {
  pending(params: Required<Pick<PendingParams, 'consumer'>> & Pick<PendingParams, 'start' | 'ack'>): Promise<Outcome>;
  /** A wait that finds events at once (they are pending), acking them. */
  wait(consumer: string): Promise<Outcome>;
  close(): Promise<void>;
}

const TOKEN = 'consumer-ops-test-token';

async function httpSurface(core: RelayCore): Promise<Surface> {
  const server = await startLocalServer({ core, token: TOKEN, port: 0, version: 'test', log: silentLogger });
  const get = async (path: string): Promise<Outcome> => {
    const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const body = (await res.json()) as { events?: { event_id: number }[]; error?: { code: string; message: string } };
    if (!res.ok) return { ok: false, text: `${res.status} ${body.error?.code}: ${body.error?.message}` };
    return { ok: true, eventIds: body.events!.map((e) => e.event_id) };
  };
  return {
    pending: (p) => get(localApiPath(LOCAL_API.pending, p)),
    wait: (consumer) => get(localApiPath(LOCAL_API.wait, { consumer, ack: true, timeout_ms: 5_000 })),
    close: () => server.close(),
  };
}

async function mcpSurface(core: RelayCore): Promise<Surface> {
  const server = createToolServer({ backend: coreBackend(core), defaultConsumer: 'claude-code' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'unit', version: '0' });
  await client.connect(clientSide);
  const call = async (name: string, args: Record<string, unknown>): Promise<Outcome> => {
    const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
    if (r.isError) return { ok: false, text: r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n') };
    return { ok: true, eventIds: (r.structuredContent as { events: { event_id: number }[] }).events.map((e) => e.event_id) };
  };
  return {
    pending: (p) => call('get_pending_events', { consumer: p.consumer, ack: p.ack ?? false, ...(p.start ? { start: p.start } : {}) }),
    wait: (consumer) => call('wait_for_event', { consumer, timeout_seconds: 5 }),
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

const surfaces = { 'the /v1 routes': httpSurface, 'the MCP tools': mcpSurface };

describe.each(Object.entries(surfaces))('consumer operations on %s', (_name, open) => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  async function setUp(): Promise<{ inbox: DiskFullInbox; surface: Surface }> {
    const inbox = new DiskFullInbox();
    await inbox.append([incoming(101), incoming(102)]);
    const surface = await open(fakeCore(inbox, 'consumer-ops'));
    closers.push(async () => {
      await surface.close();
      await inbox.close();
    });
    return { inbox, surface };
  }

  it('a new consumer starts at the head, unless it asks for start=earliest', async () => {
    const { surface } = await setUp();
    expect(await surface.pending({ consumer: 'newcomer' })).toEqual({ ok: true, eventIds: [] });
    expect(await surface.pending({ consumer: 'historian', start: 'earliest' })).toEqual({ ok: true, eventIds: [101, 102] });
    // start only places a consumer seen for the first time.
    expect(await surface.pending({ consumer: 'newcomer', start: 'earliest' })).toEqual({ ok: true, eventIds: [] });
  });

  it('an ack that cannot be written is a failure, and the events stay pending', async () => {
    const { inbox, surface } = await setUp();
    // The consumer exists, at the earliest event (made on the inbox: get_pending_events with ack: false claims).
    await inbox.consumer('reader', { startAt: 'earliest' });
    inbox.failAcks = true;
    for (const outcome of [await surface.pending({ consumer: 'reader', ack: true }), await surface.wait('reader')]) {
      expect(outcome.ok).toBe(false);
      expect(outcome.ok ? '' : outcome.text).toContain('ENOSPC');
    }
    inbox.failAcks = false;
    expect(await surface.wait('reader')).toEqual({ ok: true, eventIds: [101, 102] });
    expect(await surface.pending({ consumer: 'reader' })).toEqual({ ok: true, eventIds: [] });
  });
});

describe('hand-overs without an immediate ack (claims with a lease)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a taker that claims without acking and disappears: after the lease another taker gets the events (fake timers)', async () => {
    const inbox = new MemoryInbox();
    await inbox.append([incoming(101), incoming(102)]);
    const ops = consumerOps(inbox, { leaseMs: 30_000 });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const first = await ops.pending({ consumer: 'claude-code', limit: 10, ack: false, claim: true, via: 'http' });
    expect(first.events.map((e) => e.event_id)).toEqual([101, 102]);
    expect(first.pending).toBe(0);
    // The first taker never acks. A second one waits, and is handed nothing while the lease holds.
    let second: WaitResponse | undefined;
    void ops.wait({ consumer: 'claude-code', limit: 10, ack: true, timeoutMs: 120_000, signal: new AbortController().signal, via: 'http' }).then((r) => (second = r));
    await vi.advanceTimersByTimeAsync(29_999);
    expect(second).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await vi.waitFor(() => expect(second?.events.map((e) => e.event_id)).toEqual([101, 102]));
    expect(inbox.pending('claude-code')).toEqual([]);
    await inbox.close();
  });

  it('a wait whose caller went away hands its claimed events back at once, not after the lease', async () => {
    const inbox = new MemoryInbox();
    await inbox.consumer('w');
    const ops = consumerOps(inbox, { leaseMs: 3_600_000 });
    const gone = new AbortController();
    // The wait takes the event in the append's synchronous wake-up; the caller is gone before it can answer.
    const abandoned = ops.wait({ consumer: 'w', limit: 10, ack: true, timeoutMs: 60_000, signal: gone.signal, via: 'http' });
    await inbox.append([incoming(7)]);
    gone.abort();
    expect((await abandoned).events).toEqual([]);
    const next = await ops.wait({ consumer: 'w', limit: 10, ack: true, timeoutMs: 60_000, signal: new AbortController().signal, via: 'http' });
    expect(next.events.map((e) => e.event_id)).toEqual([7]);
    await inbox.close();
  });

  it('a view (/v1/pending without ack or claim) takes nothing', async () => {
    const inbox = new MemoryInbox();
    await inbox.append([incoming(1)]);
    const ops = consumerOps(inbox);
    expect((await ops.pending({ consumer: 'claude-code', limit: 10, ack: false, via: 'http' })).events).toHaveLength(1);
    expect(inbox.stats().claimed).toBe(0);
    await inbox.close();
  });
});

describe('delivery receipts of hand-overs', () => {
  it('a hand-over leaves one receipt per event (consumer, session, path); the ack marks it; a view and an abandoned wait leave none', async () => {
    const inbox = new MemoryInbox();
    await inbox.append([incoming(1), incoming(2), incoming(3)]);
    const ops = consumerOps(inbox);
    await ops.pending({ consumer: 'claude-code', limit: 10, ack: false, via: 'http' });
    expect(inbox.receipts(1)?.receipts).toEqual([]);
    await ops.pending({ consumer: 'claude-code', limit: 1, ack: false, claim: true, via: 'stop_hook', session: 'sess-a' });
    expect(inbox.receipts(1)?.receipts).toEqual([{ via: 'stop_hook', consumer: 'claude-code', session: 'sess-a', at: expect.any(String) }]);
    await ops.ack({ consumer: 'claude-code', seqs: [1] });
    expect(inbox.receipts(1)?.receipts[0]?.acked_at).toEqual(expect.any(String));
    const waited = await ops.wait({ consumer: 'claude-code', limit: 1, ack: true, timeoutMs: 1000, signal: new AbortController().signal, via: 'wait_for_event' });
    expect(waited.events.map((e) => e.seq)).toEqual([2]);
    expect(inbox.receipts(2)?.receipts).toEqual([{ via: 'wait_for_event', consumer: 'claude-code', at: expect.any(String), acked_at: expect.any(String) }]);
    const gone = new AbortController();
    gone.abort();
    await ops.wait({ consumer: 'claude-code', limit: 1, ack: true, timeoutMs: 1000, signal: gone.signal, via: 'idle_wake' });
    expect(inbox.receipts(3)?.receipts).toEqual([]);
    await inbox.close();
  });
});
