// Opening the files of the home dir without following planted links (DESIGN.md "Security"): every open adds
// O_NOFOLLOW, so a symlink at `relay.json`, `local-token`, `logs/relay.log` or a temp file cannot redirect a
// read or a write to a file outside the home; temp files are created with O_EXCL after unlinking a leftover
// (unlink removes a link itself, never its target), so a crash's leftover neither blocks nor redirects.
// Written by hand: node:fs has the flags but no helper that combines them, and write-file-atomic and conf
// open their temp files without O_NOFOLLOW/O_EXCL.
import { closeSync, constants, fstatSync, fsyncSync, lstatSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { RelayError } from './errors.js';

/**
 * Windows has no O_NOFOLLOW (constants.O_NOFOLLOW is undefined there): `openNoFollow` falls back to lstat
 * and refusing a link, which leaves a window between the check and the open but still stops a planted link.
 */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
/** A planted FIFO must not block an open forever; regular files ignore O_NONBLOCK. */
const NONBLOCK = constants.O_NONBLOCK ?? 0;

export type UnsafeFileCode = 'symlink' | 'not_a_file';

/** A home file that must not be used as it is; the message says what is wrong and what to run. */
export class UnsafeFileError extends RelayError {
  override readonly name = 'UnsafeFileError';
  declare readonly code: UnsafeFileCode;
  constructor(
    readonly path: string,
    code: UnsafeFileCode,
    message: string,
  ) {
    super('config', code, message);
  }
}

export function symlinkRefused(path: string): UnsafeFileError {
  return new UnsafeFileError(path, 'symlink', `${path} is a symbolic link, which push-relay does not follow in its home dir; remove it (rm '${path}') and try again`);
}

function notAFile(path: string): UnsafeFileError {
  return new UnsafeFileError(path, 'not_a_file', `${path} is not a regular file; remove it (rm '${path}') and try again`);
}

/** Node's string flags as numbers, so O_NOFOLLOW can be added to them (node:fs accepts either form). */
const FLAGS: Record<string, number> = {
  r: constants.O_RDONLY,
  'r+': constants.O_RDWR,
  w: constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC,
  wx: constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_EXCL,
  'w+': constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC,
  a: constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND,
  ax: constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_EXCL,
  'a+': constants.O_RDWR | constants.O_CREAT | constants.O_APPEND,
};

/** `flags` (a node:fs string or a number) with O_NOFOLLOW added (nothing on Windows: use openNoFollow there). */
export function noFollow(flags: string | number): number {
  const n = typeof flags === 'number' ? flags : FLAGS[flags];
  if (n === undefined) throw new TypeError(`unsupported open flags "${String(flags)}"`);
  return n | NOFOLLOW;
}

/** True for the errno an O_NOFOLLOW open gives on a symlink (ELOOP on Linux and macOS, EMLINK on FreeBSD). */
export function isSymlinkErrno(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ELOOP' || code === 'EMLINK';
}

/** Opens `path` without following a link at its last component; a link is refused with UnsafeFileError. */
export function openNoFollow(path: string, flags: string | number, mode = 0o600): number {
  if (NOFOLLOW === 0) {
    try {
      if (lstatSync(path).isSymbolicLink()) throw symlinkRefused(path);
    } catch (err) {
      if (err instanceof UnsafeFileError) throw err;
      // missing: the open below says so (or creates it)
    }
  }
  try {
    return openSync(path, noFollow(flags), mode);
  } catch (err) {
    if (isSymlinkErrno(err)) throw symlinkRefused(path);
    throw err;
  }
}

/** Opens a regular file for reading without following a link; ENOENT passes through for "missing". */
export function openReadNoFollow(path: string): number {
  const fd = openNoFollow(path, constants.O_RDONLY | NONBLOCK);
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw notAFile(path);
  }
  return fd;
}

/** Reads a regular file as UTF-8 without following a link; ENOENT passes through for "missing". */
export function readTextNoFollow(path: string): string {
  const fd = openReadNoFollow(path);
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** Writes all of `data` through `fd`, looping over short writes. */
function writeAll(fd: number, data: Buffer): void {
  for (let offset = 0; offset < data.length; ) {
    const written = writeSync(fd, data, offset, data.length - offset);
    if (!(written > 0)) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    offset += written;
  }
}

/** Removes `path` if it is there; unlink removes a link itself, never what it points at. */
export function unlinkIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Creates `path` fresh with O_EXCL|O_NOFOLLOW, after unlinking whatever is there (a crash's leftover temp file or
 * a planted link). Two writers racing for the same temp name: the loser sees EEXIST and tries again.
 */
export function createExclusive(path: string, mode = 0o600): number {
  for (let attempt = 0; ; attempt++) {
    unlinkIfPresent(path);
    try {
      return openNoFollow(path, 'wx', mode);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 2) throw err;
    }
  }
}

/**
 * Replaces `path` with `data` so a crash leaves the old or the new content: a fresh temp file (O_EXCL), fsync,
 * rename over. rename replaces a link at `path` itself, so a planted link's target is never written.
 */
export function writeFileAtomicSync(path: string, data: string | Buffer, mode = 0o600): void {
  const tmp = `${path}.tmp`;
  const fd = createExclusive(tmp, mode);
  try {
    writeAll(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkIfPresent(tmp);
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

/** Overwrites `path` in place (created with `mode`) without following a link; not atomic, not synced. */
export function writeFileNoFollow(path: string, data: string, mode = 0o600): void {
  const fd = openNoFollow(path, noFollow('w') | NONBLOCK, mode);
  try {
    writeAll(fd, Buffer.from(data, 'utf8'));
  } finally {
    closeSync(fd);
  }
}

/** Appends `data` to `path` (created with `mode`) without following a link; only to a regular file. */
export function appendNoFollow(path: string, data: string, mode = 0o600): void {
  // O_NONBLOCK: a FIFO planted here fails the open (ENXIO) instead of blocking until someone reads it.
  const fd = openNoFollow(path, noFollow('a') | NONBLOCK, mode);
  try {
    if (!fstatSync(fd).isFile()) throw notAFile(path);
    writeAll(fd, Buffer.from(data, 'utf8'));
  } finally {
    closeSync(fd);
  }
}
