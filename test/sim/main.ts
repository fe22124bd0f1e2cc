// The seeded simulator: `npm run sim -- --seeds N --steps M [--driver-steps D] [--seed S] [--start K]
// [--workers W]`. Each seed runs twice: the Raft core alone for M ticks (run.ts), then the real raft-io
// driver, metadata log store and QuorumController with simulated brokers for D ticks (driver-run.ts;
// `--driver-steps 0` skips it). Seeds start..start+N-1 run across worker threads; a violation prints the
// seed, the invariant and a short trace of that seed replayed. `--seed S` replays one seed with its
// trace tails. Planted bugs check the checkers: --bug-send-before-sync (core), --bug-skip-fsync (driver).
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { emptyStats, type SimStats } from './cluster.js';
import { type DriverStats, emptyDriverStats, runDriverSeed } from './driver-run.js';
import { type RunResult, runSeed } from './run.js';

function addStats<T extends object>(into: T, from: T): void {
  for (const k of Object.keys(into) as (keyof T)[]) (into[k] as number) += from[k] as number;
}

interface Args {
  seeds: number;
  steps: number;
  start: number;
  seed: number | null;
  workers: number;
  sendBeforeSync: boolean;
  driverSteps: number;
  skipFsync: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    seeds: 100,
    steps: 2000,
    start: 1,
    seed: null,
    workers: availableParallelism(),
    sendBeforeSync: false,
    driverSteps: 250,
    skipFsync: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const value = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isSafeInteger(v) || v < 0) throw new Error(`sim: ${argv[i - 1]} needs a whole number`);
      return v;
    };
    const a = argv[i];
    if (a === '--seeds') args.seeds = value();
    else if (a === '--steps') args.steps = value();
    else if (a === '--start') args.start = value();
    else if (a === '--seed') args.seed = value();
    else if (a === '--workers') args.workers = Math.max(1, value());
    else if (a === '--driver-steps') args.driverSteps = value();
    else if (a === '--bug-send-before-sync') args.sendBeforeSync = true;
    else if (a === '--bug-skip-fsync') args.skipFsync = true;
    else throw new Error(`sim: unknown argument ${a}`);
  }
  return args;
}

interface Summary {
  stats: SimStats;
  driverStats: DriverStats;
  seeds: number;
  violations: { seed: number; sim: 'core' | 'driver'; invariant: string; detail: string }[];
  recoveryTicks: number[];
  commits: number;
}

async function runRange(seeds: number[], args: Args): Promise<Summary> {
  const summary: Summary = {
    stats: emptyStats(),
    driverStats: emptyDriverStats(),
    seeds: 0,
    violations: [],
    recoveryTicks: [],
    commits: 0,
  };
  for (const seed of seeds) {
    const r: RunResult = runSeed(seed, args.steps, { sendBeforeSync: args.sendBeforeSync });
    summary.seeds++;
    summary.commits += r.commits;
    addStats(summary.stats, r.stats);
    if (r.violation)
      summary.violations.push({
        seed,
        sim: 'core',
        invariant: r.violation.invariant,
        detail: r.violation.detail,
      });
    else summary.recoveryTicks.push(r.recoveryTicks);
    if (args.driverSteps === 0) continue;
    const d = await runDriverSeed(seed, args.driverSteps, { skipFsync: args.skipFsync });
    addStats(summary.driverStats, d.stats);
    if (d.violation)
      summary.violations.push({
        seed,
        sim: 'driver',
        invariant: d.violation.invariant,
        detail: d.violation.detail,
      });
  }
  return summary;
}

function tail(lines: number): { sink: (line: string) => void; lines: string[] } {
  const kept: string[] = [];
  return {
    lines: kept,
    sink: (line) => {
      kept.push(line);
      if (kept.length > lines) kept.shift();
    },
  };
}

