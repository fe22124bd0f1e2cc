// Walks the record batches stored in a byte range of a segment file with large sequential reads, handing
// each complete batch to a synchronous visitor as a view into the read buffer. Recovery validates each
// batch (size, magic, CRC-32C, counts) and stops at the first bad or torn one.
import {
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD_BYTES,
  BATCH_OFFSET_LAST_OFFSET_DELTA,
  BATCH_OFFSET_LENGTH,
  BATCH_OFFSET_RECORD_COUNT,
  checkBatch,
  readInt64,
} from '../protocol/records/batch.js';
import type { FileHandle, FileSystem } from './fs.js';

export const SCAN_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * Called for each complete batch: `buf[at .. at + size)` is the batch, stored at file `position`.
 * Return false to stop the scan after this batch (the batch is counted as consumed).
 */
export type BatchVisitor = (buf: Buffer, at: number, position: number, size: number) => boolean | undefined;

export interface ScanResult {
  /** File position after the last batch visited. */
  end: number;
  /** Why the scan stopped. */
  stop: 'end' | 'visitor' | 'torn' | 'invalid';
  /** For 'torn' and 'invalid': what was wrong at `end`. */
  problem?: string;
}

/**
 * Checks a batch stored in a log (not a producer's batch): size, magic 2 and CRC. Unlike a producer's
 * batch, a stored one may hold fewer records than its offset span (compaction keeps lastOffsetDelta and
 * may keep empty batches), so the count rule is 0 <= recordCount <= lastOffsetDelta + 1.
 */
export function checkStoredBatch(buf: Buffer, at: number, size: number): string | null {
  const view = buf.subarray(at, at + size);
  const check = checkBatch(view, 0, true);
  if (check.ok) return null;
  if (check.problem === 'record-count') {
    const count = view.readInt32BE(BATCH_OFFSET_RECORD_COUNT);
    const delta = view.readInt32BE(BATCH_OFFSET_LAST_OFFSET_DELTA);
    if (count >= 0 && delta >= 0 && count <= delta + 1) return null;
  }
  return `${check.problem}: ${check.detail}`;
}

/**
 * Scans batches in [from, to) of the file. With `validate`, each batch is checked (checkStoredBatch)
 * before it is visited and the scan stops at the first invalid one; without, only sizes are checked.
 */
export async function scanBatches(
  fs: FileSystem,
  handle: FileHandle,
  from: number,
  to: number,
  visit: BatchVisitor,
  options: {
    validate?: boolean;
    chunkBytes?: number;
    buffer?: Buffer;
    /** Runs before the read buffer is reused and at the end: the views handed to `visit` die after it. */
    afterChunk?: () => Promise<void>;
  } = {},
): Promise<ScanResult> {
  const res = await scanInner(fs, handle, from, to, visit, options);
  if (options.afterChunk) await options.afterChunk();
  return res;
}

