import type { Entry, EpochEndOffset, Snapshot } from './types.js';

/** Bytes an entry counts for against fetch limits: its payload plus a nominal batch overhead. */
export function entryBytes(entry: Entry): number {
  return entry.kind === 'data' ? entry.data.length + 16 : 32;
}

interface EpochStart {
  epoch: number;
  startOffset: number;
}

interface VotersAt {
  offset: number;
  voters: number[];
}

/**
 * The in-memory metadata log: a snapshot (possibly the empty bootstrap one at offset 0, epoch 0) followed
 * by contiguous entries. Besides the entries it keeps what Kafka keeps beside a log: the start offset of
 * every epoch (the leader-epoch checkpoint, used to answer "where does my epoch end?"), and the offsets of
 * VotersRecords so the voter set can follow truncation and compaction.
 *
 * It also tracks what the driver has been told to store, so ready() can describe the difference between
 * memory and storage as "truncate from T, then append these".
 */
export class RaftLog {
  private entries: Entry[] = [];
  private head = 0;
  private start: number;
  private snap: Snapshot;
  /** First element describes the snapshot: epoch of its last entry, at the log start offset. */
  private epochs: EpochStart[];
  private voterHistory: VotersAt[] = [];

  /** Storage holds [start, storedEnd) once every issued ready is written. */
  private storedEnd: number;
  /** Memory and issued storage agree on [start, stableEnd). */
  private stableEnd: number;
  /** [start, durableEnd) is known to be fsynced. */
  private durable: number;
  private inflightEnd = -1;
  private inflightLowWater = Number.MAX_SAFE_INTEGER;
  private unsavedSnapshot: Snapshot | null = null;

  constructor(snapshot: Snapshot, entries: readonly Entry[]) {
    this.snap = snapshot;
    this.start = snapshot.id.endOffset;
    this.epochs = [{ epoch: snapshot.id.epoch, startOffset: this.start }];
    for (const e of entries) this.append(e);
    this.storedEnd = this.endOffset();
    this.stableEnd = this.storedEnd;
    this.durable = this.storedEnd;
  }

  get startOffset(): number {
    return this.start;
  }

  get snapshot(): Snapshot {
    return this.snap;
  }

  get durableEnd(): number {
    return this.durable;
  }

  endOffset(): number {
    return this.start + this.entries.length - this.head;
  }

  lastEpoch(): number {
    return this.epochs[this.epochs.length - 1].epoch;
  }

  entryAt(offset: number): Entry | undefined {
    if (offset < this.start) return undefined;
    return this.entries[this.head + offset - this.start];
  }

  /** Epoch of the entry at offset, also for the last entry covered by the snapshot; -1 if unknown. */
  epochAt(offset: number): number {
    if (offset === this.start - 1) return this.snap.id.epoch;
    const e = this.entryAt(offset);
    return e ? e.epoch : -1;
  }

  append(entry: Entry): void {
    if (entry.offset !== this.endOffset()) {
      throw new Error(`raft log: append at ${entry.offset}, end is ${this.endOffset()}`);
    }
    if (entry.epoch < this.lastEpoch()) {
      throw new Error(`raft log: epoch ${entry.epoch} after ${this.lastEpoch()}`);
    }
    if (entry.epoch > this.lastEpoch()) this.epochs.push({ epoch: entry.epoch, startOffset: entry.offset });
    if (entry.kind === 'voters') {
      const voters = entry.voters.voters.map((v) => v.voterId).sort((a, b) => a - b);
      this.voterHistory.push({ offset: entry.offset, voters });
    }
    this.entries.push(entry);
  }

  /** Removes every entry at or after offset. */
  truncateFrom(offset: number): void {
    if (offset < this.start) throw new Error(`raft log: truncate to ${offset} below start ${this.start}`);
    if (offset >= this.endOffset()) return;
    this.entries.length = this.head + offset - this.start;
    while (this.epochs.length > 1 && this.epochs[this.epochs.length - 1].startOffset >= offset)
      this.epochs.pop();
    while (this.voterHistory.length > 0 && this.voterHistory[this.voterHistory.length - 1].offset >= offset) {
      this.voterHistory.pop();
    }
    this.stableEnd = Math.min(this.stableEnd, offset);
    this.durable = Math.min(this.durable, offset);
    this.inflightLowWater = Math.min(this.inflightLowWater, offset);
  }

