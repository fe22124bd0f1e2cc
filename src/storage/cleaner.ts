// Log compaction (cleanup.policy=compact), after Kafka's LogCleaner. One pass over a log:
//  1. pick the dirty range: from the cleaner checkpoint up to the first uncleanable offset (the active
//     segment, the last stable offset, unflushed segments, records younger than min.compaction.lag.ms);
//  2. map key → latest offset over the dirty range in a fixed-size table (the memory bound: 24 bytes a
//     key, MD5 of the key plus the offset, as Kafka's SkimpyOffsetMap);
//  3. rewrite every segment up to the end of the map, in groups that fit one segment, keeping a record
//     only if it is the latest for its key; tombstones and transaction markers get a delete horizon
//     (KIP-534) the first time they are cleaned and go once it has passed; aborted transactional data
//     goes; the last batch of each active producer is kept (possibly empty) so its sequence survives;
//  4. swap each cleaned group in: `.cleaned` files, fsynced, renamed `.swap`, old segments deleted,
//     `.swap` renamed into place, with directory syncs between (open() finishes an interrupted swap).
// Offsets never change. The log keeps serving appends and reads meanwhile: the cleaner touches only
// inactive segments, yields at every read, and swaps segments in the log's own file-work queue.
import { createHash } from 'node:crypto';
import { posix as path } from 'node:path';
import {
  ATTR_CONTROL,
  ATTR_TRANSACTIONAL,
  BATCH_OFFSET_MAX_TIMESTAMP,
  readBatchHeader,
  readInt64,
} from '../protocol/records/batch.js';
import { isCompacted } from './config.js';
import {
  CLEANED_SUFFIX,
  INDEX_SUFFIX,
  LOG_SUFFIX,
  offsetFileName,
  SWAP_SUFFIX,
  TIME_INDEX_SUFFIX,
  TXN_INDEX_SUFFIX,
} from './files.js';
import { errorCode } from './fs.js';
import type { AbortedTxn } from './indexes.js';
import type { PartitionLog } from './partition-log.js';
import {
  batchRecords,
  CONTROL_ABORT,
  CONTROL_COMMIT,
  controlRecord,
  deleteHorizonMs,
  emptyBatch,
  type RecordView,
  rebuildBatch,
} from './records.js';
import { lastOffsetAt, scanBatches } from './scan.js';
import { LogSegment } from './segment.js';

const OFFSET_MAP_SLOT_BYTES = 24;
const INT32_MAX = 0x7fffffff;

/** key → latest offset, in a fixed amount of memory. Keys are identified by their MD5. */
export class OffsetMap {
  readonly slots: number;
  private readonly hashes: Buffer;
  private readonly offsets: Float64Array;
  size = 0;
  /** The last offset mapped (records above it are beyond the map's reach and always kept). */
  latestOffset = -1;

  constructor(bytes: number) {
    this.slots = Math.max(2, Math.floor(bytes / OFFSET_MAP_SLOT_BYTES));
    this.hashes = Buffer.alloc(this.slots * 16);
    this.offsets = new Float64Array(this.slots).fill(-1);
  }

  clear(): void {
    this.offsets.fill(-1);
    this.size = 0;
    this.latestOffset = -1;
  }

  private slotOf(hash: Buffer): number {
    let i = hash.readUInt32BE(0) % this.slots;
    for (;;) {
      if (this.offsets[i] === -1) return i;
      if (this.hashes.compare(hash, 0, 16, i * 16, i * 16 + 16) === 0) return i;
      i = i + 1 === this.slots ? 0 : i + 1;
    }
  }

  /** Maps `key` to `offset`. The caller keeps the map below its load factor (so a free slot exists). */
  put(key: Uint8Array, offset: number): void {
    const hash = createHash('md5').update(key).digest();
    const i = this.slotOf(hash);
    if (this.offsets[i] === -1) {
      hash.copy(this.hashes, i * 16);
      this.size++;
    }
    this.offsets[i] = offset;
    this.latestOffset = offset;
  }

  /** The latest offset of `key`, or -1. */
  get(key: Uint8Array): number {
    return this.offsets[this.slotOf(createHash('md5').update(key).digest())];
  }
}

/** What the cleaner would work on in a log, and how dirty it is. */
export interface CleanableRange {
  firstDirtyOffset: number;
  firstUncleanableOffset: number;
  cleanBytes: number;
  dirtyBytes: number;
  dirtyRatio: number;
  /** The oldest dirty record is older than max.compaction.lag.ms. */
  overdue: boolean;
}

