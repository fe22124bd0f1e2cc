// Opening a partition log: tidying the directory (temporary files, interrupted compaction swaps,
// orphaned indexes), listing the segments and snapshots, and recovering. Unless the log dir was shut
// down cleanly, every segment from the one holding the recovery point is scanned: each batch is checked
// (size, magic, CRC-32C, count, offsets increasing and inside the segment), indexes are rebuilt, leader
// epochs re-derived and producer state replayed; the first bad or torn batch and everything after it is
// cut off. After a clean shutdown only the end of the active segment is read.
import { posix as path } from 'node:path';
import { readBatchHeader } from '../protocol/records/batch.js';
import {
  CLEANED_SUFFIX,
  DELETED_SUFFIX,
  decodeEpochCheckpoint,
  INDEX_SUFFIX,
  LEADER_EPOCH_CHECKPOINT,
  LOG_SUFFIX,
  offsetFileName,
  PARTITION_METADATA,
  parseOffsetFileName,
  readPartitionMetadata,
  SNAPSHOT_SUFFIX,
  SWAP_SUFFIX,
  TIME_INDEX_SUFFIX,
  TXN_INDEX_SUFFIX,
  writePartitionMetadata,
} from './files.js';
import { mkdirMissing, readdirQuick, readWholeFile, statQuick } from './fs.js';
import {
  applyProducerBatch,
  deleteSnapshotsAbove,
  loadProducerSnapshot,
  producerBatchOf,
  rebuildProducerState,
  replayProducers,
} from './log-producers.js';
import { resetLog } from './log-truncation.js';
import type { PartitionLog, PartitionLogOptions } from './partition-log.js';
import type { ProducerBatch } from './producer-state.js';
import { lastOffsetAt, scanBatches, walkHeaders } from './scan.js';
import { LogSegment } from './segment.js';

const INT32_MAX = 0x7fffffff;

/** What recovery found, for logs and tests. */
export interface RecoveryReport {
  segmentsRecovered: number;
  bytesTruncated: number;
  segmentsDeleted: number;
  problem: string | null;
  durationMs: number;
}

/** Loads and recovers the log's directory (creating it when missing). Called once, by PartitionLog.open. */
export async function loadLog(log: PartitionLog, options: PartitionLogOptions): Promise<void> {
  const started = log.now();
  // A new directory becomes durable in the background, as its files do (below): a partition created by
  // the controller is then ready without waiting for directory syncs, and a crash before they finish
  // loses nothing a restart does not recreate from the metadata log.
  const madeDirs = options.dirExists ? [] : await mkdirMissing(log.fs, log.dir);
  const listing = await openSegments(log, options.logStartOffset ?? 0);
  const created = listing === null;
  log.logStart = Math.max(options.logStartOffset ?? 0, log.segments[0].baseOffset);
  if (created || listing.has(LEADER_EPOCH_CHECKPOINT)) await loadEpochCheckpoint(log);
  const report = created
    ? startEmpty(log)
    : options.cleanShutdown
      ? await loadCleanly(log)
      : await recover(log, Math.max(options.recoveryPoint ?? 0, 0));
  report.durationMs = log.now() - started;
  log.recovery = report;
  await settleOffsets(log, options);
  await loadTopicId(log, options.topicId, created || listing.has(PARTITION_METADATA));
  if (log.epochCheckpointDirty) {
    log.scheduleEpochCheckpoint();
    await log.meta;
  }
  // A new log's segment file (or entries recovery changed) become durable in the background, so that
  // creating many partitions does not wait for a directory sync each, and closing them later finds
  // nothing left to sync but their data.
  if (log.dirSyncedVersion < log.dirVersion) log.runMeta(() => log.syncDir());
  if (madeDirs.length > 0)
    log.runMeta(async () => {
      for (const d of madeDirs) await log.fs.syncDir(d);
    });
}

/** A log whose only segment was just created: nothing to recover. */
function startEmpty(log: PartitionLog): RecoveryReport {
  const seg = log.active;
  log.producerState.clear(seg.baseOffset);
  log.leo = seg.nextOffset = seg.baseOffset;
  return { segmentsRecovered: 0, bytesTruncated: 0, segmentsDeleted: 0, problem: null, durationMs: 0 };
}

/**
 * Tidies the directory and lists it: the segments (an empty one at `logStartOffset` when there is
 * none: then it returns null) and the producer snapshots. Returns the names in the directory, so
 * that files known to be absent are not looked for (thousands of logs open at start).
 */
