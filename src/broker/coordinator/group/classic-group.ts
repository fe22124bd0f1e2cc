// A classic consumer group: its state (Kafka's Empty, PreparingRebalance, CompletingRebalance, Stable,
// Dead), generation, chosen protocol, leader and members, with the bookkeeping of a rebalance in
// progress (who has rejoined, who still owes a SyncGroup, the responses waiting). The transitions are
// driven by membership.ts; this file only keeps the structure consistent.
import type { Parked } from '../runtime.js';
import { CONSUMER_PROTOCOL_TYPE, subscribedTopics } from './consumer-protocol.js';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

const VALID_PREVIOUS: Record<GroupState, readonly GroupState[]> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

export const EMPTY_BYTES = Buffer.alloc(0);

export interface Protocol {
  name: string;
  metadata: Buffer;
}

export interface JoinMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Buffer;
}

/** A JoinGroup answer, whatever the request version (the handler fits it to the version). */
export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  members: JoinMember[];
}

export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export class Member {
  assignment: Buffer = EMPTY_BYTES;
  awaitingJoin: Parked<JoinResult> | null = null;
  awaitingSync: Parked<SyncResult> | null = null;
  /** Joined in this rebalance and not yet through it: its session may expire while it waits. */
  isNew = false;

  constructor(
    readonly memberId: string,
    readonly groupInstanceId: string | null,
    readonly clientId: string,
    readonly clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    readonly protocolType: string,
    public protocols: Protocol[],
  ) {}

  metadata(protocolName: string | null): Buffer {
    return this.protocols.find((p) => p.name === protocolName)?.metadata ?? EMPTY_BYTES;
  }

  /** Same protocols, in the same order, with the same metadata. */
  matches(protocols: readonly Protocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    return protocols.every(
      (p, i) => p.name === this.protocols[i].name && p.metadata.equals(this.protocols[i].metadata),
    );
  }

  /** The member's preferred protocol among `candidates`. */
  vote(candidates: ReadonlySet<string>): string | null {
    return this.protocols.find((p) => candidates.has(p.name))?.name ?? null;
  }

  /** Whether an expired session timer may be ignored: members waiting in a rebalance are alive. */
  hasSatisfiedHeartbeat(): boolean {
    if (this.isNew) return false;
    return this.awaitingJoin !== null || this.awaitingSync !== null;
  }
}

export class ClassicGroup {
  state: GroupState;
  previousState: GroupState = 'Dead';
  currentStateTimestamp: number | null;
  protocolType: string | null = null;
  protocolName: string | null = null;
  generationId = 0;
  leaderId: string | null = null;
  readonly members = new Map<string, Member>();
  /** group.instance.id → member id */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, not yet joined with. */
  readonly pendingJoinMembers = new Set<string>();
  /** Members of the current generation that have not sent their SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>();
  /** Protocol name → how many members support it. */
  private readonly protocolVotes = new Map<string, number>();
  private awaitingJoinCount = 0;
  /** Topics the members subscribe to, when the coordinator can tell (consumer protocol). */
  subscribedTopics: Set<string> | null = null;
  /** A member joined during the initial rebalance delay: the delay may be extended. */
  newMemberAdded = false;

  constructor(
    readonly groupId: string,
    state: GroupState,
    currentStateTimestamp: number | null,
  ) {
    this.state = state;
    this.currentStateTimestamp = currentStateTimestamp;
  }

  is(state: GroupState): boolean {
    return this.state === state;
  }

  transitionTo(state: GroupState, now: number): void {
    if (!VALID_PREVIOUS[state].includes(this.state)) {
      throw new Error(`group ${this.groupId}: invalid transition ${this.state} -> ${state}`);
    }
    this.previousState = this.state;
    this.state = state;
    this.currentStateTimestamp = now;
  }

