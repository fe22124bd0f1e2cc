import {
  formatMessage,
  type Message,
  RaftNode,
  type Ready,
  type Role,
  SeededRng,
  type Snapshot,
} from '../../src/raft/index.js';
import {
  type Checker,
  chainHash,
  decodeSmSnapshot,
  encodeSmSnapshot,
  entryId,
  fail,
  LogMirror,
} from './checker.js';
import { type NetworkFaults, SimNetwork } from './network.js';
import { SimStorage } from './storage.js';

export interface ClusterOptions {
  voters: number[];
  observers: number[];
  electionTimeoutTicks: number;
  fetchMaxWaitTicks: number;
  requestTimeoutTicks: number;
  snapshotChunkBytesMax: number;
  fetchBytesMax: number;
  /** The state machine snapshots after this many applied entries. */
  snapshotEveryEntries: number;
  network: NetworkFaults;
  /** Deliberately wrong driver for demonstrations: send messages before the fsync. */
  sendBeforeSync: boolean;
}

/** The state machine every replica runs: a running hash of applied entries, checked against the oracle. */
class StateMachine {
  appliedEnd = 0;
  chain = 0;
  hash = 0;
  count = 0;
  lastSnapshotEnd = 0;

  restore(s: Snapshot): void {
    const d = decodeSmSnapshot(s);
    this.appliedEnd = s.id.endOffset;
    this.chain = d.chain;
    this.hash = d.hash;
    this.count = d.count;
    this.lastSnapshotEnd = s.id.endOffset;
  }
}

/** One simulated machine: its disk survives crashes, the RaftNode and its memory do not. */
export class Replica {
  node: RaftNode | null = null;
  incarnation = 0;
  readonly storage = new SimStorage();
  readonly mirror = new LogMirror();
  sm = new StateMachine();
  /** Written but not yet fsynced: messages wait, as the driver contract requires. */
  inflight: Ready | null = null;
  lastEpoch = 0;
  lastHwm = 0;
  lastRole: Role = 'unattached';

  constructor(readonly id: number) {}
}

export type TraceSink = (line: string) => void;

/** How often the interesting things happened, to show a run exercised them. */
export interface SimStats {
  crashes: number;
  tornWrites: number;
  voteRequests: number;
  votesRefused: number;
  divergingAnswers: number;
  truncations: number;
  snapshotAnswers: number;
  snapshotInstalls: number;
  compactions: number;
  voterChangesCommitted: number;
  endQuorumEpochs: number;
  readsServed: number;
  acked: number;
}

export function emptyStats(): SimStats {
  return {
    crashes: 0,
    tornWrites: 0,
    voteRequests: 0,
    votesRefused: 0,
    divergingAnswers: 0,
    truncations: 0,
    snapshotAnswers: 0,
    snapshotInstalls: 0,
    compactions: 0,
    voterChangesCommitted: 0,
    endQuorumEpochs: 0,
    readsServed: 0,
    acked: 0,
  };
}

/**
 * Replicas, network and a driver per replica that follows the contract (persist, fsync, send, apply,
 * advance), with hooks for the workload and the checks. Everything random comes from one seeded generator.
 */
export class SimCluster {
  readonly replicas = new Map<number, Replica>();
  readonly net: SimNetwork;
  nowTick = 0;
  /** Proposals waiting for their entry to be applied on the replica that accepted them. */
  readonly pending = new Map<
    number,
    { nodeId: number; incarnation: number; offset: number; epoch: number }
  >();
  readonly reads = new Map<number, number>();
  onApplied: ((r: Replica, offset: number, clientId: number) => void) | null = null;
  readonly stats = emptyStats();
  private readonly votersCommitted = new Set<number>();

  constructor(
    readonly opts: ClusterOptions,
    readonly rng: SeededRng,
    readonly checker: Checker,
    readonly trace: TraceSink | null,
  ) {
    this.net = new SimNetwork(rng, opts.network);
    for (const id of [...opts.voters, ...opts.observers]) {
      const r = new Replica(id);
      this.replicas.set(id, r);
      this.start(r);
    }
  }

  get ids(): number[] {
    return [...this.replicas.keys()];
  }

