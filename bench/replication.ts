// npm run bench:replication — replication on real processes (three controllers and three brokers,
// started with kafka-server-start.sh), figures printed in one run against in-run baselines:
//   1. throughput: acks=all to a partition with replication factor 3 (min.insync.replicas=2) against
//      acks=1 to one with replication factor 1, same leader, one pipelined connection (5 requests in
//      flight, as a client's max.in.flight), batches of 500 records of 100 bytes; medians of
//      alternating rounds, and their ratio (Kafka's 2014 benchmark: 0.51; goal here at least 0.6);
//   2. acks=all produce latency at 5,000 records/s (a batch of 10 records every 2 ms), p50 and p99,
//      beside acks=1 with replication factor 1 at the same rate;
//   3. failover: SIGKILL of a partition's leader, time until the first acknowledged acks=all produce
//      on the new leader (a prober asks a surviving broker for metadata and produces as soon as a new
//      leader is named), p50 and p99 over 20 trials, with Kafka's default broker.session.timeout.ms
//      (9000) and broker.heartbeat.interval.ms (2000), then with 2000 and 500.
// SAMSA_BENCH_ROUNDS, SAMSA_BENCH_ROUND_MS and SAMSA_BENCH_FAILOVER_TRIALS shorten a run;
// SAMSA_BENCH_PARTS=throughput (or failover) runs one part only.
import { connect, type Socket } from 'node:net';
import { decodeResponseFrame, encodeRequestFrame } from '../src/protocol/frame.js';
import { FrameCutter } from '../src/protocol/frame-cutter.js';
import { buildBatch } from '../src/protocol/records/record.js';
import { ProcessCluster } from '../test/helpers/process-cluster.js';
import { processCpuMs } from './process-cpu.js';

const ROUNDS = Number(process.env.SAMSA_BENCH_ROUNDS ?? 3);
const ROUND_MS = Number(process.env.SAMSA_BENCH_ROUND_MS ?? 4000);
const TRIALS = Number(process.env.SAMSA_BENCH_FAILOVER_TRIALS ?? 20);
const PARTS = (process.env.SAMSA_BENCH_PARTS ?? 'throughput,failover').split(',');
const IN_FLIGHT = 5;
const BATCH_RECORDS = 500;
const RECORD_BYTES = 100;

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
const median = (xs: number[]) => percentile(xs, 50);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One connection with requests pipelined; responses come back in order. */
class Conn {
  private readonly cutter = new FrameCutter(1 << 30);
  private readonly waiters: ((frame: Buffer | null) => void)[] = [];
  private closed = false;
  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.cutter.push(d);
      for (let r = this.cutter.next(); r.kind === 'frame'; r = this.cutter.next())
        this.waiters.shift()?.(r.frame);
    });
    const fail = () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w(null);
    };
    socket.on('close', fail);
    socket.on('error', fail);
  }
  static open(port: number, timeoutMs = 2000): Promise<Conn | null> {
    return new Promise((resolve) => {
      const s = connect({ port, host: '127.0.0.1' }, () => resolve(new Conn(s)));
      s.once('error', () => resolve(null));
      s.setTimeout(timeoutMs, () => {
        s.destroy();
        resolve(null);
      });
    });
  }
  send(frame: Buffer): Promise<Buffer | null> {
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.socket.write(frame);
    });
  }
  // biome-ignore lint/suspicious/noExplicitAny: fields read one by one
  async request<T = any>(
    apiKey: number,
    version: number,
    body: unknown,
    timeoutMs = 10_000,
  ): Promise<T | null> {
    const frame = Buffer.concat(encodeRequestFrame(apiKey, version, 1, 'bench-replication', body));
    const r = await Promise.race([this.send(frame), sleep(timeoutMs).then(() => null)]);
    return r ? decodeResponseFrame<T>(apiKey, version, r).body : null;
  }
  close(): void {
    this.closed = true;
    this.socket.destroy();
  }
}

function produceFrame(
  topic: string,
  acks: number,
  records: number,
  recordBytes: number,
  timeoutMs = 30_000,
): Buffer {
  const value = Buffer.alloc(recordBytes, 120);
  const batch = buildBatch(Array.from({ length: records }, () => ({ key: null, value })));
  return Buffer.concat(
    encodeRequestFrame(0, 9, 1, 'bench-replication', {
      transactionalId: null,
      acks,
      timeoutMs,
      topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
    }),
  );
}

function produceError(frame: Buffer | null): number {
  if (!frame) return -1;
  return decodeResponseFrame<{ responses: { partitionResponses: { errorCode: number }[] }[] }>(0, 9, frame)
    .body.responses[0].partitionResponses[0].errorCode;
}

