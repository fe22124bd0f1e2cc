// The transactional producer's state (Kafka's TransactionManager): the transactional id's producer id
// and epoch from its coordinator, the transaction's state, the partitions registered with it, and the
// requests that move it: InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, EndTxn.
//
// Transactions V2 (KIP-890) is used when the coordinator's broker has finalized transaction.version 2
// and speaks EndTxn v5 and Produce v12: partitions and the group's offsets join the transaction on the
// broker's side (no AddPartitionsToTxn or AddOffsetsToTxn), and every EndTxn returns the epoch (bumped)
// for the next transaction. Otherwise (V1) partitions are registered before their first batch leaves and
// Produce stays at v11.
//
// States: uninitialized → ready ⇄ in-transaction → committing | aborting → ready. A batch or request
// that failed in a way the transaction cannot survive moves it to abortable (only abort is allowed); a
// fenced producer (another producer took the transactional id, or the coordinator aborted the
// transaction at its timeout) is fatal: nothing more can be done with this producer.
import type {
  AddOffsetsToTxnResponse,
  AddPartitionsToTxnResponse,
  EndTxnResponse,
  InitProducerIdResponse,
  TxnOffsetCommitResponse,
} from '../protocol/index.js';
import type { Cluster } from './cluster.js';
import type { ResolvedProducer } from './config.js';
import type { Connection } from './connection.js';
import { clientError, KafkaError, kafkaError } from './errors.js';
import { API } from './versions.js';

export type TxnState =
  | 'uninitialized'
  | 'ready'
  | 'in-transaction'
  | 'committing'
  | 'aborting'
  | 'abortable'
  | 'fatal';

/** The consumer group position a transaction commits (KIP-447: its member and generation too). */
export interface GroupMetadata {
  groupId: string;
  generationId?: number;
  memberId?: string;
  groupInstanceId?: string | null;
}

export interface OffsetToSend {
  topic: string;
  partition: number;
  /** The next offset to consume (the last processed + 1). */
  offset: number;
  leaderEpoch?: number;
  metadata?: string | null;
}

/** What the manager needs of the producer's sender. */
export interface TxnHost {
  setIdentity(producerId: number, producerEpoch: number): void;
  identity(): { producerId: number; producerEpoch: number };
  /** Lets the sender go on (a partition is registered, the transaction began). */
  scheduleDrain(): void;
}

const KEY_TYPE_TRANSACTION = 1;
const KEY_TYPE_GROUP = 0;

// Kafka error codes the manager treats specially.
const E = {
  NONE: 0,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  INVALID_PRODUCER_EPOCH: 47,
  CONCURRENT_TRANSACTIONS: 51,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 53,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  PRODUCER_FENCED: 90,
  UNSTABLE_OFFSET_COMMIT: 88,
  REQUEST_TIMED_OUT: 7,
  OPERATION_NOT_ATTEMPTED: 55,
} as const;

/** Errors after which the producer is done for: another producer owns the transactional id. */
export function isFencingError(errorCode: number): boolean {
  return (
    errorCode === E.PRODUCER_FENCED ||
    errorCode === E.INVALID_PRODUCER_EPOCH ||
    errorCode === E.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
  );
}

/** Thrown to retry a coordinator request: after `refresh` the coordinator is looked up again. */
class Retry extends Error {
  constructor(
    readonly error: KafkaError,
    readonly refresh: boolean,
    readonly quick: boolean,
  ) {
    super(error.message);
  }
}

export class TransactionManager {
  state: TxnState = 'uninitialized';
  /** 2 when the coordinator runs transactions V2. */
  transactionVersion: 0 | 2 = 0;
  /** The failure that made the transaction abortable, or the producer fatal. */
  lastError: KafkaError | null = null;
  /** Partitions (topic\0partition) registered with the current transaction (V1), or written to (V2). */
  private readonly registered = new Set<string>();
  private readonly toRegister = new Map<string, { topic: string; partition: number }>();
  private registering: Promise<void> | null = null;
  /** Something of the transaction reached the broker: it must be ended with EndTxn. */
  private started = false;
  private readonly groupsAdded = new Set<string>();

  constructor(
    private readonly cluster: Cluster,
    private readonly config: ResolvedProducer,
    private readonly host: TxnHost,
  ) {}

  get transactionalId(): string {
    return this.config.transactionalId;
  }

