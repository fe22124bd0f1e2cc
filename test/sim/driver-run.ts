// The driver and controller simulation: a quorum of SimNodes (the real raft-io driver, metadata log
// store, metadata image and QuorumController) under the same seeded faults as the core simulation
// (drops, duplicates, delays, partitions, crashes with torn unsynced writes, restarts), with simulated
// brokers that register, heartbeat, pause (SIGSTOP), crash, shut down cleanly and ask for ISR changes,
// and a workload of topic creations and elections. After every change of every node's image it checks
// KRaft's rules: a partition's leader is an alive broker in its ISR, a new leader comes from the ISR the
// partition had one change before (unclean election is off; checked on each partition's history by
// partition epoch, as a node's consecutive images may be several changes apart), epochs never go back,
// and every node sees the same image at the same offset.
// At the end, with faults healed, a broker kept paused must be fenced and every other one unfenced.

import { NotController } from '../../src/broker/controller/quorum-controller.js';
import type { MetadataImage } from '../../src/metadata/image.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { SeededRng } from '../../src/raft/index.js';
import { MemoryFileSystem } from '../../src/storage/index.js';
import { Checker, fail, PartitionHistory, Violation } from './checker.js';
import { type NodeEnv, type NodeOptions, SimNode } from './driver-node.js';
import { SimNetwork } from './network.js';

const MS_PER_TICK = 10;

export interface DriverStats {
  nodeCrashes: number;
  brokerPauses: number;
  fencings: number;
  unfencings: number;
  controlledShutdowns: number;
  topics: number;
  leaderChanges: number;
  alterPartitions: number;
  snapshotsInstalled: number;
  sends: number;
}

export function emptyDriverStats(): DriverStats {
  return {
    nodeCrashes: 0,
    brokerPauses: 0,
    fencings: 0,
    unfencings: 0,
    controlledShutdowns: 0,
    topics: 0,
    leaderChanges: 0,
    alterPartitions: 0,
    snapshotsInstalled: 0,
    sends: 0,
  };
}

export type TraceSink = (line: string) => void;

/** What changed between two images, in a line (for traces). */
function describeChange(previous: MetadataImage, image: MetadataImage): string {
  const out: string[] = [];
  for (const b of image.brokers.values()) {
    const was = previous.brokers.get(b.id);
    const s = (x: typeof b) => `e${x.epoch}${x.fenced ? 'F' : ''}${x.inControlledShutdown ? 'S' : ''}`;
    if (!was || s(was) !== s(b)) out.push(`b${b.id} ${was ? s(was) : '-'}->${s(b)}`);
  }
  for (const t of image.topicsById.values()) {
    const before = previous.topicsById.get(t.id);
    for (const p of t.partitions) {
      const o = before?.partitions[p.partition];
      const s = (x: typeof p) => `L${x.leader}e${x.leaderEpoch}p${x.partitionEpoch}[${x.isr.join(',')}]`;
      if (!o || s(o) !== s(p))
        out.push(`${t.name}-${p.partition} ${o ? s(o) : `r[${p.replicas.join(',')}]`}->${s(p)}`);
    }
  }
  return out.join(' ');
}

export interface DriverRunResult {
  seed: number;
  violation: Violation | null;
  stats: DriverStats;
}

interface SimBroker {
  id: number;
  epoch: number;
  paused: boolean;
  down: boolean;
  wantShutDown: boolean;
  nextHeartbeat: number;
  /** The request in flight (its number) and until when the broker waits for it (a request timeout). */
  inFlight: number;
  waitUntil: number;
  incarnation: string;
  restarts: number;
}

/** A broker incarnation's UUID, made of its id and restart count (deterministic). */
function incarnationId(id: number, restart: number): string {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(id, 0);
  b.writeUInt32BE(restart, 4);
  b[8] = 0x80;
  return b.toString('base64url');
}

