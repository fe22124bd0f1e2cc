// One replication flow A->B: the clients of both clusters and the jobs MirrorMaker runs for it —
// heartbeats (always, unless turned off), and when `A->B.enabled`: the offset-syncs and offsets topics,
// the remote topics, the replicator, topic refresh, config and ACL sync, checkpoints and group offset
// sync. The replicator restarts after a failure from the positions the target acknowledged; the flow
// itself retries its start until both clusters answer.
import { Admin, Consumer, Producer } from '../client/index.js';
import type { Histogram } from '../metrics/index.js';
import { Checkpointer } from './checkpoints.js';
import type { ClientProps, FlowConfig } from './config.js';
import { createDelivery, type Delivery } from './delivery.js';
import { encodeOffsetSync } from './formats.js';
import { HeartbeatEmitter } from './heartbeats.js';
import { describeError, type MirrorLogger } from './logger.js';
import { type FlowMetricsView, latencyHistogram } from './metrics.js';
import { OffsetSyncWriter } from './offset-syncs.js';
import { ProgressStore } from './progress.js';
import { type ReplicatedPartition, Replicator } from './replicator.js';
import { Repeating } from './schedule.js';
import { TopicSync } from './topic-sync.js';
import { ensureInternalTopic } from './topics-admin.js';

/** Wait before restarting a failed replicator or retrying a failed start. */
const RESTART_BACKOFF_MS = 5_000;
/** How long a clean stop waits for records in flight. */
const STOP_FLUSH_MS = 10_000;

export type ClientFilter = (props: ClientProps, kind: 'producer' | 'consumer' | 'admin') => ClientProps;

export type FlowState = 'starting' | 'running' | 'restarting' | 'stopped';

export interface PartitionStatus {
  topic: string;
  partition: number;
  remoteTopic: string;
  /** Next source offset to copy (everything before it is on the target). */
  mirroredOffset: number | null;
  /** End of the source partition, as last seen. */
  endOffset: number | null;
  lagRecords: number | null;
  /** Age of the oldest record not yet on the target; 0 when caught up. */
  lagMs: number | null;
  /** Latency of the last record copied (record timestamp to acknowledgement). */
  replicationLatencyMs: number | null;
  records: number;
}

export interface FlowStatus {
  source: string;
  target: string;
  enabled: boolean;
  state: FlowState;
  error: string | null;
  topics: number;
  partitions: PartitionStatus[];
  latencyMs: { p50: number; p99: number; max: number } | null;
  lastHeartbeatMs: number | null;
  groups: string[];
  checkpoints: number;
}

export class Flow {
  private readonly log: MirrorLogger;
  private readonly closers: (() => Promise<void>)[] = [];
  private readonly jobs: Repeating[] = [];
  private sourceAdmin!: Admin;
  private targetAdmin!: Admin;
  private targetProducer!: Producer;
  private delivery!: Delivery;
  private progress!: ProgressStore;
  private syncs: OffsetSyncWriter | null = null;
  private topicSync!: TopicSync;
  private replicator: Replicator | null = null;
  private heartbeats: HeartbeatEmitter | null = null;
  private checkpointer: Checkpointer | null = null;
  private partitions: ReplicatedPartition[] = [];
  private startNext = new Map<string, number>();
  private restartTimer: NodeJS.Timeout | null = null;
  readonly latency: Histogram = latencyHistogram();
  state: FlowState = 'starting';
  lastError: string | null = null;
  private stopping = false;

  constructor(
    readonly config: FlowConfig,
    log: MirrorLogger,
    private readonly filter: ClientFilter = (p) => p,
  ) {
    this.log = log.child(`${config.source}->${config.target}`);
  }

  get name(): string {
    return `${this.config.source}->${this.config.target}`;
  }

  private admin(props: ClientProps): Admin {
    const a = new Admin(this.filter(props, 'admin'));
    this.closers.push(() => a.close());
    return a;
  }

  private producer(props: ClientProps): Producer {
    const p = new Producer(this.filter(props, 'producer'));
    this.closers.push(() => p.close({ timeoutMs: STOP_FLUSH_MS }));
    return p;
  }

  /** Starts everything; rejects when a part cannot start (the caller retries). */
  async start(): Promise<void> {
    const { config: c } = this;
    this.sourceAdmin = this.admin(c.clients.sourceAdmin);
    this.targetAdmin = this.admin(c.clients.targetAdmin);
    this.targetProducer = this.producer(c.clients.targetProducer);
    if (c.emitHeartbeatsIntervalMs !== null) {
      this.heartbeats = new HeartbeatEmitter(c, this.targetAdmin, this.targetProducer, this.log);
      await this.heartbeats.start();
      const hb = this.heartbeats;
      this.jobs.push(
        new Repeating('emitting heartbeats', c.emitHeartbeatsIntervalMs, () => hb.beat(), this.log).start(),
      );
    }
    if (c.enabled) await this.startReplication();
    this.state = 'running';
  }

