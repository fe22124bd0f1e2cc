import { RaftLog } from './log.js';
import { sendFetch } from './replication.js';
import { decodeSnapshot, encodeSnapshot } from './snapshots.js';
import {
  type Entry,
  ErrorCode,
  type HardState,
  type Message,
  type MessageBody,
  NO_ID,
  type PersistentState,
  type RaftConfig,
  type ReadState,
  type ResolvedConfig,
  type Role,
  type Snapshot,
} from './types.js';

/** What the leader knows about one replica (voter or observer) that fetches from it. */
export interface ReplicaProgress {
  /** The replica's log matches ours below this offset; -1 until it fetches in this epoch. */
  matchedOffset: number;
  lastFetchTick: number;
  /** When it last fetched from the leader's log end (KRaft's lastCaughtUpTimestamp); -1 never. */
  lastCaughtUpTick: number;
  /** Highest high watermark already told to it, so an idle fetch can be parked instead of answered. */
  lastSentHwm: number;
  /** Set by a BeginQuorumEpoch ack or a fetch in this epoch: no need to announce the epoch again. */
  knowsEpoch: boolean;
}

export interface ParkedFetch {
  from: number;
  correlationId: number;
  fetchOffset: number;
  parkedAtTick: number;
  maxWaitTicks: number;
  bytesMax: number;
}

export interface PendingRead {
  requestId: number;
  /** Confirmation round (BeginQuorumEpoch sent after the request) that must reach a majority. */
  round: number;
  /** High watermark to read at; -1 until the leader has committed an entry of its epoch. */
  index: number;
}

export interface LeaderState {
  epochStartOffset: number;
  replicas: Map<number, ReplicaProgress>;
  parked: Map<number, ParkedFetch>;
  /** Entries appended or high watermark moved since parked fetches were last looked at. */
  parkedMayProgress: boolean;
  checkQuorumElapsedTicks: number;
  heardFrom: Set<number>;
  transferTarget: number;
  transferElapsedTicks: number;
  /** BeginQuorumEpoch rounds: sent to voters to announce the epoch and to confirm leadership for reads. */
  round: number;
  roundOf: Map<number, number>;
  ackedRound: Map<number, number>;
  announceElapsedTicks: number;
  pendingReads: PendingRead[];
  readRetryElapsedTicks: number;
}

export interface InflightRequest {
  correlationId: number;
  to: number;
  sentTick: number;
}

export interface SnapshotFetch {
  request: InflightRequest | null;
  endOffset: number;
  epoch: number;
  position: number;
  size: number;
  chunks: Uint8Array[];
}

export interface ElectionRound {
  preVote: boolean;
  correlations: Set<number>;
  granted: Set<number>;
  rejected: Set<number>;
}

export const DEFAULTS = {
  clusterId: null,
  electionTimeoutTicks: 10,
  startupElectionTimeoutTicks: -1,
  fetchTimeoutTicks: 20,
  checkQuorumTicks: 30,
  fetchMaxWaitTicks: 5,
  requestTimeoutTicks: 12,
  fetchBytesMax: 1 << 20,
  snapshotChunkBytesMax: 64 << 10,
  uncommittedEntriesMax: 100_000,
  snapshotCodec: { encode: encodeSnapshot, decode: decodeSnapshot },
};

function resolve(config: RaftConfig): ResolvedConfig {
  const c = { ...DEFAULTS, ...config } as ResolvedConfig;
  if (c.startupElectionTimeoutTicks < 1 || c.startupElectionTimeoutTicks > c.electionTimeoutTicks)
    c.startupElectionTimeoutTicks = c.electionTimeoutTicks;
  if (c.initialVoters.length === 0) throw new Error('raft: initialVoters must not be empty');
  if (c.electionTimeoutTicks < 1 || c.fetchTimeoutTicks < 1 || c.requestTimeoutTicks < 1) {
    throw new Error('raft: timeouts must be at least one tick');
  }
  return c;
}

/**
 * All state of one replica. The protocol modules (election, replication, leadership) are functions over
 * this object; RaftNode is the public face. Transitions between roles live here because every module
 * needs them.
 */
export class RaftCore {
  readonly id: number;
  readonly cfg: ResolvedConfig;
  readonly log: RaftLog;

