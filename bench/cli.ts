// Start-up of the command-line tools (`npm run bench:cli`): the median wall time of `--help` for
// every bundled tool and for a few `samsa` subcommands, beside a bare `node -e 0` (the floor no tool
// can go under). The budget is 300 ms per tool. Runs are interleaved round by round so drift of the
// machine's load affects every command alike. `npm run bench:cli -- 21` sets the rounds (default 11).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const BUDGET_MS = 300;

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

const root = findRoot();
const binDir = join(root, 'dist', 'bin');
const rounds = Number(process.argv[2] ?? 11);

interface Case {
  label: string;
  args: string[];
}

const tools = readdirSync(binDir)
  .filter(
    (f) => (f.startsWith('kafka-') || f.startsWith('connect-') || f === 'samsa.mjs') && f.endsWith('.mjs'),
  )
  .sort();
const cases: Case[] = [
  { label: 'node -e 0', args: ['-e', '0'] },
  ...tools.map((f) => ({
    label: `${f.replace(/\.mjs$/, '')}${f === 'samsa.mjs' ? '' : '.sh'} --help`,
    args: [join(binDir, f), '--help'],
  })),
  ...['topic create', 'topic describe', 'produce', 'consume', 'group describe', 'server start'].map(
    (sub) => ({
      label: `samsa ${sub} --help`,
      args: [join(binDir, 'samsa.mjs'), ...sub.split(' '), '--help'],
    }),
  ),
];

const times = new Map<string, number[]>(cases.map((c) => [c.label, []]));
for (let r = 0; r < rounds + 1; r++) {
  for (const c of cases) {
    const t0 = performance.now();
    const res = spawnSync(process.execPath, c.args, { stdio: ['ignore', 'ignore', 'ignore'] });
    const ms = performance.now() - t0;
    if (res.status !== 0 && c.label !== 'node -e 0') {
      console.error(`${c.label} exited with ${res.status}`);
      process.exit(1);
    }
    if (r > 0) times.get(c.label)?.push(ms); // round 0 warms the file cache
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const floor = median(times.get('node -e 0') ?? [0]);
const width = Math.max(...cases.map((c) => c.label.length));
console.log(
  `--help start-up, median of ${rounds} runs each (Node ${process.version}, budget ${BUDGET_MS} ms)`,
);
console.log(`${'command'.padEnd(width)}  median ms  over node -e 0`);
let over = 0;
for (const c of cases) {
  const m = median(times.get(c.label) ?? []);
  if (c.label !== 'node -e 0' && m > BUDGET_MS) over++;
  const extra = c.label === 'node -e 0' ? '' : `+${(m - floor).toFixed(1)}`;
  console.log(`${c.label.padEnd(width)}  ${m.toFixed(1).padStart(9)}  ${extra.padStart(13)}`);
}
console.log(over === 0 ? `every tool under ${BUDGET_MS} ms` : `${over} tool(s) over ${BUDGET_MS} ms`);
