// The log of one topic-partition: a directory `<topic>-<partition>` of segments in Kafka's layout.
// Appends are synchronous in memory (validation, offsets patched into the header, producer state,
// indexes, tail cache) and asynchronous on disk: the bytes join a group-committed write whose promise
// (`written`) resolves when the write call finished. Reads serve whole batches from the tail cache or
// the segment files. Open recovers from the recovery point: every batch after it is validated, a torn
// or corrupt tail is cut off, indexes and producer state are rebuilt.
import { posix as path } from 'node:path';
import {
  ATTR_CONTROL,
  ATTR_TRANSACTIONAL,
  BATCH_OFFSET_LEADER_EPOCH,
  BATCH_OFFSET_MAX_TIMESTAMP,
  type BatchHeader,
  checkBatch,
  readBatchHeader,
  readInt64,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
} from '../protocol/records/batch.js';
import { type LogConfig, logConfig } from './config.js';
import { LogDirError } from './errors.js';
import {
  CLEANED_SUFFIX,
  DELETED_SUFFIX,
  decodeEpochCheckpoint,
  encodeEpochCheckpoint,
  INDEX_SUFFIX,
  LEADER_EPOCH_CHECKPOINT,
  LOG_SUFFIX,
  offsetFileName,
  parseOffsetFileName,
  parsePartitionDirName,
  readPartitionMetadata,
  SNAPSHOT_SUFFIX,
  SWAP_SUFFIX,
  TIME_INDEX_SUFFIX,
  type TopicPartition,
  TXN_INDEX_SUFFIX,
  writePartitionMetadata,
} from './files.js';
import { errorCode, type FileSystem, mkdirDurable, readWholeFile, writeFileAtomic } from './fs.js';
import type { AbortedTxn } from './indexes.js';
import { IoQueue, type WriteOp } from './io-queue.js';
import { LeaderEpochCache } from './leader-epoch.js';
import {
  type AppendOrigin,
  type CompletedTxn,
  decodeSnapshot,
  encodeSnapshot,
  type ProducerBatch,
  type ProducerEntry,
  ProducerStateManager,
} from './producer-state.js';
import {
  batchRecords,
  controlRecord,
  DEFAULT_RECORD_CODEC,
  type RecordCodec,
  RecordFormatError,
  recordTimestamp,
} from './records.js';
import { checkStoredBatch, lastOffsetAt, scanBatches, walkHeaders } from './scan.js';
import { LogSegment } from './segment.js';
import { TailCache } from './tail-cache.js';

const INT32_MAX = 0x7fffffff;

export type TimestampType = 'CreateTime' | 'LogAppendTime';

export interface AppendOptions {
  /** Stamped into the batch and recorded in the leader epoch cache. */
  leaderEpoch: number;
  /** Broker time in ms (default: the log's clock). */
  now?: number;
  /** LogAppendTime overwrites the batch's max timestamp with `now` (default CreateTime). */
  timestampType?: TimestampType;
  /** 'client' (default): full producer checks. 'coordinator': control batches allowed, no sequence checks. */
  origin?: 'client' | 'coordinator';
  /**
   * The caller has already verified the batch's CRC-32C (for instance incrementally, while the request
   * arrived): skip that check here; size, magic and counts are still checked. Default false.
   */
  crcVerified?: boolean;
}

/** Why an append was refused. The broker maps these onto Kafka error codes. */
export type AppendProblem =
  | 'corrupt' // size or CRC-32C wrong (CORRUPT_MESSAGE)
  | 'magic' // not a v2 batch (UNSUPPORTED_FOR_MESSAGE_FORMAT / CORRUPT_MESSAGE)
  | 'record-count' // recordCount and lastOffsetDelta disagree (INVALID_RECORD)
  | 'invalid-record' // more than one batch, a control batch from a client, transactional without id
  | 'too-large' // larger than maxMessageBytes or segmentBytes (RECORD_TOO_LARGE)
  | 'out-of-order-sequence'
  | 'invalid-producer-epoch'
  | 'invalid-txn-state'
  | 'coordinator-fenced'
  | 'offline'; // the log failed a write or was closed (KAFKA_STORAGE_ERROR)

export type AppendResult =
  | {
      kind: 'appended';
      baseOffset: number;
      lastOffset: number;
      /** The broker time stamped into the batch under LogAppendTime, else -1. */
      appendTimeMs: number;
      logStartOffset: number;
      /** Resolves when the bytes were written (and fsynced when flushMessages asks); rejects if the write failed. */
      written: Promise<void>;
    }
  | {
      kind: 'duplicate';
      baseOffset: number;
      lastOffset: number;
      appendTimeMs: number;
      logStartOffset: number;
    }
  | { kind: 'rejected'; problem: AppendProblem; detail: string };

export type FollowerAppendResult =
  | { kind: 'appended'; firstOffset: number; lastOffset: number; batches: number; written: Promise<void> }
  | { kind: 'empty' }
  | { kind: 'rejected'; problem: 'corrupt' | 'magic' | 'offset-out-of-order' | 'offline'; detail: string };

export interface ReadOptions {
  /** Exclusive upper bound on the offsets returned (the high watermark or last stable offset); default LEO. */
  maxOffset?: number;
  /** Return the first batch even when it is larger than maxBytes (KIP-74). Default true. */
  minOneBatch?: boolean;
}

export type ReadResult =
  | {
      kind: 'data';
      /** Whole batches, back to back; each buffer holds one or more of them. Empty when nothing is readable. */
      records: Buffer[];
      sizeBytes: number;
      /** Last offset of the last batch returned, -1 when none. */
      lastOffset: number;
    }
  | { kind: 'out-of-range'; logStartOffset: number; logEndOffset: number }
  | { kind: 'offline'; detail: string };

export interface OffsetLookup {
  offset: number;
  timestamp: number;
  leaderEpoch: number;
}

export type DeleteRecordsResult =
  | { kind: 'ok'; logStartOffset: number }
  | { kind: 'out-of-range'; highWatermark: number }
  | { kind: 'offline'; detail: string };

export interface PartitionLogOptions {
  fs: FileSystem;
  /** Clock (ms). Default Date.now. */
  now?: () => number;
  /** From the dir name when omitted. */
  topicPartition?: TopicPartition;
  /** Offsets below this are known flushed (recovery-point-offset-checkpoint). */
  recoveryPoint?: number;
  /** From log-start-offset-checkpoint. */
  logStartOffset?: number;
  /** From replication-offset-checkpoint. */
  highWatermark?: number;
  /** The log dir was shut down cleanly: skip recovery. */
  cleanShutdown?: boolean;
  /** Written to partition.metadata when given. */
  topicId?: string;
  /** Decompression for record-level work (compaction, timestamp lookups). */
  codec?: RecordCodec;
  /** Called once when the log goes offline after a failed write. */
  onOffline?: (log: PartitionLog, error: unknown) => void;
}

/** What recovery found, for logs and tests. */
export interface RecoveryReport {
  segmentsRecovered: number;
  bytesTruncated: number;
  segmentsDeleted: number;
  problem: string | null;
  durationMs: number;
}

interface ProducerApplyTarget {
  seg: LogSegment | null;
}

function problemOf(p: string): AppendProblem {
  if (p === 'magic') return 'magic';
  if (p === 'record-count') return 'record-count';
  return 'corrupt';
}

function producerBatchOf(h: BatchHeader, buf: Buffer, at: number): ProducerBatch {
  const control = (h.attributes & ATTR_CONTROL) !== 0;
  const pb: ProducerBatch = {
    producerId: h.producerId,
    producerEpoch: h.producerEpoch,
    baseSequence: h.baseSequence,
    lastOffsetDelta: h.lastOffsetDelta,
    baseOffset: h.baseOffset,
    maxTimestamp: h.maxTimestamp,
    transactional: (h.attributes & ATTR_TRANSACTIONAL) !== 0,
    control,
  };
  if (control) {
    const c = controlRecord(buf, at);
    if (c) {
      pb.controlType = c.type;
      pb.coordinatorEpoch = c.coordinatorEpoch;
    }
  }
  return pb;
}

