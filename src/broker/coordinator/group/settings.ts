// The group coordinator's settings, a typed view of the broker config (the node maps Kafka's keys onto
// it). Defaults are Kafka's.

export interface GroupCoordinatorSettings {
  /** offsets.topic.num.partitions */
  offsetsTopicPartitions: number;
  /** offsets.topic.replication.factor */
  offsetsTopicReplicationFactor: number;
  /**
   * Whether the topic is created with fewer replicas when fewer brokers are live (Samsa's standalone
   * node); false in a cluster: as Kafka, creation fails, and FindCoordinator answers
   * COORDINATOR_NOT_AVAILABLE, until that many brokers are live.
   */
  offsetsTopicReplicationFactorLowered: boolean;
  /** offsets.topic.segment.bytes */
  offsetsTopicSegmentBytes: number;
  /** offsets.retention.minutes, in ms */
  offsetsRetentionMs: number;
  /** offsets.retention.check.interval.ms */
  offsetsRetentionCheckIntervalMs: number;
  /** offset.metadata.max.bytes (compared, as Kafka does, with the metadata's length in UTF-16 units) */
  offsetMetadataBytesMax: number;
  /** group.initial.rebalance.delay.ms */
  groupInitialRebalanceDelayMs: number;
  /** group.min.session.timeout.ms */
  groupSessionTimeoutMsMin: number;
  /** group.max.session.timeout.ms */
  groupSessionTimeoutMsMax: number;
  /** group.max.size */
  groupSizeMax: number;
  /** How long a new member's JoinGroup may wait in a rebalance (Kafka: 5 minutes, not configurable). */
  groupNewMemberJoinTimeoutMs: number;
  /** Responses one partition's coordinator keeps waiting at once (joins and syncs waiting for others). */
  parkedResponsesMax: number;
}

export const DEFAULT_GROUP_COORDINATOR_SETTINGS: Readonly<GroupCoordinatorSettings> = {
  offsetsTopicPartitions: 50,
  offsetsTopicReplicationFactor: 3,
  offsetsTopicReplicationFactorLowered: true,
  offsetsTopicSegmentBytes: 104_857_600,
  offsetsRetentionMs: 10080 * 60_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataBytesMax: 4096,
  groupInitialRebalanceDelayMs: 3000,
  groupSessionTimeoutMsMin: 6000,
  groupSessionTimeoutMsMax: 1_800_000,
  groupSizeMax: 2_147_483_647,
  groupNewMemberJoinTimeoutMs: 5 * 60_000,
  parkedResponsesMax: 100_000,
};

export const OFFSETS_TOPIC = '__consumer_offsets';

/** Java's String.hashCode over UTF-16 code units. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** The `__consumer_offsets` partition of a group: abs(hashCode) % partitions, Kafka's abs(MIN) being 0. */
export function groupPartition(groupId: string, partitions: number): number {
  const h = javaStringHashCode(groupId);
  const abs = h === -2147483648 ? 0 : Math.abs(h);
  return abs % partitions;
}
