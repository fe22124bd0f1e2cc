// The coordinator runtime: a replicated state machine over the partitions of an internal topic
// (DESIGN.md §1.6; Kafka's CoordinatorRuntime). Each partition this node leads gets a shard. An
// operation runs synchronously against its shard; the records it appends are replayed into the shard
// at once (state changes only by replaying records, so a restart is a replay) and handed to the
// partition's writer when the operation ends; its response, and every response it completes for
// others, is released only once those records — and every earlier one — are written. A failed write
// unloads the shard: every response still waiting gets an error, nothing not written is ever answered
// as a success, and the shard is loaded again from the log when it may still be ours.
//
// The runtime is generic: it knows partitions, records as bytes, timers and parked responses, never a
// group or a Kafka request.
import { ErrorCode } from '../../protocol/errors.js';
import type { TxnMarker } from '../../protocol/records/control.js';
import type { Logger } from '../logger.js';

export type { TxnMarker } from '../../protocol/records/control.js';

/** One record of the internal topic, in Kafka's key/value format (value null = tombstone). */
export interface CoordinatorRecord {
  key: Buffer;
  value: Buffer | null;
  /**
   * What key and value encode, when the shard built the record: replaying a record just appended then
   * skips decoding the bytes it has just encoded. Writers ignore it; records read back lack it.
   */
  decoded?: unknown;
}

export interface StoredRecord {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  /** The producer of a transactional batch: its records count once its COMMIT marker is read. */
  producer?: TxnProducer;
  /** A COMMIT or ABORT marker (a control record; key and value are null). */
  marker?: TxnMarker;
}

/** The producer a transactional write belongs to. */
export interface TxnProducer {
  producerId: number;
  producerEpoch: number;
}

/** Why a write failed. */
export type WriteFailure = 'not-leader' | 'offline' | 'timeout' | 'too-large' | 'storage';

/** A write that failed after `append` accepted it: `written` rejects with this. */
export class WriteError extends Error {
  override readonly name = 'WriteError';
  constructor(
    readonly failure: WriteFailure,
    message = `coordinator write failed: ${failure}`,
  ) {
    super(message);
  }
}

/**
 * The log of one internal partition, as the runtime sees it. The broker backs it with the partition's
 * log; tests use `MemoryCoordinatorLog`.
 *
 * - `append` hands over the records of one operation, in order. It answers at once: either the offset
 *   the last record will have and a promise settled when the records are written (committed: replicated
 *   as the partition requires), or why nothing was written. `written` promises settle in append order;
 *   a rejection (preferably a `WriteError`) means these records may never be committed.
 * - `read(fromOffset)` yields every record from `fromOffset` to the end of the log as it is when the
 *   read starts, in offset order (records with a null key, such as control records, may be included;
 *   they are skipped).
 */
export interface CoordinatorWriter {
  /** With `producer`, the records are one transactional batch of that producer (TxnOffsetCommit). */
  append(
    records: readonly CoordinatorRecord[],
    producer?: TxnProducer,
  ): { lastOffset: number; written: Promise<void> } | { error: WriteFailure };
  /** Writes a COMMIT or ABORT marker ending `marker.producerId`'s transaction on this partition. */
  appendMarker(marker: TxnMarker): { lastOffset: number; written: Promise<void> } | { error: WriteFailure };
  read(fromOffset: number): AsyncIterable<StoredRecord>;
}

export interface TimerHandle {
  cancel(): void;
}

/** Time and timers, injected so that tests run on a fake clock. */
export interface Scheduler {
  now(): number;
  setTimer(delayMs: number, fn: () => void): TimerHandle;
}

/** The scheduler of a real node: wall clock and unref'd timers. */
export function systemScheduler(): Scheduler {
  return {
    now: () => Date.now(),
    setTimer(delayMs, fn) {
      const t = setTimeout(fn, Math.max(0, delayMs));
      t.unref?.();
      return { cancel: () => clearTimeout(t) };
    },
  };
}

