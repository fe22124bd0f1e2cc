// Everything that removes data from a partition log: truncation at the end (a follower whose log
// diverged), resetting it to an empty log, advancing the log start offset (DeleteRecords), deleting
// whole segments (retention, and those below the log start), and swapping in segments the cleaner
// compacted. The file work runs as tasks in the log's IoQueue, in order with the writes.
import { posix as path } from 'node:path';
import {
  INDEX_SUFFIX,
  LOG_SUFFIX,
  offsetFileName,
  SWAP_SUFFIX,
  TIME_INDEX_SUFFIX,
  TXN_INDEX_SUFFIX,
} from './files.js';
import { errorCode } from './fs.js';
import { deleteSnapshot, deleteSnapshotsAbove, rebuildProducerState } from './log-producers.js';
import type { PartitionLog } from './partition-log.js';
import { walkHeaders } from './scan.js';
import { type BatchLocation, LogSegment } from './segment.js';

export type DeleteRecordsResult =
  | { kind: 'ok'; logStartOffset: number }
  | { kind: 'out-of-range'; highWatermark: number }
  | { kind: 'offline'; detail: string };

/**
 * Removes every batch at or after `offset` (logStartOffset <= offset < logEndOffset). Runs in the
 * queue; the log refuses appends meanwhile.
 */
export async function truncateLog(log: PartitionLog, offset: number): Promise<void> {
  await log.meta;
  const k = Math.max(0, log.floorIndex(offset));
  const dropped = log.segments.splice(k + 1);
  const seg = log.active;
  const loc = await seg.locate(offset, seg.writtenSize);
  const newEnd = loc ? await cutSegment(log, seg, loc) : await seg.scanEnd();
  for (const d of dropped) await d.deleteFiles();
  if (dropped.length > 0) {
    log.dirVersion++;
    log.segmentsVersion++;
  }
  if (newEnd < log.logStart) {
    // Nothing at or above the log start is left: start an empty log there (Kafka's truncateFullyAndStartAt).
    await resetLog(log, log.logStart);
    return;
  }
  log.leo = newEnd;
  log.writtenEnd = Math.min(log.writtenEnd, newEnd);
  seg.nextOffset = newEnd;
  log.cache.truncateFrom(newEnd);
  log.hwm = Math.min(log.hwm, newEnd);
  log.recoveryPointOffset = Math.min(log.recoveryPointOffset, newEnd);
  if (log.leaderEpochs.truncateFromEnd(newEnd)) log.scheduleEpochCheckpoint();
  if (log.producerState.mapEndOffset !== newEnd) await rebuildProducerState(log, newEnd);
  else await deleteSnapshotsAbove(log, newEnd);
}

/** Cuts `seg` before the batch at `loc`, trims its indexes; returns the segment's new end offset. */
async function cutSegment(log: PartitionLog, seg: LogSegment, loc: BatchLocation): Promise<number> {
  const newEnd = loc.baseOffset;
  const h = await seg.file();
  await log.fs.truncate(h, loc.position);
  seg.size = seg.writtenSize = loc.position;
  seg.syncedSize = -1; // the truncation itself is not durable until the next fsync
  seg.offsetIndex!.truncateToPosition(loc.position);
  seg.offsetIndex!.truncateTo(newEnd);
  seg.timeIndex!.truncateTo(newEnd);
  seg.txnIndex!.truncateTo(newEnd);
  seg.indexesDirty = true;
  seg.nextOffset = newEnd;
  seg.bytesSinceLastIndexEntry = 0;
  await recomputeMaxTimestamp(log, seg);
  if (seg.size === 0) {
    seg.firstBatchTimestamp = null;
    seg.createdMs = log.now();
  }
  return newEnd;
}

async function recomputeMaxTimestamp(log: PartitionLog, seg: LogSegment): Promise<void> {
  seg.maxTimestamp = -1;
  seg.offsetOfMaxTimestamp = -1;
  const last = seg.timeIndex!.lastEntry();
  const from = seg.offsetIndex!.lookup(last.offset).position;
  if (last.timestamp >= 0) {
    seg.maxTimestamp = last.timestamp;
    seg.offsetOfMaxTimestamp = last.offset;
  }
  const h = await seg.file();
  await walkHeaders(log.fs, h, from, seg.writtenSize, (v) => {
    if (v.maxTimestamp > seg.maxTimestamp) {
      seg.maxTimestamp = v.maxTimestamp;
      seg.offsetOfMaxTimestamp = v.lastOffset;
    }
    return true;
  });
}