  private start(r: Replica): void {
    const o = this.opts;
    const persisted = r.storage.load();
    r.incarnation++;
    r.node = new RaftNode(
      {
        id: r.id,
        initialVoters: o.voters,
        rng: new SeededRng(this.rng.nextUint32()),
        clusterId: 'sim',
        electionTimeoutTicks: o.electionTimeoutTicks,
        fetchTimeoutTicks: 2 * o.electionTimeoutTicks,
        checkQuorumTicks: 3 * o.electionTimeoutTicks,
        fetchMaxWaitTicks: o.fetchMaxWaitTicks,
        requestTimeoutTicks: o.requestTimeoutTicks,
        snapshotChunkBytesMax: o.snapshotChunkBytesMax,
        fetchBytesMax: o.fetchBytesMax,
        uncommittedEntriesMax: 200,
      },
      persisted,
    );
    r.mirror.reset(persisted.snapshot, persisted.entries);
    r.sm = new StateMachine();
    r.inflight = null;
    const s = r.node.status();
    const durableEpoch = persisted.hardState?.leaderEpoch ?? 0;
    if (s.epoch < durableEpoch)
      fail('epoch never decreases', `node ${r.id} restarted in ${s.epoch} < ${durableEpoch}`);
    if (s.highWatermark !== r.storage.startOffset()) {
      fail(
        'commit index',
        `node ${r.id} restarted with hwm ${s.highWatermark}, durable snapshot ${r.storage.startOffset()}`,
      );
    }
    r.lastEpoch = s.epoch;
    r.lastHwm = s.highWatermark;
    r.lastRole = s.role;
    this.trace?.(
      `t${this.nowTick} start ${r.id} #${r.incarnation} epoch=${s.epoch} role=${s.role} log=${s.logStartOffset}..${s.logEndOffset}`,
    );
  }

  isUp(id: number): boolean {
    return this.replicas.get(id)!.node !== null;
  }

  restart(id: number): void {
    const r = this.replicas.get(id)!;
    if (!r.node) this.start(r);
  }

  /** Power loss: unsynced writes are torn, memory is gone, nothing more is sent. */
  crash(id: number): void {
    const r = this.replicas.get(id)!;
    if (!r.node) return;
    this.stats.crashes++;
    if (r.storage.hasPending) this.stats.tornWrites++;
    r.storage.crash(this.rng);
    this.checkStorage(r);
    r.node = null;
    r.inflight = null;
    this.trace?.(`t${this.nowTick} crash ${id}`);
  }

  /** One tick of simulated time: deliveries, timers, then the group fsync at its end. */
  deliverAndTick(): void {
    this.nowTick++;
    for (const { msg, toIncarnation } of this.net.takeDue(this.nowTick)) {
      const r = this.replicas.get(msg.to);
      if (!r?.node || r.incarnation !== toIncarnation) continue;
      this.trace?.(`t${this.nowTick} deliver ${formatMessage(msg)}`);
      this.count(msg);
      r.node.step(msg);
      this.afterInput(r);
    }
    for (const r of this.replicas.values()) {
      if (!r.node) continue;
      r.node.tick();
      this.afterInput(r);
    }
  }

  private count(msg: Message): void {
    const b = msg.body;
    const st = this.stats;
    if (b.kind === 'VoteRequest' && !b.preVote) st.voteRequests++;
    else if (b.kind === 'VoteResponse' && !b.voteGranted) st.votesRefused++;
    else if (b.kind === 'FetchResponse' && b.divergingEpoch) st.divergingAnswers++;
    else if (b.kind === 'FetchResponse' && b.snapshotId) st.snapshotAnswers++;
    else if (b.kind === 'EndQuorumEpochRequest') st.endQuorumEpochs++;
  }

  /** After an input: take the replica's next ready (if it has none in flight) and write it, unsynced. */
  afterInput(r: Replica): void {
    this.checkRole(r);
    if (r.inflight || !r.node!.hasReady()) return;
    const rd = r.node!.ready();
    if (rd.truncateFromOffset !== null && !rd.snapshot) this.stats.truncations++;
    if (rd.snapshot) rd.snapshotToApply ? this.stats.snapshotInstalls++ : this.stats.compactions++;
    r.storage.write(rd);
    r.mirror.apply(rd, this.checker, r.id);
    r.inflight = rd;
    if (this.opts.sendBeforeSync) this.sendAll(rd);
  }

  /** End of tick: fsync every replica's writes, then send, apply and advance; repeat while there is work. */
  syncAll(): void {
    for (const r of this.replicas.values()) {
      for (let rounds = 0; r.node && rounds < 64; rounds++) {
        if (!r.inflight) {
          if (!r.node.hasReady()) break;
          this.afterInput(r);
          continue;
        }
        const rd = r.inflight;
        r.storage.sync();
        this.checkStorage(r);
        if (!this.opts.sendBeforeSync) this.sendAll(rd);
        this.apply(r, rd);
        r.inflight = null;
        r.node.advance();
        this.maybeSnapshot(r);
        this.checkRole(r);
      }
    }
  }

  private sendAll(rd: Ready): void {
    for (const m of rd.messages) {
      const to = this.replicas.get(m.to);
      if (to) this.net.send(m, this.nowTick, to.incarnation);
    }
  }

