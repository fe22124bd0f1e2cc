// Producer state for idempotence and transactions, with Kafka's rules (ProducerStateManager,
// ProducerAppendInfo): per producer id its epoch, the last 5 batches' sequence ranges and offsets, the
// coordinator epoch and the first offset of its open transaction. Snapshots use Kafka's .snapshot
// format (version 1, CRC-32C); Samsa writes one entry per retained batch, oldest first, so a Kafka reader
// keeps the newest and a Samsa reader gets all five back.
import { readInt64, writeInt64 } from '../protocol/records/batch.js';
import { crc32c } from '../protocol/records/crc32c.js';

/** Kafka's NUM_BATCHES_TO_RETAIN: the clients' maximum of in-flight requests per connection. */
export const BATCHES_RETAINED = 5;

export interface BatchMetadata {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
  timestamp: number;
}

export interface ProducerEntry {
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  /** First offset of the producer's open transaction, -1 when none. */
  currentTxnFirstOffset: number;
  lastTimestamp: number;
  /** Oldest first, at most BATCHES_RETAINED. */
  batches: BatchMetadata[];
}

/** What an append needs to know about a batch (from its header). */
export interface ProducerBatch {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  lastOffsetDelta: number;
  baseOffset: number;
  maxTimestamp: number;
  transactional: boolean;
  control: boolean;
  /** For control batches: the control record (null for an emptied one). */
  controlType?: number;
  coordinatorEpoch?: number;
}

export type ProducerCheck =
  | { kind: 'ok' }
  | { kind: 'duplicate'; firstOffset: number; lastOffset: number; timestamp: number }
  | {
      kind: 'rejected';
      problem:
        | 'out-of-order-sequence'
        | 'invalid-producer-epoch'
        | 'invalid-txn-state'
        | 'coordinator-fenced';
      detail: string;
    };

export interface CompletedTxn {
  producerId: number;
  firstOffset: number;
  lastOffset: number;
  aborted: boolean;
}

export type AppendOrigin = 'client' | 'coordinator' | 'replication';

const INT32_MAX = 0x7fffffff;

