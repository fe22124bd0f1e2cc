// Records inside a v2 batch: built for producers and read lazily for consumers and tools.
// Record layout (varints are zigzag): length varint | attributes i8 | timestampDelta varlong |
// offsetDelta varint | keyLength varint (-1 null) | key | valueLength varint | value |
// headerCount varint | headers (keyLength varint, key, valueLength varint, value).
import { DecodeError } from '../primitives/decode-error.js';
import { Reader } from '../primitives/reader.js';
import { varintBytes } from '../primitives/writer.js';
import {
  ATTR_CONTROL,
  ATTR_TIMESTAMP_LOG_APPEND,
  ATTR_TRANSACTIONAL,
  BATCH_HEADER_BYTES,
  BATCH_LOG_OVERHEAD_BYTES,
  BATCH_OFFSET_ATTRIBUTES,
  BATCH_OFFSET_CRC,
  type BatchHeader,
  batchCompression,
  Compression,
  readBatchHeader,
  writeInt64,
} from './batch.js';
import { codecsFor } from './codecs.js';
import { crc32c } from './crc32c.js';

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface KafkaRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export interface RecordInput {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: ReadonlyArray<{ key: string; value: Buffer | string | null }>;
  /** CreateTime in ms; defaults to the batch's `timestampMs`. */
  timestamp?: number;
}

export interface BatchOptions {
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  compression?: Compression;
  /** gzip or zstd level (compression.ts); the codec's default otherwise. */
  compressionLevel?: number;
  logAppendTime?: boolean;
  transactional?: boolean;
  control?: boolean;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  /** Timestamp for records that have none (default: now). */
  timestampMs?: number;
}

function toBytes(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}