/** What an operation's promise resolves to when the shard could not serve it. */
export class CoordinatorFailure {
  constructor(readonly errorCode: number) {}
}

export function isFailure(v: unknown): v is CoordinatorFailure {
  return v instanceof CoordinatorFailure;
}

/** Kafka's translation of a failed coordinator write into the error a client sees. */
export function failureErrorCode(failure: WriteFailure): number {
  switch (failure) {
    case 'not-leader':
    case 'storage':
      return ErrorCode.NOT_COORDINATOR;
    case 'offline':
    case 'timeout':
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case 'too-large':
      return ErrorCode.UNKNOWN_SERVER_ERROR;
  }
}

/** A response that another operation will complete (a JoinGroup waiting for the other members). */
export class Parked<T> {
  readonly promise: Promise<T | CoordinatorFailure>;
  private resolveFn!: (v: T | CoordinatorFailure) => void;
  settled = false;

  constructor(readonly counted: boolean) {
    this.promise = new Promise((resolve) => {
      this.resolveFn = resolve;
    });
  }

  /** Settles the response (first settlement wins). */
  settle(v: T | CoordinatorFailure): void {
    if (this.settled) return;
    this.settled = true;
    this.resolveFn(v);
  }
}

/** What the shard of one partition implements. */
export interface CoordinatorShard<S extends CoordinatorShard<S>> {
  /**
   * Applies one record; must accept any bytes (a malformed record is skipped, never thrown). `producer`
   * is set for a record of a transactional batch, which takes effect only when its marker commits.
   */
  replay(key: Buffer, value: Buffer | null, decoded?: unknown, producer?: TxnProducer): void;
  /** Applies a COMMIT or ABORT marker (shards without transactional records ignore them). */
  replayEndTransaction?(marker: TxnMarker): void;
  /** Runs once the whole log is replayed, as an operation (schedule timers, etc.). */
  onLoaded(ctx: OperationContext<S>): void;
}

export type Operation<S, R> = (shard: S, ctx: OperationContext<S>) => R | Parked<R>;

/** What an operation may do besides reading and changing its shard. */
export interface OperationContext<S> {
  /** The time the operation started (ms). */
  readonly now: number;
  readonly partition: number;
  /** The leader epoch the shard was loaded at (a transaction coordinator's coordinator epoch). */
  readonly epoch: number;
  /** Appends records: each is replayed into the shard at once and written when the operation ends. */
  append(records: readonly CoordinatorRecord[]): void;
  /**
   * Appends records as one transactional batch of `producer` (replayed with it). An operation writes
   * either plain records, or a transactional batch, or a marker.
   */
  appendTransactional(producer: TxnProducer, records: readonly CoordinatorRecord[]): void;
  /** Writes a COMMIT or ABORT marker for a producer's records on this partition (replayed at once). */
  appendEndTransaction(marker: TxnMarker): void;
  /** Runs `fn` once this operation's records, and every earlier one, are written; never if they fail. */
  afterWrite(fn: () => void): void;
  /** A response to be completed by a later operation; null when the shard's limit is reached. */
  park<T>(): Parked<T> | null;
  /** Completes a parked response; it leaves once this operation's records are written. */
  complete<T>(parked: Parked<T>, value: T): void;
  /** Runs `op` on this shard after `delayMs`, replacing any timer with the same key. */
  schedule(key: string, delayMs: number, op: Operation<S, void>): void;
  cancel(key: string): void;
}

export type ShardStatus = 'active' | 'loading' | 'absent';

export interface RuntimeOptions<S extends CoordinatorShard<S>> {
  scheduler: Scheduler;
  /** The log of one partition; called each time the partition is loaded. */
  writerFor(partition: number): CoordinatorWriter;
  createShard(partition: number): S;
  /** Responses parked at once in one shard (joins and syncs waiting for others). */
  parkedResponsesMax: number;
  log: Logger;
}

