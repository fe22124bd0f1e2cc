// Membership of a classic consumer group: find the coordinator, JoinGroup (answering
// MEMBER_ID_REQUIRED), run the assignor when elected leader, SyncGroup, heartbeat in the
// background, rejoin when the coordinator says the group is rebalancing, LeaveGroup on close.
// The consumer supplies the subscription and reacts to assignment changes (eager assignors
// revoke everything before a join; cooperative ones keep what they own and revoke only what the
// new assignment takes away, then rejoin so it can move).
import type {
  HeartbeatResponse,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupResponse,
  SyncGroupResponse,
} from '../protocol/index.js';
import {
  type Assignor,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  type MemberSubscription,
} from './assignors.js';
import { type Cluster, sleep } from './cluster.js';
import type { ResolvedConsumer } from './config.js';
import { clientError, KafkaError, kafkaError } from './errors.js';
import { type GroupIdentity, type TopicPartition, tpKey } from './requests.js';
import { API } from './versions.js';

export interface GroupHost {
  /** Topics this member subscribes to now (a pattern is matched against the metadata first). */
  subscribedTopics(): Promise<string[]>;
  /** Called before a join by eager members (everything), and for partitions a new assignment takes away. */
  revoke(partitions: TopicPartition[]): Promise<void>;
  /** Called with the partitions a new assignment adds. */
  assign(partitions: TopicPartition[]): Promise<void>;
  /** Partitions lost without a chance to commit (the member was fenced or its session expired). */
  lose(partitions: TopicPartition[]): Promise<void>;
  /** Milliseconds since the application last asked for records. */
  pollIdleMs(): number;
}

const COORDINATOR_ERRORS = new Set([14, 15, 16]);

export class GroupMember {
  memberId = '';
  generationId = -1;
  protocolName: string | null = null;
  leaderId = '';
  owned: TopicPartition[] = [];
  private joining: Promise<void> | null = null;
  private rejoinNeeded = true;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private lastHeartbeatOkMs = Date.now();
  /** The topics and partition counts the last assignment was made for (the leader watches them). */
  private assignedFor = '';
  lastError: KafkaError | null = null;

  constructor(
    private readonly cluster: Cluster,
    private readonly config: ResolvedConsumer,
    private readonly assignors: readonly Assignor[],
    private readonly host: GroupHost,
  ) {}

  get groupId(): string {
    return this.config.groupId;
  }

  get identity(): GroupIdentity {
    return {
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: this.config.groupInstanceId || null,
    };
  }

  get isLeader(): boolean {
    return this.memberId !== '' && this.memberId === this.leaderId;
  }

  get needsRejoin(): boolean {
    return this.rejoinNeeded;
  }

  requestRejoin(reason: string): void {
    if (this.closed) return;
    this.config.logger?.debug?.('rejoining the group', { groupId: this.groupId, reason });
    this.rejoinNeeded = true;
    this.ensureActive().catch(() => {});
  }

  /** Joins (or rejoins) when needed; concurrent callers share the same join. */
  ensureActive(): Promise<void> {
    if (!this.rejoinNeeded || this.closed) return Promise.resolve();
    if (!this.joining) {
      this.joining = this.joinLoop().finally(() => {
        this.joining = null;
      });
    }
    return this.joining;
  }

  private get cooperative(): boolean {
    return this.assignors.every((a) => a.protocol === 'cooperative');
  }

  private async joinLoop(): Promise<void> {
    this.stopHeartbeats();
    let attempt = 0;
    while (this.rejoinNeeded && !this.closed) {
      try {
        if (!this.cooperative && this.owned.length > 0) {
          const all = this.owned;
          this.owned = [];
          await this.host.revoke(all);
        }
        this.rejoinNeeded = false;
        const assignment = await this.joinAndSync();
        await this.applyAssignment(assignment);
        this.lastError = null;
        attempt = 0;
      } catch (e) {
        this.rejoinNeeded = true;
        const err =
          e instanceof KafkaError ? e : clientError('ILLEGAL_STATE', String(e), { groupId: this.groupId });
        this.lastError = err;
        if (this.closed) return;
        if (!err.retriable && !isRejoinError(err.errorCode)) throw err;
        await sleep(this.cluster.backoffMs(attempt++));
      }
    }
    if (!this.closed) this.startHeartbeats();
  }

  private async applyAssignment(assignment: TopicPartition[]): Promise<void> {
    const now = new Set(assignment.map((tp) => tpKey(tp.topic, tp.partition)));
    const before = new Set(this.owned.map((tp) => tpKey(tp.topic, tp.partition)));
    const revoked = this.owned.filter((tp) => !now.has(tpKey(tp.topic, tp.partition)));
    const added = assignment.filter((tp) => !before.has(tpKey(tp.topic, tp.partition)));
    this.owned = assignment;
    if (revoked.length > 0) {
      await this.host.revoke(revoked);
      // Cooperative: the revoked partitions go to their new owner in a follow-up rebalance.
      this.rejoinNeeded = true;
    }
    if (added.length > 0) await this.host.assign(added);
  }

