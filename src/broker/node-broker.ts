// The broker half of a node, wired by the composition root (node.ts): the partition logs and the
// replica manager over them, the group and transaction coordinators, producer ids, fetch sessions, and
// the registry of the broker's handlers with the listeners that serve it. Everything here is built
// from what node.ts already made: the metadata publisher, the controller service, the configs and
// the listeners' security.
import { randomInt, randomUUID } from 'node:crypto';
import { statfs } from 'node:fs/promises';
import type { BrokerConfig } from '../config/index.js';
import { DecompressionError } from '../protocol/records/codec-error.js';
import { codecsFor } from '../protocol/records/codecs.js';
import type { TxnMarker } from '../protocol/records/control.js';
import type { FileSystem, RecordCodec } from '../storage/index.js';
import type { Clock } from './clock.js';
import type { BrokerConfigService } from './config-service.js';
import type { BrokerLifecycle } from './controller/broker-lifecycle.js';
import type { ControllerService } from './controller/controller-service.js';
import { envelopeForwarding } from './controller/forwarding.js';
import type { MetadataPublisher } from './controller/metadata-publisher.js';
import { GroupCoordinator } from './coordinator/group/coordinator.js';
import { OFFSETS_TOPIC } from './coordinator/group/settings.js';
import { PartitionWriter } from './coordinator/partition-writer.js';
import { TxnCoordinator } from './coordinator/txn/coordinator.js';
import { writeMarkersLocally } from './coordinator/txn/local-markers.js';
import { TRANSACTION_STATE_TOPIC } from './coordinator/txn/settings.js';
import { localTxnVerifier } from './coordinator/txn/verifier.js';
import { HANDLERS } from './handlers/index.js';
import { Registry } from './handlers/registry.js';
import type { BrokerServices, CommonServices } from './handlers/services.js';
import type { Logger } from './logger.js';
import type { ControllerChannel, DeadlineTimer } from './net/index.js';
import type { NodeOptions } from './node.js';
import { brokerListenerSpecs } from './node-quorum.js';
import {
  brokerLinks,
  controllerLink,
  openLogDirs,
  quorumHighWatermark,
  replicationSettings,
  StallGuard,
  throttleRates,
} from './node-replication.js';
import { remoteMarkers, remoteTxnVerifier } from './node-transactions.js';
import { ProducerIdManager } from './producer-ids.js';
import { FetchSessionCache } from './replica/fetch-sessions.js';
import { toLogConfig } from './replica/log-config.js';
import { ReplicaManager } from './replica/replica-manager.js';
import { TxnVerification } from './replica/txn-verification.js';
import type { BrokerSecurity } from './security/broker-security.js';
import type { PeerConnector } from './security/peer-security.js';
import type { ListenerSpec } from './server/listener.js';

/** The parts of a broker (absent on a controller-only node). */
export interface BrokerParts {
  replicas: ReplicaManager;
  groups: GroupCoordinator;
  txns: TxnCoordinator;
  lifecycle: BrokerLifecycle | null;
  /** The connections of transaction markers and verifications to other brokers. */
  txnPeers: { close(): void } | null;
}

/** What the composition root hands over to build the broker. */
export interface BrokerWiring {
  config: BrokerConfig;
  options: NodeOptions;
  fs: FileSystem;
  now: () => number;
  timeline: Clock;
  log: Logger;
  publisher: MetadataPublisher;
  netTimer: DeadlineTimer;
  /** How this broker connects to the others (the inter-broker listener's security). */
  brokerConnector: PeerConnector;
  /** The way to the active controller; null on a standalone node. */
  channel: ControllerChannel | null;
  controller: ControllerService;
  topicConfigs: BrokerConfigService;
  common: CommonServices;
  security: BrokerSecurity;
  /** The broker's registration with the controller, once it has one (set after the listeners bind). */
  lifecycle: () => BrokerLifecycle | null;
  /** Client quotas on each answer about to be sent. */
  onAnswer: Registry<BrokerServices>['onAnswer'];
}

