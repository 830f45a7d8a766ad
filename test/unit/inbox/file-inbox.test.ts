// What only the file inbox does: durability across reopen, torn and corrupt records, group commit, failed
// writes, segment rolls and retention on disk (a real crash of a child process is in
// test/integration/inbox/file-inbox-crash.test.ts). Real temp dirs; I/O faults come from an
// injected fs wrapping the real one (no module mocks).
import { appendFile, mkdir, readFile, readdir, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InboxWriteError } from '../../../relay/inbox/errors.js';
import { FileInbox, type FileInboxOptions } from '../../../relay/inbox/file-inbox.js';
import { nodeInboxFs, type InboxFs } from '../../../relay/inbox/fs.js';
import { encodeRecord, type LogRecord } from '../../../relay/inbox/record-format.js';
import { DEFAULT_CONSUMER, type StoredEvent } from '../../../relay/inbox/types.js';
import { SOURCE_A, SOURCE_B, incoming } from '../../contract/inbox.contract.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';

const ids = (events: readonly StoredEvent[]) => events.map((e) => e.event_id);
const FIRST_SEGMENT = join('segments', '00000001.log');

const dirs: TempDir[] = [];
const opened: FileInbox[] = [];

async function newDir(): Promise<string> {
  const dir = await tempDir('file-inbox-');
  dirs.push(dir);
  return dir.path;
}

async function open(dir: string, options: Omit<FileInboxOptions, 'dir'> = {}): Promise<FileInbox> {
  const inbox = await FileInbox.open({ dir, ...options });
  opened.push(inbox);
  return inbox;
}

/** Closes an inbox and forgets it, so the test can reopen the same dir. */
async function reopen(inbox: FileInbox, dir: string, options: Omit<FileInboxOptions, 'dir'> = {}): Promise<FileInbox> {
  await inbox.close();
  return open(dir, options);
}

afterEach(async () => {
  vi.useRealTimers();
  for (const inbox of opened.splice(0)) await inbox.close().catch(() => {});
  for (const dir of dirs.splice(0)) await dir.cleanup();
});

/** The real fs with every call counted. */
function countingFs(): InboxFs & { calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const wrapped = { calls } as InboxFs & { calls: Record<string, number> };
  for (const [name, fn] of Object.entries(nodeInboxFs) as [keyof InboxFs, (...args: unknown[]) => Promise<unknown>][]) {
    (wrapped as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      calls[name] = (calls[name] ?? 0) + 1;
      return fn(...args);
    };
  }
  return wrapped;
}

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