export interface CleanOptions {
  now: number;
  map: OffsetMap;
  loadFactor: number;
  ioBufferBytes: number;
}

export interface CleanResult {
  /** Where the next pass starts (the new cleaner checkpoint). */
  endOffset: number;
  segmentsCleaned: number;
  bytesBefore: number;
  bytesAfter: number;
  recordsRemoved: number;
  /** The latest delete horizon written (tombstones/markers to drop later), -1 if none. */
  latestDeleteHorizonMs: number;
}

/** The dirty range of a compacted log; null when it has nothing to clean. */
export async function cleanableRange(
  log: PartitionLog,
  checkpoint: number | undefined,
  now: number,
): Promise<CleanableRange | null> {
  if (!isCompacted(log.config) || log.isOffline || log.isClosed) return null;
  const segs = log.segments;
  let firstDirty = checkpoint ?? log.logStartOffset;
  if (firstDirty < log.logStartOffset || firstDirty > log.logEndOffset) firstDirty = log.logStartOffset;
  // Whole inactive segments, below the last stable offset and below the segment holding the recovery
  // point (only flushed data is compacted, so a recovered segment has never been rewritten).
  let limit = Math.min(log.active.baseOffset, log.lastStableOffset, log.recoveryPoint);
  limit = segs[Math.max(0, log.floorIndex(limit))].baseOffset;
  const lag = log.config.minCompactionLagMs;
  let cleanBytes = 0;
  let dirtyBytes = 0;
  let overdue = false;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i];
    if (seg.baseOffset >= limit) break;
    const next = segs[i + 1]?.baseOffset ?? log.logEndOffset;
    if (next <= log.logStartOffset) continue;
    await seg.ensureIndexes();
    if (lag > 0 && seg.maxTimestamp > now - lag) {
      limit = seg.baseOffset;
      break;
    }
    if (next <= firstDirty) cleanBytes += seg.size;
    else {
      dirtyBytes += seg.size;
      const first = seg.firstBatchTimestamp ?? seg.maxTimestamp;
      if (first >= 0 && now - first > log.config.maxCompactionLagMs) overdue = true;
    }
  }
  const total = cleanBytes + dirtyBytes;
  return {
    firstDirtyOffset: firstDirty,
    firstUncleanableOffset: Math.max(limit, firstDirty),
    cleanBytes,
    dirtyBytes,
    dirtyRatio: total === 0 ? 0 : dirtyBytes / total,
    overdue,
  };
}

/** Kafka's CleanedTransactionMetadata: which transactional batches are aborted, which markers can go. */
class TxnTracker {
  private next = 0;
  private readonly ongoingAborted = new Map<number, { txn: AbortedTxn; lastObserved: number }>();
  private readonly ongoingCommitted = new Set<number>();
  retainedAborted: AbortedTxn[] = [];

  constructor(private readonly aborted: AbortedTxn[]) {
    aborted.sort((a, b) => a.firstOffset - b.firstOffset);
  }

  private consumeUpTo(offset: number): void {
    while (this.next < this.aborted.length && this.aborted[this.next].firstOffset <= offset) {
      const txn = this.aborted[this.next++];
      this.ongoingAborted.set(txn.producerId, { txn, lastObserved: -1 });
    }
  }

  /** A data batch: returns true when it belongs to an aborted transaction (its records can go). */
  onBatch(producerId: number, transactional: boolean, lastOffset: number): boolean {
    this.consumeUpTo(lastOffset);
    if (!transactional) return false;
    const a = this.ongoingAborted.get(producerId);
    if (a) {
      a.lastObserved = lastOffset;
      return true;
    }
    this.ongoingCommitted.add(producerId);
    return false;
  }

  /** A control batch: returns true when no data of its transaction is left (the marker can go in time). */
  onControl(producerId: number, type: number | null, lastOffset: number): boolean {
    this.consumeUpTo(lastOffset);
    if (type !== CONTROL_ABORT && type !== CONTROL_COMMIT) return false;
    const a = this.ongoingAborted.get(producerId);
    if (a) {
      this.ongoingAborted.delete(producerId);
      if (a.lastObserved >= 0) {
        this.retainedAborted.push(a.txn);
        return false;
      }
    }
    return !this.ongoingCommitted.delete(producerId);
  }
}

interface FilterContext {
  log: PartitionLog;
  map: OffsetMap;
  now: number;
  upperBound: number;
  tracker: TxnTracker;
  activeProducers: Map<number, { lastDataOffset: number; epoch: number }>;
  removed: number;
  latestHorizon: number;
}

