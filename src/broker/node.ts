// The composition root: the only place the broker's services are constructed and wired together.

import { record } from '../metadata/records.js';
import { ControllerService } from './controller/controller-service.js';
import { MemoryMetadataLog, type MetadataLog } from './controller/metadata-log.js';
import { HANDLERS } from './handlers/index.js';
import { Registry } from './handlers/registry.js';
import type { BrokerServices, ConfigService, HandlerSettings } from './handlers/services.js';
import { Logger } from './logger.js';
import { ProducerIdManager } from './producer-ids.js';
import { type BoundListener, type ListenerSpec, SocketServer } from './server/listener.js';

const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state']);

export interface NodeSettings extends HandlerSettings {
  nodeId: number;
  clusterId: string;
  listeners: ListenerSpec[];
  /** Advertised address per listener name; a listener without one advertises its bound address. */
  advertised: ReadonlyMap<string, { host: string; port: number }>;
  deleteTopicEnable: boolean;
  socketRequestBytesMax: number;
  connectionsMax: number;
  connectionIdleMsMax: number;
}

export interface NodeOptions {
  settings: NodeSettings;
  log?: Logger;
  metadataLog?: MetadataLog;
  now?: () => number;
}

const SECURITY_PROTOCOL_IDS: Record<string, number> = {
  PLAINTEXT: 0,
  SSL: 1,
  SASL_PLAINTEXT: 2,
  SASL_SSL: 3,
};

export class BrokerNode {
  private constructor(
    readonly settings: NodeSettings,
    readonly server: SocketServer,
    readonly controller: ControllerService,
    readonly registry: Registry,
    readonly listeners: BoundListener[],
    private readonly log: Logger,
  ) {}

  static async start(options: NodeOptions): Promise<BrokerNode> {
    const { settings } = options;
    const log = options.log ?? Logger.create();
    const now = options.now ?? Date.now;
    const controller = new ControllerService(
      options.metadataLog ?? new MemoryMetadataLog(),
      {
        numPartitions: settings.numPartitions,
        defaultReplicationFactor: settings.defaultReplicationFactor,
        deleteTopicEnable: settings.deleteTopicEnable,
        validateTopicConfigs: () => null,
      },
      log.child('controller'),
    );
    const configs: ConfigService = { describeTopic: () => [], describeBroker: () => [] };
    const services: BrokerServices = {
      nodeId: settings.nodeId,
      clusterId: settings.clusterId,
      settings,
      log,
      now,
      metadata: () => controller.image,
      isInternalTopic: (name) => INTERNAL_TOPICS.has(name),
      controller,
      configs,
      producerIds: new ProducerIdManager(controller, settings.nodeId),
    };
    const registry = new Registry(HANDLERS, services, log.child('registry'));
    const server = new SocketServer({
      listeners: settings.listeners,
      limits: {
        frameBytesMax: settings.socketRequestBytesMax,
        pendingResponsesMax: 256,
        writeBufferBytesMax: 64 * 1024 * 1024,
      },
      connectionsMax: settings.connectionsMax,
      connectionIdleMsMax: settings.connectionIdleMsMax,
      dispatcher: registry,
      log: log.child('server'),
      now,
    });
    await controller.load();
    const bound = await server.start();
    const node = new BrokerNode(settings, server, controller, registry, bound, log);
    await node.register();
    return node;
  }

  /** Registers this node in the metadata (a combined node is unfenced at once). */
  private async register(): Promise<void> {
    const s = this.settings;
    await this.controller.apply(() => ({
      records: [
        record('RegisterBroker', {
          brokerId: s.nodeId,
          incarnationId: 'AAAAAAAAAAAAAAAAAAAAAA',
          brokerEpoch: 0,
          endPoints: this.listeners.map((l) => {
            const adv = s.advertised.get(l.name);
            return {
              name: l.name,
              host: adv?.host ?? l.host,
              port: adv?.port ?? l.boundPort,
              securityProtocol: SECURITY_PROTOCOL_IDS[l.securityProtocol] ?? 0,
            };
          }),
          features: [],
          rack: null,
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
