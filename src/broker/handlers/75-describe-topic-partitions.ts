// DescribeTopicPartitions, version 0 (what kafka-topics.sh --describe uses since Kafka 3.8): topics
// by name, or all topics for an empty list, in name order, paged by `responsePartitionLimit` with a
// cursor (topic, first partition) to continue from. Every topic answered carries its authorized
// operations (the request has no flag for them: Kafka always fills them). Not implemented: eligible
// leader replicas (always empty).
import type { TopicInfo } from '../../metadata/image.js';
import { ErrorCode } from '../../protocol/errors.js';
import type {
  DescribeTopicPartitionsRequest,
  DescribeTopicPartitionsResponse,
  DescribeTopicPartitionsResponseTopic,
} from '../../protocol/messages/index.js';
import { ZERO_UUID } from '../../protocol/schema/codec.js';
import { authorizedOperations } from '../../security/authorized-operations.js';
import { AclOperation, allowedNames, canFor, ResourceType } from './authorize.js';
import { partitionEntry } from './cluster-view.js';
import { handler } from './handler.js';

/** Kafka's cap on partitions per response (max.request.partition.size.limit default). */
const PARTITIONS_PER_RESPONSE_MAX = 2000;

export const describeTopicPartitions = handler<
  DescribeTopicPartitionsRequest,
  DescribeTopicPartitionsResponse
>({
  apiKey: 75,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req) {
    const image = ctx.services.metadata();
    const names =
      req.topics.length === 0 ? [...image.topicsByName.keys()] : [...new Set(req.topics.map((t) => t.name))];
    names.sort();
    // A listing shows only DESCRIBE-able topics; a named topic the principal may not see is refused.
    const listing = req.topics.length === 0;
    const visible = allowedNames(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, names, !listing);
    const opsOf = (name: string) => authorizedOperations('topic', canFor(ctx, ResourceType.TOPIC, name));
    const cursor = req.cursor;
    let budget = Math.min(Math.max(req.responsePartitionLimit, 1), PARTITIONS_PER_RESPONSE_MAX);
    const topics: DescribeTopicPartitionsResponseTopic[] = [];
    let nextCursor: DescribeTopicPartitionsResponse['nextCursor'] = null;
    for (const name of names) {
      if (cursor && name < cursor.topicName) continue;
      if (!visible.has(name)) {
        if (!listing)
          topics.push({
            ...unknownTopic(name, opsOf(name)),
            errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
          });
        continue;
      }
      const topic = image.topicsByName.get(name);
      if (!topic) {
        topics.push(unknownTopic(name, opsOf(name)));
        continue;
      }
      const first = cursor && name === cursor.topicName ? cursor.partitionIndex : 0;
      const taken = topic.partitions.slice(first, first + budget);
      topics.push(
        topicEntry(
          ctx.services.isInternalTopic(name),
          topic,
          taken.map((p) => partitionEntry(image, p)),
          opsOf(name),
        ),
      );
      budget -= taken.length;
      if (first + taken.length < topic.partitions.length) {
        nextCursor = { topicName: name, partitionIndex: first + taken.length };
        break;
      }
      if (budget === 0) {
        const following = names[names.indexOf(name) + 1];
        if (following !== undefined) nextCursor = { topicName: following, partitionIndex: 0 };
        break;
      }
    }
    return { throttleTimeMs: 0, topics, nextCursor };
  },
});

function unknownTopic(name: string, ops: number): DescribeTopicPartitionsResponseTopic {
  return {
    errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    name,
    topicId: ZERO_UUID,
    isInternal: false,
    partitions: [],
    topicAuthorizedOperations: ops,
  };
}

function topicEntry(
  isInternal: boolean,
  topic: TopicInfo,
  partitions: ReturnType<typeof partitionEntry>[],
  ops: number,
): DescribeTopicPartitionsResponseTopic {
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.id,
    isInternal,
    // Kafka sends empty lists when there are no eligible leader replicas; its admin client reads them
    // without a null check.
    partitions: partitions.map((p) => ({ ...p, eligibleLeaderReplicas: [], lastKnownElr: [] })),
    topicAuthorizedOperations: ops,
  };
}
