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
import { type FileHandle, type FileSystem, readFully } from './fs.js';

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
  // Chunks no larger than the range: a log of a few KiB (thousands of them open at start) must not
  // cost an 8 MiB buffer each.
  const chunkBytes = Math.max(
    BATCH_HEADER_BYTES,
    Math.min(options.chunkBytes ?? SCAN_CHUNK_BYTES, to - from),
  );
  // Two buffers: the next chunk is read into one while the batches of the other are checked and visited.
  let cur = options.buffer && options.buffer.length >= 64 ? options.buffer : Buffer.allocUnsafe(chunkBytes);
  let spare: Buffer | null = null;
  let bufPos = from; // file position of cur[0]
  let bufLen = from < to ? await readFully(fs, handle, cur, 0, Math.min(cur.length, to - from), from) : 0;
  for (;;) {
    const end = completeBatchesEnd(cur, bufLen);
    const partial = bufLen - end;
    const tailPos = bufPos + end;
    const need = partial >= BATCH_LOG_OVERHEAD_BYTES ? batchSize(cur, end, partial) : -1;
    const more = bufPos + bufLen < to;
    let ahead: Promise<number> | null = null;
    let next: Buffer | null = null;
    if (more && (need === -1 || (need >= BATCH_HEADER_BYTES && tailPos + need <= to))) {
      const size = Math.max(chunkBytes, need);
      next = spare && spare.length >= size ? spare : Buffer.allocUnsafe(size);
      cur.copy(next, 0, end, bufLen);
      const want = Math.min(next.length - partial, to - (bufPos + bufLen));
      ahead = readFully(fs, handle, next, partial, want, bufPos + bufLen);
    }
    const stopped = visitAll(cur, end, bufPos, visit, options.validate === true);
    if (stopped !== null) {
      if (ahead) await ahead; // never leave a read running into a buffer
      return stopped;
    }
    if (ahead === null) return tailResult(tailPos, partial, need, to);
    const got = await ahead;
    if (options.afterChunk) await options.afterChunk(); // `cur` is reused from here on
    spare = cur;
    cur = next!;
    bufPos = tailPos;
    bufLen = partial + got;
    if (got === 0) return { end: tailPos, stop: 'torn', problem: `file ends at ${tailPos}, before ${to}` };
  }
}

/** As scanBatches, over bytes already in memory (a small segment read whole): buf[0] is position 0. */
export function scanBuffer(buf: Buffer, visit: BatchVisitor, validate = false): ScanResult {
  const end = completeBatchesEnd(buf, buf.length);
  const stopped = visitAll(buf, end, 0, visit, validate);
  if (stopped !== null) return stopped;
  const partial = buf.length - end;
  const need = partial >= BATCH_LOG_OVERHEAD_BYTES ? batchSize(buf, end, partial) : -1;
  return tailResult(end, partial, need, buf.length);
}

/** End of the complete batches at the start of buf[0..len) (sizes only). */
function completeBatchesEnd(buf: Buffer, len: number): number {
  let end = 0;
  while (len - end >= BATCH_LOG_OVERHEAD_BYTES) {
    const size = buf.readInt32BE(end + BATCH_OFFSET_LENGTH) + BATCH_LOG_OVERHEAD_BYTES;
    if (size < BATCH_HEADER_BYTES || end + size > len) break;
    end += size;
  }
  return end;
}

/** Checks and visits the complete batches in buf[0..end); a ScanResult when the scan must stop. */
function visitAll(buf: Buffer, end: number, bufPos: number, visit: BatchVisitor, validate: boolean) {
  let at = 0;
  while (at < end) {
    const size = buf.readInt32BE(at + BATCH_OFFSET_LENGTH) + BATCH_LOG_OVERHEAD_BYTES;
    const position = bufPos + at;
    if (validate) {
      const problem = checkStoredBatch(buf, at, size);
      if (problem) return { end: position, stop: 'invalid', problem } as ScanResult;
    }
    at += size;
    if (visit(buf, at - size, position, size) === false) {
      return { end: position + size, stop: 'visitor' } as ScanResult;
    }
  }
  return null;
}

/** How a scan ends after its last complete batch, at `pos`, with `partial` bytes left in view. */
function tailResult(pos: number, partial: number, need: number, to: number): ScanResult {
  if (partial === 0 && pos >= to) return { end: pos, stop: 'end' };
  if (need !== -1 && need < BATCH_HEADER_BYTES) {
    return { end: pos, stop: 'invalid', problem: `batch size ${need} is smaller than a header` };
  }
  if (need !== -1)
    return { end: pos, stop: 'torn', problem: `batch of ${need} bytes at ${pos}, ${to - pos} left` };
  return { end: pos, stop: 'torn', problem: `file ends inside the batch at ${pos}` };
}

function batchSize(buf: Buffer, at: number, avail: number): number {
  if (avail < BATCH_LOG_OVERHEAD_BYTES) return BATCH_HEADER_BYTES;
  return buf.readInt32BE(at + BATCH_OFFSET_LENGTH) + BATCH_LOG_OVERHEAD_BYTES;
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
  const buf = Buffer.allocUnsafe(Math.max(Math.min(windowBytes, to - from), HEADER_PREFIX_BYTES));
  let pos = from;
  while (pos + BATCH_HEADER_BYTES <= to) {
    const want = Math.min(buf.length, to - pos);
    const got = await readFully(fs, handle, buf, 0, want, pos);
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
