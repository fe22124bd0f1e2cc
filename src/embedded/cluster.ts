// startCluster(): a real cluster of N nodes in this process (each a broker and a controller of one
// Raft quorum, on loopback sockets), with helpers that route to the right node, fault hooks per node
// and for all, and nodes that can be stopped, started again and killed. See multi-cluster.ts.
import { startMultiCluster } from './multi-cluster.js';
import type { EmbeddedMultiCluster, StartClusterOptions } from './types.js';

/** Starts a cluster of `brokers` nodes (default 1) in this process. */
export async function startCluster(options: StartClusterOptions = {}): Promise<EmbeddedMultiCluster> {
  const count = options.brokers ?? 1;
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(`brokers must be a positive integer, not ${count}`);
  if (count > 9) throw new RangeError(`brokers must be at most 9 in one process, not ${count}`);
  if ((options.storage ?? 'memory') === 'memory' && options.dataDir !== undefined)
    throw new TypeError("dataDir is for storage 'disk'; a memory cluster writes nothing to disk");
  if (options.ports && options.ports.length !== count)
    throw new RangeError(`ports names ${options.ports.length} port(s) for ${count} broker(s)`);
  return startMultiCluster(options, count);
}
