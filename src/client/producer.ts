// The producer. send() puts a record into the open batch of its partition (written straight into
// a pooled buffer); a batch leaves when it is full, when linger.ms has passed since it opened, or
// on flush(). The sender builds one Produce request per broker from the batches ready for the
// partitions it leads, up to max.in.flight.requests.per.connection requests in flight.
//
// Idempotence (on by default, as in the Java client): an InitProducerId gives a producer id and
// epoch, each batch gets the next sequence number of its partition when first sent, and a retry
// re-sends the same bytes with the same sequence, so the broker drops duplicates. While a
// partition has a batch to retry it sends one batch at a time, in sequence order, so a retry never
// overtakes or falls behind its neighbours. When a batch fails for good after it may have reached
// the broker (delivery timeout, a non-retriable error) the sequence numbers can no longer be
// trusted: the producer waits for its requests in flight, bumps its epoch (locally, as the Java
// client does for a producer without transactional id: brokers accept a higher epoch that starts
// at sequence 0; a fresh InitProducerId once the epoch would overflow) and starts every partition
// again from sequence 0.
import {
  Compression,
  type InitProducerIdResponse,
  type ProduceRequest,
  type ProduceResponse,
} from '../protocol/index.js';
import { compressSync } from '../protocol/records/compression.js';
import { Cluster, isStaleMetadataError } from './cluster.js';
import { type ProducerConfig, type ResolvedProducer, resolveProducerConfig } from './config.js';
import { clientError, KafkaError, kafkaError } from './errors.js';
import { type Partitioner, partitionForKey, StickyPartitions } from './partitioner.js';
import {
  headerList,
  ProducerBatch,
  type RecordHeaders,
  type RecordMetadata,
  recordSizeUpperBound,
} from './producer-batch.js';
import { Queue } from './queue.js';
import { API } from './versions.js';

export type { RecordHeaders, RecordMetadata };

export interface ProducerRecord {
  topic: string;
  key?: Buffer | string | null;
  value: Buffer | string | null;
  /** An explicit partition; otherwise the partitioner chooses. */
  partition?: number;
  /** CreateTime in ms (default: now). */
  timestamp?: number;
  headers?: RecordHeaders;
}

const CODECS: Record<string, Compression> = {
  none: Compression.None,
  gzip: Compression.Gzip,
  snappy: Compression.Snappy,
  lz4: Compression.Lz4,
  zstd: Compression.Zstd,
};

const MAX_SEQUENCE = 0x7fffffff;

class PartitionState {
  open: ProducerBatch | null = null;
  /** Sealed batches waiting to be sent, in order (retries first, by sequence). */
  readonly queue: ProducerBatch[] = [];
  inFlight = 0;
  nextSequence = 0;
  /** A batch of this partition is being retried: send one batch at a time until it is through. */
  retrying = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}
}

interface Waiting {
  record: ProducerRecord;
  resolve: (m: RecordMetadata) => void;
  reject: (e: KafkaError) => void;
  sinceMs: number;
}

export class Producer {
  readonly cluster: Cluster;
  readonly config: ResolvedProducer;
  private readonly codec: Compression;
  private readonly partitions = new Map<string, PartitionState[]>();
  private readonly sticky: StickyPartitions;
  private readonly partitioner: Partitioner | undefined;
  /** Records waiting for their topic's metadata or for buffer memory, in send order. */
  private readonly waiting = new Queue<Waiting>();
  private readonly pool: Buffer[] = [];
  private usedBytes = 0;
  private readonly openOrder: ProducerBatch[] = [];
  private openOrderHead = 0;
  private lingerTimer: NodeJS.Timeout | null = null;
  private lingerDueMs = 0;
  private drainScheduled = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly inFlightByNode = new Map<number, number>();
  private readonly outstanding = new Set<ProducerBatch>();
  private totalInFlight = 0;
  private flushing = 0;
  private closed = false;
  private idempotent: boolean;
  private producerId = -1;
  private producerEpoch = -1;
  private initPromise: Promise<void> | null = null;
  private bumpNeeded = false;
  private bumping = false;
  private fatal: KafkaError | null = null;
  private readonly metadataWaits = new Map<string, Promise<void>>();

  constructor(config: ProducerConfig) {
    this.config = resolveProducerConfig(config);
    this.cluster = new Cluster(this.config);
    this.codec = CODECS[this.config.compressionType];
    this.sticky = new StickyPartitions(Math.max(1, this.config.batchSize));
    this.partitioner = this.config.partitioner as Partitioner | undefined;
    this.idempotent = this.config.enableIdempotence;
  }

