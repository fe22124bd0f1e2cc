// Finding the partition a request names, with the error Kafka gives when it is not here.
import { ErrorCode } from '../../protocol/errors.js';
import type { Partition } from '../replica/partition.js';
import type { RequestContext } from './handler.js';

/**
 * The partition when this broker hosts a replica of it (leader or follower), or the error code for one
 * it does not host (NOT_LEADER_OR_FOLLOWER when another broker does). Most APIs want `leaderOrError`.
 */
export function partitionOrError(ctx: RequestContext, topic: string, index: number): Partition | number {
  const p = ctx.services.replicas.get(topic, index);
  if (p) return p;
  const known = ctx.services.metadata().topicsByName.get(topic)?.partitions[index];
  return known ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
}

/**
 * The partition when this broker leads it and may answer as its leader now (not after a stall that
 * may have replaced it: Partition.answersAsLeader), else the error a client gets
 * (NOT_LEADER_OR_FOLLOWER ...).
 */
export function leaderOrError(ctx: RequestContext, topic: string, index: number): Partition | number {
  const p = partitionOrError(ctx, topic, index);
  if (typeof p === 'number') return p;
  return p.answersAsLeader ? p : ErrorCode.NOT_LEADER_OR_FOLLOWER;
}
