import { RaftCore } from './core.js';
import {
  handleBeginQuorumEpoch,
  handleBeginQuorumEpochResponse,
  handleEndQuorumEpoch,
  handleEndQuorumEpochResponse,
  handleVoteRequest,
  handleVoteResponse,
} from './election.js';
import * as leadership from './leadership.js';
import {
  flushParkedFetches,
  handleFetchRequest,
  handleFetchResponse,
  peerUnreachable,
  tickDiscovery,
  tickFollower,
  updateHighWatermark,
} from './replication.js';
import { compact, handleFetchSnapshotRequest, handleFetchSnapshotResponse } from './snapshots.js';
import {
  type Entry,
  ErrorCode,
  type Message,
  type PersistentState,
  type ProposeResult,
  type RaftConfig,
  type Ready,
  type ReplicaStatus,
  type Status,
} from './types.js';

const REQUEST_KINDS = new Set([
  'VoteRequest',
  'BeginQuorumEpochRequest',
  'EndQuorumEpochRequest',
  'FetchRequest',
  'FetchSnapshotRequest',
]);

/**
 * One replica of the metadata quorum: a deterministic state machine. Feed it messages (step), time
 * (tick) and proposals; take its output with ready(), persist, send and apply it, then call advance().
 * Nothing here does I/O, reads a clock or draws randomness except from the injected generator.
 */
export class RaftNode {
  private readonly core: RaftCore;
  private inflight: { applyEnd: number } | null = null;

  /** A fresh replica (persisted null) or one restarting from what its storage kept. */
  constructor(config: RaftConfig, persisted: PersistentState | null = null) {
    this.core = new RaftCore(config, persisted);
  }

  get id(): number {
    return this.core.id;
  }

  step(msg: Message): void {
    const core = this.core;
    if (msg.to !== core.id) return;
    const body = msg.body;
    if (REQUEST_KINDS.has(body.kind) && this.wrongCluster(msg)) return;
    switch (body.kind) {
      case 'VoteRequest':
        handleVoteRequest(core, msg, body);
        break;
      case 'VoteResponse':
        handleVoteResponse(core, msg, body);
        break;
      case 'BeginQuorumEpochRequest':
        handleBeginQuorumEpoch(core, msg, body);
        break;
      case 'BeginQuorumEpochResponse':
        handleBeginQuorumEpochResponse(core, msg, body);
        break;
      case 'EndQuorumEpochRequest':
        handleEndQuorumEpoch(core, msg, body);
        break;
      case 'EndQuorumEpochResponse':
        handleEndQuorumEpochResponse(core, msg, body);
        break;
      case 'FetchRequest':
        handleFetchRequest(core, msg, body);
        break;
      case 'FetchResponse':
        handleFetchResponse(core, msg, body);
        break;
      case 'FetchSnapshotRequest':
        handleFetchSnapshotRequest(core, msg, body);
        break;
      case 'FetchSnapshotResponse':
        handleFetchSnapshotResponse(core, msg, body);
        break;
    }
  }

  /** Requests from another cluster are refused with INCONSISTENT_CLUSTER_ID and change nothing. */
  private wrongCluster(msg: Message): boolean {
    const ours = this.core.cfg.clusterId;
    const body = msg.body as { clusterId: string | null };
    if (ours === null || body.clusterId === null || body.clusterId === ours) return false;
    const core = this.core;
    const leader = { leaderId: core.knownLeader(), leaderEpoch: core.epoch };
    const code = ErrorCode.INCONSISTENT_CLUSTER_ID;
    // Every request gets an answer: over a connection that answers in order, silence would stall the rest.
    switch (msg.body.kind) {
      case 'FetchRequest':
        core.send(msg.from, core.fetchError(code), msg.correlationId);
        break;
      case 'VoteRequest':
        core.send(
          msg.from,
          { kind: 'VoteResponse', errorCode: code, ...leader, voteGranted: false },
          msg.correlationId,
        );
        break;
      case 'BeginQuorumEpochRequest':
        core.send(
          msg.from,
          { kind: 'BeginQuorumEpochResponse', errorCode: code, ...leader },
          msg.correlationId,
        );
        break;
      case 'EndQuorumEpochRequest':
        core.send(
          msg.from,
          { kind: 'EndQuorumEpochResponse', errorCode: code, ...leader },
          msg.correlationId,
        );
        break;
      case 'FetchSnapshotRequest':
        core.send(
          msg.from,
          {
            kind: 'FetchSnapshotResponse',
            errorCode: code,
            snapshotId: { ...msg.body.snapshotId },
            currentLeader: leader,
            size: -1,
            position: -1,
            unalignedRecords: new Uint8Array(0),
          },
          msg.correlationId,
        );
        break;
    }
    return true;
  }

  /** The transport could not reach `peer` (its process is gone): see replication.peerUnreachable. */
  peerUnreachable(peer: number): void {
    peerUnreachable(this.core, peer);
  }

  /** Advances logical time by one tick. */
  tick(): void {
    const core = this.core;
    core.nowTicks++;
    switch (core.role) {
      case 'leader':
        flushParkedFetches(core, true);
        leadership.tickLeader(core);
        break;
      case 'follower':
        tickFollower(core);
        break;
      case 'resigned':
        this.tickResigned();
        break;
      default:
        this.tickElection();
        break;
    }
  }

