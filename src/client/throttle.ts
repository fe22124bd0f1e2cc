// Client-side throttling (KIP-219). From these versions a broker over a client's quota answers at once
// with throttle_time_ms and mutes the connection, and expects the client to send nothing more on it for
// that long; at older versions the broker held the answer back itself, so the client must not wait
// again. The versions are those of Kafka's AbstractResponse.shouldClientThrottle; an API not listed
// here is never throttled by the client (the broker's mute still applies).
const CLIENT_THROTTLES_FROM: ReadonlyMap<number, number> = new Map([
  [0, 6], // Produce
  [1, 8], // Fetch
  [2, 3], // ListOffsets
  [3, 6], // Metadata
  [8, 4], // OffsetCommit
  [9, 4], // OffsetFetch
  [10, 2], // FindCoordinator
  [11, 3], // JoinGroup
  [12, 2], // Heartbeat
  [13, 2], // LeaveGroup
  [14, 2], // SyncGroup
  [15, 2], // DescribeGroups
  [16, 2], // ListGroups
  [18, 2], // ApiVersions
  [19, 3], // CreateTopics
  [20, 2], // DeleteTopics
  [21, 1], // DeleteRecords
  [22, 1], // InitProducerId
  [24, 1], // AddPartitionsToTxn
  [25, 1], // AddOffsetsToTxn
  [26, 1], // EndTxn
  [28, 1], // TxnOffsetCommit
  [29, 1], // DescribeAcls
  [30, 1], // CreateAcls
  [31, 1], // DeleteAcls
  [32, 2], // DescribeConfigs
  [33, 1], // AlterConfigs
  [34, 1], // AlterReplicaLogDirs
  [35, 1], // DescribeLogDirs
  [37, 1], // CreatePartitions
  [42, 1], // DeleteGroups
  [43, 0], // ElectLeaders
  [45, 0], // AlterPartitionReassignments
]);

/** How long the client must hold its next requests on this connection after this answer (0: not at all). */
export function clientThrottleMs(apiKey: number, version: number, body: unknown): number {
  const from = CLIENT_THROTTLES_FROM.get(apiKey);
  if (from === undefined || version < from) return 0;
  const ms = (body as { throttleTimeMs?: unknown } | null)?.throttleTimeMs;
  return typeof ms === 'number' && ms > 0 ? ms : 0;
}
