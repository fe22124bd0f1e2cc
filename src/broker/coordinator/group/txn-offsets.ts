// Transactional offset commits (TxnOffsetCommit, KIP-98 and KIP-447): the offsets are written as a
// transactional batch of the producer and stay pending, invisible to OffsetFetch, until the transaction
// coordinator's marker for that producer reaches this partition: a COMMIT makes them the group's
// committed offsets, an ABORT drops them. OffsetFetch with require_stable answers
// UNSTABLE_OFFSET_COMMIT for a partition while such offsets are pending.
import { ErrorCode } from '../../../protocol/errors.js';
import type { OperationContext, TxnMarker, TxnProducer } from '../runtime.js';
import type { ClassicGroup } from './classic-group.js';
import type { FetchedGroup, PartitionError, TopicErrors } from './offset-ops.js';
import { type DecodedRecord, offsetCommitRecord } from './records.js';
import type { GroupShard } from './shard.js';

type Ctx = OperationContext<GroupShard>;

export interface TxnCommitPartition {
  partition: number;
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
}

export interface TxnCommitRequest {
  transactionalId: string;
  groupId: string;
  producerId: number;
  producerEpoch: number;
  /** KIP-447 group metadata (v3+); -1 / '' / null when the producer does not send them. */
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: { name: string; partitions: TxnCommitPartition[] }[];
}

/** An offset written in a transaction that has not ended yet. */
export interface PendingOffset {
  groupId: string;
  topic: string;
  partition: number;
  record: Extract<DecodedRecord, { kind: 'offset' }>;
  recordKey: Buffer;
  /** Where it was in the log, in replay order. */
  order: number;
}

/** The transactional state of a group shard: pending offsets and the last epoch of each producer. */
export class TxnOffsets {
  /** producer id → (group, topic, partition) → pending offset */
  readonly pending = new Map<number, Map<string, PendingOffset>>();
  /** producer id → the highest epoch seen in its writes and markers */
  readonly producerEpochs = new Map<number, number>();
  /** producer id → the highest coordinator epoch of its markers */
  readonly coordinatorEpochs = new Map<number, number>();
  /** Groups that have committed offsets in a transaction: exactly-once consumers, reading committed data. */
  readonly transactionalGroups = new Set<string>();
  /** Replay order of offset records; (group, topic, partition) → order of its last plain commit. */
  private order = 0;
  private readonly plainCommits = new Map<string, number>();

  /** A plain (non-transactional) commit or tombstone of a partition's offset was replayed. */
  notePlainCommit(groupId: string, topic: string, partition: number): void {
    if (this.pending.size > 0) this.plainCommits.set(pendingKey(groupId, topic, partition), this.order++);
  }

  nextOrder(): number {
    return this.order++;
  }

  /**
   * Whether a pending offset, once committed, replaces the committed one: as in Kafka, a plain commit
   * that came later in the log wins over a transaction that commits after it.
   */
  supersedes(p: PendingOffset): boolean {
    const plain = this.plainCommits.get(pendingKey(p.groupId, p.topic, p.partition));
    return plain === undefined || plain < p.order;
  }

  /** Forgets plain commits no pending offset can be older than. */
  trim(): void {
    if (this.pending.size === 0) this.plainCommits.clear();
  }

  hasPending(groupId: string, topic: string, partition: number): boolean {
    const key = pendingKey(groupId, topic, partition);
    for (const byKey of this.pending.values()) if (byKey.has(key)) return true;
    return false;
  }

  noteEpoch(producerId: number, epoch: number): void {
    if ((this.producerEpochs.get(producerId) ?? -1) < epoch) this.producerEpochs.set(producerId, epoch);
  }
}

function pendingKey(groupId: string, topic: string, partition: number): string {
  return `${groupId}\u0000${topic}\u0000${partition}`;
}

/** Replays an offset record of a transactional batch: pending until its marker. */
export function replayPendingOffset(
  shard: GroupShard,
  producer: TxnProducer,
  record: Extract<DecodedRecord, { kind: 'offset' }>,
  recordKey: Buffer,
): void {
  const txn = shard.txnOffsets;
  txn.noteEpoch(producer.producerId, producer.producerEpoch);
  let byKey = txn.pending.get(producer.producerId);
  if (!byKey) {
    byKey = new Map();
    txn.pending.set(producer.producerId, byKey);
  }
  byKey.set(pendingKey(record.group, record.topic, record.partition), {
    groupId: record.group,
    topic: record.topic,
    partition: record.partition,
    record,
    recordKey,
    order: txn.nextOrder(),
  });
}

