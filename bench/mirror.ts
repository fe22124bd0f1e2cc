// The mirror against a plain consume-then-produce loop, in the same run, with the same client and the
// same producer settings, between two broker processes (two clusters).
//   throughput: N records (keys, two headers, 100-byte values) in 6 partitions on A, copied to a fresh
//     topic on B by (a) a loop: a consumer assigned every partition, each record sent to the same
//     partition on B, and (b) the mirror (MirrorMaker with one flow, in this process). Rounds alternate
//     after one warm-up round of each; each rate runs from the first record on B to the last (B's end
//     offsets, polled every 10 ms), so start-up (topic creation, reading progress) counts for neither.
//     Medians and their ratio, and this process's CPU time per record over the same window (a figure
//     the other programs sharing the machine disturb less than the rates). A third contender, the loop
//     sending through sendWithCallbacks as the mirror does, shows what the mirror's own bookkeeping
//     costs.
//   latency: records written on A at a steady RATE per second for SECONDS while the mirror copies them;
//     replication latency per record (its timestamp to the target's acknowledgement, MirrorMaker's
//     replication-latency-ms) and end to end (to a consumer on B), p50/p99/max after a warm-up second.
// Sizes: BENCH_MIRROR_RECORDS (400000), BENCH_MIRROR_ROUNDS (5), BENCH_MIRROR_RATE (5000),
// BENCH_MIRROR_SECONDS (20); BENCH_MIRROR_PARTS (throughput,latency) runs only some parts.
import { cpus, loadavg } from 'node:os';
import { Admin, Consumer, type ConsumerRecord, Producer } from '../src/client/index.js';
import { createLogger, MirrorMaker, parseMirrorConfig } from '../src/mirror/index.js';
import { removeDataDir, startBrokerProcess } from '../test/helpers/broker-process.js';
import { startMirror } from '../test/mirror/mirror-process.js';

const N = Number(process.env.BENCH_MIRROR_RECORDS ?? 400_000);
const ROUNDS = Number(process.env.BENCH_MIRROR_ROUNDS ?? 5);
const RATE = Number(process.env.BENCH_MIRROR_RATE ?? 5000);
const SECONDS = Number(process.env.BENCH_MIRROR_SECONDS ?? 20);
const PARTS = (process.env.BENCH_MIRROR_PARTS ?? 'throughput,latency').split(',');
const PARTITIONS = 6;
const SOURCE = 'bench-src';

const ignore = () => {};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function endSum(admin: Admin, topic: string): Promise<number> {
  const listed = await admin
    .listOffsets(
      Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition, at: 'latest' as const })),
    )
    .catch(() => []);
  return listed.reduce((a, o) => a + Math.max(0, o.offset), 0);
}

interface Rate {
  perSec: number;
  /** CPU time of this process per 100,000 records, in ms. */
  cpuMsPer100k: number;
}

/** Records per second from the first record of `topic` on B to the N-th; CPU time over the same span. */
async function watchRate(admin: Admin, topic: string): Promise<Rate> {
  let t0 = 0;
  let cpu0 = process.cpuUsage();
  let n0 = 0;
  const until = performance.now() + 300_000;
  for (;;) {
    const n = await endSum(admin, topic);
    const now = performance.now();
    if (!t0 && n > 0) {
      t0 = now;
      n0 = n;
      cpu0 = process.cpuUsage();
    }
    if (n >= N) {
      const cpu = process.cpuUsage(cpu0);
      const copied = N - n0;
      return {
        perSec: copied / ((now - t0) / 1000),
        cpuMsPer100k: ((cpu.user + cpu.system) / 1000 / copied) * 100_000,
      };
    }
    if (now > until) throw new Error(`${topic}: only ${n} of ${N} records after 300 s`);
    await sleep(10);
  }
}

async function preload(bootstrap: string): Promise<void> {
  const producer = new Producer({ 'bootstrap.servers': bootstrap, 'linger.ms': 5, 'batch.size': 65536 });
  const value = Buffer.alloc(100, 'v');
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < N; i++) {
    pending.push(
      producer.send({
        topic: SOURCE,
        partition: i % PARTITIONS,
        key: `key-${i}`,
        value,
        headers: [
          { key: 'trace', value: `t-${i}` },
          { key: 'origin', value: 'bench' },
        ],
      }),
    );
    if (pending.length >= 20_000) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  await producer.close();
}

