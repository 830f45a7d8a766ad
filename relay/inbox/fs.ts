// The file system calls the file inbox makes, as a small injectable port (STYLE.md "Inject the I/O"): tests
// wrap the real one to count fsyncs or fail a write with ENOSPC instead of mocking node:fs.
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { noFollow } from '../util/safe-fs.js';
import { errnoOf } from './errors.js';

export interface InboxFs {
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
  readdir(path: string): Promise<string[]>;
  /** Rejects with code ENOENT when the file does not exist. */
  readFile(path: string): Promise<Buffer>;
  open(path: string, flags: string): Promise<number>;
  /** Reads at `position`; resolves with the bytes read (0 at end of file). */
  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  /** Writes at `position`; may write fewer bytes than asked (the caller loops). */
  write(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  fsync(fd: number): Promise<void>;
  ftruncate(fd: number, length: number): Promise<void>;
  close(fd: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

function callback<T>(run: (done: (error: NodeJS.ErrnoException | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => run((error, value) => (error ? reject(error) : resolve(value as T))));
}

/** Reads a file without following a link at its name (safe-fs.ts: nothing in the home is opened through a link). */
async function readFileNoFollow(path: string): Promise<Buffer> {
  const handle = await fs.promises.open(path, noFollow('r'));
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

export const nodeInboxFs: InboxFs = {
  mkdir: (path, options) => fs.promises.mkdir(path, options),
  readdir: (path) => fs.promises.readdir(path),
  readFile: readFileNoFollow,
  // Every open adds O_NOFOLLOW: a link planted at a segment or at consumers.json is refused, never written through.
  open: (path, flags) => callback<number>((done) => fs.open(path, noFollow(flags), 0o600, done)),
  read: (fd, buffer, offset, length, position) => callback<number>((done) => fs.read(fd, buffer, offset, length, position, done)),
  write: (fd, buffer, offset, length, position) => callback<number>((done) => fs.write(fd, buffer, offset, length, position, done)),
  fsync: (fd) => callback<void>((done) => fs.fsync(fd, done)),
  ftruncate: (fd, length) => callback<void>((done) => fs.ftruncate(fd, length, done)),
  close: (fd) => callback<void>((done) => fs.close(fd, done)),
  rename: (from, to) => fs.promises.rename(from, to),
  unlink: (path) => fs.promises.unlink(path),
};

/** Directory fsync is not supported everywhere (Windows); these codes mean "not supported", not "failed". */
const DIR_FSYNC_UNSUPPORTED = new Set(['EISDIR', 'EPERM', 'EINVAL', 'EBADF']);

/** Writes all of `buf` at `position`, looping over short writes. */
export async function writeFully(fs: InboxFs, fd: number, buf: Buffer, position: number): Promise<void> {
  let offset = 0;
  while (offset < buf.length) {
    const written = await fs.write(fd, buf, offset, buf.length - offset, position + offset);
    if (!(written > 0)) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    offset += written;
  }
}

/** Makes a directory's entries (a created or renamed file) durable, where the platform supports it. */
export async function fsyncDir(fs: InboxFs, path: string): Promise<void> {
  let fd: number;
  try {
    fd = await fs.open(path, 'r');
  } catch (error) {
    if (DIR_FSYNC_UNSUPPORTED.has(errnoOf(error) ?? '')) return;
    throw error;
  }
  try {
    await fs.fsync(fd);
  } catch (error) {
    if (!DIR_FSYNC_UNSUPPORTED.has(errnoOf(error) ?? '')) throw error;
  } finally {
    await fs.close(fd).catch(() => {});
  }
}

/**
 * Replaces `path` with `text` so that a crash leaves the old or the new content, never a mix: write a temp
 * file, fsync it, rename it over (which replaces a link at `path` itself, not its target), fsync the directory.
 */
export async function writeFileAtomically(fs: InboxFs, path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  // A temp file left by a crash (or a link planted at its name) is removed first, then the temp file is
  // created fresh with O_EXCL: never written through a link, never blocked by a leftover.
  await fs.unlink(tmp).catch((error: unknown) => {
    if (errnoOf(error) !== 'ENOENT') throw error;
  });
  const fd = await fs.open(tmp, 'wx');
  try {
    await writeFully(fs, fd, Buffer.from(text, 'utf8'), 0);
    await fs.fsync(fd);
  } finally {
    await fs.close(fd);
  }
  await fs.rename(tmp, path);
  await fsyncDir(fs, dirname(path));
}
