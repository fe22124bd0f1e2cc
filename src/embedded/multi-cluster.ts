// startCluster({ brokers: N > 1 }): N combined nodes (broker and controller) of one real cluster in
// this process, on loopback sockets: a static Raft quorum of all N over their controller listeners,
// brokers registered with the active controller, requests forwarded, partition leaders spread. Each node
// has its own storage (memory or disk) and fault hooks; the cluster's hooks apply to every node. Nodes
// can be stopped (a clean shutdown), started again on their data, and the active controller killed
// (no handover: the others must notice and elect). Helpers route to the right node: topics through the
// controller, produce and reads to each partition's leader, groups to their coordinator.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, systemClock } from '../broker/clock.js';
import { OFFSETS_TOPIC } from '../broker/coordinator/group/settings.js';
import { HANDLERS } from '../broker/handlers/index.js';
import type { RequestInterceptor } from '../broker/handlers/registry.js';
import { Logger } from '../broker/logger.js';
import { ensureMetaProperties, randomClusterId } from '../broker/meta-properties.js';
import { BrokerNode } from '../broker/node.js';
import { loadBrokerConfig } from '../config/index.js';
import { ResourceType } from '../metadata/image.js';
import { type MetadataRecord, record } from '../metadata/records.js';
import { ErrorCode, errorInfo } from '../protocol/errors.js';
import { MemoryFileSystem } from '../storage/index.js';
import { EMBEDDED_DEFAULTS } from './broker.js';
import { Faults } from './faults.js';
import {
  describeGroupOf,
  fetchCommittedOffsets,
  pollUntil,
  waitForCommittedOffsetOf,
  waitForGroupState,
} from './groups.js';
import {
  appendTo,
  assignPartitions,
  asText,
  type Bytes,
  EmbeddedBrokerError,
  normalize,
  type ProducedRecord,
  type ProduceRecord,
  readPartition,
  type StoredRecord,
} from './records.js';
import type {
  CommittedOffsets,
  ConfigValue,
  CreateTopicOptions,
  EmbeddedMultiCluster,
  EmbeddedNode,
  GroupDescription,
  ReadOptions,
  ResetOptions,
  StartClusterOptions,
  TopicSpec,
  TransactionDescription,
  WaitForGroupOptions,
  WaitOptions,
} from './types.js';

const INTERNAL_TOPICS = new Set([OFFSETS_TOPIC, '__transaction_state']);
const READY_WAIT_MS = 30_000;

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const stringValues = (c: Readonly<Record<string, ConfigValue>>) =>
  Object.fromEntries(Object.entries(c).map(([k, v]) => [k, String(v)]));

function kafkaError(what: string, code: number, message: string | null): EmbeddedBrokerError {
  const name = errorInfo(code).name;
  return new EmbeddedBrokerError(`${what}: ${name}${message ? ` (${message})` : ''}`, name);
}

/** Cluster-wide hooks first, then the node's own. */
function chain(first: Faults, second: Faults): RequestInterceptor {
  return {
    intercept(ctx, request) {
      const a = first.interceptor.intercept(ctx, request);
      if (a instanceof Promise) return a.then((r) => r ?? second.interceptor.intercept(ctx, request));
      return a ?? second.interceptor.intercept(ctx, request);
    },
  };
}

class Member implements EmbeddedNode {
  node: BrokerNode | null = null;
  readonly faults: Faults;
  readonly bootstrapServers: string;

  /** "host:port" of each client listener, by name (a cluster's members listen on PLAINTEXT only). */
  get listeners(): Readonly<Record<string, string>> {
    return { PLAINTEXT: this.bootstrapServers };
  }

  constructor(
    readonly nodeId: number,
    readonly host: string,
    readonly port: number,
    readonly controllerPort: number,
    readonly dir: string,
    public fs: MemoryFileSystem | null,
    cluster: MultiCluster,
  ) {
    this.bootstrapServers = `${host}:${port}`;
    this.faults = new Faults(new Set(cluster.servedApiKeys), () => this.dropConnections());
  }

