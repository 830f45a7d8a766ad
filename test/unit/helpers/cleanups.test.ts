// test/helpers/cleanups.ts: what every test file relies on to close what it opened.
import { describe, expect, it } from 'vitest';
import { createCleanups, useCleanups } from '../../helpers/cleanups.js';

describe('cleanups', () => {
  it('run newest first, each once', async () => {
    const c = createCleanups();
    const ran: number[] = [];
    for (const n of [1, 2, 3]) c.add(() => ran.push(n));
    await c.run();
    await c.run();
    expect(ran).toEqual([3, 2, 1]);
  });

  it('await each before the next (a relay closes before its server)', async () => {
    const c = createCleanups();
    const ran: string[] = [];
    c.add(() => ran.push('server'));
    c.add(async () => {
      await new Promise((r) => setImmediate(r));
      ran.push('relay');
    });
    await c.run();
    expect(ran).toEqual(['relay', 'server']);
  });

  it('one failing cleanup does not stop the others, and its error is thrown', async () => {
    const c = createCleanups();
    const ran: number[] = [];
    const boom = new Error('boom');
    c.add(() => ran.push(1));
    c.add(() => {
      throw boom;
    });
    c.add(() => ran.push(3));
    await expect(c.run()).rejects.toBe(boom);
    expect(ran).toEqual([3, 1]);
  });

  it('several failures are aggregated, in the order they happened', async () => {
    const c = createCleanups();
    const a = new Error('a');
    const b = new Error('b');
    c.add(() => Promise.reject(a));
    c.add(() => Promise.reject(b));
    const err = await c.run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AggregateError);
    expect((err as AggregateError).errors).toEqual([b, a]);
    expect((err as AggregateError).message).toBe('2 cleanups failed');
  });

  it('ignoreErrors runs every cleanup and throws nothing', async () => {
    const c = createCleanups({ ignoreErrors: true });
    const ran: number[] = [];
    c.add(() => ran.push(1));
    c.add(() => {
      throw new Error('broken on purpose');
    });
    await c.run();
    expect(ran).toEqual([1]);
  });
});

describe('useCleanups', () => {
  const ran: string[] = [];
  const cleanup = useCleanups();

  it('registers a cleanup in one test', () => {
    cleanup.add(() => ran.push('after the first test'));
    expect(ran).toEqual([]);
  });

  it('which has run by the next', () => {
    expect(ran).toEqual(['after the first test']);
  });
});
