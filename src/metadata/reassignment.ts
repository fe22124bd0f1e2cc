// Partition reassignment, as KRaft's controller does it (KIP-455; ReplicationControlManager,
// PartitionReassignmentReplicas, PartitionChangeBuilder). A reassignment to target replicas T of a
// partition with replicas R:
//   1. one change sets replicas = T then the ones removed (R - T), addingReplicas = T - R and
//      removingReplicas = R - T: the new replicas start fetching from the leader;
//   2. once the ISR holds every target replica (the leader's AlterPartition says so), a second change
//      sets replicas = T, drops the removed ones from the ISR, clears adding/removing, and elects a
//      leader among T when the old one is leaving. The removed replicas then delete their logs.
// A reassignment that adds nothing completes at once. Cancelling reverts to R (adding replicas out of
// the replicas and ISR). Pure: answers records for the controller to commit.
import { ErrorCode } from '../protocol/errors.js';
import type { MetadataImage, PartitionInfo, TopicInfo } from './image.js';
import { type MetadataRecord, record } from './records.js';

const NO_LEADER = -1;
const NO_LEADER_CHANGE = -2;

export interface ReassignmentItem {
  topic: string;
  partition: number;
  /** Target replicas, or null to cancel. */
  replicas: readonly number[] | null;
}

export interface ReassignmentResult {
  topic: string;
  partition: number;
  errorCode: number;
  errorMessage: string | null;
}

export interface ReassignmentContext {
  image: MetadataImage;
  /** unclean.leader.election.enable of the topic (a cancel may need an unclean election). */
  uncleanLeaderElection(topic: string): boolean;
}

/** Registered, unfenced and not shutting down: may lead. */
function acceptable(image: MetadataImage, id: number): boolean {
  const b = image.brokers.get(id);
  return b !== undefined && !b.fenced && !b.inControlledShutdown;
}

export function isReassigning(p: PartitionInfo): boolean {
  return (p.addingReplicas?.length ?? 0) > 0 || (p.removingReplicas?.length ?? 0) > 0;
}

/** What a partition should become: the builder's targets. */
interface Target {
  replicas: number[];
  isr: number[];
  adding: number[];
  removing: number[];
  unclean?: boolean;
}

/** AlterPartitionReassignments: the records to commit and a result per partition. */
export function alterPartitionReassignments(
  ctx: ReassignmentContext,
  items: readonly ReassignmentItem[],
): { records: MetadataRecord[]; results: ReassignmentResult[] } {
  const records: MetadataRecord[] = [];
  const results: ReassignmentResult[] = [];
  for (const item of items) {
    const r = alterOne(ctx, item);
    if ('record' in r) {
      if (r.record) records.push(r.record);
      results.push({
        topic: item.topic,
        partition: item.partition,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
      });
    } else results.push({ topic: item.topic, partition: item.partition, ...r });
  }
  return { records, results };
}

function alterOne(
  ctx: ReassignmentContext,
  item: ReassignmentItem,
): { record: MetadataRecord | null } | { errorCode: number; errorMessage: string } {
  const topic = ctx.image.topicsByName.get(item.topic);
  if (!topic)
    return {
      errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      errorMessage: `Unable to find a topic named ${item.topic}.`,
    };
  const p = topic.partitions[item.partition];
  if (!p)
    return {
      errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      errorMessage: `Unable to find partition ${item.topic}:${item.partition}.`,
    };
  if (item.replicas === null) return cancel(ctx, topic, p);
  const problem = assignmentProblem(ctx.image, item.replicas);
  if (problem) return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: problem };
  return { record: change(ctx.image, topic, p, startTarget(p, item.replicas), false) };
}

function assignmentProblem(image: MetadataImage, replicas: readonly number[]): string | null {
  if (replicas.length === 0) return 'The manual partition assignment includes an empty replica list.';
  const seen = new Set<number>();
  for (const id of replicas) {
    if (seen.has(id)) return `The manual partition assignment includes the broker ${id} more than once.`;
    seen.add(id);
    if (!image.brokers.has(id))
      return `The manual partition assignment includes broker ${id}, but no such broker is registered.`;
  }
  return null;
}

/** Step 1 from the partition's current replicas (an ongoing reassignment's replicas count as they are). */
function startTarget(p: PartitionInfo, target: readonly number[]): Target {
  const current = [...p.replicas];
  const removing = current.filter((r) => !target.includes(r)).sort((a, b) => a - b);
  const adding = target.filter((r) => !current.includes(r)).sort((a, b) => a - b);
  return { replicas: [...target, ...removing], isr: [...p.isr], adding, removing };
}

