// The metadata log as the controller sees it: an ordered, durable list of record batches. A
// single node keeps it in `__cluster_metadata-0` on its own (raft-io/local-metadata-log.ts); a
// cluster replaces it with the Raft quorum without the controller noticing.
import type { MetadataRecord } from '../../metadata/records.js';

export interface MetadataBatch {
  /** Offset of the batch's last record. */
  lastOffset: number;
  records: MetadataRecord[];
}

export interface MetadataLog {
  /** Every committed batch, oldest first (at start-up). */
  load(): Promise<MetadataBatch[]>;
  /** Appends one batch atomically; resolves with its last offset once committed. */
  append(records: readonly MetadataRecord[]): Promise<number>;
  close(): Promise<void>;
}

/** A metadata log in memory: for tests and for brokers that keep nothing on disk. */
export class MemoryMetadataLog implements MetadataLog {
  private readonly batches: MetadataBatch[] = [];
  private next = 0;

  async load(): Promise<MetadataBatch[]> {
    return [...this.batches];
  }

  async append(records: readonly MetadataRecord[]): Promise<number> {
    this.next += records.length;
    this.batches.push({ lastOffset: this.next - 1, records: [...records] });
    return this.next - 1;
  }

  async close(): Promise<void> {}
}
