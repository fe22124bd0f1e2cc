// npm run bench:broker — a Samsa broker process under load from a lean pipelined client on the same
// machine, each figure printed beside an in-run ceiling (a minimal Node.js process that receives the
// same bytes over loopback and appends them to a file). Medians over several rounds; the machine is
// shared, so compare the ratios, not the absolute figures.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeResponseFrame, encodeRequestFrame } from '../../src/protocol/frame.js';
import { FrameCutter } from '../../src/protocol/frame-cutter.js';
import { buildBatch } from '../../src/protocol/records/record.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const ROUND_MS = Number(process.env.SAMSA_BENCH_ROUND_MS ?? 2000);
const ROUNDS = Number(process.env.SAMSA_BENCH_ROUNDS ?? 3);
const STARTUP_RUNS = 7;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function spawnReady(
  args: string[],
  pattern: RegExp,
): Promise<{ child: ChildProcess; port: number; spawnedAt: number }> {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
  });
  return { child, port, spawnedAt };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (child.exitCode !== null) return r();
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });
}

/** A client that keeps `inflight` requests outstanding on one connection. */
class Pipe {
  private readonly cutter = new FrameCutter(1 << 30);
  private waiters: ((frame: Buffer) => void)[] = [];
  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.cutter.push(d);
      for (let r = this.cutter.next(); r.kind === 'frame'; r = this.cutter.next())
        this.waiters.shift()?.(r.frame);
    });
  }
  static open(port: number): Promise<Pipe> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1' }, () => resolve(new Pipe(s)));
      s.once('error', reject);
    });
  }
  request(bytes: Buffer): Promise<Buffer> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.socket.write(bytes);
    });
  }
  /** Sends `frame` over and over with `inflight` outstanding for `ms`; returns answers received. */
  async flood(frame: Buffer, inflight: number, ms: number): Promise<number> {
    let answered = 0;
    const end = performance.now() + ms;
    const lane = async () => {
      while (performance.now() < end) {
        await this.request(frame);
        answered++;
      }
    };
    await Promise.all(Array.from({ length: inflight }, lane));
    return answered;
  }
  close(): void {
    this.socket.destroy();
  }
}

function produceFrame(topic: string, batch: Buffer): Buffer {
  const body = {
    transactionalId: null,
    acks: 1,
    timeoutMs: 30000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
  };
  return Buffer.concat(encodeRequestFrame(0, 9, 1, 'bench', body));
}

async function createTopic(pipe: Pipe, name: string): Promise<void> {
  const configs = [{ name: 'max.message.bytes', value: String(8 << 20) }];
  const body = {
    topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs }],
    timeoutMs: 10000,
    validateOnly: false,
  };
  const res = decodeResponseFrame<{ topics: { errorCode: number; errorMessage: string | null }[] }>(
    19,
    7,
    await pipe.request(Buffer.concat(encodeRequestFrame(19, 7, 1, 'bench', body))),
  ).body;
  if (res.topics[0].errorCode !== 0)
    throw new Error(`CreateTopics ${name}: ${res.topics[0].errorCode} ${res.topics[0].errorMessage}`);
}

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

async function consumeRate(port: number, topic: string): Promise<number> {
  const pipe = await Pipe.open(port);
  let offset = 0;
  let bytes = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ROUND_MS * 2) {
    const body = {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 8 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic,
          partitions: [
            {
              partition: 0,
              fetchOffset: offset,
              partitionMaxBytes: 8 << 20,
              currentLeaderEpoch: -1,
              logStartOffset: -1,
            },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    };
    const frame = await pipe.request(Buffer.concat(encodeRequestFrame(1, 11, 1, 'bench', body)));
    const res = decodeResponseFrame<{
      responses: { partitions: { records: Buffer | null; highWatermark: number }[] }[];
    }>(1, 11, frame).body;
    const part = res.responses[0].partitions[0];
    const got = part.records;
    if (!got || got.length === 0) break;
    bytes += got.length;
    // Jump to the end of the last whole batch returned.
    let pos = 0;
    let last = offset;
    while (pos + 61 <= got.length) {
      const size = got.readInt32BE(pos + 8) + 12;
      if (pos + size > got.length) break;
      last = Number(got.readBigInt64BE(pos)) + got.readInt32BE(pos + 23) + 1;
      pos += size;
    }
    offset = last;
  }
  const secs = (performance.now() - t0) / 1000;
  pipe.close();
  return bytes / secs / 1e6;
}

async function ceilingConsumeRate(port: number): Promise<number> {
  const pipe = await Pipe.open(port);
  const req = Buffer.alloc(20);
  req.writeInt32BE(16, 0);
  req.writeInt16BE(1, 4);
  req.writeInt32BE(8 << 20, 12);
  let bytes = 0;
  const t0 = performance.now();
  let i = 0;
  while (performance.now() - t0 < ROUND_MS) {
    req.writeInt32BE((i++ * 7919) & 0x3fffffff, 16);
    bytes += (await pipe.request(req)).length;
  }
  pipe.close();
  return bytes / ((performance.now() - t0) / 1000) / 1e6;
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
      const body = {
        replicaId: -1,
        maxWaitMs: 200,
        minBytes: 1,
        maxBytes: 1 << 20,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic,
            partitions: [
              {
                partition: 0,
                fetchOffset: offset,
                partitionMaxBytes: 1 << 20,
                currentLeaderEpoch: -1,
                logStartOffset: -1,
              },
            ],
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      };
      const frame = await consumer.request(Buffer.concat(encodeRequestFrame(1, 11, 1, 'bench', body)));
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

function line(label: string, value: string, ceiling: string, verdict: string): void {
  console.log(`${label.padEnd(44)} ${value.padStart(16)}   ceiling ${ceiling.padStart(16)}   ${verdict}`);
}

/** `node dist/bench/broker/main.js latency startup` runs only those parts. */
const ONLY = new Set(process.argv.slice(2));
const wants = (part: string) => ONLY.size === 0 || ONLY.has(part);

async function main(): Promise<void> {
  console.log(`bench:broker (node ${process.version}, ${ROUNDS} rounds of ${ROUND_MS} ms, medians)\n`);
  const dir = mkdtempSync(join(tmpdir(), 'samsa-bench-broker-'));
  const ceilingFile = join(dir, 'ceiling.bin');
  const broker = await spawnReady(
    [
      join(root, 'dist/bin/samsa.mjs'),
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
    if (wants('produce')) await producePart(broker.port, ceiling.port);
    // Consuming reads what the produce part wrote to 'kib'.
    if (wants('consume') && wants('produce')) {
      const consume = await consumeRate(broker.port, 'kib');
      const consumeCeiling = await ceilingConsumeRate(ceiling.port);
      line(
        'consume, 1 KiB records, 8 MiB fetches',
        `${consume.toFixed(0)} MB/s`,
        `${consumeCeiling.toFixed(0)} MB/s`,
        `${((consume / consumeCeiling) * 100).toFixed(0)}% of ceiling`,
      );
    }
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
