// The coordinator runtime's writer backed by a real partition of an internal topic
// (__consumer_offsets): each operation's records become one uncompressed batch appended by the
// partition's leader; `written` resolves once the batch is written and the high watermark has
// passed it. Loading reads the partition back from its start.
import { ATTR_CONTROL, ATTR_TRANSACTIONAL, readBatchHeader } from '../../protocol/records/batch.js';
import { buildControlBatch, readControlBatch, type TxnMarker } from '../../protocol/records/control.js';
import { buildBatch, readRecords } from '../../protocol/records/record.js';
import { InternalWriteError, type Partition } from '../replica/partition.js';
import {
  type CoordinatorRecord,
  type CoordinatorWriter,
  type StoredRecord,
  type TxnProducer,
  WriteError,
  type WriteFailure,
} from './runtime.js';

const READ_CHUNK_BYTES = 1024 * 1024;

export class PartitionWriter implements CoordinatorWriter {
  constructor(private readonly partition: () => Partition | undefined) {}

  append(
    records: readonly CoordinatorRecord[],
    producer?: TxnProducer,
  ): { lastOffset: number; written: Promise<void> } | { error: WriteFailure } {
    const p = this.partition();
    if (!p) return { error: 'not-leader' };
    if (records.length === 0) return { lastOffset: p.log.logEndOffset - 1, written: Promise.resolve() };
    const batch = buildBatch(
      records.map((r) => ({ key: r.key, value: r.value })),
      producer ? { transactional: true, ...producer, baseSequence: -1 } : {},
    );
    return this.appendBatch(p, batch);
  }

  appendMarker(marker: TxnMarker): { lastOffset: number; written: Promise<void> } | { error: WriteFailure } {
    const p = this.partition();
    if (!p) return { error: 'not-leader' };
    return this.appendBatch(p, buildControlBatch(marker));
  }

  private appendBatch(
    p: Partition,
    batch: Buffer,
  ): { lastOffset: number; written: Promise<void> } | { error: WriteFailure } {
    const r = p.appendInternal(batch);
    if ('error' in r) {
      const failure: WriteFailure =
        r.error === 'too-large' || r.error === 'offline' || r.error === 'not-leader' ? r.error : 'storage';
      return { error: failure };
    }
    // The partition names why the records will not be committed; the runtime wants its WriteError.
    const written = r.written.catch((err: unknown) => {
      throw err instanceof InternalWriteError ? new WriteError(err.failure) : err;
    });
    return { lastOffset: r.lastOffset, written };
  }

  async *read(fromOffset: number): AsyncIterable<StoredRecord> {
    const p = this.partition();
    if (!p) return;
    const end = p.log.logEndOffset;
    let offset = Math.max(fromOffset, p.log.logStartOffset);
    while (offset < end) {
      const r = await p.log.read(offset, READ_CHUNK_BYTES, { maxOffset: end, minOneBatch: true });
      if (r.kind !== 'data' || r.records.length === 0) return;
      for (const chunk of r.records) {
        for (const batch of splitBatches(chunk)) {
          yield* storedRecords(batch, offset);
          offset = Math.max(offset, batch.readInt32BE(23) + Number(batch.readBigInt64BE(0)) + 1);
        }
      }
    }
  }
}

/** The batches of a read result (one buffer may hold several, back to back). */
function* splitBatches(chunk: Buffer): Generator<Buffer> {
  let pos = 0;
  while (chunk.length - pos >= 61) {
    const size = chunk.readInt32BE(pos + 8) + 12;
    if (pos + size > chunk.length) return;
    yield chunk.subarray(pos, pos + size);
    pos += size;
  }
}

/** The records of one batch at or after `from`: a marker for a control batch, the producer for a transactional one. */
function* storedRecords(batch: Buffer, from: number): Generator<StoredRecord> {
  const h = readBatchHeader(batch);
  if (h.attributes & ATTR_CONTROL) {
    const marker = readControlBatch(batch);
    if (marker && h.baseOffset >= from) yield { offset: h.baseOffset, key: null, value: null, marker };
    return;
  }
  const producer =
    h.attributes & ATTR_TRANSACTIONAL
      ? { producerId: h.producerId, producerEpoch: h.producerEpoch }
      : undefined;
  for (const rec of readRecords(batch)) {
    if (rec.offset < from) continue;
    yield { offset: rec.offset, key: rec.key, value: rec.value, ...(producer ? { producer } : {}) };
  }
}
