// TxnOffsetCommit, versions 0-5: offsets committed in the producer's transaction; they become the
// group's committed offsets with its COMMIT marker and vanish with an ABORT. v3+ carry the group
// metadata (KIP-447), checked as OffsetCommit checks it. The coordinator of the transaction is asked
// first whether the group's partition is in the transaction (v5, transactions V2: to add it). Partitions
// of unknown topics answer UNKNOWN_TOPIC_OR_PARTITION; before v2, COORDINATOR_LOAD_IN_PROGRESS is given
// as COORDINATOR_NOT_AVAILABLE (clients before Kafka 2.0 did not retry it).
import { ErrorCode } from '../../protocol/errors.js';
import type { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '../../protocol/messages/index.js';
import type { TopicErrors } from '../coordinator/group/offset-ops.js';
import { AclOperation, allowed, allowedNames, ResourceType } from './authorize.js';
import { handler } from './handler.js';
import { verifyOffsetCommit } from './txn-verify.js';

export const txnOffsetCommit = handler<TxnOffsetCommitRequest, TxnOffsetCommitResponse>({
  apiKey: 28,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    // WRITE on the transactional id, READ on the group, READ on each topic (Kafka's order).
    const denial = !allowed(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId)
      ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
      : !allowed(ctx, AclOperation.READ, ResourceType.GROUP, req.groupId)
        ? ErrorCode.GROUP_AUTHORIZATION_FAILED
        : null;
    const readable = allowedNames(
      ctx,
      AclOperation.READ,
      ResourceType.TOPIC,
      req.topics.map((t) => t.name),
    );
    if (denial !== null || req.topics.some((t) => !readable.has(t.name)))
      return {
        throttleTimeMs: 0,
        topics: req.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            errorCode:
              denial ??
              (readable.has(t.name)
                ? ErrorCode.OPERATION_NOT_ATTEMPTED
                : ErrorCode.TOPIC_AUTHORIZATION_FAILED),
          })),
        })),
      };
    const image = ctx.services.metadata();
    const known = (topic: string, p: number) => image.topicsByName.get(topic)?.partitions[p] !== undefined;
    const topics = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions
        .filter((p) => known(t.name, p.partitionIndex))
        .map((p) => ({
          partition: p.partitionIndex,
          offset: p.committedOffset,
          leaderEpoch: p.committedLeaderEpoch ?? -1,
          metadata: p.committedMetadata,
        })),
    }));
    let results: TopicErrors[];
    const verified = await verifyOffsetCommit(ctx, req);
    if (verified.errorCode !== ErrorCode.NONE) results = sameError(topics, verified.errorCode);
    else if (!verified.take()) results = sameError(topics, ErrorCode.INVALID_TXN_STATE);
    else {
      results = await ctx.services.groups.commitTxnOffsets({
        transactionalId: req.transactionalId,
        groupId: req.groupId,
        producerId: req.producerId,
        producerEpoch: req.producerEpoch,
        generationId: req.generationId ?? -1,
        memberId: req.memberId ?? '',
        groupInstanceId: req.groupInstanceId ?? null,
        topics,
      });
    }
    const byTopic = new Map(
      results.map((t) => [t.name, new Map(t.partitions.map((p) => [p.partition, p.errorCode]))]),
    );
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          let errorCode = byTopic.get(t.name)?.get(p.partitionIndex) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          if (ctx.version < 2 && errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)
            errorCode = ErrorCode.COORDINATOR_NOT_AVAILABLE;
          return { partitionIndex: p.partitionIndex, errorCode };
        }),
      })),
    };
  },
});

function sameError(
  topics: { name: string; partitions: { partition: number }[] }[],
  errorCode: number,
): TopicErrors[] {
  return topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode })),
  }));
}
