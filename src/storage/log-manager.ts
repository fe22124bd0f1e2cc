// One log dir: opens every partition directory in it at start, creates and deletes partition logs,
// keeps the dir-level checkpoints (recovery points, log start offsets, high watermarks, cleaner
// offsets; each replaced atomically), and runs the background work: retention, compaction, flush.ms
// flushes and producer-id expiry. A clean shutdown leaves `.kafka_cleanshutdown` so the next start
// skips recovery, as Kafka does.
import { randomUUID } from 'node:crypto';
import { posix as path } from 'node:path';
import { type CleanResult, cleanableRange, cleanLog, OffsetMap } from './cleaner.js';
import {
  DEFAULT_LOG_MANAGER_CONFIG,
  isCompacted,
  type LogConfig,
  type LogManagerConfig,
  logConfig,
} from './config.js';
import { LogDirError } from './errors.js';
import {
  CLEAN_SHUTDOWN_FILE,
  CLEANER_OFFSET_CHECKPOINT,
  DELETE_DIR_SUFFIX,
  encodeOffsetCheckpoint,
  LOG_START_OFFSET_CHECKPOINT,
  parsePartitionDirName,
  partitionDirName,
  RECOVERY_POINT_CHECKPOINT,
  REPLICATION_OFFSET_CHECKPOINT,
  readOffsetCheckpoint,
  type TopicPartition,
  tpKey,
} from './files.js';
import { errorCode, type FileSystem, mkdirDurable, readdirQuick, writeFileAtomic } from './fs.js';
import { PartitionLog, type SyncPoint } from './partition-log.js';
import type { RecordCodec } from './records.js';

/** Partition logs opened at once at start, and closed at once at shutdown. */
export const LOG_OPEN_CONCURRENCY = 32;
export const LOG_CLOSE_CONCURRENCY = 64;
/** From this many logs with unflushed data at shutdown, one file-system sync replaces their fsyncs. */
export const FILE_SYSTEM_SYNC_LOGS_MIN = 64;

/**
 * Runs `fn` on every item, at most `limit` at a time; rejects with the first failure once the runs
 * already started have settled (none is left running behind the caller's back).
 */
export async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (next < items.length && failure === null) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw (failure as { error: unknown }).error;
}

/** Directory names LogManager leaves alone by default (the metadata log is Raft's). */
export const DEFAULT_SKIPPED_DIRS: readonly string[] = ['__cluster_metadata-0'];

export interface LogManagerOptions {
  fs: FileSystem;
  now?: () => number;
  /** Background work settings (defaults: DEFAULT_LOG_MANAGER_CONFIG). */
  config?: Partial<LogManagerConfig>;
  /** Log config for every topic, before topic overrides (defaults: DEFAULT_LOG_CONFIG). */
  defaultLogConfig?: Partial<LogConfig>;
  /** Per-topic overrides, consulted when a log is opened or created. */
  topicConfig?: (topic: string) => Partial<LogConfig> | undefined;
  codec?: RecordCodec;
  /** Start the background timers (default true). Tests drive the run* methods themselves. */
  scheduler?: boolean;
  /** Where the background timers come from (default: unref'd setTimeout); a test clock moves them by hand. */
  timers?: TimerSource;
  /** Partition directory names not to open (default: the metadata log). */
  skipDirs?: readonly string[];
  /** A log failed a write and went offline. */
  onLogOffline?: (tp: TopicPartition, error: unknown) => void;
  /** Notable events (recovery truncations, cleaner passes, deletions), for the broker's logger. */
  onEvent?: (message: string) => void;
}

export type LogManagerOpenResult =
  | { kind: 'ok'; manager: LogManager }
  | { kind: 'failed'; error: LogDirError };

export interface CreateLogOptions {
  /** Overrides on top of the default and topic config. */
  config?: Partial<LogConfig>;
  /** Written to partition.metadata. */
  topicId?: string;
}

/** One-shot timers: the background work re-arms its own after each pass. */
export interface TimerSource {
  setTimer(delayMs: number, fn: () => void): { cancel(): void };
}

