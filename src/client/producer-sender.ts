// The producer's sender: drains the batches queued per partition into one Produce request per
// partition leader, within max.in.flight.requests.per.connection and max.request.size, and settles
// them from the responses: done, retried (the same bytes, after a backoff, in sequence order), or
// failed. It also holds the idempotent producer's identity: the producer id and epoch from
// InitProducerId, the sequence number of each partition, and the epoch bump after a batch failed
// for good once it may have been written.
import {
  Compression,
  type InitProducerIdResponse,
  type ProduceRequest,
  type ProduceResponse,
} from '../protocol/index.js';
import { compressSync } from '../protocol/records/compression.js';
import { type Cluster, isStaleMetadataError } from './cluster.js';
import type { ResolvedProducer } from './config.js';
import { clientError, KafkaError, kafkaError } from './errors.js';
import type { ProducerBatch } from './producer-batch.js';
import { isFencingError, TransactionManager } from './producer-txn.js';
import { API } from './versions.js';

const CODECS: Record<string, Compression> = {
  none: Compression.None,
  gzip: Compression.Gzip,
  snappy: Compression.Snappy,
  lz4: Compression.Lz4,
  zstd: Compression.Zstd,
};

const MAX_SEQUENCE = 0x7fffffff;

/** A partition's batches: the one being filled and the sealed ones waiting to be sent. */
export class PartitionState {
  open: ProducerBatch | null = null;
  /** Sealed batches waiting to be sent, in order (retries first, by sequence). */
  readonly queue: ProducerBatch[] = [];
  inFlight = 0;
  nextSequence = 0;
  /** A batch of this partition is being retried: send one batch at a time until it is through. */
  retrying = false;
  /**
   * The epoch was bumped while batches of this partition sent under the old one were unresolved:
   * they are retried with the identity and sequence they were first sent with (so the broker still
   * recognises a copy it already has), and new batches wait until they are through.
   */
  oldIdentity = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}
}

export interface SenderHost {
  /** Partition states by topic, indexed by partition. */
  readonly partitions: ReadonlyMap<string, readonly (PartitionState | undefined)[]>;
  partitionState(topic: string, partition: number): PartitionState;
  /** Moves a partition's open batch to the end of its queue. */
  seal(ps: PartitionState): void;
  /** Gives a settled batch's buffer memory back. */
  release(batch: ProducerBatch): void;
  /** Open batches leave now, without waiting for linger.ms (the producer flushes or closes). */
  sendOpenBatches(): boolean;
  /** The producer closed for good: nothing is retried any more. */
  closedHard(): boolean;
  /** The failure that stopped the producer, or null. */
  fatal(): KafkaError | null;
  /** Stops the producer: everything buffered and waiting fails with `err`. */
  fail(err: KafkaError): void;
}

export class Sender {
  /** Off when the broker has no InitProducerId. */
  idempotent: boolean;
  private readonly codec: Compression;
  private drainScheduled = false;
  private microDrainScheduled = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private metadataRefreshing = false;
  private readonly inFlightByNode = new Map<number, number>();
  private totalInFlight = 0;
  private producerId = -1;
  private producerEpoch = -1;
  private initPromise: Promise<void> | null = null;
  private bumpNeeded = false;
  private bumping = false;
  /** The transaction state of a producer with a transactional.id (null otherwise). */
  readonly txn: TransactionManager | null;

  constructor(
    private readonly cluster: Cluster,
    private readonly config: ResolvedProducer,
    private readonly host: SenderHost,
  ) {
    this.codec = CODECS[this.config.compressionType];
    this.idempotent = this.config.enableIdempotence;
    this.txn = this.config.transactionalId
      ? new TransactionManager(cluster, config, {
          setIdentity: (producerId, producerEpoch) => {
            this.producerId = producerId;
            this.producerEpoch = producerEpoch;
            this.resetSequences();
          },
          identity: () => this.identity,
          scheduleDrain: () => this.scheduleDrain(),
        })
      : null;
  }

  /** The producer id and epoch in use (-1 before the first idempotent send). */
  get identity(): { producerId: number; producerEpoch: number } {
    return { producerId: this.producerId, producerEpoch: this.producerEpoch };
  }

