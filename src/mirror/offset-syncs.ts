// Offset syncs: pairs (upstream offset on the source, downstream offset on the target) of one mirrored
// record, written to `mm2-offset-syncs.<target>.internal` so that consumer group offsets can be
// translated. MirrorMaker 2's rules, which this file keeps:
//
// Emitting (per source partition, for each record the target acknowledged, in order): a sync is due
// when it is the partition's first record since the mirror started, when the translation of the next
// offsets would be `offset.lag.max` or more records behind (downstream − (last sync's downstream + 1)
// ≥ offset.lag.max), when the upstream offsets skipped (compaction, transactions, retention), or when
// the downstream offsets went backwards. A due sync is sent at once (up to OUTSTANDING_SYNCS_MAX in
// flight); the other records leave a "delayed" sync per partition, sent at the next progress flush, so
// a quiet partition's end translates exactly too.
//
// Translating an upstream group offset g: take the latest sync s with s.upstream ≤ g. If g equals
// s.upstream the answer is s.downstream; otherwise s.downstream + 1, since records after s may have
// been dropped on the way and guessing further could skip one. A group behind every sync is not
// translated (replication started after it). So a translated group never misses a record and, with
// syncs at least every offset.lag.max records, re-reads fewer than offset.lag.max of them.
//
// Keeping syncs: every sync of the newest `DENSE_SYNCS` per partition, which keeps translation exact to
// offset.lag.max over the last DENSE_SYNCS × offset.lag.max records; older ones thinned so that the gap
// around any offset stays under a quarter of its distance from the newest sync, so a group far behind
// still translates, re-reading at most a quarter of its distance (a few hundred syncs per partition at
// most). Until the syncs topic has been read
// to its end once, nothing is translated; and when no earlier checkpoints could be read, only the last
// sync found in that first read is kept, so translations cannot go backwards across a restart.

/** Syncs kept exactly per partition. */
export const DENSE_SYNCS = 256;
/** Beyond the dense part, gaps between syncs kept stay within 1/THINNING of their distance from the newest. */
export const THINNING = 4;

// ---- emitting -----------------------------------------------------------------------------------

/** One source partition's view of the records the target acknowledged. */
export class SyncRule {
  private previousUpstream = -1;
  private previousDownstream = -1;
  private lastSyncDownstream = -1;

  constructor(private readonly offsetLagMax: number) {}

  /** Records an acknowledged record; true when a sync should go out now. */
  update(upstream: number, downstream: number): boolean {
    const due =
      this.lastSyncDownstream === -1 ||
      downstream - (this.lastSyncDownstream + 1) >= this.offsetLagMax ||
      upstream - this.previousUpstream !== 1 ||
      downstream < this.previousDownstream;
    if (due) this.lastSyncDownstream = downstream;
    this.previousUpstream = upstream;
    this.previousDownstream = downstream;
    return due;
  }
}

export interface SyncTarget {
  topic: string;
  partition: number;
  upstreamOffset: number;
  downstreamOffset: number;
}

/** Syncs in flight at most; beyond, a partition's newer due sync replaces its older waiting one. */
export const OUTSTANDING_SYNCS_MAX = 10_000;

/**
 * Decides which syncs leave and when; `send` writes one (through a producer, which batches them).
 * MirrorMaker keeps at most 10 syncs in flight and lets a newer due sync of a partition replace one
 * still waiting, so under load its syncs thin out to a few per partition and translations fall far
 * behind. Here up to OUTSTANDING_SYNCS_MAX are in flight (about one small record per offset.lag.max
 * records copied), and only beyond that do waiting syncs give way to newer ones.
 */
export class OffsetSyncWriter {
  private readonly rules = new Map<string, SyncRule>();
  private readonly delayed = new Map<string, SyncTarget>();
  /** Due syncs waiting for room in flight, newest per partition. */
  private readonly pending = new Map<string, SyncTarget>();
  private outstanding = 0;

