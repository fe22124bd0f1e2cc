// Transaction verification on the partition leader (KIP-890 part 1, Kafka's
// transaction.partition.verification.enable): before the first transactional batch of a producer's
// transaction is appended to a partition, the leader asks the transaction coordinator whether the
// partition is in that producer's ongoing transaction (AddPartitionsToTxn v4 with verify_only), or, for
// a transactions-V2 producer (Produce v12), asks it to add the partition (verify_only false). A late
// write of a transaction that has already ended is thus refused instead of opening a transaction no
// marker will ever close (a hanging transaction).
//
// A guard closes the race between the answer and the append: it is set when verification starts and
// cleared by any marker of that producer on the partition; the append goes ahead only if the guard it
// started with is still there.
import { ErrorCode } from '../../protocol/errors.js';
import type { Partition } from './partition.js';

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

/** The transaction coordinator as a partition leader sees it (a local call, or the wire). */
export interface TxnVerifier {
  /**
   * Whether the partitions are in the producer's ongoing transaction (`add`: adds them). Resolves with
   * each partition's error code, keyed `topic\0partition`.
   */
  verify(req: {
    transactionalId: string;
    producerId: number;
    producerEpoch: number;
    partitions: TopicPartitions[];
    add: boolean;
  }): Promise<Map<string, number>>;
}

export function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export class TxnVerification {
  /** partition key → producer id → the guard of its verification in progress or done */
  private readonly guards = new Map<string, Map<number, object>>();

  constructor(
    readonly verifier: TxnVerifier,
    private readonly enabled: () => boolean,
  ) {}

  get isEnabled(): boolean {
    return this.enabled();
  }

  /**
   * Whether a transactional batch of this producer needs verification (or, V2, adding) before it is
   * appended: not when the partition already has the producer's transaction open at this epoch.
   */
  needsVerification(p: Partition, producerId: number, producerEpoch: number): boolean {
    const e = p.log.producerState.producers.get(producerId);
    return !(e && e.currentTxnFirstOffset >= 0 && e.producerEpoch === producerEpoch);
  }

  /** Starts a verification for a partition (by key): the guard the append must still find. */
  begin(partitionKey: string, producerId: number): object {
    const guard = {};
    let byProducer = this.guards.get(partitionKey);
    if (!byProducer) {
      byProducer = new Map();
      this.guards.set(partitionKey, byProducer);
    }
    byProducer.set(producerId, guard);
    return guard;
  }

  /** Whether the guard is still in place (no marker of the producer came in between); drops it. */
  take(partitionKey: string, producerId: number, guard: object): boolean {
    const byProducer = this.guards.get(partitionKey);
    const ok = byProducer?.get(producerId) === guard;
    if (ok) byProducer?.delete(producerId);
    if (byProducer?.size === 0) this.guards.delete(partitionKey);
    return ok;
  }

  /** A marker of the producer reached the partition: verifications in flight no longer hold. */
  onMarker(partitionKey: string, producerId: number): void {
    const byProducer = this.guards.get(partitionKey);
    byProducer?.delete(producerId);
    if (byProducer?.size === 0) this.guards.delete(partitionKey);
  }
}

/**
 * Kafka's translation of a verification answer into a Produce error: a fenced producer sees
 * INVALID_PRODUCER_EPOCH, an aborted transaction TRANSACTION_ABORTABLE (Produce v11+) or
 * INVALID_TXN_STATE, and retriable coordinator trouble NOT_ENOUGH_REPLICAS (which every client retries
 * without a metadata refresh).
 */
export function produceVerificationError(errorCode: number, produceVersion: number): number {
  switch (errorCode) {
    case ErrorCode.PRODUCER_FENCED:
      return ErrorCode.INVALID_PRODUCER_EPOCH;
    case ErrorCode.TRANSACTION_ABORTABLE:
      return produceVersion === 11 ? ErrorCode.TRANSACTION_ABORTABLE : ErrorCode.INVALID_TXN_STATE;
    case ErrorCode.CONCURRENT_TRANSACTIONS:
    case ErrorCode.NETWORK_EXCEPTION:
    case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
    case ErrorCode.NOT_COORDINATOR:
      return ErrorCode.NOT_ENOUGH_REPLICAS;
    default:
      return errorCode;
  }
}
