// startBroker(): the broker the server runs (BrokerNode: the same handlers, coordinator and logs), in
// the test's process, on memory or disk, with helpers to seed and inspect it without a client, fault
// hooks, a clock a test can move, and a reset that is much cheaper than a restart.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, systemClock } from '../broker/clock.js';
import { OFFSETS_TOPIC } from '../broker/coordinator/group/settings.js';
import { Logger } from '../broker/logger.js';
import { ensureMetaProperties, randomClusterId } from '../broker/meta-properties.js';
import { BrokerNode } from '../broker/node.js';
import { DEVELOPER_DEFAULTS, loadBrokerConfig } from '../config/index.js';
import { ResourceType } from '../metadata/image.js';
import { type MetadataRecord, record } from '../metadata/records.js';
import { ErrorCode, errorInfo } from '../protocol/errors.js';
import { Faults } from './faults.js';
import {
  describeGroupOf,
  fetchCommittedOffsets,
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
import { applySecurity, securityConfig } from './security.js';
import type {
  CommittedOffsets,
  ConfigValue,
  CreateTopicOptions,
  EmbeddedBroker,
  EmbeddedNode,
  GroupDescription,
  ReadOptions,
  ResetOptions,
  StartBrokerOptions,
  TopicSpec,
  TransactionDescription,
  WaitForGroupOptions,
  WaitOptions,
} from './types.js';

// Node 20.0-20.3 have no Symbol.asyncDispose (Node defines it from 20.4 on); define it the same way so
// that `await using broker = await startBroker()`, compiled by TypeScript, finds it.
if (typeof Symbol.asyncDispose !== 'symbol')
  Object.defineProperty(Symbol, 'asyncDispose', { value: Symbol.for('Symbol.asyncDispose') });

/** Broker configs of an embedded broker, over Samsa's developer defaults (options.config wins). */
export const EMBEDDED_DEFAULTS: Readonly<Record<string, string>> = {
  ...DEVELOPER_DEFAULTS,
  // One __consumer_offsets partition: created on the first group in a few ms instead of fifty logs.
  'offsets.topic.num.partitions': '1',
  // Likewise one __transaction_state partition, created on the first transactional producer.
  'transaction.state.log.num.partitions': '1',
};

const INTERNAL_TOPICS = new Set([OFFSETS_TOPIC, '__transaction_state']);

/** The log dir of a memory broker: a name inside its memory file system, never a path on disk. */
const MEMORY_LOG_DIR = '/in-memory/samsa-logs';

/** Starts a broker in this process. */
export async function startBroker(options: StartBrokerOptions = {}): Promise<EmbeddedBroker> {
  const storage = options.storage ?? 'memory';
  if (storage !== 'memory' && storage !== 'disk')
    throw new TypeError(`storage must be 'memory' or 'disk', not ${JSON.stringify(storage)}`);
  if (storage === 'memory' && options.dataDir !== undefined)
    throw new TypeError("dataDir is for storage 'disk'; a memory broker writes nothing to disk");
  const host = options.host ?? '127.0.0.1';
  const nodeId = options.nodeId ?? 1;
  let tempDir: string | null = null;
  let logDir = MEMORY_LOG_DIR;
  if (storage === 'disk') {
    if (options.dataDir === undefined) tempDir = await mkdtemp(join(tmpdir(), 'samsa-embedded-'));
    logDir = options.dataDir ?? (tempDir as string);
  }
  try {
    const loaded = loadBrokerConfig({
      base: {
        ...EMBEDDED_DEFAULTS,
        'node.id': String(nodeId),
        listeners: `PLAINTEXT://${host}:${options.port ?? 0}`,
        'log.dirs': logDir,
        ...stringValues(securityConfig(options, host, options.port ?? 0)),
      },
      overrides: stringValues(options.config ?? {}),
      env: {},
    });
    if (!loaded.ok) throw new EmbeddedBrokerError(`startBroker: ${loaded.error}`, 'INVALID_CONFIG');
    let clusterId = options.clusterId ?? randomClusterId();
    if (storage === 'disk') {
      const meta = await ensureMetaProperties(logDir, nodeId, options.clusterId);
      if (!meta.ok) throw new EmbeddedBrokerError(`startBroker: ${meta.error}`, 'INVALID_CONFIG');
      clusterId = meta.meta.clusterId;
    }
    const clock = options.clock ?? systemClock;
    const level = options.logLevel ?? 'off';
    const node = await BrokerNode.start({
      config: loaded.config,
      clusterId,
      storage,
      clock,
      // On stderr: a test runner's stdout may carry its report (node --test writes TAP there).
      log:
        level === 'off'
          ? Logger.silent()
          : Logger.create({ level, format: 'text', sink: { write: (line) => process.stderr.write(line) } }),
    });
    const broker = new Broker(node, clock, storage === 'disk' ? logDir : null, tempDir, options.topics ?? {});
    try {
      await applySecurity(node, options);
      await broker.createStartTopics();
    } catch (err) {
      await broker.stop();
      throw err;
    }
    return broker;
  } catch (err) {
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
    throw err;
  }
}

class Broker implements EmbeddedBroker {
  readonly faults: Faults;
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly bootstrapServers: string;
  readonly listeners: Readonly<Record<string, string>>;
  readonly clusterId: string;
  readonly brokers: readonly EmbeddedNode[];
  private readonly roundRobin = new Map<string, { next: number }>();
  private stopping: Promise<void> | null = null;

  constructor(
    /** The broker itself: its services are not a stable API. */
    readonly node: BrokerNode,
    readonly clock: Clock,
    readonly dataDir: string | null,
    private readonly tempDir: string | null,
    private readonly startTopics: Readonly<Record<string, TopicSpec>>,
  ) {
    const listener = node.listeners[0];
    this.nodeId = node.config.nodeId;
    this.host = listener.host === '' || listener.host === '0.0.0.0' ? '127.0.0.1' : listener.host;
    this.port = listener.boundPort;
    this.bootstrapServers = `${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
    const hostText = this.host.includes(':') ? `[${this.host}]` : this.host;
    this.listeners = Object.fromEntries(node.listeners.map((l) => [l.name, `${hostText}:${l.boundPort}`]));
    this.clusterId = node.clusterId;
    this.faults = new Faults(
      new Set(node.registry.supportedApis.map((a) => a.apiKey)),
      () => {
        const n = node.server.connectionCount;
        node.server.dropConnections();
        return n;
      },
      node.txns,
    );
    node.registry.interceptor = this.faults.interceptor;
    this.brokers = [this];
  }

  /**
   * The start-up topics, and __consumer_offsets with its coordinator loaded: a client's first group
   * request is then served at once, where a lazily created coordinator would have it back off and
   * retry (for 100 ms to a second, depending on the client). @internal
   */
  async createStartTopics(): Promise<void> {
    for (const [name, spec] of Object.entries(this.startTopics)) {
      await this.createTopic(name, typeof spec === 'number' ? { partitions: spec } : spec);
    }
    const { controller, groups } = this.node;
    const [result] = await controller.createTopics([groups.offsetsTopicSpec(1)]);
    if (result.errorCode !== ErrorCode.NONE && result.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS)
      throw kafkaError(`creating ${OFFSETS_TOPIC}`, result.errorCode, result.errorMessage);
    const partitions = controller.image.topicsByName.get(OFFSETS_TOPIC)?.partitions ?? [];
    // Each shard replays its (empty) log; a few event-loop turns.
    for (let turns = 0; partitions.some((p) => groups.runtime.status(p.partition) !== 'active'); turns++) {
      if (turns > 10_000)
        throw new EmbeddedBrokerError('the group coordinator did not load', 'COORDINATOR_NOT_AVAILABLE');
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private live(): void {
    if (this.stopping) throw new EmbeddedBrokerError('the embedded broker is stopped', 'STOPPED');
  }

  async createTopic(name: string, options: CreateTopicOptions = {}): Promise<void> {
    this.live();
    const [result] = await this.node.controller.createTopics([
      {
        name,
        numPartitions: options.partitions ?? -1,
        replicationFactor: -1,
        assignments: [],
        configs: Object.entries(stringValues(options.config ?? {})).map(([k, v]) => ({ name: k, value: v })),
      },
    ]);
    if (result.errorCode !== ErrorCode.NONE)
      throw kafkaError(`createTopic ${name}`, result.errorCode, result.errorMessage);
  }

  async deleteTopic(name: string): Promise<void> {
    this.live();
    const [result] = await this.node.controller.deleteTopics([{ name, topicId: null }]);
    if (result.errorCode !== ErrorCode.NONE)
      throw kafkaError(`deleteTopic ${name}`, result.errorCode, result.errorMessage);
    this.roundRobin.delete(name);
  }

  listTopics(): string[] {
    return [...this.node.controller.image.topicsByName.keys()].filter((t) => !INTERNAL_TOPICS.has(t)).sort();
  }

  async produce(
    topic: string,
    records: ProduceRecord | Bytes | readonly (ProduceRecord | Bytes)[],
  ): Promise<ProducedRecord[]> {
    this.live();
    const list = (Array.isArray(records) ? records : [records]).map((r: ProduceRecord | Bytes) =>
      normalize(r),
    );
    if (list.length === 0) return [];
    if (INTERNAL_TOPICS.has(topic))
      throw new EmbeddedBrokerError(`${topic} is internal to the broker`, 'INVALID_TOPIC_EXCEPTION');
    const partitionCount = await this.ensureTopic(topic);
    let counter = this.roundRobin.get(topic);
    if (!counter) {
      counter = { next: 0 };
      this.roundRobin.set(topic, counter);
    }
    const targets = assignPartitions(list, partitionCount, counter);
    const byPartition = new Map<number, number[]>();
    targets.forEach((p, i) => {
      const indexes = byPartition.get(p);
      if (indexes) indexes.push(i);
      else byPartition.set(p, [i]);
    });
    const now = this.clock.now();
    const out: ProducedRecord[] = new Array(list.length);
    await Promise.all(
      [...byPartition].map(async ([p, indexes]) => {
        const partition = this.node.replicas.get(topic, p);
        if (!partition)
          throw new EmbeddedBrokerError(`${topic}-${p} is not hosted here`, 'NOT_LEADER_OR_FOLLOWER');
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

  /** The partition count of `topic`, created first when the broker auto-creates topics. */
  private async ensureTopic(topic: string): Promise<number> {
    const existing = this.node.controller.image.topicsByName.get(topic);
    if (existing) return existing.partitions.length;
    if (!this.node.config.autoCreateTopicsEnable)
      throw new EmbeddedBrokerError(
        `topic ${topic} does not exist (auto.create.topics.enable is false; createTopic it first)`,
        'UNKNOWN_TOPIC_OR_PARTITION',
      );
    const [result] = await this.node.controller.createTopics([
      { name: topic, numPartitions: -1, replicationFactor: -1, assignments: [], configs: [] },
    ]);
    if (result.errorCode !== ErrorCode.NONE && result.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS)
      throw kafkaError(`auto-creating ${topic}`, result.errorCode, result.errorMessage);
    return this.node.controller.image.topicsByName.get(topic)?.partitions.length ?? 0;
  }

  readAll(topic: string, options?: ReadOptions & { encoding?: 'buffer' }): Promise<StoredRecord<Buffer>[]>;
  readAll(topic: string, options: ReadOptions & { encoding: 'utf8' }): Promise<StoredRecord<string>[]>;
  async readAll(
    topic: string,
    options: ReadOptions & { encoding?: 'buffer' | 'utf8' } = {},
  ): Promise<StoredRecord<Buffer>[] | StoredRecord<string>[]> {
    this.live();
    const info = this.node.controller.image.topicsByName.get(topic);
    if (!info) throw new EmbeddedBrokerError(`topic ${topic} does not exist`, 'UNKNOWN_TOPIC_OR_PARTITION');
    const indexes =
      options.partition === undefined ? info.partitions.map((p) => p.partition) : [options.partition];
    const out: StoredRecord[] = [];
    for (const index of indexes) {
      const partition = this.node.replicas.get(topic, index);
      if (!partition)
        throw new EmbeddedBrokerError(
          `partition ${index} of ${topic} does not exist`,
          'UNKNOWN_TOPIC_OR_PARTITION',
        );
      out.push(...(await readPartition(topic, partition, options.isolationLevel === 'read_committed')));
    }
    return options.encoding === 'utf8' ? out.map(asText) : out;
  }

  describeGroup(groupId: string): Promise<GroupDescription> {
    this.live();
    return describeGroupOf(this.node.groups, groupId);
  }

  async describeTransaction(transactionalId: string): Promise<TransactionDescription | null> {
    this.live();
    const [d] = await this.node.txns.describe([transactionalId]);
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

  waitForGroup(groupId: string, options: WaitForGroupOptions = {}): Promise<GroupDescription> {
    return waitForGroupState(() => this.describeGroup(groupId), groupId, options);
  }

  committedOffsets(groupId: string): Promise<CommittedOffsets> {
    this.live();
    return fetchCommittedOffsets(this.node.groups, groupId);
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
    this.live();
    this.faults.clear();
    if (options.dropConnections) this.node.server.dropConnections();
    await this.node.controller.apply((image) => {
      const records: MetadataRecord[] = [];
      for (const t of image.topicsById.values()) records.push(record('RemoveTopic', { topicId: t.id }));
      for (const key of image.configs.keys()) {
        const [type, name] = splitConfigKey(key);
        if (type !== ResourceType.Broker) continue;
        for (const config of image.configs.get(key)?.keys() ?? [])
          records.push(
            record('Config', { resourceType: type, resourceName: name, name: config, value: null }),
          );
      }
      return { records, result: undefined };
    });
    this.roundRobin.clear();
    await this.createStartTopics();
  }

  stop(): Promise<void> {
    if (!this.stopping) this.stopping = this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.faults.clear();
    // Parked fetches answer now with what they have, so open consumers do not hold up the stop.
    this.node.replicas.fetchPurgatory.expireAll();
    try {
      await this.node.stop(2000);
    } finally {
      if (this.tempDir) await rm(this.tempDir, { recursive: true, force: true });
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

function splitConfigKey(key: string): [number, string] {
  const colon = key.indexOf(':');
  return [Number(key.slice(0, colon)), key.slice(colon + 1)];
}

function stringValues(config: Readonly<Record<string, ConfigValue>>): Record<string, string> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, String(v)]));
}

function kafkaError(what: string, code: number, message: string | null): EmbeddedBrokerError {
  const name = errorInfo(code).name;
  return new EmbeddedBrokerError(`${what}: ${name}${message ? ` (${message})` : ''}`, name);
}
