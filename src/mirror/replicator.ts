// Copies records partition for partition (MirrorMaker's MirrorSourceTask): one consumer assigned the
// flow's source partitions, each record sent to the same partition of the remote topic with its key,
// value, headers and timestamp. Per partition the replicator remembers the records sent and not yet
// acknowledged, in order; when the head of that queue is acknowledged it becomes the partition's
// progress, is offered to the offset-sync rules and is counted in the metrics. Every
// `offset.flush.interval.ms` the progress of each partition that moved is written to the offsets
// topic (through the Delivery), and the delayed offset syncs go out.
//
// Memory is bounded: records sent and not acknowledged may hold at most `buffer.memory` bytes (the
// producer's own limit); beyond it the replicator stops taking records from the consumer, which stops
// fetching once `fetch.max.bytes` wait.
import type { Consumer, ConsumerRecord, KafkaError, RecordMetadata } from '../client/index.js';
import type { Histogram } from '../metrics/index.js';
import type { Delivery } from './delivery.js';
import { describeError, type MirrorLogger } from './logger.js';
import { PartitionMetrics } from './metrics.js';
import type { OffsetSyncWriter } from './offset-syncs.js';
import { type ProgressStore, tpKey } from './progress.js';

export interface ReplicatedPartition {
  topic: string;
  partition: number;
  remoteTopic: string;
}

/** Records copied between turns of the event loop at most. */
const YIELD_EVERY_RECORDS = 2000;

/** Tokens: a record's index in its partition (modulo 2^32) and its copy's generation (modulo 2^21). */
const INDEX_WRAP = 2 ** 32;
export const GENERATIONS = 2 ** 21;

export interface AckListener {
  completed(
    pc: PartitionCopy,
    sourceOffset: number,
    targetOffset: number,
    timestamp: number,
    bytes: number,
    nowMs: number,
  ): void;
}

/** One source partition being copied. */
export class PartitionCopy {
  readonly key: string;
  readonly metrics: PartitionMetrics;
  /** Source offsets, timestamps, sizes and (once acknowledged) target offsets of records in flight. */
  private offsets: number[] = [];
  private timestamps: number[] = [];
  private sizes: number[] = [];
  private downstream: number[] = [];
  private head = 0;
  /** Index (since start) of `offsets[0]`. */
  private baseIndex = 0;
  /** Index (since this copy started) of the next record sent. */
  sent = 0;
  /** Source offset of the last record acknowledged in order; -1 before the first. */
  lastAcked = -1;
  /** Source offset of the last record sent; -1 before the first. */
  lastSent = -1;
  /** Source offset whose progress was last written. */
  lastCommitted = -1;
  /** Where copying started (the progress found, or null when the consumer's reset decided). */
  startOffset: number | null;
  removed = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly remoteTopic: string,
    startOffset: number | null,
    /** Tells this copy's acknowledgements from those of an earlier copy of the same partition. */
    readonly generation = 0,
  ) {
    this.key = tpKey(topic, partition);
    this.metrics = new PartitionMetrics(topic, remoteTopic, partition);
    this.startOffset = startOffset;
  }

  /** Records a record sent; returns its token: (index mod 2^32) · 2^21 + generation. */
  push(offset: number, timestamp: number, bytes: number): number {
    if (this.startOffset === null) this.startOffset = offset;
    this.offsets.push(offset);
    this.timestamps.push(timestamp);
    this.sizes.push(bytes);
    this.downstream.push(-1);
    this.lastSent = offset;
    return (this.sent++ % INDEX_WRAP) * GENERATIONS + this.generation;
  }

  get inFlight(): number {
    return this.offsets.length - this.head;
  }

  /** Next source offset not yet safely on the target (progress + 1). */
  get mirroredNext(): number | null {
    if (this.lastAcked >= 0) return this.lastAcked + 1;
    return this.startOffset;
  }

  /**
   * Marks record `index` acknowledged; every record that completes the head, in order, is reported to
   * `to.completed` (a method call, not a closure per acknowledgement). Returns the bytes freed.
   */
  ack(token: number, targetOffset: number, to: AckListener, nowMs: number): number {
    const index32 = Math.floor(token / GENERATIONS);
    // Records in flight are fewer than 2^32, so the index modulo 2^32 finds the record.
    const i = (index32 - (this.baseIndex % INDEX_WRAP) + INDEX_WRAP) % INDEX_WRAP;
    if (i < this.head || i >= this.offsets.length) return 0;
    // -1 marks a record not acknowledged yet; with acks=0 the target names no offset (-2: acknowledged).
    this.downstream[i] = targetOffset < 0 ? -2 : targetOffset;
    let freed = 0;
    while (this.head < this.offsets.length && this.downstream[this.head] !== -1) {
      const h = this.head++;
      this.lastAcked = this.offsets[h];
      freed += this.sizes[h];
      to.completed(this, this.offsets[h], this.downstream[h], this.timestamps[h], this.sizes[h], nowMs);
    }
    if (this.head > 4096 && this.head * 2 > this.offsets.length) this.compact();
    return freed;
  }

  private compact(): void {
    this.offsets = this.offsets.slice(this.head);
    this.timestamps = this.timestamps.slice(this.head);
    this.sizes = this.sizes.slice(this.head);
    this.downstream = this.downstream.slice(this.head);
    this.baseIndex += this.head;
    this.head = 0;
  }

  /** Age in ms of the oldest record sent and not acknowledged, or null. */
  oldestInFlightAgeMs(nowMs: number): number | null {
    return this.head < this.offsets.length ? nowMs - this.timestamps[this.head] : null;
  }
}