  /**
   * KRaft's endOffsetForEpoch: the largest epoch not above `epoch` that this log knows, and the offset where
   * it ends (the start of the next epoch, or the log end). Epochs before the snapshot are unknown: those
   * give the snapshot's epoch at the log start, or -1 below it.
   */
  endOffsetForEpoch(epoch: number): EpochEndOffset {
    const epochs = this.epochs;
    if (epoch < epochs[0].epoch) return { epoch: -1, endOffset: this.start };
    let lo = 0;
    let hi = epochs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (epochs[mid].epoch <= epoch) lo = mid;
      else hi = mid - 1;
    }
    const endOffset = lo + 1 < epochs.length ? epochs[lo + 1].startOffset : this.endOffset();
    return { epoch: epochs[lo].epoch, endOffset };
  }

  /** Entries in [from, to). */
  slice(from: number, to: number): Entry[] {
    const lo = this.head + Math.max(from, this.start) - this.start;
    const hi = this.head + Math.min(to, this.endOffset()) - this.start;
    return hi > lo ? this.entries.slice(lo, hi) : [];
  }

  /**
   * Entries from `from` up to about bytesMax (always at least one when any exist), in whole batches: a
   * batch is never split between two answers, so a replica's log always ends at a batch boundary.
   */
  read(from: number, bytesMax: number): Entry[] {
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = this.head + from - this.start; i < this.entries.length; i++) {
      const e = this.entries[i];
      bytes += entryBytes(e);
      if (out.length > 0 && bytes > bytesMax && !out[out.length - 1].batchContinues) break;
      out.push(e);
    }
    return out;
  }

  latestVoters(): number[] {
    const h = this.voterHistory;
    return h.length > 0 ? h[h.length - 1].voters : this.snap.voters;
  }

  /** The voter set in force for the log prefix that ends at endOffset. */
  votersAt(endOffset: number): number[] {
    for (let i = this.voterHistory.length - 1; i >= 0; i--) {
      if (this.voterHistory[i].offset < endOffset) return this.voterHistory[i].voters;
    }
    return this.snap.voters;
  }

  /** Offset of the newest VotersRecord still in the log, or -1. */
  lastVotersOffset(): number {
    const h = this.voterHistory;
    return h.length > 0 ? h[h.length - 1].offset : -1;
  }

  /** Replaces the log prefix below snapshot.id.endOffset with the snapshot (local compaction). */
  compact(snapshot: Snapshot): void {
    const end = snapshot.id.endOffset;
    if (end <= this.start || end > this.endOffset()) {
      throw new Error(`raft log: compact to ${end} outside (${this.start}, ${this.endOffset()}]`);
    }
    this.head += end - this.start;
    this.start = end;
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    const kept = this.epochs.filter(
      (e) => e.startOffset > end || (e.startOffset === end && e.epoch > snapshot.id.epoch),
    );
    this.epochs = [{ epoch: snapshot.id.epoch, startOffset: end }, ...kept];
    this.voterHistory = this.voterHistory.filter((v) => v.offset >= end);
    this.snap = snapshot;
    this.unsavedSnapshot = snapshot;
  }

  /** Replaces the whole log with a snapshot received from the leader. */
  installSnapshot(snapshot: Snapshot): void {
    const end = snapshot.id.endOffset;
    this.entries = [];
    this.head = 0;
    this.start = end;
    this.epochs = [{ epoch: snapshot.id.epoch, startOffset: end }];
    this.voterHistory = [];
    this.snap = snapshot;
    this.unsavedSnapshot = snapshot;
    this.stableEnd = Math.min(this.stableEnd, end);
    this.durable = Math.min(this.durable, end);
    this.inflightLowWater = Math.min(this.inflightLowWater, end);
  }

  hasUnsaved(): boolean {
    return (
      this.unsavedSnapshot !== null || this.stableEnd < this.storedEnd || this.stableEnd < this.endOffset()
    );
  }

  /** What storage must do to match memory; records it as issued. */
  takeUnsaved(): { snapshot: Snapshot | null; truncateFromOffset: number | null; entries: Entry[] } {
    const from = Math.max(this.stableEnd, this.start);
    const snapshot = this.unsavedSnapshot;
    const truncateFromOffset = from < this.storedEnd ? from : null;
    const entries = this.slice(from, this.endOffset());
    this.unsavedSnapshot = null;
    this.storedEnd = this.endOffset();
    this.stableEnd = this.storedEnd;
    this.inflightEnd = this.storedEnd;
    this.inflightLowWater = Number.MAX_SAFE_INTEGER;
    return { snapshot, truncateFromOffset, entries };
  }

  /** The driver reports the last issued ready durable. */
  markIssuedDurable(): void {
    if (this.inflightEnd < 0) return;
    this.durable = Math.max(this.durable, Math.min(this.inflightEnd, this.inflightLowWater));
    this.inflightEnd = -1;
  }
}
