// npm run bench:txn — what transactions cost, against a broker process on this machine:
//   1. throughput of transactions of 100 records (begin, send 100, commit) against the same records
//      sent by the same producer settings without transactions (send 100, wait for their acks), in
//      alternating rounds of the same run; the figure is the ratio of the medians (goal >= 0.5);
//   2. commit latency: commitTransaction() once the transaction's records are acknowledged (EndTxn:
//      PrepareCommit written, answered), p50 and p99 over every transaction of the run (goal p99 < 10 ms);
//   3. the time from commitTransaction() to the records being readable by read_committed (the markers
//      written after the answer), p50 and p99;
//   4. for scale, how late a 1 ms timer of this process fires meanwhile: on a shared machine, latency
//      percentiles of anything below that are the machine's, not the broker's.
// Samsa's client uses transactions V2 (the broker's default transaction.version); records are 100
// bytes over 3 partitions. The machine is shared: quote the ratio, not the absolute rates.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Admin, Consumer, Producer } from '../src/index.js';

const ROUNDS = Number(process.env.SAMSA_BENCH_ROUNDS ?? 7);
const TXNS = Number(process.env.SAMSA_BENCH_TXNS ?? 200);
const RECORDS = 100;
const TOPIC = 'bench-txn';
const PARTITIONS = 3;
const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
const median = (xs: number[]) => percentile(xs, 50);

async function startBroker(dataDir: string): Promise<{ child: ChildProcess; bootstrap: string }> {
  const child = spawn(
    process.execPath,
    [
      join(root, 'dist', 'bin', 'samsa.mjs'),
      'server',
      'start',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--data-dir',
      dataDir,
      '--metrics-port',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const bootstrap = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready on \w+:\/\/([^\s]+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`the broker exited with ${code}`)));
  });
  child.stdout?.resume();
  return { child, bootstrap };
}

function records(round: number, n: number) {
  const value = 'x'.repeat(90);
  return Array.from({ length: RECORDS }, (_, i) => ({
    topic: TOPIC,
    partition: (n * RECORDS + i) % PARTITIONS,
    value: `${value}${String(round).padStart(4, '0')}${String(i).padStart(6, '0')}`,
  }));
}

/** Records per second sending TXNS groups of RECORDS without transactions. */
async function plainRound(bootstrap: string, round: number): Promise<number> {
  const producer = new Producer({ bootstrapServers: bootstrap, lingerMs: 1 });
  await producer.connect();
  const t0 = performance.now();
  for (let n = 0; n < TXNS; n++) await producer.sendBatch(records(round, n));
  const s = (performance.now() - t0) / 1000;
  await producer.close();
  return (TXNS * RECORDS) / s;
}

/** Records per second in transactions of RECORDS; commit latencies and commit-to-visible times. */
async function txnRound(
  bootstrap: string,
  round: number,
  commits: number[],
  visible: number[],
): Promise<number> {
  const producer = new Producer({
    bootstrapServers: bootstrap,
    lingerMs: 1,
    transactionalId: `bench-${round}`,
  });
  await producer.initTransactions();
  const t0 = performance.now();
  for (let n = 0; n < TXNS; n++) {
    producer.beginTransaction();
    await producer.sendBatch(records(round, n));
    const c0 = performance.now();
    await producer.commitTransaction();
    commits.push(performance.now() - c0);
  }
  const s = (performance.now() - t0) / 1000;
  await producer.close();
  visible.push(...(await visibleAfterCommit(bootstrap, round)));
  return (TXNS * RECORDS) / s;
}

/** From commitTransaction() to a read_committed consumer holding the records, a few times. */
async function visibleAfterCommit(bootstrap: string, round: number): Promise<number[]> {
  const producer = new Producer({
    bootstrapServers: bootstrap,
    lingerMs: 0,
    transactionalId: `visible-${round}`,
  });
  const consumer = new Consumer({
    bootstrapServers: bootstrap,
    isolationLevel: 'read_committed',
    fetchMaxWaitMs: 100,
  });
  await producer.initTransactions();
  const admin = new Admin({ bootstrapServers: bootstrap });
  const [end] = await admin.listOffsets([{ topic: `${TOPIC}-visible`, partition: 0, at: 'latest' }]);
  await admin.close();
  consumer.assign([{ topic: `${TOPIC}-visible`, partition: 0, offset: end.offset }]);
  const out: number[] = [];
  for (let i = 0; i < 20; i++) {
    producer.beginTransaction();
    await producer.send({ topic: `${TOPIC}-visible`, partition: 0, value: `v${i}` });
    const t0 = performance.now();
    await producer.commitTransaction();
    for (let got = false; !got; ) got = (await consumer.poll(50)).some((r) => String(r.value) === `v${i}`);
    out.push(performance.now() - t0);
  }
  await Promise.all([producer.close(), consumer.close()]);
  return out;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-bench-txn-'));
  const broker = await startBroker(dataDir);
  try {
    const admin = new Admin({ bootstrapServers: broker.bootstrap });
    await admin.createTopics([
      { name: TOPIC, numPartitions: PARTITIONS },
      { name: `${TOPIC}-visible`, numPartitions: 1 },
    ]);
    await admin.close();
    const commits: number[] = [];
    const visible: number[] = [];
    const lateness: number[] = [];
    let last = performance.now();
    const ticker = setInterval(() => {
      const t = performance.now();
      lateness.push(Math.max(0, t - last - 1));
      last = t;
    }, 1);
    // Warm-up: both paths once (the coordinator's topic is created on first use).
    await plainRound(broker.bootstrap, 0);
    await txnRound(broker.bootstrap, 0, [], []);
    const plain: number[] = [];
    const txn: number[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      plain.push(await plainRound(broker.bootstrap, r));
      txn.push(await txnRound(broker.bootstrap, r, commits, visible));
      console.log(
        `round ${r}: ${Math.round(plain.at(-1) as number)} rec/s plain, ${Math.round(txn.at(-1) as number)} rec/s in transactions`,
      );
    }
    const ratio = median(txn) / median(plain);
    console.log(
      `\n${ROUNDS} rounds of ${TXNS} groups of ${RECORDS} records (100 B) over ${PARTITIONS} partitions, alternating`,
    );
    console.log(
      `throughput, median: ${Math.round(median(plain))} rec/s without transactions, ${Math.round(median(txn))} rec/s in transactions`,
    );
    console.log(
      `ratio transactions / plain: ${ratio.toFixed(2)} (goal >= 0.5) ${ratio >= 0.5 ? 'OK' : 'BELOW GOAL'}`,
    );
    const p99 = percentile(commits, 99);
    console.log(
      `commit latency (EndTxn once the records are acknowledged), ${commits.length} commits: p50 ${percentile(commits, 50).toFixed(2)} ms, p90 ${percentile(commits, 90).toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${Math.max(...commits).toFixed(2)} ms (goal p99 < 10 ms) ${p99 < 10 ? 'OK' : 'ABOVE GOAL'}`,
    );
    console.log(
      `commitTransaction() to visible to read_committed, ${visible.length} samples: p50 ${percentile(visible, 50).toFixed(2)} ms, p99 ${percentile(visible, 99).toFixed(2)} ms`,
    );
    clearInterval(ticker);
    console.log(
      `machine noise: a 1 ms timer of this process fired late by p50 ${percentile(lateness, 50).toFixed(2)} ms, p99 ${percentile(lateness, 99).toFixed(2)} ms, max ${Math.max(...lateness).toFixed(1)} ms`,
    );
  } finally {
    broker.child.kill('SIGTERM');
    await new Promise((r) => broker.child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
