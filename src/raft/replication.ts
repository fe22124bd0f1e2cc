import type { ParkedFetch, RaftCore, ReplicaProgress } from './core.js';
import { completeReads, maybeFinishTransfer, maybeResignAfterRemoval } from './leadership.js';
import {
  type EpochEndOffset,
  ErrorCode,
  type FetchRequest,
  type FetchResponse,
  type Message,
  NO_ID,
} from './types.js';

// Pull-based replication (KIP-595): followers and observers ask with Fetch(fetchOffset, lastFetchedEpoch);
// the leader checks that the asker's log matches its own at that point and answers with records, with the
// epoch where the logs diverge, or with the snapshot to fetch when the offset is below its log start.

function progressOf(core: RaftCore, replicaId: number): ReplicaProgress {
  const replicas = core.leader!.replicas;
  let p = replicas.get(replicaId);
  if (!p) {
    p = { matchedOffset: -1, lastFetchTick: -1, lastCaughtUpTick: -1, lastSentHwm: -1, knowsEpoch: false };
    replicas.set(replicaId, p);
  }
  return p;
}

type Position = { kind: 'valid' } | { kind: 'snapshot' } | { kind: 'diverging'; at: EpochEndOffset };

/** Does the fetcher's log, ending at fetchOffset with lastFetchedEpoch, match ours there? */
function validatePosition(core: RaftCore, fetchOffset: number, lastFetchedEpoch: number): Position {
  const log = core.log;
  const snapshotEpoch = log.snapshot.id.epoch;
  // Below our log start we cannot compare epochs any more: the fetcher must take the snapshot.
  if (fetchOffset < log.startOffset || lastFetchedEpoch < snapshotEpoch) return { kind: 'snapshot' };
  if (fetchOffset === log.startOffset) {
    return lastFetchedEpoch === snapshotEpoch ? { kind: 'valid' } : { kind: 'snapshot' };
  }
  const at = log.endOffsetForEpoch(lastFetchedEpoch);
  if (at.epoch === lastFetchedEpoch && at.endOffset >= fetchOffset) return { kind: 'valid' };
  return { kind: 'diverging', at };
}

function fetchResponse(core: RaftCore, fields: Partial<FetchResponse>): FetchResponse {
  return {
    kind: 'FetchResponse',
    errorCode: ErrorCode.NONE,
    highWatermark: core.highWatermark,
    logStartOffset: core.log.startOffset,
    divergingEpoch: null,
    currentLeader: { leaderId: core.id, leaderEpoch: core.epoch },
    snapshotId: null,
    records: [],
    ...fields,
  };
}

/** Leader-only requests: is the asker in our epoch, and are we its leader? */
export function leaderRequestError(core: RaftCore, currentLeaderEpoch: number): ErrorCode | null {
  if (currentLeaderEpoch !== -1 && currentLeaderEpoch < core.epoch) return ErrorCode.FENCED_LEADER_EPOCH;
  if (currentLeaderEpoch > core.epoch) return ErrorCode.UNKNOWN_LEADER_EPOCH;
  if (core.role !== 'leader') return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  return null;
}

export function handleFetchRequest(core: RaftCore, msg: Message, req: FetchRequest): void {
  const error = leaderRequestError(core, req.currentLeaderEpoch);
  if (error !== null) {
    core.send(msg.from, core.fetchError(error), msg.correlationId);
    return;
  }
  const leader = core.leader!;
  const replicaId = req.replicaState.replicaId;
  const progress = progressOf(core, replicaId);
  progress.lastFetchTick = core.nowTicks;
  progress.knowsEpoch = true;
  // Any fetch in our epoch shows the voter follows us, whatever its log looks like (check-quorum).
  if (core.isVoter(replicaId)) leader.heardFrom.add(replicaId);
  const position = validatePosition(core, req.fetchOffset, req.lastFetchedEpoch);
  if (position.kind === 'snapshot') {
    core.send(msg.from, fetchResponse(core, { snapshotId: { ...core.log.snapshot.id } }), msg.correlationId);
    return;
  }
  if (position.kind === 'diverging') {
    core.send(msg.from, fetchResponse(core, { divergingEpoch: position.at }), msg.correlationId);
    return;
  }
  progress.matchedOffset = req.fetchOffset;
  if (req.fetchOffset >= core.log.endOffset()) progress.lastCaughtUpTick = core.nowTicks;
  if (core.isVoter(replicaId)) updateHighWatermark(core);
  if (core.role === 'leader') maybeFinishTransfer(core);
  if (core.role !== 'leader') {
    core.send(msg.from, core.fetchError(ErrorCode.NOT_LEADER_OR_FOLLOWER), msg.correlationId);
    return;
  }
  const parked: ParkedFetch = {
    from: msg.from,
    correlationId: msg.correlationId,
    fetchOffset: req.fetchOffset,
    parkedAtTick: core.nowTicks,
    maxWaitTicks: req.maxWaitTicks,
    bytesMax: Math.min(req.maxBytes, req.partitionMaxBytes, core.cfg.fetchBytesMax),
  };
  // A newer fetch from the same replica replaces a parked one, which still gets its (empty) answer: over
  // a connection that answers in order, a request left unanswered would hold up every later one.
  const earlier = leader.parked.get(replicaId);
  if (earlier && earlier.correlationId !== msg.correlationId) {
    leader.parked.delete(replicaId);
    core.send(earlier.from, fetchResponse(core, {}), earlier.correlationId);
  }
  // Nothing new and nothing to tell: hold the fetch until entries arrive or the wait expires.
  if (!hasNews(core, parked, progress) && req.maxWaitTicks > 0) leader.parked.set(replicaId, parked);
  else answerFetch(core, replicaId, parked, progress);
}

