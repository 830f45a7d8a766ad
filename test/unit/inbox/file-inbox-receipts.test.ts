// Delivery receipts in the file inbox: written to the event log (record-format.ts rc/rk/rx), so they survive a
// reopen exactly as events do, a torn receipt line is cut like any torn tail, and receipts of events that
// retention dropped do not come back. Real temp dirs.
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileInbox, type FileInboxOptions } from '../../../relay/inbox/file-inbox.js';
import { MAX_RECEIPTS_PER_EVENT } from '../../../relay/inbox/receipts.js';
import { incoming } from '../../contract/inbox.contract.js';
import { tempDir, type TempDir } from '../../helpers/tmp.js';

const dirs: TempDir[] = [];
const opened: FileInbox[] = [];

async function open(dir: string, options: Omit<FileInboxOptions, 'dir'> = {}): Promise<FileInbox> {
  const inbox = await FileInbox.open({ dir, ...options });
  opened.push(inbox);
  return inbox;
}

afterEach(async () => {
  for (const inbox of opened.splice(0)) await inbox.close().catch(() => {});
  for (const dir of dirs.splice(0)) await dir.cleanup();
});

async function newDir(): Promise<string> {
  const dir = await tempDir('file-inbox-receipts-');
  dirs.push(dir);
  return dir.path;
}

describe('FileInbox receipts', () => {
  it('keeps receipts, ack marks and overflow counts across a reopen', async () => {
    const dir = await newDir();
    let inbox = await open(dir);
    await inbox.append([incoming(1), incoming(2)]);
    await inbox.recordReceipts([1], { via: 'stop_hook', consumer: 'claude-code', session: 's-1' });
    await inbox.recordReceipts([2], { via: 'shown' });
    await inbox.ackEvents('claude-code', [1]);
    for (let i = 0; i < MAX_RECEIPTS_PER_EVENT + 2; i++) await inbox.recordReceipts([2], { via: 'http' });
    const before = [inbox.receipts(1), inbox.receipts(2)];
    expect(before[0]?.receipts[0]?.acked_at).toBeDefined();
    await inbox.close();
    inbox = await open(dir);
    expect([inbox.receipts(1), inbox.receipts(2)]).toEqual(before);
    expect(inbox.receipts(2)?.overflow).toBe(3);
    expect(inbox.stats().skippedOnOpen).toBe(0);
  });

  it('cuts a torn receipt line off on open and keeps the rest', async () => {
    const dir = await newDir();
    let inbox = await open(dir);
    await inbox.append([incoming(1)]);
    await inbox.recordReceipts([1], { via: 'watch' });
    await inbox.close();
    await appendFile(join(dir, 'segments', '00000001.log'), '0badc0de {"t":"rc","seq":1,"r":{"via":"sh');
    inbox = await open(dir);
    expect(inbox.receipts(1)?.receipts.map((r) => r.via)).toEqual(['watch']);
    await inbox.recordReceipts([1], { via: 'channel' });
    await inbox.close();
    inbox = await open(dir);
    expect(inbox.receipts(1)?.receipts.map((r) => r.via)).toEqual(['watch', 'channel']);
  });

  it('does not bring back the receipts of events retention dropped', async () => {
    const dir = await newDir();
    let inbox = await open(dir, { retention: { maxEvents: 2 }, segmentMaxRecords: 3 });
    await inbox.append([incoming(1)]);
    await inbox.recordReceipts([1], { via: 'wait_for_event', consumer: 'claude-code' });
    await inbox.append([incoming(2)]);
    await inbox.append([incoming(3)]);
    await inbox.recordReceipts([2, 3], { via: 'shown' });
    expect(inbox.receipts(1)).toBeUndefined();
    await inbox.close();
    inbox = await open(dir, { retention: { maxEvents: 2 } });
    expect(inbox.receipts(1)).toBeUndefined();
    expect(inbox.stats()).toMatchObject({ receipted: 2, skippedOnOpen: 0 });
  });
});
