// The admin client's transaction calls (KIP-664): list the transactions every broker coordinates,
// describe transactional ids through their coordinators, describe the producers of partitions on their
// leaders, and abort a hanging transaction by writing its ABORT marker on the partition (WriteTxnMarkers
// to the leader, as Kafka's admin client does). Every failure is kept with its location.
import type {
  DescribeProducersResponse,
  DescribeTransactionsResponse,
  ListTransactionsResponse,
  WriteTxnMarkersResponse,
} from '../protocol/index.js';
import type { Cluster } from './cluster.js';
import { clientError, combineErrors, type KafkaError, kafkaError } from './errors.js';
import type { TopicPartition } from './requests.js';
import { API } from './versions.js';

export interface TransactionListing {
  transactionalId: string;
  producerId: number;
  /** Kafka's state name: Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit, CompleteAbort. */
  state: string;
  /** The broker coordinating it. */
  coordinatorId: number;
}

export interface TransactionDescription {
  transactionalId: string;
  coordinatorId: number;
  state: string;
  producerId: number;
  producerEpoch: number;
  transactionTimeoutMs: number;
  /** When the current transaction started, null when none did. */
  transactionStartTimeMs: number | null;
  topicPartitions: TopicPartition[];
}

export interface ProducerState {
  producerId: number;
  producerEpoch: number;
  lastSequence: number;
  lastTimestamp: number;
  /** The epoch of the coordinator that last wrote a marker for it, null when none did. */
  coordinatorEpoch: number | null;
  /** The first offset of its open transaction, null when it has none. */
  currentTransactionStartOffset: number | null;
}

export interface AbortTransactionSpec extends TopicPartition {
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
}

export interface ListTransactionsOptions {
  /** Only these states (Kafka's names). */
  states?: readonly string[];
  producerIds?: readonly number[];
  /** Only transactions running longer than this (ms). */
  durationMs?: number;
}

/** Every transaction of every broker's coordinator. */
export async function listTransactions(
  cluster: Cluster,
  options: ListTransactionsOptions = {},
): Promise<TransactionListing[]> {
  await cluster.refreshMetadata();
  const out: TransactionListing[] = [];
  const errors: KafkaError[] = [];
  await Promise.all(
    [...cluster.brokers.keys()].map(async (nodeId) => {
      try {
        const res = await cluster.withRetries('ListTransactions', async () => {
          const r = await cluster.sendTo<ListTransactionsResponse>(nodeId, API.ListTransactions, () => ({
            stateFilters: options.states ?? [],
            producerIdFilters: options.producerIds ?? [],
            durationFilter: options.durationMs ?? -1,
          }));
          if (r.errorCode !== 0) throw kafkaError(r.errorCode, { broker: nodeId, api: 'ListTransactions' });
          return r;
        });
        for (const t of res.transactionStates) {
          out.push({
            transactionalId: t.transactionalId,
            producerId: t.producerId,
            state: t.transactionState,
            coordinatorId: nodeId,
          });
        }
      } catch (e) {
        errors.push(e as KafkaError);
      }
    }),
  );
  if (errors.length > 0) throw combineErrors(errors, 'ListTransactions failed');
  return out.sort((a, b) => a.transactionalId.localeCompare(b.transactionalId));
}

