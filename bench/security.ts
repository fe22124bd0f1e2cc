// npm run bench:security — what TLS costs on the data path, and how fast the broker authenticates.
// One broker process with PLAINTEXT, SSL and SASL_PLAINTEXT listeners (certificates made with openssl).
//   produce: a pipelined client sends 64 KiB batches (acks=1) for a round, over PLAINTEXT then over SSL,
//            rounds alternating so both see the same neighbours' load; MB/s per round;
//   consume: the same client fetches the topic from the start in 1 MiB fetches, over each listener;
//   floor:   no broker: a bare Node TCP and TLS socket pair in this process moving 1 MiB writes, the
//            ratio Node's TLS itself allows on this machine (the broker's cannot beat it by much);
//   SCRAM:   new connections on the SASL_PLAINTEXT listener, each ApiVersions + SaslHandshake + the two
//            SaslAuthenticate steps of SCRAM-SHA-256 (4096 iterations), 8 at a time; the client reuses
//            its salted password, so the figure is the broker's work (and TCP's), not the client's PBKDF2.
// Figures are medians over the rounds; the goal is TLS at least 0.7 of plaintext. Beside each ratio, the CPU
// time per MB of the broker and of this client on each listener (summed over the rounds, Linux only): on a
// shared machine the throughput ratio swings with the neighbours' load, while CPU per MB shows what TLS costs
// each side (the bench's client decrypts and encrypts on the same cores as the broker). The client reads
// into its own buffers as real clients do (SAMSA_BENCH_CLIENT_READS=data: a new buffer per read).
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type ConnectionOptions, connect as connectTls, createServer as createTlsServer } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { Admin } from '../src/client/index.js';
import { decodeResponseFrame, encodeRequestFrame } from '../src/protocol/frame.js';
import { FrameCutter } from '../src/protocol/frame-cutter.js';
import { FrameReader } from '../src/protocol/frame-reader.js';
import { buildBatch } from '../src/protocol/records/record.js';
import { makeCerts } from '../test/helpers/certs.js';
import { heapOpts } from '../test/helpers/paths.js';
import { processCpuMs } from './process-cpu.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const ROUND_MS = Number(process.env.SAMSA_BENCH_ROUND_MS ?? 1500);
const ROUNDS = Number(process.env.SAMSA_BENCH_ROUNDS ?? 6);
const IN_FLIGHT = 16;
// SAMSA_BENCH_ONLY=produce|consume|scram runs one part (while profiling); SAMSA_NODE_ARGS: node flags
// for the broker (e.g. --cpu-prof --cpu-prof-dir=... or --perf-basic-prof).
const ONLY = process.env.SAMSA_BENCH_ONLY ?? '';
const runs = (part: string) => ONLY === '' || ONLY === part;
const TOPIC = 'bench-security';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Whether the bench's client reads into buffers of its own (the sockets' `onread` option, as the broker
 * does and as librdkafka or the Java client read into theirs), or through 'data' events, a new buffer
 * per read (SAMSA_BENCH_CLIENT_READS=data). Both listeners are read the same way.
 */
const CLIENT_READS = process.env.SAMSA_BENCH_CLIENT_READS === 'data' ? 'data' : 'onread';

/** A pipelined Kafka connection over TCP or TLS: requests go out in order, answers come back by order. */
class Pipe {
  private readonly waiting: ((frame: Buffer) => void)[] = [];
  private correlationId = 1;

  constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('error', () => {});
  }

  static open(port: number, tls: { ca: string } | null): Promise<Pipe> {
    const reader = new FrameReader(Buffer.allocUnsafe(64 * 1024), 1 << 30, (n) => Buffer.allocUnsafe(n));
    let pipe: Pipe | null = null;
    const onread =
      CLIENT_READS === 'onread'
        ? {
            buffer: () => reader.target(),
            callback: (n: number) => {
              reader.received(n);
              for (let r = reader.next(); r.kind === 'frame'; r = reader.next())
                pipe?.waiting.shift()?.(r.frame);
              return true;
            },
          }
        : undefined;
    return new Promise((resolve, reject) => {
      const ready = () => {
        pipe = new Pipe(s);
        if (!onread) pipe.cutData();
        resolve(pipe);
      };
      const s = tls
        ? // tls.connect takes `onread` (Node 13.10+), though @types/node does not list it.
          connectTls(
            { host: '127.0.0.1', port, ca: tls.ca, servername: 'localhost', onread } as ConnectionOptions,
            ready,
          )
        : connect({ host: '127.0.0.1', port, onread }, ready);
      s.once('error', reject);
    });
  }

  private cutData(): void {
    const cutter = new FrameCutter(1 << 30);
    this.socket.on('data', (d: Buffer) => {
      cutter.push(d);
      for (let r = cutter.next(); r.kind === 'frame'; r = cutter.next()) this.waiting.shift()?.(r.frame);
    });
  }

  // biome-ignore lint/suspicious/noExplicitAny: bench code reads response fields freely
  request(apiKey: number, version: number, body: unknown): Promise<any> {
    const frame = Buffer.concat(encodeRequestFrame(apiKey, version, this.correlationId++, 'bench', body));
    return new Promise((resolve) => {
      this.waiting.push((f) => resolve(decodeResponseFrame(apiKey, version, f).body));
      this.socket.write(frame);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

interface Broker {
  child: ChildProcess;
  ports: Record<string, number>;
  dir: string;
}

async function startBroker(certs: ReturnType<typeof makeCerts>): Promise<Broker> {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-bench-security-'));
  const o = (kv: string) => ['--override', kv];
  const child = spawn(
    process.execPath,
    [
      ...heapOpts(),
      ...(process.env.SAMSA_NODE_ARGS ?? '').split(' ').filter(Boolean),
      join(root, 'dist', 'bin', 'samsa.mjs'),
      'server',
      'start',
      '--data-dir',
      dir,
      '--metrics-port',
      '0',
      ...o('listeners=PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0'),
      ...o('listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT'),
      ...o('ssl.keystore.type=PEM'),
      ...o(`ssl.keystore.location=${certs.brokerPem}`),
      ...o('sasl.enabled.mechanisms=SCRAM-SHA-256'),
      ...o('log.level=warn'),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready on (\S+) \(/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`broker exited with ${code}: ${out}`)));
  });
  const ports = Object.fromEntries(
    line.split(',').map((l) => {
      const m = /^(\w+):\/\/.*:(\d+)$/.exec(l);
      return [m?.[1] ?? '', Number(m?.[2])];
    }),
  );
  return { child, ports, dir };
}

interface Round {
  bytes: number;
  seconds: number;
}

/** Bytes acknowledged while producing for one round. */
async function produceRound(p: Pipe, batch: Buffer): Promise<Round> {
  const body = {
    transactionalId: null,
    acks: 1,
    timeoutMs: 30_000,
    topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: batch }] }],
  };
  const start = performance.now();
  let acked = 0;
  let stop = false;
  const lane = async () => {
    while (!stop) {
      const r = await p.request(0, 9, body);
      if (r.responses[0].partitionResponses[0].errorCode !== 0) throw new Error('produce failed');
      acked += batch.length;
      if (performance.now() - start >= ROUND_MS) stop = true;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return { bytes: acked, seconds: (performance.now() - start) / 1000 };
}

/** Record bytes fetched, reading the partition from the start, for one round. */
async function consumeRound(p: Pipe, topicId: string): Promise<Round> {
  const start = performance.now();
  let offset = 0;
  let bytes = 0;
  while (performance.now() - start < ROUND_MS) {
    const r = await p.request(1, 13, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 8 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topicId,
          partitions: [
            {
              partition: 0,
              fetchOffset: offset,
              partitionMaxBytes: 1 << 20,
              currentLeaderEpoch: -1,
              lastFetchedEpoch: -1,
              logStartOffset: -1,
            },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    });
    const part = r.responses[0].partitions[0];
    const records: Buffer | Buffer[] | null = part.records;
    const chunk = !records ? Buffer.alloc(0) : Buffer.isBuffer(records) ? records : Buffer.concat(records);
    if (chunk.length === 0) {
      offset = 0;
      continue;
    }
    bytes += chunk.length;
    // Walk the batches: base offset (8 bytes) and record count (4 bytes at 57) of the last whole one.
    let pos = 0;
    while (pos + 61 <= chunk.length) {
      const size = chunk.readInt32BE(pos + 8) + 12;
      if (pos + size > chunk.length) break;
      offset = Number(chunk.readBigInt64BE(pos)) + chunk.readInt32BE(pos + 57);
      pos += size;
    }
    if (offset >= part.highWatermark) offset = 0;
  }
  return { bytes, seconds: (performance.now() - start) / 1000 };
}

type Mode = 'plain' | 'tls';

/** Per listener: throughput of each round, and CPU time of the broker and of this client over all of them. */
class Tally {
  readonly rates: Record<Mode, number[]> = { plain: [], tls: [] };
  private readonly bytes: Record<Mode, number> = { plain: 0, tls: 0 };
  private readonly brokerMs: Record<Mode, number | null> = { plain: 0, tls: 0 };
  private readonly clientMs: Record<Mode, number> = { plain: 0, tls: 0 };

  constructor(private readonly brokerPid: number) {}

  async round(mode: Mode, run: () => Promise<Round>): Promise<void> {
    const b0 = processCpuMs(this.brokerPid);
    const c0 = process.cpuUsage();
    const r = await run();
    const c = process.cpuUsage(c0);
    const b1 = processCpuMs(this.brokerPid);
    this.rates[mode].push(r.bytes / r.seconds);
    this.bytes[mode] += r.bytes;
    this.clientMs[mode] += (c.user + c.system) / 1000;
    const before = this.brokerMs[mode];
    this.brokerMs[mode] = before === null || b0 === null || b1 === null ? null : before + b1 - b0;
  }

  /** This process's CPU time per MB on one listener. */
  perMb(m: Mode): string {
    return (this.clientMs[m] / (this.bytes[m] / 1e6)).toFixed(2);
  }

  /** The CPU time per MB of the broker and of this client on each listener; '' without /proc. */
  cpuLine(): string {
    const perMb = (ms: number | null, m: Mode) => (ms === null ? NaN : ms / (this.bytes[m] / 1e6));
    const b = (m: Mode) => perMb(this.brokerMs[m], m).toFixed(2);
    const c = (m: Mode) => perMb(this.clientMs[m], m).toFixed(2);
    if (this.brokerMs.plain === null || this.brokerMs.tls === null) return '';
    return `         CPU ms per MB: broker ${b('plain')} plaintext, ${b('tls')} TLS;   bench client ${c('plain')} plaintext, ${c('tls')} TLS`;
  }
}

/**
 * Node's own TLS cost on this machine, for scale: a bare server socket writing 1 MiB buffers to a client
 * in this process that only counts them, over TCP then TLS (AES-128-GCM, as the broker prefers), rounds
 * alternating. No Kafka in it, so its TLS/plaintext ratio bounds what the broker's can reach here.
 */
async function bareSocketFloor(certs: ReturnType<typeof makeCerts>): Promise<string> {
  const chunk = randomBytes(1 << 20);
  const roundBytes = 256 << 20;
  const serve = (socket: Socket) => {
    let sent = 0;
    const pump = () => {
      while (sent < roundBytes) {
        sent += chunk.length;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
      socket.end();
    };
    pump();
  };
  const tcp = createTcpServer(serve);
  const tls = createTlsServer(
    {
      key: certs.read(certs.brokerKey),
      cert: certs.read(certs.brokerCert),
      ciphers: 'TLS_AES_128_GCM_SHA256',
    },
    serve,
  );
  const listen = (server: Server) =>
    new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
    );
  const ports = { plain: await listen(tcp), tls: await listen(tls) };
  const ca = certs.read(certs.caCert);
  const t = new Tally(process.pid);
  const once = (mode: Mode) =>
    t.round(mode, async () => {
      const start = performance.now();
      const port = ports[mode];
      let bytes = 0;
      // Read as the bench's client reads the broker.
      const onread =
        CLIENT_READS === 'onread'
          ? {
              buffer: Buffer.allocUnsafe(64 * 1024),
              callback: (n: number) => {
                bytes += n;
                return true;
              },
            }
          : undefined;
      const s =
        mode === 'tls'
          ? connectTls({ host: '127.0.0.1', port, ca, servername: 'localhost', onread } as ConnectionOptions)
          : connect({ host: '127.0.0.1', port, onread });
      if (!onread)
        s.on('data', (d: Buffer) => {
          bytes += d.length;
        });
      await new Promise((resolve, reject) => s.once('end', resolve).once('error', reject));
      return { bytes, seconds: (performance.now() - start) / 1000 };
    });
  for (let i = 0; i < ROUNDS; i++)
    for (const mode of (i % 2 ? ['tls', 'plain'] : ['plain', 'tls']) as Mode[]) await once(mode);
  tcp.close();
  tls.close();
  const ratio = median(t.rates.tls) / median(t.rates.plain);
  return `bare Node socket pair (no Kafka; both ends in this process), 1 MiB writes:  TLS/plaintext ${ratio.toFixed(2)};  CPU ms per MB ${t.perMb('plain')} plaintext, ${t.perMb('tls')} TLS`;
}

/** One SCRAM-SHA-256 authentication on a new connection (the client's salted password precomputed). */
async function scramOnce(port: number, salted: Map<string, Buffer>): Promise<void> {
  const p = await Pipe.open(port, null);
  try {
    await p.request(18, 3, { clientSoftwareName: 'bench', clientSoftwareVersion: '1' });
    await p.request(17, 1, { mechanism: 'SCRAM-SHA-256' });
    const nonce = randomBytes(18).toString('base64');
    const bare = `n=bench,r=${nonce}`;
    const first = await p.request(36, 2, { authBytes: Buffer.from(`n,,${bare}`) });
    const serverFirst: string = first.authBytes.toString();
    const attrs = new Map<string, string>(
      serverFirst.split(',').map((kv: string) => [kv[0], kv.slice(2)] as [string, string]),
    );
    const key = `${attrs.get('s')}:${attrs.get('i')}`;
    let sp = salted.get(key);
    if (!sp) {
      sp = pbkdf2Sync(
        'bench-secret',
        Buffer.from(attrs.get('s') ?? '', 'base64'),
        Number(attrs.get('i')),
        32,
        'sha256',
      );
      salted.set(key, sp);
    }
    const clientKey = createHmac('sha256', sp).update('Client Key').digest();
    const storedKey = createHash('sha256').update(clientKey).digest();
    const withoutProof = `c=biws,r=${attrs.get('r')}`;
    const signature = createHmac('sha256', storedKey)
      .update(`${bare},${serverFirst},${withoutProof}`)
      .digest();
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i] ^ signature[i];
    const last = await p.request(36, 2, {
      authBytes: Buffer.from(`${withoutProof},p=${proof.toString('base64')}`),
    });
    if (last.errorCode !== 0) throw new Error(`SCRAM failed: ${last.errorMessage}`);
  } finally {
    p.close();
  }
}

