// npm run bench:metrics — what metrics cost on the produce path, metrics on against metrics off in
// the same run. Three broker processes run side by side, as `samsa server start` runs them:
//   off:   --metrics-port 0 (no request timing, no process monitors, no endpoint);
//   on:    metrics on, scraped every second for the whole run (Prometheus usually scrapes every 15 s),
//          with a consumer group committed on the topic so every scrape also computes lag;
//   again: off once more — how far two identical brokers drift apart is the noise of the run.
// A pipelined client produces to one broker at a time, in rotating rounds. Figures are medians over the
// rounds: throughput, and the broker's CPU time per request (from /proc), which moves less with the
// neighbours' load on this shared machine than throughput does. Modes are never switched inside a
// process: turning the process monitors on and off again is itself costly and would not measure what a
// broker pays.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RequestStats } from '../src/broker/metrics/request-stats.js';
import { decodeResponseFrame, encodeRequestFrame } from '../src/protocol/frame.js';
import { FrameCutter } from '../src/protocol/frame-cutter.js';
import { buildBatch } from '../src/protocol/records/record.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const ROUND_MS = Number(process.env.SAMSA_BENCH_ROUND_MS ?? 1000);
const ROUNDS = Number(process.env.SAMSA_BENCH_ROUNDS ?? 12);
const SCRAPE_EVERY_MS = 1000;
/** Clock ticks per second of /proc/<pid>/stat times (getconf CLK_TCK: 100 on Linux). */
const TICKS_PER_SEC = 100;
const TOPIC = 'bench';

type Mode = 'off' | 'on' | 'again';
const MODES: Mode[] = ['off', 'on', 'again'];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** CPU time (user + system) a process has used, in ms. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SEC;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

interface Broker {
  child: ChildProcess;
  port: number;
  dir: string;
}

async function startBroker(metricsPort: number): Promise<Broker> {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-bench-metrics-'));
  const args = [join(root, 'dist/bin/samsa.mjs'), 'server', 'start', '--port', '0', '--host', '127.0.0.1'];
  args.push('--data-dir', dir, '--metrics-port', String(metricsPort), '--override', 'log.level=warn');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready on \w+:\/\/[^:]+:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`broker exited with ${code}: ${out}`)));
  });
  return { child, port, dir };
}

function stopBroker(b: Broker): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      rmSync(b.dir, { recursive: true, force: true });
      resolve();
    };
    if (b.child.exitCode !== null) return done();
    b.child.once('exit', done);
    b.child.kill('SIGTERM');
  });
}

/** One connection keeping `inflight` requests outstanding. */
class Pipe {
  private readonly cutter = new FrameCutter(1 << 30);
  private readonly waiters: ((frame: Buffer) => void)[] = [];
  private correlation = 1;

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

  frame(apiKey: number, version: number, body: unknown): Buffer {
    return Buffer.concat(encodeRequestFrame(apiKey, version, this.correlation++, 'bench-metrics', body));
  }

  request(bytes: Buffer): Promise<Buffer> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.socket.write(bytes);
    });
  }

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

/** Creates the topic and commits a group's offset on it (so that scrapes compute lag). */
async function prepare(pipe: Pipe): Promise<void> {
  const created = decodeResponseFrame<{ topics: { errorCode: number }[] }>(
    19,
    7,
    await pipe.request(
      pipe.frame(19, 7, {
        topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 10_000,
        validateOnly: false,
      }),
    ),
  ).body;
  if (created.topics[0].errorCode !== 0) throw new Error(`CreateTopics: ${created.topics[0].errorCode}`);
  await pipe.request(pipe.frame(10, 3, { key: 'bench-group', keyType: 0 }));
  for (let attempt = 0; attempt < 200; attempt++) {
    const commit = pipe.frame(8, 2, {
      groupId: 'bench-group',
      generationIdOrMemberEpoch: -1,
      memberId: '',
      retentionTimeMs: -1,
      topics: [
        { name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 0, committedMetadata: null }] },
      ],
    });
    const r = decodeResponseFrame<{ topics: { partitions: { errorCode: number }[] }[] }>(
      8,
      2,
      await pipe.request(commit),
    ).body;
    if (r.topics[0].partitions[0].errorCode === 0) return;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error('the group coordinator did not load');
}

function produceFrame(pipe: Pipe, batch: Buffer): Buffer {
  return pipe.frame(0, 9, {
    transactionalId: null,
    acks: 1,
    timeoutMs: 30_000,
    topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: batch }] }],
  });
}

/** What metrics add to one produce request, measured alone: a clock read and recording the request. */
function recordCostNs(): number {
  const stats = new RequestStats([0]);
  const response = {
    responses: [
      { name: 't', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 0, recordErrors: [] }] },
    ],
  };
  const costs: number[] = [];
  for (let round = 0; round < 5; round++) {
    const n = 1_000_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const nowMs = performance.now();
      stats.record(0, 9, null, response, nowMs - t0, nowMs);
    }
    costs.push(((performance.now() - t0) * 1e6) / n);
  }
  return median(costs);
}

