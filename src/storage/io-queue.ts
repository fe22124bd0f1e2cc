// The ordered file work of one partition log. Writes and the tasks that change files (roll, truncate,
// segment deletion, index persistence) run one after the other in the order they were queued. Appends
// made while a write is queued but not started join that write, so the appends of one tick (and all
// that arrive while the previous write is in flight) share one writev call: group commit.
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

export class IoQueue {
  private ops: (Op | undefined)[] = [];
  private head = 0;
  private running = false;
  private scheduled = false;
  /** The first write failure; every later write is refused with it. */
  failed: unknown = null;

  constructor(
    private readonly execWrite: (op: WriteOp) => Promise<void>,
    private readonly onWriteFailed: (err: unknown, op: WriteOp) => void,
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
    if (!this.running && this.ops.length === this.head) return Promise.resolve();
    return this.task(async () => {});
  }

  get pending(): number {
    return this.ops.length - this.head;
  }

  private push(op: Op): void {
    this.ops.push(op);
    if (!this.running && !this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        void this.drain();
      });
    }
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    while (this.head < this.ops.length) {
      const op = this.ops[this.head]!;
      this.ops[this.head] = undefined;
      this.head++;
      if (op.kind === 'write') {
        if (this.failed) {
          op.done.reject(this.failed);
          continue;
        }
        try {
          await this.execWrite(op);
          op.done.resolve();
        } catch (err) {
          this.failed = err;
          this.onWriteFailed(err, op);
          op.done.reject(err);
        }
      } else {
        try {
          op.done.resolve(await op.run());
        } catch (err) {
          op.done.reject(err);
        }
      }
      if (this.head > 4096 && this.head * 2 > this.ops.length) {
        this.ops = this.ops.slice(this.head);
        this.head = 0;
      }
    }
    this.ops = [];
    this.head = 0;
    this.running = false;
  }
}