/**
 * Cleans `log` once. Returns null when the log changed under the cleaner (truncated, segments deleted,
 * closed) and nothing was swapped, else what was done. Throws on I/O failure.
 */
export async function cleanLog(
  log: PartitionLog,
  range: CleanableRange,
  options: CleanOptions,
): Promise<CleanResult | null> {
  if (log.cleaning) return null;
  log.cleaning = true;
  try {
    return await cleanLogOnce(log, range, options);
  } finally {
    log.cleaning = false;
  }
}

async function cleanLogOnce(log: PartitionLog, range: CleanableRange, options: CleanOptions) {
  let version = log.segmentsVersion;
  const { map } = options;
  const endOffset = await buildOffsetMap(log, range, options);
  const toClean = log.segments.filter(
    (s, i) =>
      s.baseOffset < endOffset && (log.segments[i + 1]?.baseOffset ?? log.logEndOffset) > log.logStartOffset,
  );
  const aborted = await log.abortedTransactions(toClean[0]?.baseOffset ?? 0, endOffset);
  const ctx: FilterContext = {
    log,
    map,
    now: options.now,
    upperBound: endOffset,
    tracker: new TxnTracker(aborted),
    activeProducers: new Map(
      log
        .activeProducers()
        .map((e) => [
          e.producerId,
          { lastDataOffset: e.batches[e.batches.length - 1]?.lastOffset ?? -1, epoch: e.producerEpoch },
        ]),
    ),
    removed: 0,
    latestHorizon: -1,
  };
  const result: CleanResult = {
    endOffset,
    segmentsCleaned: 0,
    bytesBefore: 0,
    bytesAfter: 0,
    recordsRemoved: 0,
    latestDeleteHorizonMs: -1,
  };
  for (const group of groupSegments(log, toClean, endOffset)) {
    const before = group.reduce((n, s) => n + s.size, 0);
    const cleaned = await cleanGroup(log, group, ctx, options);
    if (cleaned === null) return null;
    const next = await log.replaceSegments(group, cleaned, version);
    if (next < 0) {
      await deleteSwapFiles(log, cleaned);
      return null;
    }
    version = next;
    result.segmentsCleaned += group.length;
    result.bytesBefore += before;
    result.bytesAfter += cleaned.size;
  }
  result.recordsRemoved = ctx.removed;
  result.latestDeleteHorizonMs = ctx.latestHorizon;
  return result;
}

/** Fills the map from the dirty segments; returns the offset after the last one mapped. */
async function buildOffsetMap(
  log: PartitionLog,
  range: CleanableRange,
  options: CleanOptions,
): Promise<number> {
  const { map } = options;
  map.clear();
  map.latestOffset = range.firstDirtyOffset - 1;
  const maxEntries = Math.max(1, Math.floor(map.slots * options.loadFactor));
  const segs = log.segments.filter((s, i) => {
    const next = log.segments[i + 1]?.baseOffset ?? log.logEndOffset;
    return s.baseOffset < range.firstUncleanableOffset && next > range.firstDirtyOffset;
  });
  const tracker = new TxnTracker(
    await log.abortedTransactions(range.firstDirtyOffset, range.firstUncleanableOffset),
  );
  let full = false;
  for (let i = 0; i < segs.length && !full; i++) {
    const seg = segs[i];
    const next = i + 1 < segs.length ? segs[i + 1].baseOffset : range.firstUncleanableOffset;
    seg.pin();
    try {
      const h = await seg.file();
      await scanBatches(
        log.fs,
        h,
        0,
        seg.writtenSize,
        (buf, at) => {
          const hdr = readBatchHeader(buf, at);
          const last = hdr.baseOffset + hdr.lastOffsetDelta;
          if ((hdr.attributes & ATTR_CONTROL) !== 0) {
            tracker.onControl(hdr.producerId, controlRecord(buf, at)?.type ?? null, last);
          } else if (!tracker.onBatch(hdr.producerId, (hdr.attributes & ATTR_TRANSACTIONAL) !== 0, last)) {
            const parsed = safeRecords(log, buf, at);
            for (const r of parsed?.records ?? []) {
              const off = hdr.baseOffset + r.offsetDelta;
              if (r.keyLength < 0 || off < range.firstDirtyOffset) continue;
              if (map.size >= maxEntries) {
                full = true;
                return false;
              }
              map.put(parsed!.body.subarray(r.keyStart, r.keyStart + r.keyLength), off);
            }
          }
          if (last >= range.firstDirtyOffset && last > map.latestOffset) map.latestOffset = last;
          return true;
        },
        { chunkBytes: options.ioBufferBytes },
      );
    } finally {
      await seg.unpin();
    }
    if (!full && next - 1 > map.latestOffset) map.latestOffset = next - 1;
  }
  return Math.max(map.latestOffset + 1, range.firstDirtyOffset);
}

