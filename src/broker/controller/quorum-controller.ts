// The active controller (KRaft's QuorumController) on a node with the controller role. It is active
// while this node leads the metadata quorum and has applied everything committed before its own
// LeaderChange entry. Operations run one at a time: each computes its records against the current
// image (the pure functions of src/metadata), proposes them as one batch, and completes once the batch
// is committed and applied here — so the next operation sees its effect. Brokers' heartbeat sessions
// live only in memory (a new active controller gives every broker a fresh session, as Kafka does); a
// timer fences brokers whose session expired, and another moves leaders back to preferred replicas
// (auto.leader.rebalance.enable).
import { randomBytes } from 'node:crypto';
import {
  type AlterPartitionInput,
  type AlterPartitionOutcome,
  alterPartition,
} from '../../metadata/alter-partition.js';
import {
  type BrokerControlState,
  brokerHeartbeat,
  fenceBroker,
  type HeartbeatReply,
  type HeartbeatRequest,
  type Registration,
  type RegistrationRequest,
  registerBroker,
  unregisterBroker,
} from '../../metadata/brokers.js';
import {
  allocateProducerIds,
  type ControllerContext,
  type CreatableTopic,
  type CreatedTopic,
  createPartitions,
  createTopics,
  type DeletedTopic,
  deleteTopics,
  type ItemError,
  type Outcome,
  type PartitionCharge,
  type PartitionIncrease,
  type TopicRef,
} from '../../metadata/controller.js';
import { type ElectLeadersOutcome, electLeaders, rebalanceLeaders } from '../../metadata/elect-leaders.js';
import { METADATA_VERSION, SUPPORTED_FEATURES } from '../../metadata/features.js';
import { type MetadataImage, replay } from '../../metadata/image.js';
import { encodeMetadataRecord, type MetadataRecord, record } from '../../metadata/records.js';
import type { Status } from '../../raft/index.js';
import type { Logger } from '../logger.js';
import type { RaftDriver } from '../raft-io/raft-driver.js';
import type { MetadataPublisher } from './metadata-publisher.js';

export interface QuorumControllerSettings {
  clusterId: string;
  numPartitions: number;
  defaultReplicationFactor: number;
  deleteTopicEnable: boolean;
  validateTopicConfigs: (configs: ReadonlyMap<string, string>) => string | null;
  /** unclean.leader.election.enable of a topic (its override, else the broker default). */
  uncleanLeaderElection: (topic: string) => boolean;
  /** broker.session.timeout.ms; 0 turns fencing by session off (a standalone node). */
  brokerSessionTimeoutMs: number;
  autoLeaderRebalanceEnable: boolean;
  leaderImbalanceCheckIntervalMs: number;
  /** Bootstrap feature levels for a new cluster (from the format step), name → level. */
  bootstrapFeatures: ReadonlyMap<string, number>;
  /** Further records a new cluster starts with (kafka-storage.sh format --add-scram). */
  bootstrapRecords?: readonly MetadataRecord[];
  /** Time and periodic timers (default: the wall clock and unref'd intervals; the simulator steps them). */
  clock?: ControllerClock;
  /** Randomness for placement (default Math.random; the simulator seeds it). */
  randomInt?: (bound: number) => number;
  /** New topic ids (default: random bytes; the simulator seeds them). */
  randomUuid?: () => string;
}

export interface ControllerClock {
  now(): number;
  /** Calls `fn` every `ms`; returns how to stop. */
  every(ms: number, fn: () => void): () => void;
}

const wallClock: ControllerClock = {
  now: () => Date.now(),
  every(ms, fn) {
    const t = setInterval(fn, ms);
    t.unref();
    return () => clearInterval(t);
  },
};

/** Why an operation did not run: this node is not (or no longer) the active controller. */
export class NotController {
  constructor(
    readonly leaderId: number,
    readonly detail: string,
  ) {}
}

/** A topic id: 16 random bytes, never all zero, never one whose text starts with '-' (as Kafka). */
export function randomTopicId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-') && id !== 'AAAAAAAAAAAAAAAAAAAAAA' && id !== 'AAAAAAAAAAAAAAAAAAAAAQ') return id;
  }
}