/** Replaces every segment with one empty segment at `offset`. Runs in the queue (or during open). */
export async function resetLog(log: PartitionLog, offset: number): Promise<void> {
  await log.meta;
  const old = log.segments;
  const seg = new LogSegment(log.fs, log.dir, offset, log.config, log.now());
  seg.resetIndexes();
  for (const d of old) await d.deleteFiles();
  for (const off of [...log.snapshotOffsets]) await deleteSnapshot(log, off);
  await seg.create();
  log.segments = [seg];
  log.dirVersion++;
  log.segmentsVersion++;
  log.leo = log.writtenEnd = log.logStart = log.hwm = offset;
  log.recoveryPointOffset = Math.min(log.recoveryPointOffset, offset);
  log.cache.clear();
  log.producerState.clear(offset);
  if (log.leaderEpochs.clear()) log.scheduleEpochCheckpoint();
}

export function advanceLogStart(log: PartitionLog, offset: number): void {
  if (offset <= log.logStart) return;
  log.logStart = offset;
  log.cache.dropBelow(offset);
  if (log.leaderEpochs.truncateFromStart(offset)) log.scheduleEpochCheckpoint();
}

export async function deleteSegmentsBelowLogStart(log: PartitionLog): Promise<number> {
  const doomed: LogSegment[] = [];
  for (let i = 0; i + 1 < log.segments.length; i++) {
    if (log.segments[i + 1].baseOffset <= log.logStart) doomed.push(log.segments[i]);
    else break;
  }
  return deleteSegments(log, doomed);
}

/** Removes `doomed` (oldest segments, never the active one) from the log and deletes their files. */
async function deleteSegments(log: PartitionLog, doomed: LogSegment[]): Promise<number> {
  if (doomed.length === 0) return 0;
  const set = new Set(doomed);
  log.segments = log.segments.filter((s) => !set.has(s));
  log.segmentsVersion++;
  advanceLogStart(log, log.segments[0].baseOffset);
  await log.queue.task(async () => {
    // Oldest first, each deletion made durable before the next: a crash can leave a shorter log but
    // never one with a hole in the middle (the log-start checkpoint may be older than the deletion).
    for (const [i, seg] of doomed.entries()) {
      await seg.deleteFiles();
      if (log.snapshotOffsets.includes(seg.baseOffset) && seg.baseOffset < log.segments[0].baseOffset) {
        await deleteSnapshot(log, seg.baseOffset);
      }
      log.dirVersion++;
      if (i + 1 < doomed.length) await log.syncDir();
    }
  });
  return doomed.length;
}

/**
 * Retention: deletes inactive segments past retentionMs / retentionBytes (for the delete policy) and
 * those wholly below the log start offset. Only segments below the high watermark go.
 */
export async function deleteExpiredSegments(log: PartitionLog, nowMs: number): Promise<number> {
  if (log.refusal()) return 0;
  let n = await deleteSegmentsBelowLogStart(log);
  if (log.config.cleanupPolicy === 'compact') return n;
  const doomed: LogSegment[] = [];
  let excess = log.config.retentionBytes < 0 ? 0 : log.sizeBytes - log.config.retentionBytes;
  for (let i = 0; i + 1 < log.segments.length; i++) {
    const seg = log.segments[i];
    if (log.segments[i + 1].baseOffset > log.hwm) break;
    await seg.ensureIndexes();
    const largest = seg.maxTimestamp >= 0 ? seg.maxTimestamp : seg.lastModifiedMs;
    const byTime = log.config.retentionMs >= 0 && nowMs - largest > log.config.retentionMs;
    const bySize = log.config.retentionBytes >= 0 && excess - seg.size >= 0;
    if (!byTime && !bySize) break;
    excess -= seg.size;
    doomed.push(seg);
  }
  n += await deleteSegments(log, doomed);
  return n;
}

/**
 * Replaces `old` (consecutive inactive segments, still in the log) with `cleaned` whose files are
 * complete and durable under the `.swap` suffix. Resolves to the new segments version, or -1 (changing
 * nothing) when the log changed since `version`.
 */
export function swapInCleanedSegments(
  log: PartitionLog,
  old: LogSegment[],
  cleaned: LogSegment,
  version: number,
): Promise<number> {
  return log.queue.task(async () => {
    if (log.segmentsVersion !== version || log.offlineError || log.isClosed) return -1;
    const first = log.segments.indexOf(old[0]);
    if (first < 0 || old.some((s, i) => log.segments[first + i] !== s) || old.includes(log.active)) return -1;
    for (const s of old) await s.unlinkKeepingHandle();
    await log.fs.syncDir(log.dir);
    for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX]) {
      const f = path.join(log.dir, offsetFileName(cleaned.baseOffset, suffix));
      try {
        await log.fs.rename(f + SWAP_SUFFIX, f);
      } catch (err) {
        if (errorCode(err) !== 'ENOENT') throw err;
      }
    }
    await log.fs.syncDir(log.dir);
    cleaned.suffix = '';
    log.segments.splice(first, old.length, cleaned);
    log.segmentsVersion++;
    for (const s of old) {
      s.deleted = true;
      await s.release();
    }
    const end = first + 1 < log.segments.length ? log.segments[first + 1].baseOffset : log.leo;
    log.cache.dropRange(cleaned.baseOffset, end);
    return log.segmentsVersion;
  });
}