  private async startReplication(): Promise<void> {
    const { config: c } = this;
    const delivery = createDelivery(this.targetProducer, c.exactlyOnce);
    if ('error' in delivery) throw new Error(delivery.error);
    this.delivery = delivery;
    const syncsAdmin = c.offsetSyncsTopicLocation === 'source' ? this.sourceAdmin : this.targetAdmin;
    const syncsAlias = c.offsetSyncsTopicLocation === 'source' ? c.source : c.target;
    if (c.emitOffsetSyncs) {
      await ensureInternalTopic(
        syncsAdmin,
        c.offsetSyncsTopic,
        c.offsetSyncsTopicReplicationFactor,
        this.log,
        syncsAlias,
      );
      const syncsProducer = this.producer(c.clients.offsetSyncsProducer);
      this.syncs = new OffsetSyncWriter(
        c.offsetLagMax,
        async (s) => {
          const { key, value } = encodeOffsetSync(s);
          await syncsProducer.send({ topic: c.offsetSyncsTopic, partition: 0, key, value });
        },
        (err) => this.log.error(`Failure sending offset sync: ${describeError(err)}`),
      );
    }
    this.progress = new ProgressStore(
      c,
      this.targetAdmin,
      this.filter(c.clients.targetConsumer, 'consumer'),
      this.log,
    );
    await this.progress.ensureTopic();
    this.startNext = await this.progress.load(c.adminTimeoutMs);
    this.topicSync = new TopicSync(c, this.sourceAdmin, this.targetAdmin, this.log);
    this.partitions = await this.topicSync.refresh();
    this.startReplicator(this.startNext);
    this.log.info(`Started replicating ${this.partitions.length} topic-partitions ${this.name}.`);
    const ts = this.topicSync;
    if (c.refreshTopicsIntervalMs !== null)
      this.jobs.push(
        new Repeating(
          'refreshing topics',
          c.refreshTopicsIntervalMs,
          () => this.refreshTopics(),
          this.log,
        ).start({ delayed: true }),
      );
    if (c.syncTopicConfigsIntervalMs !== null)
      this.jobs.push(
        new Repeating(
          'syncing topic configs',
          c.syncTopicConfigsIntervalMs,
          () => ts.syncConfigs(),
          this.log,
        ).start(),
      );
    if (c.syncTopicAclsIntervalMs !== null)
      this.jobs.push(
        new Repeating('syncing topic ACLs', c.syncTopicAclsIntervalMs, () => ts.syncAcls(), this.log).start(),
      );
    if (c.emitCheckpointsIntervalMs !== null)
      await this.startCheckpoints(
        syncsAdmin === this.sourceAdmin ? this.admin(c.clients.offsetSyncsAdmin) : this.targetAdmin,
      );
  }

  private async startCheckpoints(syncsAdmin: Admin): Promise<void> {
    const { config: c } = this;
    const cp = new Checkpointer(
      c,
      this.sourceAdmin,
      this.targetAdmin,
      syncsAdmin,
      this.targetProducer,
      this.log,
    );
    this.checkpointer = cp;
    this.closers.unshift(() => cp.stop());
    await cp.start();
    this.jobs.push(
      new Repeating(
        'emitting checkpoints',
        c.emitCheckpointsIntervalMs as number,
        () => cp.emit(),
        this.log,
      ).start(),
    );
    if (c.refreshGroupsIntervalMs !== null)
      this.jobs.push(
        new Repeating(
          'refreshing groups',
          c.refreshGroupsIntervalMs,
          () => cp.refreshGroups(),
          this.log,
        ).start({ delayed: true }),
      );
    if (c.syncGroupOffsetsIntervalMs !== null)
      this.jobs.push(
        new Repeating(
          'syncing group offsets',
          c.syncGroupOffsetsIntervalMs,
          () => cp.syncGroupOffsets(),
          this.log,
        ).start({ delayed: true }),
      );
  }