/** One loaded (or loading) partition. Replaced, never reused, when the partition is loaded again. */
interface PendingWrite {
  done: boolean;
  /** Responses to release once this write and every earlier one are written. */
  completions: [Parked<unknown>, unknown][];
}

/** The context of one operation: what it appended, what it completed. */
class Context<S extends CoordinatorShard<S>> implements OperationContext<S> {
  readonly pending: CoordinatorRecord[] = [];
  readonly completions: [Parked<unknown>, unknown][] = [];
  /** Set when the pending records are one transactional batch. */
  producer: TxnProducer | null = null;
  /** Set when the operation writes a marker instead of records. */
  marker: TxnMarker | null = null;

  constructor(
    private readonly runtime: CoordinatorRuntime<S>,
    private readonly slot: Slot<S>,
    readonly now: number,
  ) {}

  get partition(): number {
    return this.slot.partition;
  }

  get epoch(): number {
    return this.slot.epoch;
  }

  append(records: readonly CoordinatorRecord[]): void {
    if (records.length === 0) return;
    if (this.producer || this.marker) throw new Error('an operation mixed plain and transactional writes');
    const shard = this.slot.shard;
    for (const r of records) {
      this.pending.push(r);
      shard.replay(r.key, r.value, r.decoded);
    }
  }

  appendTransactional(producer: TxnProducer, records: readonly CoordinatorRecord[]): void {
    if (records.length === 0) return;
    const p = this.producer;
    if (this.marker || (this.pending.length > 0 && !p) || (p && p.producerId !== producer.producerId))
      throw new Error('an operation mixed plain and transactional writes');
    this.producer = { producerId: producer.producerId, producerEpoch: producer.producerEpoch };
    const shard = this.slot.shard;
    for (const r of records) {
      this.pending.push(r);
      shard.replay(r.key, r.value, r.decoded, this.producer);
    }
  }

  appendEndTransaction(marker: TxnMarker): void {
    if (this.pending.length > 0 || this.marker) throw new Error('a marker must be written alone');
    this.marker = { ...marker };
    this.slot.shard.replayEndTransaction?.(this.marker);
  }

  afterWrite(fn: () => void): void {
    const p = this.runtime.track<boolean>(this.slot, false);
    p.promise.then((v) => {
      if (v === true) fn();
    });
    this.completions.push([p as Parked<unknown>, true]);
  }

  park<T>(): Parked<T> | null {
    if (this.runtime.parkingFull(this.slot)) return null;
    return this.runtime.track<T>(this.slot, true);
  }

  complete<T>(parked: Parked<T>, value: T): void {
    this.completions.push([parked as Parked<unknown>, value]);
  }

  schedule(key: string, delayMs: number, op: Operation<S, void>): void {
    this.runtime.schedule(this.slot, key, delayMs, op);
  }

  cancel(key: string): void {
    this.slot.timers.get(key)?.cancel();
    this.slot.timers.delete(key);
  }
}

class Slot<S extends CoordinatorShard<S>> {
  state: 'loading' | 'active' = 'loading';
  alive = true;
  readonly timers = new Map<string, TimerHandle>();
  /** Responses not yet released: settled with a failure if the shard goes away. */
  readonly waiting = new Set<Parked<unknown>>();
  parkedCount = 0;
  /** Writes not yet released, in append order. */
  readonly writes: PendingWrite[] = [];

  constructor(
    readonly partition: number,
    readonly epoch: number,
    readonly shard: S,
    readonly writer: CoordinatorWriter,
  ) {}
}

export class CoordinatorRuntime<S extends CoordinatorShard<S>> {
  private readonly slots = new Map<number, Slot<S>>();

  constructor(private readonly options: RuntimeOptions<S>) {}

  status(partition: number): ShardStatus {
    const slot = this.slots.get(partition);
    return slot ? slot.state : 'absent';
  }

  /** The partitions with a shard, loading or active. */
  partitions(): number[] {
    return [...this.slots.keys()];
  }

