// The coordinator runtime's writer backed by a real partition of an internal topic
// (__consumer_offsets): each operation's records become one uncompressed batch appended by the
// partition's leader; `written` resolves once the batch is written and the high watermark has
// passed it. Loading reads the partition back from its start.
import { buildBatch, readRecords } from '../../protocol/records/record.js';
import { InternalWriteError, type Partition } from '../replica/partition.js';
import {
  type CoordinatorRecord,
  type CoordinatorWriter,
  type StoredRecord,
  WriteError,
  type WriteFailure,
} from './runtime.js';

const READ_CHUNK_BYTES = 1024 * 1024;

export class PartitionWriter implements CoordinatorWriter {
  constructor(private readonly partition: () => Partition | undefined) {}

  append(
    records: readonly CoordinatorRecord[],
  ): { lastOffset: number; written: Promise<void> } | { error: WriteFailure } {
    const p = this.partition();
    if (!p) return { error: 'not-leader' };
    if (records.length === 0) return { lastOffset: p.log.logEndOffset - 1, written: Promise.resolve() };
    const batch = buildBatch(records.map((r) => ({ key: r.key, value: r.value })));
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
      for (const batch of r.records) {
        for (const rec of readRecords(batch)) {
          if (rec.offset < offset) continue;
          offset = rec.offset + 1;
          yield { offset: rec.offset, key: rec.key, value: rec.value };
        }
        offset = Math.max(offset, batch.readInt32BE(23) + Number(batch.readBigInt64BE(0)) + 1);
      }
    }
  }
}
