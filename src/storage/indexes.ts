// The three per-segment indexes in Kafka's file formats, held in memory (Node has no mmap) and written
// to their files on flush, roll and close:
//  .index      8-byte entries: relative offset i32, position i32. Entry (O, P): the batch starting at
//              byte P is the first one at or after the append that covered offset O (sparse).
//  .timeindex  12-byte entries: timestamp i64, relative offset i32. Entry (T, O): the largest timestamp
//              up to offset O is T. Timestamps strictly increase.
//  .txnindex   34-byte entries: version i16 (0), producerId i64, firstOffset i64, lastOffset i64,
//              lastStableOffset i64: the aborted transactions whose ABORT marker is in this segment.
import { readInt64, writeInt64 } from '../protocol/records/batch.js';

export const OFFSET_INDEX_ENTRY_BYTES = 8;
export const TIME_INDEX_ENTRY_BYTES = 12;
export const TXN_INDEX_ENTRY_BYTES = 34;

function grow<T extends Int32Array | Float64Array>(arr: T, need: number, make: (n: number) => T): T {
  if (need <= arr.length) return arr;
  const next = make(Math.max(need, arr.length * 2, 16));
  next.set(arr);
  return next;
}

export class OffsetIndex {
  private rel = new Int32Array(0);
  private pos = new Int32Array(0);
  count = 0;
  /** Entries already written to the file. */
  persistedCount = 0;
  /** Length of the index file as last written or loaded. */
  fileBytes = 0;

  constructor(
    readonly baseOffset: number,
    readonly maxEntries: number,
  ) {}

  get isFull(): boolean {
    return this.count >= this.maxEntries;
  }

  get lastOffset(): number {
    return this.count === 0 ? this.baseOffset : this.baseOffset + this.rel[this.count - 1];
  }

  /** Adds an entry when `offset` is beyond the last one (entries strictly increase). */
  append(offset: number, position: number): void {
    if (this.count > 0 && offset <= this.lastOffset) return;
    if (this.isFull) return;
    this.rel = grow(this.rel, this.count + 1, (n) => new Int32Array(n));
    this.pos = grow(this.pos, this.count + 1, (n) => new Int32Array(n));
    this.rel[this.count] = offset - this.baseOffset;
    this.pos[this.count] = position;
    this.count++;
  }

  /** The greatest entry at or below `offset`, or (baseOffset, 0). */
  lookup(offset: number): { offset: number; position: number } {
    const target = offset - this.baseOffset;
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rel[mid] <= target) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return { offset: this.baseOffset, position: 0 };
    return { offset: this.baseOffset + this.rel[found], position: this.pos[found] };
  }

  /** The first entry whose position is at or beyond `position`, or null. */
  entryAtOrAfterPosition(position: number): { offset: number; position: number } | null {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.pos[mid] >= position) {
        found = mid;
        hi = mid - 1;
      } else lo = mid + 1;
    }
    return found < 0 ? null : { offset: this.baseOffset + this.rel[found], position: this.pos[found] };
  }

  /** Removes the entries for offsets >= `offset`. */
  truncateTo(offset: number): void {
    const target = offset - this.baseOffset;
    let n = this.count;
    while (n > 0 && this.rel[n - 1] >= target) n--;
    this.count = n;
    this.persistedCount = Math.min(this.persistedCount, n);
  }

  /** Removes the entries whose position is >= `position`. */
  truncateToPosition(position: number): void {
    let n = this.count;
    while (n > 0 && this.pos[n - 1] >= position) n--;
    this.count = n;
    this.persistedCount = Math.min(this.persistedCount, n);
  }

  clear(): void {
    this.count = 0;
    this.persistedCount = 0;
  }

  get sizeBytes(): number {
    return this.count * OFFSET_INDEX_ENTRY_BYTES;
  }

  /** Entries [from, count) in the file format. */
  encode(from = 0): Buffer {
    const out = Buffer.allocUnsafe((this.count - from) * OFFSET_INDEX_ENTRY_BYTES);
    for (let i = from, p = 0; i < this.count; i++, p += 8) {
      out.writeInt32BE(this.rel[i], p);
      out.writeInt32BE(this.pos[i], p + 4);
    }
    return out;
  }

  /**
   * Loads the file contents. Returns false (and stays empty) when they cannot be a valid index of a
   * segment of `logBytes` bytes: a partial entry, offsets not increasing, positions decreasing or past
   * the end of the log.
   */
  load(data: Buffer, logBytes: number): boolean {
    this.clear();
    this.fileBytes = data.length;
    if (data.length % OFFSET_INDEX_ENTRY_BYTES !== 0) return false;
    const n = data.length / OFFSET_INDEX_ENTRY_BYTES;
    if (n > this.maxEntries) return false;
    this.rel = new Int32Array(n);
    this.pos = new Int32Array(n);
    let prevRel = -1;
    let prevPos = -1;
    for (let i = 0; i < n; i++) {
      const rel = data.readInt32BE(i * 8);
      const pos = data.readInt32BE(i * 8 + 4);
      if (rel <= prevRel || pos < prevPos || pos >= logBytes || rel < 0) {
        this.clear();
        return false;
      }
      this.rel[i] = rel;
      this.pos[i] = pos;
      prevRel = rel;
      prevPos = pos;
    }
    this.count = n;
    this.persistedCount = n;
    return true;
  }
}

export class TimeIndex {
  private ts = new Float64Array(0);
  private rel = new Int32Array(0);
  count = 0;
  persistedCount = 0;
  fileBytes = 0;

  constructor(
    readonly baseOffset: number,
    readonly maxEntries: number,
  ) {}

