// Shapes shared by the Raft core, its drivers and its tests. Message bodies follow KRaft's wire APIs field
// for field where a field means something to the core; everything addresses the single partition
// `__cluster_metadata-0`, so topic and partition arrays are left to the transport.

/** Kafka error codes the core puts on the wire. */
export const ErrorCode = {
  NONE: 0,
  NOT_LEADER_OR_FOLLOWER: 6,
  INVALID_REQUEST: 42,
  FENCED_LEADER_EPOCH: 74,
  UNKNOWN_LEADER_EPOCH: 75,
  INCONSISTENT_VOTER_SET: 94,
  SNAPSHOT_NOT_FOUND: 98,
  POSITION_OUT_OF_RANGE: 99,
  INCONSISTENT_CLUSTER_ID: 104,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Replica id meaning "none" (KRaft uses -1 for unknown leader and no vote). */
export const NO_ID = -1;

/** KRaft's LeaderChangeMessage control record, written by every new leader at the start of its epoch. */
export interface LeaderChangeMessage {
  version: number;
  leaderId: number;
  voters: { voterId: number }[];
  grantingVoters: { voterId: number }[];
}

/** KRaft's VotersRecord control record (KIP-853): the voter set from this offset on. */
export interface VotersRecord {
  version: number;
  voters: { voterId: number }[];
}

interface EntryBase {
  offset: number;
  epoch: number;
  /**
   * Set on every entry of a multi-entry batch but its last (proposeBatch). A batch is stored and sent
   * whole (it is one Kafka record batch), so it is committed and applied all or nothing.
   */
  batchContinues?: true;
}
export interface DataEntry extends EntryBase {
  kind: 'data';
  data: Uint8Array;
}
export interface LeaderChangeEntry extends EntryBase {
  kind: 'leaderChange';
  leaderChange: LeaderChangeMessage;
}
export interface VotersEntry extends EntryBase {
  kind: 'voters';
  voters: VotersRecord;
}
/** One record of the metadata log; offsets are 0-based and dense. */
export type Entry = DataEntry | LeaderChangeEntry | VotersEntry;

/** The content of KRaft's quorum-state file (QuorumStateData v1, without directory ids). */
export interface HardState {
  leaderEpoch: number;
  leaderId: number;
  votedId: number;
}

/** KRaft's SnapshotId: the snapshot holds every entry below endOffset; epoch is that of entry endOffset-1. */
export interface SnapshotId {
  endOffset: number;
  epoch: number;
}

/** A snapshot of the replicated state machine, with the voter set in force at its end offset. */
export interface Snapshot {
  id: SnapshotId;
  voters: number[];
  data: Uint8Array;
}

export interface EpochEndOffset {
  epoch: number;
  endOffset: number;
}

export interface LeaderIdAndEpoch {
  leaderId: number;
  leaderEpoch: number;
}

/** Vote v2: a standard vote, or with preVote a probe that changes no state on the receiver (KIP-996). */
export interface VoteRequest {
  kind: 'VoteRequest';
  clusterId: string | null;
  voterId: number;
  replicaEpoch: number;
  replicaId: number;
  lastOffsetEpoch: number;
  lastOffset: number;
  preVote: boolean;
}
export interface VoteResponse {
  kind: 'VoteResponse';
  errorCode: ErrorCode;
  leaderId: number;
  leaderEpoch: number;
  voteGranted: boolean;
}
export interface BeginQuorumEpochRequest {
  kind: 'BeginQuorumEpochRequest';
  clusterId: string | null;
  voterId: number;
  leaderId: number;
  leaderEpoch: number;
}
export interface BeginQuorumEpochResponse {
  kind: 'BeginQuorumEpochResponse';
  errorCode: ErrorCode;
  leaderId: number;
  leaderEpoch: number;
}
export interface EndQuorumEpochRequest {
  kind: 'EndQuorumEpochRequest';
  clusterId: string | null;
  leaderId: number;
  leaderEpoch: number;
  preferredCandidates: { candidateId: number }[];
}
export interface EndQuorumEpochResponse {
  kind: 'EndQuorumEpochResponse';
  errorCode: ErrorCode;
  leaderId: number;
  leaderEpoch: number;
}
/** Fetch (v17 shape) of `__cluster_metadata-0`; waits are in ticks, which the transport turns into ms. */
export interface FetchRequest {
  kind: 'FetchRequest';
  clusterId: string | null;
  replicaState: { replicaId: number; replicaEpoch: number };
  maxWaitTicks: number;
  minBytes: number;
  maxBytes: number;
  currentLeaderEpoch: number;
  fetchOffset: number;
  lastFetchedEpoch: number;
  logStartOffset: number;
  partitionMaxBytes: number;
}
export interface FetchResponse {
  kind: 'FetchResponse';
  errorCode: ErrorCode;
  highWatermark: number;
  logStartOffset: number;
  divergingEpoch: EpochEndOffset | null;
  currentLeader: LeaderIdAndEpoch;
  snapshotId: SnapshotId | null;
  records: Entry[];
}
export interface FetchSnapshotRequest {
  kind: 'FetchSnapshotRequest';
  clusterId: string | null;
  replicaId: number;
  maxBytes: number;
  currentLeaderEpoch: number;
  snapshotId: SnapshotId;
  position: number;
}
export interface FetchSnapshotResponse {
  kind: 'FetchSnapshotResponse';
  errorCode: ErrorCode;
  snapshotId: SnapshotId;
  currentLeader: LeaderIdAndEpoch;
  size: number;
  position: number;
  unalignedRecords: Uint8Array;
}

export type MessageBody =
  | VoteRequest
  | VoteResponse
  | BeginQuorumEpochRequest
  | BeginQuorumEpochResponse
  | EndQuorumEpochRequest
  | EndQuorumEpochResponse
  | FetchRequest
  | FetchResponse
  | FetchSnapshotRequest
  | FetchSnapshotResponse;

/** A message between replicas. A response carries the correlationId of its request, as Kafka's header does. */
export interface Message {
  from: number;
  to: number;
  correlationId: number;
  body: MessageBody;
}

/** The answer to a linearizable read: state applied up to `index` (exclusive) may be served. */
export interface ReadState {
  requestId: number;
  index: number;
  errorCode: ErrorCode;
}

/** Work the driver must do, in this order: persist, then send, then apply, then call advance(). */
export interface Ready {
  /** Write to quorum-state when not null. */
  hardState: HardState | null;
  /** Drop stored entries at or after this offset (first, so a torn write never leaves a stale tail). */
  truncateFromOffset: number | null;
  /** Then store this snapshot and drop stored entries below its end offset. */
  snapshot: Snapshot | null;
  /** Then append these. Only once all of the above is durable (fsync) may `messages` leave. */
  entries: readonly Entry[];
  messages: readonly Message[];
  /** Reset the state machine to this snapshot before applying `committed`. */
  snapshotToApply: Snapshot | null;
  /** Committed entries to apply, in order. */
  committed: readonly Entry[];
  readStates: readonly ReadState[];
}

export type Role = 'unattached' | 'prospective' | 'candidate' | 'leader' | 'follower' | 'resigned';

/** Randomness injected into the core, so a seed replays a run exactly. */
export interface Rng {
  /** An integer in [0, bound). */
  nextInt(bound: number): number;
}

/** What was durable when the node stopped; empty for a fresh node. */
export interface PersistentState {
  hardState: HardState | null;
  snapshot: Snapshot | null;
  /** Entries after the snapshot, contiguous. */
  entries: readonly Entry[];
}

export interface RaftConfig {
  id: number;
  /** Voter set of the empty log (the bootstrap checkpoint); the log's VotersRecords override it. */
  initialVoters: readonly number[];
  rng: Rng;
  clusterId?: string | null;
  /** Base election timeout; each wait is drawn from [base, 2 * base). */
  electionTimeoutTicks?: number;
  /**
   * Base of the first wait of a voter that starts without a leader (a new cluster, or a restart):
   * shorter than an election timeout so a fresh quorum elects quickly. Pre-vote keeps a restarted
   * replica from disturbing a healthy leader, so only liveness depends on it. Default: the election
   * timeout.
   */
  startupElectionTimeoutTicks?: number;
  /**
   * A follower that has not fetched successfully for this long (plus a random part of an election timeout)
   * starts an election (voter) or looks for the leader again (observer).
   */
  fetchTimeoutTicks?: number;
  /** A leader that has not heard from a majority for this long resigns. */
  checkQuorumTicks?: number;
  /** How long the leader parks a Fetch that has nothing new. */
  fetchMaxWaitTicks?: number;
  /** A request without an answer for this long is sent again. */
  requestTimeoutTicks?: number;
  fetchBytesMax?: number;
  snapshotChunkBytesMax?: number;
  /** propose() refuses once this many entries are uncommitted. */
  uncommittedEntriesMax?: number;
  /** How snapshots travel in FetchSnapshot chunks (default: encodeSnapshot/decodeSnapshot). */
  snapshotCodec?: SnapshotCodec;
}

/** Snapshot bytes on the wire; a driver may use its storage format (KRaft sends the checkpoint file). */
export interface SnapshotCodec {
  encode(snapshot: Snapshot): Uint8Array;
  /** null when the bytes are not a snapshot of `id`. */
  decode(id: SnapshotId, bytes: Uint8Array): Snapshot | null;
}

export type ResolvedConfig = Required<RaftConfig>;

export type RaftError =
  | 'NOT_LEADER_OR_FOLLOWER'
  | 'TRANSFER_IN_PROGRESS'
  | 'UNCOMMITTED_LIMIT'
  | 'EPOCH_NOT_COMMITTED'
  | 'VOTER_CHANGE_PENDING'
  | 'DUPLICATE_VOTER'
  | 'VOTER_NOT_FOUND'
  | 'NOT_CAUGHT_UP'
  | 'INVALID_REQUEST';

export type ProposeResult =
  | {
      ok: true;
      offset: number;
      epoch: number /** Last offset of a batch (= offset for one entry). */;
      lastOffset?: number;
    }
  | { ok: false; error: RaftError; leaderId: number; leaderEpoch: number };

export interface ReplicaStatus {
  replicaId: number;
  /** The offset up to which the replica's log is known to match the leader's; -1 when unknown. */
  logEndOffset: number;
  lastFetchTick: number;
  /** Ticks since its last fetch, and since it last fetched from the leader's log end (-1: never). */
  ticksSinceFetch: number;
  ticksSinceCaughtUp: number;
}

export interface Status {
  id: number;
  role: Role;
  epoch: number;
  leaderId: number;
  votedId: number;
  isVoter: boolean;
  voters: number[];
  highWatermark: number;
  appliedOffset: number;
  logStartOffset: number;
  logEndOffset: number;
  lastEpoch: number;
}
