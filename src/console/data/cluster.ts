// The cluster page: brokers, the metadata quorum, features and API versions, log dirs and the
// health of partitions, gathered with the admin client's Kafka APIs only.
import type { LogDirDescription } from '../../client/admin.js';
import { API_DECLS } from '../../protocol/index.js';
import type { BrokerRow, ClusterInfo, LogDirRow, QuorumInfo } from '../api-types.js';
import { BROKER_RETRY_MS, type ConsoleContext } from '../context.js';
import { errorText } from './errors.js';
import { logDirsOf } from './log-dirs.js';

const API_NAMES = new Map(API_DECLS.map((d) => [d.apiKey, d.name]));

export async function clusterInfo(ctx: ConsoleContext): Promise<ClusterInfo> {
  const admin = ctx.admin;
  const probe = { timeoutMs: BROKER_RETRY_MS };
  const [cluster, topics, quorum, features, versions, logDirs] = await Promise.all([
    admin.describeCluster({ includeFencedBrokers: true }),
    admin.describeAllTopics({ includeInternal: true }),
    quorumInfo(ctx),
    admin.brokerFeatures(probe),
    admin.brokerApiVersions(probe),
    logDirsOf(admin),
  ]);
  // A broker still listed (its session has not expired yet) that the console cannot connect to.
  const unreachable = new Set(versions.filter((v) => v.error).map((v) => v.nodeId));
  // In KRaft a broker names itself (or any live broker) as the controller; the active controller is
  // the metadata quorum's leader. Only a cluster without DescribeQuorum falls back to the broker's word.
  const controllerId = 'unavailable' in quorum || quorum.leaderId < 0 ? cluster.controllerId : quorum.leaderId;
  const partitions = topics.flatMap((t) => t.partitions);
  const brokers: BrokerRow[] = cluster.brokers
    .map((b) => ({
      nodeId: b.nodeId,
      host: b.host,
      port: b.port,
      rack: b.rack,
      controller: b.nodeId === controllerId,
      // DescribeCluster before v2 and Metadata list only unfenced brokers.
      fenced: b.fenced ?? false,
      reachable: !unreachable.has(b.nodeId),
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
    controllerId,
    brokers,
    quorum,
    features: features.filter((f) => !f.error).map((f) => ({
      nodeId: f.nodeId,
      finalized: f.finalized.map((x) => ({ name: x.name, level: x.maxVersionLevel })),
      supported: f.supported.map((x) => ({ name: x.name, min: x.minVersion, max: x.maxVersion })),
    })),
    apiVersions: versions.filter((b) => !b.error).map((b) => ({
      nodeId: b.nodeId,
      apis: b.versions.map((v) => ({
        apiKey: v.apiKey,
        name: API_NAMES.get(v.apiKey) ?? `api ${v.apiKey}`,
        min: v.minVersion,
        max: v.maxVersion,
      })),
    })),
    logDirs: logDirs.dirs.map(logDirRow).sort((a, b) => a.broker - b.broker || a.logDir.localeCompare(b.logDir)),
    logDirsError:
      logDirs.failed.length > 0 ? logDirs.failed.map((f) => `broker ${f.broker}: ${f.error}`).join('; ') : null,
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
      reachable: false,
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