const mathRandomInt = (bound: number) => Math.floor(Math.random() * bound);
const REBALANCE_PARTITIONS_MAX = 1000;
/** How often the active controller looks for brokers whose session expired (at most). */
const FENCE_CHECK_INTERVAL_MS = 100;

export class QuorumController {
  private chain: Promise<unknown> = Promise.resolve();
  /** Epoch in which this node became the active controller; -1 when it is not. */
  private activeEpoch = -1;
  private readonly sessions = new Map<number, number>();
  private timers: (() => void)[] = [];
  private readonly clock: ControllerClock;
  private closed = false;
  private readonly activeListeners: ((active: boolean) => void)[] = [];

  constructor(
    private readonly nodeId: number,
    private readonly driver: RaftDriver,
    private readonly publisher: MetadataPublisher,
    private readonly settings: QuorumControllerSettings,
    private readonly log: Logger,
  ) {
    this.clock = settings.clock ?? wallClock;
    publisher.onLeaderChange((leaderId, epoch) => {
      if (leaderId === this.nodeId && epoch === this.driver.status().epoch) this.activate(epoch);
    });
    driver.onStatusChange((s) => this.onStatus(s));
  }

  get isActive(): boolean {
    const s = this.driver.status();
    return this.activeEpoch >= 0 && s.role === 'leader' && s.epoch === this.activeEpoch;
  }

  /** The active controller as the quorum knows it (-1 when there is none). */
  get leaderId(): number {
    return this.driver.status().leaderId;
  }

  onActiveChange(listener: (active: boolean) => void): void {
    this.activeListeners.push(listener);
  }

