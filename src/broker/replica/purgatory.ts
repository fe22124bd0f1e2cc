// Delayed operations (Kafka's "purgatory"): requests that wait for something to happen — a fetch
// for enough bytes, a produce for its replicas — parked under the keys that can complete them
// (partitions), woken when those keys change, and expired by one timer for the earliest deadline.
import { type Clock, systemClock, type TimerHandle } from '../clock.js';

export interface DelayedOperation {
  readonly keys: readonly string[];
  readonly deadlineMs: number;
  /** Completes the operation if it can; returns whether it did. Called on wake-ups. */
  tryComplete(): boolean;
  /** Completes the operation with whatever it has at its deadline. */
  expire(): void;
}

interface Entry {
  op: DelayedOperation;
  done: boolean;
}

export class Purgatory {
  private readonly byKey = new Map<string, Set<Entry>>();
  private readonly heap: Entry[] = [];
  private timer: TimerHandle | null = null;
  private timerAtMs = Number.POSITIVE_INFINITY;
  private count = 0;

  constructor(
    readonly name: string,
    private readonly sizeMax: number,
    private readonly now: () => number,
    private readonly timers: Pick<Clock, 'setTimer'> = systemClock,
  ) {}

  /** Operations waiting right now. */
  get size(): number {
    return this.count;
  }

  /**
   * Parks `op` unless it can complete at once. When the purgatory is full the operation is expired
   * immediately (answered with what it has) rather than queued without bound.
   */
  park(op: DelayedOperation): void {
    if (op.tryComplete()) return;
    if (this.count >= this.sizeMax || op.deadlineMs <= this.now()) {
      op.expire();
      return;
    }
    const entry: Entry = { op, done: false };
    this.count++;
    for (const key of op.keys) {
      let set = this.byKey.get(key);
      if (!set) {
        set = new Set();
        this.byKey.set(key, set);
      }
      set.add(entry);
    }
    this.push(entry);
    this.schedule();
  }

  /** Something changed under `key`: completes the operations watching it that now can. */
  wake(key: string): void {
    const set = this.byKey.get(key);
    if (!set) return;
    for (const entry of [...set]) {
      if (!entry.done && entry.op.tryComplete()) this.finish(entry);
    }
  }

  /** Expires every parked operation (shutdown). */
  expireAll(): void {
    for (const entry of this.heap) if (!entry.done) this.expireEntry(entry);
    this.heap.length = 0;
    this.timer?.cancel();
    this.timer = null;
    this.timerAtMs = Number.POSITIVE_INFINITY;
  }

  private finish(entry: Entry): void {
    entry.done = true;
    this.count--;
    for (const key of entry.op.keys) {
      const set = this.byKey.get(key);
      if (!set) continue;
      set.delete(entry);
      if (set.size === 0) this.byKey.delete(key);
    }
  }

  private expireEntry(entry: Entry): void {
    this.finish(entry);
    entry.op.expire();
  }

  private schedule(): void {
    while (this.heap.length > 0 && this.heap[0].done) this.pop();
    if (this.heap.length === 0) return;
    const at = this.heap[0].op.deadlineMs;
    if (at >= this.timerAtMs && this.timer) return;
    this.timer?.cancel();
    this.timerAtMs = at;
    this.timer = this.timers.setTimer(at - this.now(), () => this.onTimer());
  }

  private onTimer(): void {
    this.timer = null;
    this.timerAtMs = Number.POSITIVE_INFINITY;
    const nowMs = this.now();
    while (this.heap.length > 0 && (this.heap[0].done || this.heap[0].op.deadlineMs <= nowMs)) {
      const entry = this.pop();
      if (!entry.done) this.expireEntry(entry);
    }
    this.schedule();
  }

  private push(entry: Entry): void {
    const h = this.heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent].op.deadlineMs <= h[i].op.deadlineMs) break;
      [h[parent], h[i]] = [h[i], h[parent]];
      i = parent;
    }
  }

  private pop(): Entry {
    const h = this.heap;
    const top = h[0];
    const last = h.pop() as Entry;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l].op.deadlineMs < h[m].op.deadlineMs) m = l;
        if (r < h.length && h[r].op.deadlineMs < h[m].op.deadlineMs) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    return top;
  }
}
