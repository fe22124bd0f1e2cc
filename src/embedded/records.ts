// Records in and out of an embedded broker without a client: batches built here and appended straight to
// the partitions, and every record of a topic read back from the partition logs. Keys are spread over
// partitions as the Java client and kafkajs do (murmur2), so seeded records land where a client's would.
import type { Partition } from '../broker/replica/partition.js';
import { ErrorCode, errorInfo } from '../protocol/errors.js';
import {
  batchBounds,
  isControlBatch,
  isTransactionalBatch,
  readBatchHeader,
} from '../protocol/records/batch.js';
import { buildBatch, type RecordInput, recordsBodyAsync, recordsOf } from '../protocol/records/record.js';

export type Bytes = string | Buffer | Uint8Array;

/** A record to seed a topic with. A bare string or buffer is a record with that value and no key. */
export interface ProduceRecord {
  key?: Bytes | null;
  value: Bytes | null;
  headers?: Readonly<Record<string, Bytes | null>> | ReadonlyArray<{ key: string; value: Bytes | null }>;
  /** The partition; default: by key (murmur2, as the Java client and kafkajs), round robin without one. */
  partition?: number;
  /** CreateTime in ms (default: the broker's clock). */
  timestamp?: number;
}

/** Where a produced record landed. */
export interface ProducedRecord {
  topic: string;
  partition: number;
  offset: number;
  /** Its timestamp as stored (the append time on a LogAppendTime topic). */
  timestamp: number;
}

export interface RecordHeader<V> {
  key: string;
  value: V | null;
}

/** A record as stored. `Buffer` values, or strings when read with `{ encoding: 'utf8' }`. */
export interface StoredRecord<V = Buffer> {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: V | null;
  value: V | null;
  headers: RecordHeader<V>[];
}

/** An error of the embedded broker's own helpers, with the Kafka error name when there is one. */
export class EmbeddedBrokerError extends Error {
  override readonly name = 'EmbeddedBrokerError';
  constructor(
    message: string,
    /** A Kafka error name ('UNKNOWN_TOPIC_OR_PARTITION'), or a Samsa one ('TIMEOUT'). */
    readonly code: string,
  ) {
    super(message);
  }
}

/** Kafka's murmur2 (the Java client's Utils.murmur2), as a signed 32-bit integer. */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const tail = length & 3;
  if (tail === 3) h ^= data[whole + 2] << 16;
  if (tail >= 2) h ^= data[whole + 1] << 8;
  if (tail >= 1) h = Math.imul(h ^ data[whole], m);
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

