// The broker's typed view of its configuration, built from resolved layers.

import { checkNodeId, checkRules, networkSettings, type ProcessRole, type Values } from './broker-checks.js';
import type { HostPort, Listener, QuorumVoter, SecurityProtocol } from './listeners.js';
import { csvList } from './listeners.js';
import { type LogLevel, parseLogLevels } from './log-level.js';
import { BROKER_CONFIGS, TOPIC_CONFIGS } from './registry.js';
import { type ConfigLayers, type ResolvedValue, resolveLayers, STATIC_LAYERS } from './resolve.js';
import { brokerTopicDefault, type TopicConfig, type TopicEntries, topicConfigOf } from './topic-config.js';

export type { LogLevel } from './log-level.js';

/** Typed values the broker reads, camelCase with units last. */
export interface BrokerSettings {
  readonly nodeId: number;
  /** Effective roles; both when process.roles is not set (see `standalone`). */
  readonly processRoles: readonly ProcessRole[];
  /** True when process.roles is not set: a single combined node with an in-process quorum. */
  readonly standalone: boolean;
  readonly listeners: readonly Listener[];
  /** Broker listeners as told to clients (controller listeners left out). */
  readonly advertisedListeners: readonly Listener[];
  readonly controllerListeners: readonly Listener[];
  readonly listenerSecurityProtocolMap: ReadonlyMap<string, SecurityProtocol>;
  readonly controllerListenerNames: readonly string[];
  readonly interBrokerListenerName: string;
  readonly controllerQuorumVoters: readonly QuorumVoter[];
  readonly controllerQuorumBootstrapServers: readonly HostPort[];
  readonly logDirs: readonly string[];
  readonly metadataLogDir: string;
  readonly brokerRack: string | null;
  readonly numPartitions: number;
  readonly defaultReplicationFactor: number;
  readonly autoCreateTopicsEnable: boolean;
  readonly deleteTopicEnable: boolean;
  readonly socketRequestBytesMax: number;
  readonly socketListenBacklogSize: number;
  readonly maxConnections: number;
  readonly connectionsIdleMsMax: number;
  readonly messageBytesMax: number;
  readonly fetchBytesMax: number;
  /** max.incremental.fetch.session.cache.slots */
  readonly fetchSessionCacheSlotsMax: number;
  readonly offsetsTopicPartitions: number;
  /** As configured; the broker lowers it to the number of live brokers. */
  readonly offsetsTopicReplicationFactor: number;
  readonly offsetsTopicSegmentBytes: number;
  readonly offsetsRetentionMs: number;
  readonly offsetsRetentionCheckIntervalMs: number;
  readonly offsetMetadataBytesMax: number;
  readonly transactionStateLogPartitions: number;
  /** As configured; the broker lowers it to the number of live brokers. */
  readonly transactionStateLogReplicationFactor: number;
  readonly transactionStateLogMinIsr: number;
  readonly transactionStateLogSegmentBytes: number;
  readonly transactionMaxTimeoutMs: number;
  readonly transactionalIdExpirationMs: number;
  readonly transactionAbortTimedOutTransactionCleanupIntervalMs: number;
  readonly transactionRemoveExpiredTransactionCleanupIntervalMs: number;
  readonly transactionPartitionVerificationEnable: boolean;
  readonly producerIdExpirationMs: number;
  readonly groupInitialRebalanceDelayMs: number;
  readonly groupMinSessionTimeoutMs: number;
  readonly groupMaxSessionTimeoutMs: number;
  readonly groupMaxSize: number;
  readonly logRetentionCheckIntervalMs: number;
  readonly logFlushSchedulerIntervalMs: number;
  readonly metricsPort: number;
  readonly controllerQuorumElectionTimeoutMs: number;
  readonly controllerQuorumFetchTimeoutMs: number;
  readonly controllerQuorumRequestTimeoutMs: number;
  readonly controllerQuorumRetryBackoffMs: number;
  readonly controllerSocketTimeoutMs: number;
  readonly brokerHeartbeatIntervalMs: number;
  readonly brokerSessionTimeoutMs: number;
  readonly initialBrokerRegistrationTimeoutMs: number;
  readonly controlledShutdownEnable: boolean;
  readonly autoLeaderRebalanceEnable: boolean;
  readonly leaderImbalanceCheckIntervalMs: number;
  readonly uncleanLeaderElectionEnable: boolean;
  readonly metadataLogMaxRecordBytesBetweenSnapshots: number;
  readonly metadataLogMaxSnapshotIntervalMs: number;
  readonly metadataMaxIdleIntervalMs: number;
  /** log.open.files.max: descriptors the logs may hold (before the process limit lowers it). */
  readonly logOpenFilesMax: number;
  /** The default log level (the first part of log.level). */
  readonly logLevel: LogLevel;
  /** Per-component levels from log.level (`info,replicas=debug` gives { replicas: 'debug' }). */
  readonly logLevels: Readonly<Record<string, LogLevel>>;
  readonly logFormat: 'json' | 'text' | 'auto';
}

