// An in-process replication cluster for tests: N brokers, each with its own memory file system, log
// manager, replica manager and request registry, and one test controller that keeps the metadata
// image, publishes every change to every live broker, and answers AlterPartition as the active
// controller would. Broker-to-broker requests are encoded, dispatched through the target broker's
// registry (the real handlers) and decoded, so the wire format is exercised; a stopped broker does
// not answer. A broker can crash (its memory file system loses what was not fsynced) and restart.

import { HANDLERS } from '../../../src/broker/handlers/index.js';
import { Registry } from '../../../src/broker/handlers/registry.js';
import type { BrokerServices } from '../../../src/broker/handlers/services.js';
import { Logger } from '../../../src/broker/logger.js';
import { FetchSessionCache } from '../../../src/broker/replica/fetch-sessions.js';
import type { BrokerLinks, ControllerLink, LinkResult } from '../../../src/broker/replica/links.js';
import {
  ReplicaManager,
  type ReplicationSettings,
  type ReplicaManager as RM,
} from '../../../src/broker/replica/replica-manager.js';
import { AccessControl } from '../../../src/broker/security/access-control.js';
import { type Connection, Deferred } from '../../../src/broker/server/connection.js';
import { DEVELOPER_DEFAULTS, loadBrokerConfig, type TopicConfig } from '../../../src/config/index.js';
import { createTopics } from '../../../src/metadata/controller.js';
import { EMPTY_IMAGE, type MetadataImage, replay } from '../../../src/metadata/image.js';
import { alterPartitionReassignments, completeReassignment } from '../../../src/metadata/reassignment.js';
import { type MetadataRecord, record } from '../../../src/metadata/records.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { decodeResponseFrame, encodeRequestFrame } from '../../../src/protocol/frame.js';
import type { AlterPartitionRequest, AlterPartitionResponse } from '../../../src/protocol/messages/index.js';
import { LogManager, MemoryFileSystem } from '../../../src/storage/index.js';

export const TEST_REPLICATION: Partial<ReplicationSettings> = {
  replicaLagTimeMaxMs: 2000,
  fetchWaitMaxMs: 50,
  fetchBackoffMs: 20,
  socketTimeoutMs: 2000,
};

