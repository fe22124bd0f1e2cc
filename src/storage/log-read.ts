// The read side of a partition log: Fetch reads (whole batches from the tail cache, or from a segment
// file located through its offset index) and the lookups of ListOffsets (by timestamp, largest
// timestamp) and of read_committed fetches (aborted transactions). Segments being read are pinned, so
// retention or compaction can delete their files without closing them under the read.
import {
  BATCH_OFFSET_LEADER_EPOCH,
  BATCH_OFFSET_MAX_TIMESTAMP,
  readInt64,
} from '../protocol/records/batch.js';
import { readFully } from './fs.js';
import type { AbortedTxn } from './indexes.js';
import type { PartitionLog } from './partition-log.js';
import type { ReadBufferPool } from './read-buffers.js';
import { batchRecords, type RecordCodec, RecordFormatError, recordTimestamp } from './records.js';
import { lastOffsetAt, scanBatches } from './scan.js';
import type { LogSegment } from './segment.js';
import type { TailCache } from './tail-cache.js';

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
      /**
       * Gives the read buffer back to the log's pool: call it once nothing uses `records` any more (the
       * socket has taken them), or never (the buffer is then collected). Null when there is none.
       */
      release: (() => void) | null;
    }
  | { kind: 'out-of-range'; logStartOffset: number; logEndOffset: number }
  | { kind: 'offline'; detail: string };

const NOTHING: ReadResult = { kind: 'data', records: [], sizeBytes: 0, lastOffset: -1, release: null };

export interface OffsetLookup {
  offset: number;
  timestamp: number;
  leaderEpoch: number;
}

/**
 * The part of PartitionLog.read that needs no file: an answer when the log is offline, the offset out
 * of range, nothing readable yet, or the tail cache reaching back to the offset; null when a segment
 * file must be read (readLog). Synchronous, so a Fetch of many partitions that keep up costs no
 * promise per partition.
 */
export function readLogCached(
  log: PartitionLog,
  fetchOffset: number,
  maxBytes: number,
  options: ReadOptions,
): ReadResult | null {
  if (log.offlineError !== null) return { kind: 'offline', detail: log.offlineReason ?? 'offline' };
  if (fetchOffset < log.logStart || fetchOffset > log.leo) {
    return { kind: 'out-of-range', logStartOffset: log.logStart, logEndOffset: log.leo };
  }
  const maxOffset = Math.min(options.maxOffset ?? log.leo, log.leo);
  if (fetchOffset >= maxOffset) return NOTHING;
  const ci = log.cache.indexOf(fetchOffset);
  if (ci >= 0)
    return readCache(log.readBuffers, log.cache, ci, maxBytes, maxOffset, options.minOneBatch ?? true);
  return null;
}

/** PartitionLog.read: see there. Retries (up to `retry` times) when a segment is deleted under it. */
export async function readLog(
  log: PartitionLog,
  fetchOffset: number,
  maxBytes: number,
  options: ReadOptions,
  retry: number,
): Promise<ReadResult> {
  const cached = readLogCached(log, fetchOffset, maxBytes, options);
  if (cached !== null) return cached;
  const maxOffset = Math.min(options.maxOffset ?? log.leo, log.leo);
  const minOne = options.minOneBatch ?? true;
  for (let i = Math.max(0, log.floorIndex(fetchOffset)); i < log.segments.length; i++) {
    const seg = log.segments[i];
    if (seg.baseOffset >= maxOffset) break;
    const from = Math.max(fetchOffset, seg.baseOffset);
    let res: ReadResult | null;
    try {
      res = await readSegment(log, seg, from, maxBytes, maxOffset, minOne);
    } catch (err) {
      // Retention or compaction removed the segment under the read: start over on the current log.
      if (seg.deleted && retry > 0) return readLog(log, fetchOffset, maxBytes, options, retry - 1);
      throw err;
    }
    if (res !== null) return res;
  }
  // Nothing on file at or after fetchOffset: the cache may have gained it meanwhile.
  const again = log.cache.indexOf(fetchOffset);
  if (again >= 0) return readCache(log.readBuffers, log.cache, again, maxBytes, maxOffset, minOne);
  return NOTHING;
}

