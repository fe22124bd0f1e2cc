// npm run bench:partitions — one broker with 10 topics of 1,000 partitions, some data in each, run as a
// process limited to 4,096 file descriptors (ulimit -n 4096). It prints: the time to create and fill
// the partitions, the SIGTERM-to-exit time, the ready time after a clean restart, that every partition
// is online afterwards (ListOffsets of all of them, records fetched back from all of them), the RSS, and
// the open descriptors (/proc/<pid>/fd) beside the bound the broker set itself.
// SAMSA_BENCH_TOPICS / SAMSA_BENCH_PARTITIONS change the shape; SAMSA_BENCH_FD_LIMIT the ulimit.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeResponseFrame, encodeRequestFrame } from '../src/protocol/frame.js';
import { batchBounds } from '../src/protocol/records/batch.js';
import { buildBatch, readRecords } from '../src/protocol/records/record.js';
import { brokerBin, Pipe } from './broker/common.js';

const TOPICS = Number(process.env.SAMSA_BENCH_TOPICS ?? 10);
const PARTITIONS = Number(process.env.SAMSA_BENCH_PARTITIONS ?? 1000);
const FD_LIMIT = Number(process.env.SAMSA_BENCH_FD_LIMIT ?? 4096);
const RECORDS_PER_PARTITION = 20;
const topicName = (t: number) => `many-${t}`;

interface Broker {
  child: ChildProcess;
  port: number;
  /** ms from spawn to the ready line. */
  readyMs: number;
  /** CPU time (user + system) the process had used by then. */
  readyCpuMs: number;
  out: () => string;
}

/** CPU time (user + system, ms) a process has used; NaN once it is gone. */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks of 10 ms
  } catch {
    return Number.NaN;
  }
}

/** Starts the broker under `ulimit -n FD_LIMIT`, as an operator's shell would. */
function startBroker(dataDir: string): Promise<Broker> {
  const t0 = performance.now();
  const command = [
    `ulimit -n ${FD_LIMIT}`,
    `exec '${process.execPath}' '${brokerBin()}' server start --port 0 --host 127.0.0.1 --data-dir '${dataDir}' --metrics-port 0 --override num.partitions=1`,
  ].join('; ');
  const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready on \w+:\/\/[^:]+:(\d+)/.exec(out);
      if (m) {
        const readyMs = performance.now() - t0;
        resolve({
          child,
          port: Number(m[1]),
          readyMs,
          readyCpuMs: cpuMs(child.pid as number),
          out: () => out,
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`broker exited with ${code}:\n${out.slice(-4000)}`)));
  });
}

/** ms from SIGTERM to the process's exit, and the CPU time it used meanwhile (sampled every 5 ms). */
function stopBroker(b: Broker): Promise<{ ms: number; cpuMs: number }> {
  const t0 = performance.now();
  const pid = b.child.pid as number;
  const before = cpuMs(pid);
  let last = before;
  const sampler = setInterval(() => {
    const now = cpuMs(pid);
    if (!Number.isNaN(now)) last = now;
  }, 5);
  return new Promise((resolve) => {
    const done = () => {
      clearInterval(sampler);
      resolve({ ms: performance.now() - t0, cpuMs: last - before });
    };
    if (b.child.exitCode !== null) return done();
    b.child.once('exit', done);
    b.child.kill('SIGTERM');
  });
}

function procFacts(pid: number): { rssMb: number; fds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssMb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  return { rssMb, fds: readdirSync(`/proc/${pid}/fd`).length };
}

async function call<T>(pipe: Pipe, key: number, version: number, body: unknown): Promise<T> {
  const frame = await pipe.request(Buffer.concat(encodeRequestFrame(key, version, 1, 'bench', body)));
  return decodeResponseFrame<T>(key, version, frame).body;
}

async function createTopics(pipe: Pipe): Promise<void> {
  for (let t = 0; t < TOPICS; t++) {
    const body = {
      topics: [
        { name: topicName(t), numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] },
      ],
      timeoutMs: 120_000,
      validateOnly: false,
    };
    const res = await call<{ topics: { errorCode: number; errorMessage: string | null }[] }>(
      pipe,
      19,
      7,
      body,
    );
    if (res.topics[0].errorCode !== 0)
      throw new Error(
        `CreateTopics ${topicName(t)}: ${res.topics[0].errorCode} ${res.topics[0].errorMessage}`,
      );
  }
}

/** One Produce per topic, a small batch for every partition. */
async function fill(pipe: Pipe): Promise<void> {
  for (let t = 0; t < TOPICS; t++) {
    const partitionData = Array.from({ length: PARTITIONS }, (_, p) => ({
      index: p,
      records: buildBatch(
        Array.from({ length: RECORDS_PER_PARTITION }, (_, i) => ({ value: `${topicName(t)}/${p}/${i}` })),
        { timestampMs: Date.now() },
      ),
    }));
    const body = {
      transactionalId: null,
      acks: -1,
      timeoutMs: 60_000,
      topicData: [{ name: topicName(t), partitionData }],
    };
    const res = await call<{ responses: { partitionResponses: { index: number; errorCode: number }[] }[] }>(
      pipe,
      0,
      9,
      body,
    );
    const bad = res.responses[0].partitionResponses.filter((r) => r.errorCode !== 0);
    if (bad.length > 0)
      throw new Error(`Produce to ${topicName(t)}: ${bad.length} partitions failed (${bad[0].errorCode})`);
  }
}

