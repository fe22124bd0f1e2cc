// The composition root: the only place the broker's services are constructed and wired together.
import type { BrokerConfig } from '../config/index.js';
import { record } from '../metadata/records.js';
import { BrokerConfigService } from './config-service.js';
import { ControllerService } from './controller/controller-service.js';
import { MemoryMetadataLog, type MetadataLog } from './controller/metadata-log.js';
import { HANDLERS } from './handlers/index.js';
import { Registry } from './handlers/registry.js';
import type { BrokerServices } from './handlers/services.js';
import { Logger } from './logger.js';
import { ProducerIdManager } from './producer-ids.js';
import { type BoundListener, type ListenerSpec, SocketServer } from './server/listener.js';

const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state']);
const SECURITY_PROTOCOL_IDS: Record<string, number> = {
  PLAINTEXT: 0,
  SSL: 1,
  SASL_PLAINTEXT: 2,
  SASL_SSL: 3,
};

export interface NodeOptions {
  config: BrokerConfig;
  clusterId: string;
  log?: Logger;
  metadataLog?: MetadataLog;
  now?: () => number;
}

export class BrokerNode {
  private constructor(
    readonly config: BrokerConfig,
    readonly clusterId: string,
    readonly server: SocketServer,
    readonly controller: ControllerService,
    readonly registry: Registry,
    readonly listeners: BoundListener[],
    private readonly log: Logger,
  ) {}

  static async start(options: NodeOptions): Promise<BrokerNode> {
    const { config } = options;
    const log = options.log ?? Logger.create();
    const now = options.now ?? Date.now;
    let configs: BrokerConfigService | null = null;
    const controller = new ControllerService(
      options.metadataLog ?? new MemoryMetadataLog(),
      {
        numPartitions: config.numPartitions,
        defaultReplicationFactor: config.defaultReplicationFactor,
        deleteTopicEnable: config.deleteTopicEnable,
        validateTopicConfigs: (entries) => configs?.validateTopicConfigs(entries) ?? null,
      },
      log.child('controller'),
    );
    configs = new BrokerConfigService(config, controller);
    const services: BrokerServices = {
      nodeId: config.nodeId,
      clusterId: options.clusterId,
      settings: config,
      log,
      now,
      metadata: () => controller.image,
      isInternalTopic: (name) => INTERNAL_TOPICS.has(name),
      controller,
      configs,
      producerIds: new ProducerIdManager(controller, config.nodeId),
    };
    const registry = new Registry(HANDLERS, services, log.child('registry'));
    const server = new SocketServer({
      listeners: brokerListeners(config),
      limits: {
        frameBytesMax: config.socketRequestBytesMax,
        pendingResponsesMax: 256,
        writeBufferBytesMax: 64 * 1024 * 1024,
      },
      connectionsMax: config.maxConnections,
      connectionIdleMsMax: config.connectionsIdleMsMax,
      dispatcher: registry,
      log: log.child('server'),
      now,
    });
    await controller.load();
    const bound = await server.start();
    const node = new BrokerNode(config, options.clusterId, server, controller, registry, bound, log);
    await node.register();
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
    await this.server.stop(timeoutMs);
    await this.controller.close();
    this.log.info('stopped');
  }
}

/** The listeners clients connect to (controller listeners belong to the quorum). */
function brokerListeners(config: BrokerConfig): ListenerSpec[] {
  const controllerNames = new Set(config.controllerListenerNames);
  return config.listeners
    .filter((l) => !controllerNames.has(l.name))
    .map((l) => ({ name: l.name, host: l.host, port: l.port, securityProtocol: l.securityProtocol }));
}
