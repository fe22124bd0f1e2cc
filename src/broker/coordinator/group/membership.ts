// The classic group protocol: JoinGroup, SyncGroup, Heartbeat, LeaveGroup and the timers behind them
// (session, rebalance, initial delay, pending sync), with the states and answers of Kafka's classic
// group coordinator. The coordinator never looks inside protocol metadata or assignments (beyond the
// consumer protocol's topic list), so eager and cooperative assignors both work.
import { ErrorCode } from '../../../protocol/errors.js';
import type { OperationContext, Parked } from '../runtime.js';
import {
  type ClassicGroup,
  EMPTY_BYTES,
  type JoinResult,
  Member,
  type Protocol,
  type SyncResult,
} from './classic-group.js';
import { groupMetadataRecord } from './records.js';
import type { GroupShard } from './shard.js';

type Ctx = OperationContext<GroupShard>;

export interface JoinRequest {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: Protocol[];
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  clientId: string;
  clientHost: string;
  apiVersion: number;
}

export interface SyncRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Buffer }[];
}

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface LeaveMember {
  memberId: string;
  groupInstanceId: string | null;
}

export interface LeaveResult {
  errorCode: number;
  members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

export const heartbeatKey = (groupId: string, memberId: string) => `heartbeat\0${groupId}\0${memberId}`;
const joinKey = (groupId: string) => `join\0${groupId}`;
const syncKey = (groupId: string) => `sync\0${groupId}`;

export function joinError(errorCode: number, memberId: string): JoinResult {
  return {
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: '',
    skipAssignment: false,
    memberId,
    members: [],
  };
}

export function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BYTES };
}

/** The answer for the current generation (a member whose JoinGroup changes nothing). */
function currentGeneration(group: ClassicGroup, memberId: string, withMembers: boolean): JoinResult {
  return {
    errorCode: ErrorCode.NONE,
    generationId: group.generationId,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    leader: group.leaderId ?? '',
    skipAssignment: false,
    memberId,
    members: withMembers ? group.joinMembers() : [],
  };
}

/** Checks that `memberId` (and its instance id, if static) is a member: null or the error. */
function memberError(group: ClassicGroup, memberId: string, groupInstanceId: string | null): number | null {
  if (groupInstanceId !== null) {
    const existing = group.staticMembers.get(groupInstanceId);
    if (existing === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (existing !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
  }
  return group.members.has(memberId) ? null : ErrorCode.UNKNOWN_MEMBER_ID;
}

// --- JoinGroup -------------------------------------------------------------------------------------

export function joinGroup(shard: GroupShard, ctx: Ctx, req: JoinRequest): JoinResult | Parked<JoinResult> {
  const unknownMember = req.memberId === '';
  let group = shard.groups.get(req.groupId);
  if (!group) {
    if (!unknownMember) return joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId);
    // The group comes into being by its first record (Kafka writes the same empty record).
    ctx.append([
      groupMetadataRecord(req.groupId, {
        protocolType: '',
        generation: 0,
        protocol: null,
        leader: null,
        currentStateTimestamp: ctx.now,
        members: [],
      }),
    ]);
    group = shard.groups.get(req.groupId) as ClassicGroup;
  }
  if (!acceptsJoiningMember(shard, group, req.memberId)) {
    group.remove(req.memberId);
    return joinError(ErrorCode.GROUP_MAX_SIZE_REACHED, '');
  }
  return unknownMember ? joinNewMember(shard, ctx, group, req) : joinExistingMember(shard, ctx, group, req);
}

/** group.max.size: new members are refused once the group (or the rebalance) is full. */
function acceptsJoiningMember(shard: GroupShard, group: ClassicGroup, memberId: string): boolean {
  const max = shard.settings.groupSizeMax;
  switch (group.state) {
    case 'Empty':
    case 'Dead':
      return true;
    case 'PreparingRebalance':
      return group.members.get(memberId)?.awaitingJoin != null || group.awaitingJoinMembers < max;
    default:
      return group.members.has(memberId) || group.members.size < max;
  }
}

function joinNewMember(
  shard: GroupShard,
  ctx: Ctx,
  group: ClassicGroup,
  req: JoinRequest,
): JoinResult | Parked<JoinResult> {
  if (group.is('Dead')) return joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, '');
  if (!group.supportsProtocols(req.protocolType, req.protocols)) {
    return joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, '');
  }
  const newMemberId = `${req.groupInstanceId ?? req.clientId}-${shard.deps.randomUuid()}`;
  if (req.groupInstanceId !== null) {
    const existing = group.staticMembers.get(req.groupInstanceId);
    if (existing !== undefined) return rejoinStaticMember(shard, ctx, group, req, existing, newMemberId);
    return addMemberAndRebalance(shard, ctx, group, req, newMemberId);
  }
  if (req.apiVersion >= 4) {
    // KIP-394: the member must come back with the id it is given, so retries do not pile up members.
    group.pendingJoinMembers.add(newMemberId);
    ctx.schedule(heartbeatKey(group.groupId, newMemberId), req.sessionTimeoutMs, (s, c) =>
      expireHeartbeat(s, c, group.groupId, newMemberId),
    );
    return joinError(ErrorCode.MEMBER_ID_REQUIRED, newMemberId);
  }
  return addMemberAndRebalance(shard, ctx, group, req, newMemberId);
}

