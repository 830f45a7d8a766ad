// One relay per home dir (DESIGN.md "Exactly one process per user data dir owns the upstream connection and
// the inbox"), the local token, and relay.json — the small files hooks and the stdio bridge read.
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import type { HomePaths } from './home.js';

export class InstanceLockedError extends Error {
  readonly code = 'already_running';
  constructor(readonly pid: number, home: string) {
    super(`another relay (pid ${pid}) is already running on ${home}; stop it first, or use another --home`);
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

/**
 * Takes `<home>/relay.lock` with O_EXCL. A lock left by a dead process (SIGKILL, crash) is taken over;
 * a live owner is named in the refusal.
 */
export function acquireInstanceLock(paths: HomePaths, pid = process.pid): InstanceLock {
  mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(paths.lock, 'wx', 0o600);
      writeSync(fd, String(pid));
      closeSync(fd);
      return {
        release() {
          try {
            if (readFileSync(paths.lock, 'utf8').trim() === String(pid)) unlinkSync(paths.lock);
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner = NaN;
    try {
      owner = Number(readFileSync(paths.lock, 'utf8').trim());
    } catch {
      continue; // removed between our open and read: try again
    }
    if (Number.isInteger(owner) && owner > 0 && owner !== pid && alive(owner)) throw new InstanceLockedError(owner, paths.home);
    // Stale: move it aside atomically so two starters cannot both delete a fresh lock.
    try {
      renameSync(paths.lock, `${paths.lock}.stale-${pid}`);
      unlinkSync(`${paths.lock}.stale-${pid}`);
    } catch {
      // someone else handled it; loop
    }
  }
  throw new Error(`could not take ${paths.lock}; remove it if no relay is running`);
}

/** The local token (random, mode 0600). Kept across restarts so configured clients keep working. */
export function ensureLocalToken(paths: HomePaths): string {
  try {
    const token = readFileSync(paths.localToken, 'utf8').trim();
    if (/^[0-9a-f]{64}$/.test(token)) {
      if ((statSync(paths.localToken).mode & 0o077) !== 0) chmodSync(paths.localToken, 0o600);
      return token;
    }
  } catch {
    // missing: create below
  }
  const token = randomBytes(32).toString('hex');
  const tmp = `${paths.localToken}.${process.pid}.tmp`;
  writeFileSync(tmp, token + '\n', { mode: 0o600 });
  renameSync(tmp, paths.localToken);
  return token;
}

export interface RelayInfo {
  pid: number;
  url: string;
  version: string;
}

export function writeRelayJson(paths: HomePaths, info: RelayInfo): void {
  const tmp = `${paths.relayJson}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(info) + '\n', { mode: 0o600 });
  renameSync(tmp, paths.relayJson);
}

export function removeRelayJson(paths: HomePaths, pid = process.pid): void {
  try {
    const info = JSON.parse(readFileSync(paths.relayJson, 'utf8')) as RelayInfo;
    if (info.pid === pid) unlinkSync(paths.relayJson);
  } catch {
    // already gone or not ours
  }
}