/** Replays a marker: a COMMIT applies the producer's pending offsets, an ABORT drops them. */
export function replayTxnMarker(shard: GroupShard, marker: TxnMarker): void {
  const txn = shard.txnOffsets;
  txn.noteEpoch(marker.producerId, marker.producerEpoch);
  if ((txn.coordinatorEpochs.get(marker.producerId) ?? -1) < marker.coordinatorEpoch)
    txn.coordinatorEpochs.set(marker.producerId, marker.coordinatorEpoch);
  const byKey = txn.pending.get(marker.producerId);
  txn.pending.delete(marker.producerId);
  if (byKey && marker.commit) {
    for (const p of byKey.values()) {
      if (txn.supersedes(p)) shard.replayOffset(p.groupId, p.topic, p.partition, p.record.value, p.recordKey);
      txn.transactionalGroups.add(p.groupId);
    }
  }
  txn.trim();
}

/** The same error for every partition of a request. */
export function txnErrors(topics: TxnCommitRequest['topics'], errorCode: number): TopicErrors[] {
  return topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode })),
  }));
}

/**
 * TxnOffsetCommit. The producer's epoch must not be older than one this partition has seen; the group
 * metadata, when given, must match the group (as OffsetCommit, except that a commit without member is
 * accepted whatever the group's state, and a rebalance does not refuse it).
 */
export function commitTxnOffsets(shard: GroupShard, ctx: Ctx, req: TxnCommitRequest): TopicErrors[] {
  const known = shard.txnOffsets.producerEpochs.get(req.producerId);
  if (known !== undefined && req.producerEpoch < known)
    return txnErrors(req.topics, ErrorCode.INVALID_PRODUCER_EPOCH);
  const group = shard.groups.get(req.groupId);
  const error = group ? groupError(group, req) : req.generationId >= 0 ? ErrorCode.ILLEGAL_GENERATION : null;
  if (error !== null) return txnErrors(req.topics, error);
  const records = [];
  const result: TopicErrors[] = [];
  for (const t of req.topics) {
    const partitions: PartitionError[] = [];
    for (const p of t.partitions) {
      const metadata = p.metadata ?? '';
      if (metadata.length > shard.settings.offsetMetadataBytesMax) {
        partitions.push({ partition: p.partition, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE });
        continue;
      }
      partitions.push({ partition: p.partition, errorCode: ErrorCode.NONE });
      records.push(
        offsetCommitRecord(req.groupId, t.name, p.partition, {
          offset: p.offset,
          leaderEpoch: p.leaderEpoch < 0 ? -1 : p.leaderEpoch,
          metadata,
          commitTimestamp: ctx.now,
          expireTimestamp: -1,
        }),
      );
    }
    result.push({ name: t.name, partitions });
  }
  ctx.appendTransactional({ producerId: req.producerId, producerEpoch: req.producerEpoch }, records);
  return result;
}

function groupError(group: ClassicGroup, req: TxnCommitRequest): number | null {
  if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (req.generationId < 0 && req.memberId === '' && req.groupInstanceId === null) return null;
  if (req.generationId < 0 && group.is('Empty')) return null;
  if (req.groupInstanceId !== null) {
    const existing = group.staticMembers.get(req.groupInstanceId);
    if (existing === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (existing !== req.memberId) return ErrorCode.FENCED_INSTANCE_ID;
  }
  if (!group.members.has(req.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
  if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  return null;
}

/**
 * Writes a marker for `marker.producerId`'s offsets (WriteTxnMarkers to `__consumer_offsets`); one from
 * an older coordinator or producer epoch is refused here, as the log would refuse it.
 */
export function writeTxnMarker(shard: GroupShard, ctx: Ctx, marker: TxnMarker): number {
  const txn = shard.txnOffsets;
  if (marker.coordinatorEpoch < (txn.coordinatorEpochs.get(marker.producerId) ?? -1))
    return ErrorCode.TRANSACTION_COORDINATOR_FENCED;
  if (marker.producerEpoch < (txn.producerEpochs.get(marker.producerId) ?? -1))
    return ErrorCode.INVALID_PRODUCER_EPOCH;
  ctx.appendEndTransaction(marker);
  return ErrorCode.NONE;
}

/** OffsetFetch with require_stable: partitions with a pending transactional offset are not stable yet. */
export function markUnstable(shard: GroupShard, groupId: string, fetched: FetchedGroup): FetchedGroup {
  if (shard.txnOffsets.pending.size === 0) return fetched;
  for (const t of fetched.topics) {
    for (const p of t.partitions) {
      if (!shard.txnOffsets.hasPending(groupId, t.name, p.partition)) continue;
      p.errorCode = ErrorCode.UNSTABLE_OFFSET_COMMIT;
      p.offset = -1;
    }
  }
  return fetched;
}