  // ---- the requests, with Kafka's retry rules --------------------------------------------------

  /**
   * Runs a request against the coordinator of `key`, retrying while it is loading, moving, or busy
   * with the previous transaction (CONCURRENT_TRANSACTIONS, after a short pause as Java does), until
   * `transaction.timeout.ms`-bounded `default.api.timeout.ms` runs out.
   */
  private async toCoordinator<T>(
    key: string,
    keyType: number,
    fn: (conn: Connection) => Promise<T>,
  ): Promise<T> {
    const deadline = Date.now() + this.config.defaultApiTimeoutMs;
    let refresh = false;
    for (let attempt = 0; ; attempt++) {
      try {
        const node = await this.cluster.coordinator(key, keyType, refresh);
        const conn = await this.cluster.connectionTo(node);
        return await fn(conn);
      } catch (e) {
        const retry = e instanceof Retry ? e : null;
        const err = retry ? retry.error : (e as KafkaError);
        const retriable = retry !== null || (err instanceof KafkaError && err.retriable);
        if (!retriable || Date.now() >= deadline) throw err;
        refresh = retry ? retry.refresh : true;
        if (refresh) this.cluster.forgetCoordinator(key, keyType);
        const pause = retry?.quick
          ? Math.min(20 * 2 ** Math.min(attempt, 4), 100)
          : this.cluster.backoffMs(attempt);
        await new Promise((r) => setTimeout(r, pause));
      }
    }
  }