async function openSegments(log: PartitionLog, logStartOffset: number): Promise<Set<string> | null> {
  const fs = log.fs;
  const listed = await readdirQuick(fs, log.dir);
  const names = await cleanStrayFiles(log, listed);
  const swapped = await completeSwaps(log, names);
  const after = swapped ? await fs.readdir(log.dir) : names;
  const bases: number[] = [];
  for (const n of after) {
    const b = parseOffsetFileName(n, LOG_SUFFIX);
    if (b !== null) bases.push(b);
    const s = parseOffsetFileName(n, SNAPSHOT_SUFFIX);
    if (s !== null) log.snapshotOffsets.push(s);
  }
  bases.sort((a, b) => a - b);
  log.snapshotOffsets.sort((a, b) => a - b);
  await deleteOrphanIndexes(log, after, new Set(bases));
  const present = new Set(after);
  for (const b of bases) {
    const seg = new LogSegment(fs, log.dir, b, log.config, log.now());
    seg.indexFilesPresent(present);
    const st = await statQuick(fs, seg.logPath);
    seg.size = seg.writtenSize = seg.syncedSize = st?.size ?? 0;
    seg.lastModifiedMs = st?.mtimeMs ?? log.now();
    log.segments.push(seg);
  }
  for (let i = 0; i + 1 < log.segments.length; i++)
    log.segments[i].nextOffset = log.segments[i + 1].baseOffset;
  if (log.segments.length === 0) {
    const seg = new LogSegment(fs, log.dir, Math.max(0, logStartOffset), log.config, log.now());
    seg.resetIndexes();
    await seg.create();
    seg.dirDirty = false; // counted here instead
    log.segments.push(seg);
    log.dirVersion++;
    return null;
  }
  return present;
}

/** After recovery: the offsets (from the checkpoints, clamped to what was found) and the leader epochs. */
async function settleOffsets(log: PartitionLog, options: PartitionLogOptions): Promise<void> {
  log.writtenEnd = log.leo;
  if (log.leo < log.logStart) await resetLog(log, log.logStart);
  log.recoveryPointOffset = Math.min(options.recoveryPoint ?? 0, log.leo);
  if (options.cleanShutdown) log.recoveryPointOffset = log.leo;
  log.hwm = Math.min(Math.max(options.highWatermark ?? 0, log.logStart), log.leo);
  log.producerState.onHighWatermark(log.hwm);
  if (log.leaderEpochs.truncateFromStart(log.logStart)) log.scheduleEpochCheckpoint();
  if (log.leaderEpochs.truncateFromEnd(log.leo)) log.scheduleEpochCheckpoint();
}

/** Reads partition.metadata; writes it when `topicId` is given and differs. */
async function loadTopicId(log: PartitionLog, topicId: string | undefined, exists: boolean): Promise<void> {
  const meta = exists ? await readPartitionMetadata(log.fs, log.dir) : null;
  log.topicId = meta?.topicId ?? null;
  if (topicId && topicId !== log.topicId) {
    // Written (and synced) in the background, as Kafka flushes partition.metadata: the id is known from
    // now on, and a restart before the file is written takes it from the metadata log again.
    log.topicId = topicId;
    log.runMeta(() => writePartitionMetadata(log.fs, log.dir, topicId));
  }
}

/** Removes temporary, cleaned-but-not-swapped and deleted files; returns the names left. */
async function cleanStrayFiles(log: PartitionLog, names: string[]): Promise<string[]> {
  const keep: string[] = [];
  for (const n of names) {
    if (n.endsWith('.tmp') || n.endsWith(CLEANED_SUFFIX) || n.endsWith(DELETED_SUFFIX)) {
      await log.fs.unlink(path.join(log.dir, n));
      log.dirVersion++;
    } else keep.push(n);
  }
  return keep;
}

/**
 * Finishes a compaction swap interrupted by a crash: a `<base>.log.swap` holds a complete cleaned
 * segment replacing the segments in [base, its end); those are deleted and the swap files renamed.
 * Returns whether there was any.
 */
async function completeSwaps(log: PartitionLog, names: string[]): Promise<boolean> {
  const swaps = names.filter((n) => n.endsWith(SWAP_SUFFIX));
  if (swaps.length === 0) return false;
  const logSwaps = swaps
    .map((n) => parseOffsetFileName(n.slice(0, -SWAP_SUFFIX.length), LOG_SUFFIX))
    .filter((b): b is number => b !== null);
  for (const base of logSwaps) {
    const swapPath = path.join(log.dir, offsetFileName(base, LOG_SUFFIX) + SWAP_SUFFIX);
    const end = await endOffsetOfFile(log, swapPath, base);
    for (const n of names) {
      if (n.endsWith(SWAP_SUFFIX)) continue;
      for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX]) {
        const b = parseOffsetFileName(n, suffix);
        if (b !== null && b >= base && b < end) await log.fs.unlink(path.join(log.dir, n));
      }
    }
  }
  await log.fs.syncDir(log.dir);
  for (const n of swaps) {
    await log.fs.rename(path.join(log.dir, n), path.join(log.dir, n.slice(0, -SWAP_SUFFIX.length)));
  }
  await log.fs.syncDir(log.dir);
  return true;
}

