// The transaction coordinator's settings, a typed view of the broker config (the node maps Kafka's
// keys onto it). Defaults are Kafka's.
import { javaStringHashCode } from '../group/settings.js';

export interface TxnCoordinatorSettings {
  /** transaction.state.log.num.partitions */
  transactionStateLogPartitions: number;
  /** transaction.state.log.replication.factor (clamped to the live brokers when the topic is created) */
  transactionStateLogReplicationFactor: number;
  /** transaction.state.log.min.isr */
  transactionStateLogMinIsr: number;
  /** transaction.state.log.segment.bytes */
  transactionStateLogSegmentBytes: number;
  /** transaction.max.timeout.ms: the longest transaction.timeout.ms a producer may ask for */
  transactionTimeoutMsMax: number;
  /** transactional.id.expiration.ms: how long an idle transactional id is remembered */
  transactionalIdExpirationMs: number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms */
  abortTimedOutTransactionsIntervalMs: number;
  /** transaction.remove.expired.transaction.cleanup.interval.ms */
  removeExpiredTransactionalIdsIntervalMs: number;
  /**
   * The finalized `transaction.version` feature: 2 (Kafka 4.0's default) bumps the producer epoch at
   * the end of every transaction of a client that asks for it (EndTxn v5) and lets the partition leader
   * add partitions to a transaction (Produce v12, TxnOffsetCommit v5).
   */
  transactionVersion: number;
  /** Backoff between attempts to write a marker that failed with a retriable error. */
  markerRetryBackoffMs: number;
  /**
   * How long a request that finds the previous transaction still writing its markers waits for it to
   * complete before answering CONCURRENT_TRANSACTIONS (which clients retry after a backoff). On one
   * node the markers take a millisecond or two: waiting spares the client its backoff.
   */
  concurrentTransactionsWaitMs: number;
  /** Requests one partition's coordinator holds waiting at once (beyond: CONCURRENT_TRANSACTIONS now). */
  waitingRequestsMax: number;
}

export const DEFAULT_TXN_COORDINATOR_SETTINGS: Readonly<TxnCoordinatorSettings> = {
  transactionStateLogPartitions: 50,
  transactionStateLogReplicationFactor: 3,
  transactionStateLogMinIsr: 2,
  transactionStateLogSegmentBytes: 104_857_600,
  transactionTimeoutMsMax: 900_000,
  transactionalIdExpirationMs: 604_800_000,
  abortTimedOutTransactionsIntervalMs: 10_000,
  removeExpiredTransactionalIdsIntervalMs: 3_600_000,
  transactionVersion: 2,
  markerRetryBackoffMs: 100,
  concurrentTransactionsWaitMs: 100,
  waitingRequestsMax: 10_000,
};

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

/** The `__transaction_state` partition of a transactional id: abs(hashCode) % partitions, as Kafka. */
export function txnPartition(transactionalId: string, partitions: number): number {
  const h = javaStringHashCode(transactionalId);
  const abs = h === -2147483648 ? 0 : Math.abs(h);
  return abs % partitions;
}
