// The seeded simulator: `npm run sim -- --seeds N --steps M [--seed S] [--start K] [--workers W]`.
// Runs seeds start..start+N-1 across worker threads; a violation prints the seed, the invariant and a
// short trace of that seed replayed. `--seed S` replays one seed with its full trace tail.
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { emptyStats, type SimStats } from './cluster.js';
import { type RunResult, runSeed } from './run.js';

function addStats(into: SimStats, from: SimStats): void {
  for (const k of Object.keys(into) as (keyof SimStats)[]) into[k] += from[k];
}

interface Args {
  seeds: number;
  steps: number;
  start: number;
  seed: number | null;
  workers: number;
  sendBeforeSync: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    seeds: 100,
    steps: 2000,
    start: 1,
    seed: null,
    workers: availableParallelism(),
    sendBeforeSync: false,
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
    else if (a === '--bug-send-before-sync') args.sendBeforeSync = true;
    else throw new Error(`sim: unknown argument ${a}`);
  }
  return args;
}

interface Summary {
  stats: SimStats;
  seeds: number;
  violations: { seed: number; invariant: string; detail: string }[];
  recoveryTicks: number[];
  commits: number;
}

function runRange(seeds: number[], steps: number, sendBeforeSync: boolean): Summary {
  const summary: Summary = { stats: emptyStats(), seeds: 0, violations: [], recoveryTicks: [], commits: 0 };
  for (const seed of seeds) {
    const r: RunResult = runSeed(seed, steps, { sendBeforeSync });
    summary.seeds++;
    summary.commits += r.commits;
    addStats(summary.stats, r.stats);
    if (r.violation)
      summary.violations.push({ seed, invariant: r.violation.invariant, detail: r.violation.detail });
    else summary.recoveryTicks.push(r.recoveryTicks);
  }
  return summary;
}

function printTrace(seed: number, steps: number, sendBeforeSync: boolean, lines: number): RunResult {
  const tail: string[] = [];
  const result = runSeed(seed, steps, {
    sendBeforeSync,
    trace: (line) => {
      tail.push(line);
      if (tail.length > lines) tail.shift();
    },
  });
  console.log(`--- last ${tail.length} events of seed ${seed} ---`);
  for (const line of tail) console.log(`  ${line}`);
  return result;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  if (args.seed !== null) {
    const r = printTrace(args.seed, args.steps, args.sendBeforeSync, 60);
    if (r.violation)
      console.log(`seed ${args.seed}: VIOLATION ${r.violation.invariant}: ${r.violation.detail}`);
    else console.log(`seed ${args.seed}: ok, ${r.commits} commits, recovered in ${r.recoveryTicks} ticks`);
    console.log(`1 seeds, ${r.violation ? 1 : 0} violations`);
    process.exitCode = r.violation ? 1 : 0;
    return;
  }
  const all = Array.from({ length: args.seeds }, (_, i) => args.start + i);
  const workers = Math.min(args.workers, Math.max(1, all.length));
  const parts = Array.from({ length: workers }, (_, w) => all.filter((_, i) => i % workers === w));
  const summaries = await Promise.all(
    parts.map(
      (seeds) =>
        new Promise<Summary>((resolve, reject) => {
          const worker = new Worker(new URL(import.meta.url), {
            workerData: { seeds, steps: args.steps, sendBeforeSync: args.sendBeforeSync },
          });
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    ),
  );
  const violations = summaries.flatMap((s) => s.violations).sort((a, b) => a.seed - b.seed);
  const recovery = summaries.flatMap((s) => s.recoveryTicks).sort((a, b) => a - b);
  const commits = summaries.reduce((n, s) => n + s.commits, 0);
  const stats = emptyStats();
  for (const s of summaries) addStats(stats, s.stats);
  for (const v of violations.slice(0, 20))
    console.log(`seed ${v.seed}: VIOLATION ${v.invariant}: ${v.detail}`);
  for (const v of violations.slice(0, 2)) printTrace(v.seed, args.steps, args.sendBeforeSync, 30);
  const q = (p: number): number =>
    recovery[Math.min(recovery.length - 1, Math.floor(p * recovery.length))] ?? -1;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `${args.steps} steps per seed, ${workers} workers, ${seconds}s; ${commits} entries committed; ` +
      `recovery after faults: median ${q(0.5)} ticks, p99 ${q(0.99)}, max ${recovery[recovery.length - 1] ?? -1}`,
  );
  console.log(
    `exercised: ${Object.entries(stats)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  );
  console.log(`${all.length} seeds, ${violations.length} violations`);
  process.exitCode = violations.length > 0 ? 1 : 0;
}

if (isMainThread) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 2;
  });
} else {
  const { seeds, steps, sendBeforeSync } = workerData as {
    seeds: number[];
    steps: number;
    sendBeforeSync: boolean;
  };
  parentPort!.postMessage(runRange(seeds, steps, sendBeforeSync));
}
