// Reading records without a consumer: one Fetch per partition leader from given offsets, decoded
// into records. Tools that look at a topic (the web console's message browser, a tail) need
// "these partitions from these offsets, once", without a group, positions or fetch-ahead. The
// Fetch travels on the client's shared connections, so a long `maxWaitMs` should only be used by a
// client of its own: Kafka answers in order, and a parked Fetch holds the answers queued behind it.
import type { FetchResponse } from '../protocol/index.js';
import { type Cluster, isStaleMetadataError, ZERO_TOPIC_ID } from './cluster.js';
import { type ConsumerRecord, FetchedPartition } from './consumer-records.js';
import { type KafkaError, kafkaError } from './errors.js';
import { type TopicPartition, tpKey } from './requests.js';
import { API } from './versions.js';

export interface ReadFrom extends TopicPartition {
  offset: number;
}

export interface ReadOptions {
  /** Stop decoding a partition after this many records (default 500). */
  recordsMax?: number;
  /** Bytes asked per partition (default 1 MiB); a larger first batch still comes whole. */
  partitionBytesMax?: number;
  /** Bytes asked per Fetch (default 16 MiB). */
  fetchBytesMax?: number;
  /** How long the broker may wait for data (default 0: answer at once). */
  maxWaitMs?: number;
  isolationLevel?: 'read_uncommitted' | 'read_committed';
}

export interface PartitionRead extends TopicPartition {
  /** Records from the offset asked for, in offset order (at most `recordsMax`). */
  records: ConsumerRecord[];
  /** Where reading on should start: after the last record returned (or the offset asked for). */
  nextOffset: number;
  highWatermark: number;
  /** -1 when the broker's Fetch version does not say. */
  logStartOffset: number;
  /** OFFSET_OUT_OF_RANGE and other partition errors; `records` is empty then. */
  error: KafkaError | null;
}

const RECORDS_MAX = 500;
const PARTITION_BYTES_MAX = 1024 * 1024;
const FETCH_BYTES_MAX = 16 * 1024 * 1024;

/** Reads the given partitions once from the given offsets. */
export async function readRecords(
  cluster: Cluster,
  from: readonly ReadFrom[],
  options: ReadOptions = {},
): Promise<PartitionRead[]> {
  const byLeader = new Map<number, ReadFrom[]>();
  const out = new Map<string, PartitionRead>();
  for (const f of from) {
    const topic = await cluster.topic(f.topic, { autoCreate: false }).catch((e: KafkaError) => e);
    const leader = 'partitions' in topic ? (topic.partitions[f.partition]?.leader ?? -1) : -1;
    if (leader < 0) {
      const err = 'partitions' in topic ? kafkaError(3, { ...f, api: 'Fetch' }) : topic;
      out.set(tpKey(f.topic, f.partition), failed(f, err));
      continue;
    }
    byLeader.set(leader, [...(byLeader.get(leader) ?? []), f]);
  }
  await Promise.all(
    [...byLeader].map(async ([leader, list]) => {
      try {
        for (const r of await readFromLeader(cluster, leader, list, options))
          out.set(tpKey(r.topic, r.partition), r);
      } catch (e) {
        for (const f of list) out.set(tpKey(f.topic, f.partition), failed(f, e as KafkaError));
      }
    }),
  );
  if ([...out.values()].some((r) => r.error && isStaleMetadataError(r.error.errorCode)))
    cluster.refreshMetadata([...new Set(from.map((f) => f.topic))], { autoCreate: false }).catch(() => {});
  return from.map((f) => out.get(tpKey(f.topic, f.partition)) as PartitionRead);
}

function failed(f: ReadFrom, error: KafkaError): PartitionRead {
  return {
    topic: f.topic,
    partition: f.partition,
    records: [],
    nextOffset: f.offset,
    highWatermark: -1,
    logStartOffset: -1,
    error,
  };
}

async function readFromLeader(
  cluster: Cluster,
  leader: number,
  list: readonly ReadFrom[],
  options: ReadOptions,
): Promise<PartitionRead[]> {
  const byTopic = new Map<string, ReadFrom[]>();
  for (const f of list) byTopic.set(f.topic, [...(byTopic.get(f.topic) ?? []), f]);
  const maxWaitMs = options.maxWaitMs ?? 0;
  const isolation = options.isolationLevel === 'read_committed' ? 1 : 0;
  const res = await cluster.sendTo<FetchResponse>(
    leader,
    API.Fetch,
    (version) => ({
      clusterId: null,
      replicaId: -1,
      maxWaitMs,
      minBytes: maxWaitMs > 0 ? 1 : 0,
      maxBytes: options.fetchBytesMax ?? FETCH_BYTES_MAX,
      isolationLevel: isolation,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...byTopic].map(([topic, fs]) => ({
        topic,
        topicId: version >= 13 ? (cluster.topics.get(topic)?.topicId ?? ZERO_TOPIC_ID) : ZERO_TOPIC_ID,
        partitions: fs.map((f) => ({
          partition: f.partition,
          currentLeaderEpoch: -1,
          fetchOffset: f.offset,
          lastFetchedEpoch: -1,
          logStartOffset: -1,
          partitionMaxBytes: options.partitionBytesMax ?? PARTITION_BYTES_MAX,
        })),
      })),
      forgottenTopicsData: [],
      rackId: '',
    }),
    { timeoutMs: cluster.config.requestTimeoutMs + maxWaitMs },
  );
  if (res.errorCode) throw kafkaError(res.errorCode, { broker: leader, api: 'Fetch' });
  const asked = new Map(list.map((f) => [tpKey(f.topic, f.partition), f]));
  const out: PartitionRead[] = [];
  for (const t of res.responses) {
    const topic = t.topic || cluster.topicNamesById.get(t.topicId ?? '') || '';
    for (const p of t.partitions) {
      const f = asked.get(tpKey(topic, p.partitionIndex));
      if (!f) continue;
      out.push(decodePartition(f, p, leader, isolation === 1, options.recordsMax ?? RECORDS_MAX));
    }
  }
  return out;
}

function decodePartition(
  f: ReadFrom,
  p: FetchResponse['responses'][number]['partitions'][number],
  leader: number,
  readCommitted: boolean,
  recordsMax: number,
): PartitionRead {
  const base = {
    topic: f.topic,
    partition: f.partition,
    highWatermark: p.highWatermark,
    logStartOffset: p.logStartOffset ?? -1,
  };
  if (p.errorCode !== 0) {
    const error = kafkaError(p.errorCode, { ...f, broker: leader, api: 'Fetch' });
    return { ...base, records: [], nextOffset: f.offset, error };
  }
  const raw = p.records;
  const data = !raw ? null : Buffer.isBuffer(raw) ? raw : Buffer.concat(raw as Buffer[]);
  const records: ConsumerRecord[] = [];
  let nextOffset = f.offset;
  if (data && data.length > 0) {
    const aborted = (p.abortedTransactions ?? null) as { producerId: number; firstOffset: number }[] | null;
    const fetched = new FetchedPartition(
      f.topic,
      f.partition,
      data,
      f.offset,
      0,
      p.highWatermark,
      readCommitted,
      aborted,
      true,
    );
    for (let r = fetched.next(); r !== null && records.length < recordsMax; r = fetched.next())
      records.push(r);
    // Past the last record decoded, or past skipped control batches when nothing else came.
    nextOffset =
      records.length === recordsMax
        ? records[records.length - 1].offset + 1
        : Math.max(fetched.position, f.offset);
  }
  return { ...base, records, nextOffset, error: null };
}