  private apply(r: Replica, rd: Ready): void {
    const sm = r.sm;
    const epoch = r.node!.status().epoch;
    if (rd.snapshotToApply) {
      sm.restore(rd.snapshotToApply);
      const end = sm.appliedEnd;
      if (end > 0) this.checker.commit(end - 1, sm.chain, epoch, r.id);
    }
    for (const e of rd.committed) {
      if (e.offset !== sm.appliedEnd)
        fail('apply order', `node ${r.id} applies ${e.offset}, expected ${sm.appliedEnd}`);
      sm.chain = chainHash(sm.chain, e);
      this.checker.commit(e.offset, sm.chain, epoch, r.id);
      sm.appliedEnd++;
      if (e.kind === 'voters' && !this.votersCommitted.has(e.offset)) {
        this.votersCommitted.add(e.offset);
        this.stats.voterChangesCommitted++;
      }
      if (e.kind !== 'data') continue;
      const id = entryId(e);
      sm.hash = (Math.imul(sm.hash ^ id, 0x2545f491) + sm.count) >>> 0;
      sm.count++;
      const acked = this.checker.ackedAt.get(e.offset);
      if (acked !== undefined && acked !== id) {
        fail(
          'acknowledged writes survive',
          `offset ${e.offset} was acked for client ${acked}, node ${r.id} applies ${id}`,
        );
      }
      this.onApplied?.(r, e.offset, id);
    }
    const lastCommitted = rd.committed[rd.committed.length - 1];
    if (lastCommitted?.batchContinues)
      fail('batches commit whole', `node ${r.id} applies ${lastCommitted.offset}, inside a batch`);
    for (const rs of rd.readStates) this.checkRead(r, rs.requestId, rs.index, rs.errorCode);
  }

  private checkRead(r: Replica, requestId: number, index: number, errorCode: number): void {
    const committedAtRequest = this.reads.get(requestId);
    if (committedAtRequest === undefined) return;
    this.reads.delete(requestId);
    if (errorCode !== 0) return;
    this.stats.readsServed++;
    if (index < committedAtRequest) {
      fail(
        'linearizable read',
        `node ${r.id} read at ${index}, but ${committedAtRequest} was committed before the read`,
      );
    }
  }

  /** The state machine snapshots now and then; the log below it is compacted. */
  private maybeSnapshot(r: Replica): void {
    const sm = r.sm;
    if (sm.appliedEnd - sm.lastSnapshotEnd < this.opts.snapshotEveryEntries) return;
    const logChain = r.mirror.chainAt(sm.appliedEnd - 1);
    if (logChain !== undefined && logChain !== sm.chain) {
      fail(
        'state machine',
        `node ${r.id} applied a different prefix than its log holds at ${sm.appliedEnd - 1}`,
      );
    }
    if (r.node!.compact(sm.appliedEnd, encodeSmSnapshot(sm.chain, sm.hash, sm.count))) {
      sm.lastSnapshotEnd = sm.appliedEnd;
    }
  }

  private checkStorage(r: Replica): void {
    if (r.storage.fault) fail('storage', `node ${r.id}: ${r.storage.fault}`);
  }

  /** Per-replica invariants that must hold after every input. */
  checkRole(r: Replica): void {
    const s = r.node!.status();
    if (s.epoch < r.lastEpoch)
      fail('epoch never decreases', `node ${r.id} went from ${r.lastEpoch} to ${s.epoch}`);
    if (s.role === 'leader') this.checker.checkLeader(s.epoch, r.id);
    if (this.trace && (s.role !== r.lastRole || s.epoch !== r.lastEpoch)) {
      this.trace(
        `t${this.nowTick} node ${r.id} ${r.lastRole}@${r.lastEpoch} -> ${s.role}@${s.epoch} leader=${s.leaderId}`,
      );
    }
    r.lastEpoch = s.epoch;
    r.lastRole = s.role;
  }

  /** Invariants over the whole cluster, after every tick. */
  checkTick(): void {
    for (const r of this.replicas.values()) {
      if (!r.node) continue;
      const s = r.node.status();
      this.observeCommit(r, s.highWatermark, s.epoch);
      if (s.role === 'leader') this.checkLeaderHoldsCommitted(r, s.epoch);
    }
  }

  /** The commit index never decreases while a replica runs; what it commits agrees with everyone. */
  private observeCommit(r: Replica, hwm: number, epoch: number): void {
    if (hwm < r.lastHwm)
      fail('commit index never decreases', `node ${r.id} went from ${r.lastHwm} to ${hwm}`);
    for (let o = r.lastHwm; o < hwm; o++) {
      const h = r.mirror.chainAt(o);
      if (h === undefined) {
        if (o >= this.checker.committedEnd) {
          fail(
            'committed entries agree',
            `node ${r.id} commits ${o}, which it does not hold and nobody committed`,
          );
        }
        continue;
      }
      this.checker.commit(o, h, epoch, r.id);
    }
    r.lastHwm = hwm;
  }

  /** Leader completeness: a leader holds every entry committed in an earlier epoch. */
  private checkLeaderHoldsCommitted(r: Replica, epoch: number): void {
    const need = this.checker.committedBefore(epoch);
    if (need === 0) return;
    const o = Math.max(need - 1, r.mirror.start - 1);
    const h = r.mirror.chainAt(o);
    if (h === undefined || h !== this.checker.committed[o]) {
      fail('leader completeness', `leader ${r.id} of epoch ${epoch} lacks committed offset ${need - 1}`);
    }
  }
}
