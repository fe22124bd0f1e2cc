// `npm run chaos -- [options]`: runs the chaos lab, one line per run on stdout, an HTML report per run,
// and a summary table (summary.md, index.html) in the output dir. Exit code 0 only if every run passed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CHAOS_UNSAFE_MODES } from '../../src/broker/chaos-unsafe.js';
import { checkHistory } from './checker.js';
import { killAllChildren } from './children.js';
import { type HistoryEvent, parseHistory } from './history.js';
import { type RunOptions, type RunOutcome, runOnce } from './run.js';
import { FAULT_KINDS, parseFaultKinds } from './schedule.js';
import type { ClientKind } from './worker.js';
import { WORKLOADS, type WorkloadName } from './workloads.js';

const HELP = `Usage: npm run chaos -- [options]

Starts Samsa nodes behind the lab's fault proxy, drives clients, injects faults drawn from the seed,
heals, reads everything back and checks the history. One line per run; an HTML report per run.

Options:
  --nodes N             nodes to start (default 1)
  --duration D          workload time per run: 60s, 2m, 500ms (default 60s)
  --faults LIST         ${FAULT_KINDS.join(',')} or none (default: kill,pause,restart on one node,
                        kill,pause,partition,restart on more)
  --workload W          ${WORKLOADS.join(' | ')} (default queue)
  --seed S              the seed of the first run (default: from the clock); run i uses S+i
  --runs N              runs (default 1)
  --partitions N        partitions of the topic (default 4)
  --rate N              values per second per producer (default 200)
  --clients LIST        samsa,kafkajs (default both; one producer and consumer each, plus a Samsa consumer)
  --concurrency N       faults that may overlap (default 1)
  --disk-mb N           size of each node's disk when disk faults are on (default 64)
  --broker-config K=V   an extra server.properties line for every node (repeatable)
  --unsafe MODE         start the brokers with SAMSA_CHAOS_UNSAFE=MODE, a deliberately broken
                        setting the checker must catch: ack-before-write (any node count) or
                        ack-before-replication (acks=all answered by the leader alone; 3 nodes)
  --bootstrap H:P       run the workload and checks against a cluster the lab did not start (no faults)
  --out DIR             where reports go (default chaos-out)
  --keep                keep history, logs and data of passing runs too (failing runs keep theirs)
  --check FILE          check a kept history.jsonl again and print its violations (no run)
  -h, --help`;

export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new Error(`'${text}' is not a duration (examples: 60s, 2m, 500ms)`);
  const n = Number(m[1]);
  return Math.round(m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000);
}

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`--${name} needs a whole number of at least 1, not '${text}'`);
  return n;
}

export interface Cli {
  runs: number;
  firstSeed: number;
  base: Omit<RunOptions, 'seed' | 'replay'>;
  argv: string[];
}

