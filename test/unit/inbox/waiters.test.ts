import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../relay/inbox/types.js';
import { WaiterRegistry } from '../../../relay/inbox/waiters.js';

const event = { seq: 1, topic: 'deal.closed' } as StoredEvent;

describe('WaiterRegistry', () => {
  it('asks each waiter once per append, so n waiters cost O(n)', async () => {
    const registry = new WaiterRegistry();
    let wants = 0;
    let collects = 0;
    const waits = Array.from({ length: 1_000 }, () =>
      registry.wait({
        consumer: 'c',
        wants: () => (wants++, true),
        collect: () => (collects++, [event]),
        timeoutMs: 60_000,
      }),
    );
    registry.notify([event]);
    expect(await Promise.all(waits)).toHaveLength(1_000);
    expect({ wants, collects, left: registry.size }).toEqual({ wants: 1_000, collects: 1_000, left: 0 });
  });

  it('does not collect for a waiter that wants none of the new events', () => {
    const registry = new WaiterRegistry();
    let collects = 0;
    void registry.wait({ consumer: 'c', wants: () => false, collect: () => (collects++, []), timeoutMs: 60_000 });
    registry.notify([event]);
    expect({ collects, left: registry.size }).toEqual({ collects: 0, left: 1 });
    expect(registry.consumers()).toEqual(new Set(['c']));
    registry.releaseAll();
    expect(registry.size).toBe(0);
    expect(registry.consumers()).toEqual(new Set());
  });

  it('resolves [] at once for a zero timeout or an aborted signal, registering nothing', async () => {
    const registry = new WaiterRegistry();
    const request = { consumer: 'c', wants: () => true, collect: () => [event] };
    expect(await registry.wait({ ...request, timeoutMs: 0 })).toEqual([]);
    expect(await registry.wait({ ...request, timeoutMs: 1_000, signal: AbortSignal.abort() })).toEqual([]);
    expect(registry.size).toBe(0);
  });
});
