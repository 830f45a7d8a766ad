// The stale-lock takeover step of the single-instance lock, with the interleavings of racing starters played
// out deterministically (the chaos suite races real processes; this pins the cases one by one).
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { homePaths } from '../../../relay/config/home.js';
import { acquireInstanceLock, inspectLock, InstanceLockedError, removeLockIfStale } from '../../../relay/config/instance.js';
import { deadPid } from '../../helpers/dead-pid.js';
import { tempDir } from '../../helpers/tmp.js';
import { useCleanups } from '../../helpers/cleanups.js';

const cleanup = useCleanups();

async function home() {
  const dir = await tempDir('instance-lock-');
  cleanup.add(dir.cleanup);
  return homePaths(dir.path);
}

/** A starter's own pid that is neither ours nor the lock owner's (the takeover never judges its own pid live). */
const STARTER = 999_999_999;

describe('removeLockIfStale', () => {
  it('removes a lock still holding the dead pid it was judged by', async () => {
    const paths = await home();
    writeFileSync(paths.lock, String(await deadPid()));
    removeLockIfStale(paths, inspectLock(paths.lock)!, STARTER);
    expect(existsSync(paths.lock)).toBe(false);
  });

  it('keeps the fresh lock another starter created after removing the stale one, even on the same inode', async () => {
    const paths = await home();
    writeFileSync(paths.lock, String(await deadPid()));
    const judged = inspectLock(paths.lock)!; // starter B judged it stale, then was preempted…
    unlinkSync(paths.lock); // …starter A removed it and took the lock with its live pid
    writeFileSync(paths.lock, String(process.pid), { flag: 'wx' });
    // ext4 and tmpfs hand the freed inode straight back, which is what made an inode-only check unsafe.
    expect(inspectLock(paths.lock)!.ino).toBe(judged.ino);
    removeLockIfStale(paths, judged, STARTER);
    expect(readFileSync(paths.lock, 'utf8')).toBe(String(process.pid));
  });

  it('keeps a fresh lock whose owner has not written its pid yet, even on the same inode', async () => {
    const paths = await home();
    writeFileSync(paths.lock, '');
    const judged = { ...inspectLock(paths.lock)!, ageMs: 60_000 }; // an empty lock judged abandoned…
    unlinkSync(paths.lock);
    writeFileSync(paths.lock, '', { flag: 'wx' }); // …replaced by a new starter's, empty for a moment
    removeLockIfStale(paths, judged, STARTER);
    expect(existsSync(paths.lock)).toBe(true);
  });

  it('leaves everything to the starter holding the takeover mutex', async () => {
    const paths = await home();
    writeFileSync(paths.lock, String(await deadPid()));
    writeFileSync(`${paths.lock}.takeover`, '');
    removeLockIfStale(paths, inspectLock(paths.lock)!, STARTER);
    expect(existsSync(paths.lock)).toBe(true);
    expect(existsSync(`${paths.lock}.takeover`)).toBe(true); // young: not broken
  });
});

describe('acquireInstanceLock', () => {
  it('takes over a dead owner’s lock, refuses a live one by pid, and releases only its own lock', async () => {
    const paths = await home();
    writeFileSync(paths.lock, String(await deadPid()));
    const lock = acquireInstanceLock(paths, STARTER);
    expect(readFileSync(paths.lock, 'utf8')).toBe(String(STARTER));
    lock.release();
    expect(existsSync(paths.lock)).toBe(false);

    writeFileSync(paths.lock, String(process.ppid));
    expect(() => acquireInstanceLock(paths, STARTER)).toThrow(InstanceLockedError);
    expect(() => acquireInstanceLock(paths, STARTER)).toThrow(`pid ${process.ppid}`);
  });
});
