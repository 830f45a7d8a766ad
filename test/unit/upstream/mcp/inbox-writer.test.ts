// The writer of one MCP upstream: ids continue from the source's durable cursor, and a flood is reported in as
// few `mcp.upstream.dropped` events as the interval allows, their counts covering every dropped event.
import { describe, expect, it } from 'vitest';
import { MemoryInbox } from '../../../../relay/inbox/memory-inbox.js';
import type { IncomingEvent } from '../../../../relay/inbox/types.js';
import { DROPPED_REPORT_INTERVAL_MS, McpInboxWriter } from '../../../../relay/upstream/mcp/inbox-writer.js';
import { mcpSource, MCP_TOPIC, notificationEvent } from '../../../../relay/upstream/mcp/topics.js';

const update = (uri: string) => notificationEvent('u', 'notifications/resources/updated', { uri }, new Date(0))!;

/** A memory inbox whose appends wait for `release()` (one at a time), so tests decide when writes finish. */
function gatedInbox() {
  const memory = new MemoryInbox();
  let gates: (() => void)[] = [];
  const inbox = {
    append: async (events: IncomingEvent[]) => {
      await new Promise<void>((r) => gates.push(r));
      return memory.append(events);
    },
    resumeCursor: memory.resumeCursor.bind(memory),
    recent: memory.recent.bind(memory),
  };
  return {
    memory,
    inbox,
    releaseOne: () => {
      const g = gates.shift();
      g?.();
      return g !== undefined;
    },
    pending: () => gates.length,
    reset: () => (gates = []),
  };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  if (!cond()) throw new Error('condition never held');
}

describe('McpInboxWriter', () => {
  it('numbers events from the source’s durable cursor, so ids continue across writers (relay restarts)', async () => {
    const inbox = new MemoryInbox();
    const first = new McpInboxWriter({ upstream: 'u', inbox });
    first.push(update('x://1'));
    first.push(update('x://2'));
    await first.close();
    const second = new McpInboxWriter({ upstream: 'u', inbox });
    second.push(update('x://3'));
    await second.close();
    expect(inbox.readSince(0).map((e) => [e.event_id, e.payload.uri])).toEqual([
      [1, 'x://1'],
      [2, 'x://2'],
      [3, 'x://3'],
    ]);
    expect(inbox.resumeCursor(mcpSource('u'))).toBe(3);
  });

  it('reports drops at most once per interval while the queue stays full, and at once when it runs empty', async () => {
    const g = gatedInbox();
    let now = 1_000_000;
    const w = new McpInboxWriter({ upstream: 'u', inbox: g.inbox, capacity: 600, now: () => new Date(now) });
    w.push(update('x://first')); // taken at once; its append waits
    await until(() => g.pending() === 1);
    for (let i = 0; i < 1100; i++) w.push(update(`x://${i}`)); // 600 fit; 500 dropped
    expect(w.stats()).toMatchObject({ queued: 600, dropped: 0 });
    g.releaseOne(); // next drain: takes 500, 100 stay queued: reported (first report)
    await until(() => g.pending() === 1);
    for (let i = 0; i < 700; i++) w.push(update(`y://${i}`)); // 100 + 500 fit; 200 dropped
    now += DROPPED_REPORT_INTERVAL_MS - 1;
    g.releaseOne(); // takes 500, 100 stay: within the interval, not reported yet
    await until(() => g.pending() === 1);
    for (let i = 0; i < 700; i++) w.push(update(`z://${i}`)); // 100 + 500 fit; 200 more dropped
    g.releaseOne(); // takes 500, 100 stay: still within the interval
    await until(() => g.pending() === 1);
    g.releaseOne(); // takes the last 100, queue empty: both drops reported in one event now
    await until(() => g.pending() === 1);
    g.releaseOne();
    await w.idle();
    const reports = g.memory.readSince(0, { topic: MCP_TOPIC.dropped }).map((e) => e.payload.dropped_count);
    expect(reports).toEqual([500, 400]);
    expect(w.stats().dropped).toBe(900);
    const stored = g.memory.readSince(0, { topic: MCP_TOPIC.resourceUpdated }).length;
    expect(stored + 900).toBe(1 + 1100 + 700 + 700);
  });

  it('an event its sender fetches again (onStored) pushed out of a full queue is told so, and is not counted or reported as dropped', async () => {
    const g = gatedInbox();
    const w = new McpInboxWriter({ upstream: 'u', inbox: g.inbox, capacity: 2 });
    const outcomes: [string, boolean][] = [];
    const refetchable = (uri: string) => ({ ...update(uri), onStored: (stored: boolean) => outcomes.push([uri, stored]) });
    w.push(refetchable('x://0')); // taken at once; its append waits
    await until(() => g.pending() === 1);
    for (let i = 1; i <= 4; i++) w.push(refetchable(`x://${i}`)); // queue [x3, x4]: x1 and x2 pushed out
    w.push(update('y://lost')); // [x4, y-lost]: x3 pushed out
    w.push(update('y://kept')); // [y-lost, y-kept]: x4 pushed out
    w.push(update('z://last')); // [y-kept, z-last]: y-lost pushed out, and nobody fetches it again
    expect(outcomes).toEqual([1, 2, 3, 4].map((i) => [`x://${i}`, false]));
    // Release appends until everything queued is stored: x0, then y-kept and z-last with the one drop report.
    await until(() => {
      g.releaseOne();
      return g.memory.readSince(0).length === 4;
    });
    await w.idle();
    expect(outcomes.at(-1)).toEqual(['x://0', true]);
    expect(g.memory.readSince(0).map((e) => e.payload.uri ?? e.topic)).toEqual(['x://0', MCP_TOPIC.dropped, 'y://kept', 'z://last']);
    expect(g.memory.readSince(0, { topic: MCP_TOPIC.dropped }).map((e) => e.payload.dropped_count)).toEqual([1]);
    expect(w.stats().dropped).toBe(1);
  });
});
