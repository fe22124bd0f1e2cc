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

/**
 * A lean client that keeps requests outstanding on one connection. A response that spans several
 * socket reads is assembled in one receive buffer reused from response to response (as a C client
 * reads into its own buffer), so the measuring client adds no allocation per fetch to what it
 * measures; `view` hands that frame to a callback while it is valid.
 */
class Pipe {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private assembly = Buffer.alloc(0);
  private waiters: ((frame: Buffer, reused: boolean) => void)[] = [];
  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.buffered += d.length;
      this.cut();
    });
  }
  private cut(): void {
    while (this.buffered >= 4) {
      const first = this.chunks[0];
      const size = (first.length >= 4 ? first : Buffer.concat(this.chunks)).readInt32BE(0);
      if (this.buffered < 4 + size) return;
      if (first.length >= 4 + size) {
        const frame = first.subarray(4, 4 + size);
        if (first.length === 4 + size) this.chunks.shift();
        else this.chunks[0] = first.subarray(4 + size);
        this.buffered -= 4 + size;
        this.waiters.shift()?.(frame, false);
        continue;
      }
      if (this.assembly.length < size) this.assembly = Buffer.allocUnsafe(size);
      let skip = 4;
      let filled = 0;
      while (filled < size) {
        const c = this.chunks[0];
        const n = Math.min(c.length - skip, size - filled);
        c.copy(this.assembly, filled, skip, skip + n);
        filled += n;
        if (skip + n === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(skip + n);
        skip = 0;
      }
      this.buffered -= 4 + size;
      this.waiters.shift()?.(this.assembly.subarray(0, size), true);
    }
  }
  static open(port: number): Promise<Pipe> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1' }, () => resolve(new Pipe(s)));
      s.once('error', reject);
    });
  }
  /** The response, in a buffer of its own. */
  request(bytes: Buffer): Promise<Buffer> {
    return new Promise((resolve) => {
      this.waiters.push((frame, reused) => resolve(reused ? Buffer.from(frame) : frame));
      this.socket.write(bytes);
    });
  }
  /** Runs `use` on the response while its bytes are valid (they may be overwritten afterwards). */
  view<T>(bytes: Buffer, use: (frame: Buffer) => T): Promise<T> {
    return new Promise((resolve) => {
      this.waiters.push((frame) => resolve(use(frame)));
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

function fetchFrame(topic: string, offset: number, maxBytes: number, maxWaitMs = 0, minBytes = 0): Buffer {
  const body = {
    replicaId: -1,
    maxWaitMs,
    minBytes,
    maxBytes,
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
            partitionMaxBytes: maxBytes,
            currentLeaderEpoch: -1,
            logStartOffset: -1,
          },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  };
  return Buffer.concat(encodeRequestFrame(1, 11, 1, 'bench', body));
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

/** The broker to measure: `SAMSA_BENCH_BROKER_BIN` names another build (to compare two in one sitting). */
function brokerBin(): string {
  return process.env.SAMSA_BENCH_BROKER_BIN ?? join(root, 'dist/bin/samsa.mjs');
}

/** Extra node flags for the broker process (`SAMSA_BENCH_BROKER_NODE_ARGS='--cpu-prof'` to profile it). */
function brokerNodeArgs(): string[] {
  return (process.env.SAMSA_BENCH_BROKER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
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
