// Metadata, versions 0-12. All topics for a null list (v1+) or an empty one (v0); topics by id from
// v10 (UNKNOWN_TOPIC_ID when unknown). Unknown topics are created when the request allows it (v4+,
// always before) and auto.create.topics.enable is on; creation completes before the answer, so the
// new topic comes back with its leaders. Brokers are listed with their endpoint on the listener the
// request came through. Topics the principal may not DESCRIBE are left out of a full listing and
// answer TOPIC_AUTHORIZATION_FAILED when named; auto-creation needs CREATE (cluster or topic).
import { topicNameProblem } from '../../metadata/controller.js';
import type { MetadataImage, TopicInfo } from '../../metadata/image.js';
import { ErrorCode } from '../../protocol/errors.js';
import type {
  MetadataRequest,
  MetadataResponse,
  MetadataResponseTopic,
} from '../../protocol/messages/index.js';
import { ZERO_UUID } from '../../protocol/schema/codec.js';
import { brokerEntries, NOT_REQUESTED, partitionEntry } from './cluster-view.js';
import { handler, type RequestContext } from './handler.js';
import {
  AclOperation,
  allowed,
  allowedNames,
  allowedOnCluster,
  authorizedOperations,
  clusterOperations,
  ResourceType,
} from './authorize.js';

export const metadata = handler<MetadataRequest, MetadataResponse>({
  apiKey: 3,
  minVersion: 0,
  maxVersion: 12,
  handle(ctx, req) {
    const image = ctx.services.metadata();
    const all = req.topics === null || (ctx.version === 0 && req.topics.length === 0);
    if (all) {
      // Every topic the principal may DESCRIBE; the others are not mentioned at all.
      const visible = allowedNames(
        ctx,
        AclOperation.DESCRIBE,
        ResourceType.TOPIC,
        image.topicsByName.keys(),
        false,
      );
      return respond(
        ctx,
        image,
        [...image.topicsByName.values()]
          .filter((t) => visible.has(t.name))
          .map((t) => topicEntry(ctx, image, t, req)),
        req,
      );
    }
    const names = (req.topics ?? []).flatMap((t) => (t.name ? [t.name] : []));
    const describable = allowedNames(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, names);
    const allowCreate =
      (ctx.version < 4 || req.allowAutoTopicCreation !== false) &&
      ctx.services.settings.autoCreateTopicsEnable;
    // Auto-creation needs CREATE on the cluster, else on each topic (checked only when it would happen).
    const wanted = missingTopics(image, req).filter((n) => describable.has(n));
    const creatable =
      allowCreate && wanted.length > 0 && !allowedOnCluster(ctx, AclOperation.CREATE, false)
        ? allowedNames(ctx, AclOperation.CREATE, ResourceType.TOPIC, wanted)
        : new Set(wanted);
    const denied = (name: string) =>
      !describable.has(name) || (allowCreate && wanted.includes(name) && !creatable.has(name));
    const missing = wanted.filter((n) => creatable.has(n));
    if (missing.length === 0 || !allowCreate)
      return respond(ctx, image, requested(ctx, image, req, denied), req);
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
        return respond(ctx, after, requested(ctx, after, req, denied), req);
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

function requested(
  ctx: RequestContext,
  image: MetadataImage,
  req: MetadataRequest,
  denied: (name: string) => boolean,
): MetadataResponseTopic[] {
  return (req.topics ?? []).map((t) => {
    if (t.name === null || t.name === '') {
      const byId = t.topicId ? image.topicsById.get(t.topicId) : undefined;
      // A topic id the principal may not DESCRIBE is as unknown as one that does not exist.
      return byId && allowed(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, byId.name)
        ? topicEntry(ctx, image, byId, req)
        : errorTopic(null, t.topicId ?? ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_ID);
    }
    if (denied(t.name)) return errorTopic(t.name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const topic = image.topicsByName.get(t.name);
    if (topic) return topicEntry(ctx, image, topic, req);
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

function topicEntry(
  ctx: RequestContext,
  image: MetadataImage,
  t: TopicInfo,
  req?: MetadataRequest,
): MetadataResponseTopic {
  return {
    errorCode: ErrorCode.NONE,
    name: t.name,
    topicId: t.id,
    isInternal: ctx.services.isInternalTopic(t.name),
    partitions: t.partitions.map((p) => partitionEntry(image, p)),
    topicAuthorizedOperations: req?.includeTopicAuthorizedOperations
      ? authorizedOperations(ctx, ResourceType.TOPIC, t.name)
      : NOT_REQUESTED,
  };
}

function respond(
  ctx: RequestContext,
  image: MetadataImage,
  topics: MetadataResponseTopic[],
  req: MetadataRequest,
): MetadataResponse {
  return {
    throttleTimeMs: 0,
    brokers: brokerEntries(ctx, image),
    clusterId: ctx.services.clusterId,
    controllerId: ctx.services.nodeId,
    topics,
    clusterAuthorizedOperations: req.includeClusterAuthorizedOperations
      ? clusterOperations(ctx)
      : NOT_REQUESTED,
  };
}