function readCache(
  pool: ReadBufferPool,
  cache: TailCache,
  index: number,
  maxBytes: number,
  maxOffset: number,
  minOne: boolean,
): ReadResult {
  const records: Buffer[] = [];
  // Batches in pooled request frames are retained for the reader, who releases them once sent.
  let held: Buffer[] | null = null;
  let bytes = 0;
  let lastOffset = -1;
  for (let i = index; i < cache.endIndex; i++) {
    const b = cache.at(i)!;
    if (b.lastOffset >= maxOffset) break;
    if (bytes + b.buf.length > maxBytes && !(records.length === 0 && minOne)) break;
    records.push(b.buf);
    if (b.pooled && pool.retain(b.buf)) {
      held ??= [];
      held.push(b.buf);
    }
    bytes += b.buf.length;
    lastOffset = b.lastOffset;
  }
  const release = held === null ? null : releaseAll(pool, held);
  return { kind: 'data', records, sizeBytes: bytes, lastOffset, release };
}

function releaseAll(pool: ReadBufferPool, held: Buffer[]): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    for (const b of held) pool.release(b);
  };
}

/**
 * Reads from one segment file; null when the segment holds nothing at or after `offset`. A consumer
 * reading on from where its last fetch ended finds the position in the segment's read hints and costs
 * one read; otherwise the offset index and a short walk of batch headers locate the batch first.
 */
async function readSegment(
  log: PartitionLog,
  seg: LogSegment,
  offset: number,
  maxBytes: number,
  maxOffset: number,
  minOne: boolean,
): Promise<ReadResult | null> {
  seg.pin();
  try {
    const limit = seg.writtenSize;
    const hinted = seg.hintedPosition(offset, limit);
    if (hinted >= 0) {
      const res = await readBatches(
        log,
        seg,
        { offset, position: hinted, firstSize: 0, limit },
        maxBytes,
        maxOffset,
        minOne,
      );
      if (res !== null) return res;
    }
    const loc = await seg.locate(offset, limit);
    if (loc === null) return null;
    if (loc.lastOffset >= maxOffset) return NOTHING;
    const at = { offset, position: loc.position, firstSize: loc.size, limit };
    return (await readBatches(log, seg, at, maxBytes, maxOffset, minOne)) ?? NOTHING;
  } finally {
    await seg.unpin();
  }
}

interface ReadStart {
  /** The offset asked for. */
  offset: number;
  /** Where the batch holding it starts (from a hint: to be checked). */
  position: number;
  /** That batch's size when known (located), 0 when the position is a hint. */
  firstSize: number;
  /** The written bytes of the segment. */
  limit: number;
}

/**
 * Reads whole batches from `at.position` into a pooled buffer, up to `maxBytes` (the first batch whole
 * with `minOne`). Returns null when the position came from a hint that did not hold (no batch holding
 * the offset starts there).
 */
