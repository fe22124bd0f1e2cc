// The state of one `__consumer_offsets` partition: its groups and their committed offsets, rebuilt by
// replaying the partition's records. What records carry (a group's generation, protocol, leader and
// members with their assignments; committed offsets) changes only by replay. What a rebalance in
// progress needs (which members rejoined, the responses waiting, timers) is soft state, as in Kafka:
// after a restart a group is what its last record says (Stable with its last assignment, or Empty).
import { DecodeError } from '../../../protocol/index.js';
import type { Logger } from '../../logger.js';
import type { CoordinatorShard, OperationContext, TxnMarker, TxnProducer } from '../runtime.js';
import { ClassicGroup, Member } from './classic-group.js';
import { prepareRebalance, scheduleHeartbeat } from './membership.js';
import { expireOffsets } from './offset-ops.js';
import {
  type DecodedRecord,
  decodeRecord,
  type GroupMetadataValue,
  type OffsetCommitValue,
} from './records.js';
import type { GroupCoordinatorSettings } from './settings.js';
import { replayPendingOffset, replayTxnMarker, TxnOffsets } from './txn-offsets.js';

export interface CommittedOffset {
  offset: number;
  /** -1 when unknown */
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /** Set only by commits that asked for a retention time (OffsetCommit v2-v4). */
  expireTimestamp: number | null;
  /** The record key, reused by the next commit of the same partition. */
  recordKey: Buffer;
}

export interface ShardDeps {
  settings: GroupCoordinatorSettings;
  randomUuid(): string;
  log: Logger;
}

export const EXPIRE_OFFSETS_TIMER = 'expire-offsets';

export class GroupShard implements CoordinatorShard<GroupShard> {
  readonly groups = new Map<string, ClassicGroup>();
  /** group → topic → partition → offset */
  readonly offsets = new Map<string, Map<string, Map<number, CommittedOffset>>>();
  /** Offsets committed in transactions not yet ended (txn-offsets.ts). */
  readonly txnOffsets = new TxnOffsets();

  constructor(
    readonly partition: number,
    readonly deps: ShardDeps,
  ) {}

  get settings(): GroupCoordinatorSettings {
    return this.deps.settings;
  }

  replay(key: Buffer, value: Buffer | null, decoded?: unknown, producer?: TxnProducer): void {
    let record: DecodedRecord;
    try {
      record = (decoded as DecodedRecord | undefined) ?? decodeRecord(key, value);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.deps.log.warn('skipping a malformed __consumer_offsets record', {
        partition: this.partition,
        err: err.message,
      });
      return;
    }
    if (record.kind === 'offset' && producer) replayPendingOffset(this, producer, record, key);
    else if (record.kind === 'offset') {
      this.txnOffsets.notePlainCommit(record.group, record.topic, record.partition);
      this.replayOffset(record.group, record.topic, record.partition, record.value, key);
    } else if (record.kind === 'group') this.replayGroup(record.group, record.value);
  }

  replayEndTransaction(marker: TxnMarker): void {
    replayTxnMarker(this, marker);
  }

  onLoaded(ctx: OperationContext<GroupShard>): void {
    for (const group of this.groups.values()) {
      for (const member of group.members.values()) scheduleHeartbeat(ctx, group, member);
      if (group.members.size > this.settings.groupSizeMax) {
        prepareRebalance(this, ctx, group, 'loaded group is over group.max.size');
      }
    }
    scheduleOffsetExpiry(this, ctx);
    this.deps.log.debug('group coordinator shard loaded', {
      partition: this.partition,
      groups: this.groups.size,
    });
  }

  offsetsOf(groupId: string): Map<string, Map<number, CommittedOffset>> | undefined {
    return this.offsets.get(groupId);
  }

  committedOffset(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.offsets.get(groupId)?.get(topic)?.get(partition);
  }