describe('FileInbox reopen', () => {
  it('keeps events, merges, consumers and resume cursors', async () => {
    const dir = await newDir();
    let inbox = await open(dir);
    await inbox.append([incoming(10, { subscription: 'a' }), incoming(11), incoming(500, { source: SOURCE_B })]);
    await inbox.append([incoming(10, { subscription: 'b' })]);
    await inbox.consumer('deals', { topic: 'deal.*' });
    await inbox.append([incoming(12, { topic: 'ticket.opened' }), incoming(13)]);
    await inbox.ack(DEFAULT_CONSUMER, 2);
    const before = inbox.readSince(0);

    inbox = await reopen(inbox, dir);
    expect(inbox.readSince(0)).toEqual(before);
    expect(inbox.get(1)?.subscription_ids).toEqual(['a', 'b']);
    expect(inbox.head()).toBe(5);
    expect(inbox.resumeCursor(SOURCE_A)).toBe(13);
    expect(inbox.resumeCursor(SOURCE_B)).toBe(500);
    expect(inbox.listConsumers()).toEqual([
      { name: DEFAULT_CONSUMER, topic: undefined, cursor: 2, pending: 3 },
      { name: 'deals', topic: 'deal.*', cursor: 3, pending: 1 },
    ]);
    expect(inbox.stats()).toMatchObject({ events: 5, skippedOnOpen: 0 });
    // Dedupe survives the restart, and seqs continue.
    const next = await inbox.append([incoming(11), incoming(14)]);
    expect(next.duplicates).toBe(1);
    expect(next.appended.map((e) => e.seq)).toEqual([6]);
  });

  it('keeps a resume cursor raised without events (a first connect), in an empty log and mid-segment', async () => {
    const dir = await newDir();
    let inbox = await open(dir);
    await inbox.raiseResumeCursor(SOURCE_A, 40);
    inbox = await reopen(inbox, dir);
    expect(inbox.resumeCursor(SOURCE_A)).toBe(40);
    await inbox.append([incoming(41)]);
    await inbox.raiseResumeCursor(SOURCE_B, 7);
    await inbox.append([incoming(42)]);
    inbox = await reopen(inbox, dir);
    expect(inbox.resumeCursor(SOURCE_A)).toBe(42);
    expect(inbox.resumeCursor(SOURCE_B)).toBe(7);
    expect(inbox.readSince(0).map((e) => e.event_id)).toEqual([41, 42]);
    expect(inbox.stats().skippedOnOpen).toBe(0);
  });

  it('reopens with an out-of-order event present, still dedupes it, and keeps the cursor at the newest id', async () => {
    const dir = await newDir();
    let inbox = await open(dir);
    await inbox.append([incoming(10)]);
    await inbox.append([incoming(11)]);
    expect(await inbox.append([incoming(5)])).toMatchObject({ duplicates: 0, outOfOrder: 1 });

    inbox = await reopen(inbox, dir);
    expect(ids(inbox.readSince(0))).toEqual([10, 11, 5]);
    expect(inbox.resumeCursor(SOURCE_A)).toBe(11);
    expect(await inbox.append([incoming(5)])).toEqual({ appended: [], duplicates: 1, outOfOrder: 0 });
    const late = await inbox.append([incoming(7)]);
    expect(late).toMatchObject({ duplicates: 0, outOfOrder: 1 });
    expect(late.appended.map((e) => e.seq)).toEqual([4]);
    expect(inbox.stats()).toMatchObject({ events: 4, duplicates: 1, outOfOrder: 1, skippedOnOpen: 0 });
  });

  it('does not take a cursor raised without events (a first connect) for a dedupe bound after a reopen', async () => {
    const dir = await newDir();
    let inbox = await open(dir);
    await inbox.raiseResumeCursor(SOURCE_A, 40);
    inbox = await reopen(inbox, dir);
    expect(await inbox.append([incoming(39)])).toMatchObject({ duplicates: 0, outOfOrder: 1 });
    expect(inbox.resumeCursor(SOURCE_A)).toBe(40);
  });

  it('keeps single acks above the floor across a reopen', async () => {
    const dir = await newDir();
    let inbox = await open(dir);
    await inbox.append([incoming(1, { topic: 'ticket.opened' }), incoming(2), incoming(3)]);
    await inbox.ackEvents(DEFAULT_CONSUMER, [2, 3]);
    inbox = await reopen(inbox, dir);
    expect(inbox.pending(DEFAULT_CONSUMER).map((e) => e.event_id)).toEqual([1]);
    expect(inbox.listConsumers().find((c) => c.name === DEFAULT_CONSUMER)).toMatchObject({ cursor: 0, pending: 1 });
  });

  it('saves the default consumer at seq 0 on the very first open', async () => {
    const dir = await newDir();
    await open(dir);
    expect(JSON.parse(await readFile(join(dir, 'consumers.json'), 'utf8'))).toEqual({
      version: 1,
      consumers: { [DEFAULT_CONSUMER]: { cursor: 0, used_at: expect.any(Number) } },
    });
  });

  it('remembers when a session consumer was last used, across a reopen; an older file without it counts from the load', async () => {
    const DAY = 86_400_000;
    let now = Date.UTC(2025, 0, 1);
    const dir = await newDir();
    let inbox = await open(dir, { clock: () => now });
    await inbox.consumer('session:a');
    now += 6 * DAY;
    inbox = await reopen(inbox, dir, { clock: () => now });
    expect(inbox.listConsumers().map((c) => c.name)).toContain('session:a'); // 6 days: kept
    now += 2 * DAY;
    inbox = await reopen(inbox, dir, { clock: () => now });
    expect(inbox.listConsumers().map((c) => c.name)).not.toContain('session:a'); // 8 days since its last use
    await inbox.close();
    expect(JSON.parse(await readFile(join(dir, 'consumers.json'), 'utf8')).consumers['session:a']).toBeUndefined();

    // consumers.json as versions before expiry wrote it: no used_at.
    await writeFile(join(dir, 'consumers.json'), JSON.stringify({ version: 1, consumers: { [DEFAULT_CONSUMER]: { cursor: 0 }, 'session:old': { cursor: 0 } } }));
    inbox = await open(dir, { clock: () => now });
    expect(inbox.listConsumers().map((c) => c.name)).toContain('session:old');
    now += 8 * DAY;
    expect(inbox.listConsumers().map((c) => c.name)).not.toContain('session:old');
  });

  it('writes consumers.json atomically, leaving no temp file', async () => {
    const dir = await newDir();
    const inbox = await open(dir);
    await inbox.append([incoming(1)]);
    await inbox.ack(DEFAULT_CONSUMER, 1);
    expect(JSON.parse(await readFile(join(dir, 'consumers.json'), 'utf8')).consumers[DEFAULT_CONSUMER]).toEqual({ cursor: 1, used_at: expect.any(Number) });
    expect(await readdir(dir)).toEqual(['consumers.json', 'segments']);
  });
});