/**
 * (a) The plain loop: consume everything from A, produce each record to the same partition on B,
 * with send() (a promise per record), or with `callbacks` through sendWithCallbacks as the mirror does.
 */
async function plainLoop(
  a: string,
  b: string,
  adminB: Admin,
  target: string,
  callbacks = false,
): Promise<Rate> {
  await adminB.createTopics([{ name: target, numPartitions: PARTITIONS }]);
  const consumer = new Consumer({ 'bootstrap.servers': a, 'auto.offset.reset': 'earliest' });
  // The mirror's producer settings (linger.ms=1), so the two differ only in what they do per record.
  const producer = new Producer({ 'bootstrap.servers': b, 'linger.ms': 1 });
  const copying = (async () => {
    consumer.assign(
      Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: SOURCE, partition, offset: 0 })),
    );
    let copied = 0;
    for await (const batch of consumer.batches()) {
      for (const r of batch.records) {
        const record = {
          topic: target,
          partition: r.partition,
          key: r.key,
          value: r.value,
          headers: r.headers,
          timestamp: r.timestamp,
        };
        if (callbacks) producer.sendWithCallbacks(record, 0, ignore, ignore);
        else producer.send(record);
      }
      copied += batch.records.length;
      if (copied >= N) break;
    }
    await producer.flush();
  })();
  const rate = await watchRate(adminB, target);
  await copying;
  await Promise.all([consumer.close(), producer.close()]);
  return rate;
}

function mirrorConfig(
  alias: string,
  a: string,
  b: string,
  topics: string,
  extra: Record<string, string> = {},
) {
  const parsed = parseMirrorConfig({
    clusters: `${alias}, B`,
    [`${alias}.bootstrap.servers`]: a,
    'B.bootstrap.servers': b,
    [`${alias}->B.enabled`]: 'true',
    [`${alias}->B.topics`]: topics,
    [`B->${alias}.emit.heartbeats.enabled`]: 'false',
    'replication.factor': '1',
    ...extra,
  });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config;
}

/** (b) The mirror, one flow from a fresh alias (so fresh remote topics and progress). */
async function mirrorRun(a: string, b: string, adminB: Admin, alias: string): Promise<Rate> {
  const mm = new MirrorMaker(mirrorConfig(alias, a, b, SOURCE), { log: createLogger({ level: 'error' }) });
  await mm.start();
  const rate = await watchRate(adminB, `${alias}.${SOURCE}`);
  await mm.stop();
  return rate;
}

/**
 * The mirror as its own process (as it runs in production: its event loop shared with nothing),
 * records written on A by this process at a steady rate, read back on B by this process.
 */
async function latencyRun(a: string, b: string, adminA: Admin): Promise<void> {
  const topic = 'bench-lat';
  await adminA.createTopics([{ name: topic, numPartitions: 3 }]);
  const mirror = await startMirror({
    clusters: 'L, B',
    'L.bootstrap.servers': a,
    'B.bootstrap.servers': b,
    'L->B.enabled': 'true',
    'L->B.topics': topic,
    'emit.heartbeats.enabled': 'false',
    'replication.factor': '1',
  });
  const e2e: number[] = [];
  const consumer = new Consumer({
    'bootstrap.servers': b,
    'auto.offset.reset': 'earliest',
    'fetch.max.wait.ms': 100,
  });
  const total = RATE * SECONDS;
  const warmupMs = 1000;
  const started = Date.now();
  let seen = 0;
  const reading = (async () => {
    await sleep(200);
    consumer.assign([0, 1, 2].map((partition) => ({ topic: `L.${topic}`, partition, offset: 0 })));
    for await (const batch of consumer.batches()) {
      const now = Date.now();
      for (const r of batch.records as ConsumerRecord[])
        if (r.timestamp - started >= warmupMs) e2e.push(now - r.timestamp);
      seen += batch.records.length;
      if (seen >= total) break;
    }
  })();
  const producer = new Producer({ 'bootstrap.servers': a });
  const value = Buffer.alloc(100, 'l');
  const tickMs = 10;
  for (let sent = 0, tick = 0; sent < total; tick++) {
    const due = started + tick * tickMs;
    if (due > Date.now()) await sleep(due - Date.now());
    const want = Math.min(total, Math.floor(((Date.now() - started) / 1000) * RATE));
    for (; sent < want; sent++)
      producer.send({ topic, partition: sent % 3, key: `k${sent}`, value }).catch(() => {});
  }
  await producer.flush();
  await Promise.race([reading, sleep(30_000)]);
  const status = (await (await fetch(`http://127.0.0.1:${mirror.metricsPort}/mirror/status`)).json()) as {
    flows: { enabled: boolean; latencyMs: { p50: number; p99: number; max: number } | null }[];
  };
  const q = status.flows.find((f) => f.enabled)?.latencyMs;
  await Promise.all([consumer.close(), producer.close()]);
  await mirror.stop();
  e2e.sort((x, y) => x - y);
  console.log(
    `latency at ${RATE} records/s for ${SECONDS} s, the mirror in its own process (${seen} of ${total} records read on B):\n` +
      `  replication-latency-ms (record timestamp to the target's ack)  p50 ${q?.p50.toFixed(1)}  p99 ${q?.p99.toFixed(1)}  max ${q?.max.toFixed(1)}  (goal p99 < 100)\n` +
      `  end to end (record timestamp to a consumer on B, after ${warmupMs} ms)  p50 ${quantile(e2e, 0.5)}  p99 ${quantile(e2e, 0.99)}  max ${e2e.at(-1)}  (load average ${loadavg()[0].toFixed(1)})`,
  );
}

