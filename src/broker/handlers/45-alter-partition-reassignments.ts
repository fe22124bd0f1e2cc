// AlterPartitionReassignments, version 0: starts moving partitions to new replica sets, or cancels
// (replicas null) an ongoing move, as KRaft's controller does (metadata/reassignment.ts): the new
// replicas join, catch up and enter the ISR, then the removed ones leave and delete their logs.
// Answered once the first step is committed; ListPartitionReassignments shows the progress. Brokers
// forward it to the active controller.

import { alterPartitionReassignments } from '../../metadata/reassignment.js';
import { ErrorCode } from '../../protocol/errors.js';
import type {
  AlterPartitionReassignmentsRequest,
  AlterPartitionReassignmentsResponse,
} from '../../protocol/messages/index.js';
import { AclOperation, clusterDenied } from './authorize.js';
import { handler } from './handler.js';
import type { CommonServices } from './services.js';

export const alterPartitionReassignmentsHandler = handler<
  AlterPartitionReassignmentsRequest,
  AlterPartitionReassignmentsResponse,
  CommonServices
>({
  apiKey: 45,
  minVersion: 0,
  maxVersion: 0,
  forwardable: true,
  async handle(ctx, req) {
    const denied = clusterDenied<AlterPartitionReassignmentsResponse>(ctx, AclOperation.ALTER, req);
    if (denied) return denied;
    const items = req.topics.flatMap((t) =>
      t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas })),
    );
    const results = await ctx.services.controller.apply(
      (image) => {
        const out = alterPartitionReassignments(
          {
            image,
            uncleanLeaderElection: (topic) =>
              ctx.services.configs.topicConfig(topic).uncleanLeaderElectionEnable,
          },
          items,
        );
        return { records: out.records, result: out.results };
      },
      () => items.map((i) => ({ ...i, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: null })),
    );
    for (const r of results)
      if (r.errorCode === ErrorCode.NONE)
        ctx.services.log.info('partition reassignment changed', { topic: r.topic, partition: r.partition });
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      responses: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const r = results.find((x) => x.topic === t.name && x.partition === p.partitionIndex);
          return {
            partitionIndex: p.partitionIndex,
            errorCode: r?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR,
            errorMessage: r?.errorMessage ?? null,
          };
        }),
      })),
    };
  },
});