  /** Unattached, prospective and candidate replicas wait for a leader, then stand for election. */
  private tickElection(): void {
    const core = this.core;
    if (!core.isVoter()) {
      if (core.role !== 'unattached') core.becomeUnattached(core.epoch);
      tickDiscovery(core);
      return;
    }
    if (++core.electionElapsedTicks >= core.electionTimeoutTicks) core.becomeProspective();
  }

  private tickResigned(): void {
    const core = this.core;
    if (++core.electionElapsedTicks >= core.electionTimeoutTicks) {
      if (core.isVoter()) core.becomeProspective();
      else core.becomeUnattached(core.epoch);
      return;
    }
    if (core.endQuorumPending.size > 0 && ++core.endQuorumElapsedTicks >= core.cfg.requestTimeoutTicks) {
      core.sendEndQuorumEpoch();
    }
  }

  /** Appends data to the log if this replica leads; the entry is committed once it shows up in `committed`. */
  propose(data: Uint8Array): ProposeResult {
    return leadership.propose(this.core, data);
  }

  /** Appends several entries as one batch, committed all together (see leadership.proposeBatch). */
  proposeBatch(datas: readonly Uint8Array[]): ProposeResult {
    return leadership.proposeBatch(this.core, datas);
  }

  addVoter(voterId: number): ProposeResult {
    return leadership.addVoter(this.core, voterId);
  }

  removeVoter(voterId: number): ProposeResult {
    return leadership.removeVoter(this.core, voterId);
  }

  /** Hands leadership to a voter once it has caught up; proposals are refused meanwhile. */
  transferLeadership(targetId: number): ProposeResult {
    return leadership.transferLeadership(this.core, targetId);
  }

  /** Steps down at once (before a clean shutdown) and tells the voters to elect. */
  resign(): void {
    leadership.resign(this.core);
  }

  /** Asks for a linearizable read index; the answer arrives in a later ready's readStates. */
  readIndex(requestId: number): ProposeResult {
    return leadership.readIndex(this.core, requestId);
  }

  /** The state machine snapshotted everything applied below endOffset; the log prefix is dropped. */
  compact(endOffset: number, data: Uint8Array): boolean {
    return compact(this.core, endOffset, data);
  }

  hasReady(): boolean {
    const core = this.core;
    if (this.inflight) return false;
    return (
      core.outbox.length > 0 ||
      core.hardStateDirty() ||
      core.log.hasUnsaved() ||
      core.applyCursor < core.highWatermark ||
      core.readStates.length > 0 ||
      core.snapshotToApply !== null ||
      (core.leader !== null && core.leader.parked.size > 0 && core.leader.parkedMayProgress)
    );
  }

  /**
   * Everything to persist, send and apply. Call advance() when done; until then ready() may not be called
   * again, but step() and tick() may (their output waits for the next ready). Parked fetches that can make
   * progress are answered here, so that all proposals since the last ready travel in one response.
   */
  ready(): Ready {
    const core = this.core;
    if (this.inflight) throw new Error('raft: ready() before advance()');
    flushParkedFetches(core, false);
    const hardState = core.takeHardState();
    const { snapshot, truncateFromOffset, entries } = core.log.takeUnsaved();
    const committed: Entry[] = core.log.slice(core.applyCursor, core.highWatermark);
    core.applyCursor = Math.max(core.applyCursor, core.highWatermark);
    const rd: Ready = {
      hardState,
      snapshot,
      truncateFromOffset,
      entries,
      messages: core.outbox,
      snapshotToApply: core.snapshotToApply,
      committed,
      readStates: core.readStates,
    };
    core.outbox = [];
    core.readStates = [];
    core.snapshotToApply = null;
    this.inflight = { applyEnd: core.applyCursor };
    return rd;
  }

  /** The last ready was persisted, sent and applied. */
  advance(): void {
    const core = this.core;
    if (!this.inflight) throw new Error('raft: advance() without ready()');
    core.log.markIssuedDurable();
    core.applied = Math.max(core.applied, this.inflight.applyEnd);
    this.inflight = null;
    // The leader counts its own entries only once durable; that may commit them (e.g. a single voter).
    updateHighWatermark(core);
  }

  status(): Status {
    const core = this.core;
    return {
      id: core.id,
      role: core.role,
      epoch: core.epoch,
      leaderId: core.knownLeader(),
      votedId: core.votedId,
      isVoter: core.isVoter(),
      voters: [...core.voters()],
      highWatermark: core.highWatermark,
      appliedOffset: core.applied,
      logStartOffset: core.log.startOffset,
      logEndOffset: core.log.endOffset(),
      lastEpoch: core.log.lastEpoch(),
    };
  }

  /** The leader's view of the replicas fetching from it (DescribeQuorum); empty elsewhere. */
  replicaStatuses(): ReplicaStatus[] {
    const leader = this.core.leader;
    if (!leader) return [];
    const now = this.core.nowTicks;
    return [...leader.replicas].map(([replicaId, p]) => ({
      replicaId,
      logEndOffset: p.matchedOffset,
      lastFetchTick: p.lastFetchTick,
      ticksSinceFetch: p.lastFetchTick < 0 ? -1 : now - p.lastFetchTick,
      ticksSinceCaughtUp: p.lastCaughtUpTick < 0 ? -1 : now - p.lastCaughtUpTick,
    }));
  }

  /** Entries in [from, to) still in memory (for inspection by tests and tools). */
  entries(from: number, to: number): Entry[] {
    return this.core.log.slice(from, to);
  }
}
