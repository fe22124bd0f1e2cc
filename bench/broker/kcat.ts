// bench:broker's kcat comparison: kcat producing 1,000,000 records of 100 bytes into Samsa, and the
// same into librdkafka's own C mock cluster (rd_kafka_mock_cluster_new, built here with gcc from
// mock-cluster.c), rounds alternating, the same kcat flags for both, one partition each. The rate is
// records over kcat's whole run (start, metadata, produce, final flush and exit), so the fixed costs
// are the same on both sides.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processCpuMs } from '../process-cpu.js';
import { createTopic, line, median, Pipe, root } from './common.js';

const RECORDS = 1_000_000;
const VALUE_BYTES = 100;
const MOCK_HEADER = '/usr/include/librdkafka/rdkafka_mock.h';

/** What is missing for the comparison, or null when kcat, gcc and librdkafka-dev are all here. */
function missing(): string | null {
  const lacks: string[] = [];
  const has = (cmd: string) => {
    try {
      execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (!has('kcat')) lacks.push('kcat');
  if (!has('gcc')) lacks.push('gcc');
  if (!existsSync(MOCK_HEADER)) lacks.push('librdkafka-dev');
  return lacks.length === 0 ? null : lacks.join(', ');
}

/** Builds mock-cluster.c into `dir`; returns the program's path. */
function buildMock(dir: string): string {
  const out = join(dir, 'mock-cluster');
  execFileSync('gcc', ['-O2', '-o', out, join(root, 'bench/broker/mock-cluster.c'), '-lrdkafka'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return out;
}

function startMock(program: string, topics: string[]): Promise<{ child: ChildProcess; bootstrap: string }> {
  const child = spawn(program, topics, { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /mock ready (\S+)/.exec(out);
      if (m) resolve({ child, bootstrap: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`mock-cluster exited with ${code}: ${out}`)));
  });
}

/** CPU milliseconds of this process's reaped children (kcat, once it has exited), from /proc. */
function childrenCpuMs(): number {
  // cutime and cstime are the 14th and 15th fields after the command name (clock ticks of 10 ms).
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

interface KcatRun {
  recordsPerSec: number;
  /** CPU ms the server (Samsa's broker or the C mock) spent on the run. */
  serverCpuMs: number;
  /** CPU ms kcat spent on the run. */
  kcatCpuMs: number;
}

/** One kcat run producing the records file into `topic`: its rate over the whole run and CPU times. */
async function kcatRun(bootstrap: string, topic: string, file: string, serverPid: number): Promise<KcatRun> {
  const s0 = processCpuMs(serverPid) ?? Number.NaN;
  const k0 = childrenCpuMs();
  const recordsPerSec = await kcatRate(bootstrap, topic, file);
  return {
    recordsPerSec,
    serverCpuMs: (processCpuMs(serverPid) ?? Number.NaN) - s0,
    kcatCpuMs: childrenCpuMs() - k0,
  };
}

/** One kcat run producing the records file into `topic`; records per second over the whole run. */
function kcatRate(bootstrap: string, topic: string, file: string): Promise<number> {
  const input = openSync(file, 'r');
  const t0 = performance.now();
  const child = spawn('kcat', ['-b', bootstrap, '-P', '-t', topic, '-p', '0'], {
    stdio: [input, 'ignore', 'pipe'],
  });
  closeSync(input);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`kcat -P into ${bootstrap} exited with ${code}: ${err}`));
      else resolve(RECORDS / ((performance.now() - t0) / 1000));
    });
  });
}

/** Prints the comparison line (or why it was skipped). */
export async function kcatPart(
  brokerPort: number,
  brokerPid: number,
  dir: string,
  rounds: number,
): Promise<void> {
  const label = 'kcat -P, 1M records of 100 bytes';
  const lacks = missing();
  if (lacks) {
    console.log(
      `${label.padEnd(44)} skipped: ${lacks} not installed (apt-get install kcat gcc librdkafka-dev)`,
    );
    return;
  }
  const file = join(dir, 'kcat-records.txt');
  writeFileSync(file, `${'k'.repeat(VALUE_BYTES)}\n`.repeat(RECORDS));
  const topics = Array.from({ length: rounds + 1 }, (_, i) => `kcat-${i}`);
  const admin = await Pipe.open(brokerPort);
  for (const t of topics) await createTopic(admin, t);
  admin.close();
  const mock = await startMock(buildMock(dir), topics);
  try {
    const samsa = `127.0.0.1:${brokerPort}`;
    // A first run each warms both up (the broker's JIT, the page cache of the records file).
    await kcatRate(samsa, topics[0], file);
    await kcatRate(mock.bootstrap, topics[0], file);
    const ours: KcatRun[] = [];
    const theirs: KcatRun[] = [];
    for (let i = 1; i <= rounds; i++) {
      ours.push(await kcatRun(samsa, topics[i], file, brokerPid));
      theirs.push(await kcatRun(mock.bootstrap, topics[i], file, mock.child.pid as number));
    }
    const of = (runs: KcatRun[], k: keyof KcatRun) => median(runs.map((r) => r[k]));
    const a = of(ours, 'recordsPerSec');
    const b = of(theirs, 'recordsPerSec');
    line(
      label,
      `${(a / 1e6).toFixed(2)} M rec/s`,
      `${(b / 1e6).toFixed(2)} M rec/s`,
      `${(a / b).toFixed(2)}x librdkafka's C mock cluster (target >= 1.00)`,
    );
    // CPU per 1M records swings far less with the machine's load than the rates do.
    const cpu = (runs: KcatRun[]) =>
      `server ${of(runs, 'serverCpuMs').toFixed(0)} ms, kcat ${of(runs, 'kcatCpuMs').toFixed(0)} ms`;
    console.log(`${'  CPU per 1M records'.padEnd(44)} Samsa: ${cpu(ours)}; C mock: ${cpu(theirs)}`);
  } finally {
    mock.child.stdin?.end();
    mock.child.kill('SIGTERM');
  }
}
