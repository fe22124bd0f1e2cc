// Partition leadership and ISR changes, as KRaft's controller makes them (PartitionChangeBuilder):
// given a partition and a target ISR, elect a leader — the current one if it is still acceptable,
// else the first replica in assignment order that is in the ISR and acceptable (alive: registered,
// unfenced, not shutting down); with unclean election allowed, the first acceptable replica even
// outside the ISR, whose ISR then becomes just itself. The ISR never becomes empty: a partition whose
// last ISR member is lost keeps it and has no leader. The answer is a PartitionChangeRecord, or null
// when nothing changes. The leader epoch moves whenever the record names a leader (image.ts).
import type { MetadataImage, PartitionInfo, TopicInfo } from './image.js';
import { type MetadataRecord, record } from './records.js';

export const NO_LEADER = -1;
/** PartitionChangeRecord.leader when the leader does not change. */
export const NO_LEADER_CHANGE = -2;

export type Election = 'ANY' | 'PREFERRED' | 'UNCLEAN';

export interface ChangeSpec {
  /** The ISR wanted (default: the current one). */
  targetIsr?: readonly number[];
  election?: Election;
  /** Whether a replica may lead (default: alive in the image). */
  acceptable?: (brokerId: number) => boolean;
  /** leaderRecoveryState to set (0 RECOVERED, 1 RECOVERING); default unchanged. */
  leaderRecoveryState?: number;
}

/** A broker that may lead: registered, unfenced and not in controlled shutdown. */
export function isActiveBroker(image: MetadataImage, brokerId: number): boolean {
  const b = image.brokers.get(brokerId);
  return b !== undefined && !b.fenced && !b.inControlledShutdown;
}

export interface ElectionResult {
  leader: number;
  unclean: boolean;
}

/** Kafka's election: preferred first when asked; else keep a valid leader; else the first valid replica. */
export function electLeader(
  p: PartitionInfo,
  isr: readonly number[],
  election: Election,
  acceptable: (brokerId: number) => boolean,
): ElectionResult {
  const valid = (r: number) => r >= 0 && isr.includes(r) && acceptable(r);
  if (election === 'PREFERRED' && p.replicas.length > 0 && valid(p.replicas[0]))
    return { leader: p.replicas[0], unclean: false };
  if (valid(p.leader)) return { leader: p.leader, unclean: false };
  const clean = p.replicas.find(valid);
  if (clean !== undefined) return { leader: clean, unclean: false };
  if (election === 'UNCLEAN') {
    const unclean = p.replicas.find((r) => acceptable(r));
    if (unclean !== undefined) return { leader: unclean, unclean: true };
  }
  return { leader: NO_LEADER, unclean: false };
}

const sameList = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** The PartitionChangeRecord that takes `p` (of topic `topicId`) to the spec, or null when nothing changes. */
export function partitionChange(
  image: MetadataImage,
  topicId: string,
  p: PartitionInfo,
  spec: ChangeSpec,
): MetadataRecord | null {
  const acceptable = spec.acceptable ?? ((b: number) => isActiveBroker(image, b));
  const targetIsr = spec.targetIsr ?? p.isr;
  const result = electLeader(p, targetIsr, spec.election ?? 'ANY', acceptable);
  const change: {
    partitionId: number;
    topicId: string;
    leader?: number;
    isr?: number[];
    leaderRecoveryState?: number;
  } = { partitionId: p.partition, topicId };
  if (result.leader !== p.leader) {
    change.leader = result.leader;
    // An unclean election trusts a replica outside the ISR: the ISR becomes that replica alone.
    if (result.unclean) {
      change.isr = [result.leader];
      if ((p.leaderRecoveryState ?? 0) !== 1) change.leaderRecoveryState = 1;
    }
  }
  if (change.isr === undefined && targetIsr.length > 0 && !sameList(targetIsr, p.isr))
    change.isr = [...targetIsr];
  if (
    spec.leaderRecoveryState !== undefined &&
    change.leaderRecoveryState === undefined &&
    spec.leaderRecoveryState !== (p.leaderRecoveryState ?? 0)
  )
    change.leaderRecoveryState = spec.leaderRecoveryState;
  if (change.leader === undefined && change.isr === undefined && change.leaderRecoveryState === undefined)
    return null;
  return record('PartitionChange', change);
}

/** Every partition whose ISR holds `brokerId`. */
export function* partitionsWithBrokerInIsr(
  image: MetadataImage,
  brokerId: number,
): Generator<{ topic: TopicInfo; partition: PartitionInfo }> {
  for (const topic of image.topicsById.values()) {
    for (const partition of topic.partitions)
      if (partition?.isr.includes(brokerId)) yield { topic, partition };
  }
}

/** Every partition without a leader. */
export function* partitionsWithoutLeader(
  image: MetadataImage,
): Generator<{ topic: TopicInfo; partition: PartitionInfo }> {
  for (const topic of image.topicsById.values()) {
    for (const partition of topic.partitions)
      if (partition && partition.leader === NO_LEADER) yield { topic, partition };
  }
}

/** Whether `brokerId` leads any partition. */
export function hasLeaderships(image: MetadataImage, brokerId: number): boolean {
  for (const topic of image.topicsById.values()) {
    for (const p of topic.partitions) if (p?.leader === brokerId) return true;
  }
  return false;
}

/**
 * KRaft's generateLeaderAndIsrUpdates: for each partition, drop `remove` from the ISR and elect a
 * leader among acceptable replicas (`add` counts as acceptable even before its registration changes).
 */
export function leaderAndIsrUpdates(
  image: MetadataImage,
  parts: Iterable<{ topic: TopicInfo; partition: PartitionInfo }>,
  opts: { remove?: number; add?: number; unclean: (topic: string) => boolean },
): MetadataRecord[] {
  const remove = opts.remove ?? NO_LEADER;
  const add = opts.add ?? NO_LEADER;
  const acceptable = (r: number) => r !== remove && (r === add || isActiveBroker(image, r));
  const out: MetadataRecord[] = [];
  for (const { topic, partition } of parts) {
    const change = partitionChange(image, topic.id, partition, {
      targetIsr: partition.isr.filter((r) => r !== remove),
      election: opts.unclean(topic.name) ? 'UNCLEAN' : 'ANY',
      acceptable,
    });
    if (change) out.push(change);
  }
  return out;
}