export interface BrokerConfig extends BrokerSettings {
  /** Any key's resolved value and source (undefined for a key that is neither defined nor set). */
  get(name: string): ResolvedValue | undefined;
  /** Every resolved key: all definitions plus whatever the layers set. */
  all(): Iterable<ResolvedValue>;
  /** The effective config of a topic with these stored overrides. */
  topicConfig(overrides?: TopicEntries): TopicConfig;
  /** Topic configs of a topic without overrides (the broker's topic defaults). */
  readonly topicDefaults: TopicConfig;
  readonly layers: ConfigLayers;
  /** Lines worth logging once at start (keys accepted but ignored, unknown environment variables). */
  readonly notes: readonly string[];
  readonly warnings: readonly string[];
}

export type LoadResult = { ok: true; config: BrokerConfig } | { ok: false; error: string };

function valuesOf(resolved: ReadonlyMap<string, ResolvedValue>): Values {
  return {
    get: (name) => resolved.get(name)?.value ?? null,
    isSet: (name) => {
      const source = resolved.get(name)?.source;
      return source !== undefined && source !== 'default';
    },
  };
}

function typedSettings(v: Values) {
  const n = (name: string) => v.get(name) as number;
  const b = (name: string) => v.get(name) as boolean;
  const s = (name: string) => v.get(name) as string;
  const logDirs = csvList((v.get('log.dirs') as string | null) ?? s('log.dir'));
  return {
    nodeId: n('node.id'),
    logDirs,
    metadataLogDir: (v.get('metadata.log.dir') as string | null) ?? logDirs[0] ?? '',
    brokerRack: v.get('broker.rack') as string | null,
    numPartitions: n('num.partitions'),
    defaultReplicationFactor: n('default.replication.factor'),
    autoCreateTopicsEnable: b('auto.create.topics.enable'),
    deleteTopicEnable: b('delete.topic.enable'),
    socketRequestBytesMax: n('socket.request.max.bytes'),
    socketListenBacklogSize: n('socket.listen.backlog.size'),
    maxConnections: n('max.connections'),
    connectionsIdleMsMax: n('connections.max.idle.ms'),
    messageBytesMax: n('message.max.bytes'),
    fetchBytesMax: n('fetch.max.bytes'),
    fetchSessionCacheSlotsMax: n('max.incremental.fetch.session.cache.slots'),
    offsetsTopicPartitions: n('offsets.topic.num.partitions'),
    offsetsTopicReplicationFactor: n('offsets.topic.replication.factor'),
    offsetsTopicSegmentBytes: n('offsets.topic.segment.bytes'),
    offsetsRetentionMs: n('offsets.retention.minutes') * 60000,
    offsetsRetentionCheckIntervalMs: n('offsets.retention.check.interval.ms'),
    offsetMetadataBytesMax: n('offset.metadata.max.bytes'),
    transactionStateLogPartitions: n('transaction.state.log.num.partitions'),
    transactionStateLogReplicationFactor: n('transaction.state.log.replication.factor'),
    transactionStateLogMinIsr: n('transaction.state.log.min.isr'),
    transactionStateLogSegmentBytes: n('transaction.state.log.segment.bytes'),
    transactionMaxTimeoutMs: n('transaction.max.timeout.ms'),
    transactionalIdExpirationMs: n('transactional.id.expiration.ms'),
    transactionAbortTimedOutTransactionCleanupIntervalMs: n(
      'transaction.abort.timed.out.transaction.cleanup.interval.ms',
    ),
    transactionRemoveExpiredTransactionCleanupIntervalMs: n(
      'transaction.remove.expired.transaction.cleanup.interval.ms',
    ),
    transactionPartitionVerificationEnable: b('transaction.partition.verification.enable'),
    producerIdExpirationMs: n('producer.id.expiration.ms'),
    groupInitialRebalanceDelayMs: n('group.initial.rebalance.delay.ms'),
    groupMinSessionTimeoutMs: n('group.min.session.timeout.ms'),
    groupMaxSessionTimeoutMs: n('group.max.session.timeout.ms'),
    groupMaxSize: n('group.max.size'),
    logRetentionCheckIntervalMs: n('log.retention.check.interval.ms'),
    logFlushSchedulerIntervalMs: n('log.flush.scheduler.interval.ms'),
    metricsPort: n('metrics.port'),
    controllerQuorumElectionTimeoutMs: n('controller.quorum.election.timeout.ms'),
    controllerQuorumFetchTimeoutMs: n('controller.quorum.fetch.timeout.ms'),
    controllerQuorumRequestTimeoutMs: n('controller.quorum.request.timeout.ms'),
    controllerQuorumRetryBackoffMs: n('controller.quorum.retry.backoff.ms'),
    controllerSocketTimeoutMs: n('controller.socket.timeout.ms'),
    brokerHeartbeatIntervalMs: n('broker.heartbeat.interval.ms'),
    brokerSessionTimeoutMs: n('broker.session.timeout.ms'),
    initialBrokerRegistrationTimeoutMs: n('initial.broker.registration.timeout.ms'),
    controlledShutdownEnable: b('controlled.shutdown.enable'),
    autoLeaderRebalanceEnable: b('auto.leader.rebalance.enable'),
    leaderImbalanceCheckIntervalMs: n('leader.imbalance.check.interval.seconds') * 1000,
    uncleanLeaderElectionEnable: b('unclean.leader.election.enable'),
    metadataLogMaxRecordBytesBetweenSnapshots: n('metadata.log.max.record.bytes.between.snapshots'),
    metadataLogMaxSnapshotIntervalMs: n('metadata.log.max.snapshot.interval.ms'),
    metadataMaxIdleIntervalMs: n('metadata.max.idle.interval.ms'),
    logOpenFilesMax: n('log.open.files.max'),
    ...logLevelsOf(s('log.level')),
    logFormat: s('log.format') as 'json' | 'text' | 'auto',
  };
}