  /** Stops the retry timer (the producer is closing). */
  stop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  /**
   * Drains soon: after the current tick's sends (so they share batches), or, once responses came
   * in (`afterResponses`), right after the other responses of the same read are handled.
   */
  scheduleDrain(afterResponses = false): void {
    if (afterResponses && !this.microDrainScheduled) {
      this.microDrainScheduled = true;
      queueMicrotask(() => {
        this.microDrainScheduled = false;
        this.drain();
      });
    }
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  /** Sends what is ready, per broker, within the in-flight limits. */
  drain(): void {
    if (this.host.fatal() || !this.identityReady()) return;
    const now = Date.now();
    const due = { needMetadata: false, earliestRetryMs: Number.POSITIVE_INFINITY };
    let passes = 0;
    // Several requests per broker leave together (one write, appended together by the broker),
    // but at most half the in-flight limit at a time: the next burst is then on its way while the
    // broker works on this one, instead of both sides taking turns waiting.
    const burst = Math.max(1, Math.ceil(this.config.maxInFlightRequestsPerConnection / 2));
    for (;;) {
      const byNode = this.takeReady(now, due);
      if (byNode.size === 0) break;
      for (const [node, batches] of byNode) this.sendProduce(node, batches);
      if (++passes >= burst) {
        this.scheduleDrain();
        break;
      }
    }
    if (due.needMetadata) this.refreshThenDrain();
    if (due.earliestRetryMs !== Number.POSITIVE_INFINITY && !this.retryTimer) {
      this.retryTimer = setTimeout(
        () => {
          this.retryTimer = null;
          this.drain();
        },
        Math.max(1, due.earliestRetryMs - now),
      );
    }
  }

  /**
   * An idempotent producer sends only with a producer id, and bumps its epoch once nothing is in
   * flight; false means not now (drain runs again when that is done).
   */
  private identityReady(): boolean {
    // A transactional producer gets its id from initTransactions() and never bumps its epoch alone.
    if (this.txn) return this.producerId >= 0;
    if (this.idempotent && this.producerId < 0) {
      this.ensureProducerId().then(
        () => this.scheduleDrain(),
        (e: KafkaError) => this.host.fail(e),
      );
      return false;
    }
    if (!this.bumpNeeded) return true;
    if (this.totalInFlight > 0 || this.bumping) return false;
    this.bumping = true;
    this.bumpEpoch().then(
      () => {
        this.bumping = false;
        this.bumpNeeded = false;
        this.scheduleDrain();
      },
      (e: KafkaError) => {
        this.bumping = false;
        this.host.fail(e);
      },
    );
    return false;
  }

  /**
   * One pass over the partitions: takes the batch at the head of each queue that may leave now,
   * grouped by leader, and notes what holds the others back (a missing leader, a retry backoff).
   */
  private takeReady(
    now: number,
    due: { needMetadata: boolean; earliestRetryMs: number },
  ): Map<number, ProducerBatch[]> {
    const byNode = new Map<number, ProducerBatch[]>();
    const sizeByNode = new Map<number, number>();
    for (const list of this.host.partitions.values()) {
      for (const ps of list) {
        if (!ps) continue;
        if (ps.queue.length === 0) {
          if (!ps.open || !this.host.sendOpenBatches()) continue;
          this.host.seal(ps);
        }
        const batch = ps.queue[0];
        if (this.expireIfLate(ps, batch, now)) continue;
        if (batch.retryAfterMs > now) {
          due.earliestRetryMs = Math.min(due.earliestRetryMs, batch.retryAfterMs);
          continue;
        }
        if (ps.retrying && ps.inFlight > 0) continue;
        if (ps.oldIdentity && batch.baseSequence < 0 && !this.leaveOldIdentity(ps)) continue;
        if (this.idempotent && ps.inFlight >= 5) continue;
        const leader = this.cluster.leaderOf(ps.topic, ps.partition);
        if (leader < 0) {
          due.needMetadata = true;
          continue;
        }
        if ((this.inFlightByNode.get(leader) ?? 0) >= this.config.maxInFlightRequestsPerConnection) continue;
        if (this.txn?.holdForRegistration(ps.topic, ps.partition)) continue;
        const size = sizeByNode.get(leader) ?? 0;
        const bytes = batch.pos + 100;
        if (size > 0 && size + bytes > this.config.maxRequestSize) continue;
        ps.queue.shift();
        sizeByNode.set(leader, size + bytes);
        const list2 = byNode.get(leader);
        if (list2) list2.push(batch);
        else byNode.set(leader, [batch]);
      }
    }
    return byNode;
  }

  private refreshThenDrain(): void {
    if (this.metadataRefreshing) return;
    this.metadataRefreshing = true;
    this.cluster
      .refreshMetadata()
      .catch(() => {})
      .then(() => {
        this.metadataRefreshing = false;
        setTimeout(() => this.scheduleDrain(), this.config.retryBackoffMs);
      });
  }

  /** Fails a batch that has been around longer than delivery.timeout.ms. */
  private expireIfLate(ps: PartitionState, batch: ProducerBatch, now: number): boolean {
    if (now - batch.createdMs < this.config.deliveryTimeoutMs) return false;
    ps.queue.shift();
    this.failBatch(
      ps,
      batch,
      clientError(
        'DELIVERY_TIMEOUT',
        `record not acknowledged within delivery.timeout.ms (${this.config.deliveryTimeoutMs} ms)`,
        {
          topic: ps.topic,
          partition: ps.partition,
          retriable: true,
          errorCode: 7,
        },
      ),
    );
    return true;
  }

  private sendProduce(node: number, batches: ProducerBatch[]): void {
    const byTopic = new Map<string, { index: number; records: Buffer }[]>();
    for (const b of batches) {
      const ps = this.host.partitionState(b.topic, b.partition);
      // A batch keeps the identity it was first sent with: a retry is the same batch to the broker.
      const fresh = b.baseSequence < 0;
      if (this.idempotent && fresh) {
        b.baseSequence = ps.nextSequence;
        ps.nextSequence = (ps.nextSequence + b.count) % (MAX_SEQUENCE + 1);
      }
      const wire = b.finish(
        this.codec,
        compressSync,
        this.idempotent ? (fresh ? this.producerId : b.producerId) : -1,
        this.idempotent ? (fresh ? this.producerEpoch : b.producerEpoch) : -1,
        this.idempotent ? b.baseSequence : -1,
        this.txn !== null,
      );
      b.attempts++;
      b.everSent = true;
      ps.inFlight++;
      const list = byTopic.get(b.topic);
      const entry = { index: b.partition, records: wire };
      if (list) list.push(entry);
      else byTopic.set(b.topic, [entry]);
    }
    const body: ProduceRequest = {
      transactionalId: this.txn ? this.config.transactionalId : null,
      acks: this.config.acks,
      timeoutMs: this.config.requestTimeoutMs,
      topicData: [...byTopic].map(([name, partitionData]) => ({ name, partitionData })),
    };
    this.inFlightByNode.set(node, (this.inFlightByNode.get(node) ?? 0) + 1);
    this.totalInFlight++;
    const acks0 = this.config.acks === 0;
    // A transactions-V1 producer stays below Produce v12, which would add partitions on the broker's side.
    const maxVersion = this.txn && this.txn.transactionVersion < 2 ? 11 : undefined;
    this.cluster
      .sendTo<ProduceResponse | undefined>(node, API.Produce, () => body, { noResponse: acks0, maxVersion })
      .then(
        (res) => this.onProduced(node, batches, res),
        (err: KafkaError) => this.onProduceFailed(node, batches, err),
      );
  }

  private requestDone(node: number, batches: ProducerBatch[]): void {
    this.inFlightByNode.set(node, (this.inFlightByNode.get(node) ?? 1) - 1);
    this.totalInFlight--;
    for (const b of batches) this.host.partitionState(b.topic, b.partition).inFlight--;
  }

  private onProduced(node: number, batches: ProducerBatch[], res: ProduceResponse | undefined): void {
    this.requestDone(node, batches);
    if (!res) {
      for (const b of batches) this.complete(b, -1, -1);
      this.scheduleDrain(true);
      return;
    }
    const results = new Map<
      string,
      { errorCode: number; baseOffset: number; logAppendTimeMs: number; errorMessage: string | null }
    >();
    for (const t of res.responses) {
      for (const p of t.partitionResponses) {
        results.set(`${t.name}\u0000${p.index}`, {
          errorCode: p.errorCode,
          baseOffset: p.baseOffset,
          logAppendTimeMs: p.logAppendTimeMs ?? -1,
          errorMessage: p.errorMessage ?? null,
        });
      }
    }
    let refresh = false;
    for (const b of batches) {
      const r = results.get(`${b.topic}\u0000${b.partition}`);
      const ps = this.host.partitionState(b.topic, b.partition);
      if (!r) {
        this.retryOrFail(
          ps,
          b,
          clientError('PROTOCOL_ERROR', 'the Produce response left out a partition', {
            topic: b.topic,
            partition: b.partition,
            broker: node,
            retriable: true,
          }),
        );
        continue;
      }
      if (r.errorCode === 0 || r.errorCode === 46) {
        this.complete(b, r.errorCode === 0 ? r.baseOffset : -1, r.logAppendTimeMs);
        continue;
      }
      const err = kafkaError(
        r.errorCode,
        { topic: b.topic, partition: b.partition, broker: node, api: 'Produce' },
        r.errorMessage,
      );
      if (isStaleMetadataError(r.errorCode)) refresh = true;
      if (this.txn && (r.errorCode === 45 || r.errorCode === 59 || isFencingError(r.errorCode))) {
        // Inside a transaction a lost sequence or a fenced epoch cannot be repaired by retrying.
        this.failBatch(ps, b, err);
        continue;
      }
      if ((r.errorCode === 45 || r.errorCode === 59) && this.idempotent && this.isOldIdentity(b)) {
        // Refused under the old epoch: neither it nor the old batches after it were written (the
        // broker would have recognised a copy), so they go again under the new epoch.
        this.forgetOldIdentity(ps, b);
        this.requeue(ps, b);
        continue;
      }
      if (r.errorCode === 45 && this.idempotent && !ps.retrying) {
        // Out of order with nothing of ours to explain it: the broker lost our state.
        this.bumpNeeded = true;
        this.requeue(ps, b);
        continue;
      }
      if (r.errorCode === 45 || r.errorCode === 59) {
        if (r.errorCode === 59) this.bumpNeeded = true;
        this.requeue(ps, b);
        continue;
      }
      this.retryOrFail(ps, b, err);
    }
    if (refresh) this.refreshThenDrain();
    this.scheduleDrain(true);
  }

  private onProduceFailed(node: number, batches: ProducerBatch[], err: KafkaError): void {
    this.requestDone(node, batches);
    for (const b of batches) {
      const located = new KafkaError(err.code, err.message, {
        errorCode: err.errorCode,
        retriable: err.retriable,
        broker: err.broker,
        api: 'Produce',
        topic: b.topic,
        partition: b.partition,
        cause: err,
      });
      this.retryOrFail(this.host.partitionState(b.topic, b.partition), b, located);
    }
    if (err.retriable) this.refreshThenDrain();
    this.scheduleDrain(true);
  }

  private retryOrFail(ps: PartitionState, b: ProducerBatch, err: KafkaError): void {
    const late = Date.now() - b.createdMs >= this.config.deliveryTimeoutMs;
    if (err.retriable && !late && b.attempts <= this.config.retries && !this.host.closedHard()) {
      this.requeue(ps, b);
      return;
    }
    if (err.retriable && late) {
      // Out of time rather than out of luck: say so, with the last failure as the cause.
      err = clientError(
        'DELIVERY_TIMEOUT',
        `record not acknowledged within delivery.timeout.ms (${this.config.deliveryTimeoutMs} ms); last error: ${err.message}`,
        {
          topic: ps.topic,
          partition: ps.partition,
          retriable: true,
          errorCode: 7,
          cause: err,
        },
      );
    }
    this.failBatch(ps, b, err);
  }

  private requeue(ps: PartitionState, b: ProducerBatch): void {
    ps.retrying = true;
    b.retryAfterMs = Date.now() + this.cluster.backoffMs(Math.max(0, b.attempts - 1));
    // Batches go back in the order they were made (which is their sequence order).
    let i = 0;
    while (i < ps.queue.length && ps.queue[i].id < b.id) i++;
    ps.queue.splice(i, 0, b);
  }

  private failBatch(ps: PartitionState, b: ProducerBatch, err: KafkaError): void {
    if (this.txn) {
      // The transaction cannot commit without this batch; a fenced producer cannot do anything more.
      this.txn.batchFailed(err);
      if (this.txn.isFatal && this.txn.lastError)
        queueMicrotask(() => this.host.fail(this.txn?.lastError as KafkaError));
    } else if (this.idempotent && b.everSent) {
      // A batch that may have been written leaves a hole in the sequence: start a new epoch.
      this.bumpNeeded = true;
    }
    b.reject(err);
    this.host.release(b);
    this.maybeEndRetrying(ps);
  }

  private complete(b: ProducerBatch, baseOffset: number, logAppendTimeMs: number): void {
    this.txn?.batchWritten();
    b.resolve(baseOffset, logAppendTimeMs);
    this.host.release(b);
    this.maybeEndRetrying(this.host.partitionState(b.topic, b.partition));
  }

  private maybeEndRetrying(ps: PartitionState): void {
    if (ps.retrying && ps.inFlight === 0 && !ps.queue.some((q) => q.attempts > 0)) ps.retrying = false;
  }

  // ---- idempotence ---------------------------------------------------------------------------

  /** Gets a producer id (InitProducerId) once; after a failure the next call tries again. */
  async ensureProducerId(): Promise<void> {
    if (!this.initPromise) {
      this.initPromise = this.initProducerId(false).catch((e: KafkaError) => {
        this.initPromise = null;
        throw e;
      });
    }
    return this.initPromise;
  }

  /**
   * Every partition starts again from sequence 0 (after a new producer id or epoch). With
   * `keepUnresolved` (an idempotent producer's own bump), a partition whose batches sent under the
   * old identity are not through yet keeps them as they were sent: re-sending one under the new
   * epoch from sequence 0 would store it twice if its first copy was written (the broker
   * deduplicates by producer id, epoch and sequence). It starts again once they are through.
   */
  resetSequences(keepUnresolved = false): void {
    for (const list of this.host.partitions.values()) {
      for (const ps of list) {
        if (!ps) continue;
        if (keepUnresolved && (ps.inFlight > 0 || ps.queue.some((b) => b.baseSequence >= 0))) {
          ps.oldIdentity = true;
          continue;
        }
        ps.nextSequence = 0;
        ps.retrying = false;
        ps.oldIdentity = false;
        for (const b of ps.queue) b.baseSequence = -1;
      }
    }
  }

  /** Whether a batch was sent under an identity older than the one in use. */
  private isOldIdentity(b: ProducerBatch): boolean {
    return (
      b.baseSequence >= 0 && (b.producerId !== this.producerId || b.producerEpoch !== this.producerEpoch)
    );
  }

  /** `refused` and the old-identity batches queued after it will go again under the new identity. */
  private forgetOldIdentity(ps: PartitionState, refused: ProducerBatch): void {
    refused.baseSequence = -1;
    for (const b of ps.queue) if (b.id > refused.id && this.isOldIdentity(b)) b.baseSequence = -1;
  }

  /** A partition on the old identity moves to the new one once nothing of the old is left. */
  private leaveOldIdentity(ps: PartitionState): boolean {
    if (ps.inFlight > 0 || ps.queue.some((b) => b.baseSequence >= 0)) return false;
    ps.oldIdentity = false;
    ps.nextSequence = 0;
    return true;
  }

  /**
   * A new epoch for an idempotent producer, as the Java client does it: bumped here, without a
   * request (brokers accept a higher epoch starting at sequence 0), or a fresh producer id once the
   * epoch would overflow.
   */
  private async bumpEpoch(): Promise<void> {
    if (this.producerEpoch >= 0 && this.producerEpoch < 0x7fff) {
      this.producerEpoch++;
      this.resetSequences(true);
      return;
    }
    await this.initProducerId(true);
  }

  private async initProducerId(bump: boolean): Promise<void> {
    const res = await this.cluster.withRetries(
      'InitProducerId',
      async () => {
        const conn = await this.cluster.anyConnection();
        if (conn.versionOf(API.InitProducerId) === undefined) {
          if (this.config.enableIdempotence && !bump) {
            this.config.logger?.warn?.('the broker has no InitProducerId: idempotence is off');
            this.idempotent = false;
            return null;
          }
        }
        const r = await conn.send<InitProducerIdResponse>(API.InitProducerId, () => ({
          transactionalId: null,
          transactionTimeoutMs: 60_000,
          producerId: -1,
          producerEpoch: -1,
        }));
        if (r.errorCode !== 0) throw kafkaError(r.errorCode, { api: 'InitProducerId', broker: conn.label });
        return r;
      },
      this.config.deliveryTimeoutMs,
    );
    if (!res) return;
    this.producerId = res.producerId;
    this.producerEpoch = res.producerEpoch;
    this.resetSequences(bump);
  }
}