  private startReplicator(next: ReadonlyMap<string, number>): void {
    const { config: c } = this;
    const consumer = new Consumer(this.filter(c.clients.sourceConsumer, 'consumer') as never);
    const producerMemory = Number(c.clients.targetProducer['buffer.memory'] ?? 33_554_432);
    const r = new Replicator({
      consumer,
      delivery: this.delivery,
      progress: this.progress,
      syncs: this.syncs,
      inFlightBytesMax: Number.isFinite(producerMemory) ? producerMemory : 33_554_432,
      flushIntervalMs: c.offsetFlushIntervalMs,
      latency: this.latency,
      log: this.log,
      onFailure: (err) => this.onReplicatorFailure(r, err),
    });
    this.replicator = r;
    r.assign(this.partitions, next);
    r.start();
  }

  private onReplicatorFailure(r: Replicator, err: unknown): void {
    if (this.stopping || this.replicator !== r) return;
    this.lastError = describeError(err);
    this.state = 'restarting';
    this.log.error(
      `Replication ${this.name} failed: ${this.lastError}; restarting in ${RESTART_BACKOFF_MS} ms`,
    );
    const resume = new Map([...this.startNext, ...r.resumePoints()]);
    r.stop(0).finally(() => {
      if (this.stopping) return;
      this.restartTimer = setTimeout(() => {
        this.restartTimer = null;
        if (this.stopping) return;
        this.startNext = resume;
        this.refreshTopics()
          .catch(() => {})
          .finally(() => {
            if (this.stopping || this.replicator !== r) return;
            this.startReplicator(resume);
            this.state = 'running';
          });
      }, RESTART_BACKOFF_MS);
    });
  }

  /** Finds new topics and partitions (creating them on the target) and copies them too. */
  async refreshTopics(): Promise<void> {
    const found = await this.topicSync.refresh();
    const key = (l: ReplicatedPartition[]) => l.map((p) => `${p.topic}/${p.partition}`).join(',');
    if (key(found) === key(this.partitions)) return;
    this.log.info(`Replicating ${found.length} topic-partitions (was ${this.partitions.length}).`);
    this.partitions = found;
    if (this.replicator && !this.replicator.failure) this.replicator.assign(found, this.startNext);
  }

  /** Runs the repeating jobs now (tests; `samsa mirror` on demand). */
  async syncNow(): Promise<void> {
    await Promise.all(this.jobs.map((j) => j.now()));
  }

  status(nowMs = Date.now()): FlowStatus {
    const parts: PartitionStatus[] = [];
    const r = this.replicator;
    for (const pc of r?.partitions.values() ?? []) {
      const lag = r ? r.lagRecords(pc) : null;
      const oldest = pc.oldestInFlightAgeMs(nowMs);
      const last = pc.metrics.latency.last;
      parts.push({
        topic: pc.topic,
        partition: pc.partition,
        remoteTopic: pc.remoteTopic,
        mirroredOffset: r ? r.mirroredNext(pc) : null,
        endOffset: r ? r.endOffset(pc) : null,
        lagRecords: lag,
        lagMs: lag === 0 ? 0 : (oldest ?? (Number.isNaN(last) ? null : last)),
        replicationLatencyMs: Number.isNaN(last) ? null : last,
        records: pc.metrics.recordCount,
      });
    }
    const q = this.latency.count > 0 ? this.latency.quantiles([0.5, 0.99, 1], nowMs) : null;
    return {
      source: this.config.source,
      target: this.config.target,
      enabled: this.config.enabled,
      state: this.state,
      error: this.lastError,
      topics: this.topicSync?.topics.size ?? 0,
      partitions: parts,
      latencyMs: q ? { p50: q[0], p99: q[1], max: q[2] } : null,
      lastHeartbeatMs: this.heartbeats && this.heartbeats.lastSentMs >= 0 ? this.heartbeats.lastSentMs : null,
      groups: this.checkpointer?.groups ?? [],
      checkpoints: [...(this.checkpointer?.checkpoints.values() ?? [])].reduce((a, m) => a + m.size, 0),
    };
  }

  metricsView(): FlowMetricsView {
    const r = this.replicator;
    const parts = [...(r?.partitions.values() ?? [])].map((pc) => ({
      metrics: pc.metrics,
      lagRecords: r ? r.lagRecords(pc) : null,
    }));
    return {
      source: this.config.source,
      target: this.config.target,
      consumerClientId: this.config.clients.sourceConsumer['client.id'] ?? '',
      partitions: parts,
      checkpoints: this.checkpointer?.metrics.values() ?? [],
    };
  }

  /** Stops the jobs, lets the records in flight land, writes the progress, closes the clients. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await Promise.all(this.jobs.map((j) => j.stop()));
    await this.replicator?.stop(STOP_FLUSH_MS);
    for (const close of this.closers) await close().catch(() => {});
    this.state = 'stopped';
  }
}
