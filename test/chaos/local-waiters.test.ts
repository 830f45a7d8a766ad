// Local waiters under churn (DESIGN.md 'Who uses it' 3, Agent waiting on purpose): 200 concurrent
// `wait_for_event` callers on the relay's MCP endpoint (/mcp), leaving at random — cancelled, their session
// deleted, their connection dropped, timed out, or released by an event — plus /v1/wait long-polls aborted
// mid-wait. No waiter may leak: inbox.stats().waiters returns to 0, and the relay still serves a fresh caller.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type RunningRelay } from '../../relay/core/relay.js';
import { startReferenceServer, type ReferenceServer } from '../../relay/reference-server/server.js';
import { tempDir, type TempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait-for.js';

const KEY = 'waiters-key';
const TENANT = 't1';

let server: ReferenceServer;
let home: TempDir;
let relay: RunningRelay;
const waiters = () => relay.core.inbox.stats().waiters;

beforeAll(async () => {
  server = await startReferenceServer({ tokens: { [KEY]: TENANT } });
  home = await tempDir('chaos-waiters-');
  relay = await startRelay({ home: home.path, server: server.url, apiKey: KEY, clientId: 'chaos-waiters', localPort: 0, env: {}, notify: false, mcp: { progressIntervalMs: 200 } });
  await relay.core.control.subscribe({ topic: ['*'] });
  await waitFor(() => relay.core.status().upstream.state === 'open', { timeoutMs: 30_000, what: 'upstream open' });
});

afterAll(async () => {
  await relay?.close();
  await server?.close();
  await home?.cleanup();
});

/** A small seeded PRNG (mulberry32): the run is random but reproducible from the printed seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function mcpClient(): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'chaos-waiters', version: '0.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', relay.url), {
    requestInit: { headers: { authorization: `Bearer ${relay.token}` } },
  });
  await client.connect(transport);
  return { client, transport };
}

type Fate = 'cancel' | 'drop-session' | 'delete-session' | 'timeout' | 'event';

describe('chaos: 200 wait_for_event callers disconnecting at random', () => {
  it('no waiter leaks, whatever way the callers leave', async () => {
    const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
    const random = prng(seed);
    console.log(`local-waiters: seed ${seed} (CHAOS_SEED=${seed} reproduces the fates)`);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

    // 20 sessions × 10 calls. A session's fate applies to all its calls when it is a session-level fate.
    const SESSIONS = 20;
    const PER_SESSION = 10;
    const sessions = await Promise.all(Array.from({ length: SESSIONS }, () => mcpClient()));
    const outcomes: Promise<string>[] = [];
    const fates: Fate[] = [];
    const actions: (() => Promise<void>)[] = [];
    const later: (() => void)[] = [];
    for (const s of sessions) {
      const sessionFate = pick<Fate>(['cancel', 'drop-session', 'delete-session', 'timeout', 'event', 'cancel', 'event']);
      for (let i = 0; i < PER_SESSION; i++) {
        const fate: Fate = sessionFate === 'cancel' || sessionFate === 'event' ? pick<Fate>(['cancel', 'event', 'timeout']) : sessionFate;
        fates.push(fate);
        const abort = new AbortController();
        const args = { consumer: `crowd-${fates.length % 7}`, timeout_seconds: fate === 'timeout' ? 1 + Math.floor(random() * 2) : 300 };
        const launch = () => {
          const call = s.client.callTool({ name: 'wait_for_event', arguments: args }, { signal: abort.signal, timeout: 600_000 });
          outcomes.push(call.then((r) => `result:${(r.structuredContent as { status?: string } | undefined)?.status ?? 'error'}`, (e: unknown) => `rejected:${(e as Error).name}`));
        };
        // Short-timeout calls start once everything else is parked, so a slow machine cannot let them expire
        // before the count below is reached.
        if (fate === 'timeout') later.push(launch);
        else launch();
        if (fate === 'cancel') {
          const delay = random() * 1500;
          actions.push(() => new Promise<void>((resolve) => setTimeout(() => (abort.abort(), resolve()), delay)));
        }
      }
      if (sessionFate === 'drop-session' || sessionFate === 'delete-session') {
        const delay = random() * 1500;
        actions.push(
          () =>
            new Promise<void>((resolve) =>
              setTimeout(() => {
                // drop: the connection goes away, no cancel, no DELETE; delete: the session ends properly.
                const end = sessionFate === 'drop-session' ? s.transport.close() : s.transport.terminateSession().then(() => s.transport.close());
                void end.catch(() => undefined).then(() => resolve());
              }, delay),
            ),
        );
      }
    }

    // Long-polls on /v1/wait too, aborted at random or released by the event.
    const polls: Promise<string>[] = [];
    for (let i = 0; i < 40; i++) {
      const abort = new AbortController();
      const aborted = random() < 0.6;
      polls.push(
        fetch(`${relay.url}/v1/wait?consumer=poll-${i % 3}&timeout_ms=300000`, { headers: { authorization: `Bearer ${relay.token}` }, signal: abort.signal }).then(
          async (r) => `poll:${r.status}:${((await r.json()) as { status: string }).status}`,
          () => 'poll:aborted',
        ),
      );
      if (aborted) {
        const delay = random() * 1500;
        actions.push(() => new Promise<void>((resolve) => setTimeout(() => (abort.abort(), resolve()), delay)));
      }
    }

    const total = SESSIONS * PER_SESSION + polls.length;
    const parked = total - later.length;
    await waitFor(() => waiters() === parked, { timeoutMs: 60_000, what: `${parked} parked waits (have ${waiters()})` });
    for (const launch of later) launch();
    await Promise.all(actions.map((a) => a()));
    // Whoever is still waiting for an event gets one. A hand-over is a claim (DESIGN.md "Semantics",
    // Consumers): one event goes to one waiter per consumer, so events are emitted one at a time until no
    // waiter is left; each one releases at least one waiter while any is parked.
    for (let n = waiters(), round = 0; n > 0; n = waiters(), round++) {
      await server.emit(TENANT, { topic: 'deal.won', payload: { release: round } });
      await waitFor(() => waiters() < n, { timeoutMs: 30_000, what: `a waiter released by event ${round} (have ${waiters()} of ${n})` });
    }
    const results = await Promise.all([...outcomes, ...polls]);
    await waitFor(() => waiters() === 0, { timeoutMs: 30_000, what: `no waiter left (have ${waiters()})` });

    const tally: Record<string, number> = {};
    for (const r of results) tally[r] = (tally[r] ?? 0) + 1;
    console.log(`local-waiters: fates ${JSON.stringify(countBy(fates))}; outcomes ${JSON.stringify(tally)}`);
    // Every call ended one way or another, and never with a tool error.
    expect(results).toHaveLength(total);
    expect(results.filter((r) => r === 'result:error')).toEqual([]);
    expect(results.filter((r) => r.startsWith('poll:') && r !== 'poll:aborted' && r !== 'poll:200:event')).toEqual([]);

    for (const s of sessions) await s.transport.close().catch(() => undefined);
    // The relay still serves: a fresh caller gets the next event.
    const fresh = await mcpClient();
    try {
      const call = fresh.client.callTool({ name: 'wait_for_event', arguments: { consumer: 'after-chaos', timeout_seconds: 60 } }, { timeout: 120_000 });
      await waitFor(() => waiters() === 1, { what: 'the fresh wait parked' });
      await server.emit(TENANT, { topic: 'deal.won', payload: { after: true } });
      const out = (await call).structuredContent as { status: string; events: { payload: Record<string, unknown> }[] };
      expect(out.status).toBe('event');
      expect(out.events.at(-1)?.payload).toEqual({ after: true });
    } finally {
      await fresh.transport.close();
    }
    await waitFor(() => waiters() === 0, { what: 'no waiter at the end' });
  }, 120_000);
});

function countBy(items: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[i] = (out[i] ?? 0) + 1;
  return out;
}
