// `samsa server start`: runs a broker with developer defaults (node 1, PLAINTEXT://localhost:9092,
// data in ./data, topics created on first use) and prints one ready line.
import { parseArgs } from 'node:util';
import { Logger } from '../../broker/logger.js';
import { BrokerNode, type NodeSettings } from '../../broker/node.js';

const HELP = `Usage: samsa server start [options]

Runs a Samsa broker (a combined broker and controller) until interrupted.

Options:
  --port N              listen on localhost:N (default 9092; 0 picks a free port)
  --host HOST           listen on HOST (default localhost)
  --data-dir DIR        keep data in DIR (default ./data), created on first start
  --memory              keep everything in memory (nothing written to disk)
  --node-id N           this node's id (default 1)
  --override KEY=VALUE  set a broker config key (repeatable)
  -h, --help            show this help

Examples:
  samsa server start
  samsa server start --port 19092 --data-dir /tmp/samsa
  samsa server start --memory --override num.partitions=3`;

export async function run(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (err) {
    console.error(`samsa server start: ${(err as Error).message}`);
    return 1;
  }
  if (parsed.values.help) {
    console.log(HELP);
    return 0;
  }
  const startedMs = performance.now();
  const v = parsed.values;
  const port = Number(v.port ?? 9092);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`samsa server start: --port must be a number from 0 to 65535, not '${v.port}'`);
    return 1;
  }
  const host = v.host ?? 'localhost';
  const settings: NodeSettings = {
    nodeId: Number(v['node-id'] ?? 1),
    clusterId: 'MkU3OEVBNTcwNTJENDM2Qk',
    listeners: [{ name: 'PLAINTEXT', host, port, securityProtocol: 'PLAINTEXT' }],
    advertised: new Map(),
    deleteTopicEnable: true,
    socketRequestBytesMax: 100 * 1024 * 1024,
    connectionsMax: 10_000,
    connectionIdleMsMax: 600_000,
    autoCreateTopicsEnable: true,
    numPartitions: 1,
    defaultReplicationFactor: 1,
  };
  let node: BrokerNode;
  try {
    node = await BrokerNode.start({ settings, log: Logger.create({ level: 'info' }) });
  } catch (err) {
    console.error(`samsa server start: ${(err as Error).message}`);
    return 1;
  }
  const listener = node.listeners[0];
  const elapsedMs = Math.round(performance.now() - startedMs);
  console.log(
    `Samsa broker ${settings.nodeId} ready on PLAINTEXT://${listener.host}:${listener.boundPort} (cluster ${settings.clusterId}) in ${elapsedMs} ms`,
  );
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`Samsa broker ${settings.nodeId} stopping (${signal})`);
      const force = setTimeout(() => resolve(1), 5000);
      force.unref();
      node.stop(4000).then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

function parse(args: string[]) {
  return parseArgs({
    args,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      memory: { type: 'boolean' },
      'node-id': { type: 'string' },
      override: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
}