function joinExistingMember(
  shard: GroupShard,
  ctx: Ctx,
  group: ClassicGroup,
  req: JoinRequest,
): JoinResult | Parked<JoinResult> {
  const { memberId } = req;
  if (group.is('Dead')) return joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, memberId);
  if (!group.supportsProtocols(req.protocolType, req.protocols)) {
    return joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, memberId);
  }
  if (group.pendingJoinMembers.has(memberId)) {
    // A pending member is always dynamic; Kafka treats an instance id here as a server error.
    if (req.groupInstanceId !== null) return joinError(ErrorCode.UNKNOWN_SERVER_ERROR, memberId);
    return addMemberAndRebalance(shard, ctx, group, req, memberId);
  }
  const error = memberError(group, memberId, req.groupInstanceId);
  if (error !== null) return joinError(error, memberId);
  const member = group.members.get(memberId) as Member;
  switch (group.state) {
    case 'PreparingRebalance':
      return updateMemberAndRebalance(shard, ctx, group, member, req);
    case 'CompletingRebalance':
      // Same metadata: it probably missed the answer; give it the current generation again.
      if (member.matches(req.protocols)) return currentGeneration(group, memberId, group.isLeader(memberId));
      return updateMemberAndRebalance(shard, ctx, group, member, req);
    case 'Stable':
      // The leader rejoins to make the group rebalance (for a change in topic metadata, say).
      if (group.isLeader(memberId) || !member.matches(req.protocols)) {
        return updateMemberAndRebalance(shard, ctx, group, member, req);
      }
      return currentGeneration(group, memberId, false);
    default:
      return joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId);
  }
}

function addMemberAndRebalance(
  shard: GroupShard,
  ctx: Ctx,
  group: ClassicGroup,
  req: JoinRequest,
  memberId: string,
): JoinResult | Parked<JoinResult> {
  const parked = ctx.park<JoinResult>();
  if (!parked) return joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, memberId);
  const member = new Member(
    memberId,
    req.groupInstanceId,
    req.clientId,
    req.clientHost,
    req.rebalanceTimeoutMs,
    req.sessionTimeoutMs,
    req.protocolType,
    req.protocols,
  );
  member.isNew = true;
  if (group.is('PreparingRebalance') && group.previousState === 'Empty') group.newMemberAdded = true;
  group.add(member, parked);
  // A new member cannot heartbeat while its JoinGroup waits; it gets the new-member timeout instead.
  scheduleHeartbeat(ctx, group, member, shard.settings.groupNewMemberJoinTimeoutMs);
  prepareRebalanceOrCompleteJoin(shard, ctx, group, `new member ${memberId}`);
  return parked;
}

function updateMemberAndRebalance(
  shard: GroupShard,
  ctx: Ctx,
  group: ClassicGroup,
  member: Member,
  req: JoinRequest,
): JoinResult | Parked<JoinResult> {
  const parked = ctx.park<JoinResult>();
  if (!parked) return joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, member.memberId);
  group.updateMember(member, req.protocols, req.rebalanceTimeoutMs, req.sessionTimeoutMs);
  awaitJoin(ctx, group, member, parked);
  prepareRebalanceOrCompleteJoin(shard, ctx, group, `member ${member.memberId} rejoined`);
  return parked;
}