function imageHash(img: MetadataImage): string {
  const brokers = [...img.brokers.values()]
    .sort((a, b) => a.id - b.id)
    .map((b) => `${b.id}:${b.epoch}:${b.fenced ? 'F' : ''}${b.inControlledShutdown ? 'S' : ''}`);
  const topics = [...img.topicsById.values()]
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map(
      (t) =>
        `${t.name}/${t.id}[${t.partitions.map((p) => `${p.leader}.${p.leaderEpoch}.${p.partitionEpoch}.${p.isr.join('-')}.${p.replicas.join('-')}`).join(';')}]`,
    );
  return `${brokers.join(',')}|${topics.join(',')}|${[...img.features].join(',')}|${img.nextProducerId}`;
}

class DriverRun {
  readonly rng: SeededRng;
  readonly net: SimNetwork;
  nowTick = 0;
  readonly memory = new Map<number, MemoryFileSystem>();
  readonly nodes = new Map<number, SimNode | null>();
  readonly incarnations = new Map<number, number>();
  readonly brokers: SimBroker[] = [];
  readonly checker = new Checker();
  /** Every partition's state by partition epoch, as any node saw it (checks leaders come from the ISR). */
  private readonly partitionHistory = new PartitionHistory();
  readonly stats = emptyDriverStats();
  /** offset -> image hash, as the first node to apply it saw it. */
  private readonly hashes = new Map<number, string>();
  private readonly pendingUnreachable: { from: number; to: number }[] = [];
  private readonly env: NodeEnv;
  private topicSeq = 0;
  readonly voters: number[];
  readonly opts: Omit<NodeOptions, 'id' | 'seed'>;
  private readonly crashRate: number;
  private readonly pauseRate: number;
  private readonly opRate: number;
  private readonly partitionRate: number;
  private starting = new Set<number>();
  private lastLeader = '';

  readonly trace: TraceSink | null;

  constructor(
    readonly seed: number,
    options: DriverRunOptions,
  ) {
    this.trace = options.trace ?? null;
    this.rng = new SeededRng(seed ^ 0x3d1e);
    const r = this.rng;
    this.voters = r.chance(0.7) ? [1, 2, 3] : [1, 2, 3, 4, 5];
    const delay = 1 + r.nextInt(3);
    this.net = new SimNetwork(r, {
      dropRate: [0, 0.01, 0.05][r.nextInt(3)],
      duplicateRate: [0, 0.02][r.nextInt(2)],
      delayTicksMax: delay,
      spikeRate: [0, 0.01][r.nextInt(2)],
      spikeTicksMax: 30,
    });
    const election = 6 + r.nextInt(6);
    const fetchWait = 1 + r.nextInt(3);
    this.opts = {
      voters: this.voters,
      electionTimeoutTicks: election,
      fetchMaxWaitTicks: fetchWait,
      requestTimeoutTicks: 2 * delay + fetchWait + 2,
      snapshotBytes: [600, 2000, 100_000][r.nextInt(3)],
      sessionTimeoutMs: (25 + r.nextInt(25)) * MS_PER_TICK,
      rebalance: r.chance(0.5),
      msPerTick: MS_PER_TICK,
    };
    this.crashRate = [0, 0.003, 0.01][r.nextInt(3)];
    this.pauseRate = [0.002, 0.01][r.nextInt(2)];
    this.opRate = [0.05, 0.15][r.nextInt(2)];
    this.partitionRate = [0, 0.005][r.nextInt(2)];
    const brokerCount = 2 + r.nextInt(3);
    for (let i = 0; i < brokerCount; i++)
      this.brokers.push({
        id: 101 + i,
        epoch: -1,
        paused: false,
        down: false,
        wantShutDown: false,
        nextHeartbeat: 1,
        inFlight: 0,
        waitUntil: 0,
        incarnation: incarnationId(101 + i, 0),
        restarts: 0,
      });
    this.env = {
      net: this.net,
      nowTick: () => this.nowTick,
      incarnationOf: (id) => this.incarnations.get(id) ?? 0,
      isUp: (id) => this.nodes.get(id) != null,
      reportUnreachable: (from, to) => this.pendingUnreachable.push({ from, to }),
      skipFsync: options.skipFsync ?? false,
    };
  }

  now = (): number => this.nowTick * MS_PER_TICK;

