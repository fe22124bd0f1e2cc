// One segment of a partition log: `<base>.log` plus its indexes. Tracks the bytes appended (`size`),
// the bytes whose write finished (`writtenSize`) and the bytes fsynced (`syncedSize`). The indexes of
// an inactive segment are loaded on first use; the active segment's are built as batches are appended.
import { posix as path } from 'node:path';
import {
  BATCH_OFFSET_LEADER_EPOCH,
  BATCH_OFFSET_MAX_TIMESTAMP,
  readInt64,
} from '../protocol/records/batch.js';
import { INDEX_SUFFIX, LOG_SUFFIX, offsetFileName, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX } from './files.js';
import {
  errorCode,
  type FileHandle,
  type FileSystem,
  FsError,
  readWholeFile,
  SMALL_FILE_BYTES_MAX,
} from './fs.js';
import {
  OFFSET_INDEX_ENTRY_BYTES,
  OffsetIndex,
  TIME_INDEX_ENTRY_BYTES,
  TimeIndex,
  TxnIndex,
} from './indexes.js';
import {
  type BatchVisitor,
  lastOffsetAt,
  type ScanResult,
  scanBatches,
  scanBuffer,
  walkHeaders,
} from './scan.js';

export interface SegmentLimits {
  indexIntervalBytes: number;
  segmentIndexBytes: number;
}

/** A batch found in a segment file. */
export interface BatchLocation {
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
}

export class LogSegment {
  handle: FileHandle | null = null;
  private opening: Promise<FileHandle> | null = null;
  /** Bytes appended (including writes still queued). */
  size = 0;
  /** Bytes whose write has completed. */
  writtenSize = 0;
  /** Bytes known durable. */
  syncedSize = 0;
  /** Offset after the last batch, when known (always for the active segment). */
  nextOffset: number;
  offsetIndex: OffsetIndex | null = null;
  timeIndex: TimeIndex | null = null;
  txnIndex: TxnIndex | null = null;
  /** Largest batch max-timestamp and the last offset of that batch; -1 when unknown/none. */
  maxTimestamp = -1;
  offsetOfMaxTimestamp = -1;
  /** Max timestamp of the first batch (segment.ms rolls), null when not known yet. */
  firstBatchTimestamp: number | null = null;
  createdMs: number;
  lastModifiedMs: number;
  bytesSinceLastIndexEntry = 0;
  /** In-memory indexes hold entries not yet in their files. */
  indexesDirty = false;
  /**
   * The offset and time index files hold a prefix of the in-memory indexes, or do not exist: so
   * leaving new entries unwritten loses nothing a reader could be misled by. False when unknown (the
   * indexes were rebuilt in memory while files may hold something else).
   */
  private indexFilesMatch = false;
  /** The segment's files were created and the directory not synced since. */
  dirDirty = false;
  deleted = false;
  /** Appended to every file name: '.cleaned' or '.swap' while the cleaner builds the segment. */
  suffix = '';
  /**
   * Where recent reads ended: [offset, position] pairs, the batch that follows a read starting there.
   * A consumer's next fetch usually asks for exactly that offset. Checked when used (see log-read.ts).
   */
  private readonly readHints: number[] = [-1, -1, -1, -1, -1, -1, -1, -1];
  private nextHint = 0;
  private pins = 0;
  private closeWhenUnpinned = false;
  private loadingIndexes: Promise<ScanResult | null> | null = null;
  /** Index files the directory listing at open did not show (not looked for by the first load). */
  private absentIndexFiles: Set<string> | null = null;

  constructor(
    readonly fs: FileSystem,
    readonly dir: string,
    readonly baseOffset: number,
    readonly limits: SegmentLimits,
    nowMs: number,
  ) {
    this.nextOffset = baseOffset;
    this.createdMs = nowMs;
    this.lastModifiedMs = nowMs;
  }

  get logPath(): string {
    return path.join(this.dir, offsetFileName(this.baseOffset, LOG_SUFFIX) + this.suffix);
  }
  get indexPath(): string {
    return path.join(this.dir, offsetFileName(this.baseOffset, INDEX_SUFFIX) + this.suffix);
  }
  get timeIndexPath(): string {
    return path.join(this.dir, offsetFileName(this.baseOffset, TIME_INDEX_SUFFIX) + this.suffix);
  }
  get txnIndexPath(): string {
    return path.join(this.dir, offsetFileName(this.baseOffset, TXN_INDEX_SUFFIX) + this.suffix);
  }

  get maxOffsetIndexEntries(): number {
    return Math.floor(this.limits.segmentIndexBytes / OFFSET_INDEX_ENTRY_BYTES);
  }
  get maxTimeIndexEntries(): number {
    return Math.floor(this.limits.segmentIndexBytes / TIME_INDEX_ENTRY_BYTES);
  }

