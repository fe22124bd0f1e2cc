// The composition root: the only place the node's services are constructed and wired together (the
// broker's half in node-broker.ts).
//
// A node is a broker, a controller, or both (process.roles). Every node follows the metadata quorum
// (`__cluster_metadata-0`, the Raft driver in raft-io/): controllers as voters, brokers as observers,
// and each builds its metadata image by replaying the committed log (MetadataPublisher). A controller
// answers the quorum's requests on its controller listener and, while it leads the quorum, is the
// active controller (QuorumController). A broker registers with the active controller and heartbeats
// (BrokerLifecycle), serves clients on its listeners and forwards what needs the controller. Without
// process.roles the node is Samsa's standalone combined node: a one-voter quorum of itself with no
// network between its parts, ready as fast as a single process can be.
import type { BrokerConfig } from '../config/index.js';
import { record } from '../metadata/records.js';
import {
  BoundedFileSystem,
  type FileSystem,
  MemoryFileSystem,
  openFilesBound,
  processOpenFilesLimit,
  RealFileSystem,
} from '../storage/index.js';
import { withChaosUnsafe } from './chaos-unsafe.js';
import { type Clock, systemClock } from './clock.js';
import { BrokerConfigService } from './config-service.js';
import { BrokerLifecycle } from './controller/broker-lifecycle.js';
import { ControllerService } from './controller/controller-service.js';
import { MetadataPublisher } from './controller/metadata-publisher.js';
import { QuorumController } from './controller/quorum-controller.js';
import type { GroupCoordinator } from './coordinator/group/coordinator.js';
import { OFFSETS_TOPIC } from './coordinator/group/settings.js';
import type { CoordinatorWriter } from './coordinator/runtime.js';
import type { TxnCoordinator } from './coordinator/txn/coordinator.js';
import type { MarkerChannel } from './coordinator/txn/markers.js';
import { TRANSACTION_STATE_TOPIC } from './coordinator/txn/settings.js';
import type { RemoteTxnVerifier } from './coordinator/txn/verifier.js';
import { CONTROLLER_HANDLERS } from './handlers/controller-index.js';
import { HANDLERS } from './handlers/index.js';
import { Registry } from './handlers/registry.js';
import type { BrokerServices, CommonServices, ControllerServices, QuorumView } from './handlers/services.js';
import { Logger } from './logger.js';
import { BrokerMetrics } from './metrics/broker-metrics.js';
import type { ConsumerLag } from './metrics/consumer-lag.js';
import { collectSecurity } from './metrics/security-metrics.js';
import { type ControllerChannel, DeadlineTimer } from './net/index.js';
import { type BrokerParts, wireBroker } from './node-broker.js';
import {
  advertisedEndpoints,
  brokerListenerSpecs,
  controllerChannelFor,
  controllerSelf,
  quorumView,
  staticVoters,
  voterChanges,
} from './node-quorum.js';
import { type MetadataQuorum, openMetadataQuorum } from './raft-io/metadata-quorum.js';
import type { ReplicaManager } from './replica/replica-manager.js';
import { BrokerSecurity } from './security/broker-security.js';
import { peerConnector, refusedPeer } from './security/peer-security.js';
import { type BoundListener, type ListenerSpec, SocketServer } from './server/listener.js';
import { readBootstrapFeatures, readBootstrapRecords } from './storage-format.js';

const INTERNAL_TOPICS = new Set([OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC]);

export interface NodeOptions {
  config: BrokerConfig;
  clusterId: string;
  /** 'memory' keeps every log in memory through the storage file-system seam (nothing on disk). */
  storage?: 'disk' | 'memory';
  /** A file system to use instead (tests that crash or fail writes). */
  fs?: FileSystem;
  log?: Logger;
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
  remoteTxnVerifier?: RemoteTxnVerifier;
  /**
   * Metrics. Absent, the node keeps its plain counters but times no request, runs no process monitor
   * and serves no HTTP (in-process nodes). Present, requests are timed and, when `port` is given,
   * /metrics, /health, /ready and /lag are served on host:port (port 0: a free port). The CLI maps
   * `metrics.port` to this, its 0 meaning "no metrics".
   */
  metrics?: { port?: number; host?: string };
  /** Called when the node cannot go on (a metadata write failed, another cluster's controllers). */
  onFatal?: (err: Error) => void;
}

