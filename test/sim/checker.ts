import type { Entry, Ready, Snapshot } from '../../src/raft/index.js';

// The simulator's oracle. Entries are identified by a chain hash over (epoch, id) of the entry and of every
// entry before it, so comparing one hash compares a whole log prefix.

export class Violation extends Error {
  constructor(
    readonly invariant: string,
    readonly detail: string,
  ) {
    super(`${invariant}: ${detail}`);
  }
}

export function fail(invariant: string, detail: string): never {
  throw new Violation(invariant, detail);
}

function mix(h: number, x: number): number {
  h = Math.imul(h ^ x, 0x9e3779b1);
  h ^= h >>> 15;
  return Math.imul(h, 0x85ebca77) >>> 0;
}

/** What distinguishes an entry: a client's proposal id, or the content of a control record. */
export function entryId(e: Entry): number {
  switch (e.kind) {
    case 'data':
      return e.data.length >= 4 ? new DataView(e.data.buffer, e.data.byteOffset).getUint32(0) : 0;
    case 'leaderChange':
      return mix(0x4c43, e.leaderChange.leaderId);
    case 'voters':
      return e.voters.voters.reduce((h, v) => mix(h, v.voterId), 0x564f);
  }
}

export function chainHash(prev: number, e: Entry): number {
  return mix(mix(prev, e.epoch), entryId(e));
}

/** The simulated state machine's snapshot: the chain hash of the last entry it covers, and its own hash. */
export function encodeSmSnapshot(chain: number, hash: number, count: number): Uint8Array {
  const out = new Uint8Array(12);
  const v = new DataView(out.buffer);
  v.setUint32(0, chain);
  v.setUint32(4, hash);
  v.setUint32(8, count);
  return out;
}

export function decodeSmSnapshot(s: Snapshot): { chain: number; hash: number; count: number } {
  if (s.data.length < 12) return { chain: 0, hash: 0, count: 0 };
  const v = new DataView(s.data.buffer, s.data.byteOffset, s.data.byteLength);
  return { chain: v.getUint32(0), hash: v.getUint32(4), count: v.getUint32(8) };
}

/** Chain hashes of one replica's in-memory log, kept in step with its readies. */
export class LogMirror {
  start = 0;
  base = 0;
  chains: number[] = [];

  get end(): number {
    return this.start + this.chains.length;
  }

  /** Chain hash at offset, also for the last offset the snapshot covers; undefined if not held. */
  chainAt(offset: number): number | undefined {
    if (offset === this.start - 1) return this.base;
    if (offset < this.start || offset >= this.end) return undefined;
    return this.chains[offset - this.start];
  }

  reset(snapshot: Snapshot | null, entries: readonly Entry[]): void {
    this.start = snapshot ? snapshot.id.endOffset : 0;
    this.base = snapshot ? decodeSmSnapshot(snapshot).chain : 0;
    this.chains = [];
    for (const e of entries) this.chains.push(chainHash(this.chainAt(e.offset - 1)!, e));
  }

  /** Applies a ready's log changes; every appended entry is checked against all logs ever seen. */
  apply(rd: Ready, checker: Checker, nodeId: number): void {
    if (rd.truncateFromOffset !== null) {
      if (rd.truncateFromOffset < this.start) fail('storage', `node ${nodeId} truncates below its log start`);
      this.chains.length = Math.min(this.chains.length, rd.truncateFromOffset - this.start);
    }
    if (rd.snapshot) {
      const end = rd.snapshot.id.endOffset;
      const kept = end < this.end ? this.chains.slice(end - this.start) : [];
      this.start = end;
      this.base = decodeSmSnapshot(rd.snapshot).chain;
      this.chains = kept;
    }
    for (const e of rd.entries) {
      if (e.offset !== this.end) fail('log', `node ${nodeId} appends ${e.offset} at log end ${this.end}`);
      const h = chainHash(this.chainAt(e.offset - 1)!, e);
      checker.checkLogMatching(e, h, nodeId);
      this.chains.push(h);
    }
  }
}

/** Global facts the invariants are checked against. */
export class Checker {
  readonly leaderOfEpoch = new Map<number, number>();
  /** (offset, epoch) -> chain hash, for every entry any log ever held. */
  private readonly chainAt = new Map<number, number>();
  /** Chain hash of each committed offset, as first observed. */
  readonly committed: number[] = [];
  /** Commit progress by the epoch of the replica that first saw it, in order. */
  private readonly commitMarks: { epoch: number; end: number }[] = [];
  /** offset -> client id of acknowledged proposals. */
  readonly ackedAt = new Map<number, number>();
  maxAckedOffset = -1;

