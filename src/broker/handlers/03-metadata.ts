// Metadata, versions 0-12. All topics for a null list (v1+) or an empty one (v0); topics by id from
// v10 (UNKNOWN_TOPIC_ID when unknown). Unknown topics are created when the request allows it (v4+,
// always before) and auto.create.topics.enable is on; creation completes before the answer, so the
// new topic comes back with its leaders. Brokers are listed with their endpoint on the listener the
// request came through. Not implemented: authorized operations (always "not requested").
import { topicNameProblem } from '../../metadata/controller.js';
import type { MetadataImage, PartitionInfo, TopicInfo } from '../../metadata/image.js';
import { ErrorCode } from '../../protocol/errors.js';
import type {
  MetadataRequest,
  MetadataResponse,
  MetadataResponseBroker,
  MetadataResponsePartition,
  MetadataResponseTopic,
} from '../../protocol/messages/index.js';
import { ZERO_UUID } from '../../protocol/schema/codec.js';
import { handler, type RequestContext } from './handler.js';

const NOT_REQUESTED = -2147483648;

export const metadata = handler<MetadataRequest, MetadataResponse>({
  apiKey: 3,
  minVersion: 0,
  maxVersion: 12,
  handle(ctx, req) {
    const image = ctx.services.metadata();
    const all = req.topics === null || (ctx.version === 0 && req.topics.length === 0);
    if (all)
      return respond(
        ctx,
        image,
        [...image.topicsByName.values()].map((t) => topicEntry(ctx, image, t)),
      );
    const missing = missingTopics(image, req);
    const allowCreate =
      (ctx.version < 4 || req.allowAutoTopicCreation !== false) &&
      ctx.services.settings.autoCreateTopicsEnable;
    if (missing.length === 0 || !allowCreate) return respond(ctx, image, requested(ctx, image, req));
    return ctx.services.controller
      .createTopics(
        missing.map((name) => ({
          name,
          numPartitions: -1,
          replicationFactor: -1,
          assignments: [],
          configs: [],
        })),
      )
      .then(() => {
        const after = ctx.services.metadata();
        return respond(ctx, after, requested(ctx, after, req));
      });
  },
});

function missingTopics(image: MetadataImage, req: MetadataRequest): string[] {
  const names = new Set<string>();
  for (const t of req.topics ?? []) {
    if (t.name && !image.topicsByName.has(t.name) && topicNameProblem(t.name) === null) names.add(t.name);
  }
  return [...names];
}

function requested(ctx: RequestContext, image: MetadataImage, req: MetadataRequest): MetadataResponseTopic[] {
  return (req.topics ?? []).map((t) => {
    if (t.name === null || t.name === '') {
      const byId = t.topicId ? image.topicsById.get(t.topicId) : undefined;
      return byId
        ? topicEntry(ctx, image, byId)
        : errorTopic(null, t.topicId ?? ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_ID);
    }
    const topic = image.topicsByName.get(t.name);
    if (topic) return topicEntry(ctx, image, topic);
    const code = topicNameProblem(t.name)
      ? ErrorCode.INVALID_TOPIC_EXCEPTION
      : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    return errorTopic(t.name, ZERO_UUID, code);
  });
}

function errorTopic(name: string | null, topicId: string, errorCode: number): MetadataResponseTopic {
  return {
    errorCode,
    name,
    topicId,
    isInternal: false,
    partitions: [],
    topicAuthorizedOperations: NOT_REQUESTED,
  };
}

function topicEntry(ctx: RequestContext, image: MetadataImage, t: TopicInfo): MetadataResponseTopic {
  return {
    errorCode: ErrorCode.NONE,
    name: t.name,
    topicId: t.id,
    isInternal: ctx.services.isInternalTopic(t.name),
    partitions: t.partitions.map((p) => partitionEntry(image, p)),
    topicAuthorizedOperations: NOT_REQUESTED,
  };
}

function partitionEntry(image: MetadataImage, p: PartitionInfo): MetadataResponsePartition {
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

/** Live brokers with their address on the listener the request came through. */
export function brokerEntries(ctx: RequestContext, image: MetadataImage): MetadataResponseBroker[] {
  const out: MetadataResponseBroker[] = [];
  for (const b of image.brokers.values()) {
    if (b.fenced) continue;
    const ep = b.endpoints.find((e) => e.name === ctx.conn.info.listenerName) ?? b.endpoints[0];
    if (!ep) continue;
    out.push({ nodeId: b.id, host: advertisedHost(ctx, b.id, ep.host), port: ep.port, rack: b.rack });
  }
  return out.sort((a, b) => a.nodeId - b.nodeId);
}

/** A listener bound to every interface advertises the address this client reached. */
function advertisedHost(ctx: RequestContext, brokerId: number, host: string): string {
  if (brokerId === ctx.services.nodeId && (host === '' || host === '0.0.0.0' || host === '::')) {
    return ctx.conn.info.localAddress || 'localhost';
  }
  return host;
}

function respond(
  ctx: RequestContext,
  image: MetadataImage,
  topics: MetadataResponseTopic[],
): MetadataResponse {
  return {
    throttleTimeMs: 0,
    brokers: brokerEntries(ctx, image),
    clusterId: ctx.services.clusterId,
    controllerId: ctx.services.nodeId,
    topics,
    clusterAuthorizedOperations: NOT_REQUESTED,
  };
}
