// ListPartitionReassignments, version 0: the partitions being reassigned (all, or those asked for),
// with their full replica list during the move and the replicas being added and removed, as the
// active controller knows them (brokers forward it there).

import { listPartitionReassignments } from '../../metadata/reassignment.js';
import { ErrorCode } from '../../protocol/errors.js';
import type {
  ListPartitionReassignmentsRequest,
  ListPartitionReassignmentsResponse,
} from '../../protocol/messages/index.js';
import { AclOperation, clusterDenied } from './authorize.js';
import { handler } from './handler.js';
import type { CommonServices } from './services.js';

export const listPartitionReassignmentsHandler = handler<
  ListPartitionReassignmentsRequest,
  ListPartitionReassignmentsResponse,
  CommonServices
>({
  apiKey: 46,
  minVersion: 0,
  maxVersion: 0,
  forwardable: true,
  handle(ctx, req) {
    const denied = clusterDenied<ListPartitionReassignmentsResponse>(ctx, AclOperation.DESCRIBE, req);
    if (denied) return denied;
    const wanted = req.topics?.map((t) => ({ topic: t.name, partitions: t.partitionIndexes })) ?? null;
    const ongoing = listPartitionReassignments(ctx.services.metadata(), wanted);
    const byTopic = new Map<string, typeof ongoing>();
    for (const r of ongoing) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r]);
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      topics: [...byTopic].map(([name, list]) => ({
        name,
        partitions: list.map((r) => ({
          partitionIndex: r.partition,
          replicas: r.replicas,
          addingReplicas: r.addingReplicas,
          removingReplicas: r.removingReplicas,
        })),
      })),
    };
  },
});