export class PartitionLog {
  readonly dir: string;
  readonly topicPartition: TopicPartition;
  readonly fs: FileSystem;
  readonly now: () => number;
  readonly codec: RecordCodec;
  config: LogConfig;
  /** Sorted by base offset; the last one is active. */
  segments: LogSegment[] = [];
  private leo = 0;
  private writtenEnd = 0;
  private logStart = 0;
  private hwm = 0;
  private recoveryPointOffset = 0;
  readonly cache: TailCache;
  readonly producerState: ProducerStateManager;
  readonly leaderEpochs = new LeaderEpochCache();
  private readonly queue: IoQueue;
  private snapshotOffsets: number[] = [];
  private meta: Promise<void> = Promise.resolve();
  private epochCheckpointDirty = false;
  private offlineError: unknown = null;
  private closed = false;
  private truncating = false;
  private unflushedMessages = 0;
  /** When the oldest append not yet flushed was made, or -1. */
  firstUnflushedMs = -1;
  private dirVersion = 0;
  private dirSyncedVersion = 0;
  private readonly onOffline?: (log: PartitionLog, error: unknown) => void;
  /** Set while the cleaner works on this log. */
  cleaning = false;
  /** The latest delete horizon the cleaner wrote (tombstones to drop once it passes), -1 if none. */
  latestDeleteHorizonMs = -1;
  /** Bumped whenever segments are removed or replaced: lets the cleaner detect a changed log. */
  segmentsVersion = 0;
  recovery: RecoveryReport | null = null;
  topicId: string | null = null;

  private constructor(dir: string, config: LogConfig, options: PartitionLogOptions) {
    this.dir = dir;
    this.fs = options.fs;
    this.now = options.now ?? Date.now;
    this.codec = options.codec ?? DEFAULT_RECORD_CODEC;
    this.config = config;
    const tp = options.topicPartition ?? parsePartitionDirName(path.basename(dir));
    if (!tp) throw new RangeError(`'${dir}' is not named <topic>-<partition>`);
    this.topicPartition = tp;
    this.cache = new TailCache(config.tailCacheBytes);
    this.producerState = new ProducerStateManager(config.producerIdExpirationMs);
    this.onOffline = options.onOffline;
    this.queue = new IoQueue(
      (op) => this.performWrite(op),
      (op) => this.commitWrite(op),
      (err) => this.goOffline(err),
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Opening and recovery.

  /**
   * Opens (creating when missing) the partition directory `dir` and recovers it. Rejects with a
   * LogDirError naming the directory when it cannot be read or written.
   */
  static async open(
    dir: string,
    config: Partial<LogConfig> | LogConfig,
    options: PartitionLogOptions,
  ): Promise<PartitionLog> {
    const log = new PartitionLog(dir, logConfig(config), options);
    try {
      await log.load(options);
    } catch (err) {
      await log.closeHandles();
      if (err instanceof LogDirError) throw err;
      if (errorCode(err) !== undefined) throw new LogDirError(dir, 'open partition log', err);
      throw err;
    }
    return log;
  }

  private async load(options: PartitionLogOptions): Promise<void> {
    const started = this.now();
    const fs = this.fs;
    await mkdirDurable(fs, this.dir);
    const names = await this.cleanStrayFiles(await fs.readdir(this.dir));
    await this.completeSwaps(names);
    const after = await fs.readdir(this.dir);
    const bases: number[] = [];
    for (const n of after) {
      const b = parseOffsetFileName(n, LOG_SUFFIX);
      if (b !== null) bases.push(b);
      const s = parseOffsetFileName(n, SNAPSHOT_SUFFIX);
      if (s !== null) this.snapshotOffsets.push(s);
    }
    bases.sort((a, b) => a - b);
    this.snapshotOffsets.sort((a, b) => a - b);
    await this.deleteOrphanIndexes(after, new Set(bases));
    for (const b of bases) {
      const seg = new LogSegment(fs, this.dir, b, this.config, this.now());
      const st = await fs.stat(seg.logPath);
      seg.size = seg.writtenSize = seg.syncedSize = st?.size ?? 0;
      seg.lastModifiedMs = st?.mtimeMs ?? this.now();
      this.segments.push(seg);
    }
    for (let i = 0; i + 1 < this.segments.length; i++)
      this.segments[i].nextOffset = this.segments[i + 1].baseOffset;
    if (this.segments.length === 0) {
      const seg = new LogSegment(
        fs,
        this.dir,
        Math.max(0, options.logStartOffset ?? 0),
        this.config,
        this.now(),
      );
      seg.resetIndexes();
      await seg.create();
      this.segments.push(seg);
      this.dirVersion++;
    }
    this.logStart = Math.max(options.logStartOffset ?? 0, this.segments[0].baseOffset);
    await this.loadEpochCheckpoint();
    const report = options.cleanShutdown
      ? await this.loadCleanly()
      : await this.recover(Math.max(options.recoveryPoint ?? 0, 0));
    report.durationMs = this.now() - started;
    this.recovery = report;
    this.writtenEnd = this.leo;
    if (this.leo < this.logStart) await this.resetTo(this.logStart);
    this.recoveryPointOffset = Math.min(options.recoveryPoint ?? 0, this.leo);
    if (options.cleanShutdown) this.recoveryPointOffset = this.leo;
    this.hwm = Math.min(Math.max(options.highWatermark ?? 0, this.logStart), this.leo);
    this.producerState.onHighWatermark(this.hwm);
    if (this.leaderEpochs.truncateFromStart(this.logStart)) this.scheduleEpochCheckpoint();
    if (this.leaderEpochs.truncateFromEnd(this.leo)) this.scheduleEpochCheckpoint();
    await this.active.file();
    const meta = await readPartitionMetadata(fs, this.dir);
    this.topicId = meta?.topicId ?? null;
    if (options.topicId && options.topicId !== this.topicId) {
      await writePartitionMetadata(fs, this.dir, options.topicId);
      this.topicId = options.topicId;
    }
    if (this.epochCheckpointDirty) {
      this.scheduleEpochCheckpoint();
      await this.meta;
    }
  }

  /** Removes temporary, cleaned-but-not-swapped and deleted files; returns the names left. */
  private async cleanStrayFiles(names: string[]): Promise<string[]> {
    const keep: string[] = [];
    for (const n of names) {
      if (n.endsWith('.tmp') || n.endsWith(CLEANED_SUFFIX) || n.endsWith(DELETED_SUFFIX)) {
        await this.fs.unlink(path.join(this.dir, n));
        this.dirVersion++;
      } else keep.push(n);
    }
    return keep;
  }

  /**
   * Finishes a compaction swap interrupted by a crash: a `<base>.log.swap` holds a complete cleaned
   * segment replacing the segments in [base, its end); those are deleted and the swap files renamed.
   */
  private async completeSwaps(names: string[]): Promise<void> {
    const swaps = names.filter((n) => n.endsWith(SWAP_SUFFIX));
    if (swaps.length === 0) return;
    const logSwaps = swaps
      .map((n) => parseOffsetFileName(n.slice(0, -SWAP_SUFFIX.length), LOG_SUFFIX))
      .filter((b): b is number => b !== null);
    for (const base of logSwaps) {
      const swapPath = path.join(this.dir, offsetFileName(base, LOG_SUFFIX) + SWAP_SUFFIX);
      const end = await this.endOffsetOfFile(swapPath, base);
      for (const n of names) {
        if (n.endsWith(SWAP_SUFFIX)) continue;
        for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX]) {
          const b = parseOffsetFileName(n, suffix);
          if (b !== null && b >= base && b < end) await this.fs.unlink(path.join(this.dir, n));
        }
      }
    }
    await this.fs.syncDir(this.dir);
    for (const n of swaps) {
      await this.fs.rename(path.join(this.dir, n), path.join(this.dir, n.slice(0, -SWAP_SUFFIX.length)));
    }
    await this.fs.syncDir(this.dir);
  }