/** Each transactional id's state, from its coordinator (a KafkaError for an unknown id). */
export async function describeTransactions(
  cluster: Cluster,
  transactionalIds: readonly string[],
): Promise<TransactionDescription[]> {
  return Promise.all(
    transactionalIds.map((id) =>
      cluster.withRetries('DescribeTransactions', async () => {
        const node = await cluster.coordinator(id, 1);
        const res = await cluster.sendTo<DescribeTransactionsResponse>(
          node,
          API.DescribeTransactions,
          () => ({
            transactionalIds: [id],
          }),
        );
        const t = res.transactionStates[0];
        if (!t) throw clientError('PROTOCOL_ERROR', `DescribeTransactions left out ${id}`);
        if (t.errorCode !== 0) {
          if (t.errorCode === 14 || t.errorCode === 15 || t.errorCode === 16)
            cluster.forgetCoordinator(id, 1);
          throw kafkaError(
            t.errorCode,
            { broker: node, api: 'DescribeTransactions' },
            `(transactional id ${id})`,
          );
        }
        return {
          transactionalId: id,
          coordinatorId: node,
          state: t.transactionState,
          producerId: t.producerId,
          producerEpoch: t.producerEpoch,
          transactionTimeoutMs: t.transactionTimeoutMs,
          transactionStartTimeMs: t.transactionStartTimeMs < 0 ? null : t.transactionStartTimeMs,
          topicPartitions: t.topics.flatMap((x) =>
            x.partitions.map((partition) => ({ topic: x.topic, partition })),
          ),
        };
      }),
    ),
  );
}

/** The active producers of a partition, on its leader (or on `brokerId`, a replica). */
export async function describeProducers(
  cluster: Cluster,
  tp: TopicPartition,
  brokerId?: number,
): Promise<ProducerState[]> {
  return cluster.withRetries('DescribeProducers', async () => {
    await cluster.topic(tp.topic, { autoCreate: false });
    const node = brokerId ?? cluster.leaderOf(tp.topic, tp.partition);
    if (node < 0) throw kafkaError(5, { topic: tp.topic, partition: tp.partition, api: 'DescribeProducers' });
    const res = await cluster.sendTo<DescribeProducersResponse>(node, API.DescribeProducers, () => ({
      topics: [{ name: tp.topic, partitionIndexes: [tp.partition] }],
    }));
    const p = res.topics[0]?.partitions[0];
    if (!p) throw clientError('PROTOCOL_ERROR', `DescribeProducers left out ${tp.topic}-${tp.partition}`);
    if (p.errorCode !== 0)
      throw kafkaError(
        p.errorCode,
        { broker: node, topic: tp.topic, partition: tp.partition, api: 'DescribeProducers' },
        p.errorMessage,
      );
    return p.activeProducers.map((a) => ({
      producerId: a.producerId,
      producerEpoch: a.producerEpoch,
      lastSequence: a.lastSequence,
      lastTimestamp: a.lastTimestamp,
      coordinatorEpoch: a.coordinatorEpoch < 0 ? null : a.coordinatorEpoch,
      currentTransactionStartOffset: a.currentTxnStartOffset < 0 ? null : a.currentTxnStartOffset,
    }));
  });
}

/**
 * Aborts a (hanging) transaction of a producer on one partition: writes its ABORT marker there, which
 * moves the partition's last stable offset past it. The coordinator is not involved.
 */
export async function abortTransaction(cluster: Cluster, spec: AbortTransactionSpec): Promise<void> {
  await cluster.withRetries('WriteTxnMarkers', async () => {
    await cluster.topic(spec.topic, { autoCreate: false });
    const node = cluster.leaderOf(spec.topic, spec.partition);
    if (node < 0)
      throw kafkaError(5, { topic: spec.topic, partition: spec.partition, api: 'WriteTxnMarkers' });
    const res = await cluster.sendTo<WriteTxnMarkersResponse>(node, API.WriteTxnMarkers, () => ({
      markers: [
        {
          producerId: spec.producerId,
          producerEpoch: spec.producerEpoch,
          transactionResult: false,
          coordinatorEpoch: spec.coordinatorEpoch,
          topics: [{ name: spec.topic, partitionIndexes: [spec.partition] }],
        },
      ],
    }));
    const code = res.markers[0]?.topics[0]?.partitions[0]?.errorCode ?? -1;
    if (code !== 0)
      throw kafkaError(code, {
        broker: node,
        topic: spec.topic,
        partition: spec.partition,
        api: 'WriteTxnMarkers',
      });
  });
}
