import type { RaftCore } from './core.js';
import { completeReads } from './leadership.js';
import {
  type BeginQuorumEpochRequest,
  type BeginQuorumEpochResponse,
  type EndQuorumEpochRequest,
  type EndQuorumEpochResponse,
  ErrorCode,
  type Message,
  NO_ID,
  type VoteRequest,
  type VoteResponse,
} from './types.js';

/** Raft's up-to-date rule on KRaft's (last epoch, end offset) pair. */
function logAtLeastAsNew(core: RaftCore, lastEpoch: number, endOffset: number): boolean {
  const ours = core.log.lastEpoch();
  return lastEpoch > ours || (lastEpoch === ours && endOffset >= core.log.endOffset());
}

function replyVote(
  core: RaftCore,
  msg: Message,
  voteGranted: boolean,
  errorCode: ErrorCode = ErrorCode.NONE,
): void {
  const body: VoteResponse = {
    kind: 'VoteResponse',
    errorCode,
    leaderId: core.knownLeader(),
    leaderEpoch: core.epoch,
    voteGranted,
  };
  core.send(msg.from, body, msg.correlationId);
}

/**
 * Vote (v2). A standard vote is granted at most once per epoch, to a candidate whose log is at least as
 * new as ours, and only while no leader is known in that epoch; the vote is persisted before the answer
 * leaves (it is hard state, and the driver persists before sending). A pre-vote changes nothing here and
 * is refused by a leader and by a follower that is still hearing from its leader, so a replica that was
 * cut off cannot disrupt a healthy quorum when it comes back.
 */
export function handleVoteRequest(core: RaftCore, msg: Message, req: VoteRequest): void {
  if (req.replicaEpoch < core.epoch) {
    replyVote(core, msg, false);
    return;
  }
  if (req.replicaEpoch > core.epoch) core.becomeUnattached(req.replicaEpoch);
  // KIP-853: the candidate names the voter it is asking; a replica does not need to know it is a voter.
  if (req.voterId !== NO_ID && req.voterId !== core.id) {
    replyVote(core, msg, false, ErrorCode.INCONSISTENT_VOTER_SET);
    return;
  }
  const logOk = logAtLeastAsNew(core, req.lastOffsetEpoch, req.lastOffset);
  if (req.preVote) {
    const leaseHeld = core.role === 'leader' || (core.role === 'follower' && core.hasFetchedFromLeader);
    replyVote(core, msg, logOk && !leaseHeld);
    return;
  }
  const free = core.leaderId === NO_ID && (core.votedId === NO_ID || core.votedId === req.replicaId);
  if (!logOk || !free) {
    replyVote(core, msg, false);
    return;
  }
  core.votedId = req.replicaId;
  if (core.role === 'prospective') core.becomeUnattached(core.epoch);
  else core.resetElectionTimer();
  replyVote(core, msg, true);
}

export function handleVoteResponse(core: RaftCore, msg: Message, resp: VoteResponse): void {
  const round = core.election;
  if (!round?.correlations.has(msg.correlationId)) return;
  round.correlations.delete(msg.correlationId);
  if (resp.leaderEpoch > core.epoch) {
    core.observeLeader(resp.leaderEpoch, resp.leaderId);
    return;
  }
  if (resp.leaderEpoch < core.epoch || resp.errorCode !== ErrorCode.NONE) return;
  if (resp.voteGranted) {
    // A voter that grants has given up on the leader it may still name: following that one would
    // only bounce between follower and prospective.
    round.granted.add(msg.from);
    core.maybeWinElection();
    return;
  }
  round.rejected.add(msg.from);
  // A voter that refuses because it still hears from the leader of our epoch tells us whom to follow.
  if (resp.leaderId !== NO_ID) core.observeLeader(resp.leaderEpoch, resp.leaderId);
}

/** A new leader announces itself (KRaft sends this where Raft relies on the first AppendEntries). */
export function handleBeginQuorumEpoch(core: RaftCore, msg: Message, req: BeginQuorumEpochRequest): void {
  const reply = (errorCode: ErrorCode): void => {
    const body: BeginQuorumEpochResponse = {
      kind: 'BeginQuorumEpochResponse',
      errorCode,
      leaderId: core.knownLeader(),
      leaderEpoch: core.epoch,
    };
    core.send(msg.from, body, msg.correlationId);
  };
  if (req.leaderEpoch < core.epoch) {
    reply(ErrorCode.FENCED_LEADER_EPOCH);
    return;
  }
  if (req.voterId !== NO_ID && req.voterId !== core.id) {
    reply(ErrorCode.INCONSISTENT_VOTER_SET);
    return;
  }
  if (req.leaderEpoch === core.epoch && (core.role === 'leader' || core.role === 'resigned')) {
    if (req.leaderId !== core.id) throw new Error(`raft: two leaders in epoch ${core.epoch}`);
    reply(ErrorCode.NONE);
    return;
  }
  core.observeLeader(req.leaderEpoch, req.leaderId);
  reply(ErrorCode.NONE);
}

export function handleBeginQuorumEpochResponse(
  core: RaftCore,
  msg: Message,
  resp: BeginQuorumEpochResponse,
): void {
  if (core.observeLeader(resp.leaderEpoch, resp.leaderId)) return;
  const leader = core.leader;
  if (!leader || resp.errorCode !== ErrorCode.NONE || resp.leaderEpoch !== core.epoch) return;
  const round = leader.roundOf.get(msg.correlationId);
  if (round === undefined) return;
  leader.roundOf.delete(msg.correlationId);
  leader.ackedRound.set(msg.from, Math.max(round, leader.ackedRound.get(msg.from) ?? 0));
  const progress = leader.replicas.get(msg.from);
  if (progress) progress.knowsEpoch = true;
  else
    leader.replicas.set(msg.from, {
      matchedOffset: -1,
      lastFetchTick: -1,
      lastCaughtUpTick: -1,
      lastSentHwm: -1,
      knowsEpoch: true,
    });
  completeReads(core);
}

/**
 * The leader of our epoch resigned. Followers stop trusting it at once (so they grant pre-votes), and the
 * first preferred candidate stands for election right away: leadership transfer is this message.
 */
export function handleEndQuorumEpoch(core: RaftCore, msg: Message, req: EndQuorumEpochRequest): void {
  if (req.leaderEpoch > core.epoch) core.becomeUnattached(req.leaderEpoch);
  if (req.leaderEpoch === core.epoch && core.role !== 'leader' && core.role !== 'resigned') {
    const following = core.role === 'follower' && core.leaderId === req.leaderId;
    const position = req.preferredCandidates.findIndex((c) => c.candidateId === core.id);
    if (position === 0 && core.isVoter()) core.becomeCandidate();
    else if (following) core.becomeUnattached(core.epoch);
  }
  const body: EndQuorumEpochResponse = {
    kind: 'EndQuorumEpochResponse',
    errorCode: req.leaderEpoch < core.epoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.NONE,
    leaderId: core.knownLeader(),
    leaderEpoch: core.epoch,
  };
  core.send(msg.from, body, msg.correlationId);
}

export function handleEndQuorumEpochResponse(
  core: RaftCore,
  msg: Message,
  resp: EndQuorumEpochResponse,
): void {
  if (core.observeLeader(resp.leaderEpoch, resp.leaderId)) return;
  if (core.role === 'resigned') core.endQuorumPending.delete(msg.from);
}