function printTrace(seed: number, args: Args, lines: number): RunResult {
  const t = tail(lines);
  const result = runSeed(seed, args.steps, { sendBeforeSync: args.sendBeforeSync, trace: t.sink });
  console.log(`--- core: last ${t.lines.length} events of seed ${seed} ---`);
  for (const line of t.lines) console.log(`  ${line}`);
  return result;
}

async function printDriverTrace(seed: number, args: Args, lines: number): Promise<string | null> {
  const t = tail(lines);
  const r = await runDriverSeed(seed, args.driverSteps, { skipFsync: args.skipFsync, trace: t.sink });
  console.log(`--- driver: last ${t.lines.length} events of seed ${seed} ---`);
  for (const line of t.lines) console.log(`  ${line}`);
  return r.violation ? `${r.violation.invariant}: ${r.violation.detail}` : null;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  if (args.seed !== null) {
    const r = printTrace(args.seed, args, 60);
    if (r.violation)
      console.log(`seed ${args.seed} core: VIOLATION ${r.violation.invariant}: ${r.violation.detail}`);
    else
      console.log(`seed ${args.seed} core: ok, ${r.commits} commits, recovered in ${r.recoveryTicks} ticks`);
    let bad = r.violation ? 1 : 0;
    if (args.driverSteps > 0) {
      const d = await printDriverTrace(args.seed, args, 60);
      console.log(`seed ${args.seed} driver: ${d ? `VIOLATION ${d}` : 'ok'}`);
      if (d) bad++;
    }
    console.log(`1 seeds, ${bad} violations`);
    process.exitCode = bad > 0 ? 1 : 0;
    return;
  }
  const all = Array.from({ length: args.seeds }, (_, i) => args.start + i);
  const workers = Math.min(args.workers, Math.max(1, all.length));
  const parts = Array.from({ length: workers }, (_, w) => all.filter((_, i) => i % workers === w));
  const summaries = await Promise.all(
    parts.map(
      (seeds) =>
        new Promise<Summary>((resolve, reject) => {
          const worker = new Worker(new URL(import.meta.url), { workerData: { seeds, args } });
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    ),
  );
  const violations = summaries.flatMap((s) => s.violations).sort((a, b) => a.seed - b.seed);
  const recovery = summaries.flatMap((s) => s.recoveryTicks).sort((a, b) => a - b);
  const commits = summaries.reduce((n, s) => n + s.commits, 0);
  const stats = emptyStats();
  const driverStats = emptyDriverStats();
  for (const s of summaries) {
    addStats(stats, s.stats);
    addStats(driverStats, s.driverStats);
  }
  for (const v of violations.slice(0, 20))
    console.log(`seed ${v.seed} ${v.sim}: VIOLATION ${v.invariant}: ${v.detail.split('\n')[0]}`);
  for (const v of violations.slice(0, 2)) {
    if (v.sim === 'core') printTrace(v.seed, args, 30);
    else await printDriverTrace(v.seed, args, 30);
  }
  const q = (p: number): number =>
    recovery[Math.min(recovery.length - 1, Math.floor(p * recovery.length))] ?? -1;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `${args.steps} steps per seed, ${workers} workers, ${seconds}s; ${commits} entries committed; ` +
      `recovery after faults: median ${q(0.5)} ticks, p99 ${q(0.99)}, max ${recovery[recovery.length - 1] ?? -1}`,
  );
  const list = (o: object) =>
    Object.entries(o)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
  console.log(`exercised (core): ${list(stats)}`);
  if (args.driverSteps > 0)
    console.log(`exercised (driver, ${args.driverSteps} ticks per seed): ${list(driverStats)}`);
  console.log(`${all.length} seeds, ${violations.length} violations`);
  process.exitCode = violations.length > 0 ? 1 : 0;
}

if (isMainThread) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 2;
  });
} else {
  const { seeds, args } = workerData as { seeds: number[]; args: Args };
  runRange(seeds, args).then(
    (summary) => parentPort!.postMessage(summary),
    (e) => {
      throw e;
    },
  );
}
