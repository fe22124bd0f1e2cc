// RecordBatch v2 (magic 2) as a view over bytes. The data plane never decodes records: it reads
// the 61-byte header, checks size, magic and CRC-32C, and patches offsets in place.
// Layout (big-endian): baseOffset i64 @0, batchLength i32 @8 (bytes after this field),
// partitionLeaderEpoch i32 @12, magic i8 @16, crc u32 @17 (covers @21..end), attributes i16 @21,
// lastOffsetDelta i32 @23, baseTimestamp i64 @27, maxTimestamp i64 @35, producerId i64 @43,
// producerEpoch i16 @51, baseSequence i32 @53, recordCount i32 @57, records @61.
import { crc32c } from './crc32c.js';

export const BATCH_OFFSET_BASE_OFFSET = 0;
export const BATCH_OFFSET_LENGTH = 8;
export const BATCH_OFFSET_LEADER_EPOCH = 12;
export const BATCH_OFFSET_MAGIC = 16;
export const BATCH_OFFSET_CRC = 17;
export const BATCH_OFFSET_ATTRIBUTES = 21;
export const BATCH_OFFSET_LAST_OFFSET_DELTA = 23;
export const BATCH_OFFSET_BASE_TIMESTAMP = 27;
export const BATCH_OFFSET_MAX_TIMESTAMP = 35;
export const BATCH_OFFSET_PRODUCER_ID = 43;
export const BATCH_OFFSET_PRODUCER_EPOCH = 51;
export const BATCH_OFFSET_BASE_SEQUENCE = 53;
export const BATCH_OFFSET_RECORD_COUNT = 57;
/** Size of the batch header, and the offset of the first record. */
export const BATCH_HEADER_BYTES = 61;
/** baseOffset + batchLength: bytes in front of what batchLength counts. */
export const BATCH_LOG_OVERHEAD_BYTES = 12;

export const ATTR_COMPRESSION_MASK = 0x07;
export const ATTR_TIMESTAMP_LOG_APPEND = 0x08;
export const ATTR_TRANSACTIONAL = 0x10;
export const ATTR_CONTROL = 0x20;
export const ATTR_DELETE_HORIZON = 0x40;

export const enum Compression {
  None = 0,
  Gzip = 1,
  Snappy = 2,
  Lz4 = 3,
  Zstd = 4,
}