function encodeRecordsBody(
  records: readonly RecordInput[],
  baseTimestamp: number,
  defaultTs: number,
): Buffer {
  const prepared = records.map((r, i) => {
    const key = toBytes(r.key);
    const value = toBytes(r.value);
    const headers = (r.headers ?? []).map((h) => ({
      key: Buffer.from(h.key, 'utf8'),
      value: toBytes(h.value),
    }));
    const tsDelta = (r.timestamp ?? defaultTs) - baseTimestamp;
    let size = 1 + varintBytes(tsDelta) + varintBytes(i);
    size += key ? varintBytes(key.length) + key.length : 1;
    size += value ? varintBytes(value.length) + value.length : 1;
    size += varintBytes(headers.length);
    for (const h of headers) {
      size +=
        varintBytes(h.key.length) +
        h.key.length +
        (h.value ? varintBytes(h.value.length) + h.value.length : 1);
    }
    return { key, value, headers, tsDelta, size };
  });
  const total = prepared.reduce((n, p) => n + varintBytes(p.size) + p.size, 0);
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  const uv = (v: number) => {
    while (v >= 0x80) {
      out[pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    out[pos++] = v;
  };
  const zz = (v: number) => uv(v >= 0 ? v * 2 : -v * 2 - 1);
  const field = (b: Buffer | null) => {
    if (b === null) return zz(-1);
    zz(b.length);
    b.copy(out, pos);
    pos += b.length;
  };
  prepared.forEach((p, i) => {
    zz(p.size);
    out[pos++] = 0;
    zz(p.tsDelta);
    zz(i);
    field(p.key);
    field(p.value);
    zz(p.headers.length);
    for (const h of p.headers) {
      field(h.key);
      field(h.value);
    }
  });
  return out;
}

interface Plan {
  codec: Compression;
  body: Buffer;
  baseTimestamp: number;
  maxTimestamp: number;
}

function plan(records: readonly RecordInput[], options: BatchOptions): Plan {
  if (records.length === 0) throw new RangeError('a record batch needs at least one record');
  const now = options.timestampMs ?? Date.now();
  let baseTimestamp = Number.POSITIVE_INFINITY;
  let maxTimestamp = Number.NEGATIVE_INFINITY;
  for (const r of records) {
    const ts = r.timestamp ?? now;
    if (ts < baseTimestamp) baseTimestamp = ts;
    if (ts > maxTimestamp) maxTimestamp = ts;
  }
  const codec = options.compression ?? Compression.None;
  return { codec, body: encodeRecordsBody(records, baseTimestamp, now), baseTimestamp, maxTimestamp };
}

function assemble(p: Plan, body: Buffer, recordCount: number, options: BatchOptions): Buffer {
  const out = Buffer.allocUnsafe(BATCH_HEADER_BYTES + body.length);
  let attributes: number = p.codec;
  if (options.logAppendTime) attributes |= ATTR_TIMESTAMP_LOG_APPEND;
  if (options.transactional) attributes |= ATTR_TRANSACTIONAL;
  if (options.control) attributes |= ATTR_CONTROL;
  writeInt64(out, 0, options.baseOffset ?? 0);
  out.writeInt32BE(out.length - BATCH_LOG_OVERHEAD_BYTES, 8);
  out.writeInt32BE(options.partitionLeaderEpoch ?? -1, 12);
  out.writeInt8(2, 16);
  out.writeInt16BE(attributes, 21);
  out.writeInt32BE(recordCount - 1, 23);
  writeInt64(out, 27, p.baseTimestamp);
  writeInt64(out, 35, p.maxTimestamp);
  writeInt64(out, 43, options.producerId ?? -1);
  out.writeInt16BE(options.producerEpoch ?? -1, 51);
  out.writeInt32BE(options.baseSequence ?? -1, 53);
  out.writeInt32BE(recordCount, 57);
  body.copy(out, BATCH_HEADER_BYTES);
  out.writeUInt32BE(crc32c(out.subarray(BATCH_OFFSET_ATTRIBUTES)), BATCH_OFFSET_CRC);
  return out;
}

/** Builds one v2 record batch. */
export function buildBatch(records: readonly RecordInput[], options: BatchOptions = {}): Buffer {
  const p = plan(records, options);
  const body = codecsFor(p.codec).compressSync(p.codec, p.body, { level: options.compressionLevel });
  return assemble(p, body, records.length, options);
}

/** As buildBatch, compressing off the calling thread where the codec allows (compression.ts). */
export async function buildBatchAsync(
  records: readonly RecordInput[],
  options: BatchOptions = {},
): Promise<Buffer> {
  const p = plan(records, options);
  const body = await codecsFor(p.codec).compress(p.codec, p.body, { level: options.compressionLevel });
  return assemble(p, body, records.length, options);
}

/** Default bound on a decompressed batch body (the broker passes its own limit). */
export const DECOMPRESSED_BYTES_MAX = 64 * 1024 * 1024;

/** The uncompressed records section of the batch at `pos` (a view when the batch is not compressed). */
export function recordsBody(batch: Buffer, pos = 0, outputBytesMax = DECOMPRESSED_BYTES_MAX): Buffer {
  const header = readBatchHeader(batch, pos);
  const body = batch.subarray(pos + BATCH_HEADER_BYTES, pos + header.sizeBytes);
  const codec = batchCompression(header.attributes);
  return codecsFor(codec).decompressSync(codec, body, outputBytesMax);
}

/** As recordsBody, decompressing off the calling thread where the codec allows (compression.ts). */
export async function recordsBodyAsync(
  batch: Buffer,
  pos = 0,
  outputBytesMax = DECOMPRESSED_BYTES_MAX,
): Promise<Buffer> {
  const header = readBatchHeader(batch, pos);
  const body = batch.subarray(pos + BATCH_HEADER_BYTES, pos + header.sizeBytes);
  const codec = batchCompression(header.attributes);
  return codecsFor(codec).decompress(codec, body, outputBytesMax);
}

/** Iterates the records of one batch lazily. Throws DecodeError on malformed records. */
export function* readRecords(
  batch: Buffer,
  pos = 0,
  outputBytesMax = DECOMPRESSED_BYTES_MAX,
): Generator<KafkaRecord> {
  const header = readBatchHeader(batch, pos);
  yield* recordsOf(header, recordsBody(batch, pos, outputBytesMax));
}

/**
 * Iterates the records in `body`, the uncompressed records section of the batch whose header is
 * `header` (from recordsBody or recordsBodyAsync). Keys, values and header values are views of
 * `body`. As Kafka does, bytes left after the declared record count are an error.
 */
export function* recordsOf(header: BatchHeader, body: Buffer): Generator<KafkaRecord> {
  const r = new Reader(body);
  for (let i = 0; i < header.recordCount; i++) {
    const length = r.varint();
    if (length < 0 || length > r.remaining) throw new DecodeError('length', `record length ${length}`, r.pos);
    const end = r.pos + length;
    r.int8();
    const timestampDelta = r.varlong();
    const offsetDelta = r.varint();
    const key = nullableVarBytes(r);
    const value = nullableVarBytes(r);
    const headerCount = r.varint();
    if (headerCount < 0 || headerCount > r.remaining)
      throw new DecodeError('length', `header count ${headerCount}`, r.pos);
    const headers: RecordHeader[] = [];
    for (let h = 0; h < headerCount; h++) {
      const hk = nullableVarBytes(r);
      if (hk === null) throw new DecodeError('invalid', 'record header with a null key', r.pos);
      headers.push({ key: hk.toString('utf8'), value: nullableVarBytes(r) });
    }
    if (r.pos !== end)
      throw new DecodeError('invalid', `record ${i} length ${length} does not match its fields`, r.pos);
    const timestamp =
      header.attributes & ATTR_TIMESTAMP_LOG_APPEND
        ? header.maxTimestamp
        : header.baseTimestamp + timestampDelta;
    yield { offset: header.baseOffset + offsetDelta, timestamp, key, value, headers };
  }
  if (r.remaining > 0) {
    throw new DecodeError('trailing', `${r.remaining} bytes after record ${header.recordCount}`, r.pos);
  }
}

function nullableVarBytes(r: Reader): Buffer | null {
  const n = r.varint();
  if (n === -1) return null;
  if (n < -1) throw new DecodeError('length', `length ${n}`, r.pos);
  return r.raw(n);
}