async function main(): Promise<void> {
  console.log(
    `bench client: one pipelined connection per listener, reading ${CLIENT_READS === 'onread' ? 'into its own buffers (onread)' : "through 'data' events"} on both`,
  );
  const certs = makeCerts();
  const broker = await startBroker(certs);
  try {
    const admin = new Admin({ 'bootstrap.servers': `127.0.0.1:${broker.ports.PLAINTEXT}` });
    await admin.createTopics([{ name: TOPIC, numPartitions: 1 }]);
    await admin.alterUserScramCredentials([
      { kind: 'upsert', user: 'bench', mechanism: 'SCRAM-SHA-256', password: 'bench-secret' },
    ]);
    const [described] = await admin.describeTopics([TOPIC]);
    await admin.close();
    const topicId = (described as unknown as { topicId: string }).topicId;
    const batch = buildBatch(
      Array.from({ length: 64 }, (_, i) => ({ key: `k${i}`, value: randomBytes(1000) })),
    );
    const ca = certs.read(certs.caCert);
    const plain = await Pipe.open(broker.ports.PLAINTEXT, null);
    const tls = await Pipe.open(broker.ports.SSL, { ca });
    const produced = new Tally(broker.child.pid ?? 0);
    const consumed = new Tally(broker.child.pid ?? 0);
    await produceRound(plain, batch); // warm-up
    await produceRound(tls, batch);
    // SAMSA_BENCH_ARMS=tls (or plain) runs one arm only, for a profile of it; figures need both.
    const arms = (process.env.SAMSA_BENCH_ARMS ?? 'plain,tls').split(',');
    const orderOf = (i: number): [Mode, Pipe][] => {
      const both: [Mode, Pipe][] = [
        ['plain', plain],
        ['tls', tls],
      ];
      const chosen = both.filter(([m]) => arms.includes(m));
      return i % 2 ? chosen.reverse() : chosen;
    };
    if (runs('produce'))
      for (let i = 0; i < ROUNDS; i++)
        for (const [k, p] of orderOf(i)) await produced.round(k, () => produceRound(p, batch));
    if (runs('consume'))
      for (let i = 0; i < ROUNDS; i++)
        for (const [k, p] of orderOf(i)) await consumed.round(k, () => consumeRound(p, topicId ?? ''));
    plain.close();
    tls.close();
    const mb = (x: number) => (x / 1e6).toFixed(1);
    for (const [name, t] of [
      ['produce', produced],
      ['consume', consumed],
    ] as const) {
      if (!runs(name)) continue;
      const p = median(t.rates.plain);
      const q = median(t.rates.tls);
      console.log(
        `${name}  plaintext ${mb(p)} MB/s   TLS ${mb(q)} MB/s   TLS/plaintext ${(q / p).toFixed(2)} (goal >= 0.70)`,
      );
      const cpu = t.cpuLine();
      if (cpu) console.log(cpu);
    }
    if (runs('floor')) console.log(await bareSocketFloor(certs));
    if (!runs('scram')) return;
    const salted = new Map<string, Buffer>();
    await scramOnce(broker.ports.SASL_PLAINTEXT, salted);
    const rates: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const start = performance.now();
      let done = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (performance.now() - start < ROUND_MS) {
            await scramOnce(broker.ports.SASL_PLAINTEXT, salted);
            done++;
          }
        }),
      );
      rates.push(done / ((performance.now() - start) / 1000));
    }
    console.log(
      `SCRAM-SHA-256 authentications (new connection each, 8 at a time): ${median(rates).toFixed(0)}/s (median of ${ROUNDS} rounds)`,
    );
  } finally {
    broker.child.kill('SIGTERM');
    await new Promise((r) => broker.child.once('exit', r));
    rmSync(broker.dir, { recursive: true, force: true });
    certs.remove();
  }
}

await main();
