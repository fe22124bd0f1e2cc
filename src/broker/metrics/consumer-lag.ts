// Consumer lag of the groups this broker coordinates, computed by the broker itself: per partition,
// in offsets (the end of what the group can read minus its committed offset: the high watermark, or
// for a group that commits its offsets in transactions — an exactly-once consumer, which reads only
// committed data — the last stable offset) and in seconds (how old the oldest record the
// group has not consumed is: now minus the timestamp of the record at the committed offset; 0 when
// caught up). A group keeps its lag while it has no members, until its offsets expire or it is
// deleted; then it is gone from the answers.
//
// Timestamps are the records' own (CreateTime, or LogAppendTime on topics that ask for it), read once
// per committed offset and remembered while that offset stays committed.
import { ConsumerProtocolAssignment } from '../../protocol/internal/index.js';
import { Reader } from '../../protocol/primitives/reader.js';
import {
  ATTR_COMPRESSION_MASK,
  ATTR_TIMESTAMP_LOG_APPEND,
  readBatchHeader,
} from '../../protocol/records/batch.js';
import { recordsBodyAsync, recordsOf } from '../../protocol/records/record.js';
import { codecFor } from '../../protocol/schema/codec.js';
import type { GroupCoordinator } from '../coordinator/group/coordinator.js';
import type { GroupShard } from '../coordinator/group/shard.js';
import { CoordinatorFailure } from '../coordinator/runtime.js';
import type { Partition } from '../replica/partition.js';
import type { ReplicaManager } from '../replica/replica-manager.js';

/** Remembered record timestamps at most (describe calls between scrapes add to them). */
const TIMESTAMPS_REMEMBERED_MAX = 100_000;

export interface PartitionLag {
  topic: string;
  partition: number;
  /** The group's committed offset (the next record it will read); null when it committed none. */
  committedOffset: number | null;
  /**
   * The end of what the group can read: the high watermark, or the last stable offset for a
   * read_committed group. Null when the partition is not hosted here.
   */
  logEndOffset: number | null;
  /** The last stable offset (below the first open transaction); null when not hosted here. */
  lastStableOffset: number | null;
  logStartOffset: number | null;
  /** logEndOffset - committedOffset (never negative); null when either is unknown. */
  lag: number | null;
  /** Age of the oldest record not consumed yet, in seconds; 0 when caught up; null when unknown. */
  lagSeconds: number | null;
  /** The member the partition is assigned to ('' when none). */
  memberId: string;
  clientId: string;
  host: string;
}

export interface GroupLag {
  group: string;
  /** Kafka's group state: Empty, PreparingRebalance, CompletingRebalance, Stable. */
  state: string;
  /** '' for a group that only commits offsets (a "simple" consumer). */
  protocolType: string;
  /** read_committed for a group that commits its offsets in transactions (lag counted to the LSO). */
  isolationLevel: 'read_committed' | 'read_uncommitted';
  generation: number;
  members: number;
  partitions: PartitionLag[];
  /** Largest lag over its partitions (offsets, seconds), and the sum of its lags. */
  maxLag: number;
  maxLagSeconds: number;
  sumLag: number;
}

interface MemberSnapshot {
  memberId: string;
  clientId: string;
  host: string;
  assignment: Buffer;
}

interface GroupSnapshot {
  group: string;
  state: string;
  protocolType: string;
  transactional: boolean;
  generation: number;
  members: MemberSnapshot[];
  offsets: { topic: string; partition: number; offset: number }[];
}

/** Copies what lag needs out of a shard, inside a coordinator operation. */
function snapshot(shard: GroupShard, only: string | null): GroupSnapshot[] {
  const out: GroupSnapshot[] = [];
  for (const [id, g] of shard.groups) {
    if (only !== null && id !== only) continue;
    const offsets: GroupSnapshot['offsets'] = [];
    for (const [topic, byPartition] of shard.offsetsOf(id) ?? []) {
      for (const [partition, c] of byPartition) offsets.push({ topic, partition, offset: c.offset });
    }
    out.push({
      group: id,
      state: g.state,
      protocolType: g.protocolType ?? '',
      transactional: shard.txnOffsets.transactionalGroups.has(id),
      generation: g.generationId,
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        clientId: m.clientId,
        host: m.clientHost,
        assignment: m.assignment,
      })),
      offsets,
    });
  }
  return out;
}

/** Topic-partitions of a consumer-protocol assignment; empty when it does not parse. */
export function assignedPartitions(assignment: Buffer): { topic: string; partition: number }[] {
  if (assignment.length < 2) return [];
  try {
    const version = Math.min(assignment.readInt16BE(0), 3);
    if (version < 0) return [];
    const decoded = codecFor(ConsumerProtocolAssignment, version).decode(new Reader(assignment, 2));
    return decoded.assignedPartitions.flatMap((tp) =>
      tp.partitions.map((partition) => ({ topic: tp.topic, partition })),
    );
  } catch {
    return [];
  }
}

export class ConsumerLag {
  /** "topic-partition@offset" → timestamp of the record there (-1: it has none). */
  private timestamps = new Map<string, number>();
  private nextTimestamps = new Map<string, number>();

  constructor(
    private readonly groups: GroupCoordinator,
    private readonly replicas: ReplicaManager,
    private readonly now: () => number = Date.now,
  ) {}

  /** One group, if this broker coordinates it and it exists; null otherwise. */
  async describeGroup(groupId: string): Promise<GroupLag | null> {
    const r = await this.groups.runtime.run(this.groups.partitionFor(groupId), (shard) =>
      snapshot(shard, groupId),
    );
    if (r instanceof CoordinatorFailure || r.length === 0) return null;
    return this.lagOf(r[0]);
  }

