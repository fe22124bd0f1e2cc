// An in-process broker node on a free port, with everything in memory: for handler tests.
import { Logger } from '../../src/broker/logger.js';
import { BrokerNode } from '../../src/broker/node.js';
import { DEVELOPER_DEFAULTS, loadBrokerConfig } from '../../src/config/index.js';

export async function startTestNode(
  overrides: Record<string, string> = {},
): Promise<{ node: BrokerNode; port: number }> {
  const loaded = loadBrokerConfig({
    base: {
      ...DEVELOPER_DEFAULTS,
      listeners: 'PLAINTEXT://127.0.0.1:0',
      'log.dirs': '/samsa-memory',
    },
    overrides,
    env: {},
  });
  if (!loaded.ok) throw new Error(loaded.error);
  const node = await BrokerNode.start({
    config: loaded.config,
    clusterId: 'test-cluster-id-000000',
    storage: 'memory',
    log: Logger.silent(),
  });
  return { node, port: node.listeners[0].boundPort };
}

/** A node with the given listeners and security settings; ports by listener name. */
export async function startSecureNode(
  overrides: Record<string, string>,
): Promise<{ node: BrokerNode; ports: Record<string, number> }> {
  const { node } = await startTestNode(overrides);
  return { node, ports: Object.fromEntries(node.listeners.map((l) => [l.name, l.boundPort])) };
}
