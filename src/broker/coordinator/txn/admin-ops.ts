// DescribeTransactions and ListTransactions (KIP-664) over one shard: read-only views of its ids.
import { ErrorCode } from '../../../protocol/errors.js';
import type { TxnShard } from './shard.js';
import { partitionList, type TopicPartitions, TXN_STATE_NAMES } from './state.js';

export interface DescribedTxn {
  errorCode: number;
  transactionalId: string;
  transactionState: string;
  transactionTimeoutMs: number;
  transactionStartTimeMs: number;
  producerId: number;
  producerEpoch: number;
  topics: TopicPartitions[];
}

export function describedError(transactionalId: string, errorCode: number): DescribedTxn {
  return {
    errorCode,
    transactionalId,
    transactionState: '',
    transactionTimeoutMs: 0,
    transactionStartTimeMs: -1,
    producerId: -1,
    producerEpoch: -1,
    topics: [],
  };
}

export function describeTxn(shard: TxnShard, transactionalId: string): DescribedTxn {
  const m = shard.txns.get(transactionalId);
  if (!m || m.state === 'Dead') return describedError(transactionalId, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
  return {
    errorCode: ErrorCode.NONE,
    transactionalId,
    transactionState: m.state,
    transactionTimeoutMs: m.txnTimeoutMs,
    transactionStartTimeMs: m.txnStartTimestamp,
    producerId: m.producerId,
    producerEpoch: m.producerEpoch,
    topics: partitionList(m.partitions),
  };
}

export interface ListedTxn {
  transactionalId: string;
  producerId: number;
  transactionState: string;
}

export interface ListFilters {
  states: readonly string[];
  producerIds: readonly number[];
  /** Only transactions running longer than this (ms); < 0: all. */
  durationMs: number;
}

/** The state names a filter may use; others are reported back as unknown. */
export const KNOWN_STATES = new Set<string>(TXN_STATE_NAMES);

export function listTxns(shard: TxnShard, filters: ListFilters, now: number): ListedTxn[] {
  const states = new Set(filters.states);
  const producerIds = new Set(filters.producerIds);
  const out: ListedTxn[] = [];
  for (const m of shard.txns.values()) {
    if (m.state === 'Dead') continue;
    if (states.size > 0 && !states.has(m.state)) continue;
    if (producerIds.size > 0 && !producerIds.has(m.producerId)) continue;
    // As Kafka: a transaction that never started counts as running since the epoch.
    if (filters.durationMs >= 0 && now - m.txnStartTimestamp <= filters.durationMs) continue;
    out.push({ transactionalId: m.transactionalId, producerId: m.producerId, transactionState: m.state });
  }
  return out;
}
