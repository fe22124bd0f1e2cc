// OffsetCommit, versions 0-9. Partitions of topics (or partitions) the metadata does not know get
// UNKNOWN_TOPIC_OR_PARTITION, as Kafka checks before its coordinator; the others are committed for
// the group: by a member of the current generation, or with generation -1 while the group is Empty.
// v1 carries per-partition commit timestamps, v2-v4 a retention time, v6+ leader epochs, v7+ the
// instance id; from v9 an unknown group with a generation is GROUP_ID_NOT_FOUND. v0 is stored like the
// others (Kafka 3.9 without ZooKeeper refuses it).
import type { MetadataImage } from '../../metadata/image.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { OffsetCommitRequest, OffsetCommitResponse } from '../../protocol/messages/index.js';
import type { CommitRequest, TopicErrors } from '../coordinator/group/offset-ops.js';
import { AclOperation, allowed, allowedNames, ResourceType } from './authorize.js';
import { handler, later } from './handler.js';

export const offsetCommit = handler<OffsetCommitRequest, OffsetCommitResponse>({
  apiKey: 8,
  minVersion: 0,
  maxVersion: 9,
  handle(ctx, req) {
    // READ on the group, then READ on each topic (Kafka's order).
    if (!allowed(ctx, AclOperation.READ, ResourceType.GROUP, req.groupId))
      return response(req, [], new Set(), ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const readable = allowedNames(
      ctx,
      AclOperation.READ,
      ResourceType.TOPIC,
      req.topics.map((t) => t.name),
    );
    const denied = new Set(req.topics.map((t) => t.name).filter((n) => !readable.has(n)));
    const image = ctx.services.metadata();
    const known: CommitRequest['topics'] = [];
    for (const t of req.topics) {
      if (denied.has(t.name)) continue;
      const partitions = t.partitions
        .filter((p) => partitionExists(image, t.name, p.partitionIndex))
        .map((p) => ({
          partition: p.partitionIndex,
          offset: p.committedOffset,
          leaderEpoch: p.committedLeaderEpoch ?? -1,
          metadata: p.committedMetadata,
          commitTimestamp: p.commitTimestamp ?? -1,
        }));
      if (partitions.length > 0) known.push({ name: t.name, partitions });
    }
    if (known.length === 0) return response(req, [], denied);
    const result = ctx.services.groups.commitOffsets({
      groupId: req.groupId,
      generationId: req.generationIdOrMemberEpoch ?? -1,
      memberId: req.memberId ?? '',
      groupInstanceId: req.groupInstanceId ?? null,
      retentionTimeMs: req.retentionTimeMs ?? -1,
      apiVersion: ctx.version,
      topics: known,
    });
    return later(result.then((r) => response(req, r, denied)));
  },
});

export function partitionExists(image: MetadataImage, topic: string, partition: number): boolean {
  const t = image.topicsByName.get(topic);
  if (!t) return false;
  return (
    (t.partitions[partition]?.partition ?? t.partitions.find((p) => p.partition === partition)?.partition) ===
    partition
  );
}

/** Every partition of the request, in request order, with the coordinator's answer or UNKNOWN_TOPIC. */
function response(
  req: OffsetCommitRequest,
  results: TopicErrors[],
  denied: ReadonlySet<string>,
  allErrorCode?: number,
): OffsetCommitResponse {
  // Usually every partition was known: the answers are in request order already.
  if (
    allErrorCode === undefined &&
    results.length === req.topics.length &&
    results.every((t, i) => sameShape(t, req.topics[i]))
  ) {
    return {
      throttleTimeMs: 0,
      topics: results.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, errorCode: p.errorCode })),
      })),
    };
  }
  const byTopic = new Map<string, Map<number, number>>();
  for (const t of results) byTopic.set(t.name, new Map(t.partitions.map((p) => [p.partition, p.errorCode])));
  return {
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode:
          allErrorCode ??
          (denied.has(t.name)
            ? ErrorCode.TOPIC_AUTHORIZATION_FAILED
            : (byTopic.get(t.name)?.get(p.partitionIndex) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)),
      })),
    })),
  };
}

function sameShape(answered: TopicErrors, asked: OffsetCommitRequest['topics'][number]): boolean {
  return (
    answered.name === asked.name &&
    answered.partitions.length === asked.partitions.length &&
    answered.partitions.every((p, i) => p.partition === asked.partitions[i].partitionIndex)
  );
}
