// The composition root: the only place the broker's services are constructed and wired together.
import { randomInt, randomUUID } from 'node:crypto';
import { statfs } from 'node:fs/promises';
import type { BrokerConfig } from '../config/index.js';
import { record } from '../metadata/records.js';
import { DecompressionError } from '../protocol/records/codec-error.js';
import { codecsFor } from '../protocol/records/codecs.js';
import type { TxnMarker } from '../protocol/records/control.js';
import {
  type FileSystem,
  LogManager,
  MemoryFileSystem,
  RealFileSystem,
  type RecordCodec,
} from '../storage/index.js';
import { type Clock, systemClock } from './clock.js';
import { BrokerConfigService } from './config-service.js';
import { ControllerService } from './controller/controller-service.js';
import type { MetadataLog } from './controller/metadata-log.js';
import { GroupCoordinator } from './coordinator/group/coordinator.js';
import { OFFSETS_TOPIC } from './coordinator/group/settings.js';
import { PartitionWriter } from './coordinator/partition-writer.js';
import type { CoordinatorWriter } from './coordinator/runtime.js';
import { TxnCoordinator } from './coordinator/txn/coordinator.js';
import { writeMarkersLocally } from './coordinator/txn/local-markers.js';
import type { MarkerChannel } from './coordinator/txn/markers.js';
import { TRANSACTION_STATE_TOPIC } from './coordinator/txn/settings.js';
import { localTxnVerifier } from './coordinator/txn/verifier.js';
import { HANDLERS } from './handlers/index.js';
import { Registry } from './handlers/registry.js';
import type { BrokerServices } from './handlers/services.js';
import { Logger } from './logger.js';
import { BrokerMetrics } from './metrics/broker-metrics.js';
import type { ConsumerLag } from './metrics/consumer-lag.js';
import { collectSecurity } from './metrics/security-metrics.js';
import { ProducerIdManager } from './producer-ids.js';
import { LocalMetadataLog } from './raft-io/local-metadata-log.js';
import { FetchSessionCache } from './replica/fetch-sessions.js';
import { toLogConfig } from './replica/log-config.js';
import { ReplicaManager } from './replica/replica-manager.js';
import { TxnVerification, type TxnVerifier } from './replica/txn-verification.js';
import { BrokerSecurity } from './security/broker-security.js';
import { type BoundListener, type ListenerSpec, SocketServer } from './server/listener.js';

const INTERNAL_TOPICS = new Set([OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC]);
const SECURITY_PROTOCOL_IDS: Record<string, number> = {
  PLAINTEXT: 0,
  SSL: 1,
  SASL_PLAINTEXT: 2,
  SASL_SSL: 3,
};

export interface NodeOptions {
  config: BrokerConfig;
  clusterId: string;
  /** 'memory' keeps every log in memory through the storage file-system seam (nothing on disk). */
  storage?: 'disk' | 'memory';
  /** A file system to use instead (tests that crash or fail writes). */
  fs?: FileSystem;
  log?: Logger;
  metadataLog?: MetadataLog;
  now?: () => number;
  /** Time and timers of everything time-driven (default: the system clock); `now` still wins for `now`. */
  clock?: Clock;
  /** The log of a `__consumer_offsets` partition (default: in memory, lost when the process exits). */
  groupLogFor?: (partition: number) => CoordinatorWriter;
  /**
   * Delivers transaction markers to partitions led by other nodes (WriteTxnMarkers over the wire; the
   * cluster provides it). Markers for partitions led here are written locally either way.
   */
  remoteMarkers?: MarkerChannel;
  /**
   * Asks the transaction coordinator on another node to verify (or add) the partitions of a
   * transactional write (AddPartitionsToTxn v4/v5 over the wire; the cluster provides it).
   */
  remoteTxnVerifier?: TxnVerifier;
  /**
   * Metrics. Absent, the node keeps its plain counters but times no request, runs no process monitor
   * and serves no HTTP (in-process nodes). Present, requests are timed and, when `port` is given,
   * /metrics, /health, /ready and /lag are served on host:port (port 0: a free port). The CLI maps
   * `metrics.port` to this, its 0 meaning "no metrics".
   */
  metrics?: { port?: number; host?: string };
}

export class BrokerNode {
  private constructor(
    readonly config: BrokerConfig,
    readonly clusterId: string,
    readonly server: SocketServer,
    readonly controller: ControllerService,
    readonly registry: Registry,
    readonly replicas: ReplicaManager,
    readonly groups: GroupCoordinator,
    readonly txns: TxnCoordinator,
    readonly listeners: BoundListener[],
    private readonly log: Logger,
    readonly metrics: BrokerMetrics,
  ) {}

  /** Where /metrics is served; null when it is not. */
  metricsAddress: { host: string; port: number } | null = null;

  /** Consumer lag of the groups this node coordinates, in offsets and seconds (`samsa group describe`). */
  get consumerLag(): ConsumerLag {
    return this.metrics.lag as ConsumerLag;
  }

