// The aborted transactions a read_committed Fetch returns with a partition's records: those of the
// partition's transaction index overlapping the fetched range, so the consumer can drop their batches.
import type { Partition } from '../replica/partition.js';

const BATCH_HEADER_BYTES = 61;

export interface AbortedTransaction {
  producerId: number;
  firstOffset: number;
}

/** The last offset of the last whole batch in `records`, or -1 when there is none. */
function lastOffsetOf(records: readonly Buffer[]): number {
  let last = -1;
  for (const buf of records) {
    let pos = 0;
    while (buf.length - pos >= BATCH_HEADER_BYTES) {
      const size = buf.readInt32BE(pos + 8) + 12;
      if (pos + size > buf.length) break;
      last = Number(buf.readBigInt64BE(pos)) + buf.readInt32BE(pos + 23);
      pos += size;
    }
  }
  return last;
}

export async function abortedTransactionsFor(
  partition: Partition,
  fetchOffset: number,
  records: readonly Buffer[],
): Promise<AbortedTransaction[]> {
  const last = lastOffsetOf(records);
  if (last < 0) return [];
  const aborted = await partition.log.abortedTransactions(fetchOffset, last + 1);
  return aborted.map((t) => ({ producerId: t.producerId, firstOffset: t.firstOffset }));
}