export function toBuffer(v: Bytes): Buffer {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function toBufferOrNull(v: Bytes | null | undefined): Buffer | null {
  return v === null || v === undefined ? null : toBuffer(v);
}

export function normalize(record: ProduceRecord | Bytes): ProduceRecord {
  return typeof record === 'string' || record instanceof Uint8Array ? { value: record } : record;
}

/** Picks each record's partition: explicit, by key hash, else round robin from `counter`. */
export function assignPartitions(
  records: readonly ProduceRecord[],
  partitionCount: number,
  counter: { next: number },
): number[] {
  return records.map((r) => {
    if (r.partition !== undefined) {
      if (!Number.isInteger(r.partition) || r.partition < 0 || r.partition >= partitionCount)
        throw new EmbeddedBrokerError(
          `partition ${r.partition} does not exist (the topic has ${partitionCount})`,
          'UNKNOWN_TOPIC_OR_PARTITION',
        );
      return r.partition;
    }
    const key = toBufferOrNull(r.key);
    if (key !== null) return (murmur2(key) & 0x7fffffff) % partitionCount;
    return counter.next++ % partitionCount;
  });
}

function recordInput(r: ProduceRecord): RecordInput {
  const headers = r.headers
    ? Array.isArray(r.headers)
      ? r.headers
      : Object.entries(r.headers as Record<string, Bytes | null>).map(([key, value]) => ({ key, value }))
    : [];
  return {
    key: toBufferOrNull(r.key),
    value: toBufferOrNull(r.value),
    headers: headers.map((h) => ({ key: h.key, value: toBufferOrNull(h.value) })),
    timestamp: r.timestamp,
  };
}

/** Appends `records` (in order) to one partition as one batch, waiting until they are readable. */
export async function appendTo(
  partition: Partition,
  records: readonly ProduceRecord[],
  nowMs: number,
): Promise<{ baseOffset: number; timestamps: number[] }> {
  const inputs = records.map(recordInput);
  const batch = buildBatch(inputs, { timestampMs: nowMs });
  const outcome = await partition.append(batch, -1, nowMs);
  if (outcome.errorCode !== ErrorCode.NONE) {
    const name = errorInfo(outcome.errorCode).name;
    throw new EmbeddedBrokerError(
      `produce to ${partition.topic}-${partition.index} failed: ${name}${outcome.errorMessage ? ` (${outcome.errorMessage})` : ''}`,
      name,
    );
  }
  const appendTime = outcome.logAppendTimeMs;
  return {
    baseOffset: outcome.baseOffset,
    timestamps: inputs.map((r) => (appendTime >= 0 ? appendTime : (r.timestamp ?? nowMs))),
  };
}

const READ_BYTES_MAX = 4 * 1024 * 1024;

/** Every record of one partition from its log start to its high watermark, control records left out. */
export async function readPartition(
  topic: string,
  partition: Partition,
  readCommitted = false,
): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  const end = readCommitted ? partition.log.lastStableOffset : partition.highWatermark;
  let offset = partition.log.logStartOffset;
  // read_committed: the batches of aborted transactions are skipped, as a consumer skips them.
  const aborted = readCommitted ? await partition.log.abortedTransactions(offset, end) : [];
  aborted.sort((a, b) => a.firstOffset - b.firstOffset);
  const abortedProducers = new Set<number>();
  while (offset < end) {
    const read = await partition.read(offset, READ_BYTES_MAX, readCommitted, true);
    if (read.errorCode !== ErrorCode.NONE) {
      const name = errorInfo(read.errorCode).name;
      throw new EmbeddedBrokerError(`reading ${topic}-${partition.index} at ${offset} failed: ${name}`, name);
    }
    if (read.records.length === 0) break;
    const before = offset;
    for (const chunk of read.records) {
      const { starts } = batchBounds(chunk);
      for (const start of starts) {
        const header = readBatchHeader(chunk, start);
        const next = header.baseOffset + header.lastOffsetDelta + 1;
        while (aborted.length > 0 && aborted[0].firstOffset <= next - 1)
          abortedProducers.add((aborted.shift() as { producerId: number }).producerId);
        const skip =
          isControlBatch(header.attributes) ||
          (isTransactionalBatch(header.attributes) && abortedProducers.has(header.producerId));
        if (isControlBatch(header.attributes)) abortedProducers.delete(header.producerId);
        if (!skip) {
          const body = await recordsBodyAsync(chunk, start);
          for (const r of recordsOf(header, body)) {
            if (r.offset < offset || r.offset >= end) continue;
            // Copies: the stored bytes must not change under a test that edits what it got.
            out.push({
              topic,
              partition: partition.index,
              offset: r.offset,
              timestamp: r.timestamp,
              key: r.key && Buffer.from(r.key),
              value: r.value && Buffer.from(r.value),
              headers: r.headers.map((h) => ({ key: h.key, value: h.value && Buffer.from(h.value) })),
            });
          }
        }
        offset = Math.max(offset, next);
      }
    }
    if (offset === before) break;
  }
  return out;
}

export function asText(r: StoredRecord): StoredRecord<string> {
  return {
    ...r,
    key: r.key === null ? null : r.key.toString('utf8'),
    value: r.value === null ? null : r.value.toString('utf8'),
    headers: r.headers.map((h) => ({
      key: h.key,
      value: h.value === null ? null : h.value.toString('utf8'),
    })),
  };
}