async function createTopic(
  conn: Conn,
  name: string,
  replicas: number[],
  configs: Record<string, string> = {},
) {
  const r = await conn.request(19, 7, {
    topics: [
      {
        name,
        numPartitions: -1,
        replicationFactor: -1,
        assignments: [{ partitionIndex: 0, brokerIds: replicas }],
        configs: Object.entries(configs).map(([k, v]) => ({ name: k, value: v })),
      },
    ],
    timeoutMs: 10_000,
    validateOnly: false,
  });
  if (!r || r.topics[0].errorCode !== 0) throw new Error(`create ${name}: ${JSON.stringify(r?.topics[0])}`);
}

/** Leader and ISR of partition 0 of a topic, as a broker sees it. */
async function partitionState(conn: Conn, topic: string): Promise<{ leader: number; isr: number[] } | null> {
  const r = await conn.request(
    3,
    12,
    {
      topics: [{ name: topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    },
    2000,
  );
  const p = r?.topics?.[0]?.partitions?.[0];
  return p ? { leader: p.leaderId, isr: p.isrNodes } : null;
}

async function waitFor<T>(
  probe: () => Promise<T | null>,
  ok: (v: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v !== null && ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(v)}`);
    await sleep(50);
  }
}

/** CPU milliseconds used so far by the brokers (by id) and by this process. */
function cpuNow(cluster: ProcessCluster): Map<string, number> {
  const out = new Map<string, number>();
  for (const id of cluster.brokerIds) {
    const pid = cluster.node(id).child?.pid;
    const ms = pid === undefined ? null : processCpuMs(pid);
    if (ms !== null) out.set(`broker ${id}`, ms);
  }
  const own = process.cpuUsage();
  out.set('client', (own.user + own.system) / 1000);
  return out;
}

/** CPU used per round, summed over rounds: where each mode's work goes (steadier than throughput). */
class CpuTally {
  readonly ms = new Map<string, number>();
  records = 0;
  private start = new Map<string, number>();
  constructor(private readonly cluster: ProcessCluster) {}
  begin(): void {
    this.start = cpuNow(this.cluster);
  }
  end(records: number): void {
    for (const [k, v] of cpuNow(this.cluster))
      this.ms.set(k, (this.ms.get(k) ?? 0) + v - (this.start.get(k) ?? v));
    this.records += records;
  }
  /** "broker 1 4.1, broker 2 0.0, ..., total 6.0" in CPU ms per 10,000 records. */
  line(): string {
    if (this.records === 0 || this.ms.size <= 1) return '';
    const per = (ms: number) => ((ms * 10_000) / this.records).toFixed(1);
    const parts = [...this.ms].map(([k, v]) => `${k} ${per(v)}`);
    const total = [...this.ms.values()].reduce((a, b) => a + b, 0);
    return `CPU ms per 10,000 records: ${parts.join(', ')}; total ${per(total)}`;
  }
}

/** Records acknowledged per second over one round, IN_FLIGHT requests outstanding. */
async function throughputRound(conn: Conn, frame: Buffer, cpu?: CpuTally): Promise<number> {
  cpu?.begin();
  let acked = 0;
  let failed = 0;
  const until = performance.now() + ROUND_MS;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < until) {
        const code = produceError(await conn.send(frame));
        if (code === 0) acked += BATCH_RECORDS;
        else failed++;
      }
    }),
  );
  if (failed > 0) console.error(`  (${failed} produce requests failed in the round)`);
  cpu?.end(acked);
  return acked / ((performance.now() - start) / 1000);
}

/** Latency of each request at a steady rate: a batch of `perBatch` records every `everyMs`. */
async function latencyAt(conn: Conn, frame: Buffer, everyMs: number, durationMs: number): Promise<number[]> {
  const out: number[] = [];
  const pending: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; performance.now() - start < durationMs; i++) {
    const due = start + i * everyMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const sent = performance.now();
    pending.push(
      conn.send(frame).then((r) => {
        if (produceError(r) === 0) out.push(performance.now() - sent);
      }),
    );
  }
  await Promise.all(pending);
  return out;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function throughputAndLatency(): Promise<void> {
  const cluster = await ProcessCluster.start({ controllers: 3, brokers: 3 });
  try {
    const conn = (await Conn.open(cluster.node(1).port)) as Conn;
    await createTopic(conn, 'rf1', [1]);
    await createTopic(conn, 'rf3', [1, 2, 3], { 'min.insync.replicas': '2' });
    await waitFor(
      () => partitionState(conn, 'rf3'),
      (s) => s.leader === 1 && s.isr.length === 3,
    );
    const rf1 = produceFrame('rf1', 1, BATCH_RECORDS, RECORD_BYTES);
    const rf3 = produceFrame('rf3', -1, BATCH_RECORDS, RECORD_BYTES);
    await throughputRound(conn, rf1); // warm-up
    await throughputRound(conn, rf3);
    const one: number[] = [];
    const all: number[] = [];
    const cpuOne = new CpuTally(cluster);
    const cpuAll = new CpuTally(cluster);
    for (let r = 0; r < ROUNDS; r++) {
      one.push(await throughputRound(conn, rf1, cpuOne));
      all.push(await throughputRound(conn, rf3, cpuAll));
    }
    const mb = (recs: number) => ((recs * RECORD_BYTES) / 1e6).toFixed(1);
    console.log(
      `throughput (one connection, ${IN_FLIGHT} requests in flight, ${BATCH_RECORDS}-record batches of ${RECORD_BYTES}-byte records; medians of ${ROUNDS} rounds of ${ROUND_MS} ms)`,
    );
    console.log(
      `  acks=1,   replication factor 1: ${fmt(median(one))} records/s (${mb(median(one))} MB/s of values)`,
    );
    console.log(
      `  acks=all, replication factor 3: ${fmt(median(all))} records/s (${mb(median(all))} MB/s of values)`,
    );
    console.log(
      `  ratio acks=all RF3 / acks=1 RF1: ${(median(all) / median(one)).toFixed(2)} (goal >= 0.6; Kafka's 2014 benchmark: 0.51)`,
    );
    if (cpuOne.line()) console.log(`  acks=1 RF1:   ${cpuOne.line()}\n  acks=all RF3: ${cpuAll.line()}`);
    const l1 = await latencyAt(conn, produceFrame('rf1', 1, 10, RECORD_BYTES), 2, 8000);
    const l3 = await latencyAt(conn, produceFrame('rf3', -1, 10, RECORD_BYTES), 2, 8000);
    console.log('produce latency at 5,000 records/s (a 10-record batch every 2 ms, 8 s)');
    console.log(
      `  acks=1,   replication factor 1: p50 ${percentile(l1, 50).toFixed(2)} ms, p99 ${percentile(l1, 99).toFixed(2)} ms (${l1.length} batches)`,
    );
    console.log(
      `  acks=all, replication factor 3: p50 ${percentile(l3, 50).toFixed(2)} ms, p99 ${percentile(l3, 99).toFixed(2)} ms (${l3.length} batches; goal p99 < 10 ms)`,
    );
    conn.close();
  } finally {
    await cluster.close();
  }
}

/**
 * One failover: the current leader of `topic` is SIGKILLed; the prober asks the surviving brokers for
 * the partition's leader and produces acks=all to it until one is acknowledged. Returns milliseconds.
 */
async function failoverTrial(cluster: ProcessCluster, topic: string): Promise<number> {
  const ids = cluster.brokerIds;
  const any = (await Conn.open(cluster.node(ids[0]).port)) as Conn;
  const state = await waitFor(
    () => partitionState(any, topic),
    (s) => s.leader > 0 && s.isr.length === 3,
  );
  any.close();
  const victim = state.leader;
  const survivors = ids.filter((n) => n !== victim);
  const meta = (await Conn.open(cluster.node(survivors[0]).port)) as Conn;
  const frame = produceFrame(topic, -1, 1, RECORD_BYTES, 5000);
  const killedAt = performance.now();
  await cluster.kill(victim);
  let ms = -1;
  while (ms < 0) {
    const s = await partitionState(meta, topic);
    if (s && s.leader > 0 && s.leader !== victim) {
      const conn = await Conn.open(cluster.node(s.leader).port);
      if (conn) {
        const code = produceError(await conn.send(frame));
        conn.close();
        if (code === 0) ms = performance.now() - killedAt;
      }
    }
    if (ms < 0) await sleep(5);
    if (performance.now() - killedAt > 120_000) throw new Error('no failover within 2 minutes');
  }
  meta.close();
  await cluster.restart(victim);
  return ms;
}

async function failover(label: string, configs: Record<string, string>): Promise<void> {
  const cluster = await ProcessCluster.start({ controllers: 3, brokers: 3, configs });
  try {
    const conn = (await Conn.open(cluster.node(1).port)) as Conn;
    await createTopic(conn, 'failover', [1, 2, 3], { 'min.insync.replicas': '2' });
    conn.close();
    const times: number[] = [];
    for (let t = 0; t < TRIALS; t++) times.push(await failoverTrial(cluster, 'failover'));
    console.log(
      `failover after SIGKILL of a leader (${label}), ${TRIALS} trials: p50 ${fmt(percentile(times, 50))} ms, p99 ${fmt(percentile(times, 99))} ms (min ${fmt(Math.min(...times))}, max ${fmt(Math.max(...times))})`,
    );
  } finally {
    await cluster.close();
  }
}

async function main(): Promise<void> {
  console.log('bench:replication — three controller processes and three broker processes on this machine');
  if (PARTS.includes('throughput')) await throughputAndLatency();
  if (!PARTS.includes('failover')) return;
  await failover("Kafka's defaults: broker.session.timeout.ms=9000, broker.heartbeat.interval.ms=2000", {});
  await failover('broker.session.timeout.ms=2000, broker.heartbeat.interval.ms=500; goal p99 < 3 s', {
    'broker.session.timeout.ms': '2000',
    'broker.heartbeat.interval.ms': '500',
  });
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
