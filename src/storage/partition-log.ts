// The log of one topic-partition: a directory `<topic>-<partition>` of segments in Kafka's layout.
// Appends are synchronous in memory (validation, offsets patched into the header, producer state,
// indexes, tail cache) and asynchronous on disk: the bytes join a group-committed write whose promise
// (`written`) resolves when the write call finished. Reads serve whole batches from the tail cache or
// the segment files. Open recovers from the recovery point: every batch after it is validated, a torn
// or corrupt tail is cut off, indexes and producer state are rebuilt.
//
// This file holds the class: its state, the append path (append, roll, the writes and their commit),
// close, and the public surface. The other parts take the log as their first argument:
//   log-recovery.ts       open: tidying the directory, recovery, index rebuilding
//   log-read.ts           reads, timestamp lookups, aborted transactions
//   log-truncation.ts     truncation, reset, log start, retention, compaction swaps
//   log-producers.ts      producer snapshots, replaying producer state from the log
//   log-flush.ts          flush (fsyncs, recovery point), file-system-wide sync bookkeeping
//   log-append-checks.ts  the checks of a leader's batch and of a follower's records
import { posix as path } from 'node:path';
import { setBaseOffset, setLogAppendTime, setPartitionLeaderEpoch } from '../protocol/records/batch.js';
import { type LogConfig, logConfig } from './config.js';
import { LogDirError } from './errors.js';
import {
  encodeEpochCheckpoint,
  LEADER_EPOCH_CHECKPOINT,
  parsePartitionDirName,
  type TopicPartition,
} from './files.js';
import { errorCode, type FileSystem, writeFileAtomic } from './fs.js';
import type { AbortedTxn } from './indexes.js';
import { IoQueue, type WriteOp } from './io-queue.js';
import { LeaderEpochCache } from './leader-epoch.js';
import { checkLeaderBatch, splitFollowerBatches } from './log-append-checks.js';
import { flushLog, hasUnsyncedData, markSynced, type SyncPoint, syncPointOf } from './log-flush.js';
import {
  applyProducerBatch,
  producerBatchOf,
  producerReplayBytes,
  scheduleSnapshot,
} from './log-producers.js';
import {
  collectAbortedTransactions,
  lookupMaxTimestamp,
  lookupOffsetForTimestamp,
  type OffsetLookup,
  type ReadOptions,
  type ReadResult,
  readLog,
  readLogCached,
} from './log-read.js';
import { loadLog, type RecoveryReport } from './log-recovery.js';
import {
  advanceLogStart,
  type DeleteRecordsResult,
  deleteExpiredSegments,
  deleteSegmentsBelowLogStart,
  resetLog,
  swapInCleanedSegments,
  truncateLog,
} from './log-truncation.js';
import {
  type AppendOrigin,
  type ProducerBatch,
  type ProducerEntry,
  ProducerStateManager,
} from './producer-state.js';
import { type ReadBufferPool, sharedReadBuffers } from './read-buffers.js';
import { DEFAULT_RECORD_CODEC, type RecordCodec } from './records.js';
import { LogSegment } from './segment.js';
import { TailCache } from './tail-cache.js';

const INT32_MAX = 0x7fffffff;
/**
 * A clean shutdown leaves a log so that its next open scans at most this much of it (rebuilding the
 * active segment's indexes, replaying producer state) instead of writing more files on the way down.
 */
export const RESTART_SCAN_BYTES_MAX = 4 * 1024 * 1024;

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

export type { SyncPoint } from './log-flush.js';
export type { OffsetLookup, ReadOptions, ReadResult } from './log-read.js';
export type { RecoveryReport } from './log-recovery.js';
export type { DeleteRecordsResult } from './log-truncation.js';

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
  /** The directory is known to exist (the log manager found it): skip making sure of it. */
  dirExists?: boolean;
  /** Written to partition.metadata when given. */
  topicId?: string;
  /** Decompression for record-level work (compaction, timestamp lookups). */
  codec?: RecordCodec;
  /** Called once when the log goes offline after a failed write. */
  onOffline?: (log: PartitionLog, error: unknown) => void;
  /** Where segment reads get their buffers (default: the process-wide pool). */
  readBuffers?: ReadBufferPool;
}

