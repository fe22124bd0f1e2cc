// The records of `__transaction_state`, in Kafka's formats: key = int16 version (0) + TransactionLogKey,
// value = int16 version + TransactionLogValue, null value = tombstone (an expired transactional id).
// The value is written at version 1 (flexible, with the previous and next producer ids and the client's
// transaction version as tagged fields) when transaction.version >= 1, as Kafka 4.0 does, else 0.
import { type Codec, codecFor, DecodeError, Reader, Writer } from '../../../protocol/index.js';
import { TransactionLogKey, TransactionLogValue } from '../../../protocol/internal/index.js';
import type { CoordinatorRecord } from '../runtime.js';
import {
  copyPartitions,
  NO_PRODUCER_EPOCH,
  partitionList,
  TXN_STATE_IDS,
  TXN_STATE_NAMES,
  type TxnMetadata,
} from './state.js';

const KEY_VERSION = 0;
const keyCodec = codecFor(TransactionLogKey, KEY_VERSION);
const valueCodecs: Codec<TransactionLogValue>[] = [
  codecFor(TransactionLogValue, 0),
  codecFor(TransactionLogValue, 1),
];

/** A record read back (or just built): the id and its state, null for a tombstone. */
export interface TxnRecord {
  transactionalId: string;
  metadata: TxnMetadata | null;
}

/** The record of a transactional id's new state (`valueVersion` 0 or 1). */
export function txnRecord(m: TxnMetadata, valueVersion: number): CoordinatorRecord {
  const w = new Writer(128);
  w.int16(KEY_VERSION);
  keyCodec.encode(w, { transactionalId: m.transactionalId });
  const keyBytes = w.length;
  const codec = valueCodecs[valueVersion === 0 ? 0 : 1];
  w.int16(codec.version);
  codec.encode(w, toValue(m));
  const flat = w.finishFlat();
  // The in-memory copy keeps lastProducerEpoch, which the log does not store.
  const decoded: TxnRecord = { transactionalId: m.transactionalId, metadata: cloneMetadata(m) };
  return { key: flat.subarray(0, keyBytes), value: flat.subarray(keyBytes), decoded };
}

export function txnTombstone(transactionalId: string): CoordinatorRecord {
  const w = new Writer(64);
  w.int16(KEY_VERSION);
  keyCodec.encode(w, { transactionalId });
  const decoded: TxnRecord = { transactionalId, metadata: null };
  return { key: w.finishFlat(), value: null, decoded };
}

function toValue(m: TxnMetadata): TransactionLogValue {
  return {
    producerId: m.producerId,
    previousProducerId: m.previousProducerId,
    nextProducerId: m.nextProducerId,
    producerEpoch: m.producerEpoch,
    transactionTimeoutMs: m.txnTimeoutMs,
    transactionStatus: TXN_STATE_IDS[m.state],
    transactionPartitions:
      m.state === 'Empty'
        ? null
        : partitionList(m.partitions).map((t) => ({ topic: t.topic, partitionIds: t.partitions })),
    transactionLastUpdateTimestampMs: m.txnLastUpdateTimestamp,
    transactionStartTimestampMs: m.txnStartTimestamp,
    clientTransactionVersion: m.clientTransactionVersion,
  };
}

/**
 * Decodes a record of `__transaction_state`; throws DecodeError on malformed bytes or an unknown key
 * version, as Kafka refuses those too.
 */
export function decodeTxnRecord(key: Buffer, value: Buffer | null): TxnRecord {
  const r = new Reader(key);
  const keyVersion = r.int16();
  if (keyVersion !== KEY_VERSION)
    throw new DecodeError('unsupported', `transaction log key version ${keyVersion}`, 0);
  const { transactionalId } = keyCodec.decode(r);
  if (value === null) return { transactionalId, metadata: null };
  const vr = new Reader(value);
  const version = vr.int16();
  if (version < 0 || version > 1)
    throw new DecodeError('unsupported', `transaction log value version ${version}`, 0);
  const v = valueCodecs[version].decode(vr);
  const state = TXN_STATE_NAMES[v.transactionStatus];
  if (state === undefined) throw new DecodeError('invalid', `transaction state ${v.transactionStatus}`, 0);
  const partitions = new Map<string, Set<number>>();
  if (state !== 'Empty') {
    for (const t of v.transactionPartitions ?? []) {
      const s = partitions.get(t.topic) ?? new Set<number>();
      for (const p of t.partitionIds) s.add(p);
      partitions.set(t.topic, s);
    }
  }
  return {
    transactionalId,
    metadata: {
      transactionalId,
      producerId: v.producerId,
      previousProducerId: v.previousProducerId ?? -1,
      nextProducerId: v.nextProducerId ?? -1,
      producerEpoch: v.producerEpoch,
      lastProducerEpoch: NO_PRODUCER_EPOCH,
      txnTimeoutMs: v.transactionTimeoutMs,
      state,
      partitions,
      txnStartTimestamp: v.transactionStartTimestampMs,
      txnLastUpdateTimestamp: v.transactionLastUpdateTimestampMs,
      clientTransactionVersion: v.clientTransactionVersion ?? 0,
    },
  };
}

export function cloneMetadata(m: TxnMetadata): TxnMetadata {
  return { ...m, partitions: copyPartitions(m.partitions) };
}
