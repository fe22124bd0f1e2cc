import type { RaftCore } from './core.js';
import { type Entry, ErrorCode, NO_ID, type ProposeResult, type RaftError } from './types.js';

// What only a leader does: accept proposals and voter changes, confirm reads, hand over leadership, and
// give up leadership when it can no longer reach a majority.

function refuse(core: RaftCore, error: RaftError): ProposeResult {
  return { ok: false, error, leaderId: core.knownLeader(), leaderEpoch: core.epoch };
}

function leaderOrError(core: RaftCore): ProposeResult | null {
  if (core.role !== 'leader') return refuse(core, 'NOT_LEADER_OR_FOLLOWER');
  if (core.leader!.transferTarget !== NO_ID) return refuse(core, 'TRANSFER_IN_PROGRESS');
  return null;
}

export function propose(core: RaftCore, data: Uint8Array): ProposeResult {
  return proposeBatch(core, [data]);
}

/**
 * Appends several entries as one batch: they are stored, sent and committed together (one Kafka record
 * batch), so a change made of several records is seen whole or not at all.
 */
export function proposeBatch(core: RaftCore, datas: readonly Uint8Array[]): ProposeResult {
  const refused = leaderOrError(core);
  if (refused) return refused;
  if (datas.length === 0) return refuse(core, 'INVALID_REQUEST');
  if (core.log.endOffset() - core.highWatermark + datas.length > core.cfg.uncommittedEntriesMax) {
    return refuse(core, 'UNCOMMITTED_LIMIT');
  }
  const offset = core.log.endOffset();
  const last = datas.length - 1;
  datas.forEach((data, i) => {
    const entry: Entry = { offset: offset + i, epoch: core.epoch, kind: 'data', data };
    if (i < last) entry.batchContinues = true;
    core.appendAsLeader(entry);
  });
  return { ok: true, offset, epoch: core.epoch, lastOffset: offset + last };
}

/**
 * KIP-853: voters change one at a time, by a VotersRecord that takes effect as soon as it is in the log.
 * Two sets that differ by one voter share a majority, so no two leaders can be elected in one epoch, as
 * long as a change starts only after the previous one committed and after the leader committed an entry
 * of its own epoch (otherwise a change of an earlier leader could still be lost, the known flaw of
 * single-server changes).
 */
function voterChangeRefusal(core: RaftCore): ProposeResult | null {
  const refused = leaderOrError(core);
  if (refused) return refused;
  if (core.highWatermark <= core.leader!.epochStartOffset) return refuse(core, 'EPOCH_NOT_COMMITTED');
  if (core.log.lastVotersOffset() >= core.highWatermark) return refuse(core, 'VOTER_CHANGE_PENDING');
  return null;
}

function appendVoters(core: RaftCore, voters: number[]): ProposeResult {
  const offset = core.log.endOffset();
  const sorted = [...voters].sort((a, b) => a - b);
  core.appendAsLeader({
    offset,
    epoch: core.epoch,
    kind: 'voters',
    voters: { version: 0, voters: sorted.map((voterId) => ({ voterId })) },
  });
  return { ok: true, offset, epoch: core.epoch };
}

/** The new voter must already replicate as an observer and have caught up to the high watermark. */
export function addVoter(core: RaftCore, voterId: number): ProposeResult {
  const refused = voterChangeRefusal(core);
  if (refused) return refused;
  const voters = core.voters();
  if (voters.includes(voterId)) return refuse(core, 'DUPLICATE_VOTER');
  const progress = core.leader!.replicas.get(voterId);
  const recent = progress && core.nowTicks - progress.lastFetchTick < core.cfg.fetchTimeoutTicks;
  if (!progress || !recent || progress.matchedOffset < core.highWatermark)
    return refuse(core, 'NOT_CAUGHT_UP');
  return appendVoters(core, [...voters, voterId]);
}

/** Removing the leader itself is allowed: it leads until the change commits, then resigns. */
export function removeVoter(core: RaftCore, voterId: number): ProposeResult {
  const refused = voterChangeRefusal(core);
  if (refused) return refused;
  const voters = core.voters();
  if (!voters.includes(voterId)) return refuse(core, 'VOTER_NOT_FOUND');
  if (voters.length === 1) return refuse(core, 'INVALID_REQUEST');
  return appendVoters(
    core,
    voters.filter((v) => v !== voterId),
  );
}

/** Voters other than us, the most caught-up first: the order in which they should stand for election. */
export function preferredSuccessors(core: RaftCore): number[] {
  const replicas = core.leader?.replicas;
  const matched = (v: number): number => replicas?.get(v)?.matchedOffset ?? -1;
  return core
    .voters()
    .filter((v) => v !== core.id)
    .sort((a, b) => matched(b) - matched(a) || a - b);
}

/** Once the change that removed us is committed, we lead no more; the remaining voters elect at once. */
export function maybeResignAfterRemoval(core: RaftCore): void {
  if (core.role !== 'leader' || core.isVoter()) return;
  if (core.log.lastVotersOffset() >= core.highWatermark) return;
  core.becomeResigned(preferredSuccessors(core));
}

