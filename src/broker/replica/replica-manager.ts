// The replicas this broker hosts. It follows the metadata image: opens (or creates) the log of every
// partition assigned to this node and makes it leader or follower as the image says (followers are
// handed to the replica fetchers), deletes the logs of deleted topics and of replicas moved away,
// applies topic config changes, checks the ISRs of the partitions it leads, and wakes parked fetches
// and produces when a partition's log or high watermark moves.
import type { TopicConfig } from '../../config/index.js';
import { EMPTY_IMAGE, type MetadataImage, type PartitionInfo, type TopicInfo } from '../../metadata/image.js';
import type { LogManager, PartitionLog } from '../../storage/index.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../logger.js';
import { BrokerTopicStats } from '../metrics/topic-stats.js';
import { type AlterOutcome, AlterPartitionManager } from './alter-partition-manager.js';
import { ReplicaFetcherManager } from './fetcher-manager.js';
import { maybeShrinkIsr } from './isr-changes.js';
import type { ProposedIsr } from './isr-state.js';
import type { BrokerView } from './leader-state.js';
import type { BrokerLinks, ControllerLink } from './links.js';
import { toLogConfig } from './log-config.js';
import { LogDirMover } from './log-dir-mover.js';
import { LogDirs } from './log-dirs.js';
import { Partition, type ReplicaHost } from './partition.js';
import { Purgatory } from './purgatory.js';
import { preferredReadReplica, type RackView, type ReplicaSelector } from './read-replica-selector.js';
import { listsReplica, ReplicationQuota, UNTHROTTLED } from './replication-quota.js';

/** New partition logs created at once when a topic arrives. */
const LOG_CREATION_CONCURRENCY = 16;

/** Parked fetches at most; beyond that, fetches are answered at once with what they have. */
export const PARKED_FETCHES_MAX = 10_000;
/** acks=all produces (and coordinator writes) waiting at most; beyond that they time out at once. */
export const PARKED_PRODUCES_MAX = 100_000;

/** Kafka's replication settings (server configs of the same names). */
export interface ReplicationSettings {
  /** replica.lag.time.max.ms */
  replicaLagTimeMaxMs: number;
  /** replica.fetch.max.bytes */
  fetchMaxBytes: number;
  /** replica.fetch.wait.max.ms */
  fetchWaitMaxMs: number;
  /** replica.fetch.min.bytes */
  fetchMinBytes: number;
  /** replica.fetch.response.max.bytes */
  fetchResponseMaxBytes: number;
  /** replica.fetch.backoff.ms */
  fetchBackoffMs: number;
  /** replica.socket.timeout.ms */
  socketTimeoutMs: number;
  /** num.replica.fetchers */
  numFetchers: number;
  /** offsets.commit.timeout.ms: how long a coordinator's write may wait for its replicas. */
  internalWriteTimeoutMs: number;
  /** replica.alter.log.dirs.io.max.bytes.per.second: copying between log dirs. */
  alterLogDirsBytesPerSecondMax: number;
  /** replica.selector.class, as the selector it names (KIP-392). */
  replicaSelector: ReplicaSelector;
  /** replication.quota.window.num and replication.quota.window.size.seconds (in ms). */
  quotaWindows: number;
  quotaWindowMs: number;
}

export const DEFAULT_REPLICATION: ReplicationSettings = {
  replicaLagTimeMaxMs: 30_000,
  fetchMaxBytes: 1_048_576,
  fetchWaitMaxMs: 500,
  fetchMinBytes: 1,
  fetchResponseMaxBytes: 10_485_760,
  fetchBackoffMs: 1000,
  socketTimeoutMs: 30_000,
  numFetchers: 1,
  internalWriteTimeoutMs: 5000,
  alterLogDirsBytesPerSecondMax: Number.MAX_SAFE_INTEGER,
  replicaSelector: null,
  quotaWindows: 11,
  quotaWindowMs: 1000,
};

