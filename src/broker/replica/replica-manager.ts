// The replicas this broker hosts. It follows the metadata image: opens (or creates) the log of every
// partition assigned to this node, deletes the logs of deleted topics, applies topic config changes,
// and wakes parked fetches when a partition's high watermark moves.
import type { TopicConfig } from '../../config/index.js';
import type { MetadataImage, TopicInfo } from '../../metadata/image.js';
import type { LogManager, PartitionLog } from '../../storage/index.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { BrokerTopicStats } from '../metrics/topic-stats.js';
import { toLogConfig } from './log-config.js';
import { Partition } from './partition.js';
import { Purgatory } from './purgatory.js';

/** New partition logs created at once when a topic arrives. */
const LOG_CREATION_CONCURRENCY = 16;

/** Parked fetches at most; beyond that, fetches are answered at once with what they have. */
export const PARKED_FETCHES_MAX = 10_000;

export class ReplicaManager {
  private readonly byKey = new Map<string, Partition>();
  private readonly byTopicId = new Map<string, Partition[]>();
  readonly fetchPurgatory: Purgatory;
  /** BrokerTopicMetrics of the topics hosted here. */
  readonly topicStats = new BrokerTopicStats();
  /** ISR changes of partitions led here (Kafka's IsrShrinksPerSec and IsrExpandsPerSec). */
  isrShrinks = 0;
  isrExpands = 0;

  constructor(
    private readonly logs: LogManager,
    private readonly nodeId: number,
    private readonly topicConfig: (topic: string) => TopicConfig,
    private readonly log: Logger,
    clock: Clock,
  ) {
    this.fetchPurgatory = new Purgatory('fetch', PARKED_FETCHES_MAX, () => clock.now(), clock);
  }

  get partitionCount(): number {
    return this.byKey.size;
  }

  partitions(): IterableIterator<Partition> {
    return this.byKey.values();
  }

  get(topic: string, index: number): Partition | undefined {
    return this.byKey.get(`${topic}-${index}`);
  }

  getById(topicId: string, index: number): Partition | undefined {
    return this.byTopicId.get(topicId)?.[index];
  }

  /**
   * The partition when this broker leads it: what clients may produce to and fetch from. A replica
   * that does not lead answers NOT_LEADER_OR_FOLLOWER (the caller checks `get` for that).
   */
  leader(topic: string, index: number): Partition | undefined {
    const p = this.byKey.get(`${topic}-${index}`);
    return p && p.info.leader === this.nodeId ? p : undefined;
  }

  /** Brings the hosted replicas in line with a new image. */
  async onImage(image: MetadataImage, previous: MetadataImage): Promise<void> {
    for (const [id, old] of previous.topicsById) {
      if (!image.topicsById.has(id)) await this.removeTopic(old);
    }
    for (const topic of image.topicsById.values()) {
      const before = previous.topicsById.get(topic.id);
      if (before !== topic) await this.syncTopic(topic);
    }
    if (image.configs !== previous.configs) this.refreshConfigs(image);
  }

  private async syncTopic(topic: TopicInfo): Promise<void> {
    const config = this.topicConfig(topic.name);
    const hosted = this.byTopicId.get(topic.id) ?? [];
    // New replicas' logs are created several at a time: each costs a few fsyncs, and a topic may bring
    // thousands of partitions.
    const logs = new Map<number, PartitionLog>();
    const missing = topic.partitions.filter(
      (info) => info?.replicas.includes(this.nodeId) && !hosted[info.partition],
    );
    let next = 0;
    const createNext = async (): Promise<void> => {
      while (next < missing.length) {
        const info = missing[next++];
        const tp = { topic: topic.name, partition: info.partition };
        logs.set(
          info.partition,
          this.logs.getLog(tp) ??
            (await this.logs.createLog(tp, { topicId: topic.id, config: toLogConfig(config) })),
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(LOG_CREATION_CONCURRENCY, missing.length) }, createNext));
    for (const info of topic.partitions) {
      if (!info?.replicas.includes(this.nodeId)) continue;
      const existing = hosted[info.partition];
      if (existing) {
        if (existing.info.leaderEpoch !== info.leaderEpoch && info.leader === this.nodeId)
          existing.log.assignEpoch(info.leaderEpoch);
        if (info.leader === this.nodeId && existing.info.leader === this.nodeId) {
          if (info.isr.length < existing.info.isr.length) this.isrShrinks++;
          else if (info.isr.length > existing.info.isr.length) this.isrExpands++;
        }
        existing.info = info;
        continue;
      }
      const log = logs.get(info.partition) as PartitionLog;
      if (info.leader === this.nodeId && log.latestEpoch < info.leaderEpoch)
        log.assignEpoch(info.leaderEpoch);
      const p = new Partition(topic.name, info.partition, topic.id, log, info, config, (q) =>
        this.fetchPurgatory.wake(q.key),
      );
      p.stats = this.topicStats.forTopic(topic.name);
      p.onSegmentRolled = (q, baseOffset) =>
        this.log.info('segment rolled', { topic: q.topic, partition: q.index, baseOffset });
      // A leader alone in its ISR has replicated everything it holds: after a restart its high
      // watermark (checkpointed only now and then) catches up with its log at once.
      if (info.leader === this.nodeId && info.isr.length === 1) log.updateHighWatermark(log.writtenEndOffset);
      hosted[info.partition] = p;
      this.byKey.set(p.key, p);
    }
    this.byTopicId.set(topic.id, hosted);
  }

  private async removeTopic(topic: TopicInfo): Promise<void> {
    for (const p of this.byTopicId.get(topic.id) ?? []) {
      if (!p) continue;
      this.byKey.delete(p.key);
      this.fetchPurgatory.wake(p.key);
      await this.logs.deleteLog({ topic: p.topic, partition: p.index });
    }
    this.byTopicId.delete(topic.id);
    this.topicStats.remove(topic.name);
    this.log.debug('deleted topic logs', { topic: topic.name });
  }

  private refreshConfigs(image: MetadataImage): void {
    for (const topic of image.topicsById.values()) {
      const hosted = this.byTopicId.get(topic.id);
      if (!hosted) continue;
      const config = this.topicConfig(topic.name);
      this.logs.updateTopicConfig(topic.name, toLogConfig(config));
      for (const p of hosted) if (p) p.config = config;
    }
  }

  async close(): Promise<void> {
    this.fetchPurgatory.expireAll();
    await this.logs.close();
  }
}