  /** Notes which of its index files the directory listing `names` (file names) shows. */
  indexFilesPresent(names: ReadonlySet<string>): void {
    const absent = new Set<string>();
    for (const p of [this.indexPath, this.timeIndexPath, this.txnIndexPath]) {
      if (!names.has(path.basename(p))) absent.add(p);
    }
    this.absentIndexFiles = absent;
  }

  /** Fresh, empty in-memory indexes (a new segment, or one being recovered). */
  resetIndexes(): void {
    this.offsetIndex = new OffsetIndex(this.baseOffset, this.maxOffsetIndexEntries);
    this.timeIndex = new TimeIndex(this.baseOffset, this.maxTimeIndexEntries);
    this.txnIndex = new TxnIndex();
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = -1;
    this.bytesSinceLastIndexEntry = 0;
    this.indexesDirty = true;
    this.indexFilesMatch = false;
  }

  /** Whether the index files may be left as they are: they hold a prefix of the indexes (see indexFilesMatch). */
  get indexFilesArePrefix(): boolean {
    const oi = this.offsetIndex;
    const ti = this.timeIndex;
    if (!this.indexFilesMatch || !oi || !ti) return false;
    return (
      oi.fileBytes === oi.persistedCount * OFFSET_INDEX_ENTRY_BYTES &&
      ti.fileBytes === ti.persistedCount * TIME_INDEX_ENTRY_BYTES
    );
  }

  /** The open file handle, opening the file when needed. */
  async file(): Promise<FileHandle> {
    if (this.handle) return this.handle;
    if (this.deleted)
      throw new FsError('ENOENT', 'open', this.logPath, `segment ${this.baseOffset} was deleted`);
    if (!this.opening) {
      this.opening = this.fs.open(this.logPath, 'readwrite').then(
        (h) => {
          this.handle = h;
          this.opening = null;
          return h;
        },
        (err) => {
          this.opening = null;
          throw err;
        },
      );
    }
    return this.opening;
  }

  /**
   * For a segment whose file is created later (by a queued task): users of `file()` wait for `created`
   * instead of opening a file that does not exist yet.
   */
  createdBy(created: Promise<void>): void {
    const opening = created.then(
      () => {
        this.opening = null;
        return this.handle!;
      },
      (err) => {
        this.opening = null;
        throw err;
      },
    );
    opening.catch(() => {});
    this.opening = opening;
  }

  /** Creates the segment's log file (empty). */
  async create(): Promise<void> {
    this.handle = await this.fs.open(this.logPath, 'create');
    this.dirDirty = true;
    // A new segment has no index files (truncation and deletion remove them with their log).
    this.indexFilesMatch = true;
  }

  /** The position a recent read left off at `offset`, or -1. */
  hintedPosition(offset: number, limit: number): number {
    const h = this.readHints;
    for (let i = 0; i < h.length; i += 2) if (h[i] === offset && h[i + 1] < limit) return h[i + 1];
    return -1;
  }

  /** Remembers that the batch after a read, holding `offset`, starts at `position`. */
  hintRead(offset: number, position: number): void {
    const h = this.readHints;
    for (let i = 0; i < h.length; i += 2) if (h[i] === offset) return;
    h[this.nextHint] = offset;
    h[this.nextHint + 1] = position;
    this.nextHint = (this.nextHint + 2) % h.length;
  }

  /** Keeps the file handle open while an operation uses it. */
  pin(): void {
    this.pins++;
  }

  async unpin(): Promise<void> {
    this.pins--;
    if (this.pins === 0 && this.closeWhenUnpinned) await this.closeHandle();
  }

  /** Closes the handle now, or once the last user unpins. */
  async release(): Promise<void> {
    if (this.pins > 0) {
      this.closeWhenUnpinned = true;
      return;
    }
    await this.closeHandle();
  }

  private async closeHandle(): Promise<void> {
    const h = this.handle ?? (this.opening ? await this.opening.catch(() => null) : null);
    this.handle = null;
    this.closeWhenUnpinned = false;
    if (h) await this.fs.close(h).catch(() => {});
  }

