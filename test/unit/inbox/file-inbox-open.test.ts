// Opening reads each segment in pieces (FileInboxOptions.readChunkBytes): a record cut by a read, one longer
// than the read buffer, and damage near a piece boundary must load exactly as a whole-segment read would.
import { appendFile, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileInbox, type FileInboxOptions } from '../../../relay/inbox/file-inbox.js';
import type { StoredEvent } from '../../../relay/inbox/types.js';
import { SOURCE_B, incoming } from '../../contract/inbox.contract.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';

const FIRST_SEGMENT = join('segments', '00000001.log');
const dirs: TempDir[] = [];
const opened: FileInbox[] = [];

async function open(dir: string, options: Omit<FileInboxOptions, 'dir'> = {}): Promise<FileInbox> {
  const inbox = await FileInbox.open({ dir, compactEveryMs: 0, ...options });
  opened.push(inbox);
  return inbox;
}

afterEach(async () => {
  for (const inbox of opened.splice(0)) await inbox.close().catch(() => {});
  for (const dir of dirs.splice(0)) await dir.cleanup();
});

/** An inbox with records of very different lengths (one far longer than the small read buffers below). */
async function filled(): Promise<{ dir: string; events: StoredEvent[] }> {
  const d = await tempDir('file-inbox-open-');
  dirs.push(d);
  const inbox = await open(d.path, { segmentMaxRecords: 7 });
  for (let i = 1; i <= 20; i++) {
    const event = incoming(i, { source: i % 3 === 0 ? SOURCE_B : undefined, subscription: i % 2 ? 'sub-1' : 'sub-2' });
    event.event.payload = { note: 'ü€𝄞'.repeat(i === 9 ? 400 : i) };
    await inbox.append([event]);
  }
  await inbox.append([incoming(4, { subscription: 'sub-9' })]); // a merge record
  await inbox.raiseResumeCursor(SOURCE_B, 100); // a checkpoint mid-segment
  const events = inbox.readSince(0);
  await inbox.close();
  return { dir: d.path, events: JSON.parse(JSON.stringify(events)) as StoredEvent[] };
}

describe('FileInbox open, piece by piece', () => {
  for (const chunk of [1, 16, 333, 4096]) {
    it(`loads the same events, merges and cursors with ${chunk}-byte reads`, async () => {
      const { dir, events } = await filled();
      const inbox = await open(dir, { readChunkBytes: chunk });
      expect(inbox.readSince(0)).toEqual(events);
      expect(inbox.resumeCursor(SOURCE_B)).toBe(100);
      expect(inbox.stats()).toMatchObject({ events: 20, head: 20, skippedOnOpen: 0 });
    });
  }

  it('cuts a torn tail off at the last good record whatever the read size', async () => {
    const { dir, events } = await filled();
    const segments = join(dir, 'segments');
    const names = (await readdir(segments)).sort();
    expect(names.length).toBeGreaterThan(2);
    const last = join(segments, names.at(-1) as string);
    const size = (await stat(last)).size;
    await appendFile(last, '0badc0de {"t":"ev","ev":{"seq":2');
    const inbox = await open(dir, { readChunkBytes: 7 });
    expect(inbox.readSince(0)).toEqual(events);
    expect(inbox.stats().skippedOnOpen).toBe(1);
    expect((await stat(last)).size).toBe(size);
    await inbox.append([incoming(21)]);
    expect(inbox.readSince(20).map((e) => e.event_id)).toEqual([21]);
  });

  it('skips a corrupt record that straddles a read boundary and keeps the ones around it', async () => {
    const { dir, events } = await filled();
    const first = join(dir, FIRST_SEGMENT);
    const lines = (await readFile(first, 'utf8')).split('\n');
    lines[2] = (lines[2] ?? '').replace('"event_id":2', '"event_id":7'); // same length, CRC mismatch
    await writeFile(first, lines.join('\n'));
    const boundary = Buffer.byteLength(lines.slice(0, 2).join('\n')) + 40; // inside line 2
    const inbox = await open(dir, { readChunkBytes: boundary });
    expect(inbox.readSince(0)).toEqual(events.filter((e) => e.event_id !== 2));
    expect(inbox.stats().skippedOnOpen).toBe(1);
  });
});