export async function wireBroker(w: BrokerWiring): Promise<{
  parts: BrokerParts;
  registry: Registry<BrokerServices>;
  listenerSpecs: ListenerSpec[];
}> {
  const { config, options, fs, now, timeline, log, publisher, netTimer, brokerConnector, channel } = w;
  const { controller, topicConfigs, common, security, lifecycle } = w;
  const logDir = config.logDirs[0];
  const logDirs = await openLogDirs(config.logDirs, {
    fs,
    now,
    timers: timeline,
    codec: STORAGE_CODEC,
    config: { retentionCheckIntervalMs: config.logRetentionCheckIntervalMs },
    topicConfig: (topic) => toLogConfig(topicConfigs.topicConfig(topic)),
    onLogOffline: (tp, err) =>
      log.child('storage').error('partition log went offline', {
        topic: tp.topic,
        partition: tp.partition,
        err: String(err),
      }),
    onEvent: (message) => log.child('storage').info(message),
  });
  // Requests to other brokers on the inter-broker listener: replica fetches on their own connections;
  // transaction markers and the verification of transactional writes on others (as Kafka's separate
  // channels): a peer answers the requests of one connection in order, and a marker waiting for its
  // followers must not hold up their fetches behind it.
  const peers = config.standalone
    ? null
    : brokerLinks(config, () => publisher.image, netTimer, log.child('replica-fetcher'), brokerConnector);
  const txnPeers = config.standalone
    ? null
    : brokerLinks(
        config,
        () => publisher.image,
        netTimer,
        log.child('txn-coordinator'),
        brokerConnector,
        'txn',
      );
  const interBrokerTimeoutMs = Number(config.get('request.timeout.ms')?.value);
  const replicas = new ReplicaManager({
    logs: logDirs,
    nodeId: config.nodeId,
    topicConfig: (topic) => topicConfigs.topicConfig(topic),
    log: log.child('replicas'),
    clock: timeline,
    replication: replicationSettings(config),
    throttleRates: throttleRates(topicConfigs),
    links: peers ?? undefined,
    controller: channel ? controllerLink(channel) : undefined,
    leadGuard: config.standalone
      ? undefined
      : new StallGuard(
          config.brokerSessionTimeoutMs,
          config.brokerHeartbeatIntervalMs,
          lifecycle,
          log.child('replicas'),
          channel
            ? {
                quorumHighWatermark: () => quorumHighWatermark(channel, config.brokerHeartbeatIntervalMs),
                appliedOffset: () => publisher.image.offset,
              }
            : null,
        ),
  });
  controller.onImage((image, previous) => replicas.onImage(image, previous));
  const groups = new GroupCoordinator({
    settings: {
      offsetsTopicPartitions: config.offsetsTopicPartitions,
      offsetsTopicReplicationFactor: config.offsetsTopicReplicationFactor,
      // A cluster waits for enough brokers, as Kafka; a standalone node makes do with itself.
      offsetsTopicReplicationFactorLowered: config.standalone,
      offsetsTopicSegmentBytes: config.offsetsTopicSegmentBytes,
      offsetsRetentionMs: config.offsetsRetentionMs,
      offsetsRetentionCheckIntervalMs: config.offsetsRetentionCheckIntervalMs,
      offsetMetadataBytesMax: config.offsetMetadataBytesMax,
      groupInitialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
      groupSessionTimeoutMsMin: config.groupMinSessionTimeoutMs,
      groupSessionTimeoutMsMax: config.groupMaxSessionTimeoutMs,
      groupSizeMax: config.groupMaxSize,
    },
    scheduler: timeline,
    logFor:
      options.groupLogFor ??
      ((partition) => new PartitionWriter(() => replicas.get(OFFSETS_TOPIC, partition))),
    randomUuid: randomUUID,
    log: log.child('group-coordinator'),
  });
  controller.onImage((image, previous) => groups.onMetadataImage(image, previous, config.nodeId));
  const producerIds = new ProducerIdManager(controller, config.nodeId);
  const localMarkers = {
    partition: (topic: string, index: number) => replicas.get(topic, index),
    metadata: () => controller.image,
    completeGroupTransaction: (partition: number, marker: TxnMarker) =>
      groups.completeTransaction(partition, marker),
    onMarker: (key: string, producerId: number) => txnVerification.onMarker(key, producerId),
    now,
  };
  const markersToPeers =
    options.remoteMarkers ?? (txnPeers ? remoteMarkers(txnPeers, interBrokerTimeoutMs) : undefined);
  // Transaction coordinator: loads the __transaction_state partitions this node leads; markers for
  // partitions led here are written locally, the others go through `remoteMarkers`.
  const txns = new TxnCoordinator({
    settings: {
      transactionStateLogPartitions: config.transactionStateLogPartitions,
      transactionStateLogReplicationFactor: config.transactionStateLogReplicationFactor,
      transactionStateLogMinIsr: config.transactionStateLogMinIsr,
      transactionStateLogSegmentBytes: config.transactionStateLogSegmentBytes,
      transactionTimeoutMsMax: config.transactionMaxTimeoutMs,
      transactionalIdExpirationMs: config.transactionalIdExpirationMs,
      abortTimedOutTransactionsIntervalMs: config.transactionAbortTimedOutTransactionCleanupIntervalMs,
      removeExpiredTransactionalIdsIntervalMs: config.transactionRemoveExpiredTransactionCleanupIntervalMs,
    },
    scheduler: timeline,
    logFor: (partition) => new PartitionWriter(() => replicas.get(TRANSACTION_STATE_TOPIC, partition)),
    producerIds,
    markers: {
      writeMarkers: (nodeId, marker) =>
        nodeId === config.nodeId || !markersToPeers
          ? writeMarkersLocally(localMarkers, marker)
          : markersToPeers.writeMarkers(nodeId, marker),
    },
    leaderOf: (topic, partition) => {
      const p = controller.image.topicsByName.get(topic)?.partitions[partition];
      return p ? p.leader : null;
    },
    log: log.child('txn-coordinator'),
  });
  controller.onImage((image, previous) => txns.onMetadataImage(image, previous, config.nodeId));
  const txnVerification = new TxnVerification(
    localTxnVerifier(
      txns,
      config.nodeId,
      () => controller.image,
      options.remoteTxnVerifier ?? (txnPeers ? remoteTxnVerifier(txnPeers, interBrokerTimeoutMs) : undefined),
    ),
    () => config.transactionPartitionVerificationEnable,
  );
  const services: BrokerServices = {
    ...common,
    producerIds,
    replicas,
    fetchSessions: new FetchSessionCache({
      slotsMax: config.fetchSessionCacheSlotsMax,
      now,
      randomId: () => randomInt(1, 0x7fffffff),
    }),
    logDir,
    diskSpace: (dir = logDir) => diskSpace(dir, options.storage === 'memory'),
    groups,
    txns,
    txnVerification,
    writeMarkers: (marker) => writeMarkersLocally(localMarkers, marker),
  };
  const registry = new Registry(HANDLERS, services, log.child('registry'));
  registry.onAnswer = w.onAnswer;
  if (channel)
    registry.forwarding = envelopeForwarding(
      channel,
      () => controller.isActiveHere(),
      log.child('forwarding'),
      (apiKey, request, response) => controller.awaitForwardedVisible(apiKey, request, response),
    );
  const listenerSpecs = brokerListenerSpecs(config).map((spec) => ({
    ...spec,
    dispatcher: security.gate(registry),
  }));
  return { parts: { replicas, groups, txns, lifecycle: null, txnPeers }, registry, listenerSpecs };
}

