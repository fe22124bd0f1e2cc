// Raft core benchmarks: `npm run bench:raft`.
//  1. Commit throughput of a 3-voter cluster in one process: 100-byte entries, messages handed over in
//     memory at once, storage assumed instant (this measures the core, not a disk or a network).
//  2. Ticks to elect a new leader after the leader crashes (or resigns and stops), over many
//     seeded trials, with 1-2 ticks of network delay per message and the default timeouts.
import { type Message, RaftNode, SeededRng } from '../src/raft/index.js';

const ENTRY_BYTES = 100;

class Cluster {
  readonly nodes = new Map<number, RaftNode>();
  readonly down = new Set<number>();
  /** Messages by delivery tick (throughput mode delivers everything at once). */
  private queue: { at: number; msg: Message }[] = [];
  nowTick = 0;
  committedOnLeader = 0;

  constructor(
    ids: number[],
    seed: number,
    private readonly rng: SeededRng | null,
  ) {
    for (const id of ids) {
      this.nodes.set(id, new RaftNode({ id, initialVoters: ids, rng: new SeededRng(seed * 31 + id) }));
    }
  }

  leader(): RaftNode | null {
    for (const [id, n] of this.nodes) if (!this.down.has(id) && n.status().role === 'leader') return n;
    return null;
  }

  /** The driver loop for every replica: persist (instant), send, apply, advance. */
  drain(): void {
    for (const [id, n] of this.nodes) {
      if (this.down.has(id)) continue;
      while (n.hasReady()) {
        const rd = n.ready();
        const delay = this.rng ? 1 + this.rng.nextInt(2) : 0;
        for (const msg of rd.messages) this.queue.push({ at: this.nowTick + delay, msg });
        if (n.status().role === 'leader') this.committedOnLeader += rd.committed.length;
        n.advance();
      }
    }
  }

  /** Delivers what is due; returns whether anything was delivered. */
  deliver(): boolean {
    const due = this.queue.filter((q) => q.at <= this.nowTick);
    if (due.length === 0) return false;
    this.queue = this.queue.filter((q) => q.at > this.nowTick);
    for (const { msg } of due) {
      if (!this.down.has(msg.to)) this.nodes.get(msg.to)!.step(msg);
    }
    return true;
  }

  /** Throughput mode: deliver and drain until nothing moves (fetches parked at the leader). */
  settle(): void {
    do this.drain();
    while (this.deliver());
  }

  tick(): void {
    this.nowTick++;
    for (const [id, n] of this.nodes) if (!this.down.has(id)) n.tick();
    this.drain();
    this.deliver();
    this.drain();
  }
}

function throughput(batch: number): void {
  const c = new Cluster([1, 2, 3], 1, null);
  while (!c.leader()) {
    c.tick();
    c.settle();
  }
  const leader = c.leader()!;
  const payload = new Uint8Array(ENTRY_BYTES).fill(120);
  const run = (entries: number): number => {
    const start = c.committedOnLeader;
    const t0 = process.hrtime.bigint();
    for (let proposed = 0; proposed < entries; proposed += batch) {
      for (let i = 0; i < batch; i++) leader.propose(payload);
      c.settle();
      // Keep memory flat: every replica snapshots what it applied, as a state machine would.
      if (proposed % 200_000 === 0)
        for (const n of c.nodes.values()) n.compact(n.status().appliedOffset, payload);
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return (c.committedOnLeader - start) / seconds;
  };
  run(200_000); // warm-up
  const rates = [run(1_000_000), run(1_000_000), run(1_000_000)];
  const best = Math.max(...rates);
  console.log(
    `commit throughput, 3 voters, ${ENTRY_BYTES}-byte entries, batches of ${batch}: ` +
      `${Math.round(best).toLocaleString('en-US')} entries/s (best of 3 runs of 1,000,000; ` +
      `${rates.map((r) => Math.round(r / 1000)).join('k, ')}k)`,
  );
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** Ticks from the leader's crash (or resignation) until another replica leads and commits a proposal. */
function electionTrial(seed: number, voters: number, graceful: boolean): { elect: number; commit: number } {
  const ids = Array.from({ length: voters }, (_, i) => i + 1);
  const c = new Cluster(ids, seed, new SeededRng(seed));
  let old = c.leader();
  for (let t = 0; t < 100 || !old; t++) {
    c.tick();
    old = c.leader();
    old?.propose(new Uint8Array(ENTRY_BYTES));
  }
  const oldId = old!.id;
  if (graceful) {
    // A clean shutdown: resign (EndQuorumEpoch goes out), then stop.
    old!.resign();
    c.drain();
  }
  c.down.add(oldId);
  const crashedAt = c.nowTick;
  let elect = -1;
  let target = -1;
  for (let t = 0; t < 1000; t++) {
    c.tick();
    const l = c.leader();
    if (!l || l.id === oldId) continue;
    if (elect < 0) {
      elect = c.nowTick - crashedAt;
      l.propose(new Uint8Array(ENTRY_BYTES));
      target = l.status().logEndOffset;
    }
    if (l.status().highWatermark >= target) return { elect, commit: c.nowTick - crashedAt };
  }
  throw new Error(`seed ${seed}: no new leader within 1000 ticks`);
}

function elections(voters: number, graceful: boolean, trials: number): void {
  const elect: number[] = [];
  const commit: number[] = [];
  for (let seed = 1; seed <= trials; seed++) {
    const r = electionTrial(seed, voters, graceful);
    elect.push(r.elect);
    commit.push(r.commit);
  }
  elect.sort((a, b) => a - b);
  commit.sort((a, b) => a - b);
  const what = graceful ? 'resigns and stops' : 'crashes';
  console.log(
    `${voters} voters, leader ${what}: new leader after median ${percentile(elect, 0.5)} ticks, ` +
      `p99 ${percentile(elect, 0.99)}, max ${elect[elect.length - 1]}; ` +
      `first commit after median ${percentile(commit, 0.5)}, p99 ${percentile(commit, 0.99)} (${trials} trials)`,
  );
}

console.log('Raft core benchmarks (defaults: election timeout 10-19 ticks, fetch timeout 20 ticks + jitter)');
throughput(2000);
throughput(100);
elections(3, false, 1000);
elections(5, false, 1000);
elections(3, true, 1000);