  /** Book-keeping for a batch appended at `position` (index entries, max timestamp, sizes). */
  recordBatch(position: number, size: number, lastOffset: number, maxTimestamp: number): void {
    const oi = this.offsetIndex!;
    const ti = this.timeIndex!;
    if (this.firstBatchTimestamp === null && position === 0) this.firstBatchTimestamp = maxTimestamp;
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp;
      this.offsetOfMaxTimestamp = lastOffset;
    }
    if (this.bytesSinceLastIndexEntry > this.limits.indexIntervalBytes) {
      oi.append(lastOffset, position);
      ti.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
      this.bytesSinceLastIndexEntry = 0;
      this.indexesDirty = true;
    }
    this.bytesSinceLastIndexEntry += size;
    this.nextOffset = lastOffset + 1;
  }

  /** Adds the final time-index entry (the segment's max timestamp), as Kafka does on roll and close. */
  sealTimeIndex(): void {
    if (this.maxTimestamp >= 0 && this.timeIndex) {
      const before = this.timeIndex.count;
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp, true);
      if (this.timeIndex.count !== before) this.indexesDirty = true;
    }
  }

  /**
   * Loads the index files of an inactive segment, rebuilding them from the log when they are unusable.
   * When it rebuilds them, `alsoVisit` sees every batch of that scan too, and the scan's result is
   * returned (null when the files were used, or another call loaded them).
   */
  async ensureIndexes(alsoVisit?: BatchVisitor): Promise<ScanResult | null> {
    if (this.offsetIndex && this.timeIndex && this.txnIndex) return null;
    if (this.loadingIndexes) {
      await this.loadingIndexes;
      return null;
    }
    const loading = this.loadIndexes(alsoVisit).finally(() => {
      this.loadingIndexes = null;
    });
    this.loadingIndexes = loading;
    return loading;
  }

  private async loadIndexes(alsoVisit?: BatchVisitor): Promise<ScanResult | null> {
    const absent = this.absentIndexFiles;
    this.absentIndexFiles = null;
    const read = (p: string) => (absent?.has(p) ? null : readWholeFile(this.fs, p));
    const [idx, tidx, txn] = await Promise.all([
      read(this.indexPath),
      read(this.timeIndexPath),
      read(this.txnIndexPath),
    ]);
    const oi = new OffsetIndex(this.baseOffset, this.maxOffsetIndexEntries);
    const ti = new TimeIndex(this.baseOffset, this.maxTimeIndexEntries);
    const xi = new TxnIndex();
    const okOffsets = idx !== null && oi.load(idx, this.writtenSize);
    const okTimes = tidx !== null && ti.load(tidx, this.nextOffset);
    const okTxn = txn === null || xi.load(txn);
    if (okOffsets && okTimes && okTxn) {
      this.offsetIndex = oi;
      this.timeIndex = ti;
      this.txnIndex = xi;
      this.indexFilesMatch = true;
      const last = ti.lastEntry();
      if (last.timestamp > this.maxTimestamp) {
        this.maxTimestamp = last.timestamp;
        this.offsetOfMaxTimestamp = last.offset;
      }
      return null;
    }
    const scanned = await this.rebuildIndexes(okTxn ? xi : null, alsoVisit);
    // With no index files at all (a clean shutdown leaves none for small segments), the rebuilt
    // indexes have nothing on disk to disagree with.
    if (idx === null && tidx === null) this.indexFilesMatch = true;
    return scanned;
  }

  /** Rebuilds offset and time indexes by reading the log (data known valid: below the recovery point). */
  async rebuildIndexes(txn: TxnIndex | null, alsoVisit?: BatchVisitor): Promise<ScanResult> {
    this.resetIndexes();
    if (txn) this.txnIndex = txn;
    const visit: BatchVisitor = (buf, at, position, size) => {
      this.recordBatch(
        position,
        size,
        lastOffsetAt(buf, at),
        readInt64(buf, at + BATCH_OFFSET_MAX_TIMESTAMP),
      );
      return alsoVisit?.(buf, at, position, size) ?? true;
    };
    // A small segment (the common case of many partitions with little data) is read whole, on the
    // calling thread where the file system can: one call instead of an open and reads.
    const small =
      this.writtenSize <= SMALL_FILE_BYTES_MAX && !this.deleted
        ? this.fs.readFileSync?.(this.logPath, SMALL_FILE_BYTES_MAX)
        : undefined;
    if (small && small.length >= this.writtenSize) {
      const scanned = scanBuffer(small.subarray(0, this.writtenSize), visit);
      this.sealTimeIndex();
      return scanned;
    }
    const h = await this.file();
    this.pin();
    try {
      const scanned = await scanBatches(this.fs, h, 0, this.writtenSize, visit);
      this.sealTimeIndex();
      return scanned;
    } finally {
      await this.unpin();
    }
  }

  /**
   * Finds the first batch with lastOffset >= `offset`, searching from the offset index, within the
   * written bytes. Returns null when no such batch exists in this segment.
   */
  async locate(offset: number, limit = this.writtenSize): Promise<BatchLocation | null> {
    await this.ensureIndexes();
    const from = this.offsetIndex!.lookup(offset).position;
    const h = await this.file();
    let found: BatchLocation | null = null;
    this.pin();
    try {
      await walkHeaders(
        this.fs,
        h,
        from,
        limit,
        (v) => {
          if (v.lastOffset < offset) return true;
          found = { position: v.position, size: v.size, baseOffset: v.baseOffset, lastOffset: v.lastOffset };
          return false;
        },
        Math.min(64 * 1024, Math.max(4096, this.limits.indexIntervalBytes * 2)),
      );
    } finally {
      await this.unpin();
    }
    return found;
  }

  /** The offset after the last batch in the written bytes (scanning from the last index entry). */
  async scanEnd(): Promise<number> {
    await this.ensureIndexes();
    const from = this.offsetIndex!.lookup(Number.MAX_SAFE_INTEGER).position;
    const h = await this.file();
    let next = this.baseOffset;
    this.pin();
    try {
      await walkHeaders(this.fs, h, from, this.writtenSize, (v) => {
        next = v.lastOffset + 1;
        return true;
      });
    } finally {
      await this.unpin();
    }
    return next;
  }

  /** Reads the first batch's max timestamp (segment.ms) and leader epoch; null when the segment is empty. */
  async readFirstBatch(): Promise<{ maxTimestamp: number; leaderEpoch: number } | null> {
    if (this.writtenSize === 0) return null;
    const h = await this.file();
    const buf = Buffer.allocUnsafe(61);
    this.pin();
    try {
      const n = await this.fs.read(h, buf, 0, 61, 0);
      if (n < 61) return null;
    } finally {
      await this.unpin();
    }
    return {
      maxTimestamp: readInt64(buf, BATCH_OFFSET_MAX_TIMESTAMP),
      leaderEpoch: buf.readInt32BE(BATCH_OFFSET_LEADER_EPOCH),
    };
  }

  /** The transaction index holds entries not yet in its file (nothing could rebuild them). */
  get txnIndexDirty(): boolean {
    const xi = this.txnIndex;
    return xi !== null && (xi.persistedCount * 34 !== xi.sizeBytes || xi.fileBytes !== xi.sizeBytes);
  }

  /**
   * Writes index entries not yet in their files; truncates files that are longer than the indexes.
   * With `durable: false` the offset and time indexes are not fsynced (their loader checks them and
   * rebuilds them from the log when they are unusable; a stale one is a correct, sparser prefix); the
   * transaction index always is, as nothing could rebuild it.
   */
  async persistIndexes(durable = true): Promise<void> {
    if (!this.indexesDirty || !this.offsetIndex || !this.timeIndex || !this.txnIndex) return;
    const oi = this.offsetIndex;
    const ti = this.timeIndex;
    const xi = this.txnIndex;
    await this.persistOne(this.indexPath, oi, OFFSET_INDEX_ENTRY_BYTES, true, durable);
    await this.persistOne(this.timeIndexPath, ti, TIME_INDEX_ENTRY_BYTES, true, durable);
    await this.persistOne(this.txnIndexPath, xi, 34, xi.entries.length > 0 || xi.fileBytes > 0, true);
    this.indexesDirty = false;
    this.indexFilesMatch = true;
  }

  private async persistOne(
    file: string,
    index: { persistedCount: number; fileBytes: number; sizeBytes: number; encode(from: number): Buffer },
    entryBytes: number,
    wanted: boolean,
    durable: boolean,
  ): Promise<void> {
    if (!wanted) return;
    const h = await this.fs.open(file, 'create');
    try {
      if (index.fileBytes === 0 && index.persistedCount === 0) this.dirDirty = true;
      const from = index.persistedCount;
      const data = index.encode(from);
      if (data.length > 0) await this.fs.write(h, data, from * entryBytes);
      if (index.fileBytes > index.sizeBytes || (await this.fs.size(h)) > index.sizeBytes) {
        await this.fs.truncate(h, index.sizeBytes);
      }
      if (durable) await this.fs.fsync(h);
      index.persistedCount = index.sizeBytes / entryBytes;
      index.fileBytes = index.sizeBytes;
    } finally {
      await this.fs.close(h);
    }
  }

  /** Deletes the segment's files (log first: orphaned index files are cleaned up on open). */
  async deleteFiles(): Promise<void> {
    this.deleted = true;
    await this.release();
    await this.unlinkFiles();
  }

  /**
   * Unlinks the files but keeps the segment readable through its open handle (opened now if needed),
   * for a swap that replaces it: readers go on until the new segment is in place.
   */
  async unlinkKeepingHandle(): Promise<void> {
    await this.file();
    await this.unlinkFiles();
  }

  private async unlinkFiles(): Promise<void> {
    for (const f of [this.logPath, this.indexPath, this.timeIndexPath, this.txnIndexPath]) {
      try {
        await this.fs.unlink(f);
      } catch (err) {
        if (errorCode(err) !== 'ENOENT') throw err;
      }
    }
  }
}
