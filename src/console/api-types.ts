// The JSON the console's HTTP API answers with, shared by the server and the page (types only: the
// page's bundle takes nothing else from the server side). Offsets and byte counts are numbers.

export interface ApiError {
  error: string;
  /** Kafka's error name when a broker refused (TOPIC_ALREADY_EXISTS, ...). */
  code?: string;
}

export interface SessionInfo {
  /** Login required and not given: only `auth` is meaningful then. */
  authenticated: boolean;
  auth: 'none' | 'basic' | 'token';
  user: string | null;
  readOnly: boolean;
  /** Sent back in the X-Samsa-CSRF header of every request that changes something. */
  csrfToken: string | null;
  /** How often pages refresh and lag is sampled. */
  refreshMs: number;
  bootstrap: string;
}

export interface BrokerRow {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
  controller: boolean;
  /** null when the cluster does not say (DescribeCluster before v2 lists unfenced brokers only). */
  fenced: boolean | null;
  /** false when the console could not connect to it (down, but not fenced yet). */
  reachable: boolean;
  leaderPartitions: number;
  replicaPartitions: number;
  /** Bytes of partition data in this broker's log dirs. */
  sizeBytes: number;
}

export interface LogDirRow {
  broker: number;
  logDir: string;
  error: string | null;
  totalBytes: number;
  usableBytes: number;
  sizeBytes: number;
  partitions: number;
}

export interface QuorumInfo {
  leaderId: number;
  leaderEpoch: number;
  highWatermark: number;
  voters: QuorumReplicaRow[];
  observers: QuorumReplicaRow[];
}

export interface QuorumReplicaRow {
  replicaId: number;
  logEndOffset: number;
  lag: number;
  lastFetchTimestamp: number;
  lastCaughtUpTimestamp: number;
}

export interface ClusterInfo {
  clusterId: string | null;
  controllerId: number;
  brokers: BrokerRow[];
  /** The metadata quorum, or why it cannot be shown. */
  quorum: QuorumInfo | { unavailable: string };
  features: {
    nodeId: number;
    finalized: { name: string; level: number }[];
    supported: { name: string; min: number; max: number }[];
  }[];
  apiVersions: { nodeId: number; apis: { apiKey: number; name: string; min: number; max: number }[] }[];
  logDirs: LogDirRow[];
  logDirsError: string | null;
  topics: number;
  partitions: number;
  underReplicated: number;
  offline: number;
}

export interface TopicRow {
  name: string;
  internal: boolean;
  partitions: number;
  replicationFactor: number;
  /** Bytes in the log dirs, every replica counted; -1 when DescribeLogDirs failed. */
  sizeBytes: number;
  records: number;
  /** Records per second over the last sampling interval; null until two samples exist. */
  recordsPerSec: number | null;
  underReplicated: number;
  offline: number;
}

export interface TopicList {
  topics: TopicRow[];
  partitions: number;
  sampledAtMs: number;
}

export interface PartitionRow {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offline: number[];
  earliest: number;
  latest: number;
  sizeBytes: number;
}

export interface ConfigRow {
  name: string;
  value: string | null;
  source: string;
  readOnly: boolean;
  sensitive: boolean;
  isDefault: boolean;
  doc: string | null;
}

export interface TopicDetail {
  name: string;
  topicId: string;
  internal: boolean;
  partitions: PartitionRow[];
  configs: ConfigRow[];
  groups: { groupId: string; state: string; lag: number }[];
  records: number;
  sizeBytes: number;
}

export interface ConfigDoc {
  name: string;
  type: string;
  default: string | null;
  doc: string;
  validValues: string[] | null;
  min: number | null;
  max: number | null;
}

export interface ShownHeader {
  key: string;
  /** base64; null for a null header value. */
  value: string | null;
}

export interface ShownRecord {
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: string;
  /** base64 of the key and value (null when null); cut at `bytesShownMax`, see the sizes. */
  key: string | null;
  value: string | null;
  keyBytes: number;
  valueBytes: number;
  headers: ShownHeader[];
}

export type BrowseFrom = 'oldest' | 'newest' | 'offset' | 'timestamp';

export interface RecordPage {
  records: ShownRecord[];
  /** Where "more" continues, per partition. */
  next: Record<number, number>;
  /** Records looked at (more than shown when a filter is on). */
  scanned: number;
  /** True when more records may follow `next`. */
  more: boolean;
  elapsedMs: number;
}

export interface ProduceResult {
  partition: number;
  offset: number;
  timestamp: number;
}

export interface GroupRow {
  groupId: string;
  state: string;
  protocolType: string;
  members: number;
  /** null when the committed offsets could not be read. */
  lag: number | null;
  topics: string[];
  coordinator: number;
}

export interface GroupPartitionRow {
  topic: string;
  partition: number;
  committed: number | null;
  latest: number;
  lag: number | null;
  /** Age of the oldest record not yet consumed, in seconds (0 without lag). */
  lagSeconds: number | null;
  member: string | null;
  clientId: string | null;
  host: string | null;
}

export interface GroupDetail {
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  coordinator: number;
  members: {
    memberId: string;
    clientId: string;
    host: string;
    instanceId: string | null;
    assignment: string[];
  }[];
  partitions: GroupPartitionRow[];
  lag: number;
  /** Total lag over time: [ms, records] samples, oldest first. */
  history: [number, number][];
}

export type ResetTo = 'earliest' | 'latest' | 'timestamp' | 'offset' | 'shift';

export interface ResetRequest {
  topics: string[];
  to: ResetTo;
  /** The timestamp (ms), offset or shift, as the mode needs. */
  value?: number;
}

export interface ResetPlan {
  groupId: string;
  state: string;
  /** Why the plan cannot be applied now (the group has members), or null. */
  blocked: string | null;
  rows: { topic: string; partition: number; current: number | null; target: number; lagAfter: number }[];
}

/** Security page: ACLs (Kafka's names), SCRAM users and client quotas; `available` false with why. */
export interface AclRow {
  principal: string;
  permission: string;
  operation: string;
  resourceType: string;
  resourceName: string;
  patternType: string;
  host: string;
}

export interface SecurityOverview {
  acls: AclRow[] | null;
  /** Why ACLs are not shown (no authorizer, not allowed to describe them, ...). */
  aclsUnavailable: string | null;
  users: { user: string; mechanisms: string[] }[] | null;
  usersUnavailable: string | null;
  /** user/clientId: a name, null for the default entity, absent when the entity has no such part. */
  quotas: { user?: string | null; clientId?: string | null; quotas: Record<string, number> }[] | null;
  quotasUnavailable: string | null;
}

export interface AclRequest {
  principal: string;
  permission: 'ALLOW' | 'DENY';
  operation: string;
  resourceType: string;
  resourceName: string;
  patternType: 'LITERAL' | 'PREFIXED';
  host?: string;
}

export interface UserRequest {
  user: string;
  password: string;
  mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  iterations?: number;
}

export interface QuotaRequest {
  /** '' for the default entity, absent for none. */
  user?: string;
  clientId?: string;
  quotas: Record<string, number | null>;
}