  /** Sets the state directly (rebuilding a group from a record). */
  resetState(state: GroupState, timestamp: number | null): void {
    this.previousState = this.state;
    this.state = state;
    this.currentStateTimestamp = timestamp;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  get awaitingJoinMembers(): number {
    return this.awaitingJoinCount;
  }

  add(member: Member, awaitingJoin: Parked<JoinResult> | null): void {
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    if (this.members.size === 0) this.protocolType = member.protocolType;
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    this.countVotes(member, 1);
    this.setAwaitingJoin(member, awaitingJoin);
    this.pendingJoinMembers.delete(member.memberId);
  }

  remove(memberId: string): void {
    const member = this.members.get(memberId);
    if (member) {
      this.members.delete(memberId);
      this.countVotes(member, -1);
      if (member.awaitingJoin) this.awaitingJoinCount--;
      if (member.groupInstanceId !== null) this.staticMembers.delete(member.groupInstanceId);
    }
    if (this.isLeader(memberId)) {
      const next = this.members.keys().next();
      this.leaderId = next.done ? null : next.value;
    }
    this.pendingJoinMembers.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
  }

  setAwaitingJoin(member: Member, parked: Parked<JoinResult> | null): void {
    if (member.awaitingJoin === null && parked !== null) this.awaitingJoinCount++;
    else if (member.awaitingJoin !== null && parked === null) this.awaitingJoinCount--;
    member.awaitingJoin = parked;
  }

  updateMember(
    member: Member,
    protocols: Protocol[],
    rebalanceTimeoutMs: number,
    sessionTimeoutMs: number,
  ): void {
    this.countVotes(member, -1);
    member.protocols = protocols;
    this.countVotes(member, 1);
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
  }

  /** Gives the member id of a static member to a new member id; returns the new member. */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): Member {
    const old = this.members.get(oldMemberId) as Member;
    this.members.delete(oldMemberId);
    if (old.awaitingJoin) this.awaitingJoinCount--;
    const replacement = new Member(
      newMemberId,
      old.groupInstanceId,
      old.clientId,
      old.clientHost,
      old.rebalanceTimeoutMs,
      old.sessionTimeoutMs,
      old.protocolType,
      old.protocols,
    );
    replacement.assignment = old.assignment;
    this.members.set(newMemberId, replacement);
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId;
    this.staticMembers.set(groupInstanceId, newMemberId);
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    return replacement;
  }

  /** If the leader did not rejoin, makes a member that did the leader. False when nobody rejoined. */
  electJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    const leader = this.members.get(this.leaderId);
    if (leader?.awaitingJoin) return true;
    for (const m of this.members.values()) {
      if (m.awaitingJoin) {
        this.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  hasAllMembersJoined(): boolean {
    return this.members.size === this.awaitingJoinCount && this.pendingJoinMembers.size === 0;
  }

  /** The longest rebalance timeout of the members: how long a rebalance may take. */
  rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  /** Whether a member with these protocols could join (any protocol if the group is Empty). */
  supportsProtocols(protocolType: string, protocols: readonly Protocol[]): boolean {
    if (this.is('Empty')) return protocolType !== '' && protocols.length > 0;
    if (this.protocolType !== protocolType) return false;
    return protocols.some((p) => (this.protocolVotes.get(p.name) ?? 0) === this.members.size);
  }

  /** The protocol every member supports that most members prefer. */
  selectProtocol(): string | null {
    const candidates = new Set<string>();
    for (const [name, count] of this.protocolVotes) if (count === this.members.size) candidates.add(name);
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.vote(candidates);
      if (choice !== null) votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best: string | null = null;
    let bestVotes = 0;
    for (const [name, count] of votes) {
      if (count > bestVotes) {
        best = name;
        bestVotes = count;
      }
    }
    return best;
  }

  canRebalance(): boolean {
    return VALID_PREVIOUS.PreparingRebalance.includes(this.state);
  }

  usesConsumerProtocol(): boolean {
    return this.protocolType === CONSUMER_PROTOCOL_TYPE;
  }

  /** The member list a leader receives in its JoinGroup answer. */
  joinMembers(): JoinMember[] {
    return [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: m.metadata(this.protocolName),
    }));
  }

  computeSubscribedTopics(): Set<string> | null {
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE) return null;
    if (this.members.size === 0) return new Set();
    if (this.protocolName === null) return null;
    const all = new Set<string>();
    for (const m of this.members.values()) {
      const topics = subscribedTopics(m.metadata(this.protocolName));
      if (topics === null) return null;
      for (const t of topics) all.add(t);
    }
    return all;
  }

  isSubscribedToTopic(topic: string): boolean {
    return this.subscribedTopics ? this.subscribedTopics.has(topic) : this.usesConsumerProtocol();
  }

  private countVotes(member: Member, delta: number): void {
    for (const p of member.protocols)
      this.protocolVotes.set(p.name, (this.protocolVotes.get(p.name) ?? 0) + delta);
  }
}