  /** Resolves true once this node is the active controller, false after `timeoutMs`. */
  whenActive(timeoutMs: number): Promise<boolean> {
    if (this.isActive) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
      this.activeListeners.push((active) => {
        if (!active) return;
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private activate(epoch: number): void {
    if (this.closed || this.activeEpoch === epoch) return;
    this.activeEpoch = epoch;
    const now = this.clock.now();
    // Every broker starts a fresh session with a new controller.
    this.sessions.clear();
    for (const id of this.publisher.latest.brokers.keys()) this.sessions.set(id, now);
    this.log.debug('active controller', { epoch });
    this.startTimers();
    if (!this.publisher.latest.features.has(METADATA_VERSION)) void this.bootstrap();
    for (const l of this.activeListeners) l(true);
  }

  private onStatus(s: Status): void {
    if (this.activeEpoch >= 0 && (s.role !== 'leader' || s.epoch !== this.activeEpoch)) {
      this.activeEpoch = -1;
      this.stopTimers();
      this.log.info('no longer the active controller', { epoch: s.epoch, leader: s.leaderId });
      for (const l of this.activeListeners) l(false);
    }
  }

  /** A new cluster's first records: the finalized feature levels, then the format step's others. */
  private async bootstrap(): Promise<void> {
    const records: MetadataRecord[] = [];
    for (const f of SUPPORTED_FEATURES) {
      const level = this.settings.bootstrapFeatures.get(f.name) ?? f.defaultLevel;
      if (level > 0 || f.name === METADATA_VERSION)
        records.push(record('FeatureLevel', { name: f.name, featureLevel: level }));
    }
    records.push(...(this.settings.bootstrapRecords ?? []));
    const r = await this.run((image) => ({
      records: image.features.has(METADATA_VERSION) ? [] : records,
      result: null,
    }));
    if (r instanceof NotController) this.log.debug('bootstrap records not written', { detail: r.detail });
  }

  private startTimers(): void {
    this.stopTimers();
    const session = this.settings.brokerSessionTimeoutMs;
    // Kafka fences a broker as its session expires; a check every 100 ms (a pass over the brokers' last
    // heartbeats) keeps that within 100 ms of the expiry, where a quarter of the session let failover wait
    // up to 500 ms more with a 2 s session.
    if (session > 0)
      this.timers.push(
        this.clock.every(Math.max(1, Math.min(FENCE_CHECK_INTERVAL_MS, Math.floor(session / 4))), () =>
          this.fenceStaleBrokers(),
        ),
      );
    if (this.settings.autoLeaderRebalanceEnable)
      this.timers.push(
        this.clock.every(this.settings.leaderImbalanceCheckIntervalMs, () => void this.rebalance()),
      );
  }

  private stopTimers(): void {
    for (const stop of this.timers) stop();
    this.timers = [];
  }

  // ---- running operations ----

  /**
   * Runs `compute` after every earlier operation, against the image they left, and commits its records
   * as one batch. `nextOffset` is where that batch will start (a broker epoch is its record's offset).
   */
  run<R>(
    compute: (image: MetadataImage, nextOffset: number) => { records: MetadataRecord[]; result: R },
  ): Promise<R | NotController> {
    const op = async (): Promise<R | NotController> => {
      if (!this.isActive) {
        const s = this.driver.status();
        return new NotController(
          this.leaderId,
          `node ${this.nodeId} is not the active controller (${s.role} in epoch ${s.epoch}${this.activeEpoch >= 0 ? `, active in ${this.activeEpoch}` : ''})`,
        );
      }
      const { records, result } = compute(this.publisher.latest, this.driver.status().logEndOffset);
      if (records.length === 0) return result;
      const outcome = await this.driver.propose(records.map(encodeMetadataRecord));
      if (!outcome.ok) return new NotController(outcome.leaderId, outcome.detail);
      return result;
    };
    const run = this.chain.then(op, op);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private context(): ControllerContext {
    return {
      image: this.publisher.latest,
      defaultPartitions: this.settings.numPartitions,
      defaultReplicationFactor: this.settings.defaultReplicationFactor,
      deleteTopicEnable: this.settings.deleteTopicEnable,
      validateTopicConfigs: this.settings.validateTopicConfigs,
      randomUuid: this.settings.randomUuid ?? randomTopicId,
      randomInt: this.settings.randomInt ?? mathRandomInt,
    };
  }

  private runOutcome<T>(
    compute: (ctx: ControllerContext) => Outcome<T>,
    validateOnly = false,
  ): Promise<T[] | NotController> {
    return this.run((image) => {
      const outcome = compute({ ...this.context(), image });
      return { records: validateOnly ? [] : outcome.records, result: outcome.results };
    });
  }

  async createTopics(
    topics: readonly CreatableTopic[],
    validateOnly = false,
    charge?: PartitionCharge,
  ): Promise<CreatedTopic[] | NotController> {
    const r = await this.runOutcome(
      (ctx) => createTopics({ ...ctx, chargePartitions: charge }, topics),
      validateOnly,
    );
    if (!(r instanceof NotController) && !validateOnly)
      for (const t of r)
        if (t.errorCode === 0) this.log.info('topic created', { topic: t.name, partitions: t.numPartitions });
    return r;
  }

  async deleteTopics(
    refs: readonly TopicRef[],
    charge?: PartitionCharge,
  ): Promise<DeletedTopic[] | NotController> {
    const r = await this.runOutcome((ctx) => deleteTopics({ ...ctx, chargePartitions: charge }, refs));
    if (!(r instanceof NotController))
      for (const t of r) if (t.errorCode === 0) this.log.info('topic deleted', { topic: t.name });
    return r;
  }

  createPartitions(
    items: readonly PartitionIncrease[],
    validateOnly = false,
    charge?: PartitionCharge,
  ): Promise<(ItemError & { name: string })[] | NotController> {
    return this.runOutcome(
      (ctx) => createPartitions({ ...ctx, chargePartitions: charge }, items),
      validateOnly,
    );
  }

  allocateProducerIds(
    brokerId: number,
    brokerEpoch: number,
    blockSize: number,
  ): Promise<number | NotController> {
    return this.run((image) => {
      const { records, firstProducerId } = allocateProducerIds(image, brokerId, brokerEpoch, blockSize);
      return { records, result: firstProducerId };
    });
  }

  // ---- brokers ----

  /** As KRaft's BrokerHeartbeatManager: a fenced broker has no session (it may register again at once). */
  private hasValidSession = (brokerId: number): boolean => {
    if (this.publisher.latest.brokers.get(brokerId)?.fenced !== false) return false;
    const last = this.sessions.get(brokerId);
    return (
      last !== undefined &&
      (this.settings.brokerSessionTimeoutMs <= 0 ||
        this.clock.now() - last < this.settings.brokerSessionTimeoutMs)
    );
  };

  registerBroker(req: RegistrationRequest): Promise<Registration | NotController> {
    return this.run((image, nextOffset) => {
      const r = registerBroker(image, req, {
        clusterId: this.settings.clusterId,
        nextOffset,
        hasValidSession: this.hasValidSession,
        unclean: this.settings.uncleanLeaderElection,
      });
      if (r.errorCode === 0) this.sessions.set(req.brokerId, this.clock.now());
      return { records: r.records, result: r };
    });
  }

  brokerHeartbeat(req: HeartbeatRequest): Promise<HeartbeatReply | NotController> {
    return this.run((image) => {
      const reply = brokerHeartbeat(image, req, this.settings.uncleanLeaderElection);
      if (reply.errorCode === 0) this.sessions.set(req.brokerId, this.clock.now());
      if (reply.next && reply.next !== stateOf(image, req.brokerId))
        this.log.info('broker state change', { broker: req.brokerId, state: reply.next });
      return { records: reply.records, result: reply };
    });
  }

  unregisterBroker(
    brokerId: number,
  ): Promise<{ errorCode: number; errorMessage: string | null } | NotController> {
    return this.run((image) => {
      const r = unregisterBroker(image, brokerId, this.settings.uncleanLeaderElection);
      if (r.errorCode === 0) this.sessions.delete(brokerId);
      return { records: r.records, result: { errorCode: r.errorCode, errorMessage: r.errorMessage } };
    });
  }

  /** Fences every unfenced broker whose heartbeats stopped for broker.session.timeout.ms. */
  private fenceStaleBrokers(): void {
    if (!this.isActive) return;
    const image = this.publisher.latest;
    const now = this.clock.now();
    const stale = [...image.brokers.values()].filter((b) => {
      if (b.fenced) return false;
      const last = this.sessions.get(b.id);
      if (last === undefined) {
        this.sessions.set(b.id, now);
        return false;
      }
      return now - last >= this.settings.brokerSessionTimeoutMs;
    });
    if (stale.length === 0) return;
    void this.run((img) => {
      const records: MetadataRecord[] = [];
      let view = img;
      for (const b of stale) {
        const current = view.brokers.get(b.id);
        if (!current || current.fenced) continue;
        const last = this.sessions.get(b.id) ?? 0;
        if (this.clock.now() - last < this.settings.brokerSessionTimeoutMs) continue;
        this.log.info('fencing broker: its session expired', {
          broker: b.id,
          sessionTimeoutMs: this.settings.brokerSessionTimeoutMs,
        });
        const rs = fenceBroker(view, b.id, this.settings.uncleanLeaderElection);
        records.push(...rs);
        // The next broker's changes build on these (two fenced at once must both leave the ISR).
        view = replay(view, rs, view.offset);
      }
      return { records, result: null };
    });
  }

  alterPartition(req: AlterPartitionInput): Promise<AlterPartitionOutcome | NotController> {
    return this.run((image) => {
      const outcome = alterPartition(image, req, this.settings.uncleanLeaderElection);
      return { records: outcome.records, result: outcome };
    });
  }

  electLeaders(
    electionType: number,
    topicPartitions: readonly { topic: string; partitions: readonly number[] }[] | null,
  ): Promise<ElectLeadersOutcome | NotController> {
    return this.run((image) => {
      const outcome = electLeaders(image, electionType, topicPartitions);
      return { records: outcome.records, result: outcome };
    });
  }

  private async rebalance(): Promise<void> {
    if (!this.isActive) return;
    const r = await this.run((image) => ({
      records: rebalanceLeaders(image, REBALANCE_PARTITIONS_MAX),
      result: null,
    }));
    if (r instanceof NotController) return;
  }

  /** Commits records computed by the caller (configs, the embedded broker's reset). */
  apply<R>(
    compute: (image: MetadataImage) => { records: MetadataRecord[]; result: R },
  ): Promise<R | NotController> {
    return this.run((image) => compute(image));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopTimers();
    this.activeEpoch = -1;
    await this.chain;
  }
}

function stateOf(image: MetadataImage, brokerId: number): BrokerControlState | null {
  const b = image.brokers.get(brokerId);
  if (!b) return null;
  if (b.inControlledShutdown) return b.fenced ? 'SHUTDOWN_NOW' : 'CONTROLLED_SHUTDOWN';
  return b.fenced ? 'FENCED' : 'UNFENCED';
}
