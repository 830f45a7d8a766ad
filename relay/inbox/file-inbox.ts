// The durable inbox: an append-only log of JSON-line segments (format in record-format.ts) plus an atomically
// rewritten consumers.json. Reads are served from memory (event-table.ts), rebuilt from the log on open.
//
//   dir/segments/00000001.log …   records; a new segment every ~8 MiB or ~20k records
//   dir/consumers.json            {version:1, consumers:{name:{topic?, cursor}}}: tmp + fsync + rename + fsync dir
//
// Appends are group-committed: everything appended in one tick, or while the previous write+fsync is in flight,
// goes out as one write and one fsync. An append resolves only after that fsync, because the relay advances its
// upstream cursor past an event only once the event is durable (DESIGN.md "Upstream cursor"). Batches are
// written strictly one after another, so the order on disk is the seq order.
import { join } from 'node:path';
import { BaseInbox } from './base-inbox.js';
import { ConsumerRegistry, ConsumersFileSchema, type ConsumersFile } from './consumers.js';
import { InboxError, InboxWriteError, errnoOf } from './errors.js';
import { newBatch, type PendingBatch } from './event-table.js';
import { fsyncDir, nodeInboxFs, writeFileAtomically, writeFully, type InboxFs } from './fs.js';
import type { ReceiptChange } from './receipts.js';
import { checkpointCursors, checkpointRecord, encodeRecord, receiptChange, receiptRecord, SegmentScanner, type LogRecord } from './record-format.js';
import { resolveRetention } from './retention.js';
import { DEFAULT_RETENTION, type AppendResult, type EventSource, type IncomingEvent, type RetentionPolicy } from './types.js';

export interface FileInboxOptions {
  dir: string;
  retention?: Partial<RetentionPolicy>;
  /** Milliseconds since the epoch; drives `received_at` and age retention. */
  clock?: () => number;
  fs?: InboxFs;
  /** Roll to a new segment once the current one would exceed this many bytes (default 8 MiB). */
  segmentMaxBytes?: number;
  /** … or this many records (default 20,000). Small values let tests see rolls and retention cheaply. */
  segmentMaxRecords?: number;
  /**
   * Opening reads each segment in pieces of this many bytes (default 256 KiB, two buffers of it; more for a
   * longer record). Small values let tests see records cut by a read.
   */
  readChunkBytes?: number;
  /**
   * How often retention runs on its own (default hourly; 0 = never). Reads hide expired events at once; this
   * only frees disk for an inbox that receives too little to roll segments.
   */
  compactEveryMs?: number;
  onListenerError?: (error: unknown) => void;
}

const DEFAULT_COMPACT_EVERY_MS = 3_600_000;
const DEFAULT_SEGMENT_BYTES = 8 * 1024 * 1024;
const DEFAULT_SEGMENT_RECORDS = 20_000;
const SEGMENT_NAME = /^(\d+)\.log$/;
const DEFAULT_READ_CHUNK_BYTES = 256 * 1024;
const NEWLINE = 0x0a;

interface Segment {
  no: number;
  path: string;
  size: number;
  records: number;
  /** Highest seq this segment knows (its last event, or its checkpoint's head): deletable once below retention. */
  lastSeq: number;
}

/** The two read buffers of an open (see `loadSegment`), reused from segment to segment. */
interface ReadBuffers {
  current: Buffer;
  spare: Buffer;
}

interface QueuedAppend {
  result: AppendResult;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

interface Batch extends PendingBatch {
  appends: QueuedAppend[];
  /** Committed or failed; a failed batch still has a flush queued, which then does nothing. */
  settled: boolean;
}

const noop = () => {};

export class FileInbox extends BaseInbox {
  private readonly fs: InboxFs;
  private readonly segmentsDir: string;
  private readonly consumersPath: string;
  private readonly segmentMaxBytes: number;
  private readonly segmentMaxRecords: number;
  private readonly readChunkBytes: number;
  private segments: Segment[] = [];
  /** fd of the last (active) segment, opened for positioned writes. */
  private fd: number | undefined;
  /** A failed write could not be cut back; cut again before writing anything else. */
  private needsTruncate = false;
  /** The batch collecting appends; its flush is already queued on `logChain`. */
  private collecting: Batch | undefined;
  /** Serializes every log write, roll and segment deletion. Never rejects. */
  private logChain: Promise<void> = Promise.resolve();
  private consumersDirty = false;
  /** Serializes consumers.json writes. Never rejects. */
  private consumersChain: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;
  /** Receipt changes waiting for the next log write (group-committed like appends), and their callers. */
  private receiptQueue: { changes: ReceiptChange[]; done: { resolve(): void; reject(error: unknown): void }[] } | undefined;
  private compactTimer: ReturnType<typeof setInterval> | undefined;