  epoch = 0;
  votedId = NO_ID;
  leaderId = NO_ID;
  // A fresh replica's state (epoch 0, no vote, no leader) needs no write: it is what an absent file means.
  private saved: HardState = { leaderEpoch: 0, leaderId: NO_ID, votedId: NO_ID };
  role: Role = 'unattached';
  nowTicks = 0;

  electionElapsedTicks = 0;
  electionTimeoutTicks = 0;
  /** Ticks since the last successful fetch from the leader (followers), or since discovery began. */
  fetchElapsedTicks = 0;
  /**
   * The fetch timeout plus a random part of an election timeout, drawn per follower state: followers that
   * lose their leader together would otherwise stand together and split the vote.
   */
  fetchTimeoutDrawnTicks = 0;
  /** A follower that fetched from its leader in this state refuses pre-votes (KIP-996). */
  hasFetchedFromLeader = false;
  fetch: InflightRequest | null = null;
  fetchBackoffTicks = 0;
  snapshotFetch: SnapshotFetch | null = null;
  election: ElectionRound | null = null;
  leader: LeaderState | null = null;
  /** Resigned: voters that have not yet acknowledged our EndQuorumEpoch, and to whom we point them. */
  endQuorumPending = new Set<number>();
  preferredCandidates: number[] = [];
  endQuorumElapsedTicks = 0;

  highWatermark: number;
  /** Next committed offset to hand to the driver; `applied` is what the driver confirmed via advance(). */
  applyCursor: number;
  applied: number;
  snapshotToApply: Snapshot | null = null;
  outbox: Message[] = [];
  readStates: ReadState[] = [];
  private nextCorrelation: number;

  constructor(config: RaftConfig, persisted: PersistentState | null) {
    this.cfg = resolve(config);
    this.id = config.id;
    const bootstrap: Snapshot = {
      id: { endOffset: 0, epoch: 0 },
      voters: [...this.cfg.initialVoters].sort((a, b) => a - b),
      data: new Uint8Array(0),
    };
    this.log = new RaftLog(persisted?.snapshot ?? bootstrap, persisted?.entries ?? []);
    this.highWatermark = this.log.startOffset;
    this.applyCursor = this.log.startOffset;
    this.applied = this.log.startOffset;
    if (persisted?.snapshot) this.snapshotToApply = persisted.snapshot;
    // Correlation ids start at a random point so answers meant for an earlier incarnation are unlikely to match.
    this.nextCorrelation = this.cfg.rng.nextInt(1 << 30);
    this.restoreRole(persisted?.hardState ?? null);
    // The only voter needs nobody's vote: it leads at once instead of waiting out an election timeout
    // (as KRaft's client does when it starts as the sole voter).
    if (this.isVoter() && this.voters().length === 1 && this.role !== 'leader') this.becomeProspective();
    else if (this.role === 'unattached' && this.isVoter()) {
      const base = this.cfg.startupElectionTimeoutTicks;
      this.electionTimeoutTicks = base + this.cfg.rng.nextInt(base);
    }
  }

  /** The role after a restart, from quorum-state: a leader cannot resume (its in-memory state is gone). */
  private restoreRole(hs: HardState | null): void {
    const logEpoch = this.log.lastEpoch();
    if (hs) this.saved = { ...hs };
    if (!hs || logEpoch > hs.leaderEpoch) {
      // quorum-state older than the log (it was not flushed): start unattached in the log's epoch.
      this.epoch = Math.max(logEpoch, hs?.leaderEpoch ?? 0);
      this.becomeUnattached(this.epoch);
      return;
    }
    this.epoch = hs.leaderEpoch;
    this.votedId = hs.votedId;
    if (hs.leaderId === this.id) this.becomeResigned([]);
    else if (hs.leaderId !== NO_ID) this.becomeFollower(this.epoch, hs.leaderId);
    else this.becomeUnattached(this.epoch);
  }

  // ---- small helpers ----

  voters(): number[] {
    return this.log.latestVoters();
  }

  isVoter(id = this.id): boolean {
    return this.voters().includes(id);
  }

  majority(): number {
    return (this.voters().length >> 1) + 1;
  }

  newCorrelationId(): number {
    this.nextCorrelation = (this.nextCorrelation + 1) | 0;
    return this.nextCorrelation;
  }

  send(to: number, body: MessageBody, correlationId = this.newCorrelationId()): number {
    this.outbox.push({ from: this.id, to, correlationId, body });
    return correlationId;
  }

  hardStateDirty(): boolean {
    const s = this.saved;
    return s.leaderEpoch !== this.epoch || s.leaderId !== this.leaderId || s.votedId !== this.votedId;
  }

