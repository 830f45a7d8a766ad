// One idle-wake waiter per Claude Code session: every turn's Stop starts another `hook idle-wake`, and all
// but one must step aside. The lock is a file under <home>/hooks/ holding the waiter's pid and its Claude
// Code pid; a lock whose waiter or whose Claude Code is gone is stale and replaced.
import { closeSync, mkdirSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { openNoFollow, readTextNoFollow } from '../util/safe-fs.js';

export interface LockOwner {
  pid: number;
  claude_pid?: number;
}

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else — alive as far as we can tell.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const v = JSON.parse(readTextNoFollow(file)) as Partial<LockOwner>;
    return typeof v.pid === 'number' ? { pid: v.pid, claude_pid: typeof v.claude_pid === 'number' ? v.claude_pid : undefined } : undefined;
  } catch {
    return undefined;
  }
}

function isStale(owner: LockOwner | undefined): boolean {
  if (!owner) return true;
  if (!isAlive(owner.pid)) return true;
  return owner.claude_pid !== undefined && !isAlive(owner.claude_pid);
}

export interface SessionLock {
  /** True while the file still names this process. */
  held(): boolean;
  release(): void;
}

/** Takes the lock, or returns undefined when a live waiter holds it. */
export function acquireLock(file: string, owner: LockOwner): SessionLock | undefined {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  } catch {
    return undefined;
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openNoFollow(file, 'wx');
      try {
        writeSync(fd, JSON.stringify(owner));
      } finally {
        closeSync(fd);
      }
      const held = () => readOwner(file)?.pid === owner.pid;
      return {
        held,
        release: () => {
          if (!held()) return;
          try {
            unlinkSync(file);
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
      const current = readOwner(file);
      // A lock written a moment ago may not hold its JSON yet: give it the benefit of the doubt once.
      if (current === undefined && attempt === 0) continue;
      if (!isStale(current)) return undefined;
      try {
        unlinkSync(file);
      } catch {
        // someone else removed it first; try again
      }
    }
  }
  return undefined;
}