export interface ReplicaManagerOptions {
  /** The broker's log dirs (or its one log dir's manager). */
  logs: LogManager | LogDirs;
  nodeId: number;
  topicConfig: (topic: string) => TopicConfig;
  log: Logger;
  clock: Clock;
  replication?: Partial<ReplicationSettings>;
  /** Requests to other brokers (the replica fetchers); absent on a node that has no followers. */
  links?: BrokerLinks;
  /** Requests to the active controller (AlterPartition); absent on a standalone node. */
  controller?: ControllerLink;
  /** leader/follower.replication.throttled.rate, read when used (dynamic broker configs). */
  throttleRates?: () => { leader: number; follower: number };
  /** Whether this broker may act as a leader now (node-replication.ts StallGuard); default always. */
  leadGuard?: { mayLead(): boolean; close?(): void };
}

const NO_LINKS: BrokerLinks = {
  send: async () => ({ kind: 'failed', reason: 'no inter-broker connections on this node' }),
};
const NO_CONTROLLER: ControllerLink = {
  send: async () => ({ kind: 'failed', reason: 'no controller to send to' }),
};

export class ReplicaManager {
  private readonly byKey = new Map<string, Partition>();
  private readonly byTopicId = new Map<string, Partition[]>();
  readonly fetchPurgatory: Purgatory;
  /** acks=all produces waiting for their replicas. */
  readonly producePurgatory: Purgatory;
  /** BrokerTopicMetrics of the topics hosted here. */
  readonly topicStats = new BrokerTopicStats();
  /** ISR changes of partitions led here (Kafka's IsrShrinksPerSec and IsrExpandsPerSec). */
  isrShrinks = 0;
  isrExpands = 0;
  /** ISR changes refused by the controller or failed (Kafka's FailedIsrUpdatesPerSec). */
  failedIsrUpdates = 0;
  readonly settings: ReplicationSettings;
  readonly fetchers: ReplicaFetcherManager;
  readonly alterPartitions: AlterPartitionManager;
  /** Replicas moving between this broker's log dirs (AlterReplicaLogDirs). */
  readonly mover: LogDirMover;
  /** Replication throttles: what leaders here send, what followers here fetch, for throttled replicas. */
  readonly leaderQuota: ReplicationQuota;
  readonly followerQuota: ReplicationQuota;
  private image: MetadataImage = EMPTY_IMAGE;
  private readonly host: ReplicaHost;
  private isrTimer: TimerHandle | null = null;
  private closed = false;
  readonly logs: LogDirs;
  private readonly nodeId: number;
  private readonly topicConfig: (topic: string) => TopicConfig;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly links: BrokerLinks;
  private readonly leadGuard: { mayLead(): boolean; close?(): void } | null;

  constructor(options: ReplicaManagerOptions) {
    this.logs = options.logs instanceof LogDirs ? options.logs : LogDirs.single(options.logs);
    this.nodeId = options.nodeId;
    this.topicConfig = options.topicConfig;
    this.log = options.log;
    this.clock = options.clock;
    this.links = options.links ?? NO_LINKS;
    this.leadGuard = options.leadGuard ?? null;
    const clock = options.clock;
    this.settings = { ...DEFAULT_REPLICATION, ...options.replication };
    this.fetchPurgatory = new Purgatory('fetch', PARKED_FETCHES_MAX, () => clock.now(), clock);
    this.producePurgatory = new Purgatory('produce', PARKED_PRODUCES_MAX, () => clock.now(), clock);
    const epoch = () => this.image.brokers.get(this.nodeId)?.epoch ?? -1;
    const rates = options.throttleRates ?? (() => ({ leader: UNTHROTTLED, follower: UNTHROTTLED }));
    const now = () => clock.now();
    const { quotaWindows, quotaWindowMs } = this.settings;
    this.leaderQuota = new ReplicationQuota(() => rates().leader, now, quotaWindows, quotaWindowMs);
    this.followerQuota = new ReplicationQuota(() => rates().follower, now, quotaWindows, quotaWindowMs);
    this.alterPartitions = new AlterPartitionManager(
      options.controller ?? NO_CONTROLLER,
      this.nodeId,
      epoch,
      clock,
      this.log.child('alter-partition'),
    );
    const followerQuota = this.followerQuota;
    const nodeId = this.nodeId;
    this.fetchers = new ReplicaFetcherManager(
      {
        ...this.settings,
        nodeId: this.nodeId,
        brokerEpoch: epoch,
        throttle: {
          listed: (p) =>
            followerQuota.enabled &&
            !p.info.isr.includes(nodeId) &&
            listsReplica(p.config.followerReplicationThrottledReplicas, p.index, nodeId),
          exceeded: () => followerQuota.isExceeded(),
          record: (bytes) => followerQuota.record(bytes),
        },
      },
      this.links,
      clock,
      this.log.child('replica-fetcher'),
    );
    this.mover = new LogDirMover(
      this.logs,
      this.logs.dirs[0].manager.fs,
      clock,
      this.log,
      () => this.settings.alterLogDirsBytesPerSecondMax,
    );
    this.host = this.makeHost();
    this.scheduleIsrCheck();
  }

