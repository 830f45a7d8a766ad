// A server that floods (50,000 notifications a second for 5 s, a real process: test/helpers/mcp-push-server.mjs):
// the upstream's queue stays within its capacity, drops the oldest, and counts them in an `mcp.upstream.dropped`
// event, so every notification is stored or counted (DESIGN.md "Upstreams"). A chaos test: it loads a core for
// seconds on purpose, so it runs after the suite, alone (`*.solo.test.ts`, vitest.solo.config.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryInbox } from '../../relay/inbox/memory-inbox.js';
import type { IncomingEvent } from '../../relay/inbox/types.js';
import { MCP_TOPIC } from '../../relay/upstream/mcp/topics.js';
import { createCleanups } from '../helpers/cleanups.js';
import { waitFor } from '../helpers/wait-for.js';
import { startUpstream, stdioEntry } from '../integration/upstream/mcp/harness.js';

const cleanups = createCleanups();
afterEach(() => cleanups.run());

describe('MCP upstream under a flood', () => {
  it('a flood (50,000 notifications/s for 5 s) stays within the queue and says how many it dropped', { timeout: 120_000 }, async () => {
    // The inbox holds its first append until the flood is over, so the queue must overflow: the test does not
    // depend on how fast this machine writes.
    const memory = new MemoryInbox();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let first = true;
    const inbox = Object.assign(Object.create(memory) as MemoryInbox, {
      append: async (events: IncomingEvent[]) => {
        if (first) {
          first = false;
          await held;
        }
        return memory.append(events);
      },
      resumeCursor: memory.resumeCursor.bind(memory),
    });
    const capacity = 200;
    const { upstream } = startUpstream(cleanups, stdioEntry({ MCP_TEST_FLOOD: '50000:5' }, { name: 'flood' }), { inbox, queueCapacity: capacity });
    let maxQueued = 0;
    const total = 250_000;
    await waitFor(
      () => {
        const s = upstream.status();
        maxQueued = Math.max(maxQueued, s.queued);
        return s.notifications === total;
      },
      { timeoutMs: 90_000, what: `${total} notifications received` },
    );
    release();
    await waitFor(() => upstream.status().queued === 0 && upstream.status().stored > 0, { what: 'the queue drained' });
    const s = upstream.status();
    expect(maxQueued).toBeLessThanOrEqual(capacity);
    expect(s.dropped).toBeGreaterThan(0);
    const updates = memory.readSince(0, { topic: MCP_TOPIC.resourceUpdated }).length;
    const droppedEvents = memory.readSince(0, { topic: MCP_TOPIC.dropped });
    const droppedCounted = droppedEvents.reduce((n, e) => n + (e.payload.dropped_count as number), 0);
    // Nothing vanishes without a count: every notification is stored or counted in a dropped event.
    expect(updates + droppedCounted).toBe(total);
    expect(droppedCounted).toBe(s.dropped);
    // All of it was dropped while the first write was held: one report, not one per batch.
    expect(droppedEvents).toHaveLength(1);
  });
});