  /**
   * Loads the shard of `partition` by replaying its log. A new epoch (a new leadership) reloads it;
   * the same epoch keeps the shard as it is.
   */
  load(partition: number, epoch: number): void {
    const current = this.slots.get(partition);
    if (current && current.epoch === epoch) return;
    if (current) this.unload(partition);
    const slot = new Slot(
      partition,
      epoch,
      this.options.createShard(partition),
      this.options.writerFor(partition),
    );
    this.slots.set(partition, slot);
    void this.replayLog(slot);
  }

  /** Drops the shard of `partition`; every response still waiting gets NOT_COORDINATOR. */
  unload(partition: number, errorCode: number = ErrorCode.NOT_COORDINATOR): void {
    const slot = this.slots.get(partition);
    if (!slot) return;
    this.slots.delete(partition);
    slot.alive = false;
    for (const t of slot.timers.values()) t.cancel();
    slot.timers.clear();
    const failure = new CoordinatorFailure(errorCode);
    for (const p of slot.waiting) p.settle(failure);
    slot.waiting.clear();
    const level = errorCode === ErrorCode.NOT_COORDINATOR ? 'debug' : 'info';
    this.options.log[level]('coordinator shard unloaded', { partition, errorCode });
  }

  close(): void {
    for (const p of [...this.slots.keys()]) this.unload(p);
  }

  /**
   * Runs `op` on the shard of `partition` now. The promise resolves with its response once the records
   * it (and every operation before it) appended are written, or with a failure: NOT_COORDINATOR when
   * the partition has no shard here, COORDINATOR_LOAD_IN_PROGRESS while it loads, the write error when
   * a write fails.
   */
  run<R>(partition: number, op: Operation<S, R>): Promise<R | CoordinatorFailure> {
    const slot = this.slots.get(partition);
    if (!slot) return Promise.resolve(new CoordinatorFailure(ErrorCode.NOT_COORDINATOR));
    if (slot.state === 'loading')
      return Promise.resolve(new CoordinatorFailure(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS));
    return this.execute(slot, op);
  }

  private execute<R>(slot: Slot<S>, op: Operation<S, R>): Promise<R | CoordinatorFailure> {
    const ctx = new Context(this, slot, this.options.scheduler.now());
    const { completions } = ctx;
    let result: R | Parked<R>;
    try {
      result = op(slot.shard, ctx);
    } catch (err) {
      // A bug: the shard may be half-changed, so it is rebuilt from its log.
      this.options.log.error('coordinator operation failed', {
        partition: slot.partition,
        err: (err as Error)?.stack ?? String(err),
      });
      this.unload(slot.partition, ErrorCode.UNKNOWN_SERVER_ERROR);
      this.load(slot.partition, slot.epoch);
      return Promise.resolve(new CoordinatorFailure(ErrorCode.UNKNOWN_SERVER_ERROR));
    }
    let response: Parked<R>;
    if (result instanceof Parked) {
      response = result;
    } else {
      response = this.track<R>(slot, false);
      completions.push([response as Parked<unknown>, result]);
    }
    this.finish(slot, ctx, completions);
    return response.promise;
  }

  /** @internal */
  track<T>(slot: Slot<S>, counted: boolean): Parked<T> {
    const p = new Parked<T>(counted);
    slot.waiting.add(p as Parked<unknown>);
    if (counted) slot.parkedCount++;
    return p;
  }

  private release(slot: Slot<S>, completions: [Parked<unknown>, unknown][]): void {
    if (!slot.alive) return;
    for (const [p, v] of completions) {
      if (!slot.waiting.delete(p)) continue;
      if (p.counted) slot.parkedCount--;
      p.settle(v);
    }
  }