  get committedEnd(): number {
    return this.committed.length;
  }

  checkLeader(epoch: number, nodeId: number): void {
    const known = this.leaderOfEpoch.get(epoch);
    if (known === undefined) this.leaderOfEpoch.set(epoch, nodeId);
    else if (known !== nodeId)
      fail('one leader per epoch', `nodes ${known} and ${nodeId} both led epoch ${epoch}`);
  }

  /** Log matching: the same offset and epoch imply the same entry and the same prefix. */
  checkLogMatching(e: Entry, chain: number, nodeId: number): void {
    if (e.epoch >= 1 << 20) fail('epoch', `epoch ${e.epoch} out of the checker's range`);
    const key = e.offset * (1 << 20) + e.epoch;
    const seen = this.chainAt.get(key);
    if (seen === undefined) this.chainAt.set(key, chain);
    else if (seen !== chain) {
      fail('log matching', `node ${nodeId} holds ${e.offset}@${e.epoch} with a prefix unlike another log's`);
    }
  }

  /** A replica considers offset committed with this chain hash (seen from its epoch). */
  commit(offset: number, chain: number, epoch: number, nodeId: number): void {
    if (offset < this.committed.length) {
      if (this.committed[offset] !== chain) {
        fail('committed entries agree', `node ${nodeId} committed a different entry at offset ${offset}`);
      }
      return;
    }
    if (offset !== this.committed.length) {
      fail(
        'committed entries agree',
        `node ${nodeId} committed ${offset} beyond the known end ${this.committed.length}`,
      );
    }
    this.committed.push(chain);
    const last = this.commitMarks[this.commitMarks.length - 1];
    if (last && last.epoch >= epoch) last.end = offset + 1;
    else this.commitMarks.push({ epoch, end: offset + 1 });
  }

  /** End of what was committed as seen from epochs before `epoch`: every leader of `epoch` must hold it. */
  committedBefore(epoch: number): number {
    for (let i = this.commitMarks.length - 1; i >= 0; i--) {
      if (this.commitMarks[i].epoch < epoch) return this.commitMarks[i].end;
    }
    return 0;
  }

  ack(offset: number, clientId: number): void {
    this.ackedAt.set(offset, clientId);
    this.maxAckedOffset = Math.max(this.maxAckedOffset, offset);
  }
}

/** A partition's state as one metadata image shows it. */
export interface PartitionState {
  leader: number;
  isr: readonly number[];
}

/**
 * KRaft's "a new leader comes from the ISR" (unclean election off), checked on the partition's history
 * rather than on one node's consecutive images. Every PartitionChange bumps the partition epoch by one,
 * so the states at epochs e-1 and e are one change apart. A node's consecutive images can be several
 * changes apart (a FetchSnapshot installs an image far ahead; a Fetch may bring several batches at once),
 * and comparing the new leader with an ISR from several changes back is wrong both ways. So every node
 * records what it saw under (partition, epoch), and each pair of neighbouring epochs is checked once both
 * are known, whichever nodes saw them.
 */
export class PartitionHistory {
  private readonly states = new Map<string, Map<number, PartitionState>>();

  /** Records `state` as the partition's at `epoch` and checks it against its neighbours. */
  observe(partition: string, epoch: number, state: PartitionState, where: string): void {
    let byEpoch = this.states.get(partition);
    if (!byEpoch) {
      byEpoch = new Map();
      this.states.set(partition, byEpoch);
    }
    if (byEpoch.has(epoch)) return;
    const copy = { leader: state.leader, isr: [...state.isr] };
    byEpoch.set(epoch, copy);
    const before = byEpoch.get(epoch - 1);
    if (before) checkStep(before, copy, `${where} (epochs ${epoch - 1} -> ${epoch})`);
    const after = byEpoch.get(epoch + 1);
    if (after) checkStep(copy, after, `${where} (epochs ${epoch} -> ${epoch + 1})`);
  }
}

function checkStep(old: PartitionState, next: PartitionState, where: string): void {
  if (next.leader >= 0 && next.leader !== old.leader && !old.isr.includes(next.leader))
    fail(
      'a new leader comes from the ISR',
      `${where}: leader ${old.leader} -> ${next.leader}, old isr ${old.isr.join(',')}`,
    );
}