export function parseCli(argv: string[]): Cli | 'help' | { check: string } {
  const { values } = parseArgs({
    args: argv,
    options: {
      nodes: { type: 'string' },
      duration: { type: 'string' },
      faults: { type: 'string' },
      workload: { type: 'string' },
      seed: { type: 'string' },
      runs: { type: 'string' },
      partitions: { type: 'string' },
      rate: { type: 'string' },
      clients: { type: 'string' },
      concurrency: { type: 'string' },
      'disk-mb': { type: 'string' },
      'broker-config': { type: 'string', multiple: true },
      unsafe: { type: 'string' },
      bootstrap: { type: 'string' },
      out: { type: 'string' },
      keep: { type: 'boolean' },
      check: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  if (values.check) return { check: values.check };
  const nodes = positive('nodes', values.nodes, 1);
  const workload = (values.workload ?? 'queue') as WorkloadName;
  if (!WORKLOADS.includes(workload))
    throw new Error(`--workload must be one of ${WORKLOADS.join(', ')}, not '${workload}'`);
  const bootstrap = values.bootstrap ?? null;
  const defaultFaults = nodes === 1 ? 'kill,pause,restart' : 'kill,pause,partition,restart';
  const faults = parseFaultKinds(values.faults ?? (bootstrap ? 'none' : defaultFaults));
  if (bootstrap && faults.length > 0) {
    throw new Error(
      '--bootstrap runs against a cluster the lab did not start, so it cannot inject faults: use --faults none',
    );
  }
  const clients = (values.clients ?? 'samsa,kafkajs').split(',').map((c) => c.trim()) as ClientKind[];
  for (const c of clients)
    if (c !== 'samsa' && c !== 'kafkajs')
      throw new Error(`--clients: unknown client '${c}' (samsa, kafkajs)`);
  const seed = values.seed === undefined ? Date.now() % 1_000_000 : Number(values.seed);
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new Error(`--seed needs a whole number, not '${values.seed}'`);
  if (values.unsafe !== undefined && !(CHAOS_UNSAFE_MODES as readonly string[]).includes(values.unsafe))
    throw new Error(`--unsafe must be one of ${CHAOS_UNSAFE_MODES.join(', ')}, not '${values.unsafe}'`);
  for (const line of values['broker-config'] ?? []) {
    if (!/^[a-z0-9._-]+=/.test(line)) throw new Error(`--broker-config needs key=value, not '${line}'`);
  }
  return {
    runs: positive('runs', values.runs, 1),
    firstSeed: seed,
    argv,
    base: {
      nodes,
      durationMs: parseDuration(values.duration ?? '60s'),
      faults,
      workload,
      partitions: positive('partitions', values.partitions, 4),
      rate: positive('rate', values.rate, 200),
      clients,
      outDir: resolve(values.out ?? 'chaos-out'),
      bootstrap,
      unsafe: values.unsafe ?? null,
      brokerConfig: values['broker-config'] ?? [],
      concurrency: positive('concurrency', values.concurrency, 1),
      diskMb: positive('disk-mb', values['disk-mb'], 64),
      keep: values.keep ?? false,
    },
  };
}

/** The command that replays one run: the same options, that seed, one run. */
function replayCommand(argv: string[], seed: number): string {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seed' || a === '--runs') i++;
    else if (!a.startsWith('--seed=') && !a.startsWith('--runs=')) kept.push(a);
  }
  return `npm run chaos -- ${[...kept, '--seed', String(seed)].join(' ')}`;
}

export function summaryLine(i: number, runs: number, o: RunOutcome, base: Cli['base']): string {
  const s = o.check.stats;
  const verdict = o.ok ? 'PASS' : o.check.violations.length > 0 ? 'FAIL' : 'UNKNOWN';
  const counts = Object.entries(o.check.counts)
    .map(([k, n]) => `${k}=${n}`)
    .join(' ');
  const why = o.ok
    ? ''
    : ` ${[counts, ...o.check.inconclusive.slice(0, 2), ...o.problems.slice(0, 2).map((p) => p.split('\n')[0])].filter(Boolean).join('; ')}`;
  return `chaos ${i + 1}/${runs} seed=${o.seed} nodes=${base.bootstrap ? 'external' : base.nodes} ${base.workload} faults=${base.faults.join(',') || 'none'}(${o.faultsRun} of ${o.faults.length}${o.leaderElections === null ? '' : `, ${o.leaderElections} leader elections`}) ${(base.durationMs / 1000).toFixed(0)}s: sent ${s.sent} acked ${s.acked} indeterminate ${s.indeterminate} (${s.unresolved} no outcome) read ${s.readLive} drained ${Object.values(s.readDrain).join('/')} — ${verdict}${why} [${(o.elapsedMs / 1000).toFixed(0)} s, load ${o.loadAvg[0].toFixed(2)}] ${o.report}`;
}

function summaryTable(outcomes: RunOutcome[], base: Cli['base']): string {
  const rows = outcomes.map((o) => {
    const s = o.check.stats;
    const counts =
      Object.entries(o.check.counts)
        .map(([k, n]) => `${k}=${n}`)
        .join(' ') || '0';
    const verdict = o.ok ? 'PASS' : o.check.violations.length > 0 ? 'FAIL' : 'UNKNOWN';
    return `| ${o.seed} | ${verdict} | ${o.faultsRun} | ${s.sent} | ${s.acked} | ${s.indeterminate} | ${s.readLive} | ${Object.values(s.readDrain).join(' / ')} | ${counts} | ${o.loadAvg[0].toFixed(2)} |`;
  });
  const passed = outcomes.filter((o) => o.ok).length;
  return [
    `Chaos: ${outcomes.length} run(s) of ${(base.durationMs / 1000).toFixed(0)} s, ${base.bootstrap ? `external cluster ${base.bootstrap}` : `${base.nodes} node(s)`}, workload ${base.workload}, faults ${base.faults.join(',') || 'none'}${base.unsafe ? `, SAMSA_CHAOS_UNSAFE=${base.unsafe}` : ''}: ${passed} passed, ${outcomes.length - passed} did not.`,
    '',
    '| seed | verdict | faults run | sent | acked | indeterminate | read (group) | drained (samsa / kcat) | violations | load (1 min) |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function indexHtml(table: string, outcomes: RunOutcome[]): string {
  const links = outcomes
    .map(
      (o) =>
        `<li><a href="seed-${o.seed}/report.html">seed ${o.seed}</a> — ${o.ok ? 'PASS' : 'not passed'}</li>`,
    )
    .join('');
  const esc = (s: string) =>
    s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c] as string);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>chaos runs</title></head><body style="font:14px system-ui;margin:24px"><pre>${esc(table)}</pre><ul>${links}</ul></body></html>\n`;
}

/** Checks a kept history again: one line per violation, then the counts. */
function recheck(path: string): number {
  let events: HistoryEvent[];
  try {
    events = parseHistory(readFileSync(path, 'utf8'));
  } catch (err) {
    console.error(
      `chaos: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
    return 2;
  }
  const result = checkHistory(events);
  for (const v of result.violations) console.log(`${v.kind}: ${v.message}`);
  for (const why of result.inconclusive) console.log(`inconclusive: ${why}`);
  const counts =
    Object.entries(result.counts)
      .map(([k, n]) => `${k}=${n}`)
      .join(' ') || 'no violations';
  console.log(
    `${result.ok ? 'PASS' : 'FAIL'}: ${counts}; ${result.stats.acked} acknowledged of ${result.stats.sent} sent`,
  );
  return result.ok ? 0 : 1;
}