/** Makes `parked` the member's waiting JoinGroup; one it replaces is answered so its connection moves on. */
function awaitJoin(ctx: Ctx, group: ClassicGroup, member: Member, parked: Parked<JoinResult>): void {
  if (member.awaitingJoin)
    ctx.complete(member.awaitingJoin, joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
  group.setAwaitingJoin(member, null);
  group.setAwaitingJoin(member, parked);
}

/** A static member rejoins with an unknown member id: it takes over its instance id's membership. */
function rejoinStaticMember(
  shard: GroupShard,
  ctx: Ctx,
  group: ClassicGroup,
  req: JoinRequest,
  oldMemberId: string,
  newMemberId: string,
): JoinResult | Parked<JoinResult> {
  const parked = ctx.park<JoinResult>();
  if (!parked) return joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, '');
  const previousLeader = group.leaderId;
  const old = group.members.get(oldMemberId) as Member;
  // The old member id is fenced: whatever it still waits for is answered with FENCED_INSTANCE_ID.
  if (old.awaitingJoin) {
    ctx.complete(old.awaitingJoin, { ...joinError(ErrorCode.FENCED_INSTANCE_ID, oldMemberId) });
    group.setAwaitingJoin(old, null);
  }
  if (old.awaitingSync) {
    ctx.complete(old.awaitingSync, syncError(ErrorCode.FENCED_INSTANCE_ID));
    old.awaitingSync = null;
  }
  ctx.cancel(heartbeatKey(group.groupId, oldMemberId));
  const member = group.replaceStaticMember(req.groupInstanceId as string, oldMemberId, newMemberId);
  scheduleHeartbeat(ctx, group, member);
  group.updateMember(member, req.protocols, req.rebalanceTimeoutMs, req.sessionTimeoutMs);
  group.setAwaitingJoin(member, parked);
  switch (group.state) {
    case 'Stable': {
      if ((group.protocolName ?? '') !== group.selectProtocol()) {
        prepareRebalanceOrCompleteJoin(shard, ctx, group, `static member ${newMemberId} changed protocols`);
        return parked;
      }
      // Same protocol: no rebalance; the new member id is stored and the member keeps its assignment.
      ctx.append([groupMetadataRecord(group.groupId, groupMetadataValue(group, ctx.now))]);
      const isLeader = group.isLeader(newMemberId);
      const result: JoinResult =
        req.apiVersion >= 9
          ? { ...currentGeneration(group, newMemberId, isLeader), skipAssignment: isLeader }
          : { ...currentGeneration(group, newMemberId, false), leader: previousLeader ?? '' };
      completeJoin(ctx, group, member, result);
      return parked;
    }
    case 'CompletingRebalance':
      // The leader may already have an assignment naming the old member id: rebalance again.
      prepareRebalance(shard, ctx, group, `static member ${newMemberId} rejoined during a rebalance`);
      return parked;
    default:
      maybeCompleteJoinPhase(shard, ctx, group);
      return parked;
  }
}

function completeJoin(ctx: Ctx, group: ClassicGroup, member: Member, result: JoinResult): boolean {
  const parked = member.awaitingJoin;
  if (!parked) return false;
  group.setAwaitingJoin(member, null);
  ctx.complete(parked, result);
  return true;
}

function prepareRebalanceOrCompleteJoin(
  shard: GroupShard,
  ctx: Ctx,
  group: ClassicGroup,
  reason: string,
): void {
  if (group.canRebalance()) prepareRebalance(shard, ctx, group, reason);
  else maybeCompleteJoinPhase(shard, ctx, group);
}

/** Completes the join phase if every member has rejoined (not during the initial delay). */
function maybeCompleteJoinPhase(shard: GroupShard, ctx: Ctx, group: ClassicGroup): void {
  if (!group.is('PreparingRebalance')) return;
  if (group.previousState === 'Empty') return;
  if (!group.hasAllMembersJoined()) return;
  completeJoinPhase(shard, ctx, group);
}

export function prepareRebalance(shard: GroupShard, ctx: Ctx, group: ClassicGroup, reason: string): void {
  // Members waiting for their assignment must rejoin instead.
  if (group.is('CompletingRebalance')) propagateAssignment(ctx, group, ErrorCode.REBALANCE_IN_PROGRESS);
  group.pendingSyncMembers.clear();
  ctx.cancel(syncKey(group.groupId));
  const initial = group.is('Empty');
  if (initial) {
    // A new group waits group.initial.rebalance.delay.ms (extended while members keep coming, up to the
    // rebalance timeout) so that members starting together land in one generation.
    const delayMs = shard.settings.groupInitialRebalanceDelayMs;
    const remainingMs = Math.max(group.rebalanceTimeoutMs() - delayMs, 0);
    scheduleInitialRebalance(ctx, group.groupId, delayMs, remainingMs);
  }
  group.transitionTo('PreparingRebalance', ctx.now);
  shard.deps.log.debug('preparing to rebalance', {
    group: group.groupId,
    generation: group.generationId,
    reason,
  });
  if (initial) return;
  if (group.hasAllMembersJoined()) completeJoinPhase(shard, ctx, group);
  else scheduleJoinTimeout(ctx, group);
}

