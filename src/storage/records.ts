// The little record-level work the log does, off the append path: compaction reads keys and values,
// timestamp lookups read record timestamps, producer state reads the type of control records. Records
// are parsed as views into the batch body (no copies, no per-record objects beyond a small struct), and
// a filtered batch is re-encoded from the raw bytes of the records it keeps.
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  ATTR_COMPRESSION_MASK,
  ATTR_CONTROL,
  ATTR_DELETE_HORIZON,
  ATTR_TIMESTAMP_LOG_APPEND,
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD_BYTES,
  BATCH_OFFSET_ATTRIBUTES,
  BATCH_OFFSET_BASE_TIMESTAMP,
  BATCH_OFFSET_CRC,
  BATCH_OFFSET_LAST_OFFSET_DELTA,
  BATCH_OFFSET_LENGTH,
  BATCH_OFFSET_MAX_TIMESTAMP,
  BATCH_OFFSET_RECORD_COUNT,
  readInt64,
  writeInt64,
} from '../protocol/records/batch.js';
import { crc32c } from '../protocol/records/crc32c.js';

/**
 * Compression codecs for the record-level work. Storage never needs them on the data plane; the broker
 * may pass one supporting every codec, the default handles uncompressed and gzip batches. A batch whose
 * codec is unsupported is kept whole by compaction and found at batch granularity by timestamp lookups.
 */
export interface RecordCodec {
  /** Decompressed records section, or null when the codec is not supported. Throws on corrupt input. */
  decompress(codec: number, data: Buffer, outputBytesMax: number): Buffer | null;
  /** Compressed records section, or null when the codec is not supported. */
  compress(codec: number, data: Buffer): Buffer | null;
}

export const DEFAULT_RECORD_CODEC: RecordCodec = {
  decompress(codec, data, outputBytesMax) {
    if (codec === 0) return data;
    if (codec === 1) return gunzipSync(data, { maxOutputLength: outputBytesMax });
    return null;
  },
  compress(codec, data) {
    if (codec === 0) return data;
    if (codec === 1) return gzipSync(data);
    return null;
  },
};

/** One record inside a decompressed records section, as positions into that section. */
export interface RecordView {
  /** Start of the record (its length varint) and end (exclusive) within the section. */
  start: number;
  end: number;
  /** Start of the offsetDelta varint: everything from here to `end` is copied verbatim on re-encode. */
  restStart: number;
  timestampDelta: number;
  offsetDelta: number;
  keyStart: number;
  /** -1 for a null key. */
  keyLength: number;
  valueStart: number;
  /** -1 for a null value (a tombstone). */
  valueLength: number;
}

export class RecordFormatError extends Error {
  override readonly name = 'RecordFormatError';
}

let vpos = 0;

function readVarlong(buf: Uint8Array, pos: number): number {
  let result = 0;
  let mul = 1;
  let b: number;
  let i = pos;
  do {
    if (i >= buf.length || mul > 2 ** 63) throw new RecordFormatError(`bad varint at ${pos}`);
    b = buf[i++];
    result += (b & 0x7f) * mul;
    mul *= 128;
  } while (b & 0x80);
  vpos = i;
  // zigzag
  return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
}

function varintSize(v: number): number {
  let z = v >= 0 ? v * 2 : -v * 2 - 1;
  let n = 1;
  while (z >= 128) {
    z = Math.floor(z / 128);
    n++;
  }
  return n;
}

function writeVarlong(out: Uint8Array, pos: number, v: number): number {
  let z = v >= 0 ? v * 2 : -v * 2 - 1;
  while (z >= 128) {
    out[pos++] = (z % 128) | 0x80;
    z = Math.floor(z / 128);
  }
  out[pos++] = z;
  return pos;
}

/** Parses the records of a decompressed section. Throws RecordFormatError when they do not parse. */
export function parseRecords(body: Buffer, count: number): RecordView[] {
  const out: RecordView[] = [];
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const start = pos;
    const length = readVarlong(body, pos);
    pos = vpos;
    const end = pos + length;
    if (length < 0 || end > body.length) throw new RecordFormatError(`record ${i}: length ${length}`);
    pos += 1; // attributes
    const timestampDelta = readVarlong(body, pos);
    const restStart = vpos;
    const offsetDelta = readVarlong(body, vpos);
    const keyLength = readVarlong(body, vpos);
    const keyStart = vpos;
    pos = keyStart + Math.max(0, keyLength);
    const valueLength = readVarlong(body, pos);
    const valueStart = vpos;
    pos = valueStart + Math.max(0, valueLength);
    if (keyLength < -1 || valueLength < -1 || pos > end)
      throw new RecordFormatError(`record ${i}: bad lengths`);
    out.push({
      start,
      end,
      restStart,
      timestampDelta,
      offsetDelta,
      keyStart,
      keyLength,
      valueStart,
      valueLength,
    });
    pos = end;
  }
  return out;
}