export interface ReplicatorOptions {
  consumer: Consumer;
  delivery: Delivery;
  progress: ProgressStore;
  syncs: OffsetSyncWriter | null;
  /** Bytes of records in flight at most. */
  inFlightBytesMax: number;
  flushIntervalMs: number;
  latency: Histogram;
  log: MirrorLogger;
  /** A failure the replicator cannot go on after (the flow restarts it). */
  onFailure(err: unknown): void;
}

function recordBytes(r: ConsumerRecord): number {
  let n = (r.key?.length ?? 0) + (r.value?.length ?? 0) + 16;
  for (const h of r.headers) n += h.key.length + (h.value?.length ?? 0);
  return n;
}

export class Replicator implements AckListener {
  readonly partitions = new Map<string, PartitionCopy>();
  /** The same copies by remote topic and partition, as acknowledgements name them. */
  private readonly byRemote = new Map<string, PartitionCopy[]>();
  /** Copies no longer assigned, until their records in flight are acknowledged (by generation). */
  private readonly retired = new Map<number, PartitionCopy>();
  private generation = 0;
  private inFlightBytes = 0;
  private drained: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private stopped = false;
  failure: unknown = null;

  constructor(private readonly o: ReplicatorOptions) {}

  /** The partitions to copy: new ones start at `next` (their progress), or where the consumer resets. */
  assign(list: readonly ReplicatedPartition[], next: ReadonlyMap<string, number>): void {
    const keep = new Set(list.map((p) => tpKey(p.topic, p.partition)));
    for (const [k, pc] of this.partitions) {
      if (keep.has(k)) continue;
      pc.removed = true;
      this.partitions.delete(k);
      const list = this.byRemote.get(pc.remoteTopic);
      if (list?.[pc.partition] === pc) delete list[pc.partition];
      if (pc.inFlight > 0) this.retired.set(pc.generation, pc);
      this.o.syncs?.forget(pc.topic, pc.partition);
    }
    const assignment: { topic: string; partition: number; offset?: number }[] = [];
    for (const p of list) {
      const k = tpKey(p.topic, p.partition);
      const existing = this.partitions.get(k);
      if (existing) {
        assignment.push({ topic: p.topic, partition: p.partition });
        continue;
      }
      const start = next.get(k) ?? null;
      this.generation = (this.generation + 1) % GENERATIONS;
      const pc = new PartitionCopy(p.topic, p.partition, p.remoteTopic, start, this.generation);
      this.partitions.set(k, pc);
      let byPartition = this.byRemote.get(p.remoteTopic);
      if (!byPartition) {
        byPartition = [];
        this.byRemote.set(p.remoteTopic, byPartition);
      }
      byPartition[p.partition] = pc;
      assignment.push(start === null ? { topic: p.topic, partition: p.partition } : { ...p, offset: start });
    }
    this.o.consumer.assign(assignment);
  }

  start(): void {
    this.loop = this.run().catch((err) => this.fail(err));
    this.flushTimer = setInterval(() => {
      this.flush().catch((err) => this.o.log.warn(`writing progress failed: ${describeError(err)}`));
    }, this.o.flushIntervalMs);
    this.flushTimer.unref();
  }

  private fail(err: unknown): void {
    if (this.stopped || this.failure) return;
    this.failure = err;
    this.o.onFailure(err);
  }

