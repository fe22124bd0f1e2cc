// The producer. send() puts a record into the open batch of its partition (written straight into
// a pooled buffer); a batch leaves when it is full, when linger.ms has passed since it opened, or
// on flush(). The sender (producer-sender.ts) builds one Produce request per broker from the
// batches ready for the partitions it leads, up to max.in.flight.requests.per.connection requests
// in flight.
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
import { Cluster } from './cluster.js';
import { type ProducerConfig, type ResolvedProducer, resolveProducerConfig } from './config.js';
import { clientError, type KafkaError, kafkaError } from './errors.js';
import { type Partitioner, partitionForKey, StickyPartitions } from './partitioner.js';
import {
  type Delivered,
  type Failed,
  headerList,
  ProducerBatch,
  type RecordHeaders,
  type RecordMetadata,
  recordSizeUpperBound,
} from './producer-batch.js';
import { PartitionState, Sender } from './producer-sender.js';
import type { GroupMetadata, OffsetToSend, TransactionManager } from './producer-txn.js';
import { Queue } from './queue.js';

export type { GroupMetadata, OffsetToSend } from './producer-txn.js';
export type { RecordHeaders, RecordMetadata };

/** What a `transaction()` callback may do: send, and commit a consumer's offsets with the records. */
export interface Transaction {
  send(record: ProducerRecord): Promise<RecordMetadata>;
  sendBatch(records: readonly ProducerRecord[]): Promise<RecordMetadata[]>;
  /** Commits the group's offsets in this transaction (a Consumer, or its groupMetadata()). */
  sendOffsets(
    offsets: readonly OffsetToSend[],
    group: GroupMetadata | { groupMetadata(): GroupMetadata | null },
  ): Promise<void>;
}

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

interface Waiting {
  record: ProducerRecord;
  resolve: Delivered;
  reject: Failed;
  token: unknown;
  sinceMs: number;
}

export class Producer {
  readonly cluster: Cluster;
  readonly config: ResolvedProducer;
  private readonly sender: Sender;
  private readonly partitions = new Map<string, PartitionState[]>();
  private readonly sticky: StickyPartitions;
  private readonly partitioner: Partitioner | undefined;
  private readonly available = new Map<string, { info: unknown; partitions: number[] }>();
  /** Records waiting for their topic's metadata or for buffer memory, in send order. */
  private readonly waiting = new Queue<Waiting>();
  private blockTimer: NodeJS.Timeout | null = null;
  private readonly metadataWaits = new Map<string, Promise<void>>();
  /** When each topic's metadata was last refreshed for a partition it did not know. */
  private readonly partitionRefreshMs = new Map<string, number>();
  private readonly pool: Buffer[] = [];
  private usedBytes = 0;
  private readonly outstanding = new Set<ProducerBatch>();
  private readonly openOrder: ProducerBatch[] = [];
  private openOrderHead = 0;
  private lingerTimer: NodeJS.Timeout | null = null;
  private lingerDueMs = 0;
  private flushing = 0;
  private closed = false;
  /** Closed for good: nothing is retried any more. */
  private closedHard = false;
  private fatal: KafkaError | null = null;

  constructor(config: ProducerConfig) {
    this.config = resolveProducerConfig(config);
    this.cluster = new Cluster(this.config);
    this.sticky = new StickyPartitions(Math.max(1, this.config.batchSize));
    this.partitioner = this.config.partitioner as Partitioner | undefined;
    this.sender = new Sender(this.cluster, this.config, {
      partitions: this.partitions,
      partitionState: (topic, partition) => this.partitionState(topic, partition),
      seal: (ps) => this.seal(ps),
      release: (batch) => this.releaseBatch(batch),
      sendOpenBatches: () => this.flushing > 0 || this.closed,
      closedHard: () => this.closedHard,
      fatal: () => this.fatal,
      fail: (err) => this.fail(err),
    });
  }

  /** Connects and, for an idempotent producer, gets a producer id (optional: send() does it too). */
  async connect(): Promise<void> {
    await this.cluster.refreshMetadata();
    if (this.sender.idempotent && !this.sender.txn) await this.sender.ensureProducerId();
  }

  // ---- transactions ------------------------------------------------------------------------------

  private transactional(what: string): TransactionManager {
    if (!this.sender.txn)
      throw clientError('ILLEGAL_STATE', `${what} needs a producer with a transactional.id`);
    return this.sender.txn;
  }