describe('FileInbox torn and corrupt records', () => {
  async function withThreeEvents(): Promise<{ dir: string; log: string; size: number }> {
    const dir = await newDir();
    const inbox = await open(dir);
    await inbox.append([incoming(1)]);
    await inbox.append([incoming(2)]);
    await inbox.append([incoming(3)]);
    await inbox.close();
    const log = join(dir, FIRST_SEGMENT);
    return { dir, log, size: (await stat(log)).size };
  }

  const tails: [string, (log: string) => Promise<void>][] = [
    ['garbage without a newline', (log) => appendFile(log, 'x7f3#garbage')],
    [
      'half a record',
      async (log) => {
        const lines = (await readFile(log, 'utf8')).split('\n');
        const last = lines.at(-2) ?? '';
        await appendFile(log, last.slice(0, Math.floor(last.length / 2)));
      },
    ],
    [
      'a complete line with a wrong CRC',
      async (log) => {
        const lines = (await readFile(log, 'utf8')).split('\n');
        const last = lines.at(-2) ?? '';
        await appendFile(log, `00000000${last.slice(8).replace('"event_id":3', '"event_id":4')}\n`);
      },
    ],
  ];

  for (const [what, tear] of tails) {
    it(`ignores ${what} at the tail, cuts it off, and appends after it`, async () => {
      const { dir, log, size } = await withThreeEvents();
      await tear(log);
      expect((await stat(log)).size).toBeGreaterThan(size);

      let inbox = await open(dir);
      expect(ids(inbox.readSince(0))).toEqual([1, 2, 3]);
      expect(inbox.stats().skippedOnOpen).toBe(1);
      expect((await stat(log)).size).toBe(size);

      await inbox.append([incoming(4)]);
      inbox = await reopen(inbox, dir);
      expect(ids(inbox.readSince(0))).toEqual([1, 2, 3, 4]);
      expect(inbox.stats().skippedOnOpen).toBe(0);
    });
  }

  it('skips and counts a corrupt record in the middle, keeping the rest', async () => {
    const { dir, log, size } = await withThreeEvents();
    const text = await readFile(log, 'utf8');
    // Line 0 is the checkpoint; line 2 holds event 2. Flip one payload digit: same length, CRC mismatch.
    const lines = text.split('\n');
    lines[2] = (lines[2] ?? '').replace('"amount":200', '"amount":201');
    await writeFile(log, lines.join('\n'));

    const inbox = await open(dir);
    expect(ids(inbox.readSince(0))).toEqual([1, 3]);
    expect(inbox.stats()).toMatchObject({ skippedOnOpen: 1, head: 3 });
    expect((await stat(log)).size).toBe(size);
    expect((await inbox.append([incoming(4)])).appended[0]?.seq).toBe(4);
  });

  it('keeps an unreadable consumers.json aside and starts the consumers over', async () => {
    const dir = await newDir();
    let inbox = await open(dir);
    await inbox.append([incoming(1)]);
    await inbox.close();
    await writeFile(join(dir, 'consumers.json'), '{"version":1,"consumers":');
    inbox = await open(dir);
    expect(inbox.listConsumers()).toEqual([{ name: DEFAULT_CONSUMER, topic: undefined, cursor: 0, pending: 1 }]);
    expect((await readdir(dir)).filter((name) => name.startsWith('consumers.json.corrupt-'))).toHaveLength(1);
  });

  it('fails to open with a typed error when the directory cannot be used', async () => {
    const dir = await newDir();
    const file = join(dir, 'not-a-dir');
    await writeFile(file, 'x');
    await expect(FileInbox.open({ dir: file })).rejects.toMatchObject({ code: 'inbox_open_failed' });
  });

  it('opens an empty or missing directory as an empty inbox', async () => {
    const dir = join(await newDir(), 'nested', 'inbox');
    const inbox = await open(dir);
    expect(inbox.stats()).toMatchObject({ events: 0, head: 0, skippedOnOpen: 0 });
  });
});

