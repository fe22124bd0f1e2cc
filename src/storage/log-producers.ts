// Producer state of a partition log on disk: the `<offset>.snapshot` files (written at every roll and at
// close) and rebuilding the state from the newest valid snapshot plus a replay of the batches after it
// (at open, and after a truncation). Applying a batch also completes transactions: an ABORT marker
// adds an entry to the segment's transaction index.
import { posix as path } from 'node:path';
import {
  ATTR_CONTROL,
  ATTR_TRANSACTIONAL,
  type BatchHeader,
  readBatchHeader,
  readInt64,
} from '../protocol/records/batch.js';
import { offsetFileName, SNAPSHOT_SUFFIX } from './files.js';
import { errorCode, readWholeFile, writeFileAtomic } from './fs.js';
import type { PartitionLog } from './partition-log.js';
import {
  type CompletedTxn,
  decodeSnapshot,
  encodeSnapshot,
  type ProducerBatch,
  type ProducerEntry,
} from './producer-state.js';
import { controlRecord } from './records.js';
import { scanBatches } from './scan.js';
import type { LogSegment } from './segment.js';

/** What the producer state needs from a batch header (and, for a control batch, its record). */
export function producerBatchOf(h: BatchHeader, buf: Buffer, at: number): ProducerBatch {
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

/**
 * Applies a batch to the producer state. `seg` is the segment holding it, whose transaction index
 * records an aborted transaction; null while replaying batches whose indexes are already complete.
 */
export function applyProducerBatch(log: PartitionLog, pb: ProducerBatch, seg: LogSegment | null): void {
  const done = log.producerState.update(pb);
  if (done) completeTxn(log, done, seg);
}

function completeTxn(log: PartitionLog, done: CompletedTxn, seg: LogSegment | null): void {
  if (done.aborted && seg) {
    seg.txnIndex?.append({
      producerId: done.producerId,
      firstOffset: done.firstOffset,
      lastOffset: done.lastOffset,
      lastStableOffset: log.producerState.lastStableOffsetAfter(done),
    });
    seg.indexesDirty = true;
  }
  log.producerState.completeTxn(done, log.hwm);
}

/** Loads the newest valid snapshot at or below `maxOffset` (deleting corrupt ones); returns its offset. */
export async function loadProducerSnapshot(log: PartitionLog, maxOffset: number): Promise<number> {
  const candidates = log.snapshotOffsets.filter((o) => o <= maxOffset && o >= log.logStart).reverse();
  for (const off of candidates) {
    const data = await readWholeFile(log.fs, snapshotPath(log, off));
    const entries = data ? decodeSnapshot(data) : null;
    if (entries) {
      log.producerState.load(entries, off, log.now());
      return off;
    }
    await deleteSnapshot(log, off);
  }
  const start = Math.max(log.logStart, log.segments[0]?.baseOffset ?? 0);
  log.producerState.clear(start);
  return start;
}

/** Replays producer state from the batches in [from, to) (headers only, no validation). */
export async function replayProducers(log: PartitionLog, from: number, to: number): Promise<void> {
  for (let i = Math.max(0, log.floorIndex(from)); i < log.segments.length; i++) {
    const seg = log.segments[i];
    if (seg.baseOffset >= to) break;
    const h = await seg.file();
    seg.pin();
    try {
      await scanBatches(log.fs, h, 0, seg.writtenSize, (buf, at) => {
        const base = readInt64(buf, at);
        if (base >= to) return false;
        if (base >= from) applyProducerBatch(log, producerBatchOf(readBatchHeader(buf, at), buf, at), null);
        return true;
      });
    } finally {
      await seg.unpin();
    }
  }
  log.producerState.mapEndOffset = to;
}

/** Reloads producer state for a log ending at `end` from the newest snapshot below it plus the log. */
export async function rebuildProducerState(log: PartitionLog, end: number): Promise<void> {
  await deleteSnapshotsAbove(log, end);
  const from = await loadProducerSnapshot(log, end);
  if (from < end) await replayProducers(log, from, end);
}

function snapshotPath(log: PartitionLog, offset: number): string {
  return path.join(log.dir, offsetFileName(offset, SNAPSHOT_SUFFIX));
}

export async function deleteSnapshot(log: PartitionLog, offset: number): Promise<void> {
  log.snapshotOffsets = log.snapshotOffsets.filter((o) => o !== offset);
  try {
    await log.fs.unlink(snapshotPath(log, offset));
    log.dirVersion++;
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw err;
  }
}

/** Deletes the snapshots of offsets beyond `offset` (the log no longer reaches them). */
export async function deleteSnapshotsAbove(log: PartitionLog, offset: number): Promise<void> {
  for (const off of log.snapshotOffsets.filter((o) => o > offset)) await deleteSnapshot(log, off);
}

/**
 * Writes a producer snapshot (state as of `offset`) in the background. A snapshot is only ever a
 * shortcut (a missing or corrupt one means replaying more of the log), so at close it need not be
 * fsynced (`durable: false`).
 */
export function scheduleSnapshot(
  log: PartitionLog,
  offset: number,
  entries: ProducerEntry[],
  durable = true,
): void {
  if (log.snapshotOffsets.includes(offset)) return;
  log.snapshotOffsets.push(offset);
  log.snapshotOffsets.sort((a, b) => a - b);
  const data = encodeSnapshot(entries);
  log.runMeta(() => writeFileAtomic(log.fs, snapshotPath(log, offset), data, { durable }));
}

/**
 * Bytes the next open would scan to rebuild the producer state from the newest snapshot: the
 * segments from the one holding that snapshot's offset (or the first) to the end.
 */
export function producerReplayBytes(log: PartitionLog): number {
  const last = log.snapshotOffsets[log.snapshotOffsets.length - 1] ?? -1;
  if (last >= log.leo) return 0;
  let bytes = 0;
  for (let i = Math.max(0, log.floorIndex(last)); i < log.segments.length; i++) bytes += log.segments[i].size;
  return bytes;
}
