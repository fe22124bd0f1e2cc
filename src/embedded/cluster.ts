// startCluster(): several brokers in one process, each with its own port and fault hooks, behind the
// same helpers as one broker. Samsa's multi-broker replication is not built yet, so for now a cluster
// is one broker; asking for more fails at once rather than pretending.
import { startBroker } from './broker.js';
import { EmbeddedBrokerError } from './records.js';
import type { EmbeddedCluster, StartClusterOptions } from './types.js';

/** Starts a cluster of `brokers` brokers in this process (today: brokers must be 1). */
export async function startCluster(options: StartClusterOptions = {}): Promise<EmbeddedCluster> {
  const count = options.brokers ?? 1;
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(`brokers must be a positive integer, not ${count}`);
  if (count > 1)
    throw new EmbeddedBrokerError(
      `startCluster({ brokers: ${count} }): clusters of more than one broker are not available yet ` +
        '(Samsa does not replicate between brokers yet); use brokers: 1, or startBroker() for each independent broker',
      'NOT_IMPLEMENTED',
    );
  const { brokers: _, ports, ...rest } = options;
  return startBroker({ ...rest, port: ports?.[0] });
}