function cancel(
  ctx: ReassignmentContext,
  topic: TopicInfo,
  p: PartitionInfo,
): { record: MetadataRecord | null } | { errorCode: number; errorMessage: string } {
  if (!isReassigning(p))
    return {
      errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS,
      errorMessage: 'No partition reassignment is in progress.',
    };
  const adding = p.addingReplicas ?? [];
  const replicas = p.replicas.filter((r) => !adding.includes(r));
  let isr = p.isr.filter((r) => !adding.includes(r));
  let unclean = false;
  if (isr.length === 0) {
    // Every ISR member was being added: reverting needs a replica outside the ISR to lead.
    if (!ctx.uncleanLeaderElection(topic.name))
      return {
        errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        errorMessage: `Unable to revert partition assignment for ${topic.name}:${p.partition} because it would require an unclean leader election.`,
      };
    isr = [replicas[0]];
    unclean = true;
  }
  return {
    record: change(ctx.image, topic, p, { replicas, isr, adding: [], removing: [], unclean }, unclean),
  };
}

/**
 * The change an ISR update brings to a reassigning partition (for the controller's AlterPartition):
 * with `isr` holding every target replica, the reassignment completes. Null when it does not.
 */
export function completeReassignment(
  image: MetadataImage,
  topic: TopicInfo,
  p: PartitionInfo,
  isr: readonly number[],
): MetadataRecord | null {
  if (!isReassigning(p)) return null;
  const target: Target = {
    replicas: [...p.replicas],
    isr: [...isr],
    adding: [...(p.addingReplicas ?? [])],
    removing: [...(p.removingReplicas ?? [])],
  };
  if (!maybeComplete(target)) return null;
  return change(image, topic, p, target, false);
}

/** Kafka's maybeCompleteReassignment: applies it to `t` when every remaining replica is in the ISR. */
function maybeComplete(t: Target): boolean {
  if (t.adding.length === 0 && t.removing.length === 0) return false;
  const isr = t.isr.filter((r) => !t.removing.includes(r));
  const replicas = t.replicas.filter((r) => !t.removing.includes(r));
  if (isr.length === 0 || replicas.length === 0) return false;
  if (!replicas.every((r) => isr.includes(r))) return false;
  t.isr = isr;
  t.replicas = replicas;
  t.adding = [];
  t.removing = [];
  return true;
}

/** The PartitionChangeRecord taking `p` to `t` (completing it when possible), or null when nothing changes. */
function change(
  image: MetadataImage,
  topic: TopicInfo,
  p: PartitionInfo,
  t: Target,
  unclean: boolean,
): MetadataRecord | null {
  maybeComplete(t);
  const valid = (r: number) => r >= 0 && t.isr.includes(r) && acceptable(image, r);
  let leader = valid(p.leader) ? p.leader : (t.replicas.find(valid) ?? NO_LEADER);
  if (leader === NO_LEADER && unclean) leader = t.replicas.find((r) => acceptable(image, r)) ?? NO_LEADER;
  let leaderField = leader !== p.leader ? leader : NO_LEADER_CHANGE;
  // Replicas leaving the replica set must not go on as if nothing happened: a new leader epoch fences them.
  if (leaderField === NO_LEADER_CHANGE && !p.replicas.every((r) => t.replicas.includes(r)))
    leaderField = p.leader;
  const same = (a: readonly number[] | undefined, b: readonly number[]) =>
    (a ?? []).length === b.length && b.every((x, i) => (a ?? [])[i] === x);
  const data = {
    partitionId: p.partition,
    topicId: topic.id,
    ...(same(p.isr, t.isr) ? {} : { isr: t.isr }),
    ...(leaderField === NO_LEADER_CHANGE ? {} : { leader: leaderField }),
    ...(same(p.replicas, t.replicas) ? {} : { replicas: t.replicas }),
    ...(same(p.removingReplicas, t.removing) ? {} : { removingReplicas: t.removing }),
    ...(same(p.addingReplicas, t.adding) ? {} : { addingReplicas: t.adding }),
    ...(unclean ? { leaderRecoveryState: 1 } : {}),
  };
  return Object.keys(data).length === 2 ? null : record('PartitionChange', data);
}

export interface OngoingReassignment {
  topic: string;
  partition: number;
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}

/** ListPartitionReassignments: the ongoing ones (of the given partitions, or all). */
export function listPartitionReassignments(
  image: MetadataImage,
  wanted: readonly { topic: string; partitions: readonly number[] }[] | null,
): OngoingReassignment[] {
  const out: OngoingReassignment[] = [];
  const add = (t: TopicInfo, p: PartitionInfo | undefined) => {
    if (!p || !isReassigning(p)) return;
    out.push({
      topic: t.name,
      partition: p.partition,
      replicas: [...p.replicas],
      addingReplicas: [...(p.addingReplicas ?? [])],
      removingReplicas: [...(p.removingReplicas ?? [])],
    });
  };
  if (wanted === null) {
    for (const t of image.topicsByName.values()) for (const p of t.partitions) add(t, p);
  } else {
    for (const w of wanted) {
      const t = image.topicsByName.get(w.topic);
      if (t) for (const i of w.partitions) add(t, t.partitions[i]);
    }
  }
  return out;
}
