// The leader epoch cache (KIP-101): epoch → first offset written in that epoch, for
// OffsetForLeaderEpoch and follower truncation. Kept in memory; PartitionLog persists it to
// leader-epoch-checkpoint whenever it changes. Kafka's LeaderEpochFileCache semantics.
import type { EpochEntry } from './files.js';

export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export class LeaderEpochCache {
  private list: EpochEntry[] = [];

  constructor(entries: readonly EpochEntry[] = []) {
    for (const e of entries) this.assign(e.epoch, e.startOffset);
  }

  get entries(): readonly EpochEntry[] {
    return this.list;
  }

  get latestEpoch(): number {
    return this.list.length === 0 ? UNDEFINED_EPOCH : this.list[this.list.length - 1].epoch;
  }

  get latestEntry(): EpochEntry | undefined {
    return this.list[this.list.length - 1];
  }

  /**
   * Records that `epoch` starts at `startOffset`. A no-op when the latest entry is already this epoch at
   * an offset <= startOffset; entries that would break monotonicity (epoch >= or offset >= the new one)
   * are removed first. Returns whether the cache changed.
   */
  assign(epoch: number, startOffset: number): boolean {
    if (epoch < 0 || startOffset < 0) throw new RangeError(`invalid epoch entry ${epoch}@${startOffset}`);
    const last = this.latestEntry;
    if (last && last.epoch === epoch && startOffset >= last.startOffset) return false;
    while (this.list.length > 0) {
      const e = this.list[this.list.length - 1];
      if (e.epoch >= epoch || e.startOffset >= startOffset) this.list.pop();
      else break;
    }
    this.list.push({ epoch, startOffset });
    return true;
  }

  /**
   * OffsetForLeaderEpoch: the largest epoch <= `requested` and the offset where it ended (the start of
   * the next epoch, or `logEndOffset` for the latest), or (-1, -1) when unknown.
   */
  endOffsetFor(requested: number, logEndOffset: number): { epoch: number; endOffset: number } {
    if (requested === UNDEFINED_EPOCH) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (this.list.length > 0 && this.latestEpoch === requested)
      return { epoch: requested, endOffset: logEndOffset };
    const higher = this.list.findIndex((e) => e.epoch > requested);
    if (higher < 0) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (higher === 0) return { epoch: requested, endOffset: this.list[0].startOffset };
    return { epoch: this.list[higher - 1].epoch, endOffset: this.list[higher].startOffset };
  }

  /** The epoch of the batch holding `offset`, or -1 when none is known. */
  epochForOffset(offset: number): number {
    let result = UNDEFINED_EPOCH;
    for (const e of this.list) {
      if (e.startOffset > offset) break;
      result = e.epoch;
    }
    return result;
  }

  /** Removes the entries starting at or after `endOffset` (a truncated log end). */
  truncateFromEnd(endOffset: number): boolean {
    const before = this.list.length;
    while (this.list.length > 0 && this.list[this.list.length - 1].startOffset >= endOffset) this.list.pop();
    return this.list.length !== before;
  }

  /** Drops entries wholly below `startOffset`, moving the one that covers it to start there. */
  truncateFromStart(startOffset: number): boolean {
    let i = 0;
    while (i < this.list.length && this.list[i].startOffset <= startOffset) i++;
    if (i === 0) return false;
    const covering = this.list[i - 1];
    if (i === 1 && covering.startOffset === startOffset) return false;
    this.list = [{ epoch: covering.epoch, startOffset }, ...this.list.slice(i)];
    return true;
  }

  clear(): boolean {
    const changed = this.list.length > 0;
    this.list = [];
    return changed;
  }
}