  static async start(options: NodeOptions): Promise<BrokerNode> {
    const log = options.log ?? Logger.create();
    // Observability: the endpoint starts listening while the node builds itself, so that /health
    // answers and /ready tells what is still pending while the logs recover (build() marks each step
    // done). A taken port fails the start as soon as it is known.
    const metrics = new BrokerMetrics({
      nodeId: options.config.nodeId,
      clusterId: options.clusterId,
      log: log.child('metrics'),
      now: options.now,
    });
    const port = options.metrics?.port;
    const serving = port === undefined ? null : metrics.serve(options.metrics?.host ?? '', port);
    const built = BrokerNode.build(options, log, metrics);
    let buildSettled = false;
    built.then(
      () => {
        buildSettled = true;
      },
      () => {
        buildSettled = true;
      },
    );
    try {
      const [node, endpoint] = await Promise.all([built, serving]);
      if (endpoint) node.metricsAddress = { host: endpoint.host, port: endpoint.port };
      return node;
    } catch (err) {
      // Whatever part did start is taken down: the node once built (its stop closes the endpoint),
      // else the endpoint. A build still recovering logs is not waited for.
      const cleanup = built.then(
        (node) => node.stop(),
        async () => {
          await serving?.catch(() => {});
          await metrics.close();
        },
      );
      if (buildSettled) await cleanup;
      throw err;
    }
  }

  private static async build(options: NodeOptions, log: Logger, metrics: BrokerMetrics): Promise<BrokerNode> {
    const { config } = options;
    const clock = options.clock ?? systemClock;
    const now = options.now ?? (() => clock.now());
    const timeline: Clock = { now, setTimer: (ms, fn) => clock.setTimer(ms, fn) };
    const fs =
      options.fs ?? (options.storage === 'memory' ? new MemoryFileSystem({ now }) : new RealFileSystem());
    const logDir = config.logDirs[0];
    // Partitions live in the first log dir; spreading them over several is not done yet, so say so
    // rather than let an operator believe the other dirs share the load.
    if (config.logDirs.length > 1) {
      log.warn('only the first log dir holds partitions; the others are not used yet', {
        used: logDir,
        unused: config.logDirs.slice(1),
      });
    }
    const storageLog = log.child('storage');
    let configs: BrokerConfigService | null = null;
    const opened = await LogManager.open(logDir, {
      fs,
      now,
      timers: timeline,
      codec: STORAGE_CODEC,
      config: { retentionCheckIntervalMs: config.logRetentionCheckIntervalMs },
      topicConfig: (topic) => (configs ? toLogConfig(configs.topicConfig(topic)) : undefined),
      onLogOffline: (tp, err) =>
        storageLog.error('partition log went offline', {
          topic: tp.topic,
          partition: tp.partition,
          err: String(err),
        }),
      onEvent: (message) => storageLog.info(message),
    });
    if (opened.kind === 'failed') throw new Error(opened.error.message);
    metrics.readiness.logsRecovered = true;
    const metadataLog =
      options.metadataLog ?? (await LocalMetadataLog.open(config.metadataLogDir || logDir, fs, now));
    const controller = new ControllerService(
      metadataLog,
      {
        numPartitions: config.numPartitions,
        defaultReplicationFactor: config.defaultReplicationFactor,
        deleteTopicEnable: config.deleteTopicEnable,
        validateTopicConfigs: (entries) => configs?.validateTopicConfigs(entries) ?? null,
      },
      log.child('controller'),
    );
    configs = new BrokerConfigService(config, controller);
    const topicConfigs = configs;
    const replicas = new ReplicaManager(
      opened.manager,
      config.nodeId,
      (topic) => topicConfigs.topicConfig(topic),
      log.child('replicas'),
      timeline,
    );
    controller.onImage((image, previous) => replicas.onImage(image, previous));
    // Group coordinator: follows the metadata to load the __consumer_offsets partitions this node
    // leads; their records go to those partitions' logs.
    const groups = new GroupCoordinator({
      settings: {
        offsetsTopicPartitions: config.offsetsTopicPartitions,
        offsetsTopicReplicationFactor: config.offsetsTopicReplicationFactor,
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
    // Listener security (TLS, SASL), the authorizer and quotas; a bad store or JAAS line stops the start.
    const securityBuilt = BrokerSecurity.create(config, brokerListeners(config), () => controller.image, log);
    if (!securityBuilt.ok) throw new Error(securityBuilt.error);
    const security = securityBuilt.value;
    controller.onImage((image) => security.onImage(image, topicConfigs.current));
    const producerIds = new ProducerIdManager(controller, config.nodeId);
    const localMarkers = {
      partition: (topic: string, index: number) => replicas.get(topic, index),
      metadata: () => controller.image,
      completeGroupTransaction: (partition: number, marker: TxnMarker) =>
        groups.completeTransaction(partition, marker),
      onMarker: (key: string, producerId: number) => txnVerification.onMarker(key, producerId),
      now,
    };
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
          nodeId === config.nodeId || !options.remoteMarkers
            ? writeMarkersLocally(localMarkers, marker)
            : options.remoteMarkers.writeMarkers(nodeId, marker),
      },
      leaderOf: (topic, partition) => {
        const p = controller.image.topicsByName.get(topic)?.partitions[partition];
        return p ? p.leader : null;
      },
      log: log.child('txn-coordinator'),
    });
    controller.onImage((image, previous) => txns.onMetadataImage(image, previous, config.nodeId));
    const txnVerification = new TxnVerification(
      localTxnVerifier(txns, config.nodeId, () => controller.image, options.remoteTxnVerifier),
      () => config.transactionPartitionVerificationEnable,
    );
    const services: BrokerServices = {
      nodeId: config.nodeId,
      clusterId: options.clusterId,
      settings: config,
      log,
      now,
      metadata: () => controller.publishedImage,
      isInternalTopic: (name) => INTERNAL_TOPICS.has(name),
      controller,
      configs,
      producerIds,
      replicas,
      fetchSessions: new FetchSessionCache({
        slotsMax: config.fetchSessionCacheSlotsMax,
        now,
        randomId: () => randomInt(1, 0x7fffffff),
      }),
      logDir,
      diskSpace: () => diskSpace(logDir, options.storage === 'memory'),
      groups,
      access: security.access,
      security,
      txns,
      txnVerification,
      writeMarkers: (marker) => writeMarkersLocally(localMarkers, marker),
    };
    const registry = new Registry(HANDLERS, services, log.child('registry'));
    registry.onAnswer = (ctx, request, response) =>
      security.answered({
        apiKey: ctx.apiKey,
        conn: ctx.conn,
        clientId: ctx.header.clientId ?? '',
        request,
        response,
        handlerMs: ctx.handlerMs ?? 0,
      });
    const server = new SocketServer({
      listeners: security.specs(brokerListeners(config)),
      authentication: security.authentication(),
      limits: {
        frameBytesMax: config.socketRequestBytesMax,
        pendingResponsesMax: 256,
        writeBufferBytesMax: 64 * 1024 * 1024,
      },
      connectionsMax: config.maxConnections,
      connectionIdleMsMax: config.connectionsIdleMsMax,
      dispatcher: security.gate(registry),
      log: log.child('server'),
      // Sockets keep wall-clock time whatever the clock: idle sweeps and drains are about real connections.
      now: options.now ?? Date.now,
    });
    // Metrics read the components built above; requests are timed only when metrics are on.
    security.attach(server);
    metrics.registry.add('security', (w) => collectSecurity(w, security));
    metrics.attach({
      replicas,
      controller,
      groups,
      server,
      listenerNames: brokerListeners(config).map((l) => l.name),
      isActiveController: () => true, // a standalone node is its own controller
      minInsyncReplicas: (topic) => topicConfigs.topicConfig(topic).minInsyncReplicas,
    });
    if (options.metrics) registry.requestStats = metrics.instrument(HANDLERS.map((h) => h.apiKey));
    await controller.load();
    metrics.readiness.metadataLoaded = true;
    const bound = await server.start();
    metrics.readiness.listenersBound = true;
    const node = new BrokerNode(
      config,
      options.clusterId,
      server,
      controller,
      registry,
      replicas,
      groups,
      txns,
      bound,
      log,
      metrics,
    );
    await node.register();
    metrics.readiness.registered = true;
    void import('../protocol/records/compression.js');
    return node;
  }