async function readBatches(
  log: PartitionLog,
  seg: LogSegment,
  at: ReadStart,
  maxBytes: number,
  maxOffset: number,
  minOne: boolean,
): Promise<ReadResult | null> {
  const room = at.limit - at.position;
  const want = Math.min(room, Math.max(maxBytes, minOne ? at.firstSize : 0, at.firstSize === 0 ? 61 : 0));
  if (want < at.firstSize) return NOTHING;
  const pool = log.readBuffers;
  let buf = pool.acquire(want);
  let got = await readInto(log, seg, buf, want, at.position);
  if (at.firstSize === 0) {
    // A hint: the batch there must hold the offset (offsets are unique, so then it is the right one).
    const first = got >= 61 ? buf.readInt32BE(8) + 12 : 0;
    if (first < 61 || readInt64(buf, 0) > at.offset || lastOffsetAt(buf, 0) < at.offset) {
      pool.release(buf);
      return null;
    }
    if (lastOffsetAt(buf, 0) >= maxOffset) {
      pool.release(buf);
      return NOTHING;
    }
    if (first > got && first <= room && (minOne || first <= maxBytes)) {
      // The first batch is larger than maxBytes, and is returned whole (KIP-74).
      pool.release(buf);
      buf = pool.acquire(first);
      got = await readInto(log, seg, buf, first, at.position);
    }
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
  if (end === 0) {
    pool.release(buf);
    return NOTHING;
  }
  seg.hintRead(lastOffset + 1, at.position + end);
  const records = [buf.subarray(0, end)];
  return { kind: 'data', records, sizeBytes: end, lastOffset, release: () => pool.release(buf) };
}

/** Reads `want` bytes at `position` into `buf`; gives the buffer back if the read fails. */
async function readInto(
  log: PartitionLog,
  seg: LogSegment,
  buf: Buffer,
  want: number,
  position: number,
): Promise<number> {
  try {
    return await readFully(log.fs, await seg.file(), buf, 0, want, position);
  } catch (err) {
    log.readBuffers.release(buf);
    throw err;
  }
}

/** The record with the largest timestamp (ListOffsets -3), or null for an empty log. */
export async function lookupMaxTimestamp(log: PartitionLog): Promise<OffsetLookup | null> {
  await log.queue.idle(); // lookups read the files: let the queued writes land first
  let best: LogSegment | null = null;
  for (const seg of log.segments) {
    await seg.ensureIndexes();
    if (seg.size > 0 && seg.maxTimestamp >= 0 && (best === null || seg.maxTimestamp > best.maxTimestamp))
      best = seg;
  }
  if (best === null || best.offsetOfMaxTimestamp < log.logStart) return null;
  const ts = best.maxTimestamp;
  const found = await searchSegment(log, best, ts, Math.max(best.baseOffset, log.logStart), true);
  return (
    found ?? {
      offset: best.offsetOfMaxTimestamp,
      timestamp: ts,
      leaderEpoch: log.leaderEpochs.epochForOffset(best.offsetOfMaxTimestamp),
    }
  );
}

/** The first record with timestamp >= `timestampMs` at or after the log start, or null. */
export async function lookupOffsetForTimestamp(
  log: PartitionLog,
  timestampMs: number,
): Promise<OffsetLookup | null> {
  await log.queue.idle();
  for (const seg of log.segments) {
    await seg.ensureIndexes();
    if (seg.size === 0 || seg.maxTimestamp < timestampMs) continue;
    const next = log.segments[log.segments.indexOf(seg) + 1];
    if (next && next.baseOffset <= log.logStart) continue;
    const found = await searchSegment(log, seg, timestampMs, Math.max(seg.baseOffset, log.logStart), false);
    if (found) return found;
  }
  return null;
}

/**
 * The first record of `seg` at or after `startingOffset` whose timestamp is >= `timestampMs` (with
 * `exact`, equal to it), starting from the position the time and offset indexes give.
 */
async function searchSegment(
  log: PartitionLog,
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
    await scanBatches(log.fs, h, position, seg.writtenSize, (buf, at) => {
      const last = lastOffsetAt(buf, at);
      const maxTs = readInt64(buf, at + BATCH_OFFSET_MAX_TIMESTAMP);
      if (last < startingOffset || maxTs < timestampMs) return true;
      result = recordAtOrAfter(log.codec, buf, at, timestampMs, startingOffset, exact);
      return result === null;
    });
  } finally {
    await seg.unpin();
  }
  return result;
}

function recordAtOrAfter(
  codec: RecordCodec,
  buf: Buffer,
  at: number,
  ts: number,
  startingOffset: number,
  exact: boolean,
): OffsetLookup | null {
  const base = readInt64(buf, at);
  const epoch = buf.readInt32BE(at + BATCH_OFFSET_LEADER_EPOCH);
  try {
    const parsed = batchRecords(buf, at, codec);
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

/** The aborted transactions overlapping [fetchOffset, upperBoundOffset) (read_committed fetches). */
export async function collectAbortedTransactions(
  log: PartitionLog,
  fetchOffset: number,
  upperBoundOffset: number,
): Promise<AbortedTxn[]> {
  const out: AbortedTxn[] = [];
  for (let i = Math.max(0, log.floorIndex(fetchOffset)); i < log.segments.length; i++) {
    const seg = log.segments[i];
    if (seg.baseOffset >= upperBoundOffset) break;
    await seg.ensureIndexes();
    for (const t of seg.txnIndex!.entries) {
      if (t.lastOffset >= fetchOffset && t.firstOffset < upperBoundOffset) out.push({ ...t });
    }
  }
  return out;
}