  /** Makes an offset (or a tombstone) the group's committed offset. */
  replayOffset(
    groupId: string,
    topic: string,
    partition: number,
    v: OffsetCommitValue | null,
    recordKey: Buffer,
  ): void {
    if (v === null) {
      const byTopic = this.offsets.get(groupId);
      const byPartition = byTopic?.get(topic);
      if (!byTopic || !byPartition) return;
      byPartition.delete(partition);
      if (byPartition.size === 0) byTopic.delete(topic);
      if (byTopic.size === 0) this.offsets.delete(groupId);
      return;
    }
    // Offsets committed without membership make a "simple" group: Empty, without a protocol type.
    if (!this.groups.has(groupId)) this.groups.set(groupId, new ClassicGroup(groupId, 'Empty', null));
    let byTopic = this.offsets.get(groupId);
    if (!byTopic) {
      byTopic = new Map();
      this.offsets.set(groupId, byTopic);
    }
    let byPartition = byTopic.get(topic);
    if (!byPartition) {
      byPartition = new Map();
      byTopic.set(topic, byPartition);
    }
    const expire = v.expireTimestamp ?? -1;
    byPartition.set(partition, {
      offset: v.offset,
      leaderEpoch: v.leaderEpoch ?? -1,
      metadata: v.metadata,
      commitTimestamp: v.commitTimestamp,
      expireTimestamp: expire >= 0 ? expire : null,
      recordKey,
    });
  }

  /**
   * Makes the group what the record says: generation, protocol, leader, members and their assignments.
   * A record without members leaves the group Empty; a record with members makes a group that was
   * completing its rebalance (or was Empty, or is being rebuilt) Stable.
   */
  private replayGroup(groupId: string, v: GroupMetadataValue | null): void {
    const existing = this.groups.get(groupId);
    if (v === null) {
      if (existing) {
        existing.resetState('Dead', existing.currentStateTimestamp);
        this.groups.delete(groupId);
      }
      return;
    }
    const ts =
      v.currentStateTimestamp === undefined || v.currentStateTimestamp < 0 ? null : v.currentStateTimestamp;
    const group = existing ?? new ClassicGroup(groupId, 'Empty', ts);
    if (!existing) this.groups.set(groupId, group);
    const inRecord = new Set(v.members.map((m) => m.memberId));
    for (const id of [...group.members.keys()]) if (!inRecord.has(id)) group.remove(id);
    for (const m of v.members) {
      let member = group.members.get(m.memberId);
      if (!member) {
        const rebalanceTimeoutMs =
          m.rebalanceTimeout === undefined || m.rebalanceTimeout === -1
            ? m.sessionTimeout
            : m.rebalanceTimeout;
        member = new Member(
          m.memberId,
          m.groupInstanceId ?? null,
          m.clientId,
          m.clientHost,
          rebalanceTimeoutMs,
          m.sessionTimeout,
          v.protocolType,
          [{ name: v.protocol ?? '', metadata: m.subscription }],
        );
        group.add(member, null);
      }
      member.assignment = m.assignment;
    }
    group.generationId = v.generation;
    group.protocolType = v.protocolType === '' ? null : v.protocolType;
    group.protocolName = v.protocol;
    group.leaderId = v.leader;
    if (v.members.length === 0) {
      group.resetState('Empty', ts);
      group.pendingSyncMembers.clear();
    } else if (!group.is('Stable') && !group.is('PreparingRebalance')) {
      group.resetState('Stable', ts);
    }
    group.currentStateTimestamp = ts;
    group.subscribedTopics = group.computeSubscribedTopics();
  }
}

/** The periodic clean-up of expired offsets and of empty groups left without offsets. */
export function scheduleOffsetExpiry(shard: GroupShard, ctx: OperationContext<GroupShard>): void {
  ctx.schedule(EXPIRE_OFFSETS_TIMER, shard.settings.offsetsRetentionCheckIntervalMs, (s, c) => {
    expireOffsets(s, c);
    scheduleOffsetExpiry(s, c);
  });
}
