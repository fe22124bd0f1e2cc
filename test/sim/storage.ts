import type { Entry, HardState, PersistentState, Ready, Snapshot } from '../../src/raft/index.js';
import type { SeededRng } from '../../src/raft/rng.js';

type Op =
  | { kind: 'hardState'; hardState: HardState }
  | { kind: 'snapshot'; snapshot: Snapshot }
  | { kind: 'truncate'; fromOffset: number }
  | { kind: 'append'; entry: Entry };

/**
 * A replica's disk: what is durable, and writes issued since the last fsync. A crash keeps a random
 * prefix of the unsynced writes (a torn write) and loses the rest, as a real file system may.
 * Durable state is kept in the core's own shapes; the checker reads it directly.
 */
export class SimStorage {
  hardState: HardState | null = null;
  snapshot: Snapshot | null = null;
  /** Durable entries, contiguous, starting at the snapshot's end offset (0 without one). */
  entries: Entry[] = [];
  private pending: Op[] = [];
  /** Set when a durable write breaks a rule (e.g. the epoch goes back); read by the checker. */
  fault: string | null = null;

  /** Issues the writes of a ready in the driver's order: quorum-state, truncation, snapshot, entries. */
  write(rd: Ready): void {
    if (rd.hardState) this.pending.push({ kind: 'hardState', hardState: rd.hardState });
    if (rd.truncateFromOffset !== null)
      this.pending.push({ kind: 'truncate', fromOffset: rd.truncateFromOffset });
    if (rd.snapshot) this.pending.push({ kind: 'snapshot', snapshot: rd.snapshot });
    for (const entry of rd.entries) this.pending.push({ kind: 'append', entry });
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  sync(): void {
    for (const op of this.pending) this.apply(op);
    this.pending = [];
  }

  /** Power loss: a random prefix of the unsynced writes reached the disk. */
  crash(rng: SeededRng): void {
    let kept = rng.nextInt(this.pending.length + 1);
    // A batch is one write with one checksum (a Kafka record batch): it survives whole or not at all.
    while (kept > 0) {
      const op = this.pending[kept - 1];
      if (op.kind !== 'append' || !op.entry.batchContinues) break;
      kept--;
    }
    for (let i = 0; i < kept; i++) this.apply(this.pending[i]);
    this.pending = [];
  }

  startOffset(): number {
    return this.snapshot ? this.snapshot.id.endOffset : 0;
  }

  endOffset(): number {
    return this.startOffset() + this.entries.length;
  }

  private apply(op: Op): void {
    switch (op.kind) {
      case 'hardState': {
        const before = this.hardState?.leaderEpoch ?? 0;
        if (op.hardState.leaderEpoch < before) {
          this.fault ??= `durable epoch went back from ${before} to ${op.hardState.leaderEpoch}`;
        }
        this.hardState = op.hardState;
        break;
      }
      case 'snapshot': {
        const end = op.snapshot.id.endOffset;
        const drop = Math.min(this.entries.length, Math.max(0, end - this.startOffset()));
        this.entries = end >= this.endOffset() ? [] : this.entries.slice(drop);
        this.snapshot = op.snapshot;
        break;
      }
      case 'truncate': {
        const keep = op.fromOffset - this.startOffset();
        if (keep < 0)
          this.fault ??= `truncation to ${op.fromOffset} below stored start ${this.startOffset()}`;
        else if (keep < this.entries.length) this.entries.length = keep;
        break;
      }
      case 'append':
        if (op.entry.offset !== this.endOffset()) {
          this.fault ??= `append at ${op.entry.offset} but stored log ends at ${this.endOffset()}`;
          return;
        }
        this.entries.push(op.entry);
        break;
    }
  }

  load(): PersistentState {
    return { hardState: this.hardState, snapshot: this.snapshot, entries: this.entries.slice() };
  }
}
