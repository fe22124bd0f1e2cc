// The state of one transactional id, as Kafka's transaction coordinator keeps it (TransactionMetadata):
// its producer id and epoch, the state of its current transaction, the partitions in it and its
// timestamps. Transitions are written to `__transaction_state` as the whole new state; the shard's map
// changes only by replaying those records.

export type TxnStateName =
  | 'Empty'
  | 'Ongoing'
  | 'PrepareCommit'
  | 'PrepareAbort'
  | 'CompleteCommit'
  | 'CompleteAbort'
  | 'Dead'
  | 'PrepareEpochFence';

/** The state ids of TransactionLogValue.TransactionStatus. */
export const TXN_STATE_IDS: Readonly<Record<TxnStateName, number>> = {
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
};

export const TXN_STATE_NAMES: readonly TxnStateName[] = [
  'Empty',
  'Ongoing',
  'PrepareCommit',
  'PrepareAbort',
  'CompleteCommit',
  'CompleteAbort',
  'Dead',
  'PrepareEpochFence',
];

export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
/** Epochs stop one short of Short.MAX so that the coordinator can always fence once more. */
export const EPOCH_MAX = 32767;

export function isEpochExhausted(epoch: number): boolean {
  return epoch >= EPOCH_MAX - 1;
}

export interface TxnMetadata {
  transactionalId: string;
  producerId: number;
  /** The producer id before the last rotation (a retry after an exhausted epoch may still use it). */
  previousProducerId: number;
  /** Transactions V2: the producer id to move to once the markers of an exhausted epoch are written. */
  nextProducerId: number;
  producerEpoch: number;
  /**
   * The epoch before the last bump, to recognise the retry of a call that succeeded. Not stored in the
   * log (as in Kafka): a state read back from the log has -1.
   */
  lastProducerEpoch: number;
  txnTimeoutMs: number;
  state: TxnStateName;
  /** topic → partitions of the current transaction */
  partitions: Map<string, Set<number>>;
  /** When the current transaction started, -1 when none. */
  txnStartTimestamp: number;
  txnLastUpdateTimestamp: number;
  /** 2 when the last EndTxn came from a transactions-V2 client (EndTxn v5+). */
  clientTransactionVersion: number;
}

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

export function copyPartitions(p: Map<string, Set<number>>): Map<string, Set<number>> {
  return new Map([...p].map(([t, s]) => [t, new Set(s)]));
}

export function partitionList(p: Map<string, Set<number>>): TopicPartitions[] {
  return [...p].map(([topic, s]) => ({ topic, partitions: [...s].sort((a, b) => a - b) }));
}

export function partitionCount(p: Map<string, Set<number>>): number {
  let n = 0;
  for (const s of p.values()) n += s.size;
  return n;
}

/** Whether every partition of `asked` is in `have`. */
export function containsAll(have: Map<string, Set<number>>, asked: readonly TopicPartitions[]): boolean {
  for (const t of asked) {
    const s = have.get(t.topic);
    if (!s) return false;
    for (const p of t.partitions) if (!s.has(p)) return false;
  }
  return true;
}

export function withPartitions(
  have: Map<string, Set<number>>,
  added: readonly TopicPartitions[],
): Map<string, Set<number>> {
  const out = copyPartitions(have);
  for (const t of added) {
    let s = out.get(t.topic);
    if (!s) {
      s = new Set();
      out.set(t.topic, s);
    }
    for (const p of t.partitions) s.add(p);
  }
  return out;
}

/** A transaction that may still write to partitions (its id may not expire; it may time out). */
export function hasPendingTransaction(m: TxnMetadata): boolean {
  return m.state === 'Ongoing' || m.state === 'PrepareCommit' || m.state === 'PrepareAbort';
}

/** States in which the id may expire after transactional.id.expiration.ms. */
export function isExpirationAllowed(state: TxnStateName): boolean {
  return state === 'Empty' || state === 'CompleteCommit' || state === 'CompleteAbort';
}
