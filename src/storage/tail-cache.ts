// The most recent batches of a partition, in memory, to serve tail reads (consumers and followers that
// keep up) without touching the file. Always a contiguous suffix of the log. Holds every batch whose
// write has not finished, so file reads only ever cover written bytes; beyond that it is bounded by
// bytes, evicting the oldest written batches first.

export interface CachedBatch {
  baseOffset: number;
  lastOffset: number;
  buf: Buffer;
  /** The cache holds a counted share of a pooled buffer (given back through `onDrop`). */
  pooled: boolean;
}

export class TailCache {
  private items: CachedBatch[] = [];
  private head = 0;
  bytes = 0;

  constructor(
    public maxBytes: number,
    /** Called for each batch the cache lets go of (the log gives pooled buffers back). */
    private readonly onDrop: (buf: Buffer) => void = () => {},
  ) {}

  get size(): number {
    return this.items.length - this.head;
  }

  get first(): CachedBatch | undefined {
    return this.items[this.head];
  }

  get last(): CachedBatch | undefined {
    return this.size > 0 ? this.items[this.items.length - 1] : undefined;
  }

  push(baseOffset: number, lastOffset: number, buf: Buffer, pooled = false): void {
    this.items.push({ baseOffset, lastOffset, buf, pooled });
    this.bytes += buf.length;
  }

  /** Evicts the oldest batches while over budget, but never one at or beyond `writtenEndOffset`. */
  evict(writtenEndOffset: number): void {
    while (this.bytes > this.maxBytes && this.head < this.items.length) {
      const b = this.items[this.head];
      if (b.lastOffset >= writtenEndOffset) break;
      this.bytes -= b.buf.length;
      if (b.pooled) this.onDrop(b.buf);
      this.items[this.head] = undefined as unknown as CachedBatch;
      this.head++;
    }
    this.compact();
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /** Index (for `at`) of the batch holding `offset`, or -1 when the cache does not reach back to it. */
  indexOf(offset: number): number {
    if (this.size === 0 || offset < this.items[this.head].baseOffset) return -1;
    let lo = this.head;
    let hi = this.items.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.items[mid].lastOffset >= offset) {
        found = mid;
        hi = mid - 1;
      } else lo = mid + 1;
    }
    return found;
  }

  at(index: number): CachedBatch | undefined {
    return index >= this.head ? this.items[index] : undefined;
  }

  get endIndex(): number {
    return this.items.length;
  }

  /** Drops the batches holding offsets >= `offset` (a truncated log). */
  truncateFrom(offset: number): void {
    while (this.size > 0 && this.items[this.items.length - 1].lastOffset >= offset) {
      const b = this.items.pop()!;
      this.bytes -= b.buf.length;
      if (b.pooled) this.onDrop(b.buf);
    }
  }

  /** Drops the batches wholly below `offset`. */
  dropBelow(offset: number): void {
    while (this.head < this.items.length && this.items[this.head].lastOffset < offset) {
      this.bytes -= this.items[this.head].buf.length;
      if (this.items[this.head].pooled) this.onDrop(this.items[this.head].buf);
      this.items[this.head] = undefined as unknown as CachedBatch;
      this.head++;
    }
    this.compact();
  }

  /** Drops the batches overlapping [from, to). */
  dropRange(from: number, to: number): void {
    // The cache is a suffix of the log: dropping a middle range would break it, so drop everything before `to`.
    if (
      this.size > 0 &&
      this.items[this.head].baseOffset < to &&
      from < this.items[this.items.length - 1].lastOffset + 1
    ) {
      this.dropBelow(to);
      if (this.size > 0 && this.items[this.head].baseOffset < to) this.clear();
    }
  }

  clear(): void {
    for (let i = this.head; i < this.items.length; i++)
      if (this.items[i].pooled) this.onDrop(this.items[i].buf);
    this.items = [];
    this.head = 0;
    this.bytes = 0;
  }
}
