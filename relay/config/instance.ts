// One relay per home dir (DESIGN.md "Exactly one process per user data dir owns the upstream connection and
// the inbox"), the local token, and relay.json — the small files hooks and the stdio bridge read.
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fstatSync, mkdirSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { openNoFollow, openReadNoFollow, readTextNoFollow, writeFileAtomicSync } from '../util/safe-fs.js';
import { RelayError } from '../util/errors.js';
import type { HomePaths } from './home.js';
import { assertHomeTrusted, type TrustIo } from './home-trust.js';

export class InstanceLockedError extends RelayError {
  declare readonly code: 'already_running';
  constructor(readonly pid: number, home: string) {
    super('config', 'already_running', `another relay (pid ${pid}) is already running on ${home}; stop it first, or use another --home`);
  }
}

export interface InstanceLock {
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** An empty lock this young is being written by its owner (it opens the file, then writes its pid). */
const FRESH_LOCK_MS = 2_000;
/** A takeover mutex this old was left by a starter that died while holding it. */
const STALE_TAKEOVER_MS = 5_000;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export interface LockSnapshot {
  ino: number;
  ageMs: number;
  text: string;
}

/** The lock file's inode, age and content, read through one descriptor (so all three are of one file). */
export function inspectLock(path: string): LockSnapshot | undefined {
  let fd: number;
  try {
    fd = openReadNoFollow(path);
  } catch {
    return undefined; // removed meanwhile (a link planted here is refused by assertHomeTrusted before)
  }
  try {
    const st = fstatSync(fd);
    return { ino: st.ino, ageMs: Date.now() - st.mtimeMs, text: readFileSync(fd, 'utf8').trim() };
  } finally {
    closeSync(fd);
  }
}

/** A lock file is held by a live pid (that pid), being written by its owner right now, or stale. */
function judgeLock(lock: LockSnapshot, self: number): number | 'being-written' | 'stale' {
  if (lock.text === '') return lock.ageMs < FRESH_LOCK_MS ? 'being-written' : 'stale';
  const owner = Number(lock.text);
  return Number.isInteger(owner) && owner > 0 && owner !== self && alive(owner) ? owner : 'stale';
}

/**
 * Takes `<home>/relay.lock` with O_EXCL. A lock left by a dead process (SIGKILL, crash) is taken over;
 * a live owner is named in the refusal.
 *
 * Races between starters (DESIGN.md "Failure behaviour": a second relay on the same home refuses): a lock still
 * empty was just created and is waited for, not taken; and a stale lock is removed only under
 * `relay.lock.takeover` (O_EXCL too), after checking it is still the same stale file. Without that, two starters
 * that both judged the old lock stale could each remove a lock — the second one removing the first one's fresh
 * lock — and both run.
 */
export function acquireInstanceLock(paths: HomePaths, pid = process.pid, trust: TrustIo = {}): InstanceLock {
  // What the relay creates in its home (settings through conf, the demo server's data, the inbox) must pass
  // this same check at the next start whatever the user's umask: 0002 (Ubuntu's user-private groups) would
  // leave files group-writable. The owner process creates nothing that others need to write.
  try {
    process.umask(0o077);
  } catch {
    // a worker thread cannot set it (ERR_WORKER_UNSUPPORTED_OPERATION); the home's writers give modes anyway
  }
  mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  assertHomeTrusted(paths, 'owner', trust);
  const giveUpAt = Date.now() + 10_000;
  for (let attempt = 0; attempt < 5 || Date.now() < giveUpAt; attempt++) {
    if (attempt > 0) sleepSync(Math.min(50, 5 * attempt));
    try {
      // O_EXCL does not follow a link at the name either: a planted link makes this EEXIST, never a write.
      const fd = openNoFollow(paths.lock, 'wx');
      writeSync(fd, String(pid));
      closeSync(fd);
      return {
        release() {
          try {
            if (readTextNoFollow(paths.lock).trim() === String(pid)) unlinkSync(paths.lock);
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const seen = inspectLock(paths.lock);
    if (!seen) continue; // removed between our open and read: try again
    const verdict = judgeLock(seen, pid);
    if (verdict === 'being-written') continue; // its owner is about to write its pid
    if (typeof verdict === 'number') throw new InstanceLockedError(verdict, paths.home);
    // Stale. Remove it only while holding the takeover mutex, and only if it is still the file judged stale.
    removeLockIfStale(paths, seen, pid);
  }
  throw new Error(`could not take ${paths.lock}; remove it if no relay is running`);
}

/**
 * Removes the lock judged stale in `seen`, under the `relay.lock.takeover` mutex, if it is still that stale
 * file. Does nothing when another starter holds the mutex (the caller looks again at what it leaves).
 * The same inode number alone proves nothing: once the stale file is unlinked, the fresh lock another starter
 * creates right after usually gets that very inode back (ext4 reused it 100 times in 100 here). So the file
 * must still have the same inode, the same content, and still be judged stale — a new lock is empty while its
 * owner writes it (and young) or holds a live pid.
 */
export function removeLockIfStale(paths: HomePaths, seen: LockSnapshot, pid = process.pid): void {
  const takeover = `${paths.lock}.takeover`;
  let mutex: number;
  try {
    mutex = openNoFollow(takeover, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    try {
      if (Date.now() - statSync(takeover).mtimeMs > STALE_TAKEOVER_MS) unlinkSync(takeover);
    } catch {
      // gone already
    }
    return; // another starter is taking over
  }
  try {
    const now = inspectLock(paths.lock);
    if (now && now.ino === seen.ino && now.text === seen.text && judgeLock(now, pid) === 'stale') unlinkSync(paths.lock);
  } catch {
    // someone else handled it
  } finally {
    closeSync(mutex);
    try {
      unlinkSync(takeover);
    } catch {
      // removed as stale by another starter (we were very slow): nothing to release
    }
  }
}

/** The local token (random, mode 0600). Kept across restarts so configured clients keep working. */
export function ensureLocalToken(paths: HomePaths): string {
  let fd: number | undefined;
  try {
    fd = openReadNoFollow(paths.localToken);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // a link or a FIFO: refused, with what to run
  }
  if (fd !== undefined) {
    try {
      const token = readFileSync(fd, 'utf8').trim();
      if (/^[0-9a-f]{64}$/.test(token)) {
        // Through the descriptor: the file checked is the file narrowed, whatever happens to the name.
        if ((fstatSync(fd).mode & 0o077) !== 0) fchmodSync(fd, 0o600);
        return token;
      }
    } finally {
      closeSync(fd);
    }
  }
  const token = randomBytes(32).toString('hex');
  writeFileAtomicSync(paths.localToken, token + '\n');
  return token;
}

export interface RelayInfo {
  pid: number;
  url: string;
  version: string;
}

export function writeRelayJson(paths: HomePaths, info: RelayInfo): void {
  writeFileAtomicSync(paths.relayJson, JSON.stringify(info) + '\n');
}

export function removeRelayJson(paths: HomePaths, pid = process.pid): void {
  try {
    const info = JSON.parse(readTextNoFollow(paths.relayJson)) as RelayInfo;
    if (info.pid === pid) unlinkSync(paths.relayJson);
  } catch {
    // already gone or not ours
  }
}