async function throughput(a: string, b: string, adminA: Admin, adminB: Admin): Promise<void> {
  await adminA.createTopics([{ name: SOURCE, numPartitions: PARTITIONS }]);
  await preload(a);
  console.log(
    `throughput: ${N} records (100-byte values, keys, 2 headers) in ${PARTITIONS} partitions, A -> B`,
  );
  const loop: Rate[] = [];
  const lean: Rate[] = [];
  const mirror: Rate[] = [];
  const fmt = (r: Rate) => `${Math.round(r.perSec)} records/s (${r.cpuMsPer100k.toFixed(0)} CPU ms per 100k)`;
  await plainLoop(a, b, adminB, 'loop-warmup');
  await mirrorRun(a, b, adminB, 'W');
  for (let round = 0; round < ROUNDS; round++) {
    loop.push(await plainLoop(a, b, adminB, `loop-${round}`));
    mirror.push(await mirrorRun(a, b, adminB, `M${round}`));
    lean.push(await plainLoop(a, b, adminB, `lean-${round}`, true));
    console.log(
      `  round ${round + 1}: loop ${fmt(loop[round])}; mirror ${fmt(mirror[round])}; loop with callbacks ${fmt(lean[round])}`,
    );
  }
  const rate = (rs: Rate[]) => median(rs.map((r) => r.perSec));
  const cpu = (rs: Rate[]) => median(rs.map((r) => r.cpuMsPer100k));
  console.log(
    `  median: loop ${Math.round(rate(loop))} records/s, mirror ${Math.round(rate(mirror))} records/s: mirror/loop ${(rate(mirror) / rate(loop)).toFixed(2)} (goal >= 0.8)`,
  );
  console.log(
    `  against the loop with sendWithCallbacks (no promise per record, as the mirror sends): ${Math.round(rate(lean))} records/s, mirror/loop ${(rate(mirror) / rate(lean)).toFixed(2)}`,
  );
  console.log(
    `  median CPU per 100k records: loop ${cpu(loop).toFixed(0)} ms, loop with callbacks ${cpu(lean).toFixed(0)} ms, mirror ${cpu(mirror).toFixed(0)} ms  (load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores)`,
  );
}

async function main(): Promise<void> {
  const [brokerA, brokerB] = await Promise.all([startBrokerProcess(), startBrokerProcess()]);
  const adminA = new Admin({ 'bootstrap.servers': brokerA.bootstrap, 'allow.auto.create.topics': false });
  const adminB = new Admin({ 'bootstrap.servers': brokerB.bootstrap, 'allow.auto.create.topics': false });
  try {
    if (PARTS.includes('throughput')) await throughput(brokerA.bootstrap, brokerB.bootstrap, adminA, adminB);
    if (PARTS.includes('latency')) await latencyRun(brokerA.bootstrap, brokerB.bootstrap, adminA);
  } finally {
    await Promise.all([adminA.close(), adminB.close()]);
    await Promise.all([brokerA.stop(), brokerB.stop()]);
    removeDataDir(brokerA.dataDir);
    removeDataDir(brokerB.dataDir);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
