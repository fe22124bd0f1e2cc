// Several nodes of one cluster in this process, each on its own loopback ports with in-memory
// storage: for tests of the quorum, registration and forwarding without child processes.
import { createServer } from 'node:net';
import { Logger } from '../../src/broker/logger.js';
import { BrokerNode } from '../../src/broker/node.js';
import { loadBrokerConfig } from '../../src/config/index.js';
import { MemoryFileSystem } from '../../src/storage/index.js';

/** Ports free right now (bound and released), for listeners named in controller.quorum.voters. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<import('node:net').Server>((resolve) => {
          const s = createServer();
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export interface NodeSpec {
  id: number;
  roles: 'broker' | 'controller' | 'broker,controller';
}

export interface InProcessCluster {
  nodes: Map<number, BrokerNode>;
  fs: Map<number, MemoryFileSystem>;
  bootstrap(id?: number): string;
  start(id: number): Promise<BrokerNode>;
  stop(id: number): Promise<void>;
  stopAll(): Promise<void>;
  clusterId: string;
}

export async function inProcessCluster(
  specs: NodeSpec[],
  overrides: Record<string, string> = {},
  logLevel: 'off' | 'debug' | 'info' = 'off',
): Promise<InProcessCluster> {
  const clusterId = 'MkU3OEVBNTcwNTJENDM2Qk';
  const controllers = specs.filter((s) => s.roles.includes('controller'));
  const cPorts = await freePorts(controllers.length);
  const bPorts = await freePorts(specs.length);
  const voters = controllers.map((c, i) => `${c.id}@127.0.0.1:${cPorts[i]}`).join(',');
  const nodes = new Map<number, BrokerNode>();
  const fsById = new Map<number, MemoryFileSystem>();
  const configOf = (spec: NodeSpec) => {
    const ci = controllers.findIndex((c) => c.id === spec.id);
    const listeners = [
      ...(spec.roles.includes('broker') ? [`PLAINTEXT://127.0.0.1:${bPorts[specs.indexOf(spec)]}`] : []),
      ...(ci >= 0 ? [`CONTROLLER://127.0.0.1:${cPorts[ci]}`] : []),
    ].join(',');
    const loaded = loadBrokerConfig({
      base: {
        'process.roles': spec.roles,
        'node.id': String(spec.id),
        'controller.quorum.voters': voters,
        'controller.listener.names': 'CONTROLLER',
        listeners,
        'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        'log.dirs': `/samsa-memory-${spec.id}`,
        'offsets.topic.num.partitions': '3',
        'group.initial.rebalance.delay.ms': '0',
        ...overrides,
      },
      env: {},
    });
    if (!loaded.ok) throw new Error(loaded.error);
    return loaded.config;
  };
  const start = async (id: number) => {
    const spec = specs.find((s) => s.id === id) as NodeSpec;
    let fs = fsById.get(id);
    if (!fs) {
      fs = new MemoryFileSystem();
      fsById.set(id, fs);
    }
    const log =
      logLevel === 'off'
        ? Logger.silent()
        : Logger.create({
            level: logLevel,
            format: 'text',
            sink: { write: (l) => process.stderr.write(`[${id}] ${l}`) },
          });
    const node = await BrokerNode.start({ config: configOf(spec), clusterId, fs, log });
    nodes.set(id, node);
    return node;
  };
  return {
    nodes,
    fs: fsById,
    clusterId,
    bootstrap(id) {
      const n = id === undefined ? [...nodes.values()].find((x) => x.isBroker) : nodes.get(id);
      const l = n?.listeners[0];
      return `127.0.0.1:${l?.boundPort}`;
    },
    start,
    async stop(id) {
      await nodes.get(id)?.stop(2000);
      nodes.delete(id);
    },
    async stopAll() {
      await Promise.all([...nodes.values()].map((n) => n.stop(2000)));
      nodes.clear();
    },
  };
}