async function endOffsetOfFile(log: PartitionLog, file: string, base: number): Promise<number> {
  const h = await log.fs.open(file, 'read');
  try {
    let end = base;
    await scanBatches(log.fs, h, 0, await log.fs.size(h), (buf, at) => {
      end = lastOffsetAt(buf, at) + 1;
      return true;
    });
    return end;
  } finally {
    await log.fs.close(h);
  }
}

async function deleteOrphanIndexes(log: PartitionLog, names: string[], bases: Set<number>): Promise<void> {
  for (const n of names) {
    for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX]) {
      const b = parseOffsetFileName(n, suffix);
      if (b !== null && !bases.has(b)) {
        await log.fs.unlink(path.join(log.dir, n));
        log.dirVersion++;
      }
    }
  }
}

async function loadEpochCheckpoint(log: PartitionLog): Promise<void> {
  const data = await readWholeFile(log.fs, path.join(log.dir, LEADER_EPOCH_CHECKPOINT));
  const entries = data ? decodeEpochCheckpoint(data) : null;
  if (data && !entries) log.scheduleEpochCheckpoint();
  for (const e of entries ?? []) log.leaderEpochs.assign(e.epoch, e.startOffset);
}

/**
 * After a clean shutdown: trust the files, find the end of the active segment from its index (a walk
 * of the batch headers after its last entry, which also gives the segment's largest timestamp, as
 * the time index may lack the newest batches, and its first batch when the walk starts there). A
 * small active segment has no index files after a clean shutdown (see PartitionLog.close): then the
 * one scan that rebuilds its indexes also finds its end and the batches producer state needs.
 */
async function loadCleanly(log: PartitionLog): Promise<RecoveryReport> {
  const seg = log.active;
  // Its end is what the walk finds: until then the time index may name any offset (checked below).
  seg.nextOffset = Number.MAX_SAFE_INTEGER;
  const producerBatches: ProducerBatch[] = [];
  let first: number | null = null;
  let next = seg.baseOffset;
  const rebuilt = await seg.ensureIndexes((buf, at, position) => {
    const h = readBatchHeader(buf, at);
    next = h.baseOffset + h.lastOffsetDelta + 1;
    if (position === 0) first = h.maxTimestamp;
    if (h.producerId >= 0) producerBatches.push(producerBatchOf(h, buf, at));
    return true;
  });
  seg.nextOffset = seg.baseOffset;
  if (rebuilt !== null) {
    if (rebuilt.end !== seg.writtenSize) return recover(log, seg.baseOffset);
    seg.nextOffset = log.leo = next;
    seg.firstBatchTimestamp = first;
    await rebuildProducerStateWith(log, producerBatches);
    return { segmentsRecovered: 0, bytesTruncated: 0, segmentsDeleted: 0, problem: null, durationMs: 0 };
  }
  const from = seg.offsetIndex!.lookup(Number.MAX_SAFE_INTEGER).position;
  const h = await seg.file();
  const stopped = await walkHeaders(log.fs, h, from, seg.writtenSize, (v) => {
    next = v.lastOffset + 1;
    if (v.position === 0) first = v.maxTimestamp;
    if (v.maxTimestamp > seg.maxTimestamp) {
      seg.maxTimestamp = v.maxTimestamp;
      seg.offsetOfMaxTimestamp = v.lastOffset;
    }
    return true;
  });
  const ti = seg.timeIndex!;
  if (stopped !== seg.writtenSize || (ti.count > 0 && ti.lastEntry().offset >= next)) {
    // The clean-shutdown marker lied (or the disk did): recover this segment after all.
    return recover(log, seg.baseOffset);
  }
  seg.nextOffset = next;
  log.leo = next;
  seg.firstBatchTimestamp = from === 0 ? first : ((await seg.readFirstBatch())?.maxTimestamp ?? null);
  await rebuildProducerState(log, log.leo);
  return { segmentsRecovered: 0, bytesTruncated: 0, segmentsDeleted: 0, problem: null, durationMs: 0 };
}