/** ListOffsets (latest) of every partition: how many answer without error at the expected offset. */
async function listAll(pipe: Pipe): Promise<number> {
  let ok = 0;
  for (let t = 0; t < TOPICS; t++) {
    const body = {
      replicaId: -1,
      isolationLevel: 0,
      topics: [
        {
          name: topicName(t),
          partitions: Array.from({ length: PARTITIONS }, (_, p) => ({
            partitionIndex: p,
            currentLeaderEpoch: -1,
            timestamp: -1,
          })),
        },
      ],
    };
    const res = await call<{ topics: { partitions: { errorCode: number; offset: number }[] }[] }>(
      pipe,
      2,
      7,
      body,
    );
    for (const p of res.topics[0].partitions)
      if (p.errorCode === 0 && p.offset === RECORDS_PER_PARTITION) ok++;
  }
  return ok;
}

/** Fetches every partition from offset 0 (the files, after a restart); how many return their records. */
async function fetchAll(pipe: Pipe): Promise<number> {
  let ok = 0;
  const perRequest = 500;
  for (let t = 0; t < TOPICS; t++) {
    for (let from = 0; from < PARTITIONS; from += perRequest) {
      const indexes = Array.from({ length: Math.min(perRequest, PARTITIONS - from) }, (_, i) => from + i);
      const body = {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 64 << 20,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic: topicName(t),
            partitions: indexes.map((p) => ({
              partition: p,
              fetchOffset: 0,
              partitionMaxBytes: 1 << 20,
              currentLeaderEpoch: -1,
              logStartOffset: -1,
            })),
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      };
      const res = await call<{
        responses: { partitions: { partitionIndex: number; errorCode: number; records: Buffer | null }[] }[];
      }>(pipe, 1, 11, body);
      for (const p of res.responses[0].partitions) {
        if (p.errorCode !== 0 || !p.records) continue;
        const values = valuesOf(p.records);
        if (values.length === RECORDS_PER_PARTITION && values[0] === `${topicName(t)}/${p.partitionIndex}/0`)
          ok++;
      }
    }
  }
  return ok;
}

/** The values of every record in a Fetch response's record set (all its batches). */
function valuesOf(records: Buffer): string[] {
  return batchBounds(records).starts.flatMap((start) =>
    [...readRecords(records, start)].map((r) => String(r.value)),
  );
}

/** The bound the broker reports on /metrics-free terms: its log line, if it printed one. */
function boundOf(out: string): string {
  const m = /"openFilesMax":(\d+)/.exec(out);
  return m ? m[1] : '?';
}

function row(label: string, value: string, goal = ''): void {
  console.log(`${label.padEnd(48)} ${value.padStart(14)}   ${goal}`);
}

async function main(): Promise<void> {
  const total = TOPICS * PARTITIONS;
  console.log(
    `bench:partitions (node ${process.version}): ${TOPICS} topics x ${PARTITIONS} partitions, ulimit -n ${FD_LIMIT}, load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`,
  );
  console.log('(on a busy machine wall times stretch; the CPU times beside them much less)\n');
  const dir = mkdtempSync(join(tmpdir(), 'samsa-bench-partitions-'));
  let broker: Broker | null = null;
  try {
    broker = await startBroker(join(dir, 'data'));
    const pipe = await Pipe.open(broker.port);
    let t0 = performance.now();
    await createTopics(pipe);
    row('create partitions', `${((performance.now() - t0) / 1000).toFixed(1)} s`, `${total} partitions`);
    t0 = performance.now();
    await fill(pipe);
    row(
      'produce to every partition (acks=all)',
      `${((performance.now() - t0) / 1000).toFixed(1)} s`,
      `${RECORDS_PER_PARTITION} records each`,
    );
    const before = procFacts(broker.child.pid as number);
    row(
      'RSS, open descriptors after filling',
      `${before.rssMb.toFixed(0)} MB, ${before.fds}`,
      `bound ${boundOf(broker.out())}`,
    );
    pipe.close();
    const firstStop = await stopBroker(broker);
    row(
      'SIGTERM to exit (after filling)',
      `${firstStop.ms.toFixed(0)} ms`,
      `goal < 2000 ms; CPU ${firstStop.cpuMs.toFixed(0)} ms`,
    );
    broker = await startBroker(join(dir, 'data'));
    row(
      'ready after a clean restart',
      `${broker.readyMs.toFixed(0)} ms`,
      `goal < 5000 ms; CPU ${broker.readyCpuMs.toFixed(0)} ms`,
    );
    const again = await Pipe.open(broker.port);
    t0 = performance.now();
    const listed = await listAll(again);
    row(
      'partitions online (ListOffsets = 20)',
      `${listed} / ${total}`,
      `${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    t0 = performance.now();
    const fetched = await fetchAll(again);
    row(
      'partitions read back from their files',
      `${fetched} / ${total}`,
      `${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const after = procFacts(broker.child.pid as number);
    row('RSS after reading every partition', `${after.rssMb.toFixed(0)} MB`, 'goal < 250 MB');
    row(
      'open descriptors (/proc/<pid>/fd)',
      `${after.fds}`,
      `bound ${boundOf(broker.out())} (process limit ${FD_LIMIT})`,
    );
    again.close();
    const secondStop = await stopBroker(broker);
    row(
      'SIGTERM to exit (after reading)',
      `${secondStop.ms.toFixed(0)} ms`,
      `goal < 2000 ms; CPU ${secondStop.cpuMs.toFixed(0)} ms`,
    );
    const emfile = (broker.out().match(/EMFILE/g) ?? []).length;
    row('EMFILE in the broker log (second run)', `${emfile}`, 'goal 0');
    broker = null;
  } finally {
    if (broker) await stopBroker(broker);
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\nload average ${loadavg()[0].toFixed(1)} at the end`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
