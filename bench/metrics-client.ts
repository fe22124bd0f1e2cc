// The client process of bench:metrics: prepares a topic and a committed group, then on each command
// produces with requests pipelined for a given time (scraping /metrics every second meanwhile when
// asked) and reports how many requests were answered.
import { connect, type Socket } from 'node:net';
import { decodeResponseFrame, encodeRequestFrame } from '../src/protocol/frame.js';
import { FrameCutter } from '../src/protocol/frame-cutter.js';
import { buildBatch } from '../src/protocol/records/record.js';

export type ClientCommand =
  | { kind: 'prepare'; port: number; metricsUrl: string }
  | { kind: 'flood'; workload: 'small' | 'batched'; ms: number; scrape: boolean };

export interface ClientReply {
  requests: number;
  elapsedMs: number;
  batchBytes: number;
  records: number;
  /** Wall time of each scrape made during the flood. */
  scrapeMs: number[];
}

const TOPIC = 'bench';
const SCRAPE_EVERY_MS = 1000;

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
}

let pipe: Pipe;
let metricsUrl = '';
const workloads: Record<
  'small' | 'batched',
  { frame: Buffer; inflight: number; bytes: number; records: number }
> = {} as never;

function produceFrame(batch: Buffer): Buffer {
  return pipe.frame(0, 9, {
    transactionalId: null,
    acks: 1,
    timeoutMs: 30_000,
    topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: batch }] }],
  });
}

async function prepare(port: number): Promise<void> {
  pipe = await Pipe.open(port);
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
  // A group with an offset on the topic, so that each scrape computes its lag.
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
    if (r.topics[0].partitions[0].errorCode === 0) break;
    await new Promise((res) => setTimeout(res, 20));
  }
  const small = buildBatch([{ value: Buffer.alloc(100, 7) }], { timestampMs: Date.now() });
  const kib = Array.from({ length: 16 }, (_, i) => ({ value: Buffer.alloc(1024, i) }));
  const batched = buildBatch(kib, { timestampMs: Date.now() });
  workloads.small = { frame: produceFrame(small), inflight: 32, bytes: small.length, records: 1 };
  workloads.batched = { frame: produceFrame(batched), inflight: 8, bytes: batched.length, records: 16 };
}

async function flood(c: Extract<ClientCommand, { kind: 'flood' }>): Promise<ClientReply> {
  const w = workloads[c.workload];
  const scrapeMs: number[] = [];
  const scrape = async () => {
    const t0 = performance.now();
    await (await fetch(metricsUrl)).text();
    scrapeMs.push(performance.now() - t0);
  };
  // The first scrape a quarter of a second in, then one a second.
  let timer: NodeJS.Timeout | null = null;
  const first = c.scrape
    ? setTimeout(() => {
        void scrape();
        timer = setInterval(scrape, SCRAPE_EVERY_MS);
      }, 250)
    : null;
  const t0 = performance.now();
  const requests = await pipe.flood(w.frame, w.inflight, c.ms);
  const elapsedMs = performance.now() - t0;
  if (first) clearTimeout(first);
  if (timer) clearInterval(timer);
  return { requests, elapsedMs, batchBytes: w.bytes, records: w.records, scrapeMs };
}

process.on('message', (c: ClientCommand) => {
  const done = (r: ClientReply) => process.send?.(r);
  if (c.kind === 'prepare') {
    metricsUrl = c.metricsUrl;
    prepare(c.port).then(() => done({ requests: 0, elapsedMs: 0, batchBytes: 0, records: 0, scrapeMs: [] }));
  } else flood(c).then(done);
});