  /** Every group of every `__consumer_offsets` partition this broker coordinates, by group id. */
  async allGroups(): Promise<GroupLag[]> {
    const runtime = this.groups.runtime;
    const active = runtime.partitions().filter((p) => runtime.status(p) === 'active');
    const results = await Promise.all(active.map((p) => runtime.run(p, (shard) => snapshot(shard, null))));
    const snapshots: GroupSnapshot[] = [];
    for (const r of results) if (!(r instanceof CoordinatorFailure)) snapshots.push(...r);
    snapshots.sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
    const out: GroupLag[] = [];
    for (const s of snapshots) out.push(await this.lagOf(s));
    // Timestamps of offsets no group sits at any more are forgotten.
    this.timestamps = this.nextTimestamps;
    this.nextTimestamps = new Map();
    return out;
  }

  private async lagOf(s: GroupSnapshot): Promise<GroupLag> {
    const owners = new Map<string, MemberSnapshot>();
    if (s.protocolType === 'consumer') {
      for (const m of s.members)
        for (const tp of assignedPartitions(m.assignment)) owners.set(`${tp.topic}\0${tp.partition}`, m);
    }
    const committed = new Map(s.offsets.map((o) => [`${o.topic}\0${o.partition}`, o]));
    const keys = new Set([...committed.keys(), ...owners.keys()]);
    const partitions: PartitionLag[] = [];
    for (const key of keys) {
      const [topic, index] = key.split('\0');
      const partition = Number(index);
      const owner = owners.get(key);
      const offset = committed.get(key)?.offset ?? null;
      partitions.push({
        topic,
        partition,
        committedOffset: offset,
        ...(await this.position(this.replicas.get(topic, partition), offset, s.transactional)),
        memberId: owner?.memberId ?? '',
        clientId: owner?.clientId ?? '',
        host: owner?.host ?? '',
      });
    }
    partitions.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    let maxLag = 0;
    let maxLagSeconds = 0;
    let sumLag = 0;
    for (const p of partitions) {
      maxLag = Math.max(maxLag, p.lag ?? 0);
      maxLagSeconds = Math.max(maxLagSeconds, p.lagSeconds ?? 0);
      sumLag += p.lag ?? 0;
    }
    return {
      group: s.group,
      state: s.state,
      protocolType: s.protocolType,
      isolationLevel: s.transactional ? 'read_committed' : 'read_uncommitted',
      generation: s.generation,
      members: s.members.length,
      partitions,
      maxLag,
      maxLagSeconds,
      sumLag,
    };
  }

  private async position(
    p: Partition | undefined,
    committed: number | null,
    readCommitted: boolean,
  ): Promise<
    Pick<PartitionLag, 'logEndOffset' | 'lastStableOffset' | 'logStartOffset' | 'lag' | 'lagSeconds'>
  > {
    if (!p)
      return {
        logEndOffset: null,
        lastStableOffset: null,
        logStartOffset: null,
        lag: null,
        lagSeconds: null,
      };
    const lastStableOffset = p.log.lastStableOffset;
    const end = readCommitted ? lastStableOffset : p.highWatermark;
    const start = p.log.logStartOffset;
    const at = { logEndOffset: end, lastStableOffset, logStartOffset: start };
    if (committed === null) return { ...at, lag: null, lagSeconds: null };
    const lag = Math.max(0, end - committed);
    if (lag === 0) return { ...at, lag, lagSeconds: 0 };
    // Records below the log start are gone: the oldest one left is what the group reads next.
    const ts = await this.timestampAt(p, Math.max(committed, start));
    const lagSeconds = ts === null ? null : Math.max(0, (this.now() - ts) / 1000);
    return { ...at, lag, lagSeconds };
  }

  /** The timestamp of the first record at or after `offset`; null when it has none or cannot be read. */
  private async timestampAt(p: Partition, offset: number): Promise<number | null> {
    const key = `${p.key}@${offset}`;
    let ts = this.timestamps.get(key) ?? this.nextTimestamps.get(key);
    if (ts === undefined) ts = await readTimestamp(p, offset);
    if (this.nextTimestamps.size >= TIMESTAMPS_REMEMBERED_MAX) this.nextTimestamps.clear();
    this.nextTimestamps.set(key, ts);
    return ts < 0 ? null : ts;
  }
}

async function readTimestamp(p: Partition, offset: number): Promise<number> {
  try {
    const r = await p.read(offset, 1, false, true);
    if (r.errorCode !== 0) return -1;
    for (const buf of r.records) {
      let pos = 0;
      while (pos + 61 <= buf.length) {
        const h = readBatchHeader(buf, pos);
        if (h.baseOffset + h.lastOffsetDelta >= offset) {
          if (h.attributes & ATTR_TIMESTAMP_LOG_APPEND) return h.maxTimestamp;
          if (h.baseOffset >= offset) return h.baseTimestamp;
          // A compressed batch needs the codecs, which the broker otherwise loads after start-up.
          if (h.attributes & ATTR_COMPRESSION_MASK) await import('../../protocol/records/compression.js');
          const body = await recordsBodyAsync(buf, pos);
          for (const rec of recordsOf(h, body)) if (rec.offset >= offset) return rec.timestamp;
          return h.maxTimestamp;
        }
        pos += h.sizeBytes;
      }
    }
  } catch {
    // A batch that does not decode: its lag in seconds is unknown.
  }
  return -1;
}