async function scanInner(
  fs: FileSystem,
  handle: FileHandle,
  from: number,
  to: number,
  visit: BatchVisitor,
  options: { validate?: boolean; chunkBytes?: number; buffer?: Buffer; afterChunk?: () => Promise<void> },
): Promise<ScanResult> {
  const chunkBytes = options.chunkBytes ?? SCAN_CHUNK_BYTES;
  let buf = options.buffer && options.buffer.length >= 64 ? options.buffer : Buffer.allocUnsafe(chunkBytes);
  let bufPos = from; // file position of buf[0]
  let bufLen = 0;
  let at = 0;
  for (;;) {
    const position = bufPos + at;
    if (position >= to) return { end: position, stop: 'end' };
    let avail = bufLen - at;
    if (avail < BATCH_LOG_OVERHEAD_BYTES || avail < batchSize(buf, at, avail)) {
      // Refill: keep the partial batch at the front and read more behind it.
      const need = avail >= BATCH_LOG_OVERHEAD_BYTES ? batchSize(buf, at, avail) : BATCH_HEADER_BYTES;
      if (need < BATCH_HEADER_BYTES) {
        return { end: position, stop: 'invalid', problem: `batch size ${need} is smaller than a header` };
      }
      if (position + need > to) {
        return {
          end: position,
          stop: 'torn',
          problem: `batch of ${need} bytes at ${position}, ${to - position} left`,
        };
      }
      if (options.afterChunk) await options.afterChunk();
      if (need > buf.length) {
        const bigger = Buffer.allocUnsafe(Math.max(need, chunkBytes));
        buf.copy(bigger, 0, at, bufLen);
        buf = bigger;
      } else if (at > 0) buf.copyWithin(0, at, bufLen);
      bufPos = position;
      bufLen = avail;
      at = 0;
      const want = Math.min(buf.length - bufLen, to - (bufPos + bufLen));
      const n = await readSome(fs, handle, buf, bufLen, want, bufPos + bufLen);
      bufLen += n;
      avail = bufLen;
      if (n === 0 || avail < need) {
        // The file is shorter than `to`: the rest was cut off.
        if (avail < BATCH_LOG_OVERHEAD_BYTES || avail < batchSize(buf, 0, avail)) {
          return { end: position, stop: 'torn', problem: `file ends inside the batch at ${position}` };
        }
      }
      continue;
    }
    const size = batchSize(buf, at, avail);
    if (size < BATCH_HEADER_BYTES) {
      return { end: position, stop: 'invalid', problem: `batch size ${size} is smaller than a header` };
    }
    if (options.validate) {
      const problem = checkStoredBatch(buf, at, size);
      if (problem) return { end: position, stop: 'invalid', problem };
    }
    at += size;
    if (visit(buf, at - size, position, size) === false) return { end: position + size, stop: 'visitor' };
  }
}

function batchSize(buf: Buffer, at: number, avail: number): number {
  if (avail < BATCH_LOG_OVERHEAD_BYTES) return BATCH_HEADER_BYTES;
  return buf.readInt32BE(at + BATCH_OFFSET_LENGTH) + BATCH_LOG_OVERHEAD_BYTES;
}

async function readSome(
  fs: FileSystem,
  handle: FileHandle,
  buf: Buffer,
  offset: number,
  length: number,
  position: number,
): Promise<number> {
  let done = 0;
  while (done < length) {
    const n = await fs.read(handle, buf, offset + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** Last offset of the batch at buf[at..]. */
export function lastOffsetAt(buf: Buffer, at: number): number {
  return readInt64(buf, at) + buf.readInt32BE(at + BATCH_OFFSET_LAST_OFFSET_DELTA);
}

/** Header facts of a stored batch, for walks that skip the bodies. */
export interface HeaderVisit {
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
}

const HEADER_PREFIX_BYTES = 43; // through maxTimestamp

/**
 * Walks the batch headers in [from, to) without reading the bodies: reads `windowBytes` at a time and
 * jumps over batches that do not fit. Stops at a malformed or truncated header, or when `visit` returns
 * false. Returns the position where it stopped.
 */
export async function walkHeaders(
  fs: FileSystem,
  handle: FileHandle,
  from: number,
  to: number,
  visit: (h: HeaderVisit) => boolean | undefined,
  windowBytes = 16 * 1024,
): Promise<number> {
  const buf = Buffer.allocUnsafe(Math.max(windowBytes, HEADER_PREFIX_BYTES));
  let pos = from;
  while (pos + BATCH_HEADER_BYTES <= to) {
    const want = Math.min(buf.length, to - pos);
    const got = await readSome(fs, handle, buf, 0, want, pos);
    let at = 0;
    while (got - at >= HEADER_PREFIX_BYTES) {
      const size = buf.readInt32BE(at + BATCH_OFFSET_LENGTH) + BATCH_LOG_OVERHEAD_BYTES;
      if (size < BATCH_HEADER_BYTES || pos + at + size > to) return pos + at;
      const baseOffset = readInt64(buf, at);
      const h: HeaderVisit = {
        position: pos + at,
        size,
        baseOffset,
        lastOffset: baseOffset + buf.readInt32BE(at + BATCH_OFFSET_LAST_OFFSET_DELTA),
        maxTimestamp: readInt64(buf, at + 35),
      };
      at += size;
      if (visit(h) === false) return pos + at;
    }
    if (got < want && got - at < HEADER_PREFIX_BYTES && at === 0) return pos;
    pos += at;
    if (at === 0) return pos; // a header that does not fit the window cannot happen (window >= prefix)
  }
  return pos;
}