  constructor(
    private readonly offsetLagMax: number,
    private readonly send: (sync: SyncTarget) => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /**
   * A record the target acknowledged, in the partition's order. `key` names the partition (the
   * caller's own string, so no key is built per record).
   */
  acknowledged(
    topic: string,
    partition: number,
    upstream: number,
    downstream: number,
    key = `${topic}\u0000${partition}`,
  ): void {
    let rule = this.rules.get(key);
    if (!rule) {
      rule = new SyncRule(this.offsetLagMax);
      this.rules.set(key, rule);
    }
    const sync = { topic, partition, upstreamOffset: upstream, downstreamOffset: downstream };
    if (rule.update(upstream, downstream)) {
      this.delayed.delete(key);
      if (this.outstanding < OUTSTANDING_SYNCS_MAX && this.pending.size === 0) this.fire(sync);
      else this.pending.set(key, sync);
    } else {
      this.delayed.set(key, sync);
    }
  }

  /** At a progress flush: the latest record of every partition becomes a sync. */
  promoteDelayed(): void {
    for (const [k, s] of this.delayed) if (!this.pending.has(k)) this.pending.set(k, s);
    this.delayed.clear();
    this.firePending();
  }

  private firePending(): void {
    for (const [k, s] of this.pending) {
      if (this.outstanding >= OUTSTANDING_SYNCS_MAX) return;
      this.pending.delete(k);
      this.fire(s);
    }
  }

  /** Forgets a partition (no longer replicated). */
  forget(topic: string, partition: number): void {
    const key = `${topic}\u0000${partition}`;
    this.rules.delete(key);
    this.delayed.delete(key);
    this.pending.delete(key);
  }

  private fire(sync: SyncTarget): void {
    this.outstanding++;
    this.send(sync).then(
      () => {
        this.outstanding--;
        if (this.pending.size > 0) this.firePending();
      },
      (err) => {
        this.outstanding--;
        this.onError(err);
        if (this.pending.size > 0) this.firePending();
      },
    );
  }

  /** Syncs sent and not yet acknowledged, and due ones waiting for room. */
  get waiting(): number {
    return this.outstanding + this.pending.size;
  }
}

// ---- keeping and translating --------------------------------------------------------------------

interface Sync {
  upstream: number;
  downstream: number;
}

export type Translation =
  | { kind: 'translated'; downstreamOffset: number }
  /** No sync yet for the partition, or the syncs topic not read to its end yet. */
  | { kind: 'unknown' }
  /** The group is behind the earliest sync: replication started after it. */
  | { kind: 'behind' };

export class OffsetSyncStore {
  /** Per partition, newest first. */
  private readonly syncs = new Map<string, Sync[]>();
  private readToEnd = false;

  /** `keepAllOnFirstRead`: false keeps only the newest sync per partition until the first read ends. */
  constructor(private readonly keepAllOnFirstRead: boolean) {}

  /** The first read of the syncs topic reached its end: translation starts. */
  markReadToEnd(): void {
    this.readToEnd = true;
  }

  get ready(): boolean {
    return this.readToEnd;
  }

  add(topic: string, partition: number, upstream: number, downstream: number): void {
    const key = `${topic}\u0000${partition}`;
    const list = this.syncs.get(key);
    const sync = { upstream, downstream };
    // A rewind upstream (the source topic was recreated or truncated) makes every older sync wrong.
    if (!list || upstream < list[0].upstream || (!this.readToEnd && !this.keepAllOnFirstRead)) {
      this.syncs.set(key, [sync]);
      return;
    }
    list.unshift(sync);
    if (list.length > DENSE_SYNCS + 16) this.thin(list);
  }

  /**
   * Keeps the dense newest part and thins the rest: walking from newer to older, a sync is dropped
   * when the gap it leaves (from the last sync kept to the next older one) is at most 1/THINNING of
   * the distance from the newest sync to the last one kept. Distances only grow, so every gap stays
   * within that bound forever; the oldest sync is always kept.
   */
  private thin(list: Sync[]): void {
    const newest = list[0].upstream;
    let write = DENSE_SYNCS;
    for (let read = DENSE_SYNCS; read < list.length; read++) {
      const older = list[read + 1];
      const kept = list[write - 1];
      if (older !== undefined && (kept.upstream - older.upstream) * THINNING <= newest - kept.upstream)
        continue;
      list[write++] = list[read];
    }
    list.length = write;
  }

  translate(topic: string, partition: number, upstreamOffset: number): Translation {
    if (!this.readToEnd) return { kind: 'unknown' };
    const list = this.syncs.get(`${topic}\u0000${partition}`);
    if (!list) return { kind: 'unknown' };
    for (const s of list) {
      if (s.upstream <= upstreamOffset) {
        return {
          kind: 'translated',
          downstreamOffset: s.downstream + (s.upstream === upstreamOffset ? 0 : 1),
        };
      }
    }
    return { kind: 'behind' };
  }

  /** Syncs kept for a partition (for tests and status). */
  count(topic: string, partition: number): number {
    return this.syncs.get(`${topic}\u0000${partition}`)?.length ?? 0;
  }
}