  /** Writes what the operation appended, then releases its completions once everything is written. */
  private finish(slot: Slot<S>, ctx: Context<S>, completions: [Parked<unknown>, unknown][]): void {
    const { pending, marker, producer } = ctx;
    if (pending.length > 0 || marker) {
      const appended = marker
        ? slot.writer.appendMarker(marker)
        : slot.writer.append(pending, producer ?? undefined);
      if ('error' in appended) {
        this.fail(slot, appended.error);
        return;
      }
      // Released in append order, even if a writer settled its writes out of order.
      const write: PendingWrite = { done: false, completions };
      slot.writes.push(write);
      appended.written.then(
        () => {
          write.done = true;
          this.releaseWritten(slot);
        },
        (err: unknown) => this.fail(slot, err instanceof WriteError ? err.failure : 'storage'),
      );
      return;
    }
    if (completions.length === 0) return;
    // Nothing to write: released with the last write still pending (it saw that write's state).
    const last = slot.writes[slot.writes.length - 1];
    if (last) last.completions.push(...completions);
    else this.release(slot, completions);
  }

  private releaseWritten(slot: Slot<S>): void {
    let n = 0;
    while (n < slot.writes.length && slot.writes[n].done) this.release(slot, slot.writes[n++].completions);
    if (n > 0) slot.writes.splice(0, n);
  }

  /** A write failed: the shard's state may hold what was not written, so it is dropped and reloaded. */
  private fail(slot: Slot<S>, failure: WriteFailure): void {
    if (!slot.alive) return;
    this.options.log.warn('coordinator write failed; unloading the shard', {
      partition: slot.partition,
      failure,
    });
    this.unload(slot.partition, failureErrorCode(failure));
    // Still the leader: reload, so the shard holds exactly what its log holds.
    if (failure === 'timeout' || failure === 'too-large') this.load(slot.partition, slot.epoch);
  }

  /** @internal */
  parkingFull(slot: Slot<S>): boolean {
    return slot.parkedCount >= this.options.parkedResponsesMax;
  }

  /** @internal */
  schedule(slot: Slot<S>, key: string, delayMs: number, op: Operation<S, void>): void {
    slot.timers.get(key)?.cancel();
    const handle = this.options.scheduler.setTimer(delayMs, () => {
      if (!slot.alive || slot.timers.get(key) !== handle) return;
      slot.timers.delete(key);
      void this.execute(slot, op);
    });
    slot.timers.set(key, handle);
  }

  private async replayLog(slot: Slot<S>): Promise<void> {
    const log = this.options.log;
    let count = 0;
    try {
      for await (const r of slot.writer.read(0)) {
        if (!slot.alive) return;
        if (r.marker) slot.shard.replayEndTransaction?.(r.marker);
        if (r.key === null) continue;
        slot.shard.replay(r.key, r.value, undefined, r.producer);
        count++;
      }
    } catch (err) {
      log.error('coordinator shard failed to load', { partition: slot.partition, err: String(err) });
      if (slot.alive) this.unload(slot.partition);
      return;
    }
    if (!slot.alive) return;
    slot.state = 'active';
    log.debug('coordinator shard loaded', { partition: slot.partition, records: count });
    void this.execute(slot, (shard, ctx) => shard.onLoaded(ctx));
  }
}

/**
 * An in-memory partition log: what a node uses until the partition log backs the coordinator, and what
 * tests use. Compacted like `__consumer_offsets` (the latest record per key; tombstones go once nothing
 * older remains), so a long-running node does not keep every commit. `autoWrite` false keeps writes
 * pending until `writeAll()` (or fails them with `failAll`).
 */
export class MemoryCoordinatorLog implements CoordinatorWriter {
  records: StoredRecord[] = [];
  private nextOffset = 0;
  /** key (as latin1 text) → offset of its latest record */
  private readonly latest = new Map<string, number>();
  /** Producers with a transaction open in this log. */
  private readonly open = new Set<number>();
  private pending: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  /** The next append answers with this error and writes nothing. */
  nextAppendError: WriteFailure | null = null;

  constructor(public autoWrite = true) {}