  takeHardState(): HardState | null {
    if (!this.hardStateDirty()) return null;
    this.saved = { leaderEpoch: this.epoch, leaderId: this.leaderId, votedId: this.votedId };
    return { ...this.saved };
  }

  resetElectionTimer(): void {
    this.electionElapsedTicks = 0;
    const base = this.cfg.electionTimeoutTicks;
    this.electionTimeoutTicks = base + this.cfg.rng.nextInt(base);
  }

  /** Appends an entry of the current epoch to the leader's log. */
  appendAsLeader(entry: Entry): void {
    this.log.append(entry);
    if (this.leader) this.leader.parkedMayProgress = true;
  }

  /** Moves to a higher epoch; the vote and the leader are per epoch, so both are forgotten. */
  private enterEpoch(epoch: number): void {
    if (epoch < this.epoch) throw new Error(`raft: epoch going back from ${this.epoch} to ${epoch}`);
    if (epoch > this.epoch) {
      this.epoch = epoch;
      this.votedId = NO_ID;
      this.leaderId = NO_ID;
    }
  }

  /** Clears whatever the previous role was doing; returns the leader state, if any, for answerOrphans. */
  private leaveRole(): LeaderState | null {
    const leader = this.leader;
    this.leader = null;
    this.election = null;
    this.fetch = null;
    this.fetchBackoffTicks = 0;
    this.snapshotFetch = null;
    this.hasFetchedFromLeader = false;
    this.endQuorumPending.clear();
    this.preferredCandidates = [];
    this.fetchElapsedTicks = 0;
    this.resetElectionTimer();
    this.fetchTimeoutDrawnTicks =
      this.cfg.fetchTimeoutTicks + this.electionTimeoutTicks - this.cfg.electionTimeoutTicks;
    return leader;
  }

  /** After leaving leadership, parked fetches and pending reads get an answer (with the news), not silence. */
  private answerOrphans(leader: LeaderState | null): void {
    if (!leader) return;
    for (const p of leader.parked.values()) {
      this.send(p.from, this.fetchError(ErrorCode.NOT_LEADER_OR_FOLLOWER), p.correlationId);
    }
    for (const r of leader.pendingReads) {
      this.readStates.push({
        requestId: r.requestId,
        index: -1,
        errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER,
      });
    }
  }

  /** The leader of our epoch as we would tell others: a resigned leader no longer leads. */
  knownLeader(): number {
    return this.role === 'resigned' ? NO_ID : this.leaderId;
  }

  fetchError(errorCode: ErrorCode): MessageBody {
    return {
      kind: 'FetchResponse',
      errorCode,
      highWatermark: this.highWatermark,
      logStartOffset: this.log.startOffset,
      divergingEpoch: null,
      currentLeader: { leaderId: this.knownLeader(), leaderEpoch: this.epoch },
      snapshotId: null,
      records: [],
    };
  }

  // ---- role transitions ----

  /** No known leader in `epoch`. The vote already cast in this epoch, if any, is kept. */
  becomeUnattached(epoch: number): void {
    const old = this.leaveRole();
    this.enterEpoch(epoch);
    this.leaderId = NO_ID;
    this.role = 'unattached';
    this.answerOrphans(old);
  }

  becomeFollower(epoch: number, leaderId: number): void {
    const old = this.leaveRole();
    this.enterEpoch(epoch);
    this.leaderId = leaderId;
    this.role = 'follower';
    this.answerOrphans(old);
    sendFetch(this, leaderId);
  }

  /** KIP-996: ask the voters whether they would vote for us, without bumping the epoch. */
  becomeProspective(): void {
    this.answerOrphans(this.leaveRole());
    this.leaderId = NO_ID;
    this.role = 'prospective';
    this.startElectionRound(true);
  }

  becomeCandidate(): void {
    this.answerOrphans(this.leaveRole());
    this.enterEpoch(this.epoch + 1);
    this.votedId = this.id;
    this.role = 'candidate';
    this.startElectionRound(false);
  }