  private async sendToCoordinator<T>(
    _api: string,
    apiKey: number,
    build: (v: number) => unknown,
    timeoutMs?: number,
  ): Promise<T> {
    const node = await this.cluster.coordinator(this.groupId);
    try {
      return await this.cluster.sendTo<T>(node, apiKey, build, timeoutMs ? { timeoutMs } : {});
    } catch (e) {
      this.cluster.forgetCoordinator(this.groupId);
      throw e;
    }
  }

  private checkError(code: number, api: string, message?: string | null): void {
    if (code === 0) return;
    if (COORDINATOR_ERRORS.has(code)) this.cluster.forgetCoordinator(this.groupId);
    if (code === 25 || code === 82) this.memberId = '';
    if (code === 25 || code === 22) this.generationId = -1;
    throw kafkaError(code, { groupId: this.groupId, api }, message);
  }

  private async joinAndSync(): Promise<TopicPartition[]> {
    const topics = await this.host.subscribedTopics();
    const owned = this.cooperative ? this.owned : [];
    const protocols = this.assignors.map((a) => ({
      name: a.name,
      metadata: encodeSubscription({
        topics,
        userData: a.userData?.() ?? null,
        ownedPartitions: owned,
        generationId: this.generationId,
        rackId: this.config.clientRack || null,
      }),
    }));
    let join: JoinGroupResponse;
    for (;;) {
      const request: JoinGroupRequest = {
        groupId: this.groupId,
        sessionTimeoutMs: this.config.sessionTimeoutMs,
        rebalanceTimeoutMs: this.config.maxPollIntervalMs,
        memberId: this.memberId,
        groupInstanceId: this.config.groupInstanceId || null,
        protocolType: 'consumer',
        protocols,
        reason: null,
      };
      join = await this.sendToCoordinator<JoinGroupResponse>(
        'JoinGroup',
        API.JoinGroup,
        () => request,
        this.config.maxPollIntervalMs + 5000,
      );
      if (join.errorCode === 79) {
        // MEMBER_ID_REQUIRED: the coordinator gave us an id to join with.
        this.memberId = join.memberId;
        continue;
      }
      this.checkError(join.errorCode, 'JoinGroup');
      break;
    }
    this.memberId = join.memberId;
    this.generationId = join.generationId;
    this.protocolName = join.protocolName;
    this.leaderId = join.leader;
    let assignments: { memberId: string; assignment: Buffer }[] = [];
    if (this.isLeader && !join.skipAssignment) assignments = await this.assign(join);
    const sync = await this.sendToCoordinator<SyncGroupResponse>('SyncGroup', API.SyncGroup, () => ({
      groupId: this.groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: this.config.groupInstanceId || null,
      protocolType: 'consumer',
      protocolName: this.protocolName,
      assignments,
    }));
    this.checkError(sync.errorCode, 'SyncGroup');
    this.lastHeartbeatOkMs = Date.now();
    return decodeAssignment(sync.assignment);
  }

  private async assign(join: JoinGroupResponse): Promise<{ memberId: string; assignment: Buffer }[]> {
    const assignor = this.assignors.find((a) => a.name === join.protocolName);
    if (!assignor) {
      throw clientError(
        'ILLEGAL_STATE',
        `the coordinator chose assignor ${join.protocolName}, which this member does not have`,
        { groupId: this.groupId },
      );
    }
    const members: MemberSubscription[] = join.members.map((m) =>
      decodeSubscription(m.memberId, m.groupInstanceId ?? null, m.metadata),
    );
    const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
    await this.cluster.refreshMetadata(topics, { autoCreate: false }).catch(() => {});
    const counts = new Map<string, number>();
    for (const t of topics) {
      const n = this.cluster.partitionCount(t);
      if (n > 0) counts.set(t, n);
    }
    this.assignedFor = describeCounts(counts);
    const result = assignor.assign(members, counts);
    return members.map((m) => ({
      memberId: m.memberId,
      assignment: encodeAssignment(result.get(m.memberId) ?? []),
    }));
  }