function safeRecords(log: PartitionLog, buf: Buffer, at: number) {
  try {
    return batchRecords(buf, at, log.codec, Math.max(log.config.maxMessageBytes * 64, 64 * 1024 * 1024));
  } catch {
    return null; // unreadable records: keep the batch whole, never guess
  }
}

/** Consecutive segments whose total fits in one segment (bytes, index entries, relative offsets). */
function groupSegments(log: PartitionLog, segs: LogSegment[], endOffset: number): LogSegment[][] {
  const groups: LogSegment[][] = [];
  const maxIndexBytes = log.config.segmentIndexBytes;
  let i = 0;
  while (i < segs.length) {
    const group = [segs[i]];
    let bytes = segs[i].size;
    let indexBytes = segs[i].offsetIndex?.sizeBytes ?? 0;
    let timeBytes = segs[i].timeIndex?.sizeBytes ?? 0;
    i++;
    while (i < segs.length) {
      const s = segs[i];
      const lastOffset = (segs[i + 1]?.baseOffset ?? endOffset) - 1;
      if (
        bytes + s.size > log.config.segmentBytes ||
        indexBytes + (s.offsetIndex?.sizeBytes ?? 0) > maxIndexBytes ||
        timeBytes + (s.timeIndex?.sizeBytes ?? 0) > maxIndexBytes ||
        (s.size > 0 && lastOffset - group[0].baseOffset > INT32_MAX)
      ) {
        break;
      }
      group.push(s);
      bytes += s.size;
      indexBytes += s.offsetIndex?.sizeBytes ?? 0;
      timeBytes += s.timeIndex?.sizeBytes ?? 0;
      i++;
    }
    groups.push(group);
  }
  return groups;
}

/** Writes the cleaned copy of `group` as `.swap` files; returns the new segment, or null if the log closed. */
async function cleanGroup(
  log: PartitionLog,
  group: LogSegment[],
  ctx: FilterContext,
  options: CleanOptions,
): Promise<LogSegment | null> {
  const fs = log.fs;
  const base = group[0].baseOffset;
  const cleaned = new LogSegment(fs, log.dir, base, log.config, options.now);
  cleaned.suffix = CLEANED_SUFFIX;
  cleaned.resetIndexes();
  for (const f of segmentFiles(log, base, CLEANED_SUFFIX).concat(segmentFiles(log, base, SWAP_SUFFIX))) {
    await fs.unlink(f).catch((err) => {
      if (errorCode(err) !== 'ENOENT') throw err;
    });
  }
  const out = await fs.open(cleaned.logPath, 'overwrite');
  let position = 0;
  let pending: Buffer[] = [];
  const flushPending = async () => {
    if (pending.length === 0) return;
    const bufs = pending;
    pending = [];
    let bytes = 0;
    for (const b of bufs) bytes += b.length;
    await fs.writev(out, bufs, position - bytes);
  };
  try {
    for (const seg of group) {
      if (log.isClosed || log.isOffline || seg.deleted) return null;
      await seg.ensureIndexes();
      seg.pin();
      try {
        const h = await seg.file();
        await scanBatches(
          fs,
          h,
          0,
          seg.writtenSize,
          (buf, at, _pos, size) => {
            const kept = filterBatch(buf, at, size, ctx);
            if (kept === null) return true;
            const last = lastOffsetAt(kept, 0);
            cleaned.recordBatch(position, kept.length, last, readInt64(kept, BATCH_OFFSET_MAX_TIMESTAMP));
            pending.push(kept);
            position += kept.length;
            return true;
          },
          { chunkBytes: options.ioBufferBytes, afterChunk: flushPending },
        );
      } finally {
        await seg.unpin();
      }
    }
    await flushPending();
    await fs.fsync(out);
  } finally {
    await fs.close(out);
  }
  for (const t of ctx.tracker.retainedAborted.splice(0)) cleaned.txnIndex!.append(t);
  cleaned.sealTimeIndex();
  cleaned.size = cleaned.writtenSize = cleaned.syncedSize = position;
  cleaned.nextOffset = group.length > 0 ? group[group.length - 1].nextOffset : base;
  cleaned.lastModifiedMs = group[group.length - 1].lastModifiedMs;
  cleaned.firstBatchTimestamp = group[0].firstBatchTimestamp;
  await cleaned.persistIndexes();
  // Durable as `.cleaned`; now `.swap`, which open() completes after a crash.
  for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX]) {
    const f = path.join(log.dir, offsetFileName(base, suffix));
    await fs.rename(f + CLEANED_SUFFIX, f + SWAP_SUFFIX).catch((err) => {
      if (errorCode(err) !== 'ENOENT') throw err;
    });
  }
  await fs.syncDir(log.dir);
  cleaned.suffix = SWAP_SUFFIX;
  return cleaned;
}

