// Committed offsets: OffsetCommit, OffsetFetch, OffsetDelete and the expiry of old offsets
// (offsets.retention.minutes), as Kafka's classic group coordinator does them. Topic and partition
// existence is checked by the handler against the metadata image before the coordinator sees a request.
import { ErrorCode } from '../../../protocol/errors.js';
import type { OperationContext } from '../runtime.js';
import type { ClassicGroup } from './classic-group.js';
import { scheduleHeartbeat } from './membership.js';
import { groupMetadataTombstone, offsetCommitRecord, offsetCommitTombstone } from './records.js';
import type { CommittedOffset, GroupShard } from './shard.js';

type Ctx = OperationContext<GroupShard>;

export interface CommitPartition {
  partition: number;
  offset: number;
  /** -1 when the client does not send one */
  leaderEpoch: number;
  metadata: string | null;
  /** OffsetCommit v1 only; -1 = now */
  commitTimestamp: number;
}

export interface CommitRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** OffsetCommit v2-v4; -1 = the broker's retention */
  retentionTimeMs: number;
  apiVersion: number;
  topics: { name: string; partitions: CommitPartition[] }[];
}

export interface PartitionError {
  partition: number;
  errorCode: number;
}

export interface TopicErrors {
  name: string;
  partitions: PartitionError[];
}

export interface FetchedPartition {
  partition: number;
  offset: number;
  leaderEpoch: number;
  metadata: string;
  errorCode: number;
}

export interface FetchedGroup {
  errorCode: number;
  topics: { name: string; partitions: FetchedPartition[] }[];
}

export function allPartitions(topics: CommitRequest['topics'], errorCode: number): TopicErrors[] {
  return topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode })),
  }));
}

export function commitOffsets(shard: GroupShard, ctx: Ctx, req: CommitRequest): TopicErrors[] {
  const group = shard.groups.get(req.groupId);
  const error = group ? commitError(group, req) : missingGroupError(req);
  if (error !== null) return allPartitions(req.topics, error);
  // A commit keeps a member's session alive.
  if (group && (group.is('Stable') || group.is('PreparingRebalance'))) {
    const member = group.members.get(req.memberId);
    if (member) scheduleHeartbeat(ctx, group, member);
  }
  const expireTimestamp = req.retentionTimeMs === -1 ? -1 : ctx.now + req.retentionTimeMs;
  const metadataMax = shard.settings.offsetMetadataBytesMax;
  const records = [];
  const result: TopicErrors[] = [];
  for (const t of req.topics) {
    const partitions: PartitionError[] = [];
    for (const p of t.partitions) {
      const metadata = p.metadata ?? '';
      if (metadata.length > metadataMax) {
        partitions.push({ partition: p.partition, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE });
        continue;
      }
      partitions.push({ partition: p.partition, errorCode: ErrorCode.NONE });
      const value = {
        offset: p.offset,
        leaderEpoch: p.leaderEpoch < 0 ? -1 : p.leaderEpoch,
        metadata,
        commitTimestamp: p.commitTimestamp === -1 ? ctx.now : p.commitTimestamp,
        expireTimestamp,
      };
      const previous = shard.committedOffset(req.groupId, t.name, p.partition);
      records.push(offsetCommitRecord(req.groupId, t.name, p.partition, value, previous?.recordKey));
    }
    result.push({ name: t.name, partitions });
  }
  ctx.append(records);
  return result;
}

/** No group: a commit without generation makes a simple group; otherwise the group is unknown. */
function missingGroupError(req: CommitRequest): number | null {
  if (req.generationId < 0) return null;
  return req.apiVersion >= 9 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION;
}

