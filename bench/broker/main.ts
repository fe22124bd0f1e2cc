// npm run bench:broker — a Samsa broker process under load from a lean pipelined client on the same
// machine, each figure printed beside an in-run ceiling (a minimal Node.js process that receives the
// same bytes over loopback and appends them to a file). Medians over several rounds; the machine is
// shared, so compare the ratios, not the absolute figures.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeResponseFrame, encodeRequestFrame } from '../../src/protocol/frame.js';
import { buildBatch } from '../../src/protocol/records/record.js';
import {
  brokerBin,
  brokerNodeArgs,
  createTopic,
  fetchFrame,
  line,
  median,
  Pipe,
  percentile,
  produceFrame,
  root,
  spawnReady,
  stop,
} from './common.js';
import { kcatPart } from './kcat.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROUND_MS = Number(process.env.SAMSA_BENCH_ROUND_MS ?? 2000);
const ROUNDS = Number(process.env.SAMSA_BENCH_ROUNDS ?? 3);
const STARTUP_RUNS = 7;

interface ProduceFigures {
  mbPerSec: number;
  recordsPerSec: number;
}

async function produceRounds(
  port: number,
  frame: Buffer,
  batchBytes: number,
  records: number,
  broker = true,
): Promise<ProduceFigures> {
  const pipe = await Pipe.open(port);
  if (broker) {
    const first = decodeResponseFrame<{ responses: { partitionResponses: { errorCode: number }[] }[] }>(
      0,
      9,
      await pipe.request(frame),
    ).body;
    const code = first.responses[0].partitionResponses[0].errorCode;
    if (code !== 0) throw new Error(`produce answered error ${code}`);
  }
  await pipe.flood(frame, 8, 300);
  const rates: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    const n = await pipe.flood(frame, 8, ROUND_MS);
    rates.push(n / ((performance.now() - t0) / 1000));
  }
  pipe.close();
  const perSec = median(rates);
  return { mbPerSec: (perSec * batchBytes) / 1e6, recordsPerSec: perSec * records };
}

function records(count: number, valueBytes: number) {
  return Array.from({ length: count }, (_, i) => ({ key: null, value: Buffer.alloc(valueBytes, i % 251) }));
}

/**
 * A consumer reading the backlog of `topic` from the start, one 8 MiB fetch at a time (as a Kafka
 * consumer has one fetch in flight per broker), over again from offset 0 when it reaches the end.
 * Every fetch is decoded and its batches walked, as a client would; that client cost is the same
 * for the ceiling's consumer, which reads the ceiling's file sequentially in 8 MiB slices.
 */
class BacklogReader {
  private offset = 0;
  private constructor(
    private readonly pipe: Pipe,
    private readonly topic: string,
  ) {}
  static async open(port: number, topic: string): Promise<BacklogReader> {
    return new BacklogReader(await Pipe.open(port), topic);
  }
  /** Bytes of records per second over `ms`. */
  async round(ms: number): Promise<number> {
    let bytes = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
      bytes += await this.pipe.view(fetchFrame(this.topic, this.offset, 8 << 20), (f) => this.take(f));
    }
    return bytes / ((performance.now() - t0) / 1000) / 1e6;
  }
  /** Walks the batches of one response; returns its record bytes. */
  private take(frame: Buffer): number {
    const res = decodeResponseFrame<{ responses: { partitions: { records: Buffer | null }[] }[] }>(
      1,
      11,
      frame,
    ).body;
    const got = res.responses[0].partitions[0].records;
    if (!got || got.length === 0) {
      this.offset = 0;
      return 0;
    }
    // Jump to the end of the last whole batch returned.
    let pos = 0;
    while (pos + 61 <= got.length) {
      const size = got.readInt32BE(pos + 8) + 12;
      if (pos + size > got.length) break;
      this.offset = Number(got.readBigInt64BE(pos)) + got.readInt32BE(pos + 23) + 1;
      pos += size;
    }
    return got.length;
  }
  close(): void {
    this.pipe.close();
  }
}

async function ceilingConsumeRound(pipe: Pipe, ms: number): Promise<number> {
  const req = Buffer.alloc(20);
  req.writeInt32BE(16, 0);
  req.writeInt16BE(1, 4);
  req.writeInt32BE(8 << 20, 12);
  let bytes = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) bytes += await pipe.view(req, (frame) => frame.length - 4);
  return bytes / ((performance.now() - t0) / 1000) / 1e6;
}