/**
 * Producer state at the log end, given the batches of producers in the active segment (read by the
 * scan that rebuilt its indexes): the newest snapshot, the segments between it and the active one
 * replayed, then those batches. As rebuildProducerState, without reading the active segment again.
 */
async function rebuildProducerStateWith(log: PartitionLog, activeBatches: ProducerBatch[]): Promise<void> {
  const base = log.active.baseOffset;
  await deleteSnapshotsAbove(log, log.leo);
  const from = await loadProducerSnapshot(log, log.leo);
  if (from < base) await replayProducers(log, from, base);
  for (const pb of activeBatches) if (pb.baseOffset >= from) applyProducerBatch(log, pb, null);
  log.producerState.mapEndOffset = log.leo;
}

/**
 * Recovers every segment from the one holding `recoveryPoint`: validates each batch (size, CRC,
 * offsets), rebuilds the indexes, truncates at the first bad batch and deletes the segments after it.
 */
async function recover(log: PartitionLog, recoveryPoint: number): Promise<RecoveryReport> {
  let k = log.floorIndex(recoveryPoint);
  if (k < 0) k = 0;
  const scanStart = log.segments[k].baseOffset;
  const snapshotOffset = await loadProducerSnapshot(log, scanStart);
  if (snapshotOffset < scanStart) await replayProducers(log, snapshotOffset, scanStart);
  const report: RecoveryReport = {
    segmentsRecovered: 0,
    bytesTruncated: 0,
    segmentsDeleted: 0,
    problem: null,
    durationMs: 0,
  };
  // One scan buffer for every segment, no larger than the largest of them: a new, empty log must
  // not cost 8 MiB (a topic of many partitions is created in one go).
  let largestBytes = 0;
  for (let i = k; i < log.segments.length; i++) largestBytes = Math.max(largestBytes, log.segments[i].size);
  const buffer = Buffer.allocUnsafe(Math.min(8 * 1024 * 1024, Math.max(64 * 1024, largestBytes)));
  for (let i = k; i < log.segments.length; i++) {
    const seg = log.segments[i];
    const limit = i + 1 < log.segments.length ? log.segments[i + 1].baseOffset : Number.MAX_SAFE_INTEGER;
    const cut = await recoverSegment(log, seg, limit, snapshotOffset, buffer);
    report.segmentsRecovered++;
    const endsEarly = i + 1 < log.segments.length && seg.nextOffset !== log.segments[i + 1].baseOffset;
    if (cut !== null || endsEarly) {
      if (cut !== null) {
        report.bytesTruncated += cut.bytes;
        report.problem = cut.problem;
      } else report.problem = `segment ${seg.baseOffset} ends at ${seg.nextOffset}, before the next segment`;
      const dropped = log.segments.splice(i + 1);
      for (const d of dropped) await d.deleteFiles();
      report.segmentsDeleted += dropped.length;
      if (dropped.length > 0) log.dirVersion++;
      break;
    }
  }
  log.leo = log.active.nextOffset;
  await deleteSnapshotsAbove(log, log.leo);
  if (log.segments.length > 0)
    log.active.firstBatchTimestamp = (await log.active.readFirstBatch())?.maxTimestamp ?? null;
  return report;
}

/**
 * Scans `seg` from its start: checks each batch (its offsets must grow and stay below `limit`, the next
 * segment's base), rebuilds the indexes, re-derives leader epochs and applies the batches from
 * `snapshotOffset` on to the producer state. Cuts the file at the first bad batch; returns what was cut.
 */
async function recoverSegment(
  log: PartitionLog,
  seg: LogSegment,
  limit: number,
  snapshotOffset: number,
  buffer: Buffer,
): Promise<{ bytes: number; problem: string } | null> {
  seg.resetIndexes();
  seg.nextOffset = seg.baseOffset;
  const h = await seg.file();
  const fileSize = await log.fs.size(h);
  let bad: string | null = null;
  let badAt = -1;
  const res = await scanBatches(
    log.fs,
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
      const visible = last >= log.logStart;
      if (
        visible &&
        hdr.partitionLeaderEpoch >= 0 &&
        hdr.partitionLeaderEpoch > log.leaderEpochs.latestEpoch
      ) {
        if (log.leaderEpochs.assign(hdr.partitionLeaderEpoch, hdr.baseOffset))
          log.epochCheckpointDirty = true;
      }
      if (hdr.baseOffset >= snapshotOffset) applyProducerBatch(log, producerBatchOf(hdr, buf, at), seg);
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
    await log.fs.truncate(h, end);
    seg.offsetIndex!.truncateToPosition(end);
    return { bytes: fileSize - end, problem: problem ?? 'trailing bytes' };
  }
  return null;
}