  /** Connects and, for an idempotent producer, gets a producer id (optional: send() does it too). */
  async connect(): Promise<void> {
    await this.cluster.refreshMetadata();
    if (this.idempotent) await this.ensureProducerId();
  }

  /** Bytes of buffer memory held by batches now (at most buffer.memory). */
  get bufferUsedBytes(): number {
    return this.usedBytes;
  }

  /** Records waiting for metadata or buffer memory. */
  get waitingRecords(): number {
    return this.waiting.length;
  }

  /** The producer id and epoch in use (-1 before the first idempotent send). */
  get identity(): { producerId: number; producerEpoch: number } {
    return { producerId: this.producerId, producerEpoch: this.producerEpoch };
  }

  /** Sends one record; resolves once the broker acknowledged it (per `acks`). */
  send(record: ProducerRecord): Promise<RecordMetadata> {
    if (this.closed) return Promise.reject(clientError('CLIENT_CLOSED', 'the producer is closed'));
    if (this.fatal) return Promise.reject(this.fatal);
    return new Promise<RecordMetadata>((resolve, reject) => {
      if (this.waiting.length > 0 || !this.tryAppend(record, resolve, reject)) {
        this.waiting.push({ record, resolve, reject, sinceMs: Date.now() });
        this.pumpWaiting();
      }
    });
  }

  /** Sends several records; resolves with their metadata in the same order. */
  sendBatch(records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    return Promise.all(records.map((r) => this.send(r)));
  }

  /**
   * Appends synchronously when the topic's metadata is known and memory allows; false means the
   * record must wait. Throws nothing: a bad record rejects its own promise.
   */
  private tryAppend(
    record: ProducerRecord,
    resolve: (m: RecordMetadata) => void,
    reject: (e: KafkaError) => void,
  ): boolean {
    const { topic } = record;
    const info = this.cluster.topics.get(topic);
    if (!info || info.partitions.length === 0) return false;
    const partitionCount = info.partitions.length;
    const key = record.key ?? null;
    const value = record.value ?? null;
    const keyBytes = key === null ? -1 : typeof key === 'string' ? Buffer.byteLength(key) : key.length;
    const valueBytes =
      value === null ? -1 : typeof value === 'string' ? Buffer.byteLength(value) : value.length;
    const headers = headerList(record.headers);
    const sizeBound = recordSizeUpperBound(keyBytes, valueBytes, headers) + 61;
    if (sizeBound > this.config.maxRequestSize || sizeBound > this.config.bufferMemory) {
      reject(
        kafkaError(
          10,
          { topic },
          `a record of about ${sizeBound} bytes exceeds max.request.size / buffer.memory`,
        ),
      );
      return true;
    }
    let partition = record.partition;
    let stickyChoice = false;
    if (partition === undefined) {
      if (this.partitioner) {
        partition = this.partitioner({
          topic,
          key: typeof key === 'string' ? Buffer.from(key) : key,
          value,
          partitionCount,
        });
      } else if (key !== null && !this.config.partitionerIgnoreKeys) {
        partition = partitionForKey(typeof key === 'string' ? Buffer.from(key) : key, partitionCount);
      } else {
        partition = this.sticky.partition(topic, partitionCount, this.availablePartitions(topic));
        stickyChoice = true;
      }
    }
    if (!Number.isInteger(partition) || partition < 0 || partition >= partitionCount) {
      reject(
        clientError(
          'INVALID_ARGUMENT',
          `partition ${partition} does not exist (the topic has ${partitionCount})`,
          { topic, partition },
        ),
      );
      return true;
    }
    const ps = this.partitionState(topic, partition);
    const timestamp = record.timestamp ?? Date.now();
    let batch: ProducerBatch | null = ps.open;
    let used = batch ? batch.tryAppend(timestamp, key, value, headers, keyBytes, valueBytes) : 0;
    if (batch === null || used === 0) {
      const capacity = Math.max(this.config.batchSize, sizeBound);
      if (this.usedBytes + capacity > this.config.bufferMemory) return false;
      if (batch) this.seal(ps);
      batch = this.newBatch(topic, partition, capacity);
      ps.open = batch;
      used = batch.tryAppend(timestamp, key, value, headers, keyBytes, valueBytes);
      if (used === 0) throw new Error('a record did not fit its own batch');
    }
    batch.resolvers.push(resolve);
    batch.rejecters.push(reject);
    if (stickyChoice) this.sticky.appended(topic, used, partitionCount, this.availablePartitions(topic));
    // A batch that cannot take another record of this size is ready now.
    if (batch.pos + used > batch.capacity || this.config.lingerMs === 0) {
      this.seal(ps);
      this.scheduleDrain();
    }
    return true;
  }

