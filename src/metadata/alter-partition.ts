// AlterPartition (KIP-497/841): a partition leader asks the controller to change its ISR (and its
// leader recovery state). The controller checks the request against the partition as it is — leader
// epoch and partition epoch fencing, the sender leading it, a valid ISR of eligible replicas — with
// Kafka's error codes, and answers each partition with its new state or the error. The broker side
// (when to shrink or expand, retrying) belongs to the replica manager.
import { ErrorCode } from '../protocol/errors.js';
import type { MetadataImage, PartitionInfo, TopicInfo } from './image.js';
import { replay } from './image.js';
import { partitionChange } from './partition-change.js';
import { completeReassignment } from './reassignment.js';
import type { MetadataRecord } from './records.js';

export interface AlterPartitionItem {
  partitionIndex: number;
  leaderEpoch: number;
  /** The ISR wanted, with each replica's broker epoch (-1: not checked; v0-2 requests send none). */
  newIsr: readonly { brokerId: number; brokerEpoch: number }[];
  /** 0 RECOVERED, 1 RECOVERING. */
  leaderRecoveryState: number;
  partitionEpoch: number;
}

export interface AlterPartitionTopic {
  topicId: string;
  topicName: string;
  partitions: readonly AlterPartitionItem[];
}

export interface AlterPartitionInput {
  brokerId: number;
  brokerEpoch: number;
  /** The request version: topics by id from v2, INELIGIBLE_REPLICA and NEW_LEADER_ELECTED from v2. */
  version: number;
  topics: readonly AlterPartitionTopic[];
}

export interface AlterPartitionResult {
  partitionIndex: number;
  errorCode: number;
  leaderId: number;
  leaderEpoch: number;
  isr: number[];
  leaderRecoveryState: number;
  partitionEpoch: number;
}

export interface AlterPartitionOutcome {
  errorCode: number;
  records: MetadataRecord[];
  topics: { topicId: string; topicName: string; partitions: AlterPartitionResult[] }[];
}

const errorResult = (partitionIndex: number, errorCode: number): AlterPartitionResult => ({
  partitionIndex,
  errorCode,
  leaderId: -1,
  leaderEpoch: -1,
  isr: [],
  leaderRecoveryState: 0,
  partitionEpoch: -1,
});

function ineligible(image: MetadataImage, isr: AlterPartitionItem['newIsr']): boolean {
  return isr.some(({ brokerId, brokerEpoch }) => {
    const b = image.brokers.get(brokerId);
    return !b || b.inControlledShutdown || b.fenced || (brokerEpoch !== -1 && b.epoch !== brokerEpoch);
  });
}

/** Kafka's validateAlterPartitionData, in its order. */
export function alterPartitionProblem(
  image: MetadataImage,
  brokerId: number,
  p: PartitionInfo | undefined,
  item: AlterPartitionItem,
  version: number,
): number {
  if (!p) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  // The sender has seen a newer partition than this controller: it should retry with the next one.
  if (item.leaderEpoch > p.leaderEpoch || item.partitionEpoch > p.partitionEpoch)
    return ErrorCode.NOT_CONTROLLER;
  if (item.leaderEpoch < p.leaderEpoch) return ErrorCode.FENCED_LEADER_EPOCH;
  if (brokerId !== p.leader) return ErrorCode.INVALID_REQUEST;
  if (item.partitionEpoch < p.partitionEpoch) return ErrorCode.INVALID_UPDATE_VERSION;
  const ids = item.newIsr.map((s) => s.brokerId);
  if (new Set(ids).size !== ids.length || ids.some((r) => !p.replicas.includes(r)))
    return ErrorCode.INVALID_REQUEST;
  if (!ids.includes(p.leader)) return ErrorCode.INVALID_REQUEST;
  if (item.leaderRecoveryState === 1 && ids.length > 1) return ErrorCode.INVALID_REQUEST;
  if ((p.leaderRecoveryState ?? 0) === 0 && item.leaderRecoveryState === 1) return ErrorCode.INVALID_REQUEST;
  if (ineligible(image, item.newIsr))
    return version > 1 ? ErrorCode.INELIGIBLE_REPLICA : ErrorCode.OPERATION_NOT_ATTEMPTED;
  return ErrorCode.NONE;
}

/**
 * Validates and answers an AlterPartition request: the records to commit and the response. The
 * sender's broker epoch is checked first (STALE_BROKER_EPOCH for the whole request).
 */
export function alterPartition(
  image: MetadataImage,
  req: AlterPartitionInput,
  unclean: (topic: string) => boolean,
): AlterPartitionOutcome {
  const sender = image.brokers.get(req.brokerId);
  if (!sender || sender.epoch !== req.brokerEpoch)
    return { errorCode: ErrorCode.STALE_BROKER_EPOCH, records: [], topics: [] };
  const records: MetadataRecord[] = [];
  const topics: AlterPartitionOutcome['topics'] = [];
  let view = image;
  for (const t of req.topics) {
    const topic: TopicInfo | undefined =
      req.version > 1 ? view.topicsById.get(t.topicId) : view.topicsByName.get(t.topicName);
    const out = { topicId: t.topicId, topicName: t.topicName, partitions: [] as AlterPartitionResult[] };
    topics.push(out);
    if (!topic) {
      const code = req.version > 1 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      for (const item of t.partitions) out.partitions.push(errorResult(item.partitionIndex, code));
      continue;
    }
    for (const item of t.partitions) {
      const p = topic.partitions[item.partitionIndex];
      const problem = alterPartitionProblem(view, req.brokerId, p, item, req.version);
      if (problem !== ErrorCode.NONE) {
        out.partitions.push(errorResult(item.partitionIndex, problem));
        continue;
      }
      const current = p as PartitionInfo;
      const targetIsr = item.newIsr.map((s) => s.brokerId);
      // An ISR holding every replica a reassignment adds completes it (reassignment.ts).
      const change =
        completeReassignment(view, topic, current, targetIsr) ??
        partitionChange(view, topic.id, current, {
          targetIsr,
          election: unclean(topic.name) ? 'UNCLEAN' : 'ANY',
          leaderRecoveryState: item.leaderRecoveryState,
        });
      let after = current;
      if (change) {
        records.push(change);
        view = replay(view, [change], view.offset);
        after = (view.topicsById.get(topic.id) as TopicInfo).partitions[item.partitionIndex];
        if (after.leader !== req.brokerId) {
          // The change cost the sender its leadership (a reassignment completed): it must not act on it.
          const code = req.version > 1 ? ErrorCode.NEW_LEADER_ELECTED : ErrorCode.FENCED_LEADER_EPOCH;
          out.partitions.push(errorResult(item.partitionIndex, code));
          continue;
        }
      }
      out.partitions.push({
        partitionIndex: item.partitionIndex,
        errorCode: ErrorCode.NONE,
        leaderId: after.leader,
        leaderEpoch: after.leaderEpoch,
        isr: [...after.isr],
        leaderRecoveryState: after.leaderRecoveryState ?? 0,
        partitionEpoch: after.partitionEpoch,
      });
    }
  }
  return { errorCode: ErrorCode.NONE, records, topics };
}