describe('FileInbox group commit', () => {
  it('writes 100 appends issued in one tick with one write and one fsync', async () => {
    const dir = await newDir();
    const fs = countingFs();
    const inbox = await open(dir, { fs });
    fs.calls.fsync = 0;
    fs.calls.write = 0;
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => inbox.append([incoming(i + 1)])));
    expect(fs.calls).toMatchObject({ fsync: 1, write: 1 });
    expect(results.map((r) => r.appended[0]?.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('batches appends made while a write is in flight into the next single fsync', async () => {
    const dir = await newDir();
    let releaseFirst: () => void = () => {};
    const firstFsyncHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
    let fsyncs = 0;
    let fsyncStarted: () => void = () => {};
    const started = new Promise<void>((resolve) => (fsyncStarted = resolve));
    const fs: InboxFs = {
      ...nodeInboxFs,
      fsync: async (fd) => {
        fsyncs++;
        if (fsyncs === 1) {
          fsyncStarted();
          await firstFsyncHeld;
        }
        return nodeInboxFs.fsync(fd);
      },
    };
    const inbox = await open(dir);
    await inbox.close();
    const held = await open(dir, { fs });

    const first = held.append([incoming(1)]);
    await started;
    let firstDone = false;
    void first.then(() => (firstDone = true));
    const later = [2, 3, 4, 5].map((id) => held.append([incoming(id)]));
    expect(firstDone).toBe(false);
    expect(held.readSince(0)).toEqual([]); // nothing is visible before it is durable
    releaseFirst();
    await Promise.all([first, ...later]);
    expect(fsyncs).toBe(2);
    expect(ids(held.readSince(0))).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('FileInbox write failures', () => {
  /** The real fs, except that the next `write` fails after writing `partialBytes` of its buffer. */
  function failingFs(code: string, partialBytes = 0) {
    const state = { failNext: false };
    const fs: InboxFs = {
      ...nodeInboxFs,
      write: async (fd, buffer, offset, length, position) => {
        if (!state.failNext) return nodeInboxFs.write(fd, buffer, offset, length, position);
        state.failNext = false;
        if (partialBytes > 0) await nodeInboxFs.write(fd, buffer, offset, Math.min(partialBytes, length), position);
        throw errno(code);
      },
    };
    return { fs, state };
  }

  // 1,000 bytes hold two whole records and part of a third: those must not come back on reopen either.
  for (const partialBytes of [0, 150, 1_000]) {
    it(`rejects with a typed error on ENOSPC (${partialBytes} bytes written first), then recovers`, async () => {
      const dir = await newDir();
      const { fs, state } = failingFs('ENOSPC', partialBytes);
      let inbox = await open(dir, { fs });
      await inbox.append([incoming(1)]);
      const seen: number[] = [];
      inbox.onAppend((events) => seen.push(...ids(events)));

      state.failNext = true;
      const batch = [2, 3, 4, 5, 6].map((id) => incoming(id));
      const failure = await inbox.append(batch).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(InboxWriteError);
      expect(failure).toMatchObject({ code: 'inbox_write_failed', errnoCode: 'ENOSPC' });
      expect(ids(inbox.readSince(0))).toEqual([1]);
      expect(inbox.resumeCursor(SOURCE_A)).toBe(1);
      expect(seen).toEqual([]);

      // Space is back: a smaller write (another source) lands where the failed one started; nothing of the
      // failed write is left behind it.
      await inbox.append([incoming(7, { source: SOURCE_B })]);
      inbox = await reopen(inbox, dir, { fs });
      expect(ids(inbox.readSince(0))).toEqual([1, 7]);
      expect(inbox.stats().skippedOnOpen).toBe(0);

      // The failed events are new again.
      expect(ids((await inbox.append(batch)).appended)).toEqual([2, 3, 4, 5, 6]);
      expect(seen).toEqual([7]);
      inbox = await reopen(inbox, dir);
      expect(ids(inbox.readSince(0))).toEqual([1, 7, 2, 3, 4, 5, 6]);
      expect(inbox.stats().skippedOnOpen).toBe(0);
    });
  }

  it('rejects the batch collecting behind a failed write too, then recovers', async () => {
    const dir = await newDir();
    const { fs, state } = failingFs('EIO');
    const inbox = await open(dir, { fs });
    state.failNext = true;
    const first = inbox.append([incoming(1)]).catch((error: unknown) => error);
    // Issued in the same tick, so same batch; then one issued while that batch is in flight.
    const second = inbox.append([incoming(1, { subscription: 'sub-2' })]).catch((error: unknown) => error);
    await Promise.resolve();
    const third = inbox.append([incoming(1, { subscription: 'sub-3' })]).catch((error: unknown) => error);
    for (const failure of await Promise.all([first, second, third])) expect(failure).toMatchObject({ code: 'inbox_write_failed', errnoCode: 'EIO' });
    const retry = await inbox.append([incoming(1, { subscription: 'sub-3' })]);
    expect(retry.appended.map((e) => e.subscription_ids)).toEqual([['sub-3']]);
  });

  it('rejects an fsync failure the same way', async () => {
    const dir = await newDir();
    let failFsync = false;
    const fs: InboxFs = {
      ...nodeInboxFs,
      fsync: async (fd) => {
        if (failFsync) {
          failFsync = false;
          throw errno('EIO');
        }
        return nodeInboxFs.fsync(fd);
      },
    };
    let inbox = await open(dir, { fs });
    failFsync = true;
    await expect(inbox.append([incoming(1)])).rejects.toMatchObject({ code: 'inbox_write_failed', errnoCode: 'EIO' });
    await inbox.append([incoming(2)]);
    inbox = await reopen(inbox, dir);
    expect(ids(inbox.readSince(0))).toEqual([2]);
    expect(inbox.stats().skippedOnOpen).toBe(0);
  });

  it('rejects an ack whose consumers.json cannot be written, and saves it on the next try', async () => {
    const dir = await newDir();
    let failRename = false;
    const fs: InboxFs = {
      ...nodeInboxFs,
      rename: async (from, to) => {
        if (failRename) {
          failRename = false;
          throw errno('ENOSPC');
        }
        return nodeInboxFs.rename(from, to);
      },
    };
    let inbox = await open(dir, { fs });
    await inbox.append([incoming(1), incoming(2)]);
    failRename = true;
    await expect(inbox.ack(DEFAULT_CONSUMER, 1)).rejects.toMatchObject({ code: 'inbox_write_failed', errnoCode: 'ENOSPC' });
    await inbox.ack(DEFAULT_CONSUMER, 1);
    inbox = await reopen(inbox, dir);
    expect(inbox.listConsumers()[0]).toMatchObject({ name: DEFAULT_CONSUMER, cursor: 1 });
  });
});

describe('FileInbox segments and retention', () => {
  async function segmentFiles(dir: string): Promise<string[]> {
    return (await readdir(join(dir, 'segments'))).sort();
  }

  it('rolls segments and deletes the ones wholly past retention', async () => {
    const dir = await newDir();
    const options = { segmentMaxRecords: 10, retention: { maxEvents: 12, maxAgeMs: 365 * 24 * 3600_000 } };
    let inbox = await open(dir, options);
    for (let id = 1; id <= 60; id += 5) await inbox.append([0, 1, 2, 3, 4].map((k) => incoming(id + k)));
    expect(ids(inbox.readSince(0))).toEqual(Array.from({ length: 12 }, (_, i) => 49 + i));
    const files = await segmentFiles(dir);
    expect(files.length).toBeLessThanOrEqual(3);
    expect(files).not.toContain('00000001.log');

    // The checkpoint at the head of each segment keeps head and resume cursor after older segments are gone.
    inbox = await reopen(inbox, dir, options);
    expect(inbox.stats()).toMatchObject({ events: 12, head: 60, oldest: 49, skippedOnOpen: 0 });
    expect(inbox.resumeCursor(SOURCE_A)).toBe(60);
    const replay = await inbox.append([incoming(3), incoming(61)]);
    expect(replay).toMatchObject({ duplicates: 1 });
    expect(replay.appended.map((e) => e.seq)).toEqual([61]);
  });

  it('still refuses ids retention dropped once their segments are deleted, and stores a late id above them', async () => {
    const dir = await newDir();
    const options = { segmentMaxRecords: 10, retention: { maxEvents: 12, maxAgeMs: 365 * 24 * 3600_000 } };
    let inbox = await open(dir, options);
    // Even ids 2..120, stored in order: the odd ids between them were never stored.
    for (let id = 2; id <= 120; id += 10) await inbox.append([0, 2, 4, 6, 8].map((k) => incoming(id + k)));
    expect(await segmentFiles(dir)).not.toContain('00000001.log');
    const kept = ids(inbox.readSince(0));
    const oldestKept = kept[0]!;
    inbox = await reopen(inbox, dir, options);
    expect(ids(inbox.readSince(0))).toEqual(kept);
    // Below the oldest kept id: either dropped by retention (a replay) or too late to tell; never stored again.
    const replay = await inbox.append([incoming(2), incoming(oldestKept - 2)]);
    expect(replay).toEqual({ appended: [], duplicates: 2, outOfOrder: 0 });
    // Between kept ids and never stored: a new event that came late.
    const late = await inbox.append([incoming(oldestKept + 1)]);
    expect(late).toMatchObject({ duplicates: 0, outOfOrder: 1 });
    expect(inbox.resumeCursor(SOURCE_A)).toBe(120);
  });

  it('takes an older checkpoint (cursor only) as the dedupe bound, as that version did', async () => {
    const dir = await newDir();
    await mkdir(join(dir, 'segments'), { recursive: true });
    const checkpoint = { t: 'cp', head: 30, cursors: [[SOURCE_A.server, SOURCE_A.tenant, 30]] } as unknown as LogRecord;
    await writeFile(join(dir, 'segments', '00000004.log'), encodeRecord(checkpoint));
    const inbox = await open(dir);
    expect(inbox.stats()).toMatchObject({ head: 30, skippedOnOpen: 0 });
    const result = await inbox.append([incoming(29), incoming(31)]);
    expect(ids(result.appended)).toEqual([31]);
    expect(result).toMatchObject({ duplicates: 1, outOfOrder: 0 });
  });

  it('compacts an idle inbox whose events all aged out down to one small segment', async () => {
    const dir = await newDir();
    let now = Date.UTC(2025, 0, 1);
    const options = { clock: () => now, retention: { maxEvents: 1_000, maxAgeMs: 60_000 } };
    let inbox = await open(dir, options);
    await inbox.append([incoming(1), incoming(2)]);
    now += 120_000;
    await inbox.compact();
    expect(await segmentFiles(dir)).toEqual(['00000002.log']);
    inbox = await reopen(inbox, dir, options);
    expect(inbox.stats()).toMatchObject({ events: 0, head: 2, skippedOnOpen: 0 });
    expect(inbox.resumeCursor(SOURCE_A)).toBe(2);
    expect((await inbox.append([incoming(2), incoming(3)])).appended.map((e) => e.seq)).toEqual([3]);
  });

  it('compacts on its own every compactEveryMs', async () => {
    const dir = await newDir();
    let now = Date.UTC(2025, 0, 1);
    let deleted: (path: string) => void = () => {};
    const firstDeleted = new Promise<string>((resolve) => (deleted = resolve));
    const fs: InboxFs = {
      ...nodeInboxFs,
      unlink: async (path) => {
        await nodeInboxFs.unlink(path);
        deleted(path);
      },
    };
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const inbox = await open(dir, { fs, clock: () => now, compactEveryMs: 60_000, retention: { maxEvents: 1_000, maxAgeMs: 1_000 } });
    await inbox.append([incoming(1)]);
    now += 2_000;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await firstDeleted).toMatch(/00000001\.log$/);
    expect(await segmentFiles(dir)).toEqual(['00000002.log']);
  });

  it('applies retention on open', async () => {
    const dir = await newDir();
    let inbox = await open(dir, { segmentMaxRecords: 5 });
    for (let id = 1; id <= 20; id++) await inbox.append([incoming(id)]);
    inbox = await reopen(inbox, dir, { segmentMaxRecords: 5, retention: { maxEvents: 4, maxAgeMs: 365 * 24 * 3600_000 } });
    expect(ids(inbox.readSince(0))).toEqual([17, 18, 19, 20]);
    expect((await segmentFiles(dir)).length).toBeLessThanOrEqual(2);
  });

  it('retries a roll whose new segment cannot be created', async () => {
    const dir = await newDir();
    let failOpen = false;
    const fs: InboxFs = {
      ...nodeInboxFs,
      open: async (path, flags) => {
        if (failOpen && path.endsWith('00000002.log')) {
          failOpen = false;
          throw errno('EMFILE');
        }
        return nodeInboxFs.open(path, flags);
      },
    };
    let inbox = await open(dir, { fs, segmentMaxRecords: 3 });
    await inbox.append([incoming(1), incoming(2)]);
    failOpen = true;
    await expect(inbox.append([incoming(3), incoming(4)])).rejects.toMatchObject({ code: 'inbox_write_failed', errnoCode: 'EMFILE' });
    await inbox.append([incoming(3), incoming(4)]);
    expect(await segmentFiles(dir)).toEqual(['00000001.log', '00000002.log']);
    inbox = await reopen(inbox, dir);
    expect(ids(inbox.readSince(0))).toEqual([1, 2, 3, 4]);
    expect(inbox.stats().skippedOnOpen).toBe(0);
  });
});

describe('FileInbox crash', () => {
  it('treats a file cut inside a record as a torn tail', async () => {
    const dir = await newDir();
    const inbox = await open(dir);
    await inbox.append([incoming(1), incoming(2)]);
    await inbox.close();
    const log = join(dir, FIRST_SEGMENT);
    await truncate(log, (await stat(log)).size - 5);
    const reopened = await open(dir);
    expect(ids(reopened.readSince(0))).toEqual([1]);
    expect(reopened.stats().skippedOnOpen).toBe(1);
  });
});
