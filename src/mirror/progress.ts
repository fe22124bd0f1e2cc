// Replication progress kept where MirrorMaker 2 keeps it: Kafka Connect's offsets topic on the target
// (`mm2-offsets.<source>.internal`, compacted, 25 partitions by default), one record per source
// partition keyed as Connect keys it, partitioned by the key's murmur2 hash as Connect's producer does.
// A mirror (Samsa's or MirrorMaker's) started against the same clusters continues after the last
// offset written there; nothing is kept on local disk.
import type { Admin, ProducerRecord } from '../client/index.js';
import type { ClientProps, FlowConfig } from './config.js';
import { decodeProgress, encodeProgressKey, encodeProgressValue, SOURCE_CONNECTOR_NAME } from './formats.js';
import { readToEnd } from './log-reader.js';
import type { MirrorLogger } from './logger.js';
import { ensureInternalTopic } from './topics-admin.js';

export const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class ProgressStore {
  constructor(
    private readonly flow: FlowConfig,
    private readonly targetAdmin: Admin,
    private readonly targetConsumer: ClientProps,
    private readonly log: MirrorLogger,
  ) {}

  get topic(): string {
    return this.flow.offsetStorageTopic;
  }

  async ensureTopic(): Promise<void> {
    await ensureInternalTopic(
      this.targetAdmin,
      this.topic,
      this.flow.offsetStorageReplicationFactor,
      this.log,
      this.flow.target,
      this.flow.offsetStoragePartitions,
    );
  }

  /** The next source offset to copy for each source partition with progress (last written + 1). */
  async load(timeoutMs: number): Promise<Map<string, number>> {
    const next = new Map<string, number>();
    await readToEnd(
      this.targetConsumer,
      this.targetAdmin,
      this.topic,
      (r) => {
        const p = decodeProgress(r.key, r.value);
        if (!p || p.key.connector !== SOURCE_CONNECTOR_NAME || p.key.cluster !== this.flow.source) return;
        const k = tpKey(p.key.topic, p.key.partition);
        if (p.offset === null) next.delete(k);
        else next.set(k, p.offset + 1);
      },
      this.log,
      timeoutMs,
    );
    return next;
  }

  /** The record saying `lastWrittenOffset` of a source partition reached the target. */
  record(topic: string, partition: number, lastWrittenOffset: number): ProducerRecord {
    return {
      topic: this.topic,
      key: encodeProgressKey({
        connector: SOURCE_CONNECTOR_NAME,
        cluster: this.flow.source,
        topic,
        partition,
      }),
      value: encodeProgressValue(lastWrittenOffset),
    };
  }
}