function commitError(group: ClassicGroup, req: CommitRequest): number | null {
  if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  // Generation -1: the admin client or a consumer without group management, allowed while Empty.
  if (req.generationId < 0 && group.is('Empty')) return null;
  if (req.generationId >= 0 || req.memberId !== '' || req.groupInstanceId !== null) {
    if (req.groupInstanceId !== null) {
      const existing = group.staticMembers.get(req.groupInstanceId);
      if (existing === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (existing !== req.memberId) return ErrorCode.FENCED_INSTANCE_ID;
    }
    if (!group.members.has(req.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  } else if (!group.is('Empty')) {
    return ErrorCode.UNKNOWN_MEMBER_ID;
  }
  // A member that has its new generation but not its assignment yet.
  if (group.is('CompletingRebalance')) return ErrorCode.REBALANCE_IN_PROGRESS;
  return null;
}

/** OffsetFetch of one group: the partitions asked for (-1 when none), or every committed one (null). */
export function fetchOffsets(
  shard: GroupShard,
  groupId: string,
  topics: { name: string; partitions: number[] }[] | null,
): FetchedGroup {
  const group = shard.groups.get(groupId);
  const stored = group && !group.is('Dead') ? shard.offsetsOf(groupId) : undefined;
  if (topics === null) {
    return {
      errorCode: ErrorCode.NONE,
      topics: [...(stored ?? new Map()).entries()].map(([name, byPartition]) => ({
        name,
        partitions: [...byPartition.entries()].map(([partition, o]) => fetched(partition, o)),
      })),
    };
  }
  return {
    errorCode: ErrorCode.NONE,
    topics: topics.map((t) => {
      const byPartition = stored?.get(t.name);
      return { name: t.name, partitions: t.partitions.map((p) => fetched(p, byPartition?.get(p))) };
    }),
  };
}

function fetched(partition: number, o: CommittedOffset | undefined): FetchedPartition {
  if (!o) return { partition, offset: -1, leaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE };
  return {
    partition,
    offset: o.offset,
    leaderEpoch: o.leaderEpoch,
    metadata: o.metadata,
    errorCode: ErrorCode.NONE,
  };
}

/** OffsetDelete: refused for a group with members, per topic for a topic the group subscribes to. */
export function deleteOffsets(
  shard: GroupShard,
  ctx: Ctx,
  groupId: string,
  topics: { name: string; partitions: number[] }[],
): { errorCode: number; topics: TopicErrors[] } {
  const group = shard.groups.get(groupId);
  if (!group || group.is('Dead')) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
  if (!group.is('Empty') && !group.usesConsumerProtocol())
    return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] };
  const records = [];
  const result: TopicErrors[] = [];
  for (const t of topics) {
    if (group.isSubscribedToTopic(t.name)) {
      result.push({
        name: t.name,
        partitions: t.partitions.map((partition) => ({
          partition,
          errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC,
        })),
      });
      continue;
    }
    for (const p of t.partitions) {
      if (shard.committedOffset(groupId, t.name, p)) records.push(offsetCommitTombstone(groupId, t.name, p));
    }
    result.push({
      name: t.name,
      partitions: t.partitions.map((partition) => ({ partition, errorCode: ErrorCode.NONE })),
    });
  }
  ctx.append(records);
  return { errorCode: ErrorCode.NONE, topics: result };
}

/**
 * offsets.retention.minutes: an Empty group's offsets expire that long after it became Empty (or after
 * their commit, for a group without protocol type), a Stable consumer group's offsets for topics it no
 * longer subscribes to that long after their commit. An Empty group left without offsets is deleted.
 */
export function expireOffsets(shard: GroupShard, ctx: Ctx): void {
  const records = [];
  const retentionMs = shard.settings.offsetsRetentionMs;
  for (const [groupId, group] of shard.groups) {
    const byTopic = shard.offsetsOf(groupId);
    let allExpired = true;
    if (byTopic) {
      const base = expiryBase(group);
      for (const [topic, byPartition] of byTopic) {
        if (base === null || group.isSubscribedToTopic(topic)) {
          allExpired = false;
          continue;
        }
        for (const [partition, o] of byPartition) {
          const expired =
            o.expireTimestamp !== null ? ctx.now >= o.expireTimestamp : ctx.now - base(o) >= retentionMs;
          if (expired) records.push(offsetCommitTombstone(groupId, topic, partition));
          else allExpired = false;
        }
      }
    }
    if (allExpired && group.is('Empty')) records.push(groupMetadataTombstone(groupId));
  }
  if (records.length > 0) {
    shard.deps.log.info('expired group metadata', { partition: ctx.partition, tombstones: records.length });
    ctx.append(records);
  }
}

/** What an offset's age counts from, or null when the group's offsets do not expire now. */
function expiryBase(group: ClassicGroup): ((o: CommittedOffset) => number) | null {
  if (group.protocolType === null) return (o) => o.commitTimestamp;
  if (group.is('Empty')) {
    const since = group.currentStateTimestamp;
    return (o) => since ?? o.commitTimestamp;
  }
  if (group.usesConsumerProtocol() && group.subscribedTopics !== null && group.is('Stable')) {
    return (o) => o.commitTimestamp;
  }
  return null;
}