export class BrokerNode {
  /** Where /metrics is served; null when it is not. */
  metricsAddress: { host: string; port: number } | null = null;
  /** Controller listeners, with their bound ports. */
  controllerListeners: BoundListener[] = [];
  private stopping: Promise<void> | null = null;

  private constructor(
    readonly config: BrokerConfig,
    readonly clusterId: string,
    readonly server: SocketServer,
    readonly controller: ControllerService,
    readonly registry: Registry<BrokerServices>,
    private readonly brokerParts: BrokerParts | null,
    /** Client (broker) listeners, with their bound ports. */
    readonly listeners: BoundListener[],
    private readonly log: Logger,
    readonly metrics: BrokerMetrics,
    readonly quorum: MetadataQuorum,
    readonly publisher: MetadataPublisher,
    private readonly channel: ControllerChannel | null,
    readonly netTimer: DeadlineTimer,
  ) {}

  get replicas(): ReplicaManager {
    if (!this.brokerParts) throw new Error(`node ${this.config.nodeId} has no broker role`);
    return this.brokerParts.replicas;
  }

  get groups(): GroupCoordinator {
    if (!this.brokerParts) throw new Error(`node ${this.config.nodeId} has no broker role`);
    return this.brokerParts.groups;
  }

  get txns(): TxnCoordinator {
    if (!this.brokerParts) throw new Error(`node ${this.config.nodeId} has no broker role`);
    return this.brokerParts.txns;
  }

  get isBroker(): boolean {
    return this.brokerParts !== null;
  }