export interface BatchRecords {
  /** The decompressed records section. */
  body: Buffer;
  records: RecordView[];
}

/**
 * The records of the batch at `batch[pos..]`, or null when its codec is not supported by `codec`.
 * Throws RecordFormatError when the records do not parse.
 */
export function batchRecords(
  batch: Buffer,
  pos: number,
  codec: RecordCodec,
  outputBytesMax = 64 * 1024 * 1024,
): BatchRecords | null {
  const size = batch.readInt32BE(pos + BATCH_OFFSET_LENGTH) + BATCH_LOG_OVERHEAD_BYTES;
  const attributes = batch.readInt16BE(pos + BATCH_OFFSET_ATTRIBUTES);
  const count = batch.readInt32BE(pos + BATCH_OFFSET_RECORD_COUNT);
  const raw = batch.subarray(pos + BATCH_HEADER_BYTES, pos + size);
  let body: Buffer | null;
  try {
    body = codec.decompress(attributes & ATTR_COMPRESSION_MASK, raw, outputBytesMax);
  } catch (err) {
    throw new RecordFormatError(`decompression failed: ${(err as Error).message}`);
  }
  if (body === null) return null;
  return { body, records: parseRecords(body, count) };
}

/** Control record types (the key of a control batch's record). */
export const CONTROL_ABORT = 0;
export const CONTROL_COMMIT = 1;

/**
 * The type and coordinator epoch of the control record of the control batch at `batch[pos..]`, or null
 * when it has no record (cleaned away) or it does not parse. Control batches are never compressed.
 */
export function controlRecord(batch: Buffer, pos: number): { type: number; coordinatorEpoch: number } | null {
  const attributes = batch.readInt16BE(pos + BATCH_OFFSET_ATTRIBUTES);
  if ((attributes & ATTR_CONTROL) === 0 || batch.readInt32BE(pos + BATCH_OFFSET_RECORD_COUNT) < 1)
    return null;
  const size = batch.readInt32BE(pos + BATCH_OFFSET_LENGTH) + BATCH_LOG_OVERHEAD_BYTES;
  try {
    const body = batch.subarray(pos + BATCH_HEADER_BYTES, pos + size);
    const [r] = parseRecords(body, 1);
    if (r.keyLength < 4) return null;
    const type = body.readInt16BE(r.keyStart + 2);
    const coordinatorEpoch = r.valueLength >= 6 ? body.readInt32BE(r.valueStart + 2) : -1;
    return { type, coordinatorEpoch };
  } catch {
    return null;
  }
}

/** Timestamp of a record: the batch's max timestamp under LogAppendTime, else base + delta. */
export function recordTimestamp(batch: Buffer, pos: number, r: RecordView): number {
  const attributes = batch.readInt16BE(pos + BATCH_OFFSET_ATTRIBUTES);
  if (attributes & ATTR_TIMESTAMP_LOG_APPEND) return readInt64(batch, pos + BATCH_OFFSET_MAX_TIMESTAMP);
  return readInt64(batch, pos + BATCH_OFFSET_BASE_TIMESTAMP) + r.timestampDelta;
}

/** The delete horizon the cleaner stored in the batch (KIP-534), or null. */
export function deleteHorizonMs(batch: Buffer, pos: number): number | null {
  const attributes = batch.readInt16BE(pos + BATCH_OFFSET_ATTRIBUTES);
  return attributes & ATTR_DELETE_HORIZON ? readInt64(batch, pos + BATCH_OFFSET_BASE_TIMESTAMP) : null;
}

/**
 * Builds a copy of the batch at `batch[pos..]` holding only `kept` of its records (views into `body`),
 * with its base offset, last offset delta, producer fields and sequence unchanged, so that offsets and
 * producer state survive compaction. With `horizonMs`, the batch carries that delete horizon (its base
 * timestamp, attribute bit 6) and the record timestamp deltas are rebased onto it. Returns null when the
 * codec cannot compress the result.
 */
