// The home dir on a full disk (DESIGN.md "Failure behaviour": the inbox reopens intact): writes fail with ENOSPC
// for a while — halfway through a record, and fsync too — then space returns. The stream must say so clearly
// (`inbox_write_failed`, state reconnecting), back off instead of hammering the server, leave an inbox that
// reopens intact at any moment, and once space is back store everything exactly once.
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileInbox } from '../../relay/inbox/file-inbox.js';
import { nodeInboxFs, type InboxFs } from '../../relay/inbox/fs.js';
import { startReferenceServer } from '../../relay/reference-server/server.js';
import { tempDir } from '../helpers/tmp.js';
import { expectExactlyOnce, startRig, waitForCount, waitForStatus } from './harness.js';
import { useCleanups } from '../helpers/cleanups.js';

const KEY = 'disk-key';
const TENANT = 't1';
const CLIENT = 'chaos-disk';
const BACKOFF = { baseMs: 50, capMs: 800 };

const cleanup = useCleanups({ ignoreErrors: true });

function enospc(call: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOSPC: no space left on device, ${call}`), { code: 'ENOSPC', errno: -28, syscall: call });
}

/**
 * The real file system, except while `full`: a write gets half its bytes onto disk and reports a short write
 * (the caller loops), down to the last byte, which fails with ENOSPC; fsync fails with ENOSPC. Truncating
 * (shrinking a file) still works, as it does on a real full disk.
 */
function fillableDisk(): InboxFs & { full: boolean; failures: number } {
  const disk = {
    ...nodeInboxFs,
    full: false,
    failures: 0,
    async write(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> {
      if (!disk.full) return nodeInboxFs.write(fd, buffer, offset, length, position);
      if (length >= 2) return nodeInboxFs.write(fd, buffer, offset, Math.floor(length / 2), position);
      disk.failures++;
      throw enospc('write');
    },
    async fsync(fd: number): Promise<void> {
      if (!disk.full) return nodeInboxFs.fsync(fd);
      disk.failures++;
      throw enospc('fsync');
    },
  };
  return disk;
}

/** Opens a copy of the inbox as a fresh process would after a crash at this moment. */
async function reopenCopy(dir: string): Promise<{ ids: number[]; skipped: number }> {
  const copy = await tempDir('chaos-disk-copy-');
  try {
    await cp(dir, join(copy.path, 'inbox'), { recursive: true });
    const inbox = await FileInbox.open({ dir: join(copy.path, 'inbox'), compactEveryMs: 0 });
    try {
      return { ids: inbox.readSince(0, { limit: 1_000_000 }).map((e) => e.event_id), skipped: inbox.stats().skippedOnOpen };
    } finally {
      await inbox.close();
    }
  } finally {
    await copy.cleanup();
  }
}

describe('chaos: home dir on a full disk', () => {
  it('ENOSPC mid-burst: clear state, backoff, an intact inbox at every moment, recovery with nothing lost', async () => {
    const server = await startReferenceServer({ tokens: { [KEY]: TENANT }, heartbeatMs: 200 });
    cleanup.add(() => server.close());
    server.store.subscribe(TENANT, { client_id: CLIENT, topic: ['custom.*'] });
    const home = await tempDir('chaos-disk-');
    cleanup.add(home.cleanup);
    const dir = join(home.path, 'inbox');
    const disk = fillableDisk();
    const rig = await startRig({ url: server.url, apiKey: KEY, clientId: CLIENT, source: { server: 'chaos:disk', tenant: TENANT }, dir, fs: disk, backoff: BACKOFF });
    cleanup.add(() => rig.close());
    let last = 0;
    const emit = async (n: number) => {
      for (let i = 0; i < n; i++) last = (await server.emit(TENANT, { topic: 'custom.disk', payload: { i, text: 'y'.repeat(200) } })).event_id;
      return last;
    };
    await waitForStatus(rig.stream, (s) => s.state === 'open', 'open');
    await emit(20);
    await waitForCount(rig.ids, 20, 'before the disk fills');

    disk.full = true;
    await emit(20);
    const failing = await waitForStatus(rig.stream, (s) => s.lastError?.code === 'inbox_write_failed', 'inbox_write_failed');
    expect(failing.state).toBe('reconnecting');
    expect(failing.lastError!.message).toMatch(/ENOSPC/);
    expect(failing.lastError!.message).toMatch(/[Ff]ree disk space/);
    // Each reconnect fetches the same events again and fails again: with a growing backoff, not a storm.
    const attemptsAtFull = rig.attemptTimes.length;
    await waitForStatus(rig.stream, (s) => s.attempts >= failing.attempts + 3 && s.lastError?.code === 'inbox_write_failed', 'three more failing rounds');
    const gaps = rig.attemptTimes.slice(attemptsAtFull).map((t, i, all) => (i === 0 ? Infinity : t - all[i - 1]!));
    expect(gaps.filter((g) => g < BACKOFF.baseMs - 5), 'no reconnect storm on a full disk').toEqual([]);
    expect(rig.ids()).toHaveLength(20);
    expect(rig.stream.status().stored).toBe(20);
    expect(disk.failures).toBeGreaterThan(0);

    // A crash right now would leave an inbox that reopens intact: exactly the 20 durable events, no torn
    // record resurrected, nothing skipped.
    const snapshot = await reopenCopy(dir);
    expect(snapshot).toEqual({ ids: Array.from({ length: 20 }, (_, i) => i + 1), skipped: 0 });

    disk.full = false;
    await waitForStatus(rig.stream, (s) => s.state === 'open' && s.stored >= 40, 'recovery once space returns');
    await emit(10);
    expectExactlyOnce(await waitForCount(rig.ids, last, 'after recovery'), last);
    expect(rig.stream.status()).toMatchObject({ state: 'open', duplicates: 0, cursor: last });

    await rig.close();
    const reopened = await FileInbox.open({ dir, compactEveryMs: 0 });
    try {
      expectExactlyOnce(reopened.readSince(0, { limit: 1_000_000 }).map((e) => e.event_id), last);
      expect(reopened.stats().skippedOnOpen).toBe(0);
      expect(reopened.resumeCursor({ server: 'chaos:disk', tenant: TENANT })).toBe(last);
    } finally {
      await reopened.close();
    }
  }, 120_000);
});
