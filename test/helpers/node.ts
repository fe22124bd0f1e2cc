// An in-process broker node on a free port, with everything in memory: for handler tests.
import { Logger } from '../../src/broker/logger.js';
import { BrokerNode, type NodeSettings } from '../../src/broker/node.js';

export async function startTestNode(
  overrides: Partial<NodeSettings> = {},
): Promise<{ node: BrokerNode; port: number }> {
  const settings: NodeSettings = {
    nodeId: 1,
    clusterId: 'test-cluster-id-000000',
    listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }],
    advertised: new Map(),
    deleteTopicEnable: true,
    socketRequestBytesMax: 100 * 1024 * 1024,
    connectionsMax: 1000,
    connectionIdleMsMax: 600_000,
    autoCreateTopicsEnable: true,
    numPartitions: 1,
    defaultReplicationFactor: 1,
    ...overrides,
  };
  const node = await BrokerNode.start({ settings, log: Logger.silent() });
  return { node, port: node.listeners[0].boundPort };
}