  /**
   * Registers the transactional.id with its coordinator (InitProducerId): gets the producer id and a
   * new epoch, which fences any older producer with the same id and aborts its open transaction.
   */
  async initTransactions(): Promise<void> {
    const txn = this.transactional('initTransactions');
    await this.cluster.refreshMetadata().catch(() => {});
    await txn.init();
  }

  /** Starts a transaction: what is sent until commit or abort belongs to it. */
  beginTransaction(): void {
    this.transactional('beginTransaction').begin();
  }

  /**
   * Commits a consumer group's offsets as part of the transaction (consume-transform-produce): they
   * count only if the transaction commits. `group` is the Consumer or its groupMetadata().
   */
  async sendOffsetsToTransaction(
    offsets: readonly OffsetToSend[],
    group: GroupMetadata | { groupMetadata(): GroupMetadata | null },
  ): Promise<void> {
    const txn = this.transactional('sendOffsetsToTransaction');
    const metadata =
      'groupMetadata' in group && typeof group.groupMetadata === 'function'
        ? group.groupMetadata()
        : (group as GroupMetadata);
    if (!metadata?.groupId)
      throw clientError('INVALID_ARGUMENT', 'sendOffsetsToTransaction needs a consumer group id');
    await txn.sendOffsets(offsets, metadata);
  }

  /** Sends what is buffered, then commits the transaction (EndTxn); fails if any record of it failed. */
  async commitTransaction(): Promise<void> {
    await this.transactional('commitTransaction').end(true, () => this.flush());
  }

  /** Drops what has not been sent, waits for what has, then aborts the transaction (EndTxn). */
  async abortTransaction(): Promise<void> {
    await this.transactional('abortTransaction').end(false, async () => {
      this.dropUnsent(
        clientError('TRANSACTION_ABORTED', 'the transaction was aborted before the record was sent'),
      );
      await this.flush();
    });
  }