  async startNode(id: number): Promise<void> {
    if (this.nodes.get(id) || this.starting.has(id)) return;
    this.starting.add(id);
    let mem = this.memory.get(id);
    if (!mem) {
      mem = new MemoryFileSystem({ now: this.now });
      this.memory.set(id, mem);
    }
    const incarnation = (this.incarnations.get(id) ?? 0) + 1;
    this.incarnations.set(id, incarnation);
    const node = await SimNode.start(
      { ...this.opts, id, seed: this.rng.nextUint32() },
      mem,
      this.env,
      this.now,
    );
    this.starting.delete(id);
    if (this.incarnations.get(id) !== incarnation) return;
    const lastEpochs = new Map<string, { leaderEpoch: number; partitionEpoch: number }>();
    node.publisher.onReplay((image, previous) => {
      if (this.nodes.get(id) !== node) return;
      if (this.trace && !this.hashes.has(image.offset))
        this.trace(`t${this.nowTick} n${id} @${image.offset} ${describeChange(previous, image)}`);
      this.checkImage(id, image, previous, lastEpochs);
    });
    this.nodes.set(id, node);
  }

  crashNode(id: number): void {
    const node = this.nodes.get(id);
    if (!node) return;
    this.stats.nodeCrashes++;
    this.stats.snapshotsInstalled += node.snapshotInstalls;
    this.trace?.(`t${this.nowTick} crash node ${id}`);
    node.crash();
    this.nodes.set(id, null);
    // The disk keeps what was fsynced, and a random part of what was not.
    const mem = this.memory.get(id) as MemoryFileSystem;
    this.memory.set(id, mem.crash({ rng: () => this.rng.nextUint32() / 4294967296 }));
    this.incarnations.set(id, (this.incarnations.get(id) ?? 0) + 1);
  }

  // ---- invariants ----

  private checkImage(
    id: number,
    image: MetadataImage,
    previous: MetadataImage,
    lastEpochs: Map<string, { leaderEpoch: number; partitionEpoch: number }>,
  ): void {
    const alive = (b: number) => {
      const r = image.brokers.get(b);
      return r !== undefined && !r.fenced && !r.inControlledShutdown;
    };
    for (const t of image.topicsById.values()) {
      const before = previous.topicsById.get(t.id);
      for (const p of t.partitions) {
        const where = `node ${id} offset ${image.offset}: ${t.name}-${p.partition}`;
        if (p.isr.length === 0) fail('ISR never empty', where);
        if (!p.isr.every((r) => p.replicas.includes(r)))
          fail('ISR within replicas', `${where} isr ${p.isr} replicas ${p.replicas}`);
        if (p.leader >= 0 && !p.isr.includes(p.leader))
          fail('leader in ISR', `${where} leader ${p.leader} isr ${p.isr}`);
        if (p.leader >= 0 && !alive(p.leader))
          fail('leader is an alive broker', `${where} leader ${p.leader}`);
        const key = `${t.id}/${p.partition}`;
        this.partitionHistory.observe(key, p.partitionEpoch, p, where);
        const old = before?.partitions[p.partition];
        if (old && p.leader >= 0 && p.leader !== old.leader) this.stats.leaderChanges++;
        const last = lastEpochs.get(key);
        if (last && (p.leaderEpoch < last.leaderEpoch || p.partitionEpoch < last.partitionEpoch))
          fail(
            'partition epochs never go back',
            `${where} ${last.leaderEpoch}/${last.partitionEpoch} -> ${p.leaderEpoch}/${p.partitionEpoch}`,
          );
        lastEpochs.set(key, { leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch });
      }
    }
    for (const b of image.brokers.values()) {
      const was = previous.brokers.get(b.id);
      if (was && !was.fenced && b.fenced) this.stats.fencings++;
      if (was?.fenced && !b.fenced) this.stats.unfencings++;
    }
    const hash = imageHash(image);
    const seen = this.hashes.get(image.offset);
    if (seen === undefined) this.hashes.set(image.offset, hash);
    else if (seen !== hash)
      fail('every node applies the same metadata', `node ${id} differs at offset ${image.offset}`);
  }