const SYSTEM_TIMERS: TimerSource = {
  setTimer(delayMs, fn) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

export class LogManager {
  readonly dir: string;
  readonly fs: FileSystem;
  readonly now: () => number;
  readonly config: LogManagerConfig;
  private readonly options: LogManagerOptions;
  private readonly logsByKey = new Map<string, PartitionLog>();
  private readonly cleanerCheckpoints = new Map<string, number>();
  private readonly checkpointChains = new Map<string, Promise<void>>();
  private readonly timerSource: TimerSource;
  private readonly timers = new Set<{ cancel(): void }>();
  private cleanerTimer: { cancel(): void } | null = null;
  private cleanerRunning: Promise<unknown> | null = null;
  private offsetMap: OffsetMap | null = null;
  private readonly busy = new Set<string>();
  private closed = false;
  /** Whether the previous shutdown was clean (no recovery was needed). */
  hadCleanShutdown = false;

  private constructor(dir: string, options: LogManagerOptions) {
    this.dir = dir;
    this.fs = options.fs;
    this.now = options.now ?? Date.now;
    this.options = options;
    this.timerSource = options.timers ?? SYSTEM_TIMERS;
    this.config = { ...DEFAULT_LOG_MANAGER_CONFIG, ...options.config };
  }

  /**
   * Opens the log dir `dir` (creating it when missing): checks it can be written, removes partition
   * directories left half-deleted, and opens (recovering where needed) every partition log in it.
   */
  static async open(dir: string, options: LogManagerOptions): Promise<LogManagerOpenResult> {
    const m = new LogManager(path.normalize(dir), options);
    try {
      await m.load();
    } catch (err) {
      for (const log of m.logsByKey.values()) await log.closeWithoutFlush().catch(() => {});
      const error = err instanceof LogDirError ? err : new LogDirError(m.dir, 'open log dir', err);
      return { kind: 'failed', error };
    }
    if (options.scheduler ?? true) m.startScheduler();
    return { kind: 'ok', manager: m };
  }

  private async load(): Promise<void> {
    await this.checkWritable();
    const marker = path.join(this.dir, CLEAN_SHUTDOWN_FILE);
    this.hadCleanShutdown = (await this.fs.stat(marker)) !== null;
    const [recovery, starts, hwms, cleaner] = await Promise.all(
      [
        RECOVERY_POINT_CHECKPOINT,
        LOG_START_OFFSET_CHECKPOINT,
        REPLICATION_OFFSET_CHECKPOINT,
        CLEANER_OFFSET_CHECKPOINT,
      ].map((f) => readOffsetCheckpoint(this.fs, path.join(this.dir, f), (msg) => this.event(msg))),
    );
    for (const [k, v] of cleaner) this.cleanerCheckpoints.set(k, v);
    const skip = new Set(this.options.skipDirs ?? DEFAULT_SKIPPED_DIRS);
    const checkpoints = { recovery, starts, hwms };
    // Logs open side by side (Kafka: num.recovery.threads.per.data.dir): each is a chain of small
    // file operations, and thousands of them one after the other would leave the disk and the thread
    // pool idle most of the time.
    await forEachConcurrently(await readdirQuick(this.fs, this.dir), LOG_OPEN_CONCURRENCY, (name) =>
      this.loadEntry(name, skip, checkpoints),
    );
    if (this.hadCleanShutdown) {
      // From here on a crash must lead to recovery again.
      await this.fs.unlink(marker);
      await this.fs.syncDir(this.dir);
    }
  }

  /**
   * At shutdown, with many logs holding unflushed data, one sync of the whole file system (where the
   * file system can) replaces their fsyncs: what each log had written before it is then durable.
   */
  private async syncAllAtOnce(): Promise<void> {
    const sync = this.fs.syncFileSystem;
    const dirty = this.logs.filter((l) => !l.isOffline && l.hasUnsyncedData);
    if (!sync || dirty.length < FILE_SYSTEM_SYNC_LOGS_MIN) return;
    const points = new Map<PartitionLog, SyncPoint>();
    await forEachConcurrently(dirty, LOG_CLOSE_CONCURRENCY, async (log) => {
      points.set(log, await log.syncPoint());
    });
    if (!(await sync.call(this.fs, this.dir))) return;
    for (const [log, point] of points) log.synced(point);
    this.event(`synced the file system at shutdown for ${points.size} logs with unflushed data`);
  }

  /** One entry of the log dir at start: a partition directory is opened, a half-deleted one removed. */
  private async loadEntry(
    name: string,
    skip: Set<string>,
    checkpoints: { recovery: Map<string, number>; starts: Map<string, number>; hwms: Map<string, number> },
  ): Promise<void> {
    const full = path.join(this.dir, name);
    if (name.endsWith(DELETE_DIR_SUFFIX)) {
      await this.fs.rmdir(full);
      this.event(`removed ${name}, left from an interrupted delete`);
      return;
    }
    const tp = parsePartitionDirName(name);
    if (tp === null || skip.has(name)) return;
    const key = tpKey(tp);
    const log = await this.openLogIfDir(tp, {
      recoveryPoint: checkpoints.recovery.get(key) ?? 0,
      logStartOffset: checkpoints.starts.get(key) ?? 0,
      highWatermark: checkpoints.hwms.get(key) ?? 0,
      cleanShutdown: this.hadCleanShutdown,
      dirExists: true,
    });
    const rec = log?.recovery;
    if (rec && (rec.bytesTruncated > 0 || rec.segmentsDeleted > 0)) {
      this.event(
        `${name}: recovery truncated ${rec.bytesTruncated} bytes, deleted ${rec.segmentsDeleted} segments (${rec.problem})`,
      );
    }
  }

  /**
   * openLog for a directory entry named like a partition: a file of that name is skipped (its listing
   * fails with ENOTDIR: no stat of every entry first), as is one removed meanwhile.
   */
  private async openLogIfDir(
    tp: TopicPartition,
    extra: Parameters<LogManager['openLog']>[1],
  ): Promise<PartitionLog | null> {
    try {
      return await this.openLog(tp, extra);
    } catch (err) {
      const code = err instanceof LogDirError ? errorCode(err.cause) : undefined;
      if (code === 'ENOTDIR' || code === 'ENOENT') return null;
      throw err;
    }
  }

  private async checkWritable(): Promise<void> {
    try {
      await mkdirDurable(this.fs, this.dir);
      const probe = path.join(this.dir, '.samsa-write-check');
      const h = await this.fs.open(probe, 'overwrite');
      try {
        await this.fs.write(h, Buffer.from('ok'), 0);
        await this.fs.fsync(h);
      } finally {
        await this.fs.close(h);
      }
      await this.fs.unlink(probe);
    } catch (err) {
      throw new LogDirError(this.dir, 'write check', err);
    }
  }

  private configFor(topic: string, overrides?: Partial<LogConfig>): LogConfig {
    return logConfig({
      ...this.options.defaultLogConfig,
      ...this.options.topicConfig?.(topic),
      ...overrides,
    });
  }

  private async openLog(
    tp: TopicPartition,
    extra: {
      recoveryPoint?: number;
      logStartOffset?: number;
      highWatermark?: number;
      cleanShutdown?: boolean;
      dirExists?: boolean;
      topicId?: string;
      config?: Partial<LogConfig>;
    },
  ): Promise<PartitionLog> {
    const log = await PartitionLog.open(
      path.join(this.dir, partitionDirName(tp)),
      this.configFor(tp.topic, extra.config),
      {
        fs: this.fs,
        now: this.now,
        topicPartition: tp,
        recoveryPoint: extra.recoveryPoint,
        logStartOffset: extra.logStartOffset,
        highWatermark: extra.highWatermark,
        cleanShutdown: extra.cleanShutdown,
        dirExists: extra.dirExists,
        topicId: extra.topicId,
        codec: this.options.codec,
        onOffline: (_log, error) => {
          this.event(
            `${partitionDirName(tp)}: offline after a failed write: ${(error as Error)?.message ?? error}`,
          );
          this.options.onLogOffline?.(tp, error);
        },
      },
    );
    this.logsByKey.set(tpKey(tp), log);
    return log;
  }

  private event(message: string): void {
    this.options.onEvent?.(`[log dir ${this.dir}] ${message}`);
  }

  // ---------------------------------------------------------------------------------------------
  // Logs.

  getLog(tp: TopicPartition): PartitionLog | undefined {
    return this.logsByKey.get(tpKey(tp));
  }

  /** Every open log. */
  get logs(): PartitionLog[] {
    return [...this.logsByKey.values()];
  }

  /** Opens the partition's log, creating its directory when new. An existing log is returned as is. */
  async createLog(tp: TopicPartition, options: CreateLogOptions = {}): Promise<PartitionLog> {
    if (this.closed) throw new Error(`log manager for ${this.dir} is closed`);
    const existing = this.getLog(tp);
    if (existing) return existing;
    const key = tpKey(tp);
    if (this.busy.has(key)) throw new Error(`log ${key} is being created or deleted`);
    this.busy.add(key);
    try {
      return await this.openLog(tp, { topicId: options.topicId, config: options.config });
    } finally {
      this.busy.delete(key);
    }
  }

  /**
   * Deletes a partition log: closes it, renames its directory `<topic>-<partition>.<uuid>-delete` (so a
   * crash midway cannot bring it back) and removes it.
   */
  async deleteLog(tp: TopicPartition): Promise<boolean> {
    const key = tpKey(tp);
    const log = this.logsByKey.get(key);
    if (!log) return false;
    this.logsByKey.delete(key);
    this.cleanerCheckpoints.delete(key);
    await log.closeWithoutFlush();
    const doomed = path.join(
      this.dir,
      `${partitionDirName(tp)}.${randomUUID().replaceAll('-', '')}${DELETE_DIR_SUFFIX}`,
    );
    try {
      await this.fs.rename(log.dir, doomed);
      await this.fs.syncDir(this.dir);
      await this.fs.rmdir(doomed);
    } catch (err) {
      throw new LogDirError(this.dir, `delete ${key}`, err);
    }
    await this.checkpointAll();
    this.event(`deleted ${key}`);
    return true;
  }

  /**
   * Moves a complete, closed partition directory (a replica copied from another log dir, Kafka's
   * "future" log) into this log dir under its normal name and opens it. The caller then deletes the
   * partition from the log dir it came from; if it crashes before, both dirs hold the same log.
   */
  async adoptLog(
    tp: TopicPartition,
    fromDir: string,
    extra: { recoveryPoint: number; logStartOffset: number; highWatermark: number; topicId?: string },
  ): Promise<PartitionLog> {
    if (this.closed) throw new Error(`log manager for ${this.dir} is closed`);
    if (this.getLog(tp)) throw new Error(`log ${tpKey(tp)} already exists in ${this.dir}`);
    const to = path.join(this.dir, partitionDirName(tp));
    try {
      await this.fs.rename(fromDir, to);
      await this.fs.syncDir(this.dir);
    } catch (err) {
      throw new LogDirError(this.dir, `adopt ${tpKey(tp)}`, err);
    }
    const log = await this.openLog(tp, { ...extra, cleanShutdown: true });
    await this.checkpointAll();
    this.event(`moved ${tpKey(tp)} in`);
    return log;
  }

  /** Applies new topic overrides to the open logs of `topic` (next roll, retention and cleaning use them). */
  updateTopicConfig(topic: string, overrides: Partial<LogConfig>): void {
    for (const log of this.logs) {
      if (log.topicPartition.topic !== topic) continue;
      log.config = this.configFor(topic, overrides);
      log.cache.maxBytes = log.config.tailCacheBytes;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Checkpoints.

  private async writeCheckpoint(file: string, value: (log: PartitionLog) => number | null): Promise<void> {
    const entries = new Map<string, { tp: TopicPartition; offset: number }>();
    for (const log of this.logsByKey.values()) {
      const v = value(log);
      if (v !== null) entries.set(tpKey(log.topicPartition), { tp: log.topicPartition, offset: v });
    }
    const data = encodeOffsetCheckpoint(entries);
    const target = path.join(this.dir, file);
    // One write per file at a time: they share the temp file name.
    const prev = this.checkpointChains.get(file) ?? Promise.resolve();
    const next = prev.catch(() => {}).then(() => writeFileAtomic(this.fs, target, data));
    this.checkpointChains.set(file, next);
    try {
      await next;
    } catch (err) {
      throw new LogDirError(this.dir, `write ${file}`, err);
    }
  }

  checkpointRecoveryPoints(): Promise<void> {
    return this.writeCheckpoint(RECOVERY_POINT_CHECKPOINT, (l) => l.recoveryPoint);
  }

  checkpointLogStartOffsets(): Promise<void> {
    return this.writeCheckpoint(LOG_START_OFFSET_CHECKPOINT, (l) =>
      l.logStartOffset > (l.segments[0]?.baseOffset ?? 0) ? l.logStartOffset : null,
    );
  }

  checkpointHighWatermarks(): Promise<void> {
    return this.writeCheckpoint(REPLICATION_OFFSET_CHECKPOINT, (l) => l.highWatermark);
  }

  checkpointCleanerOffsets(): Promise<void> {
    return this.writeCheckpoint(CLEANER_OFFSET_CHECKPOINT, (l) => {
      const v = this.cleanerCheckpoints.get(tpKey(l.topicPartition));
      return v === undefined ? null : v;
    });
  }

  async checkpointAll(): Promise<void> {
    await this.checkpointRecoveryPoints();
    await this.checkpointLogStartOffsets();
    await this.checkpointHighWatermarks();
    await this.checkpointCleanerOffsets();
  }

  // ---------------------------------------------------------------------------------------------
  // Background work. Each run* method does one pass and can be called directly.

  /** Retention for every log (delete policy: retentionMs / retentionBytes; all: below the log start). */
  async runRetention(now = this.now()): Promise<number> {
    let deleted = 0;
    for (const log of this.logs) {
      if (log.isOffline || log.isClosed) continue;
      try {
        deleted += await log.deleteOldSegments(now);
      } catch (err) {
        this.event(`${partitionDirName(log.topicPartition)}: retention failed: ${(err as Error).message}`);
      }
    }
    if (deleted > 0) {
      this.event(`retention deleted ${deleted} segments`);
      await this.checkpointLogStartOffsets();
    }
    return deleted;
  }

  /** Flushes the logs whose oldest unflushed append is older than their flushMs. */
  async runFlushCheck(now = this.now()): Promise<number> {
    let n = 0;
    for (const log of this.logs) {
      if (log.isOffline || log.isClosed || log.firstUnflushedMs < 0) continue;
      if (now - log.firstUnflushedMs >= log.config.flushMs) {
        await log.flush().catch(() => {});
        n++;
      }
    }
    return n;
  }

  /** Forgets idle producers in every log. */
  runProducerExpiry(now = this.now()): number {
    let n = 0;
    for (const log of this.logs) if (!log.isClosed) n += log.removeExpiredProducers(now);
    return n;
  }

  /**
   * One cleaner pass on the dirtiest compacted log (dirty ratio over min.cleanable.dirty.ratio, or
   * overdue by max.compaction.lag.ms, or with tombstones whose delete horizon has passed). Returns what
   * was done, or null when no log needed cleaning.
   */
  async runCleaner(now = this.now()): Promise<{ log: PartitionLog; result: CleanResult } | null> {
    let best: { log: PartitionLog; range: Awaited<ReturnType<typeof cleanableRange>>; score: number } | null =
      null;
    for (const log of this.logs) {
      if (!isCompacted(log.config) || log.isOffline || log.isClosed) continue;
      const range = await cleanableRange(log, this.cleanerCheckpoints.get(tpKey(log.topicPartition)), now);
      if (!range) continue;
      const horizonDue = log.latestDeleteHorizonMs >= 0 && now >= log.latestDeleteHorizonMs;
      const eligible =
        (range.dirtyBytes > 0 && (range.dirtyRatio >= log.config.minCleanableDirtyRatio || range.overdue)) ||
        horizonDue;
      if (!eligible) continue;
      const score = range.overdue || horizonDue ? 2 : range.dirtyRatio;
      if (best === null || score > best.score) best = { log, range, score };
    }
    if (best === null || best.range === null) return null;
    if (this.offsetMap === null) this.offsetMap = new OffsetMap(this.config.cleanerDedupeBufferBytes);
    const { log, range } = best;
    const result = await cleanLog(log, range, {
      now,
      map: this.offsetMap,
      loadFactor: this.config.cleanerDedupeLoadFactor,
      ioBufferBytes: this.config.cleanerIoBufferBytes,
    });
    if (result === null) return null;
    log.latestDeleteHorizonMs =
      result.latestDeleteHorizonMs >= 0
        ? result.latestDeleteHorizonMs
        : log.latestDeleteHorizonMs > now
          ? log.latestDeleteHorizonMs
          : -1;
    this.cleanerCheckpoints.set(tpKey(log.topicPartition), result.endOffset);
    await this.checkpointCleanerOffsets();
    this.event(
      `cleaned ${partitionDirName(log.topicPartition)}: ${result.segmentsCleaned} segments, ${result.bytesBefore} → ${result.bytesAfter} bytes, ${result.recordsRemoved} records removed`,
    );
    return { log, result };
  }

  private startScheduler(): void {
    // Each task re-arms its timer once its pass is over, so passes never overlap. The callback returns
    // the pass, so a test clock that fires timers by hand can wait for it.
    const every = (ms: number, run: () => Promise<unknown> | unknown) => {
      const arm = () => {
        const timer = this.timerSource.setTimer(ms, async () => {
          this.timers.delete(timer);
          if (this.closed) return;
          try {
            await run();
          } catch (err) {
            this.event(`background task failed: ${(err as Error).message}`);
          }
          if (!this.closed) arm();
        });
        this.timers.add(timer);
      };
      arm();
    };
    const c = this.config;
    every(c.retentionCheckIntervalMs, () => this.runRetention());
    every(c.recoveryPointCheckpointIntervalMs, () => this.checkpointRecoveryPoints());
    every(c.logStartOffsetCheckpointIntervalMs, () => this.checkpointLogStartOffsets());
    every(c.highWatermarkCheckpointIntervalMs, () => this.checkpointHighWatermarks());
    every(c.flushCheckIntervalMs, () => this.runFlushCheck());
    every(c.producerIdExpirationCheckIntervalMs, () => this.runProducerExpiry());
    if (c.cleanerEnable) this.scheduleCleaner(c.cleanerBackoffMs);
  }

  private scheduleCleaner(delayMs: number): void {
    if (this.closed) return;
    this.cleanerTimer = this.timerSource.setTimer(delayMs, () => {
      this.cleanerTimer = null;
      this.cleanerRunning = this.runCleaner()
        .then((did) => this.scheduleCleaner(did ? 0 : this.config.cleanerBackoffMs))
        .catch((err) => {
          this.event(`cleaner failed: ${(err as Error).message}`);
          this.scheduleCleaner(this.config.cleanerBackoffMs);
        })
        .finally(() => {
          this.cleanerRunning = null;
        });
      return this.cleanerRunning;
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Shutdown.

  /**
   * Stops the background work, closes every log (flushing it), writes the checkpoints and the
   * clean-shutdown marker. If anything fails, the marker is not written and the next open recovers.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    this.cleanerTimer?.cancel();
    let clean = true;
    await this.syncAllAtOnce();
    // Side by side, as at start: a shutdown of thousands of partitions is thousands of fsyncs (unless
    // the sync above made them unneeded), and the disk takes concurrent ones in fewer journal commits.
    await forEachConcurrently(this.logs, LOG_CLOSE_CONCURRENCY, async (log) => {
      await log.close();
      if (log.isOffline) clean = false;
    });
    if (this.cleanerRunning) await this.cleanerRunning.catch(() => {});
    try {
      await this.checkpointAll();
      if (clean) {
        await writeFileAtomic(
          this.fs,
          path.join(this.dir, CLEAN_SHUTDOWN_FILE),
          Buffer.from('{"version":0,"brokerEpoch":-1}'),
        );
      }
    } catch (err) {
      if (errorCode(err) === undefined && !(err instanceof LogDirError)) throw err;
      this.event(`checkpoints at shutdown failed: ${(err as Error).message}`);
    }
  }
}