function segmentFiles(log: PartitionLog, base: number, suffix: string): string[] {
  return [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX].map(
    (s) => path.join(log.dir, offsetFileName(base, s)) + suffix,
  );
}

async function deleteSwapFiles(log: PartitionLog, cleaned: LogSegment): Promise<void> {
  for (const f of segmentFiles(log, cleaned.baseOffset, SWAP_SUFFIX)) {
    await log.fs.unlink(f).catch(() => {});
  }
  await log.fs.syncDir(log.dir).catch(() => {});
}

/** The cleaned form of the batch at buf[at..], or null to drop it. May return a view into `buf`. */
function filterBatch(buf: Buffer, at: number, size: number, ctx: FilterContext): Buffer | null {
  const h = readBatchHeader(buf, at);
  const last = h.baseOffset + h.lastOffsetDelta;
  const control = (h.attributes & ATTR_CONTROL) !== 0;
  const horizon = deleteHorizonMs(buf, at);
  let discardRecords: boolean;
  let markerCanGo = false;
  if (control) {
    markerCanGo = ctx.tracker.onControl(h.producerId, controlRecord(buf, at)?.type ?? null, last);
    discardRecords = markerCanGo && horizon !== null && horizon <= ctx.now;
  } else {
    discardRecords = ctx.tracker.onBatch(h.producerId, (h.attributes & ATTR_TRANSACTIONAL) !== 0, last);
  }
  const producer = h.producerId >= 0 ? ctx.activeProducers.get(h.producerId) : undefined;
  const lastOfProducer =
    producer !== undefined &&
    (producer.lastDataOffset >= 0
      ? last === producer.lastDataOffset
      : control && h.producerEpoch === producer.epoch);
  const retainEmpty = lastOfProducer || last + 1 === ctx.upperBound;
  const original = buf.subarray(at, at + size);
  if (discardRecords) {
    ctx.removed += Math.max(0, h.recordCount);
    return retainEmpty ? emptyBatch(buf, at) : null;
  }
  if (control) {
    if (markerCanGo && horizon === null) return withHorizon(buf, at, ctx, original);
    return original;
  }
  const parsed = safeRecords(ctx.log, buf, at);
  if (parsed === null) return original;
  const kept: RecordView[] = [];
  let tombstones = false;
  for (const r of parsed.records) {
    if (retainRecord(parsed.body, h.baseOffset, r, horizon, ctx)) {
      kept.push(r);
      if (r.valueLength < 0) tombstones = true;
    }
  }
  ctx.removed += parsed.records.length - kept.length;
  const needHorizon = tombstones && horizon === null;
  if (kept.length === parsed.records.length && !needHorizon) return original;
  if (kept.length === 0) return retainEmpty ? emptyBatch(buf, at) : null;
  const horizonMs = needHorizon ? ctx.now + ctx.log.config.deleteRetentionMs : null;
  if (horizonMs !== null) ctx.latestHorizon = Math.max(ctx.latestHorizon, horizonMs);
  return rebuildBatch(buf, at, parsed.body, kept, horizonMs, ctx.log.codec) ?? original;
}

function withHorizon(buf: Buffer, at: number, ctx: FilterContext, original: Buffer): Buffer {
  const parsed = safeRecords(ctx.log, buf, at);
  if (parsed === null) return original;
  const horizonMs = ctx.now + ctx.log.config.deleteRetentionMs;
  ctx.latestHorizon = Math.max(ctx.latestHorizon, horizonMs);
  return rebuildBatch(buf, at, parsed.body, parsed.records, horizonMs, ctx.log.codec) ?? original;
}

function retainRecord(
  body: Buffer,
  baseOffset: number,
  r: RecordView,
  horizon: number | null,
  ctx: FilterContext,
) {
  const offset = baseOffset + r.offsetDelta;
  if (offset > ctx.map.latestOffset) return true;
  if (r.keyLength < 0) return false; // a compacted topic keeps only keyed records
  const found = ctx.map.get(body.subarray(r.keyStart, r.keyStart + r.keyLength));
  if (offset < found) return false;
  return r.valueLength >= 0 || horizon === null || ctx.now < horizon;
}
