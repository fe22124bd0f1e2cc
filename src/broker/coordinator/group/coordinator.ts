// The group coordinator as the handlers see it: routes each request to the shard of its group's
// `__consumer_offsets` partition, validates what Kafka validates before the shard (group id, session
// timeout), and turns shard failures (not the coordinator, loading, a failed write) into each API's
// error answer.
import type { MetadataImage } from '../../../metadata/image.js';
import { ErrorCode } from '../../../protocol/errors.js';
import type { Logger } from '../../logger.js';
import {
  CoordinatorFailure,
  CoordinatorRuntime,
  type CoordinatorWriter,
  type Operation,
  type Scheduler,
  type TxnMarker,
} from '../runtime.js';
import {
  type DescribedGroup,
  deleteGroups,
  describedGroupError,
  describeGroup,
  type ListedGroup,
  listGroups,
} from './admin-ops.js';
import type { JoinResult, SyncResult } from './classic-group.js';
import {
  type HeartbeatRequest,
  heartbeat,
  type JoinRequest,
  joinError,
  joinGroup,
  type LeaveMember,
  type LeaveResult,
  leaveGroup,
  type SyncRequest,
  syncError,
  syncGroup,
} from './membership.js';
import {
  allPartitions,
  type CommitRequest,
  commitOffsets,
  deleteOffsets,
  type FetchedGroup,
  fetchOffsets,
  type TopicErrors,
} from './offset-ops.js';
import { offsetCommitTombstone } from './records.js';
import {
  DEFAULT_GROUP_COORDINATOR_SETTINGS,
  type GroupCoordinatorSettings,
  groupPartition,
  OFFSETS_TOPIC,
} from './settings.js';
import { GroupShard } from './shard.js';
import {
  commitTxnOffsets,
  markUnstable,
  type TxnCommitRequest,
  txnErrors,
  writeTxnMarker,
} from './txn-offsets.js';

export interface GroupCoordinatorDeps {
  settings?: Partial<GroupCoordinatorSettings>;
  scheduler: Scheduler;
  /** The log of one `__consumer_offsets` partition. */
  logFor(partition: number): CoordinatorWriter;
  randomUuid(): string;
  log: Logger;
}

/** What FindCoordinator creates when `__consumer_offsets` does not exist yet. */
export interface OffsetsTopicSpec {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments: [];
  configs: { name: string; value: string }[];
}

export class GroupCoordinator {
  readonly settings: GroupCoordinatorSettings;
  readonly runtime: CoordinatorRuntime<GroupShard>;
  private readonly log: Logger;
  /** The partition count of the topic once it exists (it may differ from the setting). */
  private partitionCount: number;
  /** The leader of each `__consumer_offsets` partition (none while the topic does not exist). */
  private readonly leaders = new Map<number, number>();
  private nodeId = -1;

  constructor(deps: GroupCoordinatorDeps) {
    this.settings = { ...DEFAULT_GROUP_COORDINATOR_SETTINGS, ...deps.settings };
    this.log = deps.log;
    this.partitionCount = this.settings.offsetsTopicPartitions;
    const shardDeps = { settings: this.settings, randomUuid: deps.randomUuid, log: deps.log };
    this.runtime = new CoordinatorRuntime<GroupShard>({
      scheduler: deps.scheduler,
      writerFor: deps.logFor,
      createShard: (partition) => new GroupShard(partition, shardDeps),
      parkedResponsesMax: this.settings.parkedResponsesMax,
      log: deps.log,
    });
  }

  partitionFor(groupId: string): number {
    return groupPartition(groupId, this.partitionCount);
  }