  private readonly available = new Map<string, { info: unknown; partitions: number[] }>();

  /** Partitions of a topic that have a leader, cached until the topic's metadata changes. */
  private availablePartitions(topic: string): number[] {
    const info = this.cluster.topics.get(topic);
    if (!info) return [];
    const cached = this.available.get(topic);
    if (cached && cached.info === info) return cached.partitions;
    const partitions: number[] = [];
    for (const p of info.partitions) if (p && p.leader >= 0) partitions.push(p.partition);
    this.available.set(topic, { info, partitions });
    return partitions;
  }

  private partitionState(topic: string, partition: number): PartitionState {
    let list = this.partitions.get(topic);
    if (!list) {
      list = [];
      this.partitions.set(topic, list);
    }
    let ps = list[partition];
    if (!ps) {
      ps = new PartitionState(topic, partition);
      list[partition] = ps;
    }
    return ps;
  }

  private newBatch(topic: string, partition: number, capacity: number): ProducerBatch {
    const pooled = capacity === this.config.batchSize && this.config.acks !== 0;
    const buf = pooled ? (this.pool.pop() ?? Buffer.allocUnsafeSlow(capacity)) : Buffer.allocUnsafe(capacity);
    this.usedBytes += capacity;
    const now = Date.now();
    const batch = new ProducerBatch(topic, partition, buf, pooled, now);
    this.outstanding.add(batch);
    this.openOrder.push(batch);
    this.armLinger(now + this.config.lingerMs);
    return batch;
  }

  private releaseBatch(batch: ProducerBatch): void {
    if (!this.outstanding.delete(batch)) return;
    this.usedBytes -= batch.capacity;
    if (batch.pooled && this.pool.length * this.config.batchSize < this.config.bufferMemory)
      this.pool.push(batch.buf);
    if (this.waiting.length > 0) this.pumpWaiting();
  }

  private seal(ps: PartitionState): void {
    const b = ps.open;
    if (!b) return;
    ps.open = null;
    b.sealed = true;
    ps.queue.push(b);
  }

  private armLinger(dueMs: number): void {
    if (this.lingerTimer && this.lingerDueMs <= dueMs) return;
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerDueMs = dueMs;
    this.lingerTimer = setTimeout(() => this.onLinger(), Math.max(0, dueMs - Date.now()));
  }

  private onLinger(): void {
    this.lingerTimer = null;
    const now = Date.now();
    const linger = this.config.lingerMs;
    while (this.openOrderHead < this.openOrder.length) {
      const b = this.openOrder[this.openOrderHead];
      if (!b.sealed) {
        if (b.createdMs + linger > now) {
          this.armLinger(b.createdMs + linger);
          break;
        }
        this.seal(this.partitionState(b.topic, b.partition));
      }
      this.openOrderHead++;
    }
    if (this.openOrderHead > 1024 && this.openOrderHead * 2 > this.openOrder.length) {
      this.openOrder.splice(0, this.openOrderHead);
      this.openOrderHead = 0;
    }
    this.scheduleDrain();
  }

  /** Moves waiting records into batches, in order, as metadata and memory allow. */
  private pumpWaiting(): void {
    while (this.waiting.length > 0) {
      const w = this.waiting.peek() as Waiting;
      if (this.fatal) {
        this.waiting.shift();
        w.reject(this.fatal);
        continue;
      }
      const info = this.cluster.topics.get(w.record.topic);
      if (!info || info.partitions.length === 0) {
        this.awaitMetadata(w.record.topic);
        return;
      }
      if (!this.tryAppend(w.record, w.resolve, w.reject)) {
        // Out of buffer memory: send what is there and wait for a batch to complete.
        this.sealAll();
        this.scheduleDrain();
        this.armBlockTimeout();
        return;
      }
      this.waiting.shift();
    }
  }

  private blockTimer: NodeJS.Timeout | null = null;

  private armBlockTimeout(): void {
    if (this.blockTimer) return;
    this.blockTimer = setTimeout(
      () => {
        this.blockTimer = null;
        const now = Date.now();
        while (
          this.waiting.length > 0 &&
          now - (this.waiting.peek() as Waiting).sinceMs >= this.config.maxBlockMs
        ) {
          const w = this.waiting.shift() as Waiting;
          w.reject(
            clientError(
              'BUFFER_EXHAUSTED',
              `no buffer memory for ${this.config.maxBlockMs} ms (buffer.memory)`,
              { topic: w.record.topic, retriable: true },
            ),
          );
        }
        if (this.waiting.length > 0) this.armBlockTimeout();
      },
      Math.max(10, this.config.maxBlockMs / 4),
    );
    this.blockTimer.unref();
  }

