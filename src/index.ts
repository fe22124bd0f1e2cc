// The samsa package: a Kafka client (producer, consumer, admin) for Kafka-compatible brokers.
export * from './client/index.js';

// The embedded broker for tests: startBroker/startCluster load the broker only when first called, so
// importing the client stays light. Everything else of it is in 'samsa/embedded'.
import type {
  EmbeddedBroker,
  EmbeddedMultiCluster,
  StartBrokerOptions,
  StartClusterOptions,
} from './embedded/index.js';

export { ManualClock } from './embedded/clock.js';
export type {
  EmbeddedBroker,
  EmbeddedCluster,
  EmbeddedMultiCluster,
  EmbeddedNode,
  StartBrokerOptions,
  StartClusterOptions,
} from './embedded/types.js';

export async function startBroker(options?: StartBrokerOptions): Promise<EmbeddedBroker> {
  return (await import('./embedded/index.js')).startBroker(options);
}

export async function startCluster(options?: StartClusterOptions): Promise<EmbeddedMultiCluster> {
  return (await import('./embedded/index.js')).startCluster(options);
}