  /**
   * Runs `fn` in a transaction: commits when it resolves, aborts (and rethrows) when it throws. The
   * transaction's sends and offset commits go through the `Transaction` handed to `fn`.
   */
  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    this.beginTransaction();
    const tx: Transaction = {
      send: (r) => this.send(r),
      sendBatch: (rs) => this.sendBatch(rs),
      sendOffsets: (offsets, group) => this.sendOffsetsToTransaction(offsets, group),
    };
    let result: T;
    try {
      result = await fn(tx);
    } catch (err) {
      const txn = this.sender.txn as TransactionManager;
      if (!txn.isFatal) await this.abortTransaction().catch(() => {});
      throw err;
    }
    try {
      await this.commitTransaction();
    } catch (err) {
      const txn = this.sender.txn as TransactionManager;
      if (!txn.isFatal && txn.state === 'abortable') await this.abortTransaction().catch(() => {});
      throw err;
    }
    return result;
  }

  /** Rejects every batch not yet sent (open or queued), and the records waiting for them. */
  private dropUnsent(err: KafkaError): void {
    for (const w of this.waiting.clear()) w.reject(err);
    for (const list of this.partitions.values()) {
      for (const ps of list) {
        if (!ps) continue;
        if (ps.open) this.seal(ps);
        const keep = ps.queue.filter((b) => b.everSent);
        for (const b of ps.queue) {
          if (b.everSent) continue;
          b.reject(err);
          this.releaseBatch(b);
        }
        ps.queue.splice(0, ps.queue.length, ...keep);
      }
    }
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
    return this.sender.identity;
  }

  /** Sends one record; resolves once the broker acknowledged it (per `acks`). */
  send(record: ProducerRecord): Promise<RecordMetadata> {
    if (this.closed) return Promise.reject(clientError('CLIENT_CLOSED', 'the producer is closed'));
    if (this.fatal) return Promise.reject(this.fatal);
    const refused = this.sender.txn?.canSend();
    if (refused) return Promise.reject(refused);
    return new Promise<RecordMetadata>((resolve, reject) => this.enqueue(record, resolve, reject, undefined));
  }

  /**
   * Sends one record without a promise: `onDelivered(metadata, token)` or `onFailed(error, token)` is
   * called once (`onFailed` possibly before this returns, for a record refused at once). For loops
   * that send many records (a mirror, a pipe), where a promise and its continuation per record cost
   * more than the send itself: pass the same two functions every time and tell records apart by
   * `token`.
   */
  sendWithCallbacks<T>(
    record: ProducerRecord,
    token: T,
    onDelivered: (m: RecordMetadata, token: T) => void,
    onFailed: (e: KafkaError, token: T) => void,
  ): void {
    const refused = this.closed
      ? clientError('CLIENT_CLOSED', 'the producer is closed')
      : (this.fatal ?? this.sender.txn?.canSend() ?? null);
    if (refused) onFailed(refused, token);
    else this.enqueue(record, onDelivered, onFailed, token);
  }

  private enqueue(record: ProducerRecord, resolve: Delivered, reject: Failed, token: unknown): void {
    if (this.waiting.length > 0 || !this.tryAppend(record, resolve, reject, token)) {
      this.waiting.push({ record, resolve, reject, token, sinceMs: Date.now() });
      this.pumpWaiting();
    }
  }

  /** Sends several records; resolves with their metadata in the same order. */
  sendBatch(records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    return Promise.all(records.map((r) => this.send(r)));
  }

  /**
   * Appends synchronously when the topic's metadata is known and memory allows; false means the
   * record must wait. An explicit partition beyond the known ones waits too (the metadata may predate
   * new partitions, as the Java producer assumes) unless `final`. Throws nothing: a bad record rejects
   * its own promise.
   */
  private tryAppend(
    record: ProducerRecord,
    resolve: Delivered,
    reject: Failed,
    token: unknown,
    final = false,
  ): boolean {
    const { topic } = record;
    const info = this.cluster.topics.get(topic);
    if (!info || info.partitions.length === 0) return false;
    const partitionCount = info.partitions.length;
    if (!final && record.partition !== undefined && record.partition >= partitionCount) return false;
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
        token,
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
        token,
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
    batch.tokens.push(token);
    if (stickyChoice) this.sticky.appended(topic, used, partitionCount, this.availablePartitions(topic));
    // A batch that cannot take another record of this size is ready now.
    if (batch.pos + used > batch.capacity || this.config.lingerMs === 0) {
      this.seal(ps);
      this.sender.scheduleDrain();
    }
    return true;
  }

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
    this.sender.scheduleDrain();
  }

  /** Moves waiting records into batches, in order, as metadata and memory allow. */
  private pumpWaiting(): void {
    while (this.waiting.length > 0) {
      const w = this.waiting.peek() as Waiting;
      if (this.fatal) {
        this.waiting.shift();
        w.reject(this.fatal, w.token);
        continue;
      }
      const info = this.cluster.topics.get(w.record.topic);
      if (!info || info.partitions.length === 0) {
        this.awaitMetadata(w.record.topic);
        return;
      }
      // A partition the metadata does not know yet: refresh until it appears or max.block.ms passes.
      const p = w.record.partition;
      const unknownPartition = p !== undefined && Number.isInteger(p) && p >= info.partitions.length;
      if (unknownPartition && Date.now() - w.sinceMs < this.config.maxBlockMs) {
        this.awaitPartitions(w.record.topic);
        return;
      }
      if (!this.tryAppend(w.record, w.resolve, w.reject, w.token, unknownPartition)) {
        // Out of buffer memory: send what is there and wait for a batch to complete.
        this.sealAll();
        this.sender.scheduleDrain();
        this.armBlockTimeout();
        return;
      }
      this.waiting.shift();
    }
  }

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
            w.token,
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
          for (const w of this.waiting.removeWhere((x) => x.record.topic === topic)) w.reject(err, w.token);
          this.pumpWaiting();
        },
      );
    this.metadataWaits.set(topic, p);
  }

  /** Refreshes a topic's metadata (again, after retry.backoff.ms), then moves the waiting records on. */
  private awaitPartitions(topic: string): void {
    if (this.metadataWaits.has(topic)) return;
    const last = this.partitionRefreshMs.get(topic) ?? 0;
    const delayMs = Math.max(0, last + this.config.retryBackoffMs - Date.now());
    const p = new Promise((r) => setTimeout(r, delayMs))
      .then(() => {
        this.partitionRefreshMs.set(topic, Date.now());
        return this.cluster.refreshMetadata([topic], { autoCreate: false });
      })
      .catch(() => {})
      .then(() => {
        this.metadataWaits.delete(topic);
        this.pumpWaiting();
      });
    this.metadataWaits.set(topic, p);
  }

  private sealAll(): void {
    for (const list of this.partitions.values()) for (const ps of list) if (ps?.open) this.seal(ps);
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
        this.sender.drain();
        if (this.outstanding.size === 0 && this.waiting.length === 0) return;
        const first = this.outstanding.values().next().value as ProducerBatch | undefined;
        if (first) await first.whenDone();
        else await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      this.flushing--;
    }
  }

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
    for (const w of this.waiting.clear()) w.reject(err, w.token);
    this.fail(err);
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.sender.stop();
    if (this.blockTimer) clearTimeout(this.blockTimer);
    await this.cluster.close();
  }
}