  /** The topic to create; its replication factor clamped to the live brokers if the settings say so. */
  offsetsTopicSpec(liveBrokers: number): OffsetsTopicSpec {
    return {
      name: OFFSETS_TOPIC,
      numPartitions: this.settings.offsetsTopicPartitions,
      replicationFactor: this.settings.offsetsTopicReplicationFactorLowered
        ? Math.max(1, Math.min(this.settings.offsetsTopicReplicationFactor, liveBrokers))
        : this.settings.offsetsTopicReplicationFactor,
      assignments: [],
      configs: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'compression.type', value: 'producer' },
        { name: 'segment.bytes', value: String(this.settings.offsetsTopicSegmentBytes) },
      ],
    };
  }

  /**
   * Follows the metadata: loads the partitions of `__consumer_offsets` this node leads (again on a new
   * leader epoch), unloads the others, and deletes the offsets of topics that were deleted.
   */
  onMetadataImage(image: MetadataImage, previous: MetadataImage | null, nodeId: number): void {
    const topic = image.topicsByName.get(OFFSETS_TOPIC);
    const led = new Set<number>();
    this.nodeId = nodeId;
    this.leaders.clear();
    if (topic) {
      this.partitionCount = topic.partitions.length;
      for (const p of topic.partitions) {
        this.leaders.set(p.partition, p.leader);
        if (p.leader !== nodeId) continue;
        led.add(p.partition);
        this.runtime.load(p.partition, p.leaderEpoch);
      }
    }
    for (const p of this.runtime.partitions()) if (!led.has(p)) this.runtime.unload(p);
    if (!previous) return;
    const deleted: string[] = [];
    for (const name of previous.topicsByName.keys()) if (!image.topicsByName.has(name)) deleted.push(name);
    if (deleted.length > 0) this.deleteOffsetsOfTopics(deleted);
  }

  private deleteOffsetsOfTopics(topics: string[]): void {
    for (const p of this.runtime.partitions()) {
      if (this.runtime.status(p) !== 'active') continue;
      void this.runtime.run(p, (shard, ctx) => {
        const records = [];
        for (const [groupId, byTopic] of shard.offsets) {
          for (const t of topics) {
            for (const partition of byTopic.get(t)?.keys() ?? [])
              records.push(offsetCommitTombstone(groupId, t, partition));
          }
        }
        ctx.append(records);
      });
    }
  }

  private run<R>(groupId: string, op: Operation<GroupShard, R>): Promise<R | CoordinatorFailure> {
    return this.runOn(this.partitionFor(groupId), op);
  }

  /**
   * Runs `op` on a partition's shard. NOT_COORDINATOR means "ask another broker", so a partition with
   * no shard here answers it only when another node leads it; when none does (the topic not created
   * yet, no leader, a shard that failed to load) the answer is COORDINATOR_NOT_AVAILABLE, which
   * clients also retry after finding the coordinator again. A single node never sends a client away.
   */
  private runOn<R>(partition: number, op: Operation<GroupShard, R>): Promise<R | CoordinatorFailure> {
    if (this.runtime.status(partition) === 'absent') {
      const leader = this.leaders.get(partition);
      if (leader === undefined || leader < 0 || leader === this.nodeId)
        return Promise.resolve(new CoordinatorFailure(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    }
    return this.runtime.run(partition, op);
  }

  async joinGroup(req: JoinRequest): Promise<JoinResult> {
    if (req.groupId === '') return joinError(ErrorCode.INVALID_GROUP_ID, req.memberId);
    const { groupSessionTimeoutMsMin: min, groupSessionTimeoutMsMax: max } = this.settings;
    if (req.sessionTimeoutMs < min || req.sessionTimeoutMs > max) {
      return joinError(ErrorCode.INVALID_SESSION_TIMEOUT, req.memberId);
    }
    const copy = {
      ...req,
      protocols: req.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
    };
    const r = await this.run(req.groupId, (shard, ctx) => joinGroup(shard, ctx, copy));
    return r instanceof CoordinatorFailure ? joinError(r.errorCode, '') : r;
  }

  async syncGroup(req: SyncRequest): Promise<SyncResult> {
    if (req.groupId === '') return syncError(ErrorCode.INVALID_GROUP_ID);
    const copy = {
      ...req,
      assignments: req.assignments.map((a) => ({
        memberId: a.memberId,
        assignment: Buffer.from(a.assignment),
      })),
    };
    const r = await this.run(req.groupId, (shard, ctx) => syncGroup(shard, ctx, copy));
    return r instanceof CoordinatorFailure ? syncError(r.errorCode) : r;
  }

  heartbeat(req: HeartbeatRequest): Promise<number> {
    if (req.groupId === '') return Promise.resolve(ErrorCode.INVALID_GROUP_ID);
    return this.run(req.groupId, (shard, ctx) => heartbeat(shard, ctx, req)).then((r) => {
      if (!(r instanceof CoordinatorFailure)) return r;
      // A loading coordinator answers heartbeats blindly, as Kafka does.
      return r.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ? ErrorCode.NONE : r.errorCode;
    });
  }

  async leaveGroup(groupId: string, members: LeaveMember[]): Promise<LeaveResult> {
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    const r = await this.run(groupId, (shard, ctx) => leaveGroup(shard, ctx, groupId, members));
    return r instanceof CoordinatorFailure ? { errorCode: r.errorCode, members: [] } : r;
  }

  commitOffsets(req: CommitRequest): Promise<TopicErrors[]> {
    return this.run(req.groupId, (shard, ctx) => commitOffsets(shard, ctx, req)).then((r) =>
      r instanceof CoordinatorFailure ? allPartitions(req.topics, r.errorCode) : r,
    );
  }

  /**
   * OffsetFetch of one group (`topics` null: all its offsets). Every read waits for earlier writes.
   * With `requireStable`, a partition with a transactional offset pending answers UNSTABLE_OFFSET_COMMIT.
   */
  async fetchOffsets(
    groupId: string,
    topics: { name: string; partitions: number[] }[] | null,
    requireStable = false,
  ): Promise<FetchedGroup> {
    const r = await this.run(groupId, (shard) => {
      const fetched = fetchOffsets(shard, groupId, topics);
      return requireStable ? markUnstable(shard, groupId, fetched) : fetched;
    });
    return r instanceof CoordinatorFailure ? { errorCode: r.errorCode, topics: [] } : r;
  }

  /** TxnOffsetCommit: offsets written in the producer's transaction, applied by its COMMIT marker. */
  commitTxnOffsets(req: TxnCommitRequest): Promise<TopicErrors[]> {
    if (req.groupId === '') return Promise.resolve(txnErrors(req.topics, ErrorCode.INVALID_GROUP_ID));
    return this.run(req.groupId, (shard, ctx) => commitTxnOffsets(shard, ctx, req)).then((r) =>
      r instanceof CoordinatorFailure ? txnErrors(req.topics, r.errorCode) : r,
    );
  }

  /**
   * Writes a transaction's marker to a `__consumer_offsets` partition (WriteTxnMarkers): the shard
   * applies or drops the producer's pending offsets. Resolves with the error code (NONE once written).
   */
  async completeTransaction(partition: number, marker: TxnMarker): Promise<number> {
    const r = await this.runtime.run(partition, (shard, ctx) => writeTxnMarker(shard, ctx, marker));
    return r instanceof CoordinatorFailure ? r.errorCode : r;
  }

  async deleteOffsets(
    groupId: string,
    topics: { name: string; partitions: number[] }[],
  ): Promise<{ errorCode: number; topics: TopicErrors[] }> {
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, topics: [] };
    const r = await this.run(groupId, (shard, ctx) => deleteOffsets(shard, ctx, groupId, topics));
    return r instanceof CoordinatorFailure ? { errorCode: r.errorCode, topics: [] } : r;
  }

  /** Groups in request order; those of one partition are described together. */
  async describeGroups(groupIds: readonly string[]): Promise<DescribedGroup[]> {
    const byPartition = this.byPartition(groupIds);
    const answers = new Map<string, DescribedGroup>();
    await Promise.all(
      [...byPartition].map(async ([partition, ids]) => {
        const r = await this.runOn(partition, (shard) => ids.map((id) => describeGroup(shard, id)));
        if (r instanceof CoordinatorFailure)
          for (const id of ids) answers.set(id, describedGroupError(id, r.errorCode));
        else for (const d of r) answers.set(d.groupId, d);
      }),
    );
    return groupIds.map((id) => answers.get(id) as DescribedGroup);
  }

  /** Every group of every partition this node coordinates. */
  async listGroups(
    states: readonly string[],
    types: readonly string[],
  ): Promise<{ errorCode: number; groups: ListedGroup[] }> {
    const results = await Promise.all(
      this.runtime.partitions().map((p) => this.runtime.run(p, (shard) => listGroups(shard, states, types))),
    );
    const groups: ListedGroup[] = [];
    for (const r of results) {
      if (!(r instanceof CoordinatorFailure)) groups.push(...r);
      else if (r.errorCode !== ErrorCode.NOT_COORDINATOR) return { errorCode: r.errorCode, groups: [] };
    }
    return { errorCode: ErrorCode.NONE, groups };
  }

  async deleteGroups(groupIds: readonly string[]): Promise<{ groupId: string; errorCode: number }[]> {
    const unique = [...new Set(groupIds)];
    const answers = new Map<string, number>();
    await Promise.all(
      [...this.byPartition(unique)].map(async ([partition, ids]) => {
        const r = await this.runOn(partition, (shard, ctx) => deleteGroups(shard, ctx, ids));
        if (r instanceof CoordinatorFailure) for (const id of ids) answers.set(id, r.errorCode);
        else for (const d of r) answers.set(d.groupId, d.errorCode);
      }),
    );
    return unique.map((groupId) => ({ groupId, errorCode: answers.get(groupId) as number }));
  }

  private byPartition(groupIds: readonly string[]): Map<number, string[]> {
    const m = new Map<number, string[]>();
    for (const id of groupIds) {
      const p = this.partitionFor(id);
      let ids = m.get(p);
      if (!ids) {
        ids = [];
        m.set(p, ids);
      }
      if (!ids.includes(id)) ids.push(id);
    }
    return m;
  }

  close(): void {
    this.runtime.close();
    this.log.debug('group coordinator closed');
  }
}