  private checkLeaders(): void {
    for (const [id, n] of this.nodes) {
      if (!n) continue;
      if (n.fatal) fail('driver', `node ${id}: ${n.fatal}`);
      const s = n.node.status();
      if (s.role === 'leader') {
        this.checker.checkLeader(s.epoch, id);
        if (this.trace && this.lastLeader !== `${id}/${s.epoch}`) {
          this.lastLeader = `${id}/${s.epoch}`;
          this.trace(`t${this.nowTick} node ${id} leads epoch ${s.epoch}`);
        }
      }
    }
  }

  activeController(): SimNode | null {
    for (const n of this.nodes.values()) if (n?.controller?.isActive) return n;
    return null;
  }

  // ---- brokers ----

  private brokerStep(b: SimBroker): void {
    if (b.paused || b.down || this.nowTick < b.nextHeartbeat || this.nowTick < b.waitUntil) return;
    b.nextHeartbeat = this.nowTick + 5;
    const active = this.activeController();
    const c = active?.controller;
    if (!c || !active) return;
    const request = ++b.inFlight;
    b.waitUntil = this.nowTick + 20;
    // An answer to a request the broker gave up on (or from before it restarted) is ignored.
    const current = (): boolean => {
      if (b.inFlight !== request) return false;
      b.waitUntil = 0;
      return true;
    };
    if (b.epoch < 0) {
      void c
        .registerBroker({
          brokerId: b.id,
          clusterId: 'sim',
          incarnationId: b.incarnation,
          listeners: [{ name: 'PLAINTEXT', host: 'sim', port: b.id, securityProtocol: 0 }],
          features: [{ name: 'metadata.version', minSupportedVersion: 7, maxSupportedVersion: 25 }],
          rack: null,
          logDirs: [],
        })
        .then((r) => {
          if (!current()) return;
          if (!(r instanceof NotController) && r.errorCode === 0) b.epoch = r.brokerEpoch;
        });
      return;
    }
    void c
      .brokerHeartbeat({
        brokerId: b.id,
        brokerEpoch: b.epoch,
        currentMetadataOffset: active.publisher.latest.offset,
        wantFence: false,
        wantShutDown: b.wantShutDown,
      })
      .then((r) => {
        if (!current()) return;
        if (r instanceof NotController) return;
        if (r.errorCode === ErrorCode.STALE_BROKER_EPOCH) b.epoch = -1;
        else if (r.errorCode === 0 && r.shouldShutDown && b.wantShutDown) {
          this.stats.controlledShutdowns++;
          this.stopBroker(b);
        }
      });
  }

  private stopBroker(b: SimBroker): void {
    this.trace?.(`t${this.nowTick} broker ${b.id} shut down`);
    b.down = true;
    b.epoch = -1;
    b.wantShutDown = false;
  }

  private restartBroker(b: SimBroker): void {
    this.trace?.(`t${this.nowTick} broker ${b.id} restarts`);
    b.down = false;
    b.paused = false;
    b.epoch = -1;
    b.restarts++;
    b.inFlight++;
    b.waitUntil = 0;
    b.incarnation = incarnationId(b.id, b.restarts);
    b.nextHeartbeat = this.nowTick;
  }

  // ---- the workload ----

  private operation(): void {
    const active = this.activeController();
    const c = active?.controller;
    if (!c || !active) return;
    const r = this.rng;
    const kind = r.nextInt(10);
    const live = this.brokers.filter((b) => !b.down && !b.paused).length;
    if (kind < 4) {
      const name = `t${this.topicSeq++}`;
      void c
        .createTopics([
          {
            name,
            numPartitions: 1 + r.nextInt(4),
            replicationFactor: 1 + r.nextInt(Math.max(1, Math.min(3, live))),
            assignments: [],
            configs: [],
          },
        ])
        .then((res) => {
          if (!(res instanceof NotController) && res[0].errorCode === 0) this.stats.topics++;
        });
    } else if (kind < 5) {
      void c.electLeaders(0, null);
    } else if (kind < 8) {
      this.alterPartition(active);
    } else if (kind < 9) {
      const b = this.brokers[r.nextInt(this.brokers.length)];
      if (!b.down && !b.paused && b.epoch >= 0) {
        this.trace?.(`t${this.nowTick} broker ${b.id} asks to shut down`);
        b.wantShutDown = true;
      }
    } else {
      const b = this.brokers[r.nextInt(this.brokers.length)];
      if (b.down) this.restartBroker(b);
      else if (!b.paused) {
        this.trace?.(`t${this.nowTick} broker ${b.id} dies`);
        b.down = true;
        b.epoch = -1;
      }
    }
  }

