// Fetch, versions 4-17 (v0-3 need the old message format, which is not served). Whole batches from
// the fetch offset, bounded by the high watermark (read_uncommitted) or the last stable offset
// (read_committed, with the aborted transactions of the range), by partition_max_bytes and max_bytes
// (the first batch always whole, so consumers
// make progress); topics by id from v13. A fetch that finds fewer than min_bytes waits in the fetch
// purgatory until enough arrives or max_wait_ms passes, while the connection goes on with the next
// requests (answers still leave in order). Fetch sessions (KIP-227): replica/fetch-sessions.ts decides
// what a request reads (an incremental fetch reads its whole session) and what its answer keeps.
// Followers' fetches (replica id >= 0) are served by fetch-follower.ts, sessionless. From v11 a
// follower replica serves consumers too, up to its own high watermark (KIP-392).
import { ErrorCode } from '../../protocol/errors.js';
import type {
  FetchRequest,
  FetchRequestFetchTopic,
  FetchResponse,
  FetchResponseFetchableTopicResponse,
  FetchResponsePartitionData,
} from '../../protocol/messages/index.js';
import { ZERO_UUID } from '../../protocol/schema/codec.js';
import type { Partition } from '../replica/partition.js';
import { AclOperation, allowedNames, allowedOnCluster, ResourceType } from './authorize.js';
import { abortedTransactionsFor } from './fetch-aborted.js';
import { emptyFetchPartition, fetchForFollower, fetchReplicaId } from './fetch-follower.js';
import { afterWrite, handler, later, type RequestContext } from './handler.js';

interface Wanted {
  partition: Partition | null;
  errorCode: number;
  index: number;
  fetchOffset: number;
  partitionMaxBytes: number;
  currentLeaderEpoch: number;
  /** KIP-392: the replica this consumer should fetch from instead (-1: here). */
  preferredReadReplica: number;
}

interface TopicPlan {
  topic: string;
  topicId: string;
  parts: Wanted[];
}

const READ_COMMITTED = 1;

export const fetch = handler<FetchRequest, FetchResponse>({
  apiKey: 1,
  minVersion: 4,
  maxVersion: 17,
  handle(ctx, req) {
    if (fetchReplicaId(req, ctx.version) >= 0) {
      // A fetch naming a replica id is a follower's: it needs CLUSTER_ACTION (CVE-2018-1288: the field
      // alone proves nothing); without it every partition answers TOPIC_AUTHORIZATION_FAILED, as Kafka.
      if (!allowedOnCluster(ctx, AclOperation.CLUSTER_ACTION)) return followerDenied(req);
      // A follower's fetch is sessionless: a full fetch without a session id gets no session.
      const sessionId = req.sessionId ?? 0;
      const sessionEpoch = req.sessionEpoch ?? -1;
      if (sessionId !== 0 || sessionEpoch > 0) {
        const errorCode =
          sessionId !== 0 ? ErrorCode.FETCH_SESSION_ID_NOT_FOUND : ErrorCode.INVALID_FETCH_SESSION_EPOCH;
        return { throttleTimeMs: 0, errorCode, sessionId: 0, responses: [] };
      }
      return later(fetchForFollower(ctx, req));
    }
    const session = ctx.services.fetchSessions.open({
      version: ctx.version,
      sessionId: req.sessionId ?? 0,
      sessionEpoch: req.sessionEpoch ?? -1,
      topics: req.topics,
      forgotten: req.forgottenTopicsData ?? [],
      fromFollower: false,
    });
    if ('errorCode' in session)
      return { throttleTimeMs: 0, errorCode: session.errorCode, sessionId: 0, responses: [] };
    const plan = planFetch(ctx, session.topics, req.rackId ?? '');
    return later(fetchWithWait(ctx, req, plan).then((r) => session.complete(r)));
  },
});