  /** This broker's registration with the controller (null: standalone or controller-only). */
  get lifecycle(): BrokerLifecycle | null {
    return this.brokerParts?.lifecycle ?? null;
  }

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
    const fs = withChaosUnsafe(
      options.fs ?? (options.storage === 'memory' ? new MemoryFileSystem({ now }) : boundedDisk(config, log)),
      log,
    );
    const isBroker = config.processRoles.includes('broker');
    const isController = config.processRoles.includes('controller');
    const logDir = config.logDirs[0];
    let fatal: ((err: Error) => void) | null = null;
    const onFatal = (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      if (options.onFatal) options.onFatal(e);
      else fatal?.(e);
    };
    // ---- the metadata quorum and the image ----
    const publisher = new MetadataPublisher(
      log.child('metadata'),
      {
        bytesBetweenSnapshots: config.metadataLogMaxRecordBytesBetweenSnapshots,
        intervalMs: config.metadataLogMaxSnapshotIntervalMs,
      },
      now,
    );
    const netTimer = new DeadlineTimer();
    // Connections to the other nodes, secured as the listeners they reach (TLS, SASL).
    const controllerPeer = config.standalone
      ? { ok: true as const, value: {} }
      : peerConnector(
          config,
          config.controllerListenerNames[0] ?? 'CONTROLLER',
          'sasl.mechanism.controller.protocol',
        );
    if (!controllerPeer.ok) throw new Error(controllerPeer.error);
    const brokerPeer =
      config.standalone || !isBroker
        ? { ok: true as const, value: {} }
        : peerConnector(config, config.interBrokerListenerName, 'sasl.mechanism.inter.broker.protocol');
    // A node alone never connects to a broker: a cluster's problem shows when replicas first connect.
    if (!brokerPeer.ok) log.warn('this broker cannot connect to other brokers', { reason: brokerPeer.error });
    const brokerConnector = brokerPeer.ok ? brokerPeer.value : refusedPeer(brokerPeer.error);
    const quorum = await openMetadataQuorum({
      peer: controllerPeer.value,
      nodeId: config.nodeId,
      clusterId: options.clusterId,
      metadataLogDir: config.metadataLogDir || logDir,
      fs,
      now,
      log: log.child('raft'),
      timer: netTimer,
      controllerListenerName: config.controllerListenerNames[0] ?? 'CONTROLLER',
      staticVoters: staticVoters(config),
      bootstrapServers: config.controllerQuorumBootstrapServers,
      standalone: config.standalone,
      selfEndpoints: isController ? controllerSelf(config) : null,
      electionTimeoutMs: config.controllerQuorumElectionTimeoutMs,
      fetchTimeoutMs: config.controllerQuorumFetchTimeoutMs,
      requestTimeoutMs: config.controllerQuorumRequestTimeoutMs,
      stateMachine: publisher,
      onFatal,
    });
    publisher.compact = (endOffset, data) => quorum.driver.compact(endOffset, data);
    let configs: BrokerConfigService | null = null;
    const quorumController = isController
      ? new QuorumController(
          config.nodeId,
          quorum.driver,
          publisher,
          {
            clusterId: options.clusterId,
            numPartitions: config.numPartitions,
            defaultReplicationFactor: config.defaultReplicationFactor,
            deleteTopicEnable: config.deleteTopicEnable,
            validateTopicConfigs: (entries) => configs?.validateTopicConfigs(entries) ?? null,
            uncleanLeaderElection: (topic) =>
              configs
                ? configs.topicConfig(topic).uncleanLeaderElectionEnable
                : config.uncleanLeaderElectionEnable,
            brokerSessionTimeoutMs: config.standalone ? 0 : config.brokerSessionTimeoutMs,
            autoLeaderRebalanceEnable: config.autoLeaderRebalanceEnable && !config.standalone,
            leaderImbalanceCheckIntervalMs: config.leaderImbalanceCheckIntervalMs,
            bootstrapFeatures:
              options.storage === 'memory' || options.fs
                ? new Map()
                : await readBootstrapFeatures(config.metadataLogDir || logDir),
            bootstrapRecords:
              options.storage === 'memory' || options.fs
                ? []
                : await readBootstrapRecords(config.metadataLogDir || logDir),
          },
          log.child('controller'),
        )
      : null;
    // ---- the way to the active controller (brokers of a cluster) ----
    const channel = config.standalone
      ? null
      : controllerChannelFor(config, quorum, log.child('controller-channel'), netTimer, controllerPeer.value);
    if (channel) quorum.driver.onStatusChange(() => channel.leaderChanged());
    let lifecycle: BrokerLifecycle | null = null;
    const controller = new ControllerService(
      publisher,
      quorumController,
      channel
        ? {
            channel,
            nodeId: config.nodeId,
            brokerEpoch: () => lifecycle?.brokerEpoch ?? -1,
            requestTimeoutMs: config.controllerSocketTimeoutMs,
          }
        : null,
      log.child('controller'),
    );
    configs = new BrokerConfigService(config, controller);
    const topicConfigs = configs;
    const view: QuorumView = quorumView(quorum, publisher);
    // Listener security (TLS, SASL) of every listener, the controller's too; the authorizer and client
    // quotas. A bad store or JAAS line stops the start with one line.
    const securityBuilt = BrokerSecurity.create(config, config.listeners, () => controller.image, log);
    if (!securityBuilt.ok) throw new Error(securityBuilt.error);
    const security = securityBuilt.value;
    controller.onImage((image) => security.onImage(image, topicConfigs.current));
    const common: CommonServices = {
      endpointType: 'broker',
      nodeId: config.nodeId,
      clusterId: options.clusterId,
      settings: config,
      log,
      now,
      metadata: () => publisher.image,
      isInternalTopic: (name) => INTERNAL_TOPICS.has(name),
      controller,
      configs,
      quorum: view,
      access: security.access,
      security,
    };
    // ---- the broker ----
    let brokerParts: BrokerParts | null = null;
    let registry: Registry<BrokerServices> | null = null;
    const listenerSpecs: ListenerSpec[] = [];
    if (isBroker) {
      const wired = await wireBroker({
        config,
        options,
        fs,
        now,
        timeline,
        log,
        publisher,
        netTimer,
        brokerConnector,
        channel,
        controller,
        topicConfigs,
        common,
        security,
        lifecycle: () => lifecycle,
        onAnswer: answeredBy(security),
      });
      brokerParts = wired.parts;
      registry = wired.registry;
      listenerSpecs.push(...wired.listenerSpecs);
    }
    metrics.readiness.logsRecovered = true;
    // ---- the controller listener ----
    if (isController && quorumController) {
      const controllerServices: ControllerServices = {
        ...common,
        endpointType: 'controller',
        controller: controller.asLocalOnly(),
        raft: quorum.transport,
        quorumController,
        voters: voterChanges(quorum, quorumController, log.child('quorum')),
      };
      const controllerRegistry = new Registry(
        CONTROLLER_HANDLERS,
        controllerServices,
        log.child('controller-registry'),
      );
      controllerRegistry.onAnswer = answeredBy(security);
      for (const l of config.controllerListeners)
        listenerSpecs.push({
          name: l.name,
          host: l.host,
          port: l.port,
          securityProtocol: l.securityProtocol,
          dispatcher: security.gate(controllerRegistry),
        });
    }
    // A broker-only node without a broker registry cannot happen; a controller-only node has no default.
    const fallback =
      registry ?? new Registry<BrokerServices>([], {} as BrokerServices, log.child('registry'));
    const server = new SocketServer({
      listeners: security.specs(listenerSpecs),
      authentication: security.authentication(),
      limits: {
        frameBytesMax: config.socketRequestBytesMax,
        pendingResponsesMax: 256,
        writeBufferBytesMax: 64 * 1024 * 1024,
      },
      connectionsMax: config.maxConnections,
      connectionIdleMsMax: config.connectionsIdleMsMax,
      dispatcher: security.gate(fallback),
      log: log.child('server'),
      // Sockets keep wall-clock time whatever the clock: idle sweeps and drains are about real connections.
      now: options.now ?? Date.now,
    });
    security.attach(server);
    metrics.registry.add('security', (w) => collectSecurity(w, security));
    if (brokerParts) {
      metrics.attach({
        replicas: brokerParts.replicas,
        controller,
        groups: brokerParts.groups,
        server,
        listenerNames: brokerListenerSpecs(config).map((l) => l.name),
        isActiveController: () => controller.isActiveHere(),
        ...(fs instanceof BoundedFileSystem && { openFiles: () => fs.stats }),
      });
      if (options.metrics) fallback.requestStats = metrics.instrument(HANDLERS.map((h) => h.apiKey));
    }
    const bound = await server.start();
    metrics.readiness.listenersBound = true;
    // A controller listener bound at port 0 is known only now: peers learn it from this node's messages.
    if (isController && !config.standalone) quorum.directory.learn(controllerSelf(config, bound));
    const brokerBound = bound.filter((l) => !config.controllerListenerNames.includes(l.name));
    const node = new BrokerNode(
      config,
      options.clusterId,
      server,
      controller,
      fallback,
      brokerParts,
      brokerBound,
      log,
      metrics,
      quorum,
      publisher,
      channel,
      netTimer,
    );
    node.controllerListeners = bound.filter((l) => config.controllerListenerNames.includes(l.name));
    fatal = (err) => {
      log.error(err.message);
      void node.stop();
    };
    try {
      quorum.driver.start();
      await node.join(brokerParts, channel, (l) => {
        lifecycle = l;
      });
    } catch (err) {
      await node.stop();
      throw err;
    }
    metrics.readiness.metadataLoaded = true;
    metrics.readiness.registered = true;
    void import('../protocol/records/compression.js');
    return node;
  }

  /**
   * Brings the node into the cluster. Standalone: waits until it leads its one-voter quorum and has
   * replayed the log, then registers itself unfenced in one step. In a cluster: a broker registers with
   * the active controller and waits until it is unfenced; a controller-only node is ready once it
   * serves its listener.
   */
  private async join(
    parts: BrokerParts | null,
    channel: ControllerChannel | null,
    setLifecycle: (l: BrokerLifecycle) => void,
  ): Promise<void> {
    if (this.config.standalone) {
      const quorum = this.controller.quorum as QuorumController;
      if (!(await quorum.whenActive(30_000)))
        throw new Error('the metadata quorum of this node did not start');
      await this.registerStandalone();
      // Ready once the partitions of the log replayed so far exist here.
      await this.publisher.whenPublished(60_000);
      return;
    }
    if (!parts || !channel) return;
    const lifecycle = new BrokerLifecycle({
      nodeId: this.config.nodeId,
      clusterId: this.clusterId,
      channel,
      publisher: this.publisher,
      log: this.log.child('lifecycle'),
      registration: {
        listeners: advertisedEndpoints(this.config, this.listeners),
        features: brokerFeatures(),
        rack: this.config.brokerRack,
        isMigratingZkBroker: false,
        logDirs: [],
        previousBrokerEpoch: -1,
      },
      heartbeatIntervalMs: this.config.brokerHeartbeatIntervalMs,
      registrationTimeoutMs: this.config.initialBrokerRegistrationTimeoutMs,
    });
    parts.lifecycle = lifecycle;
    setLifecycle(lifecycle);
    await lifecycle.start();
  }

  /** A standalone node is its own only broker: registered unfenced at once (no heartbeats to wait for). */
  private async registerStandalone(): Promise<void> {
    const endPoints = advertisedEndpoints(this.config, this.listeners);
    await this.controller.apply((image) => {
      const b = image.brokers.get(this.config.nodeId);
      const same =
        b &&
        !b.fenced &&
        !b.inControlledShutdown &&
        JSON.stringify(b.endpoints) === JSON.stringify(endPoints);
      return {
        records: same
          ? []
          : [
              record('RegisterBroker', {
                brokerId: this.config.nodeId,
                incarnationId: 'AAAAAAAAAAAAAAAAAAAAAA',
                brokerEpoch: 0,
                endPoints,
                features: brokerFeatures(),
                rack: this.config.brokerRack,
                fenced: false,
                inControlledShutdown: false,
                logDirs: [],
              }),
            ],
        result: undefined,
      };
    });
  }

  stop(timeoutMs = 4000): Promise<void> {
    if (!this.stopping) this.stopping = this.shutdown(timeoutMs, false);
    return this.stopping;
  }

  /**
   * Stops as a crashed process would look to the others: no controlled shutdown, no resignation,
   * connections dropped. (The embedded cluster's killController; data already written is kept.)
   */
  kill(): Promise<void> {
    if (!this.stopping) this.stopping = this.shutdown(0, true);
    return this.stopping;
  }

  private async shutdown(timeoutMs: number, abrupt: boolean): Promise<void> {
    this.metrics.stopping = true; // /ready answers 503 while the node drains
    // A broker first hands its leaderships over (controlled shutdown), while everything still runs.
    const lifecycle = this.brokerParts?.lifecycle;
    if (!abrupt && lifecycle && this.config.controlledShutdownEnable)
      await lifecycle.controlledShutdown(Math.max(1000, timeoutMs / 2));
    lifecycle?.stop();
    if (abrupt) this.server.dropConnections();
    // Then the quorum: a leader resigns so the other voters elect at once; what it still had in
    // flight fails (NOT_CONTROLLER) instead of waiting for a commit that cannot come.
    await this.quorum.driver.close(abrupt ? 0 : 500, !abrupt);
    await this.controller.close();
    await this.server.stop(timeoutMs);
    this.brokerParts?.txns.close();
    this.brokerParts?.txnPeers?.close();
    this.brokerParts?.groups.close();
    await this.brokerParts?.replicas.close();
    this.channel?.close();
    this.netTimer.stop();
    await this.metrics.close();
    this.log.info('stopped');
  }
}