export function rebuildBatch(
  batch: Buffer,
  pos: number,
  body: Buffer,
  kept: readonly RecordView[],
  horizonMs: number | null,
  codec: RecordCodec,
): Buffer | null {
  const attributes = batch.readInt16BE(pos + BATCH_OFFSET_ATTRIBUTES);
  const oldBase = readInt64(batch, pos + BATCH_OFFSET_BASE_TIMESTAMP);
  const logAppendTime = (attributes & ATTR_TIMESTAMP_LOG_APPEND) !== 0;
  const newBase = horizonMs ?? oldBase;
  const shift = oldBase - newBase;
  let size = 0;
  for (const r of kept) {
    if (shift === 0) size += r.end - r.start;
    else {
      const inner = 1 + varintSize(r.timestampDelta + shift) + (r.end - r.restStart);
      size += varintSize(inner) + inner;
    }
  }
  let section: Buffer = Buffer.allocUnsafe(size);
  let p = 0;
  let maxTs = -1;
  for (const r of kept) {
    maxTs = Math.max(maxTs, oldBase + r.timestampDelta);
    if (shift === 0) {
      body.copy(section, p, r.start, r.end);
      p += r.end - r.start;
    } else {
      const delta = r.timestampDelta + shift;
      const inner = 1 + varintSize(delta) + (r.end - r.restStart);
      p = writeVarlong(section, p, inner);
      section[p++] = 0;
      p = writeVarlong(section, p, delta);
      body.copy(section, p, r.restStart, r.end);
      p += r.end - r.restStart;
    }
  }
  if (kept.length === 0) return emptyBatch(batch, pos);
  const compressed = codec.compress(attributes & ATTR_COMPRESSION_MASK, section);
  if (compressed === null) return null;
  section = compressed;
  const out = Buffer.allocUnsafe(BATCH_HEADER_BYTES + section.length);
  batch.copy(out, 0, pos, pos + BATCH_HEADER_BYTES);
  section.copy(out, BATCH_HEADER_BYTES);
  out.writeInt32BE(out.length - BATCH_LOG_OVERHEAD_BYTES, BATCH_OFFSET_LENGTH);
  out.writeInt32BE(kept.length, BATCH_OFFSET_RECORD_COUNT);
  out.writeInt32BE(batch.readInt32BE(pos + BATCH_OFFSET_LAST_OFFSET_DELTA), BATCH_OFFSET_LAST_OFFSET_DELTA);
  if (horizonMs !== null) {
    out.writeInt16BE(attributes | ATTR_DELETE_HORIZON, BATCH_OFFSET_ATTRIBUTES);
    writeInt64(out, BATCH_OFFSET_BASE_TIMESTAMP, horizonMs);
  }
  if (!logAppendTime && kept.length > 0) writeInt64(out, BATCH_OFFSET_MAX_TIMESTAMP, maxTs);
  out.writeUInt32BE(crc32c(out.subarray(BATCH_OFFSET_ATTRIBUTES)), BATCH_OFFSET_CRC);
  return out;
}

/**
 * A batch with no records that keeps the offsets, producer fields and sequence of the batch at
 * `batch[pos..]` (the cleaner keeps such a batch where the last sequence of a producer must survive).
 * Uncompressed, both timestamps set to the original max timestamp, as Kafka writes it.
 */
export function emptyBatch(batch: Buffer, pos: number): Buffer {
  const out = Buffer.allocUnsafe(BATCH_HEADER_BYTES);
  batch.copy(out, 0, pos, pos + BATCH_HEADER_BYTES);
  const attributes = batch.readInt16BE(pos + BATCH_OFFSET_ATTRIBUTES);
  out.writeInt16BE(attributes & ~(ATTR_COMPRESSION_MASK | ATTR_DELETE_HORIZON), BATCH_OFFSET_ATTRIBUTES);
  out.writeInt32BE(BATCH_HEADER_BYTES - BATCH_LOG_OVERHEAD_BYTES, BATCH_OFFSET_LENGTH);
  out.writeInt32BE(0, BATCH_OFFSET_RECORD_COUNT);
  const maxTs = readInt64(batch, pos + BATCH_OFFSET_MAX_TIMESTAMP);
  writeInt64(out, BATCH_OFFSET_BASE_TIMESTAMP, maxTs);
  out.writeUInt32BE(crc32c(out.subarray(BATCH_OFFSET_ATTRIBUTES)), BATCH_OFFSET_CRC);
  return out;
}
