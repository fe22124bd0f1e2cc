// The cluster page: brokers, the metadata quorum, features and API versions, log dirs and the
// health of partitions, gathered with the admin client's Kafka APIs only.
import type { LogDirDescription } from '../../client/admin.js';
import { API_DECLS } from '../../protocol/index.js';
import type { BrokerRow, ClusterInfo, LogDirRow, QuorumInfo } from '../api-types.js';
import type { ConsoleContext } from '../context.js';
import { errorText } from './errors.js';

const API_NAMES = new Map(API_DECLS.map((d) => [d.apiKey, d.name]));

export async function clusterInfo(ctx: ConsoleContext): Promise<ClusterInfo> {
  const admin = ctx.admin;
  const [cluster, topics, logDirs, quorum, features, versions] = await Promise.all([
    admin.describeCluster(),
    admin.describeAllTopics({ includeInternal: true }),
    admin.describeLogDirs().then(
      (dirs) => ({ dirs, error: null }),
      (e) => ({ dirs: [] as LogDirDescription[], error: errorText(e) }),
    ),
    quorumInfo(ctx),
    admin.brokerFeatures(),
    admin.brokerApiVersions(),
  ]);
  const partitions = topics.flatMap((t) => t.partitions);
  const brokers: BrokerRow[] = cluster.brokers
    .map((b) => ({
      nodeId: b.nodeId,
      host: b.host,
      port: b.port,
      rack: b.rack,
      controller: b.nodeId === cluster.controllerId,
      // DescribeCluster before v2 and Metadata list only unfenced brokers.
      fenced: false,
      leaderPartitions: partitions.filter((p) => p.leader === b.nodeId).length,
      replicaPartitions: partitions.filter((p) => p.replicas.includes(b.nodeId)).length,
      sizeBytes: logDirs.dirs
        .filter((d) => d.broker === b.nodeId)
        .reduce((sum, d) => sum + d.partitions.reduce((s, p) => s + p.sizeBytes, 0), 0),
    }))
    .sort((a, b) => a.nodeId - b.nodeId);
  brokers.push(...fencedObservers(quorum, brokers));
  return {
    clusterId: cluster.clusterId,
    controllerId: cluster.controllerId,
    brokers,
    quorum,
    features: features.map((f) => ({
      nodeId: f.nodeId,
      finalized: f.finalized.map((x) => ({ name: x.name, level: x.maxVersionLevel })),
      supported: f.supported.map((x) => ({ name: x.name, min: x.minVersion, max: x.maxVersion })),
    })),
    apiVersions: versions.map((b) => ({
      nodeId: b.nodeId,
      apis: b.versions.map((v) => ({
        apiKey: v.apiKey,
        name: API_NAMES.get(v.apiKey) ?? `api ${v.apiKey}`,
        min: v.minVersion,
        max: v.maxVersion,
      })),
    })),
    logDirs: logDirs.dirs.map(logDirRow).sort((a, b) => a.broker - b.broker || a.logDir.localeCompare(b.logDir)),
    logDirsError: logDirs.error,
    topics: topics.filter((t) => !t.isInternal).length,
    partitions: partitions.length,
    underReplicated: partitions.filter((p) => p.isr.length < p.replicas.length).length,
    offline: partitions.filter((p) => p.leader < 0).length,
  };
}

/**
 * Brokers the quorum sees fetching metadata that the cluster does not list: registered but fenced
 * (starting up, or cut off from the controller). Their address is not known from here.
 */
function fencedObservers(quorum: QuorumInfo | { unavailable: string }, listed: readonly BrokerRow[]): BrokerRow[] {
  if ('unavailable' in quorum) return [];
  const known = new Set(listed.map((b) => b.nodeId));
  const voters = new Set(quorum.voters.map((v) => v.replicaId));
  return quorum.observers
    .filter((o) => o.replicaId >= 0 && !known.has(o.replicaId) && !voters.has(o.replicaId))
    .map((o) => ({
      nodeId: o.replicaId,
      host: '',
      port: 0,
      rack: null,
      controller: false,
      fenced: true,
      leaderPartitions: 0,
      replicaPartitions: 0,
      sizeBytes: 0,
    }));
}

function logDirRow(d: LogDirDescription): LogDirRow {
  return {
    broker: d.broker,
    logDir: d.logDir,
    error: d.errorCode ? `error ${d.errorCode}` : null,
    totalBytes: d.totalBytes,
    usableBytes: d.usableBytes,
    sizeBytes: d.partitions.reduce((s, p) => s + p.sizeBytes, 0),
    partitions: d.partitions.length,
  };
}

async function quorumInfo(ctx: ConsoleContext): Promise<QuorumInfo | { unavailable: string }> {
  try {
    const q = await ctx.admin.describeQuorum({ timeoutMs: 5000 });
    const row = (r: (typeof q.voters)[number]) => ({ ...r, lag: Math.max(0, q.highWatermark - r.logEndOffset) });
    return { ...q, voters: q.voters.map(row), observers: q.observers.map(row) };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'UNSUPPORTED_VERSION') return { unavailable: 'the broker does not serve DescribeQuorum' };
    return { unavailable: errorText(e) };
  }
}