  private constructor(options: FileInboxOptions) {
    super({
      retention: resolveRetention(options.retention, DEFAULT_RETENTION),
      clock: options.clock ?? Date.now,
      onListenerError: options.onListenerError,
    });
    this.fs = options.fs ?? nodeInboxFs;
    this.segmentsDir = join(options.dir, 'segments');
    this.consumersPath = join(options.dir, 'consumers.json');
    this.segmentMaxBytes = options.segmentMaxBytes ?? DEFAULT_SEGMENT_BYTES;
    this.segmentMaxRecords = options.segmentMaxRecords ?? DEFAULT_SEGMENT_RECORDS;
    this.readChunkBytes = Math.max(1, options.readChunkBytes ?? DEFAULT_READ_CHUNK_BYTES);
  }

  /**
   * Opens (creating if needed) the inbox in `dir`. A torn tail of the last segment is cut off, corrupt records
   * elsewhere are skipped and counted in `stats().skippedOnOpen`; neither is fatal.
   */
  static async open(options: FileInboxOptions): Promise<FileInbox> {
    const inbox = new FileInbox(options);
    try {
      await inbox.load();
    } catch (error) {
      if (inbox.fd !== undefined) await inbox.fs.close(inbox.fd).catch(noop);
      if (error instanceof InboxError) throw error;
      throw new InboxError('inbox_open_failed', `Could not open the inbox in ${options.dir}: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
    const every = options.compactEveryMs ?? DEFAULT_COMPACT_EVERY_MS;
    if (every > 0) {
      // A failure here resurfaces on the next append or compact(); the timer must not keep the process alive.
      inbox.compactTimer = setInterval(() => inbox.compact().catch(noop), every);
      inbox.compactTimer.unref?.();
    }
    return inbox;
  }

  // async: a closed inbox or bad input rejects instead of throwing; the body up to the returned promise still
  // runs at call time, so appends made in one tick join one batch.
  async append(events: IncomingEvent[]): Promise<AppendResult> {
    this.assertOpen();
    this.validate(events);
    const batch = this.collecting ?? this.startBatch();
    const result = this.table.plan(events, this.receivedAt(), batch);
    return new Promise((resolve, reject) => batch.appends.push({ result, resolve, reject }));
  }

  async compact(): Promise<void> {
    this.assertOpen();
    return this.serializeLog(async () => {
      this.expire();
      const active = this.activeSegment();
      // An idle inbox whose every event aged out: start a fresh segment so the old one can go too.
      if (active.records > 1 && active.lastSeq < this.firstVisibleSeq()) {
        try {
          await this.roll('', 0, this.table.head());
        } catch (error) {
          throw new InboxWriteError('a new inbox segment', error);
        }
      }
      await this.dropExpiredSegments();
    });
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  protected persistConsumers(changed: boolean): Promise<void> {
    if (changed) this.consumersDirty = true;
    return this.saveConsumers();
  }

  // ---- open ----

  private async load(): Promise<void> {
    await this.fs.mkdir(this.segmentsDir, { recursive: true });
    const found = (await this.fs.readdir(this.segmentsDir))
      .map((name) => SEGMENT_NAME.exec(name))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => Number(match[1]))
      .sort((a, b) => a - b);

    // Segments are read and parsed a piece at a time through two small buffers, shared by all segments: a
    // whole-segment buffer (8 MiB) stayed resident after open until the next full GC.
    const size = found.length > 0 ? this.readChunkBytes : 0;
    const reader: ReadBuffers = { current: Buffer.allocUnsafe(size), spare: Buffer.allocUnsafe(size) };
    for (const [i, no] of found.entries()) {
      const last = i === found.length - 1;
      const path = this.segmentPath(no);
      const fd = await this.fs.open(path, last ? 'r+' : 'r');
      if (last) this.fd = fd; // the active segment: kept open for appends (and closed by open() on failure)
      try {
        this.segments.push(await this.loadSegment(no, fd, last, reader));
      } finally {
        if (!last) await this.fs.close(fd);
      }
      // Trim as we go, so a log holding more than retention never sits in memory all at once.
      this.expire();
    }
    if (this.segments.length === 0) await this.createFirstSegment();

    await this.loadConsumers();
    await this.dropExpiredSegments();
  }

  /**
   * Reads and applies one segment a piece at a time, through two buffers: while the records of one piece are
   * parsed, the next piece is already being read (on libuv's threadpool), so the open waits for the disk only
   * at the first read of a segment. A piece ends at its last newline; the cut line moves to the front of the
   * next buffer, which grows only for a line longer than itself.
   */
  private async loadSegment(no: number, fd: number, last: boolean, reader: ReadBuffers): Promise<Segment> {
    const path = this.segmentPath(no);
    const segment: Segment = { no, path, size: 0, records: 0, lastSeq: this.table.head() };
    let rejected = 0;
    const scanner = new SegmentScanner((record) => {
      segment.records++;
      if (!this.applyRecord(record)) rejected++;
    });
    let length = await this.fs.read(fd, reader.current, 0, reader.current.length, 0);
    let position = length; // file offset just past the bytes read
    let pending = 0; // bytes after the last newline once the file is read: a torn tail
    while (length > 0) {
      const buf = reader.current;
      const complete = buf.lastIndexOf(NEWLINE, length - 1) + 1;
      const cut = length - complete;
      if (cut >= reader.spare.length) reader.spare = Buffer.allocUnsafe(Math.max(reader.spare.length, cut) * 2);
      const next = reader.spare;
      buf.copy(next, 0, complete, length);
      const ahead = this.fs.read(fd, next, cut, next.length - cut, position);
      ahead.catch(noop); // awaited below; this only keeps a failure during the scan from going unhandled
      scanner.scan(buf, complete);
      segment.size += complete;
      const n = await ahead;
      reader.spare = buf;
      reader.current = next;
      position += n;
      length = cut + n;
      if (n === 0) {
        pending = cut;
        break;
      }
    }
    const { goodEnd, corrupt } = scanner.finish(pending);
    segment.size += pending;
    this.skippedOnOpen += corrupt + rejected;
    segment.lastSeq = this.table.head();
    if (last && goodEnd < segment.size) {
      // A torn tail: the write that was cut short was never acknowledged, so dropping it loses nothing. Cut it
      // off now, or the next record would be glued to the fragment and lost with it.
      await this.fs.ftruncate(fd, goodEnd);
      await this.fs.fsync(fd);
      segment.size = goodEnd;
    }
    return segment;
  }

  /** Returns false when an intact record does not fit (e.g. a repeated seq); the caller counts it as skipped. */
  private applyRecord(record: LogRecord): boolean {
    switch (record.t) {
      case 'cp':
        this.table.loadCheckpoint(record.head, checkpointCursors(record));
        return true;
      case 'ev':
        return this.table.load(record.ev);
      case 'merge':
        this.table.loadMerge(record.seq, record.sub);
        return true;
      case 'rc':
      case 'rk':
      case 'rx':
        // A receipt whose event retention already dropped is simply not wanted any more: not a bad record.
        if (this.table.get(record.seq) !== undefined) this.receiptTable.load(receiptChange(record)!);
        return true;
    }
  }

  /**
   * Receipts recorded in one tick (or while a write is in flight) go out as one write and one fsync, behind
   * the appends queued before them, so on disk a receipt always follows its event and an ack mark its receipt.
   */
  protected persistReceipts(changes: readonly ReceiptChange[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let queue = this.receiptQueue;
      if (!queue) {
        const fresh: NonNullable<FileInbox['receiptQueue']> = { changes: [], done: [] };
        queue = fresh;
        this.receiptQueue = fresh;
        void this.serializeLog(() => this.flushReceipts(fresh));
      }
      queue.changes.push(...changes);
      queue.done.push({ resolve, reject });
    });
  }

  private async flushReceipts(queue: NonNullable<FileInbox['receiptQueue']>): Promise<void> {
    if (this.receiptQueue === queue) this.receiptQueue = undefined;
    let body = '';
    for (const change of queue.changes) body += encodeRecord(receiptRecord(change));
    try {
      // Receipts never hold the head: the segment keeps its lastSeq, and the next append decides on a roll.
      const active = this.activeSegment();
      if (this.needsTruncate) await this.cutBack(this.requireFd(), active.size);
      await this.writeActive(active, body, queue.changes.length, active.lastSeq);
    } catch (error) {
      const failure = new InboxWriteError('the inbox log (receipts)', error);
      for (const d of queue.done) d.reject(failure);
      return;
    }
    for (const d of queue.done) d.resolve();
  }

  private async createFirstSegment(): Promise<void> {
    const segment: Segment = { no: 1, path: this.segmentPath(1), size: 0, records: 0, lastSeq: this.table.head() };
    this.fd = await this.fs.open(segment.path, 'w');
    await fsyncDir(this.fs, this.segmentsDir);
    this.segments.push(segment);
  }

  private async loadConsumers(): Promise<void> {
    let text: string | undefined;
    try {
      text = (await this.fs.readFile(this.consumersPath)).toString('utf8');
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') throw error;
    }
    let saved: ConsumersFile | undefined;
    if (text !== undefined) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      saved = ConsumersFileSchema.safeParse(json).data;
      // Written atomically, so this means someone edited it. Keep their copy and start over: consumers then
      // see events again (at least once), which beats refusing to start.
      if (!saved) await this.fs.rename(this.consumersPath, `${this.consumersPath}.corrupt-${this.clock()}`).catch(noop);
    }
    this.consumers = new ConsumerRegistry(saved, this.clock());
    this.lastConsumerSweep = -Infinity;
    let dirty = !saved;
    // A cursor past the head (log lost or replaced) would hide the next events from that consumer.
    const head = this.table.head();
    for (const [, record] of this.consumers.entries()) {
      if (record.cursor > head) {
        record.cursor = head;
        dirty = true;
      }
    }
    await this.persistConsumers(dirty);
  }

  async raiseResumeCursor(source: EventSource, eventId: number): Promise<void> {
    this.assertOpen();
    // A checkpoint record in the middle of a segment: on open it raises the cursors like a segment's first one.
    return this.serializeLog(async () => {
      if (!this.table.raiseCursor(source, eventId)) return;
      const record = encodeRecord(checkpointRecord(this.table.head(), this.table.sourceCursors()));
      try {
        await this.writeActive(this.activeSegment(), record, 1, this.activeSegment().lastSeq);
      } catch (error) {
        throw new InboxWriteError('the inbox log', error);
      }
    });
  }

  // ---- append path ----

  private startBatch(): Batch {
    const batch: Batch = { ...newBatch(), appends: [], settled: false };
    this.collecting = batch;
    // Queued behind the write in flight (if any); otherwise it runs after the current tick's appends.
    void this.serializeLog(() => this.flush(batch));
    return batch;
  }

  private async flush(batch: Batch): Promise<void> {
    if (this.collecting === batch) this.collecting = undefined;
    if (batch.settled) return;
    let rolled = false;
    if (batch.events.length > 0 || batch.merges.length > 0) {
      try {
        rolled = await this.writeBatch(batch);
      } catch (error) {
        this.fail(batch, new InboxWriteError('the inbox log', error));
        return;
      }
    }
    batch.settled = true;
    this.table.commit(batch);
    this.published(
      batch,
      batch.appends.map((a) => a.result),
    );
    for (const queued of batch.appends) queued.resolve(queued.result);
    if (rolled) await this.dropExpiredSegments();
  }

  /**
   * Rejects this batch and the one collecting behind it: the later one may count duplicates of, or merge into,
   * events that are now not stored, and an append must never report "duplicate" for an event that was lost.
   */
  private fail(batch: Batch, error: InboxWriteError): void {
    const failed = [batch];
    if (this.collecting && this.collecting !== batch) failed.push(this.collecting);
    this.collecting = undefined;
    for (const b of failed) {
      b.settled = true;
      this.table.rollback(b);
      for (const queued of b.appends) queued.reject(error);
    }
  }

  /** Writes one batch (rolling first if the active segment is full). Returns whether it rolled. */
  private async writeBatch(batch: Batch): Promise<boolean> {
    let body = '';
    for (const ev of batch.events) body += encodeRecord({ t: 'ev', ev });
    for (const m of batch.merges) body += encodeRecord({ t: 'merge', seq: m.event.seq, sub: m.subscriptionId });
    const records = batch.events.length + batch.merges.length;
    const lastSeq = batch.events.at(-1)?.seq ?? this.table.head();
    const active = this.activeSegment();
    // A rejected write that could not be cut back yet: nothing goes out (in this segment or a new one) until
    // it is, or its records could come back on the next open.
    if (this.needsTruncate) await this.cutBack(this.requireFd(), active.size);
    const bytes = Buffer.byteLength(body);
    if (active.size > 0 && (active.size + bytes > this.segmentMaxBytes || active.records + records > this.segmentMaxRecords)) {
      await this.roll(body, records, lastSeq);
      return true;
    }
    await this.writeActive(active, body, records, lastSeq);
    return false;
  }

  private async writeActive(segment: Segment, body: string, records: number, lastSeq: number): Promise<void> {
    const fd = this.requireFd();
    // An empty segment (first one, or one emptied by a failed first write) starts with its checkpoint.
    const header = segment.size === 0 ? encodeRecord(checkpointRecord(this.table.head(), this.table.sourceCursors())) : '';
    const buf = Buffer.from(header + body, 'utf8');
    try {
      await writeFully(this.fs, fd, buf, segment.size);
      await this.fs.fsync(fd);
    } catch (error) {
      // Partial lines or whole records of a rejected batch must not survive: the next batch starts at the
      // last good byte, and a later reopen must not resurrect events the caller was told failed.
      await this.cutBack(fd, segment.size).catch(noop);
      throw error;
    }
    segment.size += buf.length;
    segment.records += records + (header ? 1 : 0);
    segment.lastSeq = lastSeq;
  }

  /** Starts segment n+1 with a checkpoint and `body`; the old segment stays as it is. */
  private async roll(body: string, records: number, lastSeq: number): Promise<void> {
    const no = this.activeSegment().no + 1;
    const path = this.segmentPath(no);
    const buf = Buffer.from(encodeRecord(checkpointRecord(this.table.head(), this.table.sourceCursors())) + body, 'utf8');
    let fd: number | undefined;
    try {
      fd = await this.fs.open(path, 'w');
      await writeFully(this.fs, fd, buf, 0);
      await this.fs.fsync(fd);
      // The new file's directory entry must be durable too, or a crash could lose the whole segment.
      await fsyncDir(this.fs, this.segmentsDir);
    } catch (error) {
      if (fd !== undefined) await this.fs.close(fd).catch(noop);
      await this.fs.unlink(path).catch(noop);
      throw error;
    }
    const previous = this.fd;
    this.fd = fd;
    this.segments.push({ no, path, size: buf.length, records: records + 1, lastSeq });
    if (previous !== undefined) await this.fs.close(previous).catch(noop);
  }

  private async cutBack(fd: number, size: number): Promise<void> {
    this.needsTruncate = true;
    await this.fs.ftruncate(fd, size);
    await this.fs.fsync(fd);
    this.needsTruncate = false;
  }

  // ---- retention ----

  private firstVisibleSeq(): number {
    return this.table.oldest()?.seq ?? this.table.head() + 1;
  }

  /** Deletes whole segments whose every event is past retention; never the active one (it holds the head). */
  private async dropExpiredSegments(): Promise<void> {
    const firstVisible = this.firstVisibleSeq();
    while (this.segments.length > 1) {
      const oldest = this.segments[0] as Segment;
      if (oldest.lastSeq >= firstVisible) break;
      try {
        await this.fs.unlink(oldest.path);
      } catch (error) {
        // Left for the next attempt; an undeleted segment only costs disk, its events stay invisible.
        if (errnoOf(error) !== 'ENOENT') return;
      }
      this.segments.shift();
    }
  }

  // ---- consumers.json ----

  /** Saves if anything changed since the last save began; resolves once the state at call time is durable. */
  private saveConsumers(): Promise<void> {
    const run = this.consumersChain.then(async () => {
      if (!this.consumersDirty) return;
      this.consumersDirty = false;
      try {
        await writeFileAtomically(this.fs, this.consumersPath, JSON.stringify(this.consumers.toFile()));
      } catch (error) {
        this.consumersDirty = true;
        throw new InboxWriteError('consumers.json', error);
      }
    });
    this.consumersChain = run.catch(noop);
    return run;
  }

  // ---- plumbing ----

  private async shutdown(): Promise<void> {
    this.closed = true;
    if (this.compactTimer !== undefined) clearInterval(this.compactTimer);
    this.releaseWaiters();
    await this.logChain;
    let failure: unknown;
    try {
      await this.saveConsumers();
    } catch (error) {
      failure = error;
    }
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) await this.fs.close(fd).catch(noop);
    if (failure !== undefined) throw failure;
  }

  private serializeLog<T>(task: () => Promise<T>): Promise<T> {
    const run = this.logChain.then(task);
    this.logChain = run.then(noop, noop);
    return run;
  }

  private activeSegment(): Segment {
    const segment = this.segments.at(-1);
    if (!segment) throw new Error('inbox invariant: no active segment after open');
    return segment;
  }

  private requireFd(): number {
    if (this.fd === undefined) throw new Error('inbox invariant: active segment is not open');
    return this.fd;
  }

  private segmentPath(no: number): string {
    return join(this.segmentsDir, `${String(no).padStart(8, '0')}.log`);
  }
}
