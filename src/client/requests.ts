// Requests that fan out per partition leader or go to a group coordinator, shared by the admin
// client and the consumer. Each partition's error is kept with its location; retriable ones are
// retried (after a metadata refresh when the error says the metadata is stale) until the deadline.
import type { ListOffsetsResponse, OffsetCommitResponse, OffsetFetchResponse } from '../protocol/index.js';
import { type Cluster, isStaleMetadataError, sleep } from './cluster.js';
import { combineErrors, type KafkaError, kafkaError, partitionErrors } from './errors.js';
import { API } from './versions.js';

export interface TopicPartition {
  topic: string;
  partition: number;
}

export const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** Coordinator errors after which the coordinator must be looked up again. */
const COORDINATOR_MOVED = new Set([15, 16]);

/** Sends a request to the coordinator of `groupId`, finding it again when it moved. */
export async function coordinatorRequest<T>(
  cluster: Cluster,
  groupId: string,
  api: string,
  apiKey: number,
  build: (version: number) => unknown,
  errorOf: (res: T) => { code: number; message?: string | null },
  options: { timeoutMs?: number; retry?: boolean } = {},
): Promise<T> {
  const once = async (): Promise<T> => {
    const node = await cluster.coordinator(groupId);
    let res: T;
    try {
      res = await cluster.sendTo<T>(
        node,
        apiKey,
        build,
        options.timeoutMs ? { timeoutMs: options.timeoutMs } : {},
      );
    } catch (e) {
      cluster.forgetCoordinator(groupId);
      throw e;
    }
    const { code, message } = errorOf(res);
    if (code !== 0) {
      if (COORDINATOR_MOVED.has(code)) cluster.forgetCoordinator(groupId);
      throw kafkaError(code, { groupId, api, broker: node }, message);
    }
    return res;
  };
  if (options.retry === false) return once();
  return cluster.withRetries(api, once, options.timeoutMs ?? cluster.config.defaultApiTimeoutMs);
}

export interface OffsetSpec extends TopicPartition {
  /** A timestamp in ms, or -1 latest, -2 earliest, -3 max timestamp. */
  timestamp: number;
}

export interface ListedOffset extends TopicPartition {
  offset: number;
  timestamp: number;
  leaderEpoch: number;
}

/** ListOffsets for many partitions: one request per leader, retried per partition. */
export async function listOffsets(
  cluster: Cluster,
  specs: readonly OffsetSpec[],
  isolationLevel: 0 | 1 = 0,
  timeoutMs = cluster.config.defaultApiTimeoutMs,
): Promise<Map<string, ListedOffset>> {
  const out = new Map<string, ListedOffset>();
  let todo = [...specs];
  const deadline = Date.now() + timeoutMs;
  const missing = new Set<string>();
  for (let attempt = 0; todo.length > 0; attempt++) {
    const byLeader = new Map<number, OffsetSpec[]>();
    const failed: KafkaError[] = [];
    const stale: OffsetSpec[] = [];
    for (const s of todo) {
      const topic = await cluster
        .topic(s.topic, { deadlineMs: Math.max(1, deadline - Date.now()) })
        .catch((e: KafkaError) => e);
      if (!('partitions' in topic)) {
        failed.push(topic);
        continue;
      }
      const p = topic.partitions[s.partition];
      if (!p) {
        // The cached metadata may predate partitions added since: look once more after a refresh.
        const k = tpKey(s.topic, s.partition);
        if (missing.has(k))
          failed.push(kafkaError(3, { topic: s.topic, partition: s.partition, api: 'ListOffsets' }));
        else {
          missing.add(k);
          stale.push(s);
        }
        continue;
      }
      const list = byLeader.get(p.leader) ?? [];
      list.push(s);
      byLeader.set(p.leader, list);
    }
    const retry: OffsetSpec[] = [];
    await Promise.all(
      [...byLeader].map(async ([leader, list]) => {
        const byTopic = new Map<string, OffsetSpec[]>();
        for (const s of list) byTopic.set(s.topic, [...(byTopic.get(s.topic) ?? []), s]);
        let res: ListOffsetsResponse;
        try {
          res = await cluster.sendTo<ListOffsetsResponse>(leader, API.ListOffsets, () => ({
            replicaId: -1,
            isolationLevel,
            timeoutMs: cluster.config.requestTimeoutMs,
            topics: [...byTopic].map(([name, ps]) => ({
              name,
              partitions: ps.map((s) => ({
                partitionIndex: s.partition,
                currentLeaderEpoch: -1,
                timestamp: s.timestamp,
                maxNumOffsets: 1,
              })),
            })),
          }));
        } catch (e) {
          const err = e as KafkaError;
          if (err.retriable) retry.push(...list);
          else failed.push(err);
          return;
        }
        for (const t of res.topics) {
          for (const p of t.partitions) {
            if (p.errorCode !== 0) {
              const err = kafkaError(p.errorCode, {
                topic: t.name,
                partition: p.partitionIndex,
                broker: leader,
                api: 'ListOffsets',
              });
              if (err.retriable)
                retry.push({
                  topic: t.name,
                  partition: p.partitionIndex,
                  timestamp:
                    byTopic.get(t.name)?.find((s) => s.partition === p.partitionIndex)?.timestamp ?? -1,
                });
              else failed.push(err);
              continue;
            }
            out.set(tpKey(t.name, p.partitionIndex), {
              topic: t.name,
              partition: p.partitionIndex,
              offset: p.offset ?? p.oldStyleOffsets?.[0] ?? -1,
              timestamp: p.timestamp ?? -1,
              leaderEpoch: p.leaderEpoch ?? -1,
            });
          }
        }
      }),
    );
    if (failed.length > 0) throw combineErrors(failed, 'ListOffsets failed');
    if (stale.length > 0) {
      await cluster
        .refreshMetadata(
          stale.map((r) => r.topic),
          { autoCreate: false },
        )
        .catch(() => {});
      retry.push(...stale);
    }
    if (retry.length > stale.length) {
      if (Date.now() >= deadline)
        throw kafkaError(7, { api: 'ListOffsets', topic: retry[0].topic, partition: retry[0].partition });
      await cluster.refreshMetadata(retry.map((r) => r.topic)).catch(() => {});
      await sleep(cluster.backoffMs(attempt));
    }
    todo = retry;
  }
  return out;
}