  /** A partition leader shrinks or expands its ISR (or, now and then, asks with a stale epoch). */
  private alterPartition(active: SimNode): void {
    const image = active.publisher.latest;
    const topics = [...image.topicsById.values()];
    if (topics.length === 0) return;
    const t = topics[this.rng.nextInt(topics.length)];
    const p = t.partitions[this.rng.nextInt(t.partitions.length)];
    const leader = this.brokers.find((b) => b.id === p?.leader && !b.down && !b.paused && b.epoch >= 0);
    if (!p || !leader) return;
    const reg = image.brokers.get(leader.id);
    if (!reg || reg.epoch !== leader.epoch) return;
    const followers = p.replicas.filter((x) => x !== p.leader);
    let isr = [...p.isr];
    const outOfSync = followers.filter((x) => !isr.includes(x));
    if (outOfSync.length > 0 && this.rng.chance(0.5))
      isr = [...isr, outOfSync[this.rng.nextInt(outOfSync.length)]];
    else if (isr.length > 1) isr = isr.filter((x) => x === p.leader || !this.rng.chance(0.5));
    const stale = p.leaderEpoch > 0 && this.rng.chance(0.2);
    this.stats.alterPartitions++;
    void (active.controller as NonNullable<SimNode['controller']>)
      .alterPartition({
        brokerId: leader.id,
        brokerEpoch: leader.epoch,
        version: 3,
        topics: [
          {
            topicId: t.id,
            topicName: t.name,
            partitions: [
              {
                partitionIndex: p.partition,
                leaderEpoch: stale ? p.leaderEpoch - 1 : p.leaderEpoch,
                newIsr: isr.map((brokerId) => ({
                  brokerId,
                  brokerEpoch: image.brokers.get(brokerId)?.epoch ?? -1,
                })),
                leaderRecoveryState: 0,
                partitionEpoch: p.partitionEpoch,
              },
            ],
          },
        ],
      })
      .then((r) => {
        if (r instanceof NotController || r.errorCode !== 0) return;
        const code = r.topics[0]?.partitions[0]?.errorCode;
        // Kafka's fencing: an older leader epoch is always FENCED_LEADER_EPOCH, never applied.
        if (stale && code === ErrorCode.NONE)
          fail(
            'AlterPartition fences stale leader epochs',
            `${t.name}-${p.partition} accepted epoch ${p.leaderEpoch - 1}`,
          );
      });
  }

  private faults(): void {
    const r = this.rng;
    if (r.chance(this.crashRate)) {
      const id = this.voters[r.nextInt(this.voters.length)];
      if (this.nodes.get(id)) this.crashNode(id);
    }
    for (const id of this.voters) if (!this.nodes.get(id) && r.chance(0.05)) void this.startNode(id);
    if (r.chance(this.pauseRate)) {
      const b = this.brokers[r.nextInt(this.brokers.length)];
      if (!b.down) {
        b.paused = !b.paused;
        this.trace?.(`t${this.nowTick} broker ${b.id} ${b.paused ? 'paused' : 'resumed'}`);
        if (b.paused) this.stats.brokerPauses++;
      }
    }
    if (r.chance(this.partitionRate)) {
      const victim = this.voters[r.nextInt(this.voters.length)];
      this.net.split(
        [victim],
        this.voters.filter((v) => v !== victim),
      );
      this.trace?.(`t${this.nowTick} partition ${this.net.describeBlocked()}`);
    }
    if (this.net.partitioned && r.chance(0.05)) {
      this.trace?.(`t${this.nowTick} heal`);
      this.net.healAll();
    }
  }

