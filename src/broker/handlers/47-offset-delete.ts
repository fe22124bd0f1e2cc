// OffsetDelete, version 0: deletes a group's committed offsets for some partitions. Unknown topics or
// partitions answer UNKNOWN_TOPIC_OR_PARTITION; a group with members answers NON_EMPTY_GROUP (unless it
// uses the consumer protocol), and then partitions of topics it subscribes to GROUP_SUBSCRIBED_TO_TOPIC.
import { ErrorCode } from '../../protocol/errors.js';
import type { OffsetDeleteRequest, OffsetDeleteResponse } from '../../protocol/messages/index.js';
import { partitionExists } from './08-offset-commit.js';
import { AclOperation, allowed, allowedNames, ResourceType } from './authorize.js';
import { handler, later } from './handler.js';

export const offsetDelete = handler<OffsetDeleteRequest, OffsetDeleteResponse>({
  apiKey: 47,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req) {
    if (!allowed(ctx, AclOperation.DELETE, ResourceType.GROUP, req.groupId))
      return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, throttleTimeMs: 0, topics: [] };
    const readable = allowedNames(
      ctx,
      AclOperation.READ,
      ResourceType.TOPIC,
      req.topics.map((t) => t.name),
    );
    const image = ctx.services.metadata();
    const known = req.topics
      .filter((t) => readable.has(t.name))
      .map((t) => ({
        name: t.name,
        partitions: t.partitions
          .map((p) => p.partitionIndex)
          .filter((p) => partitionExists(image, t.name, p)),
      }))
      .filter((t) => t.partitions.length > 0);
    const result = ctx.services.groups.deleteOffsets(req.groupId, known);
    return later(
      result.then((r): OffsetDeleteResponse => {
        if (r.errorCode !== ErrorCode.NONE) return { errorCode: r.errorCode, throttleTimeMs: 0, topics: [] };
        const byTopic = new Map(
          r.topics.map((t) => [t.name, new Map(t.partitions.map((p) => [p.partition, p.errorCode]))]),
        );
        return {
          errorCode: ErrorCode.NONE,
          throttleTimeMs: 0,
          topics: req.topics.map((t) => ({
            name: t.name,
            partitions: t.partitions.map((p) => ({
              partitionIndex: p.partitionIndex,
              errorCode: !readable.has(t.name)
                ? ErrorCode.TOPIC_AUTHORIZATION_FAILED
                : (byTopic.get(t.name)?.get(p.partitionIndex) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION),
            })),
          })),
        };
      }),
    );
  },
});