function scheduleJoinTimeout(ctx: Ctx, group: ClassicGroup): void {
  const groupId = group.groupId;
  ctx.schedule(joinKey(groupId), group.rebalanceTimeoutMs(), (s, c) => {
    const g = s.groups.get(groupId);
    if (g) completeJoinPhase(s, c, g);
  });
}

function scheduleInitialRebalance(ctx: Ctx, groupId: string, delayMs: number, remainingMs: number): void {
  ctx.schedule(joinKey(groupId), delayMs, (s, c) => {
    const g = s.groups.get(groupId);
    if (!g) return;
    if (g.newMemberAdded && remainingMs !== 0) {
      g.newMemberAdded = false;
      const nextDelayMs = Math.min(s.settings.groupInitialRebalanceDelayMs, remainingMs);
      scheduleInitialRebalance(c, groupId, nextDelayMs, Math.max(remainingMs - delayMs, 0));
    } else {
      completeJoinPhase(s, c, g);
    }
  });
}

/**
 * Ends the join phase: dynamic members that did not rejoin are dropped, the next generation starts and
 * every waiting member gets its JoinGroup answer (the leader with the member list). A group left with
 * no member becomes Empty, by a record.
 */
function completeJoinPhase(shard: GroupShard, ctx: Ctx, group: ClassicGroup): void {
  ctx.cancel(joinKey(group.groupId));
  if (!group.is('PreparingRebalance')) return;
  for (const m of [...group.members.values()]) {
    if (!m.awaitingJoin && m.groupInstanceId === null) dropMember(ctx, group, m);
  }
  if (!group.electJoinedLeader() && group.members.size > 0) {
    // Nobody rejoined: wait another rebalance timeout, until sessions expire.
    scheduleJoinTimeout(ctx, group);
    return;
  }
  if (group.members.size === 0) {
    ctx.append([
      groupMetadataRecord(group.groupId, {
        protocolType: group.protocolType ?? '',
        generation: group.generationId + 1,
        protocol: null,
        leader: null,
        currentStateTimestamp: ctx.now,
        members: [],
      }),
    ]);
    return;
  }
  group.generationId++;
  group.protocolName = group.selectProtocol();
  group.subscribedTopics = group.computeSubscribedTopics();
  group.transitionTo('CompletingRebalance', ctx.now);
  group.pendingSyncMembers.clear();
  shard.deps.log.info('group rebalanced', {
    group: group.groupId,
    generation: group.generationId,
    members: group.members.size,
  });
  for (const member of group.members.values()) {
    const isLeader = group.isLeader(member.memberId);
    completeJoin(ctx, group, member, currentGeneration(group, member.memberId, isLeader));
    scheduleHeartbeat(ctx, group, member);
    member.isNew = false;
    group.pendingSyncMembers.add(member.memberId);
  }
  const generation = group.generationId;
  const groupId = group.groupId;
  ctx.schedule(syncKey(groupId), group.rebalanceTimeoutMs(), (s, c) =>
    expirePendingSync(s, c, groupId, generation),
  );
}

/** Members that never sent their SyncGroup within the rebalance timeout are dropped. */
function expirePendingSync(shard: GroupShard, ctx: Ctx, groupId: string, generation: number): void {
  const group = shard.groups.get(groupId);
  if (!group || group.generationId !== generation) return;
  if (!group.is('CompletingRebalance') && !group.is('Stable')) return;
  if (group.pendingSyncMembers.size === 0) return;
  const late = [...group.pendingSyncMembers];
  for (const id of late) {
    const member = group.members.get(id);
    if (member) dropMember(ctx, group, member);
    else group.remove(id);
  }
  prepareRebalance(shard, ctx, group, `members ${late.join(', ')} did not sync in time`);
}

// --- SyncGroup -------------------------------------------------------------------------------------