  private awaitMetadata(topic: string): void {
    if (this.metadataWaits.has(topic)) return;
    const p = this.cluster
      .topic(topic, { deadlineMs: this.config.maxBlockMs, autoCreate: this.config.allowAutoCreateTopics })
      .then(
        () => {
          this.metadataWaits.delete(topic);
          this.pumpWaiting();
        },
        (err: KafkaError) => {
          this.metadataWaits.delete(topic);
          // Every record waiting for this topic fails; the others keep their order.
          for (const w of this.waiting.removeWhere((x) => x.record.topic === topic)) w.reject(err);
          this.pumpWaiting();
        },
      );
    this.metadataWaits.set(topic, p);
  }

  private sealAll(): void {
    for (const list of this.partitions.values()) for (const ps of list) if (ps?.open) this.seal(ps);
  }

  /**
   * Drains soon: after the current tick's sends (so they share batches), or, once responses came
   * in (`afterResponses`), right after the other responses of the same read are handled.
   */
  private scheduleDrain(afterResponses = false): void {
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

  private microDrainScheduled = false;

  private async ensureProducerId(): Promise<void> {
    if (!this.initPromise) {
      this.initPromise = this.initProducerId(false).catch((e: KafkaError) => {
        this.initPromise = null;
        throw e;
      });
    }
    return this.initPromise;
  }

  /** Every partition starts again from sequence 0 (after a new producer id or epoch). */
  private resetSequences(): void {
    for (const list of this.partitions.values()) {
      for (const ps of list) {
        if (!ps) continue;
        ps.nextSequence = 0;
        ps.retrying = false;
        for (const b of ps.queue) b.baseSequence = -1;
      }
    }
  }

  /**
   * A new epoch for an idempotent producer, as the Java client does it: bumped here, without a
   * request (brokers accept a higher epoch starting at sequence 0), or a fresh producer id once the
   * epoch would overflow.
   */
  private async bumpEpoch(): Promise<void> {
    if (this.producerEpoch >= 0 && this.producerEpoch < 0x7fff) {
      this.producerEpoch++;
      this.resetSequences();
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
    this.resetSequences();
  }

  /** Sends what is ready, per broker, within the in-flight limits. */
  private drain(): void {
    if (this.fatal) return;
    if (this.idempotent && this.producerId < 0) {
      this.ensureProducerId().then(
        () => this.scheduleDrain(),
        (e: KafkaError) => this.fail(e),
      );
      return;
    }
    if (this.bumpNeeded) {
      if (this.totalInFlight > 0 || this.bumping) return;
      this.bumping = true;
      this.bumpEpoch().then(
        () => {
          this.bumping = false;
          this.bumpNeeded = false;
          this.scheduleDrain();
        },
        (e: KafkaError) => {
          this.bumping = false;
          this.fail(e);
        },
      );
      return;
    }
    const now = Date.now();
    let needMetadata = false;
    let earliestRetry = Number.POSITIVE_INFINITY;
    let passes = 0;
    // Several requests per broker leave together (one write, appended together by the broker),
    // but at most half the in-flight limit at a time: the next burst is then on its way while the
    // broker works on this one, instead of both sides taking turns waiting.
    const burst = Math.max(1, Math.ceil(this.config.maxInFlightRequestsPerConnection / 2));
    for (;;) {
      const byNode = new Map<number, ProducerBatch[]>();
      const sizeByNode = new Map<number, number>();
      for (const list of this.partitions.values()) {
        for (const ps of list) {
          if (!ps) continue;
          if (ps.queue.length === 0) {
            if (!ps.open || !(this.flushing > 0 || this.closed)) continue;
            this.seal(ps);
          }
          const batch = ps.queue[0];
          if (this.expireIfLate(ps, batch, now)) continue;
          if (batch.retryAfterMs > now) {
            earliestRetry = Math.min(earliestRetry, batch.retryAfterMs);
            continue;
          }
          if (ps.retrying && ps.inFlight > 0) continue;
          if (this.idempotent && ps.inFlight >= 5) continue;
          const leader = this.cluster.leaderOf(ps.topic, ps.partition);
          if (leader < 0) {
            needMetadata = true;
            continue;
          }
          if ((this.inFlightByNode.get(leader) ?? 0) >= this.config.maxInFlightRequestsPerConnection)
            continue;
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
      if (byNode.size === 0) break;
      for (const [node, batches] of byNode) this.sendProduce(node, batches);
      if (++passes >= burst) {
        this.scheduleDrain();
        break;
      }
    }
    if (needMetadata) this.refreshThenDrain();
    if (earliestRetry !== Number.POSITIVE_INFINITY && !this.retryTimer) {
      this.retryTimer = setTimeout(
        () => {
          this.retryTimer = null;
          this.drain();
        },
        Math.max(1, earliestRetry - now),
      );
    }
  }

  private metadataRefreshing = false;

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
      const ps = this.partitionState(b.topic, b.partition);
      if (this.idempotent && b.baseSequence < 0) {
        b.baseSequence = ps.nextSequence;
        ps.nextSequence = (ps.nextSequence + b.count) % (MAX_SEQUENCE + 1);
      }
      const wire = b.finish(
        this.codec,
        compressSync,
        this.idempotent ? this.producerId : -1,
        this.idempotent ? this.producerEpoch : -1,
        this.idempotent ? b.baseSequence : -1,
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
      transactionalId: null,
      acks: this.config.acks,
      timeoutMs: this.config.requestTimeoutMs,
      topicData: [...byTopic].map(([name, partitionData]) => ({ name, partitionData })),
    };
    this.inFlightByNode.set(node, (this.inFlightByNode.get(node) ?? 0) + 1);
    this.totalInFlight++;
    const acks0 = this.config.acks === 0;
    this.cluster
      .sendTo<ProduceResponse | undefined>(node, API.Produce, () => body, acks0 ? { noResponse: true } : {})
      .then(
        (res) => this.onProduced(node, batches, res),
        (err: KafkaError) => this.onProduceFailed(node, batches, err),
      );
  }

  private requestDone(node: number, batches: ProducerBatch[]): void {
    this.inFlightByNode.set(node, (this.inFlightByNode.get(node) ?? 1) - 1);
    this.totalInFlight--;
    for (const b of batches) this.partitionState(b.topic, b.partition).inFlight--;
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
      const ps = this.partitionState(b.topic, b.partition);
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
      this.retryOrFail(this.partitionState(b.topic, b.partition), b, located);
    }
    if (err.retriable) this.refreshThenDrain();
    this.scheduleDrain(true);
  }

  private retryOrFail(ps: PartitionState, b: ProducerBatch, err: KafkaError): void {
    const late = Date.now() - b.createdMs >= this.config.deliveryTimeoutMs;
    if (err.retriable && !late && b.attempts <= this.config.retries && !this.closedHard) {
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
    // A batch that may have been written leaves a hole in the sequence: start a new epoch.
    if (this.idempotent && b.everSent) this.bumpNeeded = true;
    b.reject(err);
    this.releaseBatch(b);
    this.maybeEndRetrying(ps);
  }

  private complete(b: ProducerBatch, baseOffset: number, logAppendTimeMs: number): void {
    b.resolve(baseOffset, logAppendTimeMs);
    this.releaseBatch(b);
    this.maybeEndRetrying(this.partitionState(b.topic, b.partition));
  }

  private maybeEndRetrying(ps: PartitionState): void {
    if (ps.retrying && ps.inFlight === 0 && !ps.queue.some((q) => q.attempts > 0)) ps.retrying = false;
  }

  private fail(err: KafkaError): void {
    this.fatal = err;
    for (const list of this.partitions.values()) {
      for (const ps of list) {
        if (!ps) continue;
        if (ps.open) this.seal(ps);
        for (const b of ps.queue.splice(0)) {
          b.reject(err);
          this.releaseBatch(b);
        }
      }
    }
    this.pumpWaiting();
  }

  /** Sends everything buffered now and resolves when all of it is acknowledged (or failed). */
  async flush(): Promise<void> {
    this.flushing++;
    try {
      for (;;) {
        this.sealAll();
        this.drain();
        if (this.outstanding.size === 0 && this.waiting.length === 0) return;
        const first = this.outstanding.values().next().value as ProducerBatch | undefined;
        if (first) await first.whenDone();
        else await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      this.flushing--;
    }
  }

  private closedHard = false;

  /** Flushes (up to `timeoutMs`), then closes the connections. */
  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    const timeoutMs = options.timeoutMs ?? this.config.deliveryTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.flush(),
        new Promise((r) => {
          timer = setTimeout(r, timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
    this.closed = true;
    this.closedHard = true;
    const err = clientError('CLIENT_CLOSED', 'the producer closed before the record was sent');
    for (const w of this.waiting.clear()) w.reject(err);
    this.fail(err);
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.blockTimer) clearTimeout(this.blockTimer);
    await this.cluster.close();
  }
}
