// Metadata, versions 0-13 (v13 adds a top-level error code, for REBOOTSTRAP_REQUIRED: always 0 here). All topics for a null list (v1+) or an empty one (v0); topics by id from
// v10 (UNKNOWN_TOPIC_ID when unknown). Unknown topics are created when the request allows it (v4+,
// always before) and auto.create.topics.enable is on: the request that starts the creation (and any
// other while it runs) gets LEADER_NOT_AVAILABLE for the topic, without partitions, and the next one
// the partitions, as Kafka has answered since its ZooKeeper days (KRaft brokers answer
// UNKNOWN_TOPIC_OR_PARTITION there; clients retry both). Brokers are listed with their endpoint on the
// listener the request came through. Authorized operations (v8+) when asked: every operation of the
// topic (and, v8-10, of the cluster) that the requester may perform (security/authorized-operations.ts).
// Topics the principal may not DESCRIBE are left out of a full listing and answer
// TOPIC_AUTHORIZATION_FAILED when named; auto-creation needs CREATE (on the cluster, else the topic).
import { type CreatableTopic, topicNameProblem } from '../../metadata/controller.js';
import type { MetadataImage, TopicInfo } from '../../metadata/image.js';
import { ErrorCode } from '../../protocol/errors.js';
import type {
  MetadataRequest,
  MetadataResponse,
  MetadataResponseTopic,
} from '../../protocol/messages/index.js';
import { ZERO_UUID } from '../../protocol/schema/codec.js';
import {
  authorizedOperations,
  clusterAuthorizedOperations,
  OPERATIONS_NOT_REQUESTED,
} from '../../security/authorized-operations.js';
import { OFFSETS_TOPIC } from '../coordinator/group/settings.js';
import {
  AclOperation,
  allowed,
  allowedNames,
  allowedOnCluster,
  CLUSTER_RESOURCE,
  canFor,
  ResourceType,
} from './authorize.js';
import { createInBackground } from './auto-create.js';
import { brokerEntries, NOT_REQUESTED, partitionEntry } from './cluster-view.js';
import { handler, type RequestContext } from './handler.js';

export const metadata = handler<MetadataRequest, MetadataResponse>({
  apiKey: 3,
  minVersion: 0,
  maxVersion: 13,
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
          .map((t) => topicEntry(ctx, image, t)),
        req,
      );
    }
    const names = (req.topics ?? []).flatMap((t) => (t.name ? [t.name] : []));
    const describable = allowedNames(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, names);
    const allowCreate =
      (ctx.version < 4 || req.allowAutoTopicCreation !== false) &&
      ctx.services.settings.autoCreateTopicsEnable;
    // Auto-creation needs CREATE on the cluster, else on each topic (asked only when it would happen).
    const wanted = missingTopics(image, req).filter((n) => describable.has(n));
    const creatable_ =
      allowCreate && wanted.length > 0 && !allowedOnCluster(ctx, AclOperation.CREATE, false)
        ? allowedNames(ctx, AclOperation.CREATE, ResourceType.TOPIC, wanted)
        : new Set(wanted);
    const denied = (name: string) =>
      !describable.has(name) || (allowCreate && wanted.includes(name) && !creatable_.has(name));
    const missing = wanted.filter((n) => creatable_.has(n));
    if (missing.length === 0 || !allowCreate)
      return respond(ctx, image, requested(ctx, image, req, denied), req);
    createInBackground(
      ctx.services,
      missing.map((name) => creatable(ctx, image, name)),
    );
    return respond(ctx, image, requested(ctx, image, req, denied, new Set(missing)), req);
  },
});

/** A topic to create with the broker's defaults; `__consumer_offsets` as its coordinator wants it. */
function creatable(ctx: RequestContext, image: MetadataImage, name: string): CreatableTopic {
  if (name === OFFSETS_TOPIC) {
    const live = [...image.brokers.values()].filter((b) => !b.fenced).length;
    return ctx.services.groups.offsetsTopicSpec(live);
  }
  return { name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: [] };
}

/** What the request that triggers a creation, and any other until it is done, is told of the topic. */
const BEING_CREATED = ErrorCode.LEADER_NOT_AVAILABLE;

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
  creating: ReadonlySet<string> = new Set(),
): MetadataResponseTopic[] {
  return (req.topics ?? []).map((t) => {
    if (t.name === null || t.name === '') {
      const byId = t.topicId ? image.topicsById.get(t.topicId) : undefined;
      // A topic id the principal may not DESCRIBE is as unknown as one that does not exist.
      return byId && allowed(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, byId.name)
        ? topicEntry(ctx, image, byId)
        : errorTopic(null, t.topicId ?? ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_ID);
    }
    if (denied(t.name)) return errorTopic(t.name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const topic = image.topicsByName.get(t.name);
    if (topic) return topicEntry(ctx, image, topic);
    if (creating.has(t.name)) return errorTopic(t.name, ZERO_UUID, BEING_CREATED);
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

function respond(
  ctx: RequestContext,
  image: MetadataImage,
  topics: MetadataResponseTopic[],
  req: MetadataRequest,
): MetadataResponse {
  const v = ctx.version;
  // As Kafka: every topic answered, but not the ids it does not know.
  if (v >= 8 && req.includeTopicAuthorizedOperations === true) {
    for (const t of topics)
      if (t.errorCode !== ErrorCode.UNKNOWN_TOPIC_ID && t.name !== null)
        t.topicAuthorizedOperations = authorizedOperations('topic', canFor(ctx, ResourceType.TOPIC, t.name));
  }
  const withCluster = v >= 8 && v <= 10 && req.includeClusterAuthorizedOperations === true;
  return {
    throttleTimeMs: 0,
    brokers: brokerEntries(ctx, image),
    clusterId: ctx.services.clusterId,
    controllerId: ctx.services.nodeId,
    topics,
    clusterAuthorizedOperations: withCluster
      ? clusterAuthorizedOperations(canFor(ctx, ResourceType.CLUSTER, CLUSTER_RESOURCE))
      : OPERATIONS_NOT_REQUESTED,
    errorCode: ErrorCode.NONE,
  };
}