const clock = {
  now: () => Date.now(),
  setTimer(delayMs: number, fn: () => void) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

export class TestBroker {
  fs = new MemoryFileSystem();
  replicas!: ReplicaManager;
  registry!: Registry;
  alive = false;
  seen: MetadataImage = EMPTY_IMAGE;
  epoch = 0;
  /** Cut off: no requests in or out, no metadata (a network partition around it). */
  isolated = false;
  /** What its stall guard says (false: it stood still and may have been replaced meanwhile). */
  mayLead = true;

  constructor(
    readonly id: number,
    readonly cluster: TestCluster,
  ) {}

  async start(): Promise<void> {
    const opened = await LogManager.open('/data', { fs: this.fs, scheduler: false });
    if (opened.kind === 'failed') throw opened.error;
    this.replicas = new ReplicaManager({
      logs: opened.manager,
      nodeId: this.id,
      topicConfig: (t) => this.cluster.topicConfig(t),
      log: this.cluster.logger.child(`broker-${this.id}`),
      clock,
      replication: this.cluster.replication,
      links: this.cluster.linksFrom(this.id),
      controller: this.cluster.controllerLinkFrom(this.id),
      throttleRates: () => this.cluster.throttleRates,
      leadGuard: { mayLead: () => this.mayLead },
    });
    const services = {
      nodeId: this.id,
      clusterId: 'harness',
      settings: { autoCreateTopicsEnable: false, numPartitions: 1, defaultReplicationFactor: 3 },
      log: this.cluster.logger,
      now: () => Date.now(),
      metadata: () => this.seen,
      isInternalTopic: () => false,
      replicas: this.replicas,
      fetchSessions: new FetchSessionCache({
        slotsMax: 100,
        now: () => Date.now(),
        randomId: () => 1 + Math.floor(Math.random() * 0x7ffffffe),
      }),
      logDir: '/data',
      diskSpace: async () => ({ totalBytes: -1, usableBytes: -1 }),
      // No authorizer: every request is allowed, as on a broker without authorizer.class.name.
      access: new AccessControl(
        { className: '', superUsers: null, allowEveryoneIfNoAclFound: false },
        this.cluster.logger,
      ),
    } as unknown as BrokerServices;
    this.registry = new Registry(HANDLERS, services, this.cluster.logger);
    this.alive = true;
    this.seen = EMPTY_IMAGE;
  }

  /** Publishes an image to this broker. */
  async publish(image: MetadataImage): Promise<void> {
    if (!this.alive || this.isolated) return;
    const previous = this.seen;
    this.seen = image;
    await this.replicas.onImage(image, previous);
  }

  /** A clean stop: logs flushed and closed. */
  async stop(): Promise<void> {
    this.alive = false;
    await this.replicas.close();
  }

  /** A crash: whatever was not fsynced may be lost (the memory file system keeps its durable state). */
  async crash(): Promise<void> {
    this.alive = false;
    const survivor = this.fs.crash();
    await this.replicas.close().catch(() => {});
    this.fs = survivor;
  }

  /** Sends a request into this broker's registry as a client would, and decodes the answer. */
  async call<Res>(apiKey: number, version: number, request: unknown): Promise<Res> {
    const frame = Buffer.concat(encodeRequestFrame(apiKey, version, 1, 'harness', request)).subarray(4);
    const conn = {
      info: {
        id: 0,
        listenerName: 'PLAINTEXT',
        securityProtocol: 'PLAINTEXT',
        remoteAddress: '',
        remotePort: 0,
        localAddress: '',
        localPort: 0,
      },
      receivedAtMs: performance.now(),
      state: {},
      frameDone: () => {},
    } as unknown as Connection;
    let reply = this.registry.dispatch(conn, frame);
    if (reply instanceof Deferred) reply = reply.promise;
    const chunks = await reply;
    if (!Array.isArray(chunks)) throw new Error(`no response for API ${apiKey}`);
    const out = Buffer.concat(chunks).subarray(4);
    return decodeResponseFrame<Res>(apiKey, version, out).body;
  }
}

export class TestCluster {
  readonly brokers: TestBroker[] = [];
  image: MetadataImage = EMPTY_IMAGE;
  private offset = 0;
  private controllerQueue: Promise<unknown> = Promise.resolve();
  readonly logger: Logger;
  /** Per-topic config overrides (min.insync.replicas, ...). */
  readonly topicOverrides = new Map<string, Record<string, string>>();
  private readonly base = loadBrokerConfig({ base: DEVELOPER_DEFAULTS, env: {} });
  /** leader/follower.replication.throttled.rate of every broker (bytes/s). */
  throttleRates = { leader: Number.MAX_SAFE_INTEGER, follower: Number.MAX_SAFE_INTEGER };
  /** broker.rack of each broker (KIP-392 tests). */
  readonly racks = new Map<number, string>();
  /** AlterPartition requests seen by the controller (tests look at them). */
  alterPartitionRequests = 0;
  /** Every timer of the brokers is unref'd: this keeps the test process up while the cluster runs. */
  private readonly keepAlive = setInterval(() => {}, 1000);

  constructor(
    count: number,
    readonly replication: Partial<ReplicationSettings> = TEST_REPLICATION,
    logger: Logger = Logger.silent(),
  ) {
    this.logger = logger;
    for (let i = 1; i <= count; i++) this.brokers.push(new TestBroker(i, this));
  }

  static async start(
    count: number,
    replication?: Partial<ReplicationSettings>,
    racks: readonly string[] = [],
  ): Promise<TestCluster> {
    const c = new TestCluster(count, replication);
    for (const [i, rack] of racks.entries()) c.racks.set(i + 1, rack);
    for (const b of c.brokers) await c.startBroker(b.id);
    return c;
  }

  broker(id: number): TestBroker {
    const b = this.brokers.find((x) => x.id === id);
    if (!b) throw new Error(`no broker ${id}`);
    return b;
  }

  topicConfig(topic: string): TopicConfig {
    if (!this.base.ok) throw new Error(this.base.error);
    return this.base.config.topicConfig(this.topicOverrides.get(topic) ?? {});
  }

  /** Commits records: a new image, published to every live broker (in id order). */
  commit(records: MetadataRecord[]): Promise<MetadataImage> {
    const run = this.controllerQueue.then(async () => {
      if (records.length === 0) return this.image;
      this.offset += records.length;
      this.image = replay(this.image, records, this.offset);
      for (const b of this.brokers) if (b.alive) await b.publish(this.image);
      return this.image;
    });
    this.controllerQueue = run.catch(() => undefined);
    return run;
  }

  async startBroker(id: number): Promise<void> {
    const b = this.broker(id);
    await b.start();
    b.epoch = this.offset + 1;
    await this.commit([
      record('RegisterBroker', {
        brokerId: id,
        incarnationId: 'AAAAAAAAAAAAAAAAAAAAAA',
        brokerEpoch: b.epoch,
        endPoints: [],
        features: [],
        rack: this.racks.get(id) ?? null,
        fenced: false,
      }),
    ]);
    await b.publish(this.image);
    await this.electLeaderless();
  }

  async createTopic(name: string, partitions: number, rf: number, configs: Record<string, string> = {}) {
    this.topicOverrides.set(name, configs);
    const out = createTopics(
      {
        image: this.image,
        defaultPartitions: 1,
        defaultReplicationFactor: 1,
        deleteTopicEnable: true,
        validateTopicConfigs: () => null,
        randomUuid: () => Buffer.from(`topic-${name}`.padEnd(16, '-').slice(0, 16)).toString('base64url'),
        randomInt: () => 0,
      },
      [{ name, numPartitions: partitions, replicationFactor: rf, assignments: [], configs: [] }],
    );
    if (out.results[0].errorCode !== 0) throw new Error(out.results[0].errorMessage ?? 'create failed');
    await this.commit(out.records);
    return this.image.topicsByName.get(name)!;
  }

  partitionInfo(topic: string, partition: number) {
    return this.image.topicsByName.get(topic)!.partitions[partition];
  }

  /** Fences a broker as the controller does when its session expires: out of every ISR, leaders moved. */
  async fenceBroker(id: number): Promise<void> {
    const records: MetadataRecord[] = [
      record('BrokerRegistrationChange', { brokerId: id, brokerEpoch: this.broker(id).epoch, fenced: 1 }),
    ];
    for (const t of this.image.topicsById.values()) {
      for (const p of t.partitions) {
        if (!p.isr.includes(id) && p.leader !== id) continue;
        const isr = p.isr.length > 1 ? p.isr.filter((r) => r !== id) : p.isr;
        const leader = p.leader === id ? (isr.find((r) => r !== id && this.isAlive(r)) ?? -1) : -2;
        records.push(
          record('PartitionChange', { partitionId: p.partition, topicId: t.id, isr: [...isr], leader }),
        );
      }
    }
    await this.commit(records);
  }

  private isAlive(id: number): boolean {
    const b = this.image.brokers.get(id);
    return b !== undefined && !b.fenced;
  }

  /** Elects leaders for partitions without one, from their ISR. */
  async electLeaderless(): Promise<void> {
    const records: MetadataRecord[] = [];
    for (const t of this.image.topicsById.values()) {
      for (const p of t.partitions) {
        if (p.leader >= 0 && this.isAlive(p.leader)) continue;
        const leader = p.isr.find((r) => this.isAlive(r));
        if (leader !== undefined)
          records.push(record('PartitionChange', { partitionId: p.partition, topicId: t.id, leader }));
      }
    }
    await this.commit(records);
  }

  /** AlterPartitionReassignments at the controller. */
  async reassign(items: { topic: string; partition: number; replicas: number[] | null }[]) {
    const out = alterPartitionReassignments({ image: this.image, uncleanLeaderElection: () => false }, items);
    await this.commit(out.records);
    return out.results;
  }

  /** Sets a partition's replicas (a reassignment step, as the controller writes it). */
  async setReplicas(topic: string, partition: number, replicas: number[], isr?: number[]): Promise<void> {
    const t = this.image.topicsByName.get(topic)!;
    await this.commit([record('PartitionChange', { partitionId: partition, topicId: t.id, replicas, isr })]);
  }

  /** Moves leadership of a partition to `to` (a preferred election or a controlled move). */
  async moveLeader(topic: string, partition: number, to: number): Promise<void> {
    const t = this.image.topicsByName.get(topic)!;
    await this.commit([record('PartitionChange', { partitionId: partition, topicId: t.id, leader: to })]);
  }

  async unfenceBroker(id: number, newEpoch = true): Promise<void> {
    const b = this.broker(id);
    if (newEpoch) b.epoch = this.offset + 1;
    await this.commit([
      record('RegisterBroker', {
        brokerId: id,
        incarnationId: 'AAAAAAAAAAAAAAAAAAAAAA',
        brokerEpoch: b.epoch,
        endPoints: [],
        features: [],
        rack: null,
        fenced: false,
      }),
    ]);
    await b.publish(this.image);
    await this.electLeaderless();
  }

  /** The controller's AlterPartition, checked as KRaft's does (leader, epochs, eligible members). */
  alterPartition(req: AlterPartitionRequest): Promise<AlterPartitionResponse> {
    this.alterPartitionRequests++;
    const records: MetadataRecord[] = [];
    const topics = req.topics.map((t) => ({
      topicId: t.topicId,
      partitions: t.partitions.map((pd) => {
        const topic = this.image.topicsById.get(t.topicId ?? '');
        const p = topic?.partitions[pd.partitionIndex];
        const fail = (errorCode: number) => ({
          partitionIndex: pd.partitionIndex,
          errorCode,
          leaderId: -1,
          leaderEpoch: -1,
          isr: [],
          partitionEpoch: -1,
        });
        if (!topic || !p) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        if (pd.leaderEpoch < p.leaderEpoch) return fail(ErrorCode.FENCED_LEADER_EPOCH);
        if (req.brokerId !== p.leader) return fail(ErrorCode.INVALID_REQUEST);
        if (pd.partitionEpoch !== p.partitionEpoch) return fail(ErrorCode.INVALID_UPDATE_VERSION);
        const isr = (pd.newIsrWithEpochs ?? []).map((m) => m.brokerId ?? -1);
        for (const m of pd.newIsrWithEpochs ?? []) {
          const b = this.image.brokers.get(m.brokerId ?? -1);
          if (!b || b.fenced || (m.brokerEpoch !== -1 && m.brokerEpoch !== b.epoch))
            return fail(ErrorCode.INELIGIBLE_REPLICA);
        }
        // The ISR change may complete a reassignment (and then move the leadership away).
        const done = completeReassignment(this.image, topic, p, isr);
        const change =
          done ?? record('PartitionChange', { partitionId: pd.partitionIndex, topicId: topic.id, isr });
        records.push(change);
        const named = (change.data as { leader?: number }).leader;
        if (named !== undefined && named !== -2 && named !== req.brokerId)
          return fail(ErrorCode.NEW_LEADER_ELECTED);
        return {
          partitionIndex: pd.partitionIndex,
          errorCode: 0,
          leaderId: p.leader,
          leaderEpoch: named !== undefined && named !== -2 ? p.leaderEpoch + 1 : p.leaderEpoch,
          isr: (change.data as { isr?: number[] }).isr ?? isr,
          partitionEpoch: p.partitionEpoch + 1,
        };
      }),
    }));
    return this.commit(records).then(() => ({ throttleTimeMs: 0, errorCode: 0, topics }));
  }

  linksFrom(from: number): BrokerLinks {
    return {
      send: async <Req, Res>(
        to: number,
        apiKey: number,
        version: number,
        request: Req,
      ): Promise<LinkResult<Res>> => {
        const target = this.brokers.find((b) => b.id === to);
        const source = this.broker(from);
        if (!target?.alive || target.isolated || !source.alive || source.isolated)
          return { kind: 'failed', reason: `broker ${to} unreachable` };
        try {
          return { kind: 'ok', response: await target.call<Res>(apiKey, version, request) };
        } catch (err) {
          return { kind: 'failed', reason: String(err) };
        }
      },
    };
  }

  controllerLinkFrom(from: number): ControllerLink {
    return {
      send: async <Req, Res>(_apiKey: number, _version: number, request: Req): Promise<LinkResult<Res>> => {
        const source = this.broker(from);
        if (!source.alive || source.isolated) return { kind: 'failed', reason: 'unreachable' };
        const response = await this.alterPartition(request as AlterPartitionRequest);
        return { kind: 'ok', response: response as Res };
      },
    };
  }

  /** Cuts a broker off (network partition). */
  isolate(id: number): void {
    this.broker(id).isolated = true;
  }

  /** Reconnects it; it learns the current metadata. */
  async heal(id: number): Promise<void> {
    const b = this.broker(id);
    b.isolated = false;
    await b.publish(this.image);
  }

  async close(): Promise<void> {
    for (const b of this.brokers) if (b.alive) await b.stop().catch(() => {});
    clearInterval(this.keepAlive);
  }
}

export type { RM };

/** Polls `check` until it holds or `timeoutMs` passes. */
export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