export function transferLeadership(core: RaftCore, targetId: number): ProposeResult {
  const refused = leaderOrError(core);
  if (refused) return refused;
  if (targetId === core.id) return { ok: true, offset: core.log.endOffset(), epoch: core.epoch };
  if (!core.isVoter(targetId)) return refuse(core, 'VOTER_NOT_FOUND');
  core.leader!.transferTarget = targetId;
  core.leader!.transferElapsedTicks = 0;
  maybeFinishTransfer(core);
  return { ok: true, offset: core.log.endOffset(), epoch: core.epoch };
}

/** The target has every entry we have: resign, naming it first, so it stands for election at once. */
export function maybeFinishTransfer(core: RaftCore): void {
  const leader = core.leader;
  if (!leader || leader.transferTarget === NO_ID) return;
  const progress = leader.replicas.get(leader.transferTarget);
  if (!progress || progress.matchedOffset < core.log.endOffset()) return;
  const target = leader.transferTarget;
  core.becomeResigned([target, ...preferredSuccessors(core).filter((v) => v !== target)]);
}

/** Graceful shutdown of a leader (KRaft's resign): voters are told to elect without waiting. */
export function resign(core: RaftCore): void {
  if (core.role === 'leader') core.becomeResigned(preferredSuccessors(core));
}

/**
 * A linearizable read: the answer is the high watermark, once a majority of voters has acknowledged a
 * BeginQuorumEpoch sent after the request. That proves no newer epoch had a majority when the request
 * arrived, so no entry committed before the read began is missing below the index.
 */
export function readIndex(core: RaftCore, requestId: number): ProposeResult {
  if (core.role !== 'leader') return refuse(core, 'NOT_LEADER_OR_FOLLOWER');
  const leader = core.leader!;
  const round = core.sendBeginQuorumEpoch(core.voters().filter((v) => v !== core.id));
  const committed = core.highWatermark > leader.epochStartOffset;
  leader.pendingReads.push({ requestId, round, index: committed ? core.highWatermark : -1 });
  leader.readRetryElapsedTicks = 0;
  completeReads(core);
  return { ok: true, offset: core.highWatermark, epoch: core.epoch };
}

/** The newest round a majority of voters (counting ourselves) has acknowledged. */
function confirmedRound(core: RaftCore): number {
  const leader = core.leader!;
  const rounds = core
    .voters()
    .map((v) => (v === core.id ? Number.MAX_SAFE_INTEGER : (leader.ackedRound.get(v) ?? 0)));
  rounds.sort((a, b) => b - a);
  return rounds[core.majority() - 1];
}

export function completeReads(core: RaftCore): void {
  const leader = core.leader;
  if (!leader || leader.pendingReads.length === 0) return;
  if (core.highWatermark <= leader.epochStartOffset) return;
  const confirmed = confirmedRound(core);
  const waiting = [];
  for (const r of leader.pendingReads) {
    if (r.index < 0) r.index = core.highWatermark;
    if (r.round <= confirmed) {
      core.readStates.push({ requestId: r.requestId, index: r.index, errorCode: ErrorCode.NONE });
    } else {
      waiting.push(r);
    }
  }
  leader.pendingReads = waiting;
}

/** Leader timers: check-quorum, expiring parked fetches, transfer timeout, re-announcing the epoch. */
export function tickLeader(core: RaftCore): void {
  const leader = core.leader!;
  const cfg = core.cfg;
  leader.checkQuorumElapsedTicks++;
  if (leader.checkQuorumElapsedTicks >= cfg.checkQuorumTicks) {
    let heard = core.isVoter() ? 1 : 0;
    for (const v of core.voters()) if (v !== core.id && leader.heardFrom.has(v)) heard++;
    if (heard < core.majority()) {
      core.becomeResigned(preferredSuccessors(core));
      return;
    }
    leader.heardFrom.clear();
    leader.checkQuorumElapsedTicks = 0;
  }
  if (leader.transferTarget !== NO_ID && ++leader.transferElapsedTicks >= 2 * cfg.electionTimeoutTicks) {
    leader.transferTarget = NO_ID;
  }
  if (++leader.announceElapsedTicks >= cfg.requestTimeoutTicks) {
    leader.announceElapsedTicks = 0;
    const unaware = core.voters().filter((v) => v !== core.id && !leader.replicas.get(v)?.knowsEpoch);
    if (unaware.length > 0) core.sendBeginQuorumEpoch(unaware);
  }
  if (leader.pendingReads.length > 0 && ++leader.readRetryElapsedTicks >= cfg.requestTimeoutTicks) {
    retryReads(core);
  }
}

/** Confirmation messages may be lost: ask again in a new round for the reads still waiting. */
function retryReads(core: RaftCore): void {
  const leader = core.leader!;
  leader.readRetryElapsedTicks = 0;
  const round = core.sendBeginQuorumEpoch(core.voters().filter((v) => v !== core.id));
  for (const r of leader.pendingReads) r.round = round;
  completeReads(core);
}
