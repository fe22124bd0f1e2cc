// The ordered file work of one partition log. Writes and the tasks that change files (roll, truncate,
// segment deletion, index persistence, compaction swaps) take effect in the order they were queued.
// Appends made while a write is queued but not started join that write, so the appends of one tick, and
// all that arrive while earlier writes are in flight, share one writev call: group commit.
//
// Up to WRITES_IN_FLIGHT positional writes run at once in the thread pool, so the next write does not
// wait for the main thread to finish what it is doing (typically checking the CRC of the next batch)
// before it can start. Writes still complete in order: a write is committed (the log learns the bytes
// are written, its promise resolves) only after every earlier one. A write that asks for an fsync, and
// every task, waits until no write is in flight.
import type { LogSegment } from './segment.js';

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

/** A promise whose rejection is never reported as unhandled: callers that ignore it lose nothing. */
export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

export interface WriteOp {
  kind: 'write';
  seg: LogSegment;
  position: number;
  bufs: Buffer[];
  bytes: number;
  /** Log offset after the last batch of this write. */
  endOffset: number;
  /** fsync after writing (flush.messages reached). */
  sync: boolean;
  done: Deferred<void>;
  /** Set once the write call returned: null on success, else the error. */
  outcome?: { error: unknown } | null;
}

interface TaskOp {
  kind: 'task';
  run: () => Promise<unknown>;
  done: Deferred<unknown>;
}

type Op = WriteOp | TaskOp;

/** Limits of one merged write: libuv's IOV_MAX and a bound on the latency of one call. */
const MERGE_BUFFERS_MAX = 1024;
const MERGE_BYTES_MAX = 64 * 1024 * 1024;
export const WRITES_IN_FLIGHT = 2;
/** Writes up to this size, with nothing else in flight, are made on the calling thread (see FileSystem.writevSync). */
export const SYNC_WRITE_BYTES_MAX = 64 * 1024;

export class IoQueue {
  private ops: (Op | undefined)[] = [];
  private head = 0;
  private inFlight: WriteOp[] = [];
  private taskRunning = false;
  private scheduled = false;
  /** The first write failure; every later write is refused with it. */
  failed: unknown = null;

  constructor(
    /** Performs the write (and fsync when asked); must not touch log state. */
    private readonly performWrite: (op: WriteOp) => Promise<void>,
    /** Called in order for each successful write, before its promise resolves. */
    private readonly commitWrite: (op: WriteOp) => void,
    private readonly onWriteFailed: (err: unknown, op: WriteOp) => void,
    /** Performs a small write on the calling thread; returns false when it cannot (no sync API). */
    private readonly performWriteSync?: (op: WriteOp) => boolean,
  ) {}

  /** Queues `buf` for writing at `position` of `seg`; resolves when the write call has finished. */
  write(seg: LogSegment, position: number, buf: Buffer, endOffset: number): Promise<void> {
    const tail = this.ops.length > this.head ? this.ops[this.ops.length - 1] : undefined;
    if (
      tail?.kind === 'write' &&
      tail.seg === seg &&
      tail.position + tail.bytes === position &&
      tail.bufs.length < MERGE_BUFFERS_MAX &&
      tail.bytes + buf.length <= MERGE_BYTES_MAX
    ) {
      tail.bufs.push(buf);
      tail.bytes += buf.length;
      tail.endOffset = endOffset;
      return tail.done.promise;
    }
    const op: WriteOp = {
      kind: 'write',
      seg,
      position,
      bufs: [buf],
      bytes: buf.length,
      endOffset,
      sync: false,
      done: deferred<void>(),
    };
    this.push(op);
    return op.done.promise;
  }

  /** Asks for an fsync after the most recently queued write. */
  syncLastWrite(): void {
    const tail = this.ops.length > this.head ? this.ops[this.ops.length - 1] : undefined;
    if (tail?.kind === 'write') tail.sync = true;
  }

  /** Runs `run` after everything queued so far. */
  task<T>(run: () => Promise<T>): Promise<T> {
    const op: TaskOp = { kind: 'task', run, done: deferred<unknown>() };
    this.push(op);
    return op.done.promise as Promise<T>;
  }

  /** Resolves once everything queued so far has run. */
  idle(): Promise<void> {
    if (this.isIdle) return Promise.resolve();
    return this.task(async () => {});
  }

  private get isIdle(): boolean {
    return !this.taskRunning && this.inFlight.length === 0 && this.ops.length === this.head;
  }

  get pending(): number {
    return this.ops.length - this.head + this.inFlight.length;
  }

  private push(op: Op): void {
    this.ops.push(op);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        this.pump();
      });
    }
  }

  /** Starts whatever may start now. */
  private pump(): void {
    while (this.head < this.ops.length && !this.taskRunning) {
      const op = this.ops[this.head]!;
      if (op.kind === 'task' || op.sync) {
        if (this.inFlight.length > 0) return; // a barrier: wait for the writes in flight
      } else if (this.inFlight.length >= WRITES_IN_FLIGHT || this.inFlight.some((w) => w.sync)) return;
      this.ops[this.head] = undefined;
      this.head++;
      if (op.kind === 'task') this.runTask(op);
      else this.startWrite(op);
    }
    if (this.head > 4096 && this.head * 2 > this.ops.length) {
      this.ops = this.ops.slice(this.head);
      this.head = 0;
    }
  }

  private runTask(op: TaskOp): void {
    this.taskRunning = true;
    op.run().then(
      (v) => this.afterTask(op, () => op.done.resolve(v)),
      (err) => this.afterTask(op, () => op.done.reject(err)),
    );
  }

  private afterTask(_op: TaskOp, settle: () => void): void {
    this.taskRunning = false;
    settle();
    this.pump();
  }

  private startWrite(op: WriteOp): void {
    if (this.failed) {
      op.done.reject(this.failed);
      return;
    }
    this.inFlight.push(op);
    if (this.inFlight.length === 1 && !op.sync && op.bytes <= SYNC_WRITE_BYTES_MAX && this.performWriteSync) {
      let written: boolean;
      try {
        written = this.performWriteSync(op);
      } catch (error) {
        this.settle(op, { error });
        return;
      }
      if (written) {
        this.settle(op, null);
        return;
      }
    }
    this.performWrite(op).then(
      () => this.completed(op, null),
      (error) => this.completed(op, { error }),
    );
  }

  /** Commits the finished writes at the front, in order. */
  private completed(op: WriteOp, outcome: { error: unknown } | null): void {
    this.settle(op, outcome);
    this.pump();
  }

  /** Records a write's outcome and commits the finished writes at the front, in order. */
  private settle(op: WriteOp, outcome: { error: unknown } | null): void {
    op.outcome = outcome;
    while (this.inFlight.length > 0 && this.inFlight[0].outcome !== undefined) {
      const w = this.inFlight.shift()!;
      const err = w.outcome?.error ?? this.failed;
      if (err === null || err === undefined) {
        this.commitWrite(w);
        w.done.resolve();
      } else {
        if (!this.failed) {
          this.failed = err;
          this.onWriteFailed(err, w);
        }
        w.done.reject(this.failed);
      }
    }
  }
}