  private dropConnections(): number {
    const n = this.node?.server.connectionCount ?? 0;
    this.node?.server.dropConnections();
    return n;
  }
}

export async function startMultiCluster(
  options: StartClusterOptions,
  count: number,
): Promise<EmbeddedMultiCluster> {
  const storage = options.storage ?? 'memory';
  const host = options.host ?? '127.0.0.1';
  let tempDir: string | null = null;
  if (storage === 'disk' && options.dataDir === undefined)
    tempDir = await mkdtemp(join(tmpdir(), 'samsa-embedded-cluster-'));
  const base = options.dataDir ?? tempDir ?? '/in-memory/samsa-cluster';
  const cluster = new MultiCluster(options, storage, tempDir, options.clusterId ?? randomClusterId());
  try {
    const ports = options.ports ?? [];
    for (let i = 0; i < count; i++) {
      const id = i + 1;
      const port = ports[i] ?? (await freePort(host));
      const controllerPort = await freePort(host);
      const dir = `${base}/node-${id}`;
      cluster.members.push(
        new Member(
          id,
          host,
          port,
          controllerPort,
          dir,
          storage === 'memory' ? new MemoryFileSystem() : null,
          cluster,
        ),
      );
    }
    await Promise.all(cluster.members.map((m) => cluster.launch(m)));
    await cluster.createStartTopics();
    return cluster;
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

class MultiCluster implements EmbeddedMultiCluster {
  readonly members: Member[] = [];
  readonly faults: Faults;
  readonly clock: Clock;
  readonly servedApiKeys: number[];
  private readonly roundRobin = new Map<string, { next: number }>();
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly options: StartClusterOptions,
    private readonly storage: 'memory' | 'disk',
    private readonly tempDir: string | null,
    readonly clusterId: string,
  ) {
    this.clock = options.clock ?? systemClock;
    // Every API a broker serves can be hooked.
    this.servedApiKeys = HANDLERS.map((h) => h.apiKey);
    this.faults = new Faults(new Set(this.servedApiKeys), () => {
      let n = 0;
      for (const m of this.members) n += m.faults.dropConnections();
      return n;
    });
  }

  get brokers(): readonly EmbeddedNode[] {
    return this.members;
  }

  get bootstrapServers(): string {
    return this.members
      .filter((m) => m.node)
      .map((m) => m.bootstrapServers)
      .join(',');
  }

  private running(): BrokerNode[] {
    return this.members.filter((m) => m.node).map((m) => m.node as BrokerNode);
  }

  private any(): BrokerNode {
    const n = this.running()[0];
    if (!n || this.stopping) throw new EmbeddedBrokerError('the embedded cluster is stopped', 'STOPPED');
    return n;
  }

  /** The id of the active controller as the nodes know it (-1 when none). */
  controllerId(): number {
    return this.running()[0]?.quorum.status().leaderId ?? -1;
  }

  /** Resolves with the active controller's id once there is one. */
  async waitForController(options: WaitOptions = {}): Promise<number> {
    return pollUntil(
      async () => this.running().find((n) => n.controller.isActiveHere())?.config.nodeId ?? -1,
      (id) => id >= 0,
      () => 'no node is the active controller',
      options.timeoutMs ?? READY_WAIT_MS,
    );
  }

  async launch(m: Member): Promise<void> {
    const voters = this.members.map((x) => `${x.nodeId}@${x.host}:${x.controllerPort}`).join(',');
    const loaded = loadBrokerConfig({
      base: {
        ...EMBEDDED_DEFAULTS,
        'process.roles': 'broker,controller',
        'node.id': String(m.nodeId),
        'controller.quorum.voters': voters,
        'controller.listener.names': 'CONTROLLER',
        listeners: `PLAINTEXT://${m.host}:${m.port},CONTROLLER://${m.host}:${m.controllerPort}`,
        'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        'inter.broker.listener.name': 'PLAINTEXT',
        'log.dirs': m.dir,
        'offsets.topic.num.partitions': String(Math.max(1, this.members.length)),
        'offsets.topic.replication.factor': String(Math.min(3, this.members.length)),
        'broker.heartbeat.interval.ms': '500',
        'broker.session.timeout.ms': '4000',
      },
      overrides: stringValues(this.options.config ?? {}),
      env: {},
    });
    if (!loaded.ok) throw new EmbeddedBrokerError(`startCluster: ${loaded.error}`, 'INVALID_CONFIG');
    if (this.storage === 'disk') {
      const meta = await ensureMetaProperties(m.dir, m.nodeId, this.clusterId);
      if (!meta.ok) throw new EmbeddedBrokerError(`startCluster: ${meta.error}`, 'INVALID_CONFIG');
    }
    const level = this.options.logLevel ?? 'off';
    const node = await BrokerNode.start({
      config: loaded.config,
      clusterId: this.clusterId,
      storage: this.storage,
      fs: m.fs ?? undefined,
      clock: this.clock,
      log:
        level === 'off'
          ? Logger.silent()
          : Logger.create({
              level,
              format: 'text',
              sink: { write: (line) => process.stderr.write(`[node ${m.nodeId}] ${line}`) },
            }),
    });
    node.registry.interceptor = chain(this.faults, m.faults);
    m.node = node;
  }

  private member(id: number): Member {
    const m = this.members.find((x) => x.nodeId === id);
    if (!m)
      throw new RangeError(
        `no node ${id} in this cluster (nodes ${this.members.map((x) => x.nodeId).join(', ')})`,
      );
    return m;
  }

  async stopBroker(id: number): Promise<void> {
    const m = this.member(id);
    const node = m.node;
    m.node = null;
    if (node) {
      node.replicas.fetchPurgatory.expireAll();
      await node.stop(2000);
    }
  }

  async startBroker(id: number): Promise<EmbeddedNode> {
    const m = this.member(id);
    if (!m.node) await this.launch(m);
    return m;
  }

  async killController(): Promise<number> {
    const id = await this.waitForController();
    const m = this.member(id);
    const node = m.node as BrokerNode;
    m.node = null;
    await node.kill();
    return id;
  }

  // ---- the helpers, routed ----

  async createStartTopics(): Promise<void> {
    for (const [name, spec] of Object.entries(this.options.topics ?? {})) {
      await this.createTopic(
        name,
        typeof spec === 'number' ? { partitions: spec } : (spec as Exclude<TopicSpec, number>),
      );
    }
  }

  async createTopic(name: string, options: CreateTopicOptions = {}): Promise<void> {
    const [r] = await this.any().controller.createTopics([
      {
        name,
        numPartitions: options.partitions ?? -1,
        replicationFactor: -1,
        assignments: [],
        configs: Object.entries(stringValues(options.config ?? {})).map(([k, v]) => ({ name: k, value: v })),
      },
    ]);
    if (r.errorCode !== ErrorCode.NONE) throw kafkaError(`createTopic ${name}`, r.errorCode, r.errorMessage);
    await this.visibleEverywhere((img) => img.topicsByName.has(name));
  }

  async deleteTopic(name: string): Promise<void> {
    const [r] = await this.any().controller.deleteTopics([{ name, topicId: null }]);
    if (r.errorCode !== ErrorCode.NONE) throw kafkaError(`deleteTopic ${name}`, r.errorCode, r.errorMessage);
    this.roundRobin.delete(name);
    await this.visibleEverywhere((img) => !img.topicsByName.has(name));
  }

  /** Waits until every running node's image satisfies `pred` (the helpers answer once all agree). */
  private async visibleEverywhere(pred: (img: BrokerNode['publisher']['image']) => boolean): Promise<void> {
    await Promise.all(this.running().map((n) => n.publisher.waitFor(pred, READY_WAIT_MS)));
  }

  listTopics(): string[] {
    return [...this.any().publisher.image.topicsByName.keys()].filter((t) => !INTERNAL_TOPICS.has(t)).sort();
  }

  private leaderOf(topic: string, partition: number): BrokerNode {
    const info = this.any().publisher.image.topicsByName.get(topic)?.partitions[partition];
    const node = this.running().find((n) => n.config.nodeId === info?.leader);
    if (!node)
      throw new EmbeddedBrokerError(`${topic}-${partition} has no live leader`, 'LEADER_NOT_AVAILABLE');
    return node;
  }

  async produce(
    topic: string,
    records: ProduceRecord | Bytes | readonly (ProduceRecord | Bytes)[],
  ): Promise<ProducedRecord[]> {
    const list = (Array.isArray(records) ? records : [records]).map((r: ProduceRecord | Bytes) =>
      normalize(r),
    );
    if (list.length === 0) return [];
    if (INTERNAL_TOPICS.has(topic))
      throw new EmbeddedBrokerError(`${topic} is internal to the broker`, 'INVALID_TOPIC_EXCEPTION');
    if (!this.any().publisher.image.topicsByName.has(topic)) {
      if (!this.any().config.autoCreateTopicsEnable)
        throw new EmbeddedBrokerError(
          `topic ${topic} does not exist (auto.create.topics.enable is false; createTopic it first)`,
          'UNKNOWN_TOPIC_OR_PARTITION',
        );
      await this.createTopic(topic);
    }
    const count = this.any().publisher.image.topicsByName.get(topic)?.partitions.length ?? 0;
    let counter = this.roundRobin.get(topic);
    if (!counter) {
      counter = { next: 0 };
      this.roundRobin.set(topic, counter);
    }
    const targets = assignPartitions(list, count, counter);
    const byPartition = new Map<number, number[]>();
    targets.forEach((p, i) => {
      byPartition.set(p, [...(byPartition.get(p) ?? []), i]);
    });
    const out: ProducedRecord[] = new Array(list.length);
    const now = this.clock.now();
    await Promise.all(
      [...byPartition].map(async ([p, indexes]) => {
        const partition = this.leaderOf(topic, p).replicas.leader(topic, p);
        if (!partition)
          throw new EmbeddedBrokerError(
            `${topic}-${p} is not led by a running node`,
            'NOT_LEADER_OR_FOLLOWER',
          );
        const { baseOffset, timestamps } = await appendTo(
          partition,
          indexes.map((i) => list[i]),
          now,
        );
        indexes.forEach((i, n) => {
          out[i] = { topic, partition: p, offset: baseOffset + n, timestamp: timestamps[n] };
        });
      }),
    );
    return out;
  }

  readAll(topic: string, options?: ReadOptions & { encoding?: 'buffer' }): Promise<StoredRecord<Buffer>[]>;
  readAll(topic: string, options: ReadOptions & { encoding: 'utf8' }): Promise<StoredRecord<string>[]>;
  async readAll(
    topic: string,
    options: ReadOptions & { encoding?: 'buffer' | 'utf8' } = {},
  ): Promise<StoredRecord<Buffer>[] | StoredRecord<string>[]> {
    const info = this.any().publisher.image.topicsByName.get(topic);
    if (!info) throw new EmbeddedBrokerError(`topic ${topic} does not exist`, 'UNKNOWN_TOPIC_OR_PARTITION');
    const indexes =
      options.partition === undefined ? info.partitions.map((p) => p.partition) : [options.partition];
    const out: StoredRecord[] = [];
    for (const index of indexes) {
      const partition = this.leaderOf(topic, index).replicas.leader(topic, index);
      if (!partition)
        throw new EmbeddedBrokerError(
          `partition ${index} of ${topic} does not exist`,
          'UNKNOWN_TOPIC_OR_PARTITION',
        );
      out.push(...(await readPartition(topic, partition)));
    }
    return options.encoding === 'utf8' ? out.map(asText) : out;
  }

  private coordinatorOf(groupId: string): BrokerNode {
    const any = this.any();
    const index = any.groups.partitionFor(groupId);
    const leader = any.publisher.image.topicsByName.get(OFFSETS_TOPIC)?.partitions[index]?.leader;
    return this.running().find((n) => n.config.nodeId === leader) ?? any;
  }

  describeGroup(groupId: string): Promise<GroupDescription> {
    return describeGroupOf(this.coordinatorOf(groupId).groups, groupId);
  }

  /** The transactional id as the node coordinating it describes it (null: unknown). */
  async describeTransaction(transactionalId: string): Promise<TransactionDescription | null> {
    for (const node of this.running()) {
      const [d] = await node.txns.describe([transactionalId]);
      if (d.errorCode === ErrorCode.NOT_COORDINATOR || d.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE)
        continue;
      if (d.errorCode === ErrorCode.TRANSACTIONAL_ID_NOT_FOUND) return null;
      if (d.errorCode !== ErrorCode.NONE) {
        const name = errorInfo(d.errorCode).name;
        throw new EmbeddedBrokerError(`describing transactional id ${transactionalId} failed: ${name}`, name);
      }
      return {
        transactionalId,
        state: d.transactionState as TransactionDescription['state'],
        producerId: d.producerId,
        producerEpoch: d.producerEpoch,
        timeoutMs: d.transactionTimeoutMs,
        startTimeMs: d.transactionStartTimeMs,
        partitions: Object.fromEntries(d.topics.map((t) => [t.topic, t.partitions])),
      };
    }
    return null;
  }

  waitForGroup(groupId: string, options: WaitForGroupOptions = {}): Promise<GroupDescription> {
    return waitForGroupState(() => this.describeGroup(groupId), groupId, options);
  }

  committedOffsets(groupId: string): Promise<CommittedOffsets> {
    return fetchCommittedOffsets(this.coordinatorOf(groupId).groups, groupId);
  }

  waitForCommittedOffset(
    groupId: string,
    topic: string,
    partition: number,
    offset: number,
    options: WaitOptions = {},
  ): Promise<number> {
    return waitForCommittedOffsetOf(
      () => this.committedOffsets(groupId),
      { groupId, topic, partition, offset },
      options,
    );
  }

  async reset(options: ResetOptions = {}): Promise<void> {
    this.faults.clear();
    for (const m of this.members) m.faults.clear();
    if (options.dropConnections) this.faults.dropConnections();
    const id = await this.waitForController();
    const controller = this.member(id).node as BrokerNode;
    await controller.controller.apply((image) => {
      const records: MetadataRecord[] = [];
      for (const t of image.topicsById.values()) records.push(record('RemoveTopic', { topicId: t.id }));
      for (const [key, values] of image.configs) {
        const colon = key.indexOf(':');
        const type = Number(key.slice(0, colon));
        if (type !== ResourceType.Broker) continue;
        for (const name of values.keys())
          records.push(
            record('Config', { resourceType: type, resourceName: key.slice(colon + 1), name, value: null }),
          );
      }
      return { records, result: undefined };
    });
    await this.visibleEverywhere((img) => img.topicsByName.size === 0);
    this.roundRobin.clear();
    await this.createStartTopics();
  }

  stop(): Promise<void> {
    if (!this.stopping) this.stopping = this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.faults.clear();
    const nodes = this.running();
    for (const m of this.members) m.node = null;
    for (const n of nodes) n.replicas.fetchPurgatory.expireAll();
    try {
      await Promise.all(nodes.map((n) => n.stop(2000)));
    } finally {
      if (this.tempDir) await rm(this.tempDir, { recursive: true, force: true });
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