  private startElectionRound(preVote: boolean): void {
    const round: ElectionRound = {
      preVote,
      correlations: new Set(),
      granted: new Set([this.id]),
      rejected: new Set(),
    };
    this.election = round;
    for (const voter of this.voters()) {
      if (voter === this.id) continue;
      const correlationId = this.send(voter, {
        kind: 'VoteRequest',
        clusterId: this.cfg.clusterId,
        voterId: voter,
        replicaEpoch: this.epoch,
        replicaId: this.id,
        lastOffsetEpoch: this.log.lastEpoch(),
        lastOffset: this.log.endOffset(),
        preVote,
      });
      round.correlations.add(correlationId);
    }
    this.maybeWinElection();
  }

  /** Called after each granted vote: a majority of the current voter set wins the round. */
  maybeWinElection(): void {
    const round = this.election;
    if (!round) return;
    let granted = 0;
    for (const v of this.voters()) if (round.granted.has(v)) granted++;
    if (granted < this.majority()) return;
    if (round.preVote) this.becomeCandidate();
    else this.becomeLeader();
  }

  becomeLeader(): void {
    const granting = this.election ? [...this.election.granted] : [this.id];
    this.leaveRole();
    this.role = 'leader';
    this.leaderId = this.id;
    const epochStartOffset = this.log.endOffset();
    this.leader = {
      epochStartOffset,
      replicas: new Map(),
      parked: new Map(),
      parkedMayProgress: false,
      checkQuorumElapsedTicks: 0,
      heardFrom: new Set(),
      transferTarget: NO_ID,
      transferElapsedTicks: 0,
      round: 0,
      roundOf: new Map(),
      ackedRound: new Map(),
      announceElapsedTicks: 0,
      pendingReads: [],
      readRetryElapsedTicks: 0,
    };
    const voters = this.voters();
    this.appendAsLeader({
      offset: epochStartOffset,
      epoch: this.epoch,
      kind: 'leaderChange',
      leaderChange: {
        version: 0,
        leaderId: this.id,
        voters: voters.map((voterId) => ({ voterId })),
        grantingVoters: granting.sort((a, b) => a - b).map((voterId) => ({ voterId })),
      },
    });
    this.sendBeginQuorumEpoch(voters.filter((v) => v !== this.id));
  }

  /** Sends BeginQuorumEpoch in a new round; a majority of acks for a round confirms we were still leader. */
  sendBeginQuorumEpoch(to: number[]): number {
    const leader = this.leader!;
    const round = ++leader.round;
    // Requests whose answer was lost stay in roundOf; forget those of long-past rounds.
    if (leader.roundOf.size > 4096) {
      for (const [correlationId, r] of leader.roundOf)
        if (r < round - 8) leader.roundOf.delete(correlationId);
    }
    for (const voter of to) {
      const correlationId = this.send(voter, {
        kind: 'BeginQuorumEpochRequest',
        clusterId: this.cfg.clusterId,
        voterId: voter,
        leaderId: this.id,
        leaderEpoch: this.epoch,
      });
      leader.roundOf.set(correlationId, round);
    }
    return round;
  }

  /** Stops leading in this epoch and tells the voters so they elect at once (EndQuorumEpoch). */
  becomeResigned(preferred: number[]): void {
    const old = this.leaveRole();
    this.role = 'resigned';
    this.leaderId = this.id;
    this.preferredCandidates = preferred;
    for (const v of this.voters()) if (v !== this.id) this.endQuorumPending.add(v);
    this.answerOrphans(old);
    if (preferred.length > 0) this.sendEndQuorumEpoch();
  }

  sendEndQuorumEpoch(): void {
    this.endQuorumElapsedTicks = 0;
    for (const voter of this.endQuorumPending) {
      this.send(voter, {
        kind: 'EndQuorumEpochRequest',
        clusterId: this.cfg.clusterId,
        leaderId: this.id,
        leaderEpoch: this.epoch,
        preferredCandidates: this.preferredCandidates.map((candidateId) => ({ candidateId })),
      });
    }
  }

  /** A message told us of a leader (or of an epoch without one) at least as new as ours. */
  observeLeader(leaderEpoch: number, leaderId: number): boolean {
    if (leaderEpoch < this.epoch) return false;
    if (leaderEpoch === this.epoch) {
      if (leaderId === NO_ID || leaderId === this.id || this.role === 'leader' || this.role === 'resigned') {
        return false;
      }
      if (this.role === 'follower' && this.leaderId === leaderId) return false;
      this.becomeFollower(leaderEpoch, leaderId);
      return true;
    }
    if (leaderId === NO_ID || leaderId === this.id) this.becomeUnattached(leaderEpoch);
    else this.becomeFollower(leaderEpoch, leaderId);
    return true;
  }
}