export interface BatchHeader {
  baseOffset: number;
  /** Total size of the batch in bytes, header included (batchLength + 12). */
  sizeBytes: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

/** Reads a big-endian int64 as a number; values beyond 2^53 lose precision (offsets and times never get there). */
export function readInt64(buf: Uint8Array, pos: number): number {
  const view = buf as Buffer;
  return view.readInt32BE(pos) * 4294967296 + view.readUInt32BE(pos + 4);
}

export function writeInt64(buf: Uint8Array, pos: number, value: number): void {
  const view = buf as Buffer;
  const hi = Math.floor(value / 4294967296);
  view.writeInt32BE(hi, pos);
  view.writeUInt32BE(value - hi * 4294967296, pos + 4);
}

/** Reads the header of the batch at `pos`. The caller has checked that 61 bytes are present. */
export function readBatchHeader(buf: Uint8Array, pos = 0): BatchHeader {
  const b = buf as Buffer;
  return {
    baseOffset: readInt64(b, pos),
    sizeBytes: b.readInt32BE(pos + BATCH_OFFSET_LENGTH) + BATCH_LOG_OVERHEAD_BYTES,
    partitionLeaderEpoch: b.readInt32BE(pos + BATCH_OFFSET_LEADER_EPOCH),
    magic: b.readInt8(pos + BATCH_OFFSET_MAGIC),
    crc: b.readUInt32BE(pos + BATCH_OFFSET_CRC),
    attributes: b.readInt16BE(pos + BATCH_OFFSET_ATTRIBUTES),
    lastOffsetDelta: b.readInt32BE(pos + BATCH_OFFSET_LAST_OFFSET_DELTA),
    baseTimestamp: readInt64(b, pos + BATCH_OFFSET_BASE_TIMESTAMP),
    maxTimestamp: readInt64(b, pos + BATCH_OFFSET_MAX_TIMESTAMP),
    producerId: readInt64(b, pos + BATCH_OFFSET_PRODUCER_ID),
    producerEpoch: b.readInt16BE(pos + BATCH_OFFSET_PRODUCER_EPOCH),
    baseSequence: b.readInt32BE(pos + BATCH_OFFSET_BASE_SEQUENCE),
    recordCount: b.readInt32BE(pos + BATCH_OFFSET_RECORD_COUNT),
  };
}

/** Why a batch was refused: the broker maps these to CORRUPT_MESSAGE or INVALID_RECORD. */
export type BatchProblem =
  | 'truncated' // fewer bytes than a header, or than batchLength says
  | 'size' // batchLength too small to hold a header
  | 'magic' // not magic 2
  | 'crc' // CRC-32C mismatch
  | 'record-count'; // recordCount <= 0 or lastOffsetDelta + 1 != recordCount

export type BatchCheck =
  | { ok: true; header: BatchHeader }
  | { ok: false; problem: BatchProblem; detail: string };

/** Checks the batch starting at `pos`: enough bytes, a sane size, magic 2, and (unless `checkCrc` is false) its CRC. */
export function checkBatch(buf: Uint8Array, pos = 0, checkCrc = true): BatchCheck {
  const available = buf.length - pos;
  if (available < BATCH_HEADER_BYTES) {
    return { ok: false, problem: 'truncated', detail: `${available} bytes, a batch header needs 61` };
  }
  const b = buf as Buffer;
  const sizeBytes = b.readInt32BE(pos + BATCH_OFFSET_LENGTH) + BATCH_LOG_OVERHEAD_BYTES;
  if (sizeBytes < BATCH_HEADER_BYTES) {
    return {
      ok: false,
      problem: 'size',
      detail: `batch length ${sizeBytes - 12} is smaller than its header`,
    };
  }
  if (sizeBytes > available) {
    return {
      ok: false,
      problem: 'truncated',
      detail: `batch of ${sizeBytes} bytes but only ${available} present`,
    };
  }
  const magic = b.readInt8(pos + BATCH_OFFSET_MAGIC);
  if (magic !== 2) return { ok: false, problem: 'magic', detail: `magic ${magic}, only 2 is supported` };
  if (checkCrc) {
    const stored = b.readUInt32BE(pos + BATCH_OFFSET_CRC);
    const actual = crc32c(b.subarray(pos + BATCH_OFFSET_ATTRIBUTES, pos + sizeBytes));
    if (stored !== actual) {
      return {
        ok: false,
        problem: 'crc',
        detail: `CRC-32C ${actual.toString(16)} != stored ${stored.toString(16)}`,
      };
    }
  }
  const header = readBatchHeader(b, pos);
  if (header.recordCount <= 0 || header.lastOffsetDelta + 1 !== header.recordCount) {
    return {
      ok: false,
      problem: 'record-count',
      detail: `recordCount ${header.recordCount}, lastOffsetDelta ${header.lastOffsetDelta}`,
    };
  }
  return { ok: true, header };
}

/**
 * Splits a concatenation of batches into [start, end) positions without copying. Stops at a trailing
 * partial batch (as Fetch responses may end with one) and reports how many bytes were left over.
 */
export function batchBounds(buf: Uint8Array): { starts: number[]; ends: number[]; trailingBytes: number } {
  const starts: number[] = [];
  const ends: number[] = [];
  const b = buf as Buffer;
  let pos = 0;
  while (buf.length - pos >= BATCH_LOG_OVERHEAD_BYTES) {
    const size = b.readInt32BE(pos + BATCH_OFFSET_LENGTH) + BATCH_LOG_OVERHEAD_BYTES;
    if (size < BATCH_HEADER_BYTES || pos + size > buf.length) break;
    starts.push(pos);
    ends.push(pos + size);
    pos += size;
  }
  return { starts, ends, trailingBytes: buf.length - pos };
}

export function batchCompression(attributes: number): Compression {
  return (attributes & ATTR_COMPRESSION_MASK) as Compression;
}

export function isControlBatch(attributes: number): boolean {
  return (attributes & ATTR_CONTROL) !== 0;
}

export function isTransactionalBatch(attributes: number): boolean {
  return (attributes & ATTR_TRANSACTIONAL) !== 0;
}

/** Sets the base offset in place. Outside the CRC, so no checksum change. */
export function setBaseOffset(buf: Uint8Array, pos: number, baseOffset: number): void {
  writeInt64(buf, pos + BATCH_OFFSET_BASE_OFFSET, baseOffset);
}

/** Sets the partition leader epoch in place. Outside the CRC. */
export function setPartitionLeaderEpoch(buf: Uint8Array, pos: number, epoch: number): void {
  (buf as Buffer).writeInt32BE(epoch, pos + BATCH_OFFSET_LEADER_EPOCH);
}

/** Marks the batch as LogAppendTime with `timestampMs` as its max timestamp, and recomputes its CRC. */
export function setLogAppendTime(buf: Uint8Array, pos: number, timestampMs: number): void {
  const b = buf as Buffer;
  const attributes = b.readInt16BE(pos + BATCH_OFFSET_ATTRIBUTES);
  b.writeInt16BE(attributes | ATTR_TIMESTAMP_LOG_APPEND, pos + BATCH_OFFSET_ATTRIBUTES);
  writeInt64(b, pos + BATCH_OFFSET_MAX_TIMESTAMP, timestampMs);
  updateCrc(b, pos);
}

/** Recomputes and stores the CRC of the batch at `pos` after a change to CRC-covered bytes. */
export function updateCrc(buf: Uint8Array, pos = 0): void {
  const b = buf as Buffer;
  const sizeBytes = b.readInt32BE(pos + BATCH_OFFSET_LENGTH) + BATCH_LOG_OVERHEAD_BYTES;
  b.writeUInt32BE(crc32c(b.subarray(pos + BATCH_OFFSET_ATTRIBUTES, pos + sizeBytes)), pos + BATCH_OFFSET_CRC);
}

/** Last offset of the batch at `pos` (baseOffset + lastOffsetDelta). */
export function batchLastOffset(buf: Uint8Array, pos = 0): number {
  return readInt64(buf, pos) + (buf as Buffer).readInt32BE(pos + BATCH_OFFSET_LAST_OFFSET_DELTA);
}
