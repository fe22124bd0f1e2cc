// What kafka-transactions.sh and `samsa txn` share: the rows of each listing (as Kafka's
// TransactionsCommand builds them), finding the transaction that starts at an offset for `abort`, and
// the search for hanging transactions: open transactions on partitions whose coordinator no longer
// counts the partition in the transaction (or knows no transaction of the producer at all).
import type { Admin, ProducerState, TopicPartition } from '../../client/index.js';
import { CommandError } from '../args.js';

/** Kafka's table: every column padded to its widest value, each followed by a tab. */
export function tabTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: readonly string[]) => r.map((v, i) => `${v.padEnd(widths[i])}\t`).join('');
  return [line(headers), ...rows.map(line)].join('\n');
}

export const LIST_HEADERS = ['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState'];
export const DESCRIBE_HEADERS = [
  'CoordinatorId',
  'TransactionalId',
  'ProducerId',
  'ProducerEpoch',
  'TransactionState',
  'TransactionTimeoutMs',
  'CurrentTransactionStartTimeMs',
  'TransactionDurationMs',
  'TopicPartitions',
];
export const PRODUCER_HEADERS = [
  'ProducerId',
  'ProducerEpoch',
  'LatestCoordinatorEpoch',
  'LastSequence',
  'LastTimestamp',
  'CurrentTransactionStartOffset',
];
export const HANGING_HEADERS = [
  'Topic',
  'Partition',
  'ProducerId',
  'ProducerEpoch',
  'CoordinatorEpoch',
  'StartOffset',
  'LastTimestamp',
  'Duration(min)',
];

export async function listRows(admin: Admin, durationMs?: number): Promise<string[][]> {
  const listed = await admin.listTransactions(durationMs === undefined ? {} : { durationMs });
  return listed.map((t) => [t.transactionalId, String(t.coordinatorId), String(t.producerId), t.state]);
}

export async function describeRow(
  admin: Admin,
  transactionalId: string,
  now = Date.now(),
): Promise<string[]> {
  const [d] = await admin.describeTransactions([transactionalId]);
  return [
    String(d.coordinatorId),
    transactionalId,
    String(d.producerId),
    String(d.producerEpoch),
    d.state,
    String(d.transactionTimeoutMs),
    d.transactionStartTimeMs === null ? 'None' : String(d.transactionStartTimeMs),
    d.transactionStartTimeMs === null ? 'None' : String(now - d.transactionStartTimeMs),
    d.topicPartitions.map((tp) => `${tp.topic}-${tp.partition}`).join(','),
  ];
}

export function producerRow(p: ProducerState): string[] {
  return [
    String(p.producerId),
    String(p.producerEpoch),
    String(p.coordinatorEpoch ?? -1),
    String(p.lastSequence),
    String(p.lastTimestamp),
    p.currentTransactionStartOffset === null ? 'None' : String(p.currentTransactionStartOffset),
  ];
}

/** The abort of the open transaction that starts at `startOffset` of the partition. */
export async function abortAtOffset(admin: Admin, tp: TopicPartition, startOffset: number): Promise<void> {
  const producers = await admin.describeProducers(tp);
  const found = producers.find((p) => p.currentTransactionStartOffset === startOffset);
  if (!found) {
    throw new CommandError(
      `Could not find any open transactions starting at offset ${startOffset} on partition ${tp.topic}-${tp.partition}`,
    );
  }
  await admin.abortTransaction({
    ...tp,
    producerId: found.producerId,
    producerEpoch: found.producerEpoch,
    coordinatorEpoch: found.coordinatorEpoch ?? 0,
  });
}

export interface OpenTransaction {
  tp: TopicPartition;
  producer: ProducerState;
}

export interface HangingSearch {
  topic?: string;
  partition?: number;
  brokerId?: number;
  maxTransactionTimeoutMs: number;
}

/**
 * Open transactions older than the longest transaction timeout whose coordinator does not count
 * their partition in the transaction: no marker will ever close them.
 */
export async function findHanging(
  admin: Admin,
  search: HangingSearch,
  now = Date.now(),
): Promise<OpenTransaction[]> {
  const partitions = await partitionsToSearch(admin, search);
  const candidates: OpenTransaction[] = [];
  for (const tp of partitions) {
    for (const producer of await admin.describeProducers(tp, { brokerId: search.brokerId })) {
      if (producer.currentTransactionStartOffset === null) continue;
      if (now - producer.lastTimestamp > search.maxTransactionTimeoutMs) candidates.push({ tp, producer });
    }
  }
  if (candidates.length === 0) return [];
  const producerIds = [...new Set(candidates.map((c) => c.producer.producerId))];
  const listed = await admin.listTransactions({ producerIds });
  const idOf = new Map(
    listed.filter((l) => producerIds.includes(l.producerId)).map((l) => [l.producerId, l.transactionalId]),
  );
  const described = new Map<string, Set<string> | null>();
  for (const id of new Set(idOf.values())) {
    try {
      const [d] = await admin.describeTransactions([id]);
      described.set(id, new Set(d.topicPartitions.map((tp) => `${tp.topic}-${tp.partition}`)));
    } catch (e) {
      if ((e as { code?: string }).code !== 'TRANSACTIONAL_ID_NOT_FOUND') throw e;
      described.set(id, null);
    }
  }
  return candidates.filter((c) => {
    const id = idOf.get(c.producer.producerId);
    const inTxn = id === undefined ? null : described.get(id);
    return !inTxn?.has(`${c.tp.topic}-${c.tp.partition}`);
  });
}

async function partitionsToSearch(admin: Admin, search: HangingSearch): Promise<TopicPartition[]> {
  if (search.topic !== undefined && search.partition !== undefined)
    return [{ topic: search.topic, partition: search.partition }];
  const topics =
    search.topic !== undefined ? [search.topic] : await admin.listTopics({ includeInternal: true });
  const out: TopicPartition[] = [];
  for (const d of await admin.describeTopics(topics)) {
    for (const p of d.partitions) {
      if (search.brokerId === undefined || p.replicas.includes(search.brokerId))
        out.push({ topic: d.name, partition: p.partition });
    }
  }
  return out;
}

export function hangingRow(t: OpenTransaction, now = Date.now()): string[] {
  return [
    t.tp.topic,
    String(t.tp.partition),
    String(t.producer.producerId),
    String(t.producer.producerEpoch),
    String(t.producer.coordinatorEpoch ?? -1),
    String(t.producer.currentTransactionStartOffset ?? -1),
    String(t.producer.lastTimestamp),
    String(Math.floor((now - t.producer.lastTimestamp) / 60_000)),
  ];
}