export class PartitionLog {
  readonly dir: string;
  readonly topicPartition: TopicPartition;
  readonly fs: FileSystem;
  readonly now: () => number;
  readonly codec: RecordCodec;
  readonly readBuffers: ReadBufferPool;
  config: LogConfig;
  /** Sorted by base offset; the last one is active. */
  segments: LogSegment[] = [];
  readonly cache: TailCache;
  readonly producerState: ProducerStateManager;
  readonly leaderEpochs = new LeaderEpochCache();

  // State shared with the log-*.ts modules that implement parts of this class (recovery, reads,
  // truncation, producer snapshots). Not part of the documented API: use the getters below.
  /** Log end offset. */
  leo = 0;
  writtenEnd = 0;
  logStart = 0;
  hwm = 0;
  recoveryPointOffset = 0;
  readonly queue: IoQueue;
  /** Offsets of the producer snapshot files, sorted. */
  snapshotOffsets: number[] = [];
  /** The chain of background work on small files (see runMeta). */
  meta: Promise<void> = Promise.resolve();
  epochCheckpointDirty = false;
  offlineError: unknown = null;
  /** Counts directory changes; dirSyncedVersion is the count the last directory sync covered. */
  dirVersion = 0;
  dirSyncedVersion = 0;

  private closed = false;
  private closedForGood = false;
  private truncating = false;
  private unflushedMessages = 0;
  /** When the oldest append not yet flushed was made, or -1. */
  firstUnflushedMs = -1;
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
    this.readBuffers = options.readBuffers ?? sharedReadBuffers;
    this.config = config;
    const tp = options.topicPartition ?? parsePartitionDirName(path.basename(dir));
    if (!tp) throw new RangeError(`'${dir}' is not named <topic>-<partition>`);
    this.topicPartition = tp;
    this.cache = new TailCache(config.tailCacheBytes, (buf) => this.readBuffers.release(buf));
    this.producerState = new ProducerStateManager(config.producerIdExpirationMs);
    this.onOffline = options.onOffline;
    this.queue = new IoQueue(
      (op) => this.performWrite(op),
      (op) => this.commitWrite(op),
      (err) => this.goOffline(err),
      (op) => this.performWriteSync(op),
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Opening (recovery is in log-recovery.ts).

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
      await loadLog(log, options);
    } catch (err) {
      await log.closeHandles();
      if (err instanceof LogDirError) throw err;
      if (errorCode(err) !== undefined) throw new LogDirError(dir, 'open partition log', err);
      throw err;
    }
    return log;
  }

  // ---------------------------------------------------------------------------------------------
  // Background writes of small files (producer snapshots, the leader-epoch checkpoint).

  scheduleEpochCheckpoint(): void {
    this.epochCheckpointDirty = true;
    this.runMeta(async () => {
      if (!this.epochCheckpointDirty) return;
      this.epochCheckpointDirty = false;
      const data = encodeEpochCheckpoint(this.leaderEpochs.entries);
      await writeFileAtomic(this.fs, path.join(this.dir, LEADER_EPOCH_CHECKPOINT), data);
    });
  }

  /** Serial background work on small files (snapshots, epoch checkpoint); a failure takes the log offline. */
  runMeta(fn: () => Promise<void>): void {
    this.meta = this.meta.then(async () => {
      if (this.offlineError || this.closedForGood) return;
      try {
        await fn();
      } catch (err) {
        this.goOffline(err);
      }
    });
  }

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

  goOffline(err: unknown): void {
    if (this.offlineError !== null) return;
    this.offlineError = err ?? new Error('unknown write failure');
    this.onOffline?.(this, this.offlineError);
  }

  /** Why the log refuses work (closed or offline), or null. */
  refusal(): string | null {
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
    const check = checkLeaderBatch(batch, options, this.config);
    if (check.kind === 'rejected') return check;
    const h = check.header;
    const origin: AppendOrigin = options.origin ?? 'client';
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
    applyProducerBatch(this, pb, seg);
    this.leo = lastOffset + 1;
    // A batch in a pooled request frame is held by the cache and by the write, each counted.
    this.cache.push(baseOffset, lastOffset, batch, this.readBuffers.retain(batch));
    const written = this.queue.write(seg, position, batch, this.leo);
    if (this.readBuffers.retain(batch)) {
      const done = () => this.readBuffers.release(batch);
      written.then(done, done);
    }
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
   * batch (as Fetch responses may), which is ignored. Batches in a pooled frame are held by reference
   * (counted, as a Produce frame's are); others are copied, so that a small batch does not keep a
   * whole socket read alive in the tail cache.
   */
  appendAsFollower(records: Buffer): FollowerAppendResult {
    const refusal = this.refusal();
    if (refusal) return { kind: 'rejected', problem: 'offline', detail: refusal };
    if (this.truncating) throw new Error('appendAsFollower while truncateTo is in progress');
    const split = splitFollowerBatches(records, this.leo);
    if (split.kind === 'rejected') return split;
    const found = split.batches;
    if (found.length === 0) return { kind: 'empty' };
    let written: Promise<void> = Promise.resolve();
    const now = this.now();
    const pooled = this.readBuffers.leased(records);
    for (const { at, h } of found) {
      const view = records.subarray(at, at + h.sizeBytes);
      const batch = pooled ? view : Buffer.from(view);
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
    scheduleSnapshot(this, base, this.producerState.entries());
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

  /** A small write on the calling thread, when the segment file is open and the file system can. */
  private performWriteSync(op: WriteOp): boolean {
    const h = op.seg.handle;
    if (!h || !this.fs.writevSync) return false;
    return this.fs.writevSync(h, op.bufs, op.position);
  }

  /** A write finished, and every earlier one did: the log may now count its bytes as written. */
  private commitWrite(op: WriteOp): void {
    op.seg.writtenSize = Math.max(op.seg.writtenSize, op.position + op.bytes);
    if (op.sync) op.seg.syncedSize = op.seg.writtenSize;
    if (op.endOffset > this.writtenEnd) this.writtenEnd = op.endOffset;
    this.cache.evict(this.writtenEnd);
  }

  async syncDir(): Promise<void> {
    const v = this.dirVersion;
    await this.fs.syncDir(this.dir);
    this.dirSyncedVersion = Math.max(this.dirSyncedVersion, v);
  }

  // ---------------------------------------------------------------------------------------------
  // Flush (log-flush.ts).

  /**
   * Makes everything below `upTo` (default: the log end) durable: segment data, the indexes of inactive
   * segments, the directory, producer snapshots and the leader-epoch checkpoint; then advances the
   * recovery point. Data fsyncs run outside the write queue, so appends continue meanwhile.
   */
  async flush(upTo = this.leo): Promise<void> {
    if (await flushLog(this, upTo)) {
      this.unflushedMessages = 0;
      this.firstUnflushedMs = -1;
    }
  }

  /**
   * For a sync of the whole file system (LogManager.close): waits for the writes in flight, then
   * returns what such a sync would make durable, to pass to `synced` once it did.
   */
  syncPoint(): Promise<SyncPoint> {
    return syncPointOf(this);
  }

  /** A sync of the whole file system that began after `point` was taken has finished. */
  synced(point: SyncPoint): void {
    markSynced(this, point);
  }

  /** Whether some written bytes or directory entries are not known durable. */
  get hasUnsyncedData(): boolean {
    return hasUnsyncedData(this);
  }

  // ---------------------------------------------------------------------------------------------
  // Reads and offset lookups (log-read.ts).

  /**
   * Reads whole batches from `fetchOffset` (the first batch may start before it) up to `maxBytes`,
   * below `maxOffset`. From the tail cache when it reaches back to `fetchOffset`, else from the files.
   */
  read(fetchOffset: number, maxBytes: number, options: ReadOptions = {}, retry = 16): Promise<ReadResult> {
    return readLog(this, fetchOffset, maxBytes, options, retry);
  }

  /**
   * As read, when the answer needs no file (offline, out of range, nothing to read yet, or all from
   * the tail cache): synchronously. Null when read must be called.
   */
  readCached(fetchOffset: number, maxBytes: number, options: ReadOptions = {}): ReadResult | null {
    return readLogCached(this, fetchOffset, maxBytes, options);
  }

  /** ListOffsets -2: the log start offset. */
  earliest(): OffsetLookup {
    return {
      offset: this.logStart,
      timestamp: -1,
      leaderEpoch: this.leaderEpochs.epochForOffset(this.logStart),
    };
  }

  /** ListOffsets -1: the log end offset. */
  latest(): OffsetLookup {
    return { offset: this.leo, timestamp: -1, leaderEpoch: this.leaderEpochs.latestEpoch };
  }

  /** The record with the largest timestamp (ListOffsets -3), or null for an empty log. */
  maxTimestamp(): Promise<OffsetLookup | null> {
    return lookupMaxTimestamp(this);
  }

  /** The first record with timestamp >= `timestampMs` at or after the log start, or null. */
  offsetForTimestamp(timestampMs: number): Promise<OffsetLookup | null> {
    return lookupOffsetForTimestamp(this, timestampMs);
  }

  /** The aborted transactions overlapping [fetchOffset, upperBoundOffset) (read_committed fetches). */
  abortedTransactions(fetchOffset: number, upperBoundOffset: number): Promise<AbortedTxn[]> {
    return collectAbortedTransactions(this, fetchOffset, upperBoundOffset);
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
  // Producer state.

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

  // ---------------------------------------------------------------------------------------------
  // Truncation, log start, retention, compaction swaps (log-truncation.ts).

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
      await this.queue.task(() => truncateLog(this, offset));
    } finally {
      this.truncating = false;
    }
  }

  /** Deletes every segment and starts an empty log at `offset` (a follower far behind the leader's log start). */
  async truncateFullyAndStartAt(offset: number): Promise<void> {
    if (this.offlineError) throw this.offlineError;
    this.truncating = true;
    try {
      await this.queue.task(() => resetLog(this, offset));
    } finally {
      this.truncating = false;
    }
  }

  /**
   * DeleteRecords: advances the log start offset to `offset` (at most the high watermark) and deletes
   * the segments wholly below it in the background.
   */
  deleteRecordsBefore(offset: number): DeleteRecordsResult {
    const refusal = this.refusal();
    if (refusal) return { kind: 'offline', detail: refusal };
    if (offset > this.hwm || offset < 0) return { kind: 'out-of-range', highWatermark: this.hwm };
    advanceLogStart(this, offset);
    deleteSegmentsBelowLogStart(this).catch((err) => this.goOffline(err));
    return { kind: 'ok', logStartOffset: this.logStart };
  }

  /**
   * Retention: deletes inactive segments past retentionMs / retentionBytes (for the delete policy) and
   * those wholly below the log start offset. Only segments below the high watermark go.
   */
  deleteOldSegments(nowMs = this.now()): Promise<number> {
    return deleteExpiredSegments(this, nowMs);
  }

  /**
   * For the cleaner: replaces `old` (consecutive inactive segments, still in the log) with `cleaned`
   * whose files are complete and durable under the `.swap` suffix. Returns the new segments version, or
   * -1 (changing nothing) when the log changed since `version`.
   */
  async replaceSegments(old: LogSegment[], cleaned: LogSegment, version: number): Promise<number> {
    return swapInCleanedSegments(this, old, cleaned, version);
  }

  // ---------------------------------------------------------------------------------------------
  // Close and delete.

  /**
   * Flushes the data (fsync), writes what makes the next open quick, and closes the files; the log
   * refuses appends afterwards. Only the data needs to be durable for a clean shutdown: a producer
   * snapshot at the log end and the active segment's indexes spare the next open a scan of the log,
   * so they are written (without fsync) only when that scan would exceed RESTART_SCAN_BYTES_MAX.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    const offline = this.offlineError !== null;
    if (!offline) {
      await this.flush().catch(() => {});
      if (!this.offlineError && producerReplayBytes(this) > RESTART_SCAN_BYTES_MAX) {
        scheduleSnapshot(this, this.leo, this.producerState.entries(), false);
      }
      await this.queue
        .task(async () => {
          const active = this.active;
          active.sealTimeIndex();
          const skip =
            active.size <= RESTART_SCAN_BYTES_MAX && !active.txnIndexDirty && active.indexFilesArePrefix;
          if (!skip) await active.persistIndexes(false);
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