/** Consume rounds alternating with ceiling rounds, so both see the same machine load; medians. */
async function consumePart(brokerPort: number, ceilingPort: number): Promise<void> {
  const reader = await BacklogReader.open(brokerPort, 'kib');
  const ceilingPipe = await Pipe.open(ceilingPort);
  await reader.round(300);
  await ceilingConsumeRound(ceilingPipe, 300);
  const rates: number[] = [];
  const ceilings: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    rates.push(await reader.round(ROUND_MS));
    ceilings.push(await ceilingConsumeRound(ceilingPipe, ROUND_MS));
  }
  reader.close();
  ceilingPipe.close();
  const consume = median(rates);
  const ceiling = median(ceilings);
  line(
    'consume, 1 KiB records, 8 MiB fetches',
    `${consume.toFixed(0)} MB/s`,
    `${ceiling.toFixed(0)} MB/s`,
    `${((consume / ceiling) * 100).toFixed(0)}% of ceiling (target >= 70% and >= 1000 MB/s)`,
  );
}

/**
 * Produce-to-consume latency at a steady 5,000 records/s, one record per request. The first
 * `warmupSeconds` are not counted: a cold process (JIT, first allocations) falls behind at first and
 * the backlog it builds would be measured instead of the broker.
 */
async function latency(port: number, topic: string, seconds: number, warmupSeconds = 1.5): Promise<number[]> {
  const producer = await Pipe.open(port);
  const consumer = await Pipe.open(port);
  const latencies: number[] = [];
  let running = true;
  const consume = async () => {
    let offset = 0;
    while (running) {
      const frame = await consumer.request(fetchFrame(topic, offset, 1 << 20, 200, 1));
      const now = performance.now();
      const got = decodeResponseFrame<{ responses: { partitions: { records: Buffer | null }[] }[] }>(
        1,
        11,
        frame,
      ).body.responses[0].partitions[0].records;
      let pos = 0;
      while (got && pos + 61 <= got.length) {
        const size = got.readInt32BE(pos + 8) + 12;
        if (pos + size > got.length) break;
        // The record value holds the send time (its last 8 bytes, a float64).
        const sentAt = got.readDoubleBE(pos + size - 9);
        if (sentAt >= measureFrom) latencies.push(now - sentAt);
        offset = Number(got.readBigInt64BE(pos)) + 1;
        pos += size;
      }
    }
  };
  const measureFrom = performance.now() + warmupSeconds * 1000;
  const consuming = consume();
  const perMs = 5;
  seconds += warmupSeconds;
  const end = performance.now() + seconds * 1000;
  let sent = 0;
  while (performance.now() < end) {
    const due = Math.floor((seconds * 1000 - (end - performance.now())) * perMs);
    while (sent < due) {
      const value = Buffer.alloc(8);
      value.writeDoubleBE(performance.now());
      const frame = produceFrame(topic, buildBatch([{ value }], { timestampMs: 1 }));
      void producer.request(frame);
      sent++;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await new Promise((r) => setTimeout(r, 300));
  running = false;
  await consuming;
  producer.close();
  consumer.close();
  return latencies;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function startup(): Promise<{ brokerMs: number; nodeMs: number; rss: number }> {
  // Bare node and the broker take turns, so both see the same machine load.
  const bare: number[] = [];
  const times: number[] = [];
  let rss = 0;
  for (let i = 0; i < STARTUP_RUNS; i++) {
    const b0 = performance.now();
    await new Promise((r) => spawn(process.execPath, ['-e', '0']).once('exit', r));
    bare.push(performance.now() - b0);
    const dir = mkdtempSync(join(tmpdir(), 'samsa-bench-start-'));
    const port = 29_000 + Math.floor(Math.random() * 1000);
    const t0 = performance.now();
    const child = spawn(
      process.execPath,
      [
        ...brokerNodeArgs(),
        join(root, 'dist/bin/samsa.mjs'),
        'server',
        'start',
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
        '--data-dir',
        dir,
        '--metrics-port',
        '0',
      ],
      { stdio: 'ignore' },
    );
    const batch = buildBatch([{ value: 'first' }], { timestampMs: 1 });
    for (;;) {
      try {
        const pipe = await Pipe.open(port);
        const meta = {
          topics: [{ name: 'first', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
          allowAutoTopicCreation: true,
          includeTopicAuthorizedOperations: false,
        };
        await pipe.request(Buffer.concat(encodeRequestFrame(3, 12, 1, 'bench', meta)));
        const res = decodeResponseFrame<{ responses: { partitionResponses: { errorCode: number }[] }[] }>(
          0,
          9,
          await pipe.request(produceFrame('first', batch)),
        ).body;
        pipe.close();
        if (res.responses[0].partitionResponses[0].errorCode === 0) break;
      } catch {
        await new Promise((r) => setTimeout(r, 1));
      }
    }
    times.push(performance.now() - t0);
    if (i === 0) {
      await new Promise((r) => setTimeout(r, 2000));
      rss = rssMb(child.pid as number);
    }
    await stop(child);
    rmSync(dir, { recursive: true, force: true });
  }
  return { brokerMs: median(times), nodeMs: median(bare), rss };
}

/** `node dist/bench/broker/main.js latency startup` runs only those parts. */
const ONLY = new Set(process.argv.slice(2));
const wants = (part: string) => ONLY.size === 0 || ONLY.has(part);

async function main(): Promise<void> {
  console.log(
    `bench:broker (node ${process.version}, ${ROUNDS} rounds of ${ROUND_MS} ms, medians; load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores)\n`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'samsa-bench-broker-'));
  const ceilingFile = join(dir, 'ceiling.bin');
  const broker = await spawnReady(
    [
      ...brokerNodeArgs(),
      brokerBin(),
      'server',
      'start',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--data-dir',
      join(dir, 'data'),
      '--metrics-port',
      '0',
    ],
    /ready on \w+:\/\/[^:]+:(\d+)/,
  );
  const ceiling = await spawnReady([join(here, 'ceiling-server.js'), ceilingFile], /ceiling ready (\d+)/);
  try {
    const admin = await Pipe.open(broker.port);
    for (const t of ['kib', 'small', 'latency']) await createTopic(admin, t);
    admin.close();
    // kcat first: it sets the broker, which writes what kcat sends, against the C mock, which keeps
    // nothing, and on this kind of virtual machine each gigabyte written costs several times the CPU of
    // the first one for a while (1 GB with dd: 0.4-0.55 s of system time, then 3.7-4.4 s for each of the
    // next ones); after the produce part's gigabytes only the broker's side would pay for that.
    if (wants('kcat')) await kcatPart(broker.port, broker.child.pid as number, dir, ROUNDS);
    if (wants('produce')) await producePart(broker.port, ceiling.port);
    // Consuming reads what the produce part wrote to 'kib'.
    if (wants('consume') && wants('produce')) await consumePart(broker.port, ceiling.port);
    if (wants('latency')) {
      const lat = await latency(broker.port, 'latency', 3);
      line(
        'produce-to-consume latency at 5,000 rec/s',
        `p50 ${percentile(lat, 50).toFixed(2)} ms`,
        '',
        `p99 ${percentile(lat, 99).toFixed(2)} ms (target <= 5 ms), ${lat.length} records`,
      );
    }
  } finally {
    await stop(broker.child);
    await stop(ceiling.child);
    rmSync(dir, { recursive: true, force: true });
  }
  if (wants('startup')) {
    const s = await startup();
    line(
      'start to first accepted produce',
      `${s.brokerMs.toFixed(0)} ms`,
      `node -e 0 ${s.nodeMs.toFixed(0)} ms`,
      `+${(s.brokerMs - s.nodeMs).toFixed(0)} ms over bare node (target <= 150 ms)`,
    );
    line('idle RSS (2 s after the first produce)', `${s.rss.toFixed(1)} MB`, '', 'target <= 80 MB');
  }
  console.log(
    `\nNODE_EXTRA_CA_CERTS is ${process.env.NODE_EXTRA_CA_CERTS ? 'set' : 'not set'} (it adds ~85 ms to every node start here).`,
  );
}

async function producePart(brokerPort: number, ceilingPort: number): Promise<void> {
  {
    const kibBatch = buildBatch(records(1024, 1024), { timestampMs: 1 });
    const kib = await produceRounds(brokerPort, produceFrame('kib', kibBatch), kibBatch.length, 1024);
    const kibCeiling = await produceRounds(
      ceilingPort,
      produceFrame('kib', kibBatch),
      kibBatch.length,
      1024,
      false,
    );
    const ratio = kib.mbPerSec / kibCeiling.mbPerSec;
    line(
      'produce, 1 KiB records, 1 MiB batches, acks=1',
      `${kib.mbPerSec.toFixed(0)} MB/s`,
      `${kibCeiling.mbPerSec.toFixed(0)} MB/s`,
      `${(ratio * 100).toFixed(0)}% of ceiling (target >= 70%)`,
    );
    const smallBatch = buildBatch(records(9000, 100), { timestampMs: 1 });
    const small = await produceRounds(brokerPort, produceFrame('small', smallBatch), smallBatch.length, 9000);
    const smallCeiling = await produceRounds(
      ceilingPort,
      produceFrame('small', smallBatch),
      smallBatch.length,
      9000,
      false,
    );
    line(
      'produce, 100-byte records, ~1 MiB batches',
      `${(small.recordsPerSec / 1e6).toFixed(2)} M rec/s`,
      `${(smallCeiling.recordsPerSec / 1e6).toFixed(2)} M rec/s`,
      `${((small.recordsPerSec / smallCeiling.recordsPerSec) * 100).toFixed(0)}% (target >= 2.00 M rec/s)`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
