// OffsetForLeaderEpoch, versions 0-4: for a leader epoch, the largest epoch not above it and the
// offset where it ended (from the leader-epoch cache), so clients and followers can detect a log
// that diverged. The current leader epoch (v2+) is checked.
import { ErrorCode } from '../../protocol/errors.js';
import type {
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochResponse,
} from '../../protocol/messages/index.js';
import { AclOperation, allowedNames, allowedOnCluster, ResourceType } from './authorize.js';
import { handler } from './handler.js';
import { leaderOrError, partitionOrError } from './partition-lookup.js';

export const offsetForLeaderEpoch = handler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>({
  apiKey: 23,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req) {
    // Brokers ask with CLUSTER_ACTION; consumers (KIP-320) need DESCRIBE on the topic.
    const describable = allowedOnCluster(ctx, AclOperation.CLUSTER_ACTION, false)
      ? null
      : allowedNames(
          ctx,
          AclOperation.DESCRIBE,
          ResourceType.TOPIC,
          req.topics.map((t) => t.topic),
        );
    return {
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((pr) => {
          // Only the leader answers, except to a debugging tool (replica id -2).
          const p =
            describable && !describable.has(t.topic)
              ? ErrorCode.TOPIC_AUTHORIZATION_FAILED
              : (req.replicaId ?? -2) === -2
                ? partitionOrError(ctx, t.topic, pr.partition)
                : leaderOrError(ctx, t.topic, pr.partition);
          const fail = (errorCode: number) => ({
            errorCode,
            partition: pr.partition,
            leaderEpoch: -1,
            endOffset: -1,
          });
          if (typeof p === 'number') return fail(p);
          const epochError = p.checkLeaderEpoch(pr.currentLeaderEpoch);
          if (epochError !== ErrorCode.NONE) return fail(epochError);
          const r = p.log.endOffsetForEpoch(pr.leaderEpoch);
          return {
            errorCode: ErrorCode.NONE,
            partition: pr.partition,
            leaderEpoch: r.epoch,
            endOffset: r.endOffset,
          };
        }),
      })),
    };
  },
});
