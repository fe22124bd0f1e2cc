import { type RaftNode, SeededRng } from '../../src/raft/index.js';
import { Checker, fail, Violation } from './checker.js';
import { type ClusterOptions, SimCluster, type SimStats, type TraceSink } from './cluster.js';

/** Per-seed fault and workload rates ("swarm testing": every seed gets its own mix). */
export interface Scenario {
  cluster: ClusterOptions;
  crashRate: number;
  restartRate: number;
  /** Chance per tick that a leader younger than a few ticks crashes (its epoch barely replicated). */
  newLeaderCrashRate: number;
  partitionRate: number;
  healRate: number;
  proposeRate: number;
  readRate: number;
  transferRate: number;
  membershipRate: number;
  resignRate: number;
}

function pick<T>(rng: SeededRng, options: T[]): T {
  return options[rng.nextInt(options.length)];
}

function shuffle<T>(rng: SeededRng, items: T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export function scenarioFor(seed: number, sendBeforeSync = false): Scenario {
  const rng = new SeededRng(seed ^ 0x5ce7a210);
  const voterCount = pick(rng, [3, 3, 5]);
  const observerCount = rng.nextInt(3);
  const voters = Array.from({ length: voterCount }, (_, i) => i + 1);
  const observers = Array.from({ length: observerCount }, (_, i) => voterCount + i + 1);
  const delayTicksMax = 1 + rng.nextInt(3);
  const fetchMaxWaitTicks = 1 + rng.nextInt(5);
  return {
    cluster: {
      voters,
      observers,
      electionTimeoutTicks: 6 + rng.nextInt(10),
      fetchMaxWaitTicks,
      requestTimeoutTicks: 2 * delayTicksMax + fetchMaxWaitTicks + 2,
      snapshotChunkBytesMax: pick(rng, [16, 64, 4096]),
      fetchBytesMax: pick(rng, [256, 4096, 1 << 20]),
      snapshotEveryEntries: pick(rng, [5, 20, 60, 1000]),
      network: {
        dropRate: pick(rng, [0, 0.01, 0.05, 0.15]),
        duplicateRate: pick(rng, [0, 0.02, 0.1]),
        delayTicksMax,
        spikeRate: pick(rng, [0, 0.01, 0.05]),
        spikeTicksMax: 40,
      },
      sendBeforeSync,
    },
    crashRate: pick(rng, [0, 0.003, 0.01, 0.03]),
    restartRate: pick(rng, [0.03, 0.1, 0.3]),
    newLeaderCrashRate: pick(rng, [0, 0, 0.1, 0.3]),
    partitionRate: pick(rng, [0, 0.005, 0.02]),
    healRate: pick(rng, [0.02, 0.05, 0.2]),
    proposeRate: pick(rng, [0.2, 0.5, 1.5]),
    readRate: pick(rng, [0, 0.05]),
    transferRate: pick(rng, [0, 0.003, 0.01]),
    membershipRate: pick(rng, [0, 0.003, 0.01]),
    resignRate: pick(rng, [0, 0.002]),
  };
}

export interface RunResult {
  seed: number;
  violation: Violation | null;
  /** Ticks from the end of faults until a new proposal committed everywhere. */
  recoveryTicks: number;
  commits: number;
  leaderEpochs: number;
  stats: SimStats;
}

export const LIVENESS_TICKS_MAX = 600;

/** The workload and the fault injector around a SimCluster. */
class Run {
  readonly rng: SeededRng;
  readonly checker = new Checker();
  readonly cluster: SimCluster;
  private clientSeq = 0;
  private readSeq = 0;

  constructor(
    readonly seed: number,
    readonly sc: Scenario,
    trace: TraceSink | null,
  ) {
    this.rng = new SeededRng(seed);
    this.cluster = new SimCluster(sc.cluster, this.rng, this.checker, trace);
    this.cluster.onApplied = (r, offset, clientId) => {
      const p = this.cluster.pending.get(clientId);
      if (!p || p.nodeId !== r.id || p.incarnation !== r.incarnation) return;
      this.cluster.pending.delete(clientId);
      if (p.offset !== offset)
        fail(
          'acknowledged writes survive',
          `client ${clientId} proposed at ${p.offset}, applied at ${offset}`,
        );
      this.checker.ack(offset, clientId);
      this.cluster.stats.acked++;
    };
  }

  /** The replica that believes it leads in the highest epoch, if any. */
  leader(): { id: number; node: RaftNode } | null {
    let best: { id: number; node: RaftNode; epoch: number } | null = null;
    for (const r of this.cluster.replicas.values()) {
      const s = r.node?.status();
      if (s?.role === 'leader' && (!best || s.epoch > best.epoch))
        best = { id: r.id, node: r.node!, epoch: s.epoch };
    }
    return best;
  }

  /** Proposes a new client entry to the current leader; returns its client id if accepted. */
  propose(): number | null {
    const l = this.leader();
    if (!l) return null;
    // Some proposals are batches of several entries, committed all or nothing.
    const count = this.rng.chance(0.2) ? 2 + this.rng.nextInt(4) : 1;
    const ids: number[] = [];
    const datas = Array.from({ length: count }, () => {
      const id = ++this.clientSeq;
      ids.push(id);
      const data = new Uint8Array(8);
      new DataView(data.buffer).setUint32(0, id);
      new DataView(data.buffer).setUint32(4, this.rng.nextUint32());
      return data;
    });
    const res = count === 1 ? l.node.propose(datas[0]) : l.node.proposeBatch(datas);
    const r = this.cluster.replicas.get(l.id)!;
    if (res.ok)
      for (const [i, id] of ids.entries())
        this.cluster.pending.set(id, {
          nodeId: l.id,
          incarnation: r.incarnation,
          offset: res.offset + i,
          epoch: res.epoch,
        });
    this.cluster.afterInput(r);
    return res.ok ? ids[ids.length - 1] : null;
  }

  private adminOps(): void {
    const sc = this.sc;
    const l = this.leader();
    if (!l) return;
    const r = this.cluster.replicas.get(l.id)!;
    const voters = l.node.status().voters;
    if (this.rng.chance(sc.readRate)) {
      const requestId = ++this.readSeq;
      if (l.node.readIndex(requestId).ok) this.cluster.reads.set(requestId, this.checker.committedEnd);
    }
    if (this.rng.chance(sc.transferRate)) {
      const others = voters.filter((v) => v !== l.id);
      if (others.length > 0) l.node.transferLeadership(pick(this.rng, others));
    }
    if (this.rng.chance(sc.membershipRate)) {
      const outsiders = this.cluster.ids.filter((id) => !voters.includes(id));
      if (outsiders.length > 0 && (voters.length <= 2 || this.rng.chance(0.5)))
        l.node.addVoter(pick(this.rng, outsiders));
      else if (voters.length > 2) l.node.removeVoter(pick(this.rng, voters));
    }
    if (this.rng.chance(sc.resignRate)) l.node.resign();
    this.cluster.afterInput(r);
  }

  private faults(): void {
    const sc = this.sc;
    const c = this.cluster;
    const ids = c.ids;
    if (this.rng.chance(sc.partitionRate)) this.partition(ids);
    if (c.net.partitioned && this.rng.chance(sc.healRate)) {
      c.net.healAll();
      this.cluster.trace?.(`t${c.nowTick} heal`);
    }
    for (const id of ids) if (!c.isUp(id) && this.rng.chance(sc.restartRate)) c.restart(id);
  }

  private partition(ids: number[]): void {
    const c = this.cluster;
    const kind = this.rng.nextInt(3);
    const victim = pick(this.rng, ids);
    if (kind === 0) {
      c.net.split(
        [victim],
        ids.filter((id) => id !== victim),
      );
    } else if (kind === 1) {
      const shuffled = shuffle(this.rng, ids);
      const cut = 1 + this.rng.nextInt(ids.length - 1);
      c.net.split(shuffled.slice(0, cut), shuffled.slice(cut));
    } else {
      // One-way: the victim can send but not receive (or the reverse).
      const inbound = this.rng.chance(0.5);
      for (const other of ids)
        if (other !== victim) inbound ? c.net.block(other, victim) : c.net.block(victim, other);
    }
    c.trace?.(`t${c.nowTick} partition ${c.net.describeBlocked()}`);
  }

  private readonly leaderSince = new Map<number, number>();

  private crashYoungLeader(): void {
    const l = this.leader();
    if (!l || this.sc.newLeaderCrashRate === 0) return;
    const epoch = l.node.status().epoch;
    const since = this.leaderSince.get(epoch) ?? this.cluster.nowTick;
    this.leaderSince.set(epoch, since);
    if (this.cluster.nowTick - since < 5 && this.rng.chance(this.sc.newLeaderCrashRate))
      this.cluster.crash(l.id);
  }

  /** One tick with faults: workload, deliveries and timers, crashes mid-tick, group fsync, checks. */
  stepWithFaults(): void {
    const sc = this.sc;
    this.faults();
    let proposals = sc.proposeRate;
    while (proposals >= 1 || this.rng.chance(proposals)) {
      this.propose();
      proposals -= 1;
    }
    this.adminOps();
    this.cluster.deliverAndTick();
    this.crashYoungLeader();
    if (this.rng.chance(sc.crashRate)) {
      // Half the crashes hit the leader: leader loss with partly replicated entries is where Raft breaks.
      const leader = this.leader();
      this.cluster.crash(leader && this.rng.chance(0.5) ? leader.id : pick(this.rng, this.cluster.ids));
    }
    this.cluster.syncAll();
    this.cluster.checkTick();
  }

  /** Faults stop: heal, restart everyone, then a new proposal must commit and reach every replica. */
  recover(): number {
    const c = this.cluster;
    c.net.healAll();
    c.net.faults = { ...c.net.faults, dropRate: 0, duplicateRate: 0, spikeRate: 0 };
    for (const id of c.ids) c.restart(id);
    c.trace?.(`t${c.nowTick} faults stop`);
    let marker: { id: number; leader: number; epoch: number } | null = null;
    let acked = false;
    const onApplied = c.onApplied!;
    c.onApplied = (r, offset, clientId) => {
      onApplied(r, offset, clientId);
      if (marker && clientId === marker.id && r.id === marker.leader) acked = true;
    };
    for (let t = 1; t <= LIVENESS_TICKS_MAX; t++) {
      const l = this.leader();
      const stale = !marker || !l || marker.leader !== l.id || marker.epoch !== l.node.status().epoch;
      if (!acked && l && stale) {
        const id = this.propose();
        if (id !== null) marker = { id, leader: l.id, epoch: l.node.status().epoch };
      }
      c.deliverAndTick();
      c.syncAll();
      c.checkTick();
      if (acked && this.allCaughtUp()) return t;
    }
    const states = [...c.replicas.values()].map((r) => {
      const s = r.node!.status();
      return `${r.id}:${s.role}@${s.epoch} hwm=${s.highWatermark} applied=${r.sm.appliedEnd}`;
    });
    fail(
      'liveness',
      `no commit reaching every replica within ${LIVENESS_TICKS_MAX} ticks after faults stopped (${states.join(', ')})`,
    );
  }

  private allCaughtUp(): boolean {
    const need = Math.max(this.checker.maxAckedOffset + 1, this.checker.committedEnd);
    for (const r of this.cluster.replicas.values()) if (r.sm.appliedEnd < need) return false;
    return true;
  }
}

export function runSeed(
  seed: number,
  steps: number,
  opts: { trace?: TraceSink; sendBeforeSync?: boolean } = {},
): RunResult {
  const sc = scenarioFor(seed, opts.sendBeforeSync ?? false);
  const run = new Run(seed, sc, opts.trace ?? null);
  let recoveryTicks = -1;
  let violation: Violation | null = null;
  try {
    for (let i = 0; i < steps; i++) run.stepWithFaults();
    recoveryTicks = run.recover();
  } catch (e) {
    if (e instanceof Violation) violation = e;
    else violation = new Violation('exception', e instanceof Error ? (e.stack ?? e.message) : String(e));
  }
  return {
    seed,
    violation,
    recoveryTicks,
    commits: run.checker.committedEnd,
    leaderEpochs: run.checker.leaderOfEpoch.size,
    stats: run.cluster.stats,
  };
}
