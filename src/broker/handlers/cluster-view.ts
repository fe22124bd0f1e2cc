// Views of the cluster shared by the handlers that describe it (Metadata, DescribeCluster,
// DescribeTopicPartitions): partition state as clients see it, and brokers with their address on
// the listener a request came through.
import type { MetadataImage, PartitionInfo } from '../../metadata/image.js';
import { ErrorCode } from '../../protocol/errors.js';
import { OPERATIONS_NOT_REQUESTED } from '../../security/authorized-operations.js';
import type { RequestContext } from './handler.js';
import type { CommonServices } from './services.js';

/** "Authorized operations were not requested" (Kafka's INT32_MIN). */
export const NOT_REQUESTED = OPERATIONS_NOT_REQUESTED;

export interface PartitionView {
  errorCode: number;
  partitionIndex: number;
  leaderId: number;
  leaderEpoch: number;
  replicaNodes: number[];
  isrNodes: number[];
  offlineReplicas: number[];
}

export interface BrokerView {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
  fenced: boolean;
}

export function partitionEntry(image: MetadataImage, p: PartitionInfo): PartitionView {
  const live = (id: number) => image.brokers.get(id)?.fenced === false;
  const leaderLive = p.leader >= 0 && live(p.leader);
  return {
    errorCode: leaderLive ? ErrorCode.NONE : ErrorCode.LEADER_NOT_AVAILABLE,
    partitionIndex: p.partition,
    leaderId: leaderLive ? p.leader : -1,
    leaderEpoch: p.leaderEpoch,
    replicaNodes: [...p.replicas],
    isrNodes: [...p.isr],
    offlineReplicas: p.replicas.filter((r) => !live(r)),
  };
}

/** Live brokers (and fenced ones too when asked) with their address on the listener the request came through. */
export function brokerEntries(
  ctx: RequestContext<CommonServices>,
  image: MetadataImage,
  withFenced = false,
): BrokerView[] {
  const out: BrokerView[] = [];
  for (const b of image.brokers.values()) {
    if (b.fenced && !withFenced) continue;
    const ep = b.endpoints.find((e) => e.name === ctx.conn.info.listenerName) ?? b.endpoints[0];
    if (!ep) continue;
    out.push({
      nodeId: b.id,
      host: advertisedHost(ctx, b.id, ep.host),
      port: ep.port,
      rack: b.rack,
      fenced: b.fenced,
    });
  }
  return out.sort((a, b) => a.nodeId - b.nodeId);
}

/** A listener bound to every interface advertises the address this client reached. */
function advertisedHost(ctx: RequestContext<CommonServices>, brokerId: number, host: string): string {
  if (brokerId === ctx.services.nodeId && (host === '' || host === '0.0.0.0' || host === '::')) {
    return ctx.conn.info.localAddress || 'localhost';
  }
  return host;
}