async function main(): Promise<number> {
  let cli: ReturnType<typeof parseCli>;
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (err) {
    console.error(`chaos: ${(err as Error).message}. Run 'npm run chaos -- --help' for the options.`);
    return 2;
  }
  if (cli === 'help') {
    console.log(HELP);
    return 0;
  }
  if ('check' in cli) return recheck(cli.check);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      killAllChildren();
      process.exit(130);
    });
  }
  mkdirSync(cli.base.outDir, { recursive: true });
  const outcomes: RunOutcome[] = [];
  for (let i = 0; i < cli.runs; i++) {
    const seed = cli.firstSeed + i;
    const outcome = await runOnce({ ...cli.base, seed, replay: replayCommand(cli.argv, seed) });
    outcomes.push(outcome);
    console.log(summaryLine(i, cli.runs, outcome, cli.base));
    if (!outcome.ok)
      console.log(
        `  kept: ${outcome.runDir} (history.jsonl, schedule.json, logs); replay: ${replayCommand(cli.argv, seed)}`,
      );
    const table = summaryTable(outcomes, cli.base);
    writeFileSync(join(cli.base.outDir, 'summary.md'), `${table}\n`);
    writeFileSync(join(cli.base.outDir, 'index.html'), indexHtml(table, outcomes));
  }
  const table = summaryTable(outcomes, cli.base);
  console.log(
    `\n${table}\nload average now: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  return outcomes.every((o) => o.ok) ? 0 : 1;
}

if (process.argv[1]?.endsWith('main.js')) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      killAllChildren();
      process.exit(1);
    },
  );
}