function hasNews(core: RaftCore, p: ParkedFetch, progress: ReplicaProgress): boolean {
  return (
    core.log.endOffset() > p.fetchOffset || Math.min(core.highWatermark, p.fetchOffset) > progress.lastSentHwm
  );
}

function answerFetch(core: RaftCore, replicaId: number, p: ParkedFetch, progress: ReplicaProgress): void {
  core.leader!.parked.delete(replicaId);
  if (p.fetchOffset < core.log.startOffset) {
    // Compacted while the fetch waited: the asker needs the snapshot now.
    core.send(p.from, fetchResponse(core, { snapshotId: { ...core.log.snapshot.id } }), p.correlationId);
    return;
  }
  const records = core.log.read(p.fetchOffset, p.bytesMax);
  progress.lastSentHwm = Math.min(core.highWatermark, p.fetchOffset + records.length);
  core.send(p.from, fetchResponse(core, { records }), p.correlationId);
}

/** Answers parked fetches that now have entries or news, or whose wait is over. Called before ready(). */
export function flushParkedFetches(core: RaftCore, expiredOnly: boolean): void {
  const leader = core.leader;
  if (!leader || leader.parked.size === 0) return;
  if (!expiredOnly && !leader.parkedMayProgress) return;
  for (const [replicaId, p] of leader.parked) {
    const progress = progressOf(core, replicaId);
    const expired = core.nowTicks - p.parkedAtTick >= p.maxWaitTicks;
    if (expired || (!expiredOnly && hasNews(core, p, progress))) answerFetch(core, replicaId, p, progress);
  }
  if (!expiredOnly) leader.parkedMayProgress = false;
}

/**
 * The high watermark is the offset a majority of voters have reached (the leader counts only what it has
 * made durable). It moves only once the leader's own LeaderChange entry is covered: entries of earlier
 * epochs are committed indirectly, never by counting replicas (Raft §5.4.2).
 */
export function updateHighWatermark(core: RaftCore): void {
  const leader = core.leader;
  if (!leader) return;
  const voters = core.voters();
  const offsets = voters.map((v) =>
    v === core.id ? core.log.durableEnd : (leader.replicas.get(v)?.matchedOffset ?? -1),
  );
  offsets.sort((a, b) => b - a);
  const reached = offsets[core.majority() - 1];
  if (reached <= leader.epochStartOffset || reached <= core.highWatermark) return;
  core.highWatermark = reached;
  leader.parkedMayProgress = true;
  completeReads(core);
  maybeResignAfterRemoval(core);
}

// ---- follower and observer side ----

export function sendFetch(core: RaftCore, to: number): void {
  const log = core.log;
  const bytesMax = core.cfg.fetchBytesMax;
  const correlationId = core.send(to, {
    kind: 'FetchRequest',
    clusterId: core.cfg.clusterId,
    replicaState: { replicaId: core.id, replicaEpoch: -1 },
    maxWaitTicks: core.cfg.fetchMaxWaitTicks,
    minBytes: 1,
    maxBytes: bytesMax,
    currentLeaderEpoch: core.epoch,
    fetchOffset: log.endOffset(),
    lastFetchedEpoch: log.lastEpoch(),
    logStartOffset: log.startOffset,
    partitionMaxBytes: bytesMax,
  });
  core.fetch = { correlationId, to, sentTick: core.nowTicks };
}

/** A fetch answer proves the leader is alive and still ours: the fetch timeout starts over. */
function leaderContact(core: RaftCore): void {
  core.fetchElapsedTicks = 0;
  core.hasFetchedFromLeader = true;
}