  get isFull(): boolean {
    return this.count >= this.maxEntries;
  }

  /** The last entry, or (-1, baseOffset) when empty. */
  lastEntry(): { timestamp: number; offset: number } {
    if (this.count === 0) return { timestamp: -1, offset: this.baseOffset };
    return { timestamp: this.ts[this.count - 1], offset: this.baseOffset + this.rel[this.count - 1] };
  }

  /** Adds (timestamp, offset) when the timestamp is beyond the last one. `force` ignores a full index. */
  maybeAppend(timestamp: number, offset: number, force = false): void {
    if (timestamp < 0) return;
    if (this.count > 0) {
      if (timestamp <= this.ts[this.count - 1]) return;
      if (offset < this.baseOffset + this.rel[this.count - 1]) return;
    }
    if (this.isFull && !force) return;
    this.ts = grow(this.ts, this.count + 1, (n) => new Float64Array(n));
    this.rel = grow(this.rel, this.count + 1, (n) => new Int32Array(n));
    this.ts[this.count] = timestamp;
    this.rel[this.count] = offset - this.baseOffset;
    this.count++;
  }

  /** The entry with the greatest timestamp <= `timestamp`, or (-1, baseOffset). */
  lookup(timestamp: number): { timestamp: number; offset: number } {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid] <= timestamp) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return { timestamp: -1, offset: this.baseOffset };
    return { timestamp: this.ts[found], offset: this.baseOffset + this.rel[found] };
  }

  truncateTo(offset: number): void {
    const target = offset - this.baseOffset;
    let n = this.count;
    while (n > 0 && this.rel[n - 1] >= target) n--;
    this.count = n;
    this.persistedCount = Math.min(this.persistedCount, n);
  }

  clear(): void {
    this.count = 0;
    this.persistedCount = 0;
  }

  get sizeBytes(): number {
    return this.count * TIME_INDEX_ENTRY_BYTES;
  }

  encode(from = 0): Buffer {
    const out = Buffer.allocUnsafe((this.count - from) * TIME_INDEX_ENTRY_BYTES);
    for (let i = from, p = 0; i < this.count; i++, p += 12) {
      writeInt64(out, p, this.ts[i]);
      out.writeInt32BE(this.rel[i], p + 8);
    }
    return out;
  }

  /** Loads the file contents; false when they are not a valid time index for offsets below `nextOffset`. */
  load(data: Buffer, nextOffset: number): boolean {
    this.clear();
    this.fileBytes = data.length;
    if (data.length % TIME_INDEX_ENTRY_BYTES !== 0) return false;
    const n = data.length / TIME_INDEX_ENTRY_BYTES;
    this.ts = new Float64Array(n);
    this.rel = new Int32Array(n);
    let prevTs = -1;
    let prevRel = -1;
    for (let i = 0; i < n; i++) {
      const ts = readInt64(data, i * 12);
      const rel = data.readInt32BE(i * 12 + 8);
      // Kafka preallocates index files; a zero entry after the first is unused space, not data.
      if (ts === 0 && rel === 0 && i > 0) {
        this.count = i;
        this.persistedCount = 0;
        return true;
      }
      if (
        ts <= prevTs ||
        rel < prevRel ||
        rel < 0 ||
        this.baseOffset + rel >= Math.max(nextOffset, 1 + this.baseOffset)
      ) {
        this.clear();
        return false;
      }
      this.ts[i] = ts;
      this.rel[i] = rel;
      prevTs = ts;
      prevRel = rel;
    }
    this.count = n;
    this.persistedCount = n;
    return true;
  }
}

export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
  lastOffset: number;
  lastStableOffset: number;
}

export class TxnIndex {
  entries: AbortedTxn[] = [];
  persistedCount = 0;
  fileBytes = 0;

  get sizeBytes(): number {
    return this.entries.length * TXN_INDEX_ENTRY_BYTES;
  }

  append(txn: AbortedTxn): void {
    this.entries.push(txn);
  }

  truncateTo(offset: number): void {
    let n = this.entries.length;
    while (n > 0 && this.entries[n - 1].lastOffset >= offset) n--;
    this.entries.length = n;
    this.persistedCount = Math.min(this.persistedCount, n);
  }

  clear(): void {
    this.entries = [];
    this.persistedCount = 0;
  }

  encode(from = 0): Buffer {
    const out = Buffer.allocUnsafe((this.entries.length - from) * TXN_INDEX_ENTRY_BYTES);
    for (let i = from, p = 0; i < this.entries.length; i++, p += TXN_INDEX_ENTRY_BYTES) {
      const e = this.entries[i];
      out.writeInt16BE(0, p);
      writeInt64(out, p + 2, e.producerId);
      writeInt64(out, p + 10, e.firstOffset);
      writeInt64(out, p + 18, e.lastOffset);
      writeInt64(out, p + 26, e.lastStableOffset);
    }
    return out;
  }

  load(data: Buffer): boolean {
    this.clear();
    this.fileBytes = data.length;
    if (data.length % TXN_INDEX_ENTRY_BYTES !== 0) return false;
    for (let p = 0; p < data.length; p += TXN_INDEX_ENTRY_BYTES) {
      if (data.readInt16BE(p) !== 0) {
        this.clear();
        return false;
      }
      this.entries.push({
        producerId: readInt64(data, p + 2),
        firstOffset: readInt64(data, p + 10),
        lastOffset: readInt64(data, p + 18),
        lastStableOffset: readInt64(data, p + 26),
      });
    }
    this.persistedCount = this.entries.length;
    return true;
  }
}