  /** One log per partition, kept across loads: `writerFor` for a node without partition logs. */
  static perPartition(): (partition: number) => MemoryCoordinatorLog {
    const logs = new Map<number, MemoryCoordinatorLog>();
    return (partition) => {
      let log = logs.get(partition);
      if (!log) {
        log = new MemoryCoordinatorLog();
        logs.set(partition, log);
      }
      return log;
    };
  }

  append(records: readonly CoordinatorRecord[], producer?: TxnProducer) {
    if (this.nextAppendError) {
      const error = this.nextAppendError;
      this.nextAppendError = null;
      return { error };
    }
    for (const r of records) {
      const offset = this.nextOffset++;
      this.records.push({ offset, key: r.key, value: r.value, ...(producer ? { producer } : {}) });
      // A transactional record may yet be aborted: it replaces nothing until it is committed.
      if (!producer) this.latest.set(r.key.toString('latin1'), offset);
    }
    if (producer) this.open.add(producer.producerId);
    if (this.records.length > 1024 && this.records.length > 2 * this.latest.size) this.compact();
    return this.written();
  }

  appendMarker(marker: TxnMarker) {
    if (this.nextAppendError) {
      const error = this.nextAppendError;
      this.nextAppendError = null;
      return { error };
    }
    this.records.push({ offset: this.nextOffset++, key: null, value: null, marker: { ...marker } });
    if (marker.commit) {
      for (const r of this.records) {
        if (r.producer?.producerId !== marker.producerId || !r.key) continue;
        const key = r.key.toString('latin1');
        if ((this.latest.get(key) ?? -1) < r.offset) this.latest.set(key, r.offset);
      }
    }
    this.open.delete(marker.producerId);
    return this.written();
  }

  private written(): { lastOffset: number; written: Promise<void> } {
    const lastOffset = this.nextOffset - 1;
    if (this.autoWrite) return { lastOffset, written: Promise.resolve() };
    const written = new Promise<void>((resolve, reject) => this.pending.push({ resolve, reject }));
    return { lastOffset, written };
  }

  /** Keeps the latest record of each key; waits while a transaction is open (it may yet abort). */
  private compact(): void {
    if (this.open.size > 0) return;
    const fate = this.transactionFates();
    this.records = this.records.filter((r) => {
      if (r.key === null) return false;
      if (r.producer && !fate.get(r.offset)) return false;
      const key = r.key.toString('latin1');
      if (this.latest.get(key) !== r.offset) return false;
      if (r.value !== null) return true;
      this.latest.delete(key);
      return false;
    });
    // Committed records are plain records now that their markers are gone.
    for (const r of this.records) if (r.producer) delete r.producer;
  }

  /** Offset of each transactional record → whether its transaction committed. */
  private transactionFates(): Map<number, boolean> {
    const fate = new Map<number, boolean>();
    const byProducer = new Map<number, number[]>();
    for (const r of this.records) {
      if (r.producer) {
        const list = byProducer.get(r.producer.producerId) ?? [];
        list.push(r.offset);
        byProducer.set(r.producer.producerId, list);
      } else if (r.marker) {
        for (const o of byProducer.get(r.marker.producerId) ?? []) fate.set(o, r.marker.commit);
        byProducer.delete(r.marker.producerId);
      }
    }
    return fate;
  }

  /** Completes every pending write. */
  writeAll(): void {
    const p = this.pending;
    this.pending = [];
    for (const w of p) w.resolve();
  }

  /** Fails every pending write; the records stay in the log (as a local append that never commits). */
  failAll(failure: WriteFailure): void {
    const p = this.pending;
    this.pending = [];
    for (const w of p) w.reject(new WriteError(failure));
  }

  get pendingWrites(): number {
    return this.pending.length;
  }

  async *read(fromOffset: number): AsyncIterable<StoredRecord> {
    for (const r of this.records.slice()) if (r.offset >= fromOffset) yield r;
  }
}