export interface CommittedOffset extends TopicPartition {
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
}

/** OffsetFetch of a group: all its partitions (`partitions` null) or the given ones. */
export async function fetchCommitted(
  cluster: Cluster,
  groupId: string,
  partitions: readonly TopicPartition[] | null,
  requireStable = false,
): Promise<CommittedOffset[]> {
  const byTopic = new Map<string, number[]>();
  for (const tp of partitions ?? []) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
  const topics =
    partitions === null ? null : [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
  let version = 0;
  const res = await coordinatorRequest<OffsetFetchResponse>(
    cluster,
    groupId,
    'OffsetFetch',
    API.OffsetFetch,
    (v) => {
      version = v;
      return v >= 8
        ? { groups: [{ groupId, memberId: null, memberEpoch: -1, topics }], requireStable }
        : { groupId, topics, requireStable };
    },
    (r) => ({ code: (version >= 8 ? r.groups?.[0]?.errorCode : r.errorCode) ?? 0 }),
  );
  const out: CommittedOffset[] = [];
  const errors: KafkaError[] = [];
  const groupTopics = version >= 8 ? (res.groups?.[0]?.topics ?? []) : (res.topics ?? []);
  for (const t of groupTopics) {
    for (const p of t.partitions ?? []) {
      const partition = p.partitionIndex ?? -1;
      if (p.errorCode) {
        errors.push(kafkaError(p.errorCode, { topic: t.name, partition, groupId, api: 'OffsetFetch' }));
        continue;
      }
      out.push({
        topic: t.name ?? '',
        partition,
        offset: p.committedOffset ?? -1,
        leaderEpoch: p.committedLeaderEpoch ?? -1,
        metadata: p.metadata ?? null,
      });
    }
  }
  if (errors.length > 0) throw combineErrors(errors, 'OffsetFetch failed');
  return out;
}

export interface OffsetToCommit extends TopicPartition {
  offset: number;
  leaderEpoch?: number;
  metadata?: string | null;
}

export interface GroupIdentity {
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

/** OffsetCommit; every partition error is reported. */
export async function commitOffsets(
  cluster: Cluster,
  groupId: string,
  offsets: readonly OffsetToCommit[],
  member: GroupIdentity = { generationId: -1, memberId: '', groupInstanceId: null },
  options: { retry?: boolean } = {},
): Promise<void> {
  if (offsets.length === 0) return;
  const byTopic = new Map<string, OffsetToCommit[]>();
  for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o]);
  const res = await coordinatorRequest<OffsetCommitResponse>(
    cluster,
    groupId,
    'OffsetCommit',
    API.OffsetCommit,
    () => ({
      groupId,
      generationIdOrMemberEpoch: member.generationId,
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId,
      retentionTimeMs: -1,
      topics: [...byTopic].map(([name, list]) => ({
        name,
        partitions: list.map((o) => ({
          partitionIndex: o.partition,
          committedOffset: o.offset,
          committedLeaderEpoch: o.leaderEpoch ?? -1,
          commitTimestamp: -1,
          committedMetadata: o.metadata ?? '',
        })),
      })),
    }),
    (r) => {
      // Coordinator errors are the same for every partition: surface them for the retry loop.
      for (const t of r.topics)
        for (const p of t.partitions)
          if (p.errorCode === 14 || p.errorCode === 15 || p.errorCode === 16) return { code: p.errorCode };
      return { code: 0 };
    },
    options,
  );
  const errors = partitionErrors(res.topics, { groupId, api: 'OffsetCommit' });
  if (errors.length > 0) throw combineErrors(errors, 'OffsetCommit failed');
}

export { isStaleMetadataError };
