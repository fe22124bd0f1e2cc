// The leader's side of a follower's fetch (Kafka's Partition.fetchRecords for a follower): the
// follower's last fetched epoch is checked against the leader's epoch cache first — a follower whose
// log diverged is told where (the diverging epoch, Fetch v12+) and gets no data, so it truncates its
// divergent tail; otherwise it gets whole batches up to the leader's log end (not the high watermark),
// and its fetch offset tells the leader how far its log reaches: the high watermark and the ISR follow.
import { ErrorCode } from '../../protocol/errors.js';
import { maybeExpandIsr } from './isr-changes.js';
import type { Partition } from './partition.js';
import { listsReplica } from './replication-quota.js';

export interface FollowerFetch {
  replicaId: number;
  /** The follower's broker epoch (ReplicaState, Fetch v15+), -1 when not sent. */
  replicaEpoch: number;
  fetchOffset: number;
  /** Epoch of the last batch the follower has, -1 when not sent (Fetch < v12). */
  lastFetchedEpoch: number;
  currentLeaderEpoch: number;
  logStartOffset: number;
  maxBytes: number;
  minOneBatch: boolean;
}

export interface FollowerRead {
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  records: Buffer[];
  sizeBytes: number;
  divergingEpoch: { epoch: number; endOffset: number } | null;
}

function failed(p: Partition, errorCode: number): FollowerRead {
  return {
    errorCode,
    highWatermark: p.log.highWatermark,
    lastStableOffset: p.log.lastStableOffset,
    logStartOffset: p.log.logStartOffset,
    records: [],
    sizeBytes: 0,
    divergingEpoch: null,
  };
}

/** Why the follower's fetch cannot be served by this replica, or NONE. */
export function checkFollowerFetch(p: Partition, f: FollowerFetch): number {
  const epochError = p.checkLeaderEpoch(f.currentLeaderEpoch);
  if (epochError !== ErrorCode.NONE) return epochError;
  const state = p.leaderState;
  if (!state || p.truncation) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  // Not (yet) a replica in this leader's view: a reassignment's new replica may be ahead of our metadata.
  if (!state.remotes.has(f.replicaId))
    return f.currentLeaderEpoch >= 0 ? ErrorCode.UNKNOWN_LEADER_EPOCH : ErrorCode.NOT_LEADER_OR_FOLLOWER;
  // A fetch from an earlier incarnation of the follower's broker.
  const alive = p.host.brokers.aliveEpoch(f.replicaId);
  if (f.replicaEpoch !== -1 && alive !== undefined && alive > f.replicaEpoch)
    return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  return ErrorCode.NONE;
}

/** Where the follower's log diverges from the leader's, or null when it does not (or is not known). */
export function divergence(
  p: Partition,
  f: FollowerFetch,
): { epoch: number; endOffset: number } | null | 'out-of-range' {
  if (f.lastFetchedEpoch < 0) return null;
  const end = p.log.endOffsetForEpoch(f.lastFetchedEpoch);
  if (end.epoch < 0 || end.endOffset < 0) return 'out-of-range';
  if (f.fetchOffset < p.log.logStartOffset) return 'out-of-range';
  if (end.epoch < f.lastFetchedEpoch || end.endOffset < f.fetchOffset)
    return { epoch: end.epoch, endOffset: end.endOffset };
  return null;
}

/** Serves one partition of a follower's fetch and records the follower's progress. */
export async function readForFollower(p: Partition, f: FollowerFetch): Promise<FollowerRead> {
  const problem = checkFollowerFetch(p, f);
  if (problem !== ErrorCode.NONE) return failed(p, problem);
  const diverged = divergence(p, f);
  if (diverged === 'out-of-range') return failed(p, ErrorCode.OFFSET_OUT_OF_RANGE);
  const leaderEnd = p.log.logEndOffset;
  if (diverged) return { ...failed(p, ErrorCode.NONE), divergingEpoch: diverged };
  if (f.fetchOffset < p.log.logStartOffset || f.fetchOffset > leaderEnd)
    return failed(p, ErrorCode.OFFSET_OUT_OF_RANGE);
  recordProgress(p, f, leaderEnd);
  const base = failed(p, ErrorCode.NONE);
  if (f.fetchOffset === leaderEnd) return base;
  const throttled = isThrottled(p, f.replicaId);
  if (throttled && p.host.leaderQuota?.isExceeded()) return base;
  const r = await p.log.read(f.fetchOffset, f.maxBytes, { maxOffset: leaderEnd, minOneBatch: f.minOneBatch });
  if (r.kind === 'out-of-range') return failed(p, ErrorCode.OFFSET_OUT_OF_RANGE);
  if (r.kind === 'offline') return failed(p, ErrorCode.KAFKA_STORAGE_ERROR);
  if (r.sizeBytes > 0) p.stats.replicationSent(r.sizeBytes);
  if (throttled) p.host.leaderQuota?.record(r.sizeBytes);
  return { ...base, records: r.records, sizeBytes: r.sizeBytes };
}

/** A replica outside the ISR named in leader.replication.throttled.replicas, while a throttle is set. */
function isThrottled(p: Partition, replicaId: number): boolean {
  const quota = p.host.leaderQuota;
  if (!quota?.enabled || p.isr.includes(replicaId)) return false;
  return listsReplica(p.config.leaderReplicationThrottledReplicas, p.index, p.host.nodeId);
}

/** The follower's fetch offset is its log end: its state, then the ISR and the high watermark. */
function recordProgress(p: Partition, f: FollowerFetch, leaderEnd: number): void {
  const state = p.leaderState;
  const remote = state?.remotes.get(f.replicaId);
  if (!state || !remote) return;
  const before = remote.logEndOffset;
  remote.updateFetchState(f.fetchOffset, f.logStartOffset, p.host.now(), leaderEnd, f.replicaEpoch);
  maybeExpandIsr(p, f.replicaId);
  if (remote.logEndOffset !== before) p.maybeIncrementHighWatermark();
}