  private makeHost(): ReplicaHost {
    const brokers: BrokerView = {
      aliveEpoch: (id) => {
        const b = this.image.brokers.get(id);
        return b && !b.fenced ? b.epoch : undefined;
      },
      isIsrEligible: (id) => {
        const b = this.image.brokers.get(id);
        return b !== undefined && !b.fenced && !b.inControlledShutdown;
      },
    };
    return {
      nodeId: this.nodeId,
      now: () => this.clock.now(),
      replicaLagTimeMaxMs: this.settings.replicaLagTimeMaxMs,
      internalWriteTimeoutMs: this.settings.internalWriteTimeoutMs,
      brokers,
      localBrokerEpoch: () => this.image.brokers.get(this.nodeId)?.epoch ?? -1,
      mayLead: () => this.leadGuard?.mayLead() ?? true,
      submitIsr: (p: Partition, proposed: ProposedIsr): Promise<AlterOutcome> =>
        this.alterPartitions.submit(p.topicId, p.index, proposed),
      producePurgatory: this.producePurgatory,
      onHighWatermark: (p) => {
        this.fetchPurgatory.wake(p.key);
        this.producePurgatory.wake(p.key);
      },
      onAppend: (p) => this.fetchPurgatory.wake(p.key),
      leaderQuota: this.leaderQuota,
      onIsrChanged: (_p, change) => {
        if (change === 'shrink') this.isrShrinks++;
        else if (change === 'expand') this.isrExpands++;
        else this.failedIsrUpdates++;
      },
      log: this.log,
    };
  }

  /** The replica a consumer in `clientRack` should fetch `p` from instead of this leader, or -1. */
  preferredReadReplica(p: Partition, clientRack: string, fetchOffset: number): number {
    const racks: RackView = {
      rackOf: (id) => {
        const b = this.image.brokers.get(id);
        return b && !b.fenced ? b.rack : undefined;
      },
    };
    return preferredReadReplica(
      p,
      this.settings.replicaSelector,
      clientRack,
      fetchOffset,
      racks,
      this.clock.now(),
    );
  }

  get partitionCount(): number {
    return this.byKey.size;
  }