function addSeq(seq: number, delta: number): number {
  const n = seq + delta;
  return n > INT32_MAX ? n - INT32_MAX - 1 : n;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

export class ProducerStateManager {
  readonly producers = new Map<number, ProducerEntry>();
  /** Open transactions: first offset → producer id. */
  private readonly ongoing = new Map<number, number>();
  /** Completed transactions whose markers are not yet below the high watermark. */
  private unreplicated: { firstOffset: number; lastOffset: number }[] = [];
  /** The state reflects the log up to (not including) this offset. */
  mapEndOffset = 0;

  constructor(public producerIdExpirationMs: number) {}

  /** Kafka's checks for an append from a client or a coordinator (replication is not checked). */
  check(b: ProducerBatch, origin: AppendOrigin): ProducerCheck {
    if (b.producerId < 0 || origin === 'replication') return { kind: 'ok' };
    const entry = this.producers.get(b.producerId);
    if (entry === undefined) return { kind: 'ok' };
    const lastSeq = addSeq(b.baseSequence, b.lastOffsetDelta);
    if (origin === 'client' && !b.control && b.producerEpoch === entry.producerEpoch) {
      // Newest first: a producer the log once forgot may have the same range twice.
      const dup = entry.batches.findLast((m) => m.firstSeq === b.baseSequence && m.lastSeq === lastSeq);
      if (dup)
        return {
          kind: 'duplicate',
          firstOffset: dup.firstOffset,
          lastOffset: dup.lastOffset,
          timestamp: dup.timestamp,
        };
    }
    if (b.producerEpoch < entry.producerEpoch) {
      return {
        kind: 'rejected',
        problem: 'invalid-producer-epoch',
        detail: `producer ${b.producerId} epoch ${b.producerEpoch} is older than ${entry.producerEpoch}`,
      };
    }
    if (b.control) {
      if (b.coordinatorEpoch !== undefined && b.coordinatorEpoch < entry.coordinatorEpoch) {
        return {
          kind: 'rejected',
          problem: 'coordinator-fenced',
          detail: `coordinator epoch ${b.coordinatorEpoch} is older than ${entry.coordinatorEpoch}`,
        };
      }
      return { kind: 'ok' };
    }
    if (origin === 'client') {
      if (b.producerEpoch !== entry.producerEpoch) {
        if (b.baseSequence !== 0 && entry.producerEpoch !== -1) {
          return {
            kind: 'rejected',
            problem: 'out-of-order-sequence',
            detail: `producer ${b.producerId}: new epoch ${b.producerEpoch} must start at sequence 0, got ${b.baseSequence}`,
          };
        }
      } else {
        const currentLast = entry.batches.length > 0 ? entry.batches[entry.batches.length - 1].lastSeq : -1;
        if (entry.producerEpoch !== -1 && !inSequence(currentLast, b.baseSequence)) {
          return {
            kind: 'rejected',
            problem: 'out-of-order-sequence',
            detail: `producer ${b.producerId}: sequence ${b.baseSequence} does not follow ${currentLast}`,
          };
        }
      }
    }
    if (entry.currentTxnFirstOffset >= 0 && !b.transactional) {
      return {
        kind: 'rejected',
        problem: 'invalid-txn-state',
        detail: `producer ${b.producerId} wrote a non-transactional batch inside a transaction`,
      };
    }
    return { kind: 'ok' };
  }

  /** Records an appended batch. Returns the transaction a COMMIT/ABORT marker completed, if any. */
  update(b: ProducerBatch): CompletedTxn | null {
    const lastOffset = b.baseOffset + b.lastOffsetDelta;
    this.mapEndOffset = lastOffset + 1;
    if (b.producerId < 0) return null;
    if (b.control && b.controlType === undefined) return null; // emptied by the cleaner
    let entry = this.producers.get(b.producerId);
    if (entry === undefined) {
      entry = {
        producerId: b.producerId,
        producerEpoch: b.producerEpoch,
        coordinatorEpoch: -1,
        currentTxnFirstOffset: -1,
        lastTimestamp: b.maxTimestamp,
        batches: [],
      };
      this.producers.set(b.producerId, entry);
    }
    if (entry.producerEpoch !== b.producerEpoch) {
      entry.producerEpoch = b.producerEpoch;
      entry.batches = [];
    }
    entry.lastTimestamp = b.maxTimestamp;
    if (b.control) {
      if (b.coordinatorEpoch !== undefined && b.coordinatorEpoch >= 0)
        entry.coordinatorEpoch = b.coordinatorEpoch;
      if (b.controlType !== 0 && b.controlType !== 1) return null;
      if (entry.currentTxnFirstOffset < 0) return null;
      const done = {
        producerId: b.producerId,
        firstOffset: entry.currentTxnFirstOffset,
        lastOffset,
        aborted: b.controlType === 0,
      };
      entry.currentTxnFirstOffset = -1;
      return done;
    }
    entry.batches.push({
      firstSeq: b.baseSequence,
      lastSeq: addSeq(b.baseSequence, b.lastOffsetDelta),
      firstOffset: b.baseOffset,
      lastOffset,
      timestamp: b.maxTimestamp,
    });
    if (entry.batches.length > BATCHES_RETAINED) entry.batches.shift();
    if (b.transactional && entry.currentTxnFirstOffset < 0) {
      entry.currentTxnFirstOffset = b.baseOffset;
      this.ongoing.set(b.baseOffset, b.producerId);
    }
    return null;
  }

  /** The first offset of the earliest open transaction of another producer, or `lastOffset + 1`. */
  lastStableOffsetAfter(txn: CompletedTxn): number {
    let min = Number.POSITIVE_INFINITY;
    for (const [first, pid] of this.ongoing) if (pid !== txn.producerId && first < min) min = first;
    return Number.isFinite(min) ? min : txn.lastOffset + 1;
  }

  /** Marks a transaction complete; it stays unstable until the high watermark passes its marker. */
  completeTxn(txn: CompletedTxn, highWatermark: number): void {
    this.ongoing.delete(txn.firstOffset);
    if (txn.lastOffset >= highWatermark) {
      this.unreplicated.push({ firstOffset: txn.firstOffset, lastOffset: txn.lastOffset });
    }
  }

  onHighWatermark(highWatermark: number): void {
    if (this.unreplicated.length > 0)
      this.unreplicated = this.unreplicated.filter((t) => t.lastOffset >= highWatermark);
  }

  /** First offset of an undecided or not yet replicated transaction, or null. */
  firstUnstableOffset(): number | null {
    let min = Number.POSITIVE_INFINITY;
    for (const first of this.ongoing.keys()) if (first < min) min = first;
    for (const t of this.unreplicated) if (t.firstOffset < min) min = t.firstOffset;
    return Number.isFinite(min) ? min : null;
  }

  /** The first offset of the earliest open transaction, or null. */
  firstUndecidedOffset(): number | null {
    let min = Number.POSITIVE_INFINITY;
    for (const first of this.ongoing.keys()) if (first < min) min = first;
    return Number.isFinite(min) ? min : null;
  }

  /** Forgets producers idle for producerIdExpirationMs that have no open transaction. */
  removeExpired(nowMs: number): number {
    let removed = 0;
    for (const [pid, e] of this.producers) {
      if (this.isExpired(e, nowMs)) {
        this.producers.delete(pid);
        removed++;
      }
    }
    return removed;
  }

  isExpired(e: ProducerEntry, nowMs: number): boolean {
    return e.currentTxnFirstOffset < 0 && nowMs - e.lastTimestamp >= this.producerIdExpirationMs;
  }

  clear(mapEndOffset: number): void {
    this.producers.clear();
    this.ongoing.clear();
    this.unreplicated = [];
    this.mapEndOffset = mapEndOffset;
  }

  /** Loads snapshot entries (state as of `offset`), skipping producers already expired at `nowMs`. */
  load(entries: ProducerEntry[], offset: number, nowMs: number): void {
    this.clear(offset);
    for (const e of entries) {
      if (this.isExpired(e, nowMs)) continue;
      this.producers.set(e.producerId, e);
      if (e.currentTxnFirstOffset >= 0) this.ongoing.set(e.currentTxnFirstOffset, e.producerId);
    }
  }

  /** Deep copy of the current entries (for snapshots written later). */
  entries(): ProducerEntry[] {
    return [...this.producers.values()].map((e) => ({ ...e, batches: e.batches.map((b) => ({ ...b })) }));
  }

  /** The open transactions as (producerId, firstOffset). */
  openTransactions(): { producerId: number; firstOffset: number }[] {
    return [...this.ongoing].map(([firstOffset, producerId]) => ({ producerId, firstOffset }));
  }
}

// ---------------------------------------------------------------------------------------------------
// Snapshot file: version i16 (1) | crc u32 (CRC-32C of everything after it) | count i32 | entries:
// producerId i64, epoch i16, lastSequence i32, lastOffset i64, offsetDelta i32, timestamp i64,
// coordinatorEpoch i32, currentTxnFirstOffset i64  (46 bytes each).

const SNAPSHOT_VERSION = 1;
const SNAPSHOT_ENTRY_BYTES = 46;

export function encodeSnapshot(entries: readonly ProducerEntry[]): Buffer {
  const rows: { e: ProducerEntry; b: BatchMetadata | null }[] = [];
  for (const e of entries) {
    if (e.batches.length === 0) rows.push({ e, b: null });
    else for (const b of e.batches) rows.push({ e, b });
  }
  const out = Buffer.alloc(10 + rows.length * SNAPSHOT_ENTRY_BYTES);
  out.writeInt16BE(SNAPSHOT_VERSION, 0);
  out.writeInt32BE(rows.length, 6);
  let p = 10;
  for (const { e, b } of rows) {
    writeInt64(out, p, e.producerId);
    out.writeInt16BE(e.producerEpoch, p + 8);
    out.writeInt32BE(b ? b.lastSeq : -1, p + 10);
    writeInt64(out, p + 14, b ? b.lastOffset : -1);
    out.writeInt32BE(b ? b.lastOffset - b.firstOffset : 0, p + 22);
    writeInt64(out, p + 26, b ? b.timestamp : e.lastTimestamp);
    out.writeInt32BE(e.coordinatorEpoch, p + 34);
    writeInt64(out, p + 38, e.currentTxnFirstOffset);
    p += SNAPSHOT_ENTRY_BYTES;
  }
  out.writeUInt32BE(crc32c(out.subarray(6)), 2);
  return out;
}

/** Decodes a snapshot; null when it is corrupt (bad version, size or CRC). */
export function decodeSnapshot(data: Buffer): ProducerEntry[] | null {
  if (data.length < 10 || data.readInt16BE(0) !== SNAPSHOT_VERSION) return null;
  if (data.readUInt32BE(2) !== crc32c(data.subarray(6))) return null;
  const count = data.readInt32BE(6);
  if (count < 0 || data.length !== 10 + count * SNAPSHOT_ENTRY_BYTES) return null;
  const byId = new Map<number, ProducerEntry>();
  for (let i = 0, p = 10; i < count; i++, p += SNAPSHOT_ENTRY_BYTES) {
    const producerId = readInt64(data, p);
    const producerEpoch = data.readInt16BE(p + 8);
    const lastSeq = data.readInt32BE(p + 10);
    const lastOffset = readInt64(data, p + 14);
    const offsetDelta = data.readInt32BE(p + 22);
    const timestamp = readInt64(data, p + 26);
    const coordinatorEpoch = data.readInt32BE(p + 34);
    const currentTxnFirstOffset = readInt64(data, p + 38);
    let e = byId.get(producerId);
    if (e === undefined || e.producerEpoch !== producerEpoch) {
      e = {
        producerId,
        producerEpoch,
        coordinatorEpoch,
        currentTxnFirstOffset,
        lastTimestamp: timestamp,
        batches: [],
      };
      byId.set(producerId, e);
    }
    e.coordinatorEpoch = coordinatorEpoch;
    e.currentTxnFirstOffset = currentTxnFirstOffset;
    e.lastTimestamp = timestamp;
    if (lastOffset >= 0) {
      const firstSeq =
        lastSeq - offsetDelta < 0 ? lastSeq - offsetDelta + INT32_MAX + 1 : lastSeq - offsetDelta;
      e.batches.push({ firstSeq, lastSeq, firstOffset: lastOffset - offsetDelta, lastOffset, timestamp });
      if (e.batches.length > BATCHES_RETAINED) e.batches.shift();
    }
  }
  return [...byId.values()];
}