interface Workload {
  label: string;
  batch: Buffer;
  records: number;
  inflight: number;
}

async function compare(w: Workload, brokers: Record<Mode, Broker>, pipes: Record<Mode, Pipe>): Promise<void> {
  const frames = {
    off: produceFrame(pipes.off, w.batch),
    on: produceFrame(pipes.on, w.batch),
    again: produceFrame(pipes.again, w.batch),
  };
  for (const mode of MODES) await pipes[mode].flood(frames[mode], w.inflight, 500);
  const rates: Record<Mode, number[]> = { off: [], on: [], again: [] };
  const cpu: Record<Mode, number[]> = { off: [], on: [], again: [] };
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate which broker goes first, so a drift in the machine's load hits all alike.
    const order = [...MODES.slice(round % 3), ...MODES.slice(0, round % 3)];
    for (const mode of order) {
      const pid = brokers[mode].child.pid as number;
      const cpu0 = cpuMs(pid);
      const t0 = performance.now();
      const n = await pipes[mode].flood(frames[mode], w.inflight, ROUND_MS);
      rates[mode].push(n / ((performance.now() - t0) / 1000));
      cpu[mode].push(((cpuMs(pid) - cpu0) * 1000) / n);
    }
  }
  const fmt = (perSec: number) =>
    `${((perSec * w.batch.length) / 1e6).toFixed(1).padStart(6)} MB/s ${((perSec * w.records) / 1e3).toFixed(0).padStart(4)} K records/s`;
  const pct = (ratio: number) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;
  const compared = (a: Mode, b: Mode) =>
    `throughput ${pct(median(rates[a]) / median(rates[b]))} (medians), ` +
    `${pct(median(rates[a].map((r, i) => r / rates[b][i])))} (paired rounds); ` +
    `broker CPU per request ${pct(median(cpu[a]) / median(cpu[b]))}`;
  console.log(w.label);
  for (const mode of ['off', 'on'] as const)
    console.log(
      `  metrics ${mode.padEnd(3)}  ${fmt(median(rates[mode]))}  ${median(cpu[mode]).toFixed(1).padStart(5)} µs broker CPU per request`,
    );
  console.log(`  on vs off        ${compared('on', 'off')}`);
  console.log(`  off vs off again ${compared('again', 'off')}   <- the noise of this run`);
}

async function main(): Promise<void> {
  console.log(
    `bench:metrics (node ${process.version}; ${ROUNDS} rounds of ${ROUND_MS} ms per broker, in rotation; medians;` +
      ` the "on" broker is scraped every ${SCRAPE_EVERY_MS} ms)\n`,
  );
  const metricsPort = await freePort();
  const brokers: Record<Mode, Broker> = {
    off: await startBroker(0),
    on: await startBroker(metricsPort),
    again: await startBroker(0),
  };
  const url = `http://127.0.0.1:${metricsPort}/metrics`;
  const scrapeMs: number[] = [];
  let size = 0;
  const timer = setInterval(async () => {
    const t0 = performance.now();
    const text = await (await fetch(url)).text();
    scrapeMs.push(performance.now() - t0);
    size = text.length;
  }, SCRAPE_EVERY_MS);
  try {
    const pipes = {
      off: await Pipe.open(brokers.off.port),
      on: await Pipe.open(brokers.on.port),
      again: await Pipe.open(brokers.again.port),
    };
    for (const mode of MODES) await prepare(pipes[mode]);
    const kib = Array.from({ length: 16 }, (_, i) => ({ value: Buffer.alloc(1024, i) }));
    await compare(
      {
        label: 'one 100-byte record per request, 32 in flight',
        batch: buildBatch([{ value: Buffer.alloc(100, 7) }], { timestampMs: Date.now() }),
        records: 1,
        inflight: 32,
      },
      brokers,
      pipes,
    );
    await compare(
      {
        label: '16 KiB batches (16 records of 1 KiB), 8 in flight',
        batch: buildBatch(kib, { timestampMs: Date.now() }),
        records: 16,
        inflight: 8,
      },
      brokers,
      pipes,
    );
    for (const mode of MODES) pipes[mode].close();
    console.log(
      `\nper request, timing and recording it (alone, in this process): ${recordCostNs().toFixed(0)} ns`,
    );
    console.log(
      `scrapes of the "on" broker: ${scrapeMs.length}, median ${median(scrapeMs).toFixed(1)} ms, ` +
        `max ${Math.max(...scrapeMs).toFixed(1)} ms, ${(size / 1024).toFixed(1)} KiB of text each`,
    );
  } finally {
    clearInterval(timer);
    for (const mode of MODES) await stopBroker(brokers[mode]);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
