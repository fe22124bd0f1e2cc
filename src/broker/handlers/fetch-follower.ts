// Fetch from a follower (replica id >= 0: ReplicaState in v15+, ReplicaId before): each partition is
// served by the leader's replica layer (follower-read.ts), which records the follower's progress (the
// high watermark and ISR follow) and answers a diverged log with its diverging epoch. Data runs up to
// the leader's log end, whole batches, bounded by partition_max_bytes and max_bytes (the first batch
// whole). With less than min_bytes the fetch waits in the fetch purgatory until more is appended
// (not merely committed) or max_wait_ms passes: a waiting follower is how acks=all learns of progress.
import { ErrorCode } from '../../protocol/errors.js';
import type {
  FetchRequest,
  FetchResponse,
  FetchResponseFetchableTopicResponse,
  FetchResponsePartitionData,
} from '../../protocol/messages/index.js';
import { ZERO_UUID } from '../../protocol/schema/codec.js';
import { type FollowerFetch, readForFollower } from '../replica/follower-read.js';
import type { Partition } from '../replica/partition.js';
import type { RequestContext } from './handler.js';

/** The fetching replica's id (-1 for a consumer). */
export function fetchReplicaId(req: FetchRequest, version: number): number {
  // The decoder fills absent fields with defaults: read the field of the request's own version.
  return (version >= 15 ? req.replicaState?.replicaId : req.replicaId) ?? -1;
}

interface Wanted {
  index: number;
  partition: Partition | null;
  errorCode: number;
  fetch: FollowerFetch;
}

interface TopicPlan {
  topic: string;
  topicId: string;
  parts: Wanted[];
}

function plan(ctx: RequestContext, req: FetchRequest, replicaId: number): TopicPlan[] {
  const image = ctx.services.metadata();
  const byId = ctx.version >= 13;
  const replicaEpoch = req.replicaState?.replicaEpoch ?? -1;
  return req.topics.map((t) => {
    const info = byId ? image.topicsById.get(t.topicId ?? ZERO_UUID) : image.topicsByName.get(t.topic ?? '');
    const parts = t.partitions.map((p): Wanted => {
      const partition = info ? (ctx.services.replicas.get(info.name, p.partition) ?? null) : null;
      let errorCode: number = ErrorCode.NONE;
      if (!info) errorCode = byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      else if (!partition)
        errorCode = info.partitions[p.partition]
          ? ErrorCode.NOT_LEADER_OR_FOLLOWER
          : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      return {
        index: p.partition,
        partition,
        errorCode,
        fetch: {
          replicaId,
          replicaEpoch: Number(replicaEpoch),
          fetchOffset: p.fetchOffset,
          lastFetchedEpoch: p.lastFetchedEpoch ?? -1,
          currentLeaderEpoch: p.currentLeaderEpoch ?? -1,
          logStartOffset: p.logStartOffset ?? -1,
          maxBytes: p.partitionMaxBytes,
          minOneBatch: true,
        },
      };
    });
    return { topic: info?.name ?? t.topic ?? '', topicId: t.topicId ?? info?.id ?? ZERO_UUID, parts };
  });
}

interface Gathered {
  responses: FetchResponseFetchableTopicResponse[];
  bytes: number;
  /** An error or a diverging epoch: answer at once. */
  urgent: boolean;
}

/** A partition of a Fetch answer with an error and no data (consumers' and followers' Fetch alike). */
export function emptyFetchPartition(index: number, errorCode: number): FetchResponsePartitionData {
  return {
    partitionIndex: index,
    errorCode,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: null,
  };
}

async function gather(plans: TopicPlan[], maxBytes: number): Promise<Gathered> {
  let budget = maxBytes;
  let bytes = 0;
  let urgent = false;
  const responses: FetchResponseFetchableTopicResponse[] = [];
  for (const t of plans) {
    const partitions: FetchResponsePartitionData[] = [];
    for (const w of t.parts) {
      if (w.errorCode !== ErrorCode.NONE || !w.partition) {
        urgent = true;
        partitions.push(emptyFetchPartition(w.index, w.errorCode));
        continue;
      }
      const r = await readForFollower(w.partition, {
        ...w.fetch,
        maxBytes: Math.max(0, Math.min(w.fetch.maxBytes, budget)),
        minOneBatch: bytes === 0,
      });
      budget -= r.sizeBytes;
      bytes += r.sizeBytes;
      if (r.errorCode !== ErrorCode.NONE || r.divergingEpoch) urgent = true;
      partitions.push({
        partitionIndex: w.partition.index,
        errorCode: r.errorCode,
        highWatermark: r.highWatermark,
        lastStableOffset: r.lastStableOffset,
        logStartOffset: r.logStartOffset,
        divergingEpoch: r.divergingEpoch ?? { epoch: -1, endOffset: -1 },
        abortedTransactions: null,
        preferredReadReplica: -1,
        records: r.records,
      });
    }
    responses.push({ topic: t.topic, topicId: t.topicId, partitions });
  }
  return { responses, bytes, urgent };
}

/** Serves a follower's fetch; waits for appends when there is less than min_bytes to send. */
export async function fetchForFollower(ctx: RequestContext, req: FetchRequest): Promise<FetchResponse> {
  const plans = plan(ctx, req, fetchReplicaId(req, ctx.version));
  const maxBytes = req.maxBytes ?? 0x7fffffff;
  const watched = plans
    .flatMap((t) => t.parts.map((w) => w.partition))
    .filter((p): p is Partition => p !== null);
  const respond = (g: Gathered): FetchResponse => ({
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    sessionId: 0,
    responses: g.responses,
  });
  const seen = watched.map((p) => p.appendedBytes);
  const leadership = watched.map((p) => `${p.leadership}:${p.leaderEpoch}`);
  const first = await gather(plans, maxBytes);
  if (first.urgent || first.bytes >= req.minBytes || req.maxWaitMs <= 0 || watched.length === 0)
    return respond(first);
  return new Promise<FetchResponse>((resolve) => {
    const finish = () =>
      gather(plans, maxBytes).then(
        (g) => resolve(respond(g)),
        () => resolve(respond(first)),
      );
    ctx.services.replicas.fetchPurgatory.park({
      keys: watched.map((p) => p.key),
      deadlineMs: ctx.services.now() + req.maxWaitMs,
      tryComplete: () => {
        let arrived = 0;
        let changed = false;
        watched.forEach((p, i) => {
          arrived += p.appendedBytes - seen[i];
          if (`${p.leadership}:${p.leaderEpoch}` !== leadership[i] || !p.isLeader) changed = true;
          if (ctx.services.replicas.get(p.topic, p.index) !== p) changed = true;
        });
        if (arrived < req.minBytes && !changed) return false;
        // Answered after the I/O just read is handled: produce requests that arrived together are
        // then all appended and travel in this one answer, not one per round trip.
        setImmediate(finish);
        return true;
      },
      expire: finish,
    });
  });
}
