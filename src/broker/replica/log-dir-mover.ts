// Moving a replica to another log dir of this broker (AlterReplicaLogDirs; Kafka's
// ReplicaAlterLogDirsThread): a "future" log `<topic>-<partition>.<id>-future` in the target dir is
// filled from the current log (batches unchanged, at most replica.alter.log.dirs.io.max.bytes.per.second),
// following its truncations; once it has caught up, appends are held for a moment while the last bytes
// are copied, the future log takes the partition's name in its dir, and the old log is deleted.
import { randomUUID } from 'node:crypto';
import { posix as path } from 'node:path';
import { ErrorCode } from '../../protocol/errors.js';
import { type FileSystem, PartitionLog } from '../../storage/index.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { LogDir, LogDirs } from './log-dirs.js';
import type { Partition } from './partition.js';

const COPY_CHUNK_BYTES = 1024 * 1024;
const IDLE_POLL_MS = 50;

interface Move {
  partition: Partition;
  target: LogDir;
  futureDir: string;
  future: PartitionLog | null;
  cancelled: boolean;
}

export class LogDirMover {
  private readonly moves = new Map<string, Move>();

  constructor(
    private readonly dirs: LogDirs,
    private readonly fs: FileSystem,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** replica.alter.log.dirs.io.max.bytes.per.second */
    private readonly bytesPerSecondMax: () => number,
  ) {}

  /** The future log of a partition being moved, and the dir it goes to. */
  futureOf(p: Partition): { path: string; log: PartitionLog } | null {
    const m = this.moves.get(p.key);
    return m?.future && m.partition === p ? { path: m.target.path, log: m.future } : null;
  }

  /** Starts moving `p` to the log dir `targetPath`; an error code when it cannot. */
  request(p: Partition, targetPath: string): number {
    const target = this.dirs.byPath(targetPath);
    if (!target) return ErrorCode.LOG_DIR_NOT_FOUND;
    const current = this.dirs.dirOf({ topic: p.topic, partition: p.index });
    const existing = this.moves.get(p.key);
    if (existing && existing.target === target) return ErrorCode.NONE;
    if (existing) this.cancel(p);
    if (current === target) return ErrorCode.NONE;
    const futureDir = path.join(
      target.path,
      `${p.topic}-${p.index}.${randomUUID().replaceAll('-', '')}-future`,
    );
    const move: Move = { partition: p, target, futureDir, future: null, cancelled: false };
    this.moves.set(p.key, move);
    this.run(move).catch((err: unknown) => {
      this.log.error('moving a replica between log dirs failed', {
        topic: p.topic,
        partition: p.index,
        to: target.path,
        err: String((err as Error)?.stack ?? err),
      });
      void this.discard(move);
    });
    return ErrorCode.NONE;
  }

  /** Stops every move (shutdown); a future log is removed, as an interrupted move starts over. */
  close(): void {
    for (const m of this.moves.values()) m.cancelled = true;
    this.moves.clear();
  }

  /** Stops a move (the partition is deleted or moved away); its future log is removed. */
  cancel(p: Partition): void {
    const m = this.moves.get(p.key);
    if (!m) return;
    m.cancelled = true;
    this.moves.delete(p.key);
  }

  private async discard(m: Move): Promise<void> {
    if (this.moves.get(m.partition.key) === m) this.moves.delete(m.partition.key);
    await m.future?.closeWithoutFlush().catch(() => {});
    await this.fs.rmdir(m.futureDir).catch(() => {});
  }

  private async run(m: Move): Promise<void> {
    const p = m.partition;
    m.future = await PartitionLog.open(m.futureDir, p.log.config, {
      fs: this.fs,
      now: () => this.clock.now(),
      topicPartition: { topic: p.topic, partition: p.index },
      topicId: p.topicId,
    });
    this.log.info('moving a replica to another log dir', {
      topic: p.topic,
      partition: p.index,
      to: m.target.path,
    });
    while (!m.cancelled) {
      const copied = await this.copySome(m);
      if (m.cancelled) break;
      if (copied > 0) {
        await this.throttle(copied);
        continue;
      }
      if (this.caughtUp(m) && (await this.swap(m))) return;
      await new Promise<void>((r) => this.clock.setTimer(IDLE_POLL_MS, r));
    }
    await this.discard(m);
  }

  private caughtUp(m: Move): boolean {
    const src = m.partition.log;
    return (
      m.future !== null &&
      m.future.logEndOffset === src.logEndOffset &&
      src.writtenEndOffset === src.logEndOffset
    );
  }

  /** Copies the next chunk of the current log into the future log; the bytes copied. */
  private async copySome(m: Move): Promise<number> {
    const future = m.future as PartitionLog;
    const src = m.partition.log;
    if (future.logEndOffset > src.logEndOffset) await future.truncateTo(src.logEndOffset);
    if (src.logStartOffset > future.logEndOffset) await future.truncateFullyAndStartAt(src.logStartOffset);
    const from = future.logEndOffset;
    if (from >= src.logEndOffset) return 0;
    const r = await src.read(from, COPY_CHUNK_BYTES, { maxOffset: src.logEndOffset });
    if (r.kind !== 'data' || r.sizeBytes === 0) return 0;
    const bytes = Buffer.concat(r.records);
    // The first batch read may start before the future log's end (a log start inside a batch).
    const base = Number(bytes.readBigInt64BE(0));
    if (base < from) {
      if (future.logEndOffset !== future.logStartOffset) return 0;
      await future.truncateFullyAndStartAt(base);
    }
    const appended = future.appendAsFollower(bytes);
    if (appended.kind === 'rejected') throw new Error(`future log refused the batches: ${appended.detail}`);
    if (appended.kind === 'appended') await appended.written;
    return bytes.length;
  }

  private async throttle(bytes: number): Promise<void> {
    const rate = this.bytesPerSecondMax();
    if (!(rate > 0) || rate >= Number.MAX_SAFE_INTEGER) return;
    const ms = (bytes / rate) * 1000;
    if (ms >= 1) await new Promise<void>((r) => this.clock.setTimer(ms, r));
  }

  /**
   * With appends held (the partition's exclusive section), copies what is left, closes the future
   * log, gives it the partition's name in its dir and deletes the current log. False when the
   * partition moved on meanwhile (the next round tries again).
   */
  private async swap(m: Move): Promise<boolean> {
    const p = m.partition;
    let done = false;
    await p.exclusively(async () => {
      if (m.cancelled || !m.future) return;
      while ((await this.copySome(m)) > 0);
      const src = p.log;
      if (!this.caughtUp(m)) return;
      const future = m.future;
      future.updateHighWatermark(src.highWatermark);
      if (src.logStartOffset > future.logStartOffset) future.deleteRecordsBefore(src.logStartOffset);
      await future.close();
      const source = this.dirs.dirOf({ topic: p.topic, partition: p.index });
      const tp = { topic: p.topic, partition: p.index };
      const adopted = await m.target.manager.adoptLog(tp, m.futureDir, {
        recoveryPoint: future.recoveryPoint,
        logStartOffset: future.logStartOffset,
        highWatermark: future.highWatermark,
        topicId: p.topicId,
      });
      p.replaceLog(adopted);
      if (source && source !== m.target) await source.manager.deleteLog(tp);
      done = true;
    });
    if (done) {
      this.moves.delete(p.key);
      this.log.info('replica moved to another log dir', {
        topic: p.topic,
        partition: p.index,
        to: m.target.path,
      });
    }
    return done;
  }
}