/** Total and usable bytes of the disk holding `dir` (-1 when unknown, as Kafka reports it). */
async function diskSpace(dir: string, memory: boolean): Promise<{ totalBytes: number; usableBytes: number }> {
  if (memory) return { totalBytes: -1, usableBytes: -1 };
  try {
    const s = await statfs(dir);
    return { totalBytes: s.blocks * s.bsize, usableBytes: s.bavail * s.bsize };
  } catch {
    return { totalBytes: -1, usableBytes: -1 };
  }
}

/**
 * Compression for the storage layer (compaction reads compressed batches). The codec libraries load
 * in the background after start-up, so they cost nothing before the broker is ready; until then a
 * compressed batch is reported as not yet supported and compaction tries it again later.
 */
const STORAGE_CODEC: RecordCodec = {
  decompress(codec, data, outputBytesMax) {
    try {
      return codecsFor(codec).decompressSync(codec, data, outputBytesMax);
    } catch (err) {
      if (err instanceof DecompressionError && err.reason === 'unavailable') return null;
      throw err;
    }
  },
  compress(codec, data) {
    try {
      return codecsFor(codec).compressSync(codec, data);
    } catch (err) {
      if (err instanceof DecompressionError && err.reason === 'unavailable') return null;
      throw err;
    }
  },
};