  /** Partitions led here. */
  get leaderCount(): number {
    let n = 0;
    for (const p of this.byKey.values()) if (p.isLeader) n++;
    return n;
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
   * The partition when this replica leads it (as its own state says: it may lead before a metadata
   * change reaches every listener, and stops leading the moment it follows): what clients produce to.
   */
  leader(topic: string, index: number): Partition | undefined {
    const p = this.byKey.get(`${topic}-${index}`);
    return p?.isLeader ? p : undefined;
  }

  /** Brings the hosted replicas in line with a new image. */
  async onImage(image: MetadataImage, previous: MetadataImage): Promise<void> {
    this.image = image;
    for (const [id, old] of previous.topicsById) {
      if (!image.topicsById.has(id)) await this.removeTopic(old);
    }
    for (const topic of image.topicsById.values()) {
      const before = previous.topicsById.get(topic.id);
      if (before !== topic || !this.byTopicId.has(topic.id)) await this.syncTopic(topic);
    }
    if (image.configs !== previous.configs) this.refreshConfigs(image);
  }

  private async syncTopic(topic: TopicInfo): Promise<void> {
    let hosted = this.byTopicId.get(topic.id);
    const config = this.topicConfig(topic.name);
    // New replicas' partitions are opened several at a time: each log costs a few fsyncs, and a topic
    // may bring thousands of partitions.
    const opened = new Map<number, Partition | null>();
    const missing = topic.partitions.filter(
      (info) => info?.replicas.includes(this.nodeId) && !hosted?.[info.partition],
    );
    let next = 0;
    const openNext = async (): Promise<void> => {
      while (next < missing.length) {
        const info = missing[next++];
        opened.set(info.partition, await this.openPartition(topic, info, config));
      }
    };
    await Promise.all(Array.from({ length: Math.min(LOG_CREATION_CONCURRENCY, missing.length) }, openNext));
    for (const info of topic.partitions) {
      if (!info) continue;
      const existing = hosted?.[info.partition];
      if (!info.replicas.includes(this.nodeId)) {
        if (existing) await this.removeReplica(existing);
        continue;
      }
      if (existing) {
        if (existing.info !== info) this.applyInfo(existing, info);
        continue;
      }
      const p = opened.get(info.partition);
      if (!p) continue;
      hosted = this.byTopicId.get(topic.id) ?? [];
      hosted[info.partition] = p;
      this.byTopicId.set(topic.id, hosted);
      this.byKey.set(p.key, p);
      this.applyInfo(p, info);
    }
  }

  private applyInfo(p: Partition, info: PartitionInfo): void {
    if (info.leader === this.nodeId) this.fetchers.unfollow(p);
    const { follow } = p.applyInfo(info);
    if (p.isLeader) return;
    if (info.leader < 0 || !this.image.brokers.has(info.leader)) this.fetchers.unfollow(p);
    else if (follow || !this.fetchers.isFollowing(p)) this.fetchers.follow(p);
  }

  private async openPartition(
    topic: TopicInfo,
    info: PartitionInfo,
    config: TopicConfig,
  ): Promise<Partition | null> {
    const tp = { topic: topic.name, partition: info.partition };
    let log: PartitionLog;
    try {
      log = await this.logs.create(tp, { topicId: topic.id, config: toLogConfig(config) });
    } catch (err) {
      this.log.error('could not open a partition log', { ...tp, err: String(err) });
      return null;
    }
    const p = new Partition(topic.name, info.partition, topic.id, log, info, config, this.host);
    p.stats = this.topicStats.forTopic(topic.name);
    p.onSegmentRolled = (q, baseOffset) =>
      this.log.info('segment rolled', { topic: q.topic, partition: q.index, baseOffset });
    return p;
  }

  /** This broker is no longer a replica of `p` (a reassignment moved it away): stop and delete it. */
  private async removeReplica(p: Partition): Promise<void> {
    this.fetchers.unfollow(p);
    this.mover.cancel(p);
    p.detach();
    this.byKey.delete(p.key);
    const hosted = this.byTopicId.get(p.topicId);
    if (hosted) delete hosted[p.index];
    this.fetchPurgatory.wake(p.key);
    await this.logs.delete({ topic: p.topic, partition: p.index });
    this.log.info('replica removed', { topic: p.topic, partition: p.index });
  }

  private async removeTopic(topic: TopicInfo): Promise<void> {
    for (const p of this.byTopicId.get(topic.id) ?? []) {
      if (!p) continue;
      this.fetchers.unfollow(p);
      this.mover.cancel(p);
      p.detach();
      this.byKey.delete(p.key);
      this.fetchPurgatory.wake(p.key);
      await this.logs.delete({ topic: p.topic, partition: p.index });
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

  /** Kafka checks the ISRs every replica.lag.time.max.ms / 2. */
  private scheduleIsrCheck(): void {
    const every = Math.max(1, Math.floor(this.settings.replicaLagTimeMaxMs / 2));
    this.isrTimer = this.clock.setTimer(every, () => {
      if (this.closed) return;
      for (const p of this.byKey.values()) if (p.isLeader) maybeShrinkIsr(p);
      this.scheduleIsrCheck();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.isrTimer?.cancel();
    this.leadGuard?.close?.();
    this.alterPartitions.close();
    this.mover.close();
    await this.fetchers.close();
    this.links.close?.();
    this.fetchPurgatory.expireAll();
    this.producePurgatory.expireAll();
    await this.logs.close();
  }
}