  /** Throws Retry for the errors a coordinator request retries, or the error itself; returns on NONE. */
  private check(errorCode: number, api: string): void {
    if (errorCode === E.NONE) return;
    const err = kafkaError(errorCode, { api });
    if (errorCode === E.NOT_COORDINATOR || errorCode === E.COORDINATOR_NOT_AVAILABLE)
      throw new Retry(err, true, false);
    if (errorCode === E.COORDINATOR_LOAD_IN_PROGRESS || errorCode === E.REQUEST_TIMED_OUT)
      throw new Retry(err, false, false);
    if (errorCode === E.CONCURRENT_TRANSACTIONS) throw new Retry(err, false, true);
    throw err;
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  /** InitProducerId: the transactional id's producer id and a new epoch, fencing older producers. */
  async init(): Promise<void> {
    if (this.state !== 'uninitialized' && this.state !== 'abortable' && this.state !== 'ready')
      throw this.illegal('initTransactions');
    const current = this.host.identity();
    const res = await this.toCoordinator(this.transactionalId, KEY_TYPE_TRANSACTION, async (conn) => {
      const r = await conn.send<InitProducerIdResponse>(API.InitProducerId, () => ({
        transactionalId: this.transactionalId,
        transactionTimeoutMs: this.config.transactionTimeoutMs,
        // KIP-360: a producer that had an epoch asks for a bump of it rather than a fresh start.
        producerId: current.producerId,
        producerEpoch: current.producerEpoch,
      }));
      this.check(r.errorCode, 'InitProducerId');
      this.transactionVersion = this.supportsV2(conn) ? 2 : 0;
      return r;
    }).catch((e: KafkaError) => this.failWith(e));
    this.host.setIdentity(res.producerId, res.producerEpoch);
    this.state = 'ready';
    this.lastError = null;
  }

  private supportsV2(conn: Connection): boolean {
    return (
      (conn.features.finalized.find((f) => f.name === 'transaction.version')?.maxVersionLevel ?? 0) >= 2 &&
      (conn.versionOf(API.EndTxn) ?? 0) >= 5 &&
      (conn.versionOf(API.Produce) ?? 0) >= 12 &&
      (conn.versionOf(API.TxnOffsetCommit) ?? 0) >= 5
    );
  }

  begin(): void {
    if (this.state !== 'ready') throw this.illegal('beginTransaction');
    this.state = 'in-transaction';
    this.registered.clear();
    this.toRegister.clear();
    this.groupsAdded.clear();
    this.started = false;
  }

  /** Whether records may be sent now (inside a transaction that has not failed). */
  canSend(): KafkaError | null {
    if (this.state === 'in-transaction') return null;
    if (this.state === 'fatal' || this.state === 'abortable') return this.lastError ?? this.illegal('send');
    return clientError(
      'ILLEGAL_STATE',
      'a transactional producer sends inside a transaction: call beginTransaction() first',
    );
  }

  // ---- partitions ------------------------------------------------------------------------------

  /** V1: whether the partition must be registered before its batch leaves; starts that when needed. */
  holdForRegistration(topic: string, partition: number): boolean {
    const key = `${topic}\u0000${partition}`;
    if (this.transactionVersion >= 2) return false;
    if (this.registered.has(key)) return false;
    if (this.state !== 'in-transaction' && this.state !== 'committing') return true;
    this.toRegister.set(key, { topic, partition });
    if (!this.registering)
      this.registering = this.registerPending().finally(() => {
        this.registering = null;
        if (this.toRegister.size > 0 && this.state === 'in-transaction')
          this.holdForRegistration(topic, partition);
        this.host.scheduleDrain();
      });
    return true;
  }

  private async registerPending(): Promise<void> {
    const batch = [...this.toRegister.values()];
    this.toRegister.clear();
    const byTopic = new Map<string, number[]>();
    for (const tp of batch) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
    const { producerId, producerEpoch } = this.host.identity();
    try {
      await this.toCoordinator(this.transactionalId, KEY_TYPE_TRANSACTION, async (conn) => {
        const r = await conn.send<AddPartitionsToTxnResponse>(API.AddPartitionsToTxn, () => ({
          v3AndBelowTransactionalId: this.transactionalId,
          v3AndBelowProducerId: producerId,
          v3AndBelowProducerEpoch: producerEpoch,
          v3AndBelowTopics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
        }));
        let first = E.NONE as number;
        for (const t of r.resultsByTopicV3AndBelow ?? []) {
          for (const p of t.resultsByPartition) {
            if (p.partitionErrorCode === E.NONE) this.registered.add(`${t.name}\u0000${p.partitionIndex}`);
            else if (first === E.NONE || first === E.OPERATION_NOT_ATTEMPTED) first = p.partitionErrorCode;
          }
        }
        this.check(first, 'AddPartitionsToTxn');
      });
      this.started = true;
    } catch (e) {
      this.started = true; // the coordinator may have added some: the transaction must be ended
      this.abortableOrFatal(e as KafkaError);
    }
  }

  // ---- offsets -----------------------------------------------------------------------------------

  /** Commits the group's offsets with the transaction (AddOffsetsToTxn for V1, then TxnOffsetCommit). */
  async sendOffsets(offsets: readonly OffsetToSend[], group: GroupMetadata): Promise<void> {
    if (this.state !== 'in-transaction') throw this.canSend() ?? this.illegal('sendOffsetsToTransaction');
    const { producerId, producerEpoch } = this.host.identity();
    try {
      if (this.transactionVersion < 2 && !this.groupsAdded.has(group.groupId)) {
        await this.toCoordinator(this.transactionalId, KEY_TYPE_TRANSACTION, async (conn) => {
          const r = await conn.send<AddOffsetsToTxnResponse>(API.AddOffsetsToTxn, () => ({
            transactionalId: this.transactionalId,
            producerId,
            producerEpoch,
            groupId: group.groupId,
          }));
          this.check(r.errorCode, 'AddOffsetsToTxn');
        });
        this.groupsAdded.add(group.groupId);
      }
      this.started = true;
      await this.commitOffsets(offsets, group, producerId, producerEpoch);
    } catch (e) {
      throw this.abortableOrFatal(e as KafkaError);
    }
  }

  private async commitOffsets(
    offsets: readonly OffsetToSend[],
    group: GroupMetadata,
    producerId: number,
    producerEpoch: number,
  ): Promise<void> {
    const byTopic = new Map<string, OffsetToSend[]>();
    for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o]);
    await this.toCoordinator(group.groupId, KEY_TYPE_GROUP, async (conn) => {
      const r = await conn.send<TxnOffsetCommitResponse>(
        API.TxnOffsetCommit,
        () => ({
          transactionalId: this.transactionalId,
          groupId: group.groupId,
          producerId,
          producerEpoch,
          generationId: group.generationId ?? -1,
          memberId: group.memberId ?? '',
          groupInstanceId: group.groupInstanceId ?? null,
          topics: [...byTopic].map(([name, list]) => ({
            name,
            partitions: list.map((o) => ({
              partitionIndex: o.partition,
              committedOffset: o.offset,
              committedLeaderEpoch: o.leaderEpoch ?? -1,
              committedMetadata: o.metadata ?? '',
            })),
          })),
        }),
        { maxVersion: this.transactionVersion >= 2 ? undefined : 4 },
      );
      let first = E.NONE as number;
      for (const t of r.topics)
        for (const p of t.partitions) if (p.errorCode !== E.NONE && first === E.NONE) first = p.errorCode;
      if (first === E.UNKNOWN_TOPIC_OR_PARTITION || first === E.UNSTABLE_OFFSET_COMMIT)
        throw new Retry(kafkaError(first, { api: 'TxnOffsetCommit' }), false, false);
      this.check(first, 'TxnOffsetCommit');
    });
  }

  // ---- ending --------------------------------------------------------------------------------------

  /**
   * EndTxn once everything sent in the transaction is acknowledged (`flush`). A commit fails (and
   * leaves the transaction abortable) when a batch of it failed.
   */
  async end(commit: boolean, flush: () => Promise<void>): Promise<void> {
    const from = this.state;
    if (commit && from !== 'in-transaction') throw this.canSend() ?? this.illegal('commitTransaction');
    if (!commit && from !== 'in-transaction' && from !== 'abortable')
      throw from === 'fatal'
        ? (this.lastError ?? this.illegal('abortTransaction'))
        : this.illegal('abortTransaction');
    this.state = commit ? 'committing' : 'aborting';
    await flush();
    if (this.registering) await this.registering;
    if ((this.state as TxnState) === 'fatal') throw this.lastError ?? this.illegal('endTransaction');
    if (commit && (this.state as TxnState) === 'abortable')
      throw this.lastError ?? this.illegal('commitTransaction');
    if (this.started)
      await this.endTxn(commit).catch((e: KafkaError) => {
        throw this.abortableOrFatal(e);
      });
    const hadError = this.lastError !== null;
    this.state = 'ready';
    this.lastError = null;
    // After a failed batch the sequences cannot be trusted: V1 asks for a new epoch (KIP-360); in V2
    // EndTxn has just given one.
    if (!commit && hadError && this.transactionVersion < 2) await this.init();
  }

  private async endTxn(commit: boolean): Promise<void> {
    const { producerId, producerEpoch } = this.host.identity();
    const r = await this.toCoordinator(this.transactionalId, KEY_TYPE_TRANSACTION, async (conn) => {
      const res = await conn.send<EndTxnResponse>(
        API.EndTxn,
        () => ({ transactionalId: this.transactionalId, producerId, producerEpoch, committed: commit }),
        { maxVersion: this.transactionVersion >= 2 ? undefined : 4 },
      );
      this.check(res.errorCode, 'EndTxn');
      return res;
    });
    // V2: the next transaction uses the epoch (or rotated producer id) the coordinator gave.
    if (this.transactionVersion >= 2 && r.producerId !== undefined && r.producerId >= 0)
      this.host.setIdentity(r.producerId, r.producerEpoch ?? 0);
  }

  // ---- failures --------------------------------------------------------------------------------

  /** A batch of the transaction was written: (V2) the broker added its partition to the transaction. */
  batchWritten(): void {
    this.started = true;
  }

  /** A batch of the transaction failed for good: the transaction can only be aborted now. */
  batchFailed(err: KafkaError): void {
    this.abortableOrFatal(err);
  }

  private abortableOrFatal(err: KafkaError): KafkaError {
    if (isFencingError(err.errorCode)) {
      this.state = 'fatal';
      this.lastError = kafkaError(
        err.errorCode,
        { api: err.api },
        'The producer was fenced: another producer uses the transactional id, or its transaction timed out.',
      );
    } else if (this.state !== 'fatal') {
      if (this.state !== 'ready' && this.state !== 'uninitialized') this.state = 'abortable';
      this.lastError ??= err;
    }
    return this.state === 'fatal' ? (this.lastError as KafkaError) : err;
  }

  get isFatal(): boolean {
    return this.state === 'fatal';
  }

  private failWith(e: KafkaError): never {
    if (isFencingError(e.errorCode)) {
      this.state = 'fatal';
      this.lastError = e;
    }
    throw e;
  }

  private illegal(what: string): KafkaError {
    return clientError('ILLEGAL_STATE', `${what} is not allowed when the transaction is ${this.state}`);
  }
}