export function syncGroup(shard: GroupShard, ctx: Ctx, req: SyncRequest): SyncResult | Parked<SyncResult> {
  const group = shard.groups.get(req.groupId);
  if (!group || group.is('Empty')) return syncError(ErrorCode.UNKNOWN_MEMBER_ID);
  if (group.is('Dead')) return syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const error = memberError(group, req.memberId, req.groupInstanceId);
  if (error !== null) return syncError(error);
  if (req.generationId !== group.generationId) return syncError(ErrorCode.ILLEGAL_GENERATION);
  if (
    inconsistent(req.protocolType, group.protocolType) ||
    inconsistent(req.protocolName, group.protocolName)
  ) {
    return syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  }
  const member = group.members.get(req.memberId) as Member;
  switch (group.state) {
    case 'PreparingRebalance':
      return syncError(ErrorCode.REBALANCE_IN_PROGRESS);
    case 'Stable':
      removePendingSync(ctx, group, req.memberId);
      return {
        errorCode: ErrorCode.NONE,
        protocolType: group.protocolType,
        protocolName: group.protocolName,
        assignment: member.assignment,
      };
    default:
      return syncDuringCompletingRebalance(ctx, group, member, req);
  }
}

function inconsistent(requested: string | null, actual: string | null): boolean {
  return requested !== null && actual !== null && requested !== actual;
}

function syncDuringCompletingRebalance(
  ctx: Ctx,
  group: ClassicGroup,
  member: Member,
  req: SyncRequest,
): SyncResult | Parked<SyncResult> {
  const parked = ctx.park<SyncResult>();
  if (!parked) return syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  if (member.awaitingSync) ctx.complete(member.awaitingSync, syncError(ErrorCode.REBALANCE_IN_PROGRESS));
  member.awaitingSync = parked;
  removePendingSync(ctx, group, member.memberId);
  if (!group.isLeader(member.memberId)) return parked;
  // The leader's assignment: stored by a record (whose replay makes the group Stable), then handed out.
  const assignments = new Map<string, Buffer>();
  for (const a of req.assignments) assignments.set(a.memberId, a.assignment);
  const value = groupMetadataValue(group, ctx.now, (id) => assignments.get(id) ?? EMPTY_BYTES);
  ctx.append([groupMetadataRecord(group.groupId, value)]);
  propagateAssignment(ctx, group, ErrorCode.NONE);
  return parked;
}

function removePendingSync(ctx: Ctx, group: ClassicGroup, memberId: string): void {
  group.pendingSyncMembers.delete(memberId);
  if (group.pendingSyncMembers.size === 0 || !(group.is('CompletingRebalance') || group.is('Stable'))) {
    ctx.cancel(syncKey(group.groupId));
  }
}

/** Answers every waiting SyncGroup: with its assignment, or (error) with an empty one. */
function propagateAssignment(ctx: Ctx, group: ClassicGroup, errorCode: number): void {
  for (const member of group.members.values()) {
    if (errorCode !== ErrorCode.NONE) member.assignment = EMPTY_BYTES;
    const parked = member.awaitingSync;
    if (!parked) continue;
    member.awaitingSync = null;
    ctx.complete(parked, {
      errorCode,
      protocolType: errorCode === ErrorCode.NONE ? group.protocolType : null,
      protocolName: errorCode === ErrorCode.NONE ? group.protocolName : null,
      assignment: member.assignment,
    });
    // Its session restarts once it has its answer.
    scheduleHeartbeat(ctx, group, member);
  }
}

/** The group as a GroupMetadataValue record (Kafka's v3 fields). */
export function groupMetadataValue(
  group: ClassicGroup,
  now: number,
  assignmentOf: (memberId: string) => Buffer = (id) => group.members.get(id)?.assignment ?? EMPTY_BYTES,
) {
  return {
    protocolType: group.protocolType ?? '',
    generation: group.generationId,
    protocol: group.protocolName,
    leader: group.leaderId,
    currentStateTimestamp: group.currentStateTimestamp ?? now,
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeout: m.rebalanceTimeoutMs,
      sessionTimeout: m.sessionTimeoutMs,
      subscription: m.metadata(group.protocolName),
      assignment: assignmentOf(m.memberId),
    })),
  };
}

// --- Heartbeat and sessions ------------------------------------------------------------------------

export function heartbeat(shard: GroupShard, ctx: Ctx, req: HeartbeatRequest): number {
  const group = shard.groups.get(req.groupId);
  if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
  if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  const error = memberError(group, req.memberId, req.groupInstanceId);
  if (error !== null) return error;
  if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  const member = group.members.get(req.memberId) as Member;
  switch (group.state) {
    case 'Empty':
      return ErrorCode.UNKNOWN_MEMBER_ID;
    case 'PreparingRebalance':
      scheduleHeartbeat(ctx, group, member);
      return ErrorCode.REBALANCE_IN_PROGRESS;
    default:
      // Heartbeats may start after the JoinGroup answer, while the group completes its rebalance.
      scheduleHeartbeat(ctx, group, member);
      return ErrorCode.NONE;
  }
}