/** Client quotas on each answer about to be sent (a registry's onAnswer hook). */
function answeredBy<S>(security: BrokerSecurity): Registry<S>['onAnswer'] {
  return (ctx, request, response) =>
    security.answered({
      apiKey: ctx.apiKey,
      version: ctx.version,
      conn: ctx.conn,
      principal: ctx.onBehalfOf?.principal ?? ctx.conn.principal,
      inEnvelope: ctx.onBehalfOf !== undefined,
      forwardedToController: ctx.forwardedToController === true,
      clientId: ctx.header.clientId ?? '',
      request,
      response,
      handlerMs: ctx.handlerMs ?? 0,
    });
}

function brokerFeatures() {
  return [
    { name: 'metadata.version', minSupportedVersion: 7, maxSupportedVersion: 25 },
    { name: 'kraft.version', minSupportedVersion: 0, maxSupportedVersion: 1 },
  ];
}

/** The disk, through a cache that bounds the descriptors the logs hold (log.open.files.max). */
function boundedDisk(config: BrokerConfig, log: Logger): BoundedFileSystem {
  const processLimit = processOpenFilesLimit();
  const openFilesMax = openFilesBound(config.logOpenFilesMax, processLimit);
  const fields = {
    openFilesMax,
    configured: config.logOpenFilesMax,
    processLimit: processLimit ?? 'unknown',
  };
  if (openFilesMax < config.logOpenFilesMax)
    log.info('log.open.files.max lowered to half the process limit on open files', fields);
  else log.debug('log files held open at most', fields);
  return new BoundedFileSystem(new RealFileSystem(), { openFilesMax });
}