function planFetch(
  ctx: RequestContext,
  topics: readonly FetchRequestFetchTopic[],
  rackId: string,
): TopicPlan[] {
  const replicas = ctx.services.replicas;
  const image = ctx.services.metadata();
  const byId = ctx.version >= 13;
  const readable = readableTopics(ctx, topics, image, byId);
  return topics.map((t) => {
    const topicInfo = byId
      ? image.topicsById.get(t.topicId ?? ZERO_UUID)
      : image.topicsByName.get(t.topic ?? '');
    const name = byId ? (topicInfo?.name ?? '') : (t.topic ?? '');
    const denied = (topicInfo || !byId) && !readable(name);
    const parts = t.partitions.map((p): Wanted => {
      // Followers too: from v11 a follower serves consumers (KIP-392); before, the check below refuses.
      const partition = topicInfo && !denied ? (replicas.get(topicInfo.name, p.partition) ?? null) : null;
      let errorCode: number = ErrorCode.NONE;
      if (denied) errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
      else if (!topicInfo)
        errorCode = byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      else if (!partition)
        errorCode = topicInfo.partitions[p.partition]
          ? ErrorCode.NOT_LEADER_OR_FOLLOWER
          : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      else errorCode = partition.checkLeaderEpoch(p.currentLeaderEpoch);
      // A follower serves consumers only from v11 (KIP-392: fetching from the closest replica).
      if (errorCode === ErrorCode.NONE && partition && !partition.isLeader && ctx.version < 11)
        errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER;
      const preferred =
        errorCode === ErrorCode.NONE && partition && ctx.version >= 11
          ? replicas.preferredReadReplica(partition, rackId, p.fetchOffset)
          : -1;
      return {
        partition,
        errorCode,
        index: p.partition,
        fetchOffset: p.fetchOffset,
        partitionMaxBytes: p.partitionMaxBytes,
        currentLeaderEpoch: p.currentLeaderEpoch ?? -1,
        preferredReadReplica: preferred,
      };
    });
    return { topic: name, topicId: t.topicId ?? topicInfo?.id ?? ZERO_UUID, parts };
  });
}

/** Which topics a consumer's fetch may read: READ on each topic. */
function readableTopics(
  ctx: RequestContext,
  topics: readonly FetchRequestFetchTopic[],
  image: ReturnType<RequestContext['services']['metadata']>,
  byId: boolean,
): (name: string) => boolean {
  // The topics read: a session's whole set for an incremental fetch, each authorized every time.
  const names = topics.map((t) =>
    byId ? (image.topicsById.get(t.topicId ?? ZERO_UUID)?.name ?? '') : (t.topic ?? ''),
  );
  const allowedSet = allowedNames(ctx, AclOperation.READ, ResourceType.TOPIC, names.filter(Boolean));
  return (name) => allowedSet.has(name);
}

interface Gathered {
  responses: FetchResponseFetchableTopicResponse[];
  bytes: number;
  errors: boolean;
  /** A partition was answered with a preferred read replica: the consumer is told at once. */
  redirected: boolean;
  /** Give the pooled read buffers back, once the response is written (or when it is not sent). */
  releases: (() => void)[];
}

async function gather(plan: TopicPlan[], readCommitted: boolean, maxBytes: number): Promise<Gathered> {
  let budget = maxBytes;
  let bytes = 0;
  let errors = false;
  let redirected = false;
  const responses: FetchResponseFetchableTopicResponse[] = [];
  const releases: (() => void)[] = [];
  for (const t of plan) {
    const partitions: FetchResponsePartitionData[] = [];
    for (const w of t.parts) {
      let errorCode = w.errorCode;
      // A leader that may have been replaced during a stall answers nobody until the controller did
      // (checked at each read: a fetch parked before the stall is answered after it): its high
      // watermark may be behind what a new leader acknowledged, an early end of the partition.
      if (errorCode === ErrorCode.NONE && w.partition?.isLeader && !w.partition.answersAsLeader)
        errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER;
      let entry: FetchResponsePartitionData = emptyFetchPartition(w.index, errorCode);
      if (errorCode === ErrorCode.NONE && w.partition && w.preferredReadReplica >= 0) {
        entry = { ...redirect(w.partition, readCommitted), partitionIndex: w.index };
        entry.preferredReadReplica = w.preferredReadReplica;
        redirected = true;
      } else if (errorCode === ErrorCode.NONE && w.partition) {
        const limit = Math.min(w.partitionMaxBytes, budget);
        const read = w.partition.read(w.fetchOffset, Math.max(limit, 0), readCommitted, bytes === 0);
        const r = read instanceof Promise ? await read : read;
        errorCode = r.errorCode;
        if (r.release) releases.push(r.release);
        budget -= r.sizeBytes;
        bytes += r.sizeBytes;
        entry = {
          partitionIndex: w.index,
          errorCode,
          highWatermark: r.highWatermark,
          lastStableOffset: r.lastStableOffset,
          logStartOffset: r.logStartOffset,
          abortedTransactions: readCommitted
            ? await abortedTransactionsFor(w.partition, w.fetchOffset, r.records)
            : null,
          preferredReadReplica: -1,
          records: r.records,
        };
      }
      if (errorCode !== ErrorCode.NONE) errors = true;
      partitions.push(entry);
    }
    responses.push({ topic: t.topic, topicId: t.topicId, partitions });
  }
  return { responses, bytes, errors, redirected, releases };
}