  /** The leader rejoins when the partitions of subscribed topics changed since it assigned them. */
  checkMetadataChange(topics: readonly string[]): void {
    if (!this.isLeader || this.rejoinNeeded || this.assignedFor === '') return;
    const counts = new Map<string, number>();
    for (const t of [...topics].sort()) {
      const n = this.cluster.partitionCount(t);
      if (n > 0) counts.set(t, n);
    }
    const now = describeCounts(counts);
    // Only topics this member follows are compared: others' topics are checked by the members' own rejoin.
    const mine = this.assignedFor
      .split(',')
      .filter((e) => topics.includes(e.split(':')[0]))
      .join(',');
    if (now !== mine) this.requestRejoin('partitions of subscribed topics changed');
  }

  private startHeartbeats(): void {
    this.stopHeartbeats();
    const beat = async () => {
      this.heartbeatTimer = null;
      if (this.closed || this.rejoinNeeded) return;
      if (this.host.pollIdleMs() > this.config.maxPollIntervalMs) {
        await this.leaveForSlowPolls();
        return;
      }
      try {
        const res = await this.sendToCoordinator<HeartbeatResponse>('Heartbeat', API.Heartbeat, () => ({
          groupId: this.groupId,
          generationId: this.generationId,
          memberId: this.memberId,
          groupInstanceId: this.config.groupInstanceId || null,
        }));
        if (res.errorCode === 0) this.lastHeartbeatOkMs = Date.now();
        else this.onHeartbeatError(res.errorCode);
      } catch (e) {
        const err = e as KafkaError;
        if (Date.now() - this.lastHeartbeatOkMs > this.config.sessionTimeoutMs) {
          this.config.logger?.warn?.('heartbeats failing past the session timeout', {
            groupId: this.groupId,
            error: err.message,
          });
          await this.loseAll();
        }
      }
      if (!this.closed && !this.rejoinNeeded && !this.heartbeatTimer) {
        this.heartbeatTimer = setTimeout(beat, this.config.heartbeatIntervalMs);
      }
    };
    this.heartbeatTimer = setTimeout(beat, this.config.heartbeatIntervalMs);
  }

  private async onHeartbeatError(code: number): Promise<void> {
    if (code === 27) {
      this.requestRejoin('the group is rebalancing');
      return;
    }
    if (COORDINATOR_ERRORS.has(code)) {
      this.cluster.forgetCoordinator(this.groupId);
      return;
    }
    if (code === 25 || code === 22 || code === 82) {
      if (code === 25 || code === 82) this.memberId = '';
      this.generationId = -1;
      await this.loseAll();
      return;
    }
    this.lastError = kafkaError(code, { groupId: this.groupId, api: 'Heartbeat' });
  }

  private async loseAll(): Promise<void> {
    const lost = this.owned;
    this.owned = [];
    if (lost.length > 0) await this.host.lose(lost);
    this.requestRejoin('the member lost its membership');
  }

  private stopHeartbeats(): void {
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  /**
   * The application has not asked for records within max.poll.interval.ms: leave the group so the
   * others get its partitions (as the Java consumer does); the next poll joins again.
   */
  private async leaveForSlowPolls(): Promise<void> {
    this.config.logger?.warn?.('no poll within max.poll.interval.ms: leaving the group', {
      groupId: this.groupId,
    });
    const memberId = this.memberId;
    const lost = this.owned;
    this.owned = [];
    this.rejoinNeeded = true;
    if (memberId !== '' && !this.config.groupInstanceId) {
      await this.sendToCoordinator<LeaveGroupResponse>('LeaveGroup', API.LeaveGroup, (v) =>
        v >= 3
          ? {
              groupId: this.groupId,
              members: [{ memberId, groupInstanceId: null, reason: 'poll interval exceeded' }],
            }
          : { groupId: this.groupId, memberId },
      ).catch(() => {});
      this.memberId = '';
    }
    this.generationId = -1;
    if (lost.length > 0) await this.host.lose(lost);
  }

  /** Leaves the group (after the caller committed what it wanted to). */
  async leave(): Promise<void> {
    this.closed = true;
    this.stopHeartbeats();
    if (this.joining) await this.joining.catch(() => {});
    if (this.memberId === '' || this.config.groupInstanceId) return;
    const memberId = this.memberId;
    await this.sendToCoordinator<LeaveGroupResponse>(
      'LeaveGroup',
      API.LeaveGroup,
      (v) =>
        v >= 3
          ? {
              groupId: this.groupId,
              members: [{ memberId, groupInstanceId: null, reason: 'the consumer is closing' }],
            }
          : { groupId: this.groupId, memberId },
      5000,
    ).catch(() => {});
    this.memberId = '';
    this.generationId = -1;
  }

  stop(): void {
    this.closed = true;
    this.stopHeartbeats();
  }
}

function isRejoinError(code: number): boolean {
  return code === 27 || code === 25 || code === 22 || code === 79 || code === 82;
}

function describeCounts(counts: ReadonlyMap<string, number>): string {
  return [...counts]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([t, n]) => `${t}:${n}`)
    .join(',');
}
