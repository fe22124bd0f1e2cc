// AlterPartition, versions 0-3 (controller listener): a partition leader changes its ISR. Validation and
// the answer are src/metadata/alter-partition.ts (leader and partition epoch fencing, eligible
// replicas, Kafka's error codes); topics by name before v2, by id from v2; broker epochs per ISR member
// from v3.
import { ErrorCode } from '../../protocol/errors.js';
import type { AlterPartitionRequest, AlterPartitionResponse } from '../../protocol/messages/index.js';
import { NotController } from '../controller/quorum-controller.js';
import { AclOperation, clusterDenied } from './authorize.js';
import { handler } from './handler.js';
import type { ControllerServices } from './services.js';

export const alterPartition = handler<AlterPartitionRequest, AlterPartitionResponse, ControllerServices>({
  apiKey: 56,
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, req) {
    const denied = clusterDenied<AlterPartitionResponse>(ctx, AclOperation.CLUSTER_ACTION, req);
    if (denied) return denied;
    const r = await ctx.services.quorumController.alterPartition({
      brokerId: req.brokerId,
      brokerEpoch: req.brokerEpoch,
      version: ctx.version,
      topics: req.topics.map((t) => ({
        topicId: t.topicId ?? '',
        topicName: t.topicName ?? '',
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          leaderEpoch: p.leaderEpoch,
          newIsr:
            ctx.version >= 3
              ? (p.newIsrWithEpochs ?? []).map((s) => ({
                  brokerId: s.brokerId ?? -1,
                  brokerEpoch: s.brokerEpoch ?? -1,
                }))
              : (p.newIsr ?? []).map((brokerId) => ({ brokerId, brokerEpoch: -1 })),
          leaderRecoveryState: p.leaderRecoveryState ?? 0,
          partitionEpoch: p.partitionEpoch,
        })),
      })),
    });
    if (r instanceof NotController)
      return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, topics: [] };
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      topics: r.topics.map((t) => ({
        topicName: t.topicName,
        topicId: t.topicId,
        partitions: t.partitions.map((p) => ({ ...p })),
      })),
    };
  },
});