/** A partition answered with where to fetch it instead (KIP-392): offsets, no records. */
function redirect(p: Partition, readCommitted: boolean): FetchResponsePartitionData {
  return {
    partitionIndex: p.index,
    errorCode: ErrorCode.NONE,
    highWatermark: p.log.highWatermark,
    lastStableOffset: p.log.lastStableOffset,
    logStartOffset: p.log.logStartOffset,
    abortedTransactions: readCommitted ? [] : null,
    preferredReadReplica: -1,
    records: [],
  };
}

function followerDenied(req: FetchRequest): FetchResponse {
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    sessionId: 0,
    responses: req.topics.map((t) => ({
      topic: t.topic,
      topicId: t.topicId,
      partitions: t.partitions.map((p) =>
        emptyFetchPartition(p.partition, ErrorCode.TOPIC_AUTHORIZATION_FAILED),
      ),
    })),
  };
}

function respond(plan: TopicPlan[], g: Gathered): FetchResponse {
  countFetch(plan, g);
  const response = { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses: g.responses };
  return g.releases.length === 0 ? response : afterWrite(response, () => releaseAll(g));
}

function releaseAll(g: Gathered): void {
  for (const release of g.releases) release();
  g.releases.length = 0;
}

/** BrokerTopicMetrics of the partitions hosted here: one fetch each, and the record bytes sent. */
function countFetch(plan: TopicPlan[], g: Gathered): void {
  for (let t = 0; t < plan.length; t++) {
    const parts = plan[t].parts;
    const answered = g.responses[t].partitions;
    for (let i = 0; i < parts.length; i++) {
      const stats = parts[i].partition?.stats;
      if (!stats) continue;
      stats.fetched(answered[i].errorCode !== ErrorCode.NONE);
      const records = answered[i].records;
      if (!records) continue;
      let bytes = 0;
      if (Buffer.isBuffer(records)) bytes = records.length;
      else for (const b of records) bytes += b.length;
      if (bytes > 0) stats.sent(bytes);
    }
  }
}

/** Reads now; if fewer than min_bytes arrived, waits in the purgatory for more (or for max_wait_ms). */
async function fetchWithWait(
  ctx: RequestContext,
  req: FetchRequest,
  plan: TopicPlan[],
): Promise<FetchResponse> {
  const readCommitted = (req.isolationLevel ?? 0) === READ_COMMITTED;
  const maxBytes = req.maxBytes ?? 0x7fffffff;
  const watched = plan
    .flatMap((t) => t.parts)
    .map((w) => w.partition)
    .filter((p): p is Partition => p !== null);
  const seen = watched.map((p) => p.readableBytes);
  const first = await gather(plan, readCommitted, maxBytes);
  if (
    first.errors ||
    first.redirected ||
    first.bytes >= req.minBytes ||
    req.maxWaitMs <= 0 ||
    watched.length === 0
  )
    return respond(plan, first);
  return new Promise<FetchResponse>((resolve) => {
    const finish = () => {
      gather(plan, readCommitted, maxBytes).then(
        (g) => {
          releaseAll(first);
          resolve(respond(plan, g));
        },
        () => resolve(respond(plan, first)),
      );
    };
    ctx.services.replicas.fetchPurgatory.park({
      keys: watched.map((p) => p.key),
      deadlineMs: ctx.services.now() + req.maxWaitMs,
      tryComplete: () => {
        let arrived = first.bytes;
        watched.forEach((p, i) => {
          arrived += p.readableBytes - seen[i];
        });
        if (arrived < req.minBytes && !watched.some((p) => ctx.services.replicas.get(p.topic, p.index) !== p))
          return false;
        finish();
        return true;
      },
      expire: finish,
    });
  });
}
