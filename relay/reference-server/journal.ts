// Append-only JSON-lines journal for the reference server's --data-dir.
// Every record is written at once with a synchronous write (so it survives SIGKILL: the bytes are in the
// page cache), and `sync()` batches fsyncs (group commit) so many concurrent emits share one disk flush.
// Written by hand rather than with a store library: it is ~80 lines and must be exact about durability.
// The file is opened without following a link and read through that same descriptor, as the relay's own files
// are (safe-fs.ts): a link planted at journal.jsonl cannot make the server write events somewhere else.
import { closeSync, fsync, fstatSync, ftruncateSync, mkdirSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { openNoFollow } from '../util/safe-fs.js';

export interface JournalReadResult<T> {
  records: T[];
  /** Lines that did not parse: a torn tail (ignored and cut off) or damage in the middle (skipped). */
  skipped: number;
}

export class Journal<T> {
  readonly #fd: number;
  #written = 0;
  #synced = 0;
  #syncing: Promise<void> | undefined;
  #closed = false;

  private constructor(fd: number) {
    this.#fd = fd;
  }

  /** Opens (creating) `dir/name`, returns the journal and every intact record in order. */
  static open<T>(dir: string, name: string): { journal: Journal<T> } & JournalReadResult<T> {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const fd = openNoFollow(join(dir, name), 'a+');
    let text: string;
    try {
      text = readFileSync(fd, 'utf8');
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    const records: T[] = [];
    let skipped = 0;
    let goodEnd = 0;
    let offset = 0;
    while (offset < text.length) {
      const nl = text.indexOf('\n', offset);
      if (nl === -1) {
        skipped++; // torn tail: a write cut short by a crash
        break;
      }
      const line = text.slice(offset, nl);
      offset = nl + 1;
      try {
        records.push(JSON.parse(line) as T);
        goodEnd = offset;
      } catch {
        skipped++;
        goodEnd = offset; // damage in the middle is skipped but kept on disk; only the tail is cut
      }
    }
    const goodBytes = Buffer.byteLength(text.slice(0, goodEnd), 'utf8');
    if (goodBytes < fstatSync(fd).size) ftruncateSync(fd, goodBytes);
    return { journal: new Journal<T>(fd), records, skipped };
  }

  /** Writes one record now (survives a process kill once this returns). */
  write(record: T): void {
    if (this.#closed) throw new Error('journal is closed');
    writeSync(this.#fd, JSON.stringify(record) + '\n');
    this.#written++;
  }

  /** Resolves once everything written so far is on disk; concurrent callers share fsyncs. */
  async sync(): Promise<void> {
    const target = this.#written;
    while (this.#synced < target) {
      if (!this.#syncing) {
        const upTo = this.#written;
        this.#syncing = new Promise<void>((resolve, reject) =>
          fsync(this.#fd, (err) => (err ? reject(err) : resolve())),
        ).then(
          () => {
            this.#synced = Math.max(this.#synced, upTo);
            this.#syncing = undefined;
          },
          (err: unknown) => {
            this.#syncing = undefined;
            throw err;
          },
        );
      }
      await this.#syncing;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.sync().catch(() => undefined);
    this.#closed = true;
    closeSync(this.#fd);
  }
}