/** The value was validated when loaded; a bad one falls back to info. */
function logLevelsOf(text: string): { logLevel: LogLevel; logLevels: Readonly<Record<string, LogLevel>> } {
  const parsed = parseLogLevels(text);
  return parsed.ok
    ? { logLevel: parsed.value.level, logLevels: parsed.value.components }
    : { logLevel: 'info', logLevels: {} };
}

/** Copies node.id to broker.id or the other way when only one is set statically (as KafkaConfig does). */
export function withIdSynonyms(layers: ConfigLayers): ConfigLayers {
  const top = (key: string) => STATIC_LAYERS.findLast((layer) => layers[layer].has(key));
  const nodeLayer = top('node.id');
  const brokerLayer = top('broker.id');
  if ((nodeLayer === undefined) === (brokerLayer === undefined)) return layers;
  const [from, to, layer] = nodeLayer
    ? ['node.id', 'broker.id', nodeLayer]
    : ['broker.id', 'node.id', brokerLayer!];
  const copy = new Map(layers[layer]);
  copy.set(to, copy.get(from)!);
  return { ...layers, [layer]: copy };
}

function topicDefaultCheck(resolved: ReadonlyMap<string, ResolvedValue>): {
  retentionMs: number;
  rollMs: number;
} {
  const lookup = (name: string) => resolved.get(name);
  const ms = (topic: string) => Number(brokerTopicDefault(TOPIC_CONFIGS.get(topic)!, lookup).text);
  return { retentionMs: ms('retention.ms'), rollMs: ms('segment.ms') };
}

/** Resolves, checks and types a set of layers. */
export function buildBrokerConfig(layers: ConfigLayers, notes: string[], warnings: string[]): LoadResult {
  const resolvedResult = resolveLayers(layers, BROKER_CONFIGS.keys());
  if (!resolvedResult.ok) return resolvedResult;
  const resolved = resolvedResult.values;
  const values = valuesOf(resolved);
  const id = checkNodeId(values);
  if (id) return { ok: false, error: id };
  const network = networkSettings(values);
  if (!network.ok) return network;
  const typed = typedSettings(values);
  const { retentionMs, rollMs } = topicDefaultCheck(resolved);
  const rule = checkRules(values, typed.logDirs, retentionMs, rollMs);
  if (rule) return { ok: false, error: rule };
  const lookup = (name: string) => resolved.get(name);
  const topicConfig = (overrides: TopicEntries = {}) => topicConfigOf(lookup, overrides);
  const config: BrokerConfig = {
    ...typed,
    ...network.value,
    get: lookup,
    all: () => resolved.values(),
    topicConfig,
    topicDefaults: topicConfig(),
    layers,
    notes,
    warnings,
  };
  return { ok: true, config };
}
