// bench:broker's kcat comparison: kcat producing 1,000,000 records of 100 bytes into Samsa, and the
// same into librdkafka's own C mock cluster (rd_kafka_mock_cluster_new, built here with gcc from
// mock-cluster.c), rounds alternating, the same kcat flags for both, one partition each. The rate is
// records over kcat's whole run (start, metadata, produce, final flush and exit), so the fixed costs
// are the same on both sides.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
export async function kcatPart(brokerPort: number, dir: string, rounds: number): Promise<void> {
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
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 1; i <= rounds; i++) {
      ours.push(await kcatRate(samsa, topics[i], file));
      theirs.push(await kcatRate(mock.bootstrap, topics[i], file));
    }
    const a = median(ours);
    const b = median(theirs);
    line(
      label,
      `${(a / 1e6).toFixed(2)} M rec/s`,
      `${(b / 1e6).toFixed(2)} M rec/s`,
      `${(a / b).toFixed(2)}x librdkafka's C mock cluster (target >= 1.00)`,
    );
  } finally {
    mock.child.stdin?.end();
    mock.child.kill('SIGTERM');
  }
}