export function handleFetchResponse(core: RaftCore, msg: Message, resp: FetchResponse): void {
  const inflight = core.fetch;
  if (!inflight || inflight.correlationId !== msg.correlationId || inflight.to !== msg.from) return;
  core.fetch = null;
  // A newer leader (becoming its follower sends the first fetch).
  if (core.observeLeader(resp.currentLeader.leaderEpoch, resp.currentLeader.leaderId)) return;
  const resigned = resp.currentLeader.leaderEpoch === core.epoch && resp.currentLeader.leaderId === NO_ID;
  if (core.role === 'follower' && msg.from === core.leaderId && resigned) {
    // Our leader says it no longer leads this epoch: stop waiting for the fetch timeout.
    core.becomeUnattached(core.epoch);
    return;
  }
  if (core.role !== 'follower' || resp.errorCode !== ErrorCode.NONE) {
    core.fetchBackoffTicks = 1;
    return;
  }
  leaderContact(core);
  if (resp.divergingEpoch) {
    truncateToDivergence(core, resp.divergingEpoch);
  } else if (resp.snapshotId) {
    startSnapshotFetch(core, resp.snapshotId.endOffset, resp.snapshotId.epoch);
    return;
  } else if (!appendRecords(core, resp)) {
    core.fetchBackoffTicks = 1;
    return;
  }
  sendFetch(core, core.leaderId);
}

function appendRecords(core: RaftCore, resp: FetchResponse): boolean {
  const log = core.log;
  if (resp.records.length > 0 && resp.records[0].offset !== log.endOffset()) return false;
  for (const entry of resp.records) log.append(entry);
  // Our log now matches the leader's up to its end, so the leader's high watermark applies up to there.
  const hwm = Math.min(resp.highWatermark, log.endOffset());
  if (hwm > core.highWatermark) core.highWatermark = hwm;
  return true;
}

/**
 * Truncates to where our log stops matching the leader's. With the leader's answer (epoch e ends at x):
 * if we also have epoch e, both logs agree below min(x, our end of e); if not, everything we hold after
 * our last epoch below e is foreign to the leader. Either way no matching entry is dropped, and each round
 * moves back at least one epoch.
 */
function truncateToDivergence(core: RaftCore, diverging: EpochEndOffset): void {
  const ours = core.log.endOffsetForEpoch(diverging.epoch);
  const at = ours.epoch === diverging.epoch ? Math.min(ours.endOffset, diverging.endOffset) : ours.endOffset;
  if (at < core.highWatermark) {
    throw new Error(`raft: truncation to ${at} below high watermark ${core.highWatermark}`);
  }
  core.log.truncateFrom(at);
}

export function startSnapshotFetch(core: RaftCore, endOffset: number, epoch: number): void {
  core.snapshotFetch = { request: null, endOffset, epoch, position: 0, size: -1, chunks: [] };
  sendFetchSnapshot(core);
}

export function sendFetchSnapshot(core: RaftCore): void {
  const sf = core.snapshotFetch!;
  const correlationId = core.send(core.leaderId, {
    kind: 'FetchSnapshotRequest',
    clusterId: core.cfg.clusterId,
    replicaId: core.id,
    maxBytes: core.cfg.snapshotChunkBytesMax,
    currentLeaderEpoch: core.epoch,
    snapshotId: { endOffset: sf.endOffset, epoch: sf.epoch },
    position: sf.position,
  });
  sf.request = { correlationId, to: core.leaderId, sentTick: core.nowTicks };
}

/** Follower timers: fetch timeout (leader presumed gone), request retry, back-off after an error. */
export function tickFollower(core: RaftCore): void {
  core.fetchElapsedTicks++;
  if (core.fetchElapsedTicks >= core.fetchTimeoutDrawnTicks) {
    if (core.isVoter()) core.becomeProspective();
    else core.becomeUnattached(core.epoch);
    return;
  }
  const sf = core.snapshotFetch;
  if (sf) {
    if (sf.request && core.nowTicks - sf.request.sentTick >= core.cfg.requestTimeoutTicks)
      sendFetchSnapshot(core);
    return;
  }
  if (core.fetch && core.nowTicks - core.fetch.sentTick >= core.cfg.requestTimeoutTicks) core.fetch = null;
  if (core.fetch) return;
  if (core.fetchBackoffTicks > 0) {
    core.fetchBackoffTicks--;
    return;
  }
  sendFetch(core, core.leaderId);
}

/** An observer without a leader asks a random voter; any answer names the leader it knows. */
export function tickDiscovery(core: RaftCore): void {
  if (core.fetch && core.nowTicks - core.fetch.sentTick < core.cfg.requestTimeoutTicks) return;
  const voters = core.voters().filter((v) => v !== core.id);
  if (voters.length === 0) return;
  sendFetch(core, voters[core.cfg.rng.nextInt(voters.length)]);
}

/**
 * The transport could not reach `peer` at all (connection refused or reset: the process is gone).
 * A follower that loses its leader this way stops trusting it (it grants pre-votes) and stands after a
 * short random wait instead of the whole fetch timeout; an observer looks for the leader again. Only
 * liveness depends on this: pre-vote and the vote rules keep elections safe whatever triggers them.
 */
export function peerUnreachable(core: RaftCore, peer: number): void {
  if (core.role !== 'follower' || core.leaderId !== peer) return;
  core.hasFetchedFromLeader = false;
  const soon = 1 + core.cfg.rng.nextInt(Math.max(1, core.cfg.electionTimeoutTicks >> 2));
  core.fetchElapsedTicks = Math.max(core.fetchElapsedTicks, core.fetchTimeoutDrawnTicks - soon);
}