/** (Re)starts a member's session timer. */
export function scheduleHeartbeat(
  ctx: Ctx,
  group: ClassicGroup,
  member: Member,
  timeoutMs = member.sessionTimeoutMs,
): void {
  const { groupId } = group;
  const { memberId } = member;
  ctx.schedule(heartbeatKey(groupId, memberId), timeoutMs, (s, c) =>
    expireHeartbeat(s, c, groupId, memberId),
  );
}

function expireHeartbeat(shard: GroupShard, ctx: Ctx, groupId: string, memberId: string): void {
  const group = shard.groups.get(groupId);
  if (!group || group.is('Dead')) return;
  if (group.pendingJoinMembers.has(memberId)) {
    group.remove(memberId);
    if (group.is('PreparingRebalance') && group.hasAllMembersJoined()) completeJoinPhase(shard, ctx, group);
    return;
  }
  const member = group.members.get(memberId);
  if (!member || member.hasSatisfiedHeartbeat()) return;
  shard.deps.log.info('member session expired', { group: groupId, member: memberId });
  removeMember(shard, ctx, group, member, `session of ${memberId} expired`);
}

function removeMember(
  shard: GroupShard,
  ctx: Ctx,
  group: ClassicGroup,
  member: Member,
  reason: string,
): void {
  dropMember(ctx, group, member);
  if (group.is('Stable') || group.is('CompletingRebalance')) {
    prepareRebalanceOrCompleteJoin(shard, ctx, group, reason);
  } else if (group.is('PreparingRebalance') && group.hasAllMembersJoined()) {
    completeJoinPhase(shard, ctx, group);
  }
}

// --- LeaveGroup ------------------------------------------------------------------------------------

export function leaveGroup(
  shard: GroupShard,
  ctx: Ctx,
  groupId: string,
  members: LeaveMember[],
): LeaveResult {
  const group = shard.groups.get(groupId);
  if (!group) {
    return {
      errorCode: ErrorCode.NONE,
      members: members.map((m) => ({ ...m, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })),
    };
  }
  if (group.is('Dead')) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
  const results = members.map((m) => ({ ...m, errorCode: leaveOne(ctx, group, m) }));
  if (results.some((r) => r.errorCode === ErrorCode.NONE)) {
    if (group.is('Stable') || group.is('CompletingRebalance')) {
      prepareRebalanceOrCompleteJoin(shard, ctx, group, 'members left');
    } else if (group.is('PreparingRebalance')) {
      maybeCompleteJoinPhase(shard, ctx, group);
    }
  }
  return { errorCode: ErrorCode.NONE, members: results };
}

function leaveOne(ctx: Ctx, group: ClassicGroup, m: LeaveMember): number {
  let memberId = m.memberId;
  if (memberId === '') {
    // An admin may remove a static member by its instance id alone.
    const id = m.groupInstanceId === null ? undefined : group.staticMembers.get(m.groupInstanceId);
    if (id === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    memberId = id;
  } else if (group.pendingJoinMembers.has(memberId)) {
    group.remove(memberId);
    ctx.cancel(heartbeatKey(group.groupId, memberId));
    return ErrorCode.NONE;
  } else {
    const error = memberError(group, memberId, m.groupInstanceId);
    if (error !== null) return error;
  }
  dropMember(ctx, group, group.members.get(memberId) as Member);
  return ErrorCode.NONE;
}

/**
 * Removes a member. Whatever it still waits for is answered: a JoinGroup (a new member timing out
 * while it waits) with UNKNOWN_MEMBER_ID so that it joins again, and — unlike Kafka, which leaves it
 * unanswered — a SyncGroup too, since a parked answer would hold up its connection's later answers.
 */
function dropMember(ctx: Ctx, group: ClassicGroup, member: Member): void {
  ctx.cancel(heartbeatKey(group.groupId, member.memberId));
  completeJoin(ctx, group, member, joinError(ErrorCode.UNKNOWN_MEMBER_ID, ''));
  if (member.awaitingSync) {
    ctx.complete(member.awaitingSync, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    member.awaitingSync = null;
  }
  group.remove(member.memberId);
}
