// Making a partition log durable: fsyncs of the segments written since the last flush (outside the
// write queue, so appends go on meanwhile), the indexes of sealed segments, the directory, then the
// recovery point; and the bookkeeping of a sync of the whole file system (LogManager.close).
import type { PartitionLog } from './partition-log.js';
import type { LogSegment } from './segment.js';

/** What a file-system-wide sync covers of one log: see PartitionLog.syncPoint. */
export interface SyncPoint {
  sizes: { seg: LogSegment; size: number; dirDirty: boolean }[];
  dirVersion: number;
}

/** PartitionLog.flush; true when the whole log (to its end) is now durable. */
export async function flushLog(log: PartitionLog, upTo: number): Promise<boolean> {
  if (log.offlineError) throw log.offlineError;
  const work = await log.queue.task(async () => {
    const list: { seg: LogSegment; size: number }[] = [];
    for (const seg of log.segments) {
      // A segment starting at upTo holds nothing below it, unless it was just truncated to empty.
      if (seg.baseOffset > upTo || (seg.baseOffset === upTo && seg.syncedSize >= 0)) break;
      if (seg !== log.active) {
        seg.sealTimeIndex();
        await seg.persistIndexes();
      }
      if (seg.dirDirty) {
        seg.dirDirty = false;
        log.dirVersion++;
      }
      if (seg.syncedSize < seg.writtenSize) list.push({ seg, size: seg.writtenSize });
    }
    return { list, end: Math.min(upTo, log.writtenEnd) };
  });
  for (const { seg, size } of work.list) {
    if (seg.deleted) continue;
    seg.pin();
    try {
      const h = await seg.file();
      await log.fs.fsync(h);
      seg.syncedSize = Math.max(seg.syncedSize, size);
    } finally {
      await seg.unpin();
    }
  }
  if (log.dirSyncedVersion < log.dirVersion) await log.syncDir();
  await log.meta;
  if (log.offlineError) throw log.offlineError;
  if (work.end > log.recoveryPointOffset) log.recoveryPointOffset = Math.min(work.end, log.leo);
  return work.end >= log.leo;
}

/** PartitionLog.syncPoint: waits for the writes in flight, then notes what a sync would cover. */
export async function syncPointOf(log: PartitionLog): Promise<SyncPoint> {
  await log.queue.idle();
  return {
    sizes: log.segments.map((seg) => ({ seg, size: seg.writtenSize, dirDirty: seg.dirDirty })),
    dirVersion: log.dirVersion,
  };
}

/** PartitionLog.synced: a sync that began after `point` was taken has finished. */
export function markSynced(log: PartitionLog, point: SyncPoint): void {
  for (const { seg, size, dirDirty } of point.sizes) {
    seg.syncedSize = Math.max(seg.syncedSize, size);
    if (dirDirty) seg.dirDirty = false;
  }
  log.dirSyncedVersion = Math.max(log.dirSyncedVersion, point.dirVersion);
}

/** Whether some written bytes or directory entries of the log are not known durable. */
export function hasUnsyncedData(log: PartitionLog): boolean {
  if (log.dirSyncedVersion < log.dirVersion) return true;
  return log.segments.some((s) => s.syncedSize < s.writtenSize || s.dirDirty);
}