  /** Registers this node in the metadata (a combined node is unfenced at once). */
  private async register(): Promise<void> {
    const advertised = new Map(this.config.advertisedListeners.map((l) => [l.name, l]));
    const endPoints = this.listeners.map((l) => {
      const adv = advertised.get(l.name);
      return {
        name: l.name,
        host: adv?.host || l.host,
        port: adv && adv.port !== 0 ? adv.port : l.boundPort,
        securityProtocol: SECURITY_PROTOCOL_IDS[l.securityProtocol] ?? 0,
      };
    });
    await this.controller.apply(() => ({
      records: [
        record('RegisterBroker', {
          brokerId: this.config.nodeId,
          incarnationId: 'AAAAAAAAAAAAAAAAAAAAAA',
          brokerEpoch: 0,
          endPoints,
          features: [],
          rack: this.config.brokerRack,
          fenced: false,
        }),
      ],
      result: undefined,
    }));
  }

  async stop(timeoutMs = 4000): Promise<void> {
    this.metrics.stopping = true; // /ready answers 503 while the node drains
    await this.server.stop(timeoutMs);
    this.txns.close();
    this.groups.close();
    await this.replicas.close();
    await this.controller.close();
    await this.metrics.close();
    this.log.info('stopped');
  }
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

/** The listeners clients connect to (controller listeners belong to the quorum). */
function brokerListeners(config: BrokerConfig): ListenerSpec[] {
  const controllerNames = new Set(config.controllerListenerNames);
  return config.listeners
    .filter((l) => !controllerNames.has(l.name))
    .map((l) => ({ name: l.name, host: l.host, port: l.port, securityProtocol: l.securityProtocol }));
}