  // ---- time ----

  async tick(withFaults: boolean): Promise<void> {
    this.nowTick++;
    if (withFaults) this.faults();
    for (const u of this.pendingUnreachable.splice(0)) this.nodes.get(u.from)?.peerUnreachable(u.to);
    for (const d of this.net.takeDue(this.nowTick)) {
      const n = this.nodes.get(d.msg.to);
      if (!n || this.incarnations.get(d.msg.to) !== d.toIncarnation) continue;
      this.stats.sends++;
      n.receive(d.msg);
    }
    for (const n of this.nodes.values()) {
      if (!n) continue;
      n.tickFn();
      n.timers.fire();
    }
    for (const b of this.brokers) this.brokerStep(b);
    if (withFaults && this.rng.chance(this.opRate)) this.operation();
    await this.settle();
    this.checkLeaders();
  }

  /** Lets every node finish what its inputs started (persisting, sending, applying). */
  private async settle(): Promise<void> {
    for (let i = 0; i < 200; i++) {
      await new Promise((r) => setImmediate(r));
      let busy = this.starting.size > 0;
      for (const n of this.nodes.values()) if (n && !n.idle) busy = true;
      if (!busy) return;
    }
  }

  /** Faults stop: everything heals and restarts, except one broker kept paused, which must end fenced. */
  async recover(): Promise<void> {
    this.net.healAll();
    this.net.faults = { ...this.net.faults, dropRate: 0, duplicateRate: 0, spikeRate: 0 };
    for (const id of this.voters) await this.startNode(id);
    const kept = this.brokers[0];
    for (const b of this.brokers) {
      if (b === kept) {
        if (!b.down) b.paused = true;
        continue;
      }
      if (b.down) this.restartBroker(b);
      b.paused = false;
    }
    const deadline = this.nowTick + 600;
    while (this.nowTick < deadline) {
      // A broker in controlled shutdown finishes it (it cannot go back, as in Kafka), then starts again.
      for (const b of this.brokers) if (b !== kept && b.down) this.restartBroker(b);
      await this.tick(false);
      if (this.recovered(kept)) return;
    }
    const active = this.activeController();
    const image = active?.publisher.latest;
    const state = image
      ? [...image.brokers.values()].map((b) => `${b.id}${b.fenced ? 'F' : ''}`).join(',')
      : 'no active controller';
    fail('liveness', `after faults stopped: brokers ${state}; kept paused ${kept.id}`);
  }

  private recovered(kept: SimBroker): boolean {
    const active = this.activeController();
    if (!active) return false;
    const image = active.publisher.latest;
    for (const b of this.brokers) {
      const reg = image.brokers.get(b.id);
      if (b === kept) {
        if (reg && !reg.fenced) return false;
      } else if (!reg || reg.fenced) return false;
    }
    // Every node has applied the same metadata.
    const offsets = new Set([...this.nodes.values()].map((n) => n?.publisher.latest.offset));
    return offsets.size === 1;
  }
}

export interface DriverRunOptions {
  trace?: TraceSink;
  /** Plants a bug: fsync makes nothing durable (the persist-before-send check must catch it). */
  skipFsync?: boolean;
}

export async function runDriverSeed(
  seed: number,
  steps: number,
  options: DriverRunOptions = {},
): Promise<DriverRunResult> {
  const run = new DriverRun(seed, options);
  let violation: Violation | null = null;
  try {
    for (const id of run.voters) await run.startNode(id);
    for (let i = 0; i < steps; i++) await run.tick(true);
    await run.recover();
  } catch (e) {
    violation =
      e instanceof Violation
        ? e
        : new Violation('exception', e instanceof Error ? (e.stack ?? e.message) : String(e));
  }
  for (const n of run.nodes.values()) {
    if (n) run.stats.snapshotsInstalled += n.snapshotInstalls;
    n?.crash();
  }
  return { seed, violation, stats: run.stats };
}

export { Checker };
