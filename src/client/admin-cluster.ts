// The admin client's cluster calls beyond DescribeCluster: the metadata quorum (DescribeQuorum, which
// a Kafka 3.3+ broker forwards to the active controller) and the features each broker advertises in
// ApiVersions (metadata.version, kraft.version, ...).
import type { DescribeQuorumResponse } from '../protocol/index.js';
import type { Cluster } from './cluster.js';
import { clientError, type KafkaError, kafkaError } from './errors.js';
import { API } from './versions.js';

export interface QuorumReplica {
  replicaId: number;
  logEndOffset: number;
  /** -1 when unknown (or the broker answered DescribeQuorum v0). */
  lastFetchTimestamp: number;
  lastCaughtUpTimestamp: number;
}

export interface QuorumDescription {
  leaderId: number;
  leaderEpoch: number;
  highWatermark: number;
  voters: QuorumReplica[];
  observers: QuorumReplica[];
}

export interface BrokerFeatures {
  nodeId: number;
  supported: { name: string; minVersion: number; maxVersion: number }[];
  finalized: { name: string; minVersionLevel: number; maxVersionLevel: number }[];
  finalizedEpoch: number;
  error?: KafkaError;
}

const METADATA_TOPIC = '__cluster_metadata';

/** The metadata quorum; UNSUPPORTED_VERSION when the broker reached does not serve DescribeQuorum. */
export async function describeQuorum(cluster: Cluster, timeoutMs: number): Promise<QuorumDescription> {
  const res = await cluster.withRetries(
    'DescribeQuorum',
    async () => {
      const conn = await cluster.anyConnection();
      if (conn.versionOf(API.DescribeQuorum) === undefined)
        throw clientError('UNSUPPORTED_VERSION', 'the broker does not serve DescribeQuorum', {
          api: 'DescribeQuorum',
          broker: conn.label,
          errorCode: 35,
        });
      return conn.send<DescribeQuorumResponse>(API.DescribeQuorum, () => ({
        topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex: 0 }] }],
      }));
    },
    timeoutMs,
  );
  if (res.errorCode !== 0) throw kafkaError(res.errorCode, { api: 'DescribeQuorum' }, res.errorMessage);
  const p = res.topics[0]?.partitions[0];
  if (!p) throw kafkaError(3, { api: 'DescribeQuorum', topic: METADATA_TOPIC, partition: 0 });
  if (p.errorCode !== 0)
    throw kafkaError(
      p.errorCode,
      { api: 'DescribeQuorum', topic: METADATA_TOPIC, partition: 0 },
      p.errorMessage,
    );
  const replica = (
    r: DescribeQuorumResponse['topics'][number]['partitions'][number]['currentVoters'][number],
  ) => ({
    replicaId: r.replicaId,
    logEndOffset: r.logEndOffset,
    lastFetchTimestamp: r.lastFetchTimestamp ?? -1,
    lastCaughtUpTimestamp: r.lastCaughtUpTimestamp ?? -1,
  });
  return {
    leaderId: p.leaderId,
    leaderEpoch: p.leaderEpoch,
    highWatermark: p.highWatermark,
    voters: p.currentVoters.map(replica),
    observers: p.observers.map(replica),
  };
}

/** The features each broker of the cluster advertises; a broker that cannot be reached has `error`. */
export async function brokerFeatures(
  cluster: Cluster,
  timeoutMs = cluster.config.defaultApiTimeoutMs,
): Promise<BrokerFeatures[]> {
  await cluster.refreshMetadata();
  const ids = [...cluster.brokers.keys()].sort((a, b) => a - b);
  return Promise.all(
    ids.map(async (nodeId) => {
      try {
        const conn = await cluster.withRetries('ApiVersions', () => cluster.connectionTo(nodeId), timeoutMs);
        return { nodeId, ...conn.features };
      } catch (e) {
        return { nodeId, supported: [], finalized: [], finalizedEpoch: -1, error: e as KafkaError };
      }
    }),
  );
}
