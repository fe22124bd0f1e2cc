// The metadata log of a single node: `__cluster_metadata-0` in the first log dir, a partition log
// like any other, whose record values are KRaft metadata records. Every append is fsynced before it
// counts as committed, as a one-voter Raft quorum would do. The Raft quorum replaces this class in
// a cluster; the controller above does not change.
import { decodeMetadataRecord, encodeMetadataRecord, type MetadataRecord } from '../../metadata/records.js';
import { buildBatch, readRecords } from '../../protocol/records/record.js';
import { type FileSystem, PartitionLog } from '../../storage/index.js';
import type { MetadataBatch, MetadataLog } from '../controller/metadata-log.js';

export const METADATA_TOPIC = '__cluster_metadata';

export class LocalMetadataLog implements MetadataLog {
  private constructor(private readonly log: PartitionLog) {}

  static async open(logDir: string, fs: FileSystem, now: () => number): Promise<LocalMetadataLog> {
    const log = await PartitionLog.open(
      `${logDir}/${METADATA_TOPIC}-0`,
      {},
      { fs, now, topicPartition: { topic: METADATA_TOPIC, partition: 0 }, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' },
    );
    return new LocalMetadataLog(log);
  }

  async load(): Promise<MetadataBatch[]> {
    const batches: MetadataBatch[] = [];
    let offset = this.log.logStartOffset;
    const end = this.log.logEndOffset;
    while (offset < end) {
      const r = await this.log.read(offset, 1024 * 1024, { maxOffset: end, minOneBatch: true });
      if (r.kind !== 'data' || r.records.length === 0) break;
      for (const batch of r.records) {
        const records: MetadataRecord[] = [];
        let last = offset - 1;
        for (const rec of readRecords(batch)) {
          last = rec.offset;
          if (rec.offset < offset || !rec.value) continue;
          const decoded = decodeMetadataRecord(rec.value);
          if (decoded) records.push(decoded);
        }
        if (last >= offset) batches.push({ lastOffset: last, records });
        offset = Math.max(offset, last + 1);
      }
    }
    this.log.updateHighWatermark(end);
    return batches;
  }

  async append(records: readonly MetadataRecord[]): Promise<number> {
    const batch = buildBatch(records.map((r) => ({ key: null, value: encodeMetadataRecord(r) })));
    const result = this.log.append(batch, { leaderEpoch: 0, origin: 'coordinator' });
    if (result.kind !== 'appended')
      throw new Error(
        `metadata log refused an append: ${result.kind === 'rejected' ? result.detail : result.kind}`,
      );
    await result.written;
    await this.log.flush();
    this.log.updateHighWatermark(result.lastOffset + 1);
    return result.lastOffset;
  }

  async close(): Promise<void> {
    await this.log.close();
  }
}