  private async run(): Promise<void> {
    let sinceYield = 0;
    for await (const batch of this.o.consumer.batches()) {
      if (this.stopped || this.failure) break;
      const pc = this.partitions.get(tpKey(batch.topic, batch.partition));
      if (!pc) continue;
      this.copy(pc, batch.records);
      // Buffered batches come one after another without an I/O turn: let the producer send and the
      // acknowledgements in every so often, or a large backlog is copied in one burst while nothing
      // leaves and no progress is counted.
      sinceYield += batch.records.length;
      if (sinceYield >= YIELD_EVERY_RECORDS) {
        sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (this.inFlightBytes > this.o.inFlightBytesMax) {
        await new Promise<void>((resolve) => {
          this.drained = resolve;
        });
      }
    }
  }

  private copy(pc: PartitionCopy, records: readonly ConsumerRecord[]): void {
    const now = Date.now();
    const { delivery } = this.o;
    for (const r of records) {
      const bytes = recordBytes(r);
      const index = pc.push(r.offset, r.timestamp, bytes);
      this.inFlightBytes += bytes;
      pc.metrics.recordAge.record(now - r.timestamp, now);
      delivery.send(
        {
          topic: pc.remoteTopic,
          partition: pc.partition,
          key: r.key,
          value: r.value,
          headers: r.headers,
          timestamp: r.timestamp,
        },
        index,
        this.onDelivered,
        this.onFailed,
      );
    }
  }

  /** Shared by every record (a closure per record would cost more than the copy). */
  private readonly onDelivered = (meta: RecordMetadata, token: number): void => {
    const generation = token % GENERATIONS;
    let pc = this.byRemote.get(meta.topic)?.[meta.partition];
    if (!pc || pc.generation !== generation) {
      pc = this.retired.get(generation);
      if (!pc) return;
    }
    this.acked(pc, token, meta.offset);
    if (pc.removed && pc.inFlight === 0) this.retired.delete(pc.generation);
  };

  private readonly onFailed = (err: KafkaError): void => this.fail(err);

  private acked(pc: PartitionCopy, token: number, targetOffset: number): void {
    this.inFlightBytes -= pc.ack(token, targetOffset, this, Date.now());
    if (this.drained && this.inFlightBytes <= this.o.inFlightBytesMax / 2) {
      const d = this.drained;
      this.drained = null;
      d();
    }
  }

  /** A record of `pc` is on the target, and so is every earlier one. */
  completed(
    pc: PartitionCopy,
    source: number,
    target: number,
    timestamp: number,
    bytes: number,
    nowMs: number,
  ): void {
    const latency = nowMs - timestamp;
    pc.metrics.replicated(latency, bytes, nowMs);
    this.o.latency.observe(latency, nowMs);
    if (!pc.removed && target >= 0)
      this.o.syncs?.acknowledged(pc.topic, pc.partition, source, target, pc.key);
  }

  /** Writes the progress of every partition that moved, then sends the delayed offset syncs. */
  flush(): Promise<void> {
    if (!this.flushing) {
      const p = this.writeProgress();
      this.flushing = p;
      // Cleared only once settled (a flush with nothing to write settles at once, after this line).
      p.finally(() => {
        if (this.flushing === p) this.flushing = null;
      }).catch(() => {});
    }
    return this.flushing;
  }

  private async writeProgress(): Promise<void> {
    const basisSent = this.o.delivery.basis === 'sent';
    const moved = [...this.partitions.values()]
      .map((pc) => ({ pc, upTo: basisSent ? pc.lastSent : pc.lastAcked }))
      .filter(({ pc, upTo }) => upTo >= 0 && upTo > pc.lastCommitted);
    if (moved.length > 0) {
      await this.o.delivery.commit(
        moved.map(({ pc, upTo }) => this.o.progress.record(pc.topic, pc.partition, upTo)),
      );
      for (const { pc, upTo } of moved) pc.lastCommitted = Math.max(pc.lastCommitted, upTo);
    }
    this.o.syncs?.promoteDelayed();
  }

  /** Next source offset to copy: acknowledged progress, else where the consumer stands. */
  mirroredNext(pc: PartitionCopy): number | null {
    const next = pc.mirroredNext;
    if (next !== null || pc.sent > 0) return next;
    return this.o.consumer.position({ topic: pc.topic, partition: pc.partition });
  }

  /** End of the source partition as last fetched. */
  endOffset(pc: PartitionCopy): number | null {
    return this.o.consumer.highWatermark({ topic: pc.topic, partition: pc.partition });
  }

  /** Records between the copy's position and the end of the source partition. */
  lagRecords(pc: PartitionCopy): number | null {
    const next = this.mirroredNext(pc);
    const end = this.endOffset(pc);
    return next !== null && end !== null ? Math.max(0, end - next) : null;
  }

  /** Where each partition should resume after a failure: its acknowledged position. */
  resumePoints(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [k, pc] of this.partitions) {
      const next = pc.mirroredNext;
      if (next !== null) out.set(k, next);
    }
    return out;
  }

  /** Stops taking records, waits (up to `timeoutMs`) for those in flight, and writes the progress. */
  async stop(timeoutMs: number): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.drained?.();
    await this.o.consumer.close().catch(() => {});
    await this.loop;
    if (!this.failure) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.o.delivery.flush().catch(() => {}),
        new Promise((r) => {
          timer = setTimeout(r, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    }
    await this.flush().catch((err) => this.o.log.warn(`writing progress failed: ${describeError(err)}`));
  }

  get bytesInFlight(): number {
    return this.inFlightBytes;
  }
}