  private async endOffsetOfFile(file: string, base: number): Promise<number> {
    const h = await this.fs.open(file, 'read');
    try {
      let end = base;
      await scanBatches(this.fs, h, 0, await this.fs.size(h), (buf, at) => {
        end = lastOffsetAt(buf, at) + 1;
        return true;
      });
      return end;
    } finally {
      await this.fs.close(h);
    }
  }

  private async deleteOrphanIndexes(names: string[], bases: Set<number>): Promise<void> {
    for (const n of names) {
      for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX]) {
        const b = parseOffsetFileName(n, suffix);
        if (b !== null && !bases.has(b)) {
          await this.fs.unlink(path.join(this.dir, n));
          this.dirVersion++;
        }
      }
    }
  }

  private async loadEpochCheckpoint(): Promise<void> {
    const data = await readWholeFile(this.fs, path.join(this.dir, LEADER_EPOCH_CHECKPOINT));
    const entries = data ? decodeEpochCheckpoint(data) : null;
    if (data && !entries) this.scheduleEpochCheckpoint();
    for (const e of entries ?? []) this.leaderEpochs.assign(e.epoch, e.startOffset);
  }

  /** After a clean shutdown: trust the files, find the end of the active segment from its index. */
  private async loadCleanly(): Promise<RecoveryReport> {
    const seg = this.active;
    seg.nextOffset = seg.baseOffset;
    await seg.ensureIndexes();
    const from = seg.offsetIndex!.lookup(Number.MAX_SAFE_INTEGER).position;
    const h = await seg.file();
    let next = seg.baseOffset;
    const stopped = await walkHeaders(this.fs, h, from, seg.writtenSize, (v) => {
      next = v.lastOffset + 1;
      return true;
    });
    if (stopped !== seg.writtenSize) {
      // The clean-shutdown marker lied (or the disk did): recover this segment after all.
      return this.recover(seg.baseOffset);
    }
    seg.nextOffset = next;
    this.leo = next;
    seg.firstBatchTimestamp = (await seg.readFirstBatch())?.maxTimestamp ?? null;
    await this.rebuildProducerState(this.leo);
    return { segmentsRecovered: 0, bytesTruncated: 0, segmentsDeleted: 0, problem: null, durationMs: 0 };
  }

  /**
   * Recovers every segment from the one holding `recoveryPoint`: validates each batch (size, CRC,
   * offsets), rebuilds the indexes, truncates at the first bad batch and deletes the segments after it.
   */
  private async recover(recoveryPoint: number): Promise<RecoveryReport> {
    let k = this.floorIndex(recoveryPoint);
    if (k < 0) k = 0;
    const scanStart = this.segments[k].baseOffset;
    const snapshotOffset = await this.loadProducerSnapshot(scanStart);
    if (snapshotOffset < scanStart) await this.replayProducers(snapshotOffset, scanStart);
    const report: RecoveryReport = {
      segmentsRecovered: 0,
      bytesTruncated: 0,
      segmentsDeleted: 0,
      problem: null,
      durationMs: 0,
    };
    const buffer = Buffer.allocUnsafe(8 * 1024 * 1024);
    for (let i = k; i < this.segments.length; i++) {
      const seg = this.segments[i];
      const limit = i + 1 < this.segments.length ? this.segments[i + 1].baseOffset : Number.MAX_SAFE_INTEGER;
      const cut = await this.recoverSegment(seg, limit, snapshotOffset, buffer);
      report.segmentsRecovered++;
      const endsEarly = i + 1 < this.segments.length && seg.nextOffset !== this.segments[i + 1].baseOffset;
      if (cut !== null || endsEarly) {
        if (cut !== null) {
          report.bytesTruncated += cut.bytes;
          report.problem = cut.problem;
        } else
          report.problem = `segment ${seg.baseOffset} ends at ${seg.nextOffset}, before the next segment`;
        const dropped = this.segments.splice(i + 1);
        for (const d of dropped) await d.deleteFiles();
        report.segmentsDeleted += dropped.length;
        if (dropped.length > 0) this.dirVersion++;
        break;
      }
    }
    this.leo = this.active.nextOffset;
    for (const off of this.snapshotOffsets.filter((o) => o > this.leo)) await this.deleteSnapshot(off);
    if (this.segments.length > 0)
      this.active.firstBatchTimestamp = (await this.active.readFirstBatch())?.maxTimestamp ?? null;
    return report;
  }

  private async recoverSegment(
    seg: LogSegment,
    limit: number,
    snapshotOffset: number,
    buffer: Buffer,
  ): Promise<{ bytes: number; problem: string } | null> {
    seg.resetIndexes();
    seg.nextOffset = seg.baseOffset;
    const h = await seg.file();
    const fileSize = await this.fs.size(h);
    let bad: string | null = null;
    let badAt = -1;
    const target: ProducerApplyTarget = { seg };
    const res = await scanBatches(
      this.fs,
      h,
      0,
      fileSize,
      (buf, at, position, size) => {
        const hdr = readBatchHeader(buf, at);
        const last = hdr.baseOffset + hdr.lastOffsetDelta;
        if (hdr.baseOffset < seg.nextOffset || last >= limit || last - seg.baseOffset > INT32_MAX) {
          bad = `batch at ${position} has offsets ${hdr.baseOffset}..${last}, expected from ${seg.nextOffset}`;
          badAt = position;
          return false;
        }
        seg.recordBatch(position, size, last, hdr.maxTimestamp);
        const visible = last >= this.logStart;
        if (
          visible &&
          hdr.partitionLeaderEpoch >= 0 &&
          hdr.partitionLeaderEpoch > this.leaderEpochs.latestEpoch
        ) {
          if (this.leaderEpochs.assign(hdr.partitionLeaderEpoch, hdr.baseOffset))
            this.epochCheckpointDirty = true;
        }
        if (hdr.baseOffset >= snapshotOffset) this.applyProducerBatch(producerBatchOf(hdr, buf, at), target);
        return true;
      },
      { validate: true, buffer },
    );
    let end = res.end;
    let problem: string | null =
      res.stop === 'torn' || res.stop === 'invalid' ? (res.problem ?? res.stop) : null;
    if (bad !== null) {
      end = badAt;
      problem = bad;
    }
    seg.sealTimeIndex();
    seg.size = seg.writtenSize = end;
    seg.syncedSize = Math.min(seg.syncedSize, end);
    if (end < fileSize) {
      await this.fs.truncate(h, end);
      seg.offsetIndex!.truncateToPosition(end);
      return { bytes: fileSize - end, problem: problem ?? 'trailing bytes' };
    }
    return null;
  }

  // ---------------------------------------------------------------------------------------------
  // Producer state: snapshots and replay.

  /** Loads the newest valid snapshot at or below `maxOffset` (deleting corrupt ones); returns its offset. */
  private async loadProducerSnapshot(maxOffset: number): Promise<number> {
    const candidates = this.snapshotOffsets.filter((o) => o <= maxOffset && o >= this.logStart).reverse();
    for (const off of candidates) {
      const data = await readWholeFile(this.fs, this.snapshotPath(off));
      const entries = data ? decodeSnapshot(data) : null;
      if (entries) {
        this.producerState.load(entries, off, this.now());
        return off;
      }
      await this.deleteSnapshot(off);
    }
    const start = Math.max(this.logStart, this.segments[0]?.baseOffset ?? 0);
    this.producerState.clear(start);
    return start;
  }

  /** Replays producer state from the batches in [from, to) (headers only, no validation). */
  private async replayProducers(from: number, to: number): Promise<void> {
    const target: ProducerApplyTarget = { seg: null };
    for (let i = Math.max(0, this.floorIndex(from)); i < this.segments.length; i++) {
      const seg = this.segments[i];
      if (seg.baseOffset >= to) break;
      const h = await seg.file();
      seg.pin();
      try {
        await scanBatches(this.fs, h, 0, seg.writtenSize, (buf, at) => {
          const base = readInt64(buf, at);
          if (base >= to) return false;
          if (base >= from)
            this.applyProducerBatch(producerBatchOf(readBatchHeader(buf, at), buf, at), target);
          return true;
        });
      } finally {
        await seg.unpin();
      }
    }
    this.producerState.mapEndOffset = to;
  }

  /** Reloads producer state for a log ending at `end` from the newest snapshot below it plus the log. */
  private async rebuildProducerState(end: number): Promise<void> {
    for (const off of this.snapshotOffsets.filter((o) => o > end)) await this.deleteSnapshot(off);
    const from = await this.loadProducerSnapshot(end);
    if (from < end) await this.replayProducers(from, end);
  }

  private applyProducerBatch(pb: ProducerBatch, target: ProducerApplyTarget): void {
    const done = this.producerState.update(pb);
    if (done) this.completeTxn(done, target.seg);
  }

  private completeTxn(done: CompletedTxn, seg: LogSegment | null): void {
    if (done.aborted && seg) {
      seg.txnIndex?.append({
        producerId: done.producerId,
        firstOffset: done.firstOffset,
        lastOffset: done.lastOffset,
        lastStableOffset: this.producerState.lastStableOffsetAfter(done),
      });
      seg.indexesDirty = true;
    }
    this.producerState.completeTxn(done, this.hwm);
  }

  private snapshotPath(offset: number): string {
    return path.join(this.dir, offsetFileName(offset, SNAPSHOT_SUFFIX));
  }

  private async deleteSnapshot(offset: number): Promise<void> {
    this.snapshotOffsets = this.snapshotOffsets.filter((o) => o !== offset);
    try {
      await this.fs.unlink(this.snapshotPath(offset));
      this.dirVersion++;
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') throw err;
    }
  }

  /** Writes a producer snapshot (state as of `offset`) in the background. */
  private scheduleSnapshot(offset: number, entries: ProducerEntry[]): void {
    if (this.snapshotOffsets.includes(offset)) return;
    this.snapshotOffsets.push(offset);
    this.snapshotOffsets.sort((a, b) => a - b);
    const data = encodeSnapshot(entries);
    this.runMeta(() => writeFileAtomic(this.fs, this.snapshotPath(offset), data));
  }

  private scheduleEpochCheckpoint(): void {
    this.epochCheckpointDirty = true;
    this.runMeta(async () => {
      if (!this.epochCheckpointDirty) return;
      this.epochCheckpointDirty = false;
      const data = encodeEpochCheckpoint(this.leaderEpochs.entries);
      await writeFileAtomic(this.fs, path.join(this.dir, LEADER_EPOCH_CHECKPOINT), data);
    });
  }

  /** Serial background work on small files (snapshots, epoch checkpoint); a failure takes the log offline. */
  private runMeta(fn: () => Promise<void>): void {
    this.meta = this.meta.then(async () => {
      if (this.offlineError || this.closedForGood) return;
      try {
        await fn();
      } catch (err) {
        this.goOffline(err);
      }
    });
  }

  private closedForGood = false;

  // ---------------------------------------------------------------------------------------------
  // Accessors.

  get active(): LogSegment {
    return this.segments[this.segments.length - 1];
  }

  /** Log end offset: the offset the next batch gets. */
  get logEndOffset(): number {
    return this.leo;
  }

  /** Offset after the last batch whose write has completed. */
  get writtenEndOffset(): number {
    return this.writtenEnd;
  }

  get logStartOffset(): number {
    return this.logStart;
  }

  get highWatermark(): number {
    return this.hwm;
  }

  /** Offsets below this are on disk durably (fsynced). */
  get recoveryPoint(): number {
    return this.recoveryPointOffset;
  }

  /** min(first unstable offset, high watermark): the read_committed bound. */
  get lastStableOffset(): number {
    const f = this.producerState.firstUnstableOffset();
    return f === null ? this.hwm : Math.min(f, this.hwm);
  }

  /** Bytes of all segments. */
  get sizeBytes(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    return n;
  }

  get isOffline(): boolean {
    return this.offlineError !== null;
  }

  get offlineReason(): string | null {
    return this.offlineError === null
      ? null
      : String((this.offlineError as Error)?.message ?? this.offlineError);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sets the high watermark (clamped to [logStartOffset, logEndOffset]). */
  updateHighWatermark(offset: number): number {
    this.hwm = Math.min(Math.max(offset, this.logStart), this.leo);
    this.producerState.onHighWatermark(this.hwm);
    return this.hwm;
  }

  /** Index of the segment holding `offset` (greatest base <= offset), -1 when before the first. */
  floorIndex(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid].baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  private goOffline(err: unknown): void {
    if (this.offlineError !== null) return;
    this.offlineError = err ?? new Error('unknown write failure');
    this.onOffline?.(this, this.offlineError);
  }

  private refusal(): string | null {
    if (this.closed) return `log ${this.dir} is closed`;
    if (this.offlineError !== null) return `log ${this.dir} is offline: ${this.offlineReason}`;
    return null;
  }

  // ---------------------------------------------------------------------------------------------
  // Appends.

  /**
   * Appends one producer batch (as received; the header is patched in place and the buffer is kept
   * by the log: the caller must not reuse it). Synchronous: offsets are assigned before it returns.
   */
  append(batch: Buffer, options: AppendOptions): AppendResult {
    const refusal = this.refusal();
    if (refusal) return { kind: 'rejected', problem: 'offline', detail: refusal };
    if (this.truncating) throw new Error('append while truncateTo is in progress');
    const check = checkBatch(batch, 0, options.crcVerified !== true);
    if (!check.ok) return { kind: 'rejected', problem: problemOf(check.problem), detail: check.detail };
    const h = check.header;
    if (batch.length !== h.sizeBytes) {
      return {
        kind: 'rejected',
        problem: 'invalid-record',
        detail: `${batch.length - h.sizeBytes} bytes after the batch`,
      };
    }
    if (h.sizeBytes > this.config.maxMessageBytes || h.sizeBytes > this.config.segmentBytes) {
      return {
        kind: 'rejected',
        problem: 'too-large',
        detail: `batch of ${h.sizeBytes} bytes exceeds ${Math.min(this.config.maxMessageBytes, this.config.segmentBytes)}`,
      };
    }
    const origin: AppendOrigin = options.origin ?? 'client';
    const control = (h.attributes & ATTR_CONTROL) !== 0;
    if (control && origin === 'client') {
      return { kind: 'rejected', problem: 'invalid-record', detail: 'clients may not write control batches' };
    }
    if ((h.attributes & ATTR_TRANSACTIONAL) !== 0 && h.producerId < 0) {
      return {
        kind: 'rejected',
        problem: 'invalid-record',
        detail: 'transactional batch without a producer id',
      };
    }
    const pb = producerBatchOf(h, batch, 0);
    const pcheck = this.producerState.check(pb, origin);
    if (pcheck.kind === 'duplicate') {
      return {
        kind: 'duplicate',
        baseOffset: pcheck.firstOffset,
        lastOffset: pcheck.lastOffset,
        appendTimeMs: options.timestampType === 'LogAppendTime' ? pcheck.timestamp : -1,
        logStartOffset: this.logStart,
      };
    }
    if (pcheck.kind === 'rejected')
      return { kind: 'rejected', problem: pcheck.problem, detail: pcheck.detail };
    const now = options.now ?? this.now();
    const logAppendTime = options.timestampType === 'LogAppendTime';
    const maxTimestamp = logAppendTime ? now : h.maxTimestamp;
    const baseOffset = this.leo;
    const lastOffset = baseOffset + h.lastOffsetDelta;
    this.maybeRoll(h.sizeBytes, maxTimestamp, lastOffset, now);
    setBaseOffset(batch, 0, baseOffset);
    if (options.leaderEpoch >= 0) setPartitionLeaderEpoch(batch, 0, options.leaderEpoch);
    if (logAppendTime) setLogAppendTime(batch, 0, now);
    pb.baseOffset = baseOffset;
    pb.maxTimestamp = maxTimestamp;
    if (options.leaderEpoch >= 0 && this.leaderEpochs.assign(options.leaderEpoch, baseOffset)) {
      this.scheduleEpochCheckpoint();
    }
    const written = this.appendToActive(batch, baseOffset, lastOffset, maxTimestamp, h.recordCount, pb, now);
    return {
      kind: 'appended',
      baseOffset,
      lastOffset,
      appendTimeMs: logAppendTime ? now : -1,
      logStartOffset: this.logStart,
      written,
    };
  }

  /** Shared tail of leader and follower appends: segment book-keeping, producer state, cache, write. */
  private appendToActive(
    batch: Buffer,
    baseOffset: number,
    lastOffset: number,
    maxTimestamp: number,
    recordCount: number,
    pb: ProducerBatch,
    now: number,
  ): Promise<void> {
    const seg = this.active;
    const position = seg.size;
    seg.recordBatch(position, batch.length, lastOffset, maxTimestamp);
    seg.size += batch.length;
    seg.lastModifiedMs = now;
    this.applyProducerBatch(pb, { seg });
    this.leo = lastOffset + 1;
    this.cache.push(baseOffset, lastOffset, batch);
    const written = this.queue.write(seg, position, batch, this.leo);
    this.unflushedMessages += Math.max(recordCount, 1);
    if (this.firstUnflushedMs < 0) this.firstUnflushedMs = now;
    if (this.unflushedMessages >= this.config.flushMessages) {
      this.queue.syncLastWrite();
      this.unflushedMessages = 0;
    }
    return written;
  }

  /**
   * Appends batches replicated from the leader, keeping their offsets. `records` may end with a partial
   * batch (as Fetch responses may), which is ignored. The batches are copied.
   */
  appendAsFollower(records: Buffer): FollowerAppendResult {
    const refusal = this.refusal();
    if (refusal) return { kind: 'rejected', problem: 'offline', detail: refusal };
    if (this.truncating) throw new Error('appendAsFollower while truncateTo is in progress');
    const found: { at: number; h: BatchHeader }[] = [];
    let pos = 0;
    let expect = this.leo;
    while (records.length - pos >= 61) {
      const size = records.readInt32BE(pos + 8) + 12;
      if (size < 61 || pos + size > records.length) break;
      const problem = checkStoredBatch(records, pos, size);
      if (problem) {
        return {
          kind: 'rejected',
          problem: problem.startsWith('magic') ? 'magic' : 'corrupt',
          detail: problem,
        };
      }
      const h = readBatchHeader(records, pos);
      if (h.baseOffset < expect) {
        return {
          kind: 'rejected',
          problem: 'offset-out-of-order',
          detail: `batch at offset ${h.baseOffset}, expected at least ${expect}`,
        };
      }
      expect = h.baseOffset + h.lastOffsetDelta + 1;
      found.push({ at: pos, h });
      pos += size;
    }
    if (found.length === 0) return { kind: 'empty' };
    let written: Promise<void> = Promise.resolve();
    const now = this.now();
    for (const { at, h } of found) {
      const batch = Buffer.from(records.subarray(at, at + h.sizeBytes));
      const last = h.baseOffset + h.lastOffsetDelta;
      this.maybeRoll(h.sizeBytes, h.maxTimestamp, last, now, h.baseOffset);
      if (h.partitionLeaderEpoch >= 0 && this.leaderEpochs.assign(h.partitionLeaderEpoch, h.baseOffset)) {
        this.scheduleEpochCheckpoint();
      }
      const pb = producerBatchOf(h, batch, 0);
      written = this.appendToActive(batch, h.baseOffset, last, h.maxTimestamp, h.recordCount, pb, now);
    }
    const first = found[0].h.baseOffset;
    return { kind: 'appended', firstOffset: first, lastOffset: this.leo - 1, batches: found.length, written };
  }

  /** Rolls the active segment when the next batch would not fit (Kafka's LogSegment.shouldRoll). */
  private maybeRoll(
    sizeBytes: number,
    maxTimestamp: number,
    lastOffset: number,
    now: number,
    firstOffset?: number,
  ) {
    const seg = this.active;
    const overflow = lastOffset - seg.baseOffset > INT32_MAX;
    if (seg.size === 0 && !overflow) return;
    const waited =
      seg.firstBatchTimestamp !== null && seg.firstBatchTimestamp >= 0
        ? maxTimestamp - seg.firstBatchTimestamp
        : now - seg.createdMs;
    if (
      overflow ||
      seg.size > this.config.segmentBytes - sizeBytes ||
      waited > this.config.segmentMs ||
      seg.offsetIndex!.isFull ||
      seg.timeIndex!.isFull
    ) {
      // Roll at the log end so segments stay contiguous; a follower batch after a gap too large for a
      // relative offset starts its own segment.
      const base = firstOffset !== undefined && lastOffset - this.leo > INT32_MAX ? firstOffset : this.leo;
      this.roll(base, now);
    }
  }

  /** Starts a new active segment at `base` (default: the log end). Public for tests and admin tools. */
  roll(base = this.leo, now = this.now()): void {
    const old = this.active;
    if (old.size === 0 && old.baseOffset === base) return;
    old.sealTimeIndex();
    const seg = new LogSegment(this.fs, this.dir, base, this.config, now);
    seg.resetIndexes();
    this.segments.push(seg);
    const created = this.queue.task(async () => {
      await seg.create();
      this.dirVersion++; // counted once the entry exists, so a concurrent directory sync cannot miss it
    });
    created.catch((err) => this.goOffline(err));
    seg.createdBy(created);
    this.scheduleSnapshot(base, this.producerState.entries());
    // Kafka flushes the rolled segment in the background; appends go on meanwhile.
    this.flush(base).catch((err) => this.goOffline(err));
  }

  /** The write call itself (run in the thread pool, possibly next to another one); no log state here. */
  private async performWrite(op: WriteOp): Promise<void> {
    const h = op.seg.handle ?? (await op.seg.file());
    if (op.bufs.length === 1) await this.fs.write(h, op.bufs[0], op.position);
    else await this.fs.writev(h, op.bufs, op.position);
    if (op.sync) {
      await this.fs.fsync(h); // a sync write runs alone, so this covers every earlier write too
      if (this.dirSyncedVersion < this.dirVersion) await this.syncDir();
    }
  }

  /** A write finished, and every earlier one did: the log may now count its bytes as written. */
  private commitWrite(op: WriteOp): void {
    op.seg.writtenSize = Math.max(op.seg.writtenSize, op.position + op.bytes);
    if (op.sync) op.seg.syncedSize = op.seg.writtenSize;
    if (op.endOffset > this.writtenEnd) this.writtenEnd = op.endOffset;
    this.cache.evict(this.writtenEnd);
  }

  private async syncDir(): Promise<void> {
    const v = this.dirVersion;
    await this.fs.syncDir(this.dir);
    this.dirSyncedVersion = Math.max(this.dirSyncedVersion, v);
  }

  // ---------------------------------------------------------------------------------------------
  // Flush.

  /**
   * Makes everything below `upTo` (default: the log end) durable: segment data, the indexes of inactive
   * segments, the directory, producer snapshots and the leader-epoch checkpoint; then advances the
   * recovery point. Data fsyncs run outside the write queue, so appends continue meanwhile.
   */
  async flush(upTo = this.leo): Promise<void> {
    if (this.offlineError) throw this.offlineError;
    const work = await this.queue.task(async () => {
      const list: { seg: LogSegment; size: number }[] = [];
      for (const seg of this.segments) {
        // A segment starting at upTo holds nothing below it, unless it was just truncated to empty.
        if (seg.baseOffset > upTo || (seg.baseOffset === upTo && seg.syncedSize >= 0)) break;
        if (seg !== this.active) {
          seg.sealTimeIndex();
          await seg.persistIndexes();
        }
        if (seg.dirDirty) {
          seg.dirDirty = false;
          this.dirVersion++;
        }
        if (seg.syncedSize < seg.writtenSize) list.push({ seg, size: seg.writtenSize });
      }
      return { list, end: Math.min(upTo, this.writtenEnd) };
    });
    for (const { seg, size } of work.list) {
      if (seg.deleted) continue;
      seg.pin();
      try {
        const h = await seg.file();
        await this.fs.fsync(h);
        seg.syncedSize = Math.max(seg.syncedSize, size);
      } finally {
        await seg.unpin();
      }
    }
    if (this.dirSyncedVersion < this.dirVersion) await this.syncDir();
    await this.meta;
    if (this.offlineError) throw this.offlineError;
    if (work.end > this.recoveryPointOffset) this.recoveryPointOffset = Math.min(work.end, this.leo);
    if (work.end >= this.leo) {
      this.unflushedMessages = 0;
      this.firstUnflushedMs = -1;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Reads.

  /**
   * Reads whole batches from `fetchOffset` (the first batch may start before it) up to `maxBytes`,
   * below `maxOffset`. From the tail cache when it reaches back to `fetchOffset`, else from the files.
   */
  async read(
    fetchOffset: number,
    maxBytes: number,
    options: ReadOptions = {},
    retry = 16,
  ): Promise<ReadResult> {
    if (this.offlineError !== null) return { kind: 'offline', detail: this.offlineReason ?? 'offline' };
    if (fetchOffset < this.logStart || fetchOffset > this.leo) {
      return { kind: 'out-of-range', logStartOffset: this.logStart, logEndOffset: this.leo };
    }
    const maxOffset = Math.min(options.maxOffset ?? this.leo, this.leo);
    const minOne = options.minOneBatch ?? true;
    if (fetchOffset >= maxOffset) return { kind: 'data', records: [], sizeBytes: 0, lastOffset: -1 };
    const ci = this.cache.indexOf(fetchOffset);
    if (ci >= 0) return this.readCache(ci, maxBytes, maxOffset, minOne);
    for (let i = Math.max(0, this.floorIndex(fetchOffset)); i < this.segments.length; i++) {
      const seg = this.segments[i];
      if (seg.baseOffset >= maxOffset) break;
      const from = Math.max(fetchOffset, seg.baseOffset);
      let res: ReadResult | null;
      try {
        res = await this.readSegment(seg, from, maxBytes, maxOffset, minOne);
      } catch (err) {
        // Retention or compaction removed the segment under the read: start over on the current log.
        if (seg.deleted && retry > 0) return this.read(fetchOffset, maxBytes, options, retry - 1);
        throw err;
      }
      if (res !== null) return res;
    }
    // Nothing on file at or after fetchOffset: the cache may have gained it meanwhile.
    const again = this.cache.indexOf(fetchOffset);
    if (again >= 0) return this.readCache(again, maxBytes, maxOffset, minOne);
    return { kind: 'data', records: [], sizeBytes: 0, lastOffset: -1 };
  }

  private readCache(index: number, maxBytes: number, maxOffset: number, minOne: boolean): ReadResult {
    const records: Buffer[] = [];
    let bytes = 0;
    let lastOffset = -1;
    for (let i = index; i < this.cache.endIndex; i++) {
      const b = this.cache.at(i)!;
      if (b.lastOffset >= maxOffset) break;
      if (bytes + b.buf.length > maxBytes && !(records.length === 0 && minOne)) break;
      records.push(b.buf);
      bytes += b.buf.length;
      lastOffset = b.lastOffset;
    }
    return { kind: 'data', records, sizeBytes: bytes, lastOffset };
  }

  /** Reads from one segment file; null when the segment holds nothing at or after `offset`. */
  private async readSegment(
    seg: LogSegment,
    offset: number,
    maxBytes: number,
    maxOffset: number,
    minOne: boolean,
  ): Promise<ReadResult | null> {
    seg.pin();
    try {
      const limit = seg.writtenSize;
      const loc = await seg.locate(offset, limit);
      if (loc === null) return null;
      if (loc.lastOffset >= maxOffset) return { kind: 'data', records: [], sizeBytes: 0, lastOffset: -1 };
      const want = Math.min(limit - loc.position, Math.max(maxBytes, minOne ? loc.size : 0));
      if (want < loc.size) return { kind: 'data', records: [], sizeBytes: 0, lastOffset: -1 };
      const buf = Buffer.allocUnsafe(want);
      const h = await seg.file();
      let got = 0;
      while (got < want) {
        const n = await this.fs.read(h, buf, got, want - got, loc.position + got);
        if (n === 0) break;
        got += n;
      }
      let end = 0;
      let lastOffset = -1;
      while (got - end >= 61) {
        const size = buf.readInt32BE(end + 8) + 12;
        if (size < 61 || end + size > got) break;
        const last = lastOffsetAt(buf, end);
        if (last >= maxOffset) break;
        end += size;
        lastOffset = last;
      }
      return { kind: 'data', records: end > 0 ? [buf.subarray(0, end)] : [], sizeBytes: end, lastOffset };
    } finally {
      await seg.unpin();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Offset lookups (ListOffsets).

  earliest(): OffsetLookup {
    return {
      offset: this.logStart,
      timestamp: -1,
      leaderEpoch: this.leaderEpochs.epochForOffset(this.logStart),
    };
  }

  latest(): OffsetLookup {
    return { offset: this.leo, timestamp: -1, leaderEpoch: this.leaderEpochs.latestEpoch };
  }

  /** The record with the largest timestamp (ListOffsets -3), or null for an empty log. */
  async maxTimestamp(): Promise<OffsetLookup | null> {
    await this.queue.idle(); // lookups read the files: let the queued writes land first
    let best: LogSegment | null = null;
    for (const seg of this.segments) {
      await seg.ensureIndexes();
      if (seg.size > 0 && seg.maxTimestamp >= 0 && (best === null || seg.maxTimestamp > best.maxTimestamp))
        best = seg;
    }
    if (best === null || best.offsetOfMaxTimestamp < this.logStart) return null;
    const ts = best.maxTimestamp;
    const found = await this.searchSegment(best, ts, Math.max(best.baseOffset, this.logStart), true);
    return (
      found ?? {
        offset: best.offsetOfMaxTimestamp,
        timestamp: ts,
        leaderEpoch: this.leaderEpochs.epochForOffset(best.offsetOfMaxTimestamp),
      }
    );
  }

  /** The first record with timestamp >= `timestampMs` at or after the log start, or null. */
  async offsetForTimestamp(timestampMs: number): Promise<OffsetLookup | null> {
    await this.queue.idle();
    for (const seg of this.segments) {
      await seg.ensureIndexes();
      if (seg.size === 0 || seg.maxTimestamp < timestampMs) continue;
      const next = this.segments[this.segments.indexOf(seg) + 1];
      if (next && next.baseOffset <= this.logStart) continue;
      const found = await this.searchSegment(
        seg,
        timestampMs,
        Math.max(seg.baseOffset, this.logStart),
        false,
      );
      if (found) return found;
    }
    return null;
  }

  private async searchSegment(
    seg: LogSegment,
    timestampMs: number,
    startingOffset: number,
    exact: boolean,
  ): Promise<OffsetLookup | null> {
    const ti = seg.timeIndex!.lookup(timestampMs);
    const position = seg.offsetIndex!.lookup(Math.max(ti.offset, startingOffset)).position;
    const h = await seg.file();
    let result: OffsetLookup | null = null;
    seg.pin();
    try {
      await scanBatches(this.fs, h, position, seg.writtenSize, (buf, at) => {
        const last = lastOffsetAt(buf, at);
        const maxTs = readInt64(buf, at + BATCH_OFFSET_MAX_TIMESTAMP);
        if (last < startingOffset || maxTs < timestampMs) return true;
        result = this.recordAtOrAfter(buf, at, timestampMs, startingOffset, exact);
        return result === null;
      });
    } finally {
      await seg.unpin();
    }
    return result;
  }

  private recordAtOrAfter(
    buf: Buffer,
    at: number,
    ts: number,
    startingOffset: number,
    exact: boolean,
  ): OffsetLookup | null {
    const base = readInt64(buf, at);
    const epoch = buf.readInt32BE(at + BATCH_OFFSET_LEADER_EPOCH);
    try {
      const parsed = batchRecords(buf, at, this.codec);
      if (parsed === null) {
        const maxTs = readInt64(buf, at + BATCH_OFFSET_MAX_TIMESTAMP);
        return { offset: Math.max(base, startingOffset), timestamp: maxTs, leaderEpoch: epoch };
      }
      for (const r of parsed.records) {
        const off = base + r.offsetDelta;
        const t = recordTimestamp(buf, at, r);
        if (off >= startingOffset && (exact ? t === ts : t >= ts))
          return { offset: off, timestamp: t, leaderEpoch: epoch };
      }
      return null;
    } catch (err) {
      if (err instanceof RecordFormatError) return null;
      throw err;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Leader epochs.

  /** OffsetForLeaderEpoch: the largest epoch <= `epoch` and where it ended. */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } {
    return this.leaderEpochs.endOffsetFor(epoch, this.leo);
  }

  /** Records a new leader epoch starting at `startOffset` (default: the log end). */
  assignEpoch(epoch: number, startOffset = this.leo): void {
    if (this.leaderEpochs.assign(epoch, startOffset)) this.scheduleEpochCheckpoint();
  }

  get latestEpoch(): number {
    return this.leaderEpochs.latestEpoch;
  }

  // ---------------------------------------------------------------------------------------------
  // Producer state and transactions.

  /** The active producers (for DescribeProducers). */
  activeProducers(): ProducerEntry[] {
    return this.producerState.entries();
  }

  producer(producerId: number): ProducerEntry | undefined {
    const e = this.producerState.producers.get(producerId);
    return e ? { ...e, batches: e.batches.map((b) => ({ ...b })) } : undefined;
  }

  /** Forgets producers idle longer than producerIdExpirationMs. */
  removeExpiredProducers(nowMs = this.now()): number {
    this.producerState.producerIdExpirationMs = this.config.producerIdExpirationMs;
    return this.producerState.removeExpired(nowMs);
  }

  /** The aborted transactions overlapping [fetchOffset, upperBoundOffset) (read_committed fetches). */
  async abortedTransactions(fetchOffset: number, upperBoundOffset: number): Promise<AbortedTxn[]> {
    const out: AbortedTxn[] = [];
    for (let i = Math.max(0, this.floorIndex(fetchOffset)); i < this.segments.length; i++) {
      const seg = this.segments[i];
      if (seg.baseOffset >= upperBoundOffset) break;
      await seg.ensureIndexes();
      for (const t of seg.txnIndex!.entries) {
        if (t.lastOffset >= fetchOffset && t.firstOffset < upperBoundOffset) out.push({ ...t });
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Truncation, log start, retention.

  /**
   * Removes every batch at or after `offset` (a follower whose log diverged). The log end becomes the
   * base offset of the first removed batch. No append may run until the returned promise settles.
   */
  async truncateTo(offset: number): Promise<void> {
    if (this.offlineError) throw this.offlineError;
    if (offset >= this.leo) return;
    if (offset < this.logStart) return this.truncateFullyAndStartAt(offset);
    this.truncating = true;
    try {
      await this.queue.task(() => this.doTruncate(offset));
    } finally {
      this.truncating = false;
    }
  }

  private async doTruncate(offset: number): Promise<void> {
    await this.meta;
    const k = Math.max(0, this.floorIndex(offset));
    const dropped = this.segments.splice(k + 1);
    const seg = this.active;
    const loc = await seg.locate(offset, seg.writtenSize);
    let newEnd = seg.nextOffset;
    if (loc) {
      newEnd = loc.baseOffset;
      const h = await seg.file();
      await this.fs.truncate(h, loc.position);
      seg.size = seg.writtenSize = loc.position;
      seg.syncedSize = -1; // the truncation itself is not durable until the next fsync
      seg.offsetIndex!.truncateToPosition(loc.position);
      seg.offsetIndex!.truncateTo(newEnd);
      seg.timeIndex!.truncateTo(newEnd);
      seg.txnIndex!.truncateTo(newEnd);
      seg.indexesDirty = true;
      seg.nextOffset = newEnd;
      seg.bytesSinceLastIndexEntry = 0;
      await this.recomputeMaxTimestamp(seg);
      if (seg.size === 0) {
        seg.firstBatchTimestamp = null;
        seg.createdMs = this.now();
      }
    } else {
      newEnd = await seg.scanEnd();
    }
    for (const d of dropped) await d.deleteFiles();
    if (dropped.length > 0) {
      this.dirVersion++;
      this.segmentsVersion++;
    }
    if (newEnd < this.logStart) {
      // Nothing at or above the log start is left: start an empty log there (Kafka's truncateFullyAndStartAt).
      await this.resetTo(this.logStart);
      return;
    }
    this.leo = newEnd;
    this.writtenEnd = Math.min(this.writtenEnd, newEnd);
    seg.nextOffset = newEnd;
    this.cache.truncateFrom(newEnd);
    this.hwm = Math.min(this.hwm, newEnd);
    this.recoveryPointOffset = Math.min(this.recoveryPointOffset, newEnd);
    if (this.leaderEpochs.truncateFromEnd(newEnd)) this.scheduleEpochCheckpoint();
    if (this.producerState.mapEndOffset !== newEnd) await this.rebuildProducerState(newEnd);
    else for (const off of this.snapshotOffsets.filter((o) => o > newEnd)) await this.deleteSnapshot(off);
  }

  private async recomputeMaxTimestamp(seg: LogSegment): Promise<void> {
    seg.maxTimestamp = -1;
    seg.offsetOfMaxTimestamp = -1;
    const last = seg.timeIndex!.lastEntry();
    const from = seg.offsetIndex!.lookup(last.offset).position;
    if (last.timestamp >= 0) {
      seg.maxTimestamp = last.timestamp;
      seg.offsetOfMaxTimestamp = last.offset;
    }
    const h = await seg.file();
    await walkHeaders(this.fs, h, from, seg.writtenSize, (v) => {
      if (v.maxTimestamp > seg.maxTimestamp) {
        seg.maxTimestamp = v.maxTimestamp;
        seg.offsetOfMaxTimestamp = v.lastOffset;
      }
      return true;
    });
  }

  /** Deletes every segment and starts an empty log at `offset` (a follower far behind the leader's log start). */
  async truncateFullyAndStartAt(offset: number): Promise<void> {
    if (this.offlineError) throw this.offlineError;
    this.truncating = true;
    try {
      await this.queue.task(() => this.resetTo(offset));
    } finally {
      this.truncating = false;
    }
  }

  /** Replaces every segment with one empty segment at `offset`. Runs in the queue (or during open). */
  private async resetTo(offset: number): Promise<void> {
    await this.meta;
    const old = this.segments;
    const seg = new LogSegment(this.fs, this.dir, offset, this.config, this.now());
    seg.resetIndexes();
    for (const d of old) await d.deleteFiles();
    for (const off of [...this.snapshotOffsets]) await this.deleteSnapshot(off);
    await seg.create();
    this.segments = [seg];
    this.dirVersion++;
    this.segmentsVersion++;
    this.leo = this.writtenEnd = this.logStart = this.hwm = offset;
    this.recoveryPointOffset = Math.min(this.recoveryPointOffset, offset);
    this.cache.clear();
    this.producerState.clear(offset);
    if (this.leaderEpochs.clear()) this.scheduleEpochCheckpoint();
  }

  /**
   * DeleteRecords: advances the log start offset to `offset` (at most the high watermark) and deletes
   * the segments wholly below it in the background.
   */
  deleteRecordsBefore(offset: number): DeleteRecordsResult {
    const refusal = this.refusal();
    if (refusal) return { kind: 'offline', detail: refusal };
    if (offset > this.hwm || offset < 0) return { kind: 'out-of-range', highWatermark: this.hwm };
    this.advanceLogStart(offset);
    this.deleteSegmentsBelowLogStart().catch((err) => this.goOffline(err));
    return { kind: 'ok', logStartOffset: this.logStart };
  }

  private advanceLogStart(offset: number): void {
    if (offset <= this.logStart) return;
    this.logStart = offset;
    this.cache.dropBelow(offset);
    if (this.leaderEpochs.truncateFromStart(offset)) this.scheduleEpochCheckpoint();
  }

  private async deleteSegmentsBelowLogStart(): Promise<number> {
    const doomed: LogSegment[] = [];
    for (let i = 0; i + 1 < this.segments.length; i++) {
      if (this.segments[i + 1].baseOffset <= this.logStart) doomed.push(this.segments[i]);
      else break;
    }
    return this.deleteSegments(doomed);
  }

  /** Removes `doomed` (oldest segments, never the active one) from the log and deletes their files. */
  private async deleteSegments(doomed: LogSegment[]): Promise<number> {
    if (doomed.length === 0) return 0;
    const set = new Set(doomed);
    this.segments = this.segments.filter((s) => !set.has(s));
    this.segmentsVersion++;
    this.advanceLogStart(this.segments[0].baseOffset);
    await this.queue.task(async () => {
      // Oldest first, each deletion made durable before the next: a crash can leave a shorter log but
      // never one with a hole in the middle (the log-start checkpoint may be older than the deletion).
      for (const [i, seg] of doomed.entries()) {
        await seg.deleteFiles();
        if (this.snapshotOffsets.includes(seg.baseOffset) && seg.baseOffset < this.segments[0].baseOffset) {
          await this.deleteSnapshot(seg.baseOffset);
        }
        this.dirVersion++;
        if (i + 1 < doomed.length) await this.syncDir();
      }
    });
    return doomed.length;
  }

  /**
   * Retention: deletes inactive segments past retentionMs / retentionBytes (for the delete policy) and
   * those wholly below the log start offset. Only segments below the high watermark go.
   */
  async deleteOldSegments(nowMs = this.now()): Promise<number> {
    if (this.refusal()) return 0;
    let n = await this.deleteSegmentsBelowLogStart();
    if (this.config.cleanupPolicy === 'compact') return n;
    const doomed: LogSegment[] = [];
    let excess = this.config.retentionBytes < 0 ? 0 : this.sizeBytes - this.config.retentionBytes;
    for (let i = 0; i + 1 < this.segments.length; i++) {
      const seg = this.segments[i];
      if (this.segments[i + 1].baseOffset > this.hwm) break;
      await seg.ensureIndexes();
      const largest = seg.maxTimestamp >= 0 ? seg.maxTimestamp : seg.lastModifiedMs;
      const byTime = this.config.retentionMs >= 0 && nowMs - largest > this.config.retentionMs;
      const bySize = this.config.retentionBytes >= 0 && excess - seg.size >= 0;
      if (!byTime && !bySize) break;
      excess -= seg.size;
      doomed.push(seg);
    }
    n += await this.deleteSegments(doomed);
    return n;
  }

  // ---------------------------------------------------------------------------------------------
  // Compaction support (used by the cleaner).

  /**
   * Replaces `old` (consecutive inactive segments, still in the log) with `cleaned` whose files are
   * complete and durable under the `.swap` suffix. Returns the new segments version, or -1 (changing
   * nothing) when the log changed since `version`.
   */
  async replaceSegments(old: LogSegment[], cleaned: LogSegment, version: number): Promise<number> {
    return this.queue.task(async () => {
      if (this.segmentsVersion !== version || this.offlineError || this.closed) return -1;
      const first = this.segments.indexOf(old[0]);
      if (first < 0 || old.some((s, i) => this.segments[first + i] !== s) || old.includes(this.active))
        return -1;
      for (const s of old) await s.unlinkKeepingHandle();
      await this.fs.syncDir(this.dir);
      for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX]) {
        const f = path.join(this.dir, offsetFileName(cleaned.baseOffset, suffix));
        try {
          await this.fs.rename(f + SWAP_SUFFIX, f);
        } catch (err) {
          if (errorCode(err) !== 'ENOENT') throw err;
        }
      }
      await this.fs.syncDir(this.dir);
      cleaned.suffix = '';
      this.segments.splice(first, old.length, cleaned);
      this.segmentsVersion++;
      for (const s of old) {
        s.deleted = true;
        await s.release();
      }
      const end = first + 1 < this.segments.length ? this.segments[first + 1].baseOffset : this.leo;
      this.cache.dropRange(cleaned.baseOffset, end);
      return this.segmentsVersion;
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Close and delete.

  /**
   * Flushes everything, writes a producer snapshot at the log end and the final indexes, and closes
   * the files. The log refuses appends afterwards.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    const offline = this.offlineError !== null;
    if (!offline) {
      await this.flush().catch(() => {});
      if (!this.offlineError && this.leo > (this.snapshotOffsets[this.snapshotOffsets.length - 1] ?? -1)) {
        this.scheduleSnapshot(this.leo, this.producerState.entries());
      }
      await this.queue
        .task(async () => {
          this.active.sealTimeIndex();
          await this.active.persistIndexes();
        })
        .catch((err) => this.goOffline(err));
      await this.meta;
      if (this.dirSyncedVersion < this.dirVersion && !this.offlineError) await this.syncDir().catch(() => {});
    }
    this.closed = true;
    this.closedForGood = true;
    await this.queue.idle();
    await this.closeHandles();
  }

  private async closeHandles(): Promise<void> {
    for (const seg of this.segments) await seg.release();
  }

  /** Closes the log without flushing and removes its directory. */
  async delete(): Promise<void> {
    this.closed = true;
    this.closedForGood = true;
    await this.queue.idle().catch(() => {});
    await this.meta;
    await this.closeHandles();
    await this.fs.rmdir(this.dir);
  }

  /** Stops the log without writing anything more (its directory is about to be renamed or removed). */
  async closeWithoutFlush(): Promise<void> {
    this.closed = true;
    this.closedForGood = true;
    await this.queue.idle().catch(() => {});
    await this.meta;
    await this.closeHandles();
  }
}
