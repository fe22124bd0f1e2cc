// Client throughput against a Samsa broker process: Samsa's client beside kafkajs and
// @platformatic/kafka, measured in the same run with the same settings.
//   producer: N records of 100 B and of 1 KiB to a one-partition topic, acks=all, no compression,
//     16 KiB batches, 5 requests in flight, idempotence off for all three (Samsa's default,
//     idempotent, is shown on an extra line). kafkajs and platformatic take arrays of messages
//     per send(); they get arrays of one batch.size worth, five sends outstanding. Samsa's
//     producer gets one send() per record (linger.ms=5).
//   consumer: each client reads the same N records from the start of the topic Samsa's producer
//     wrote. The rate counts from the first record to the N-th (group joins are excluded);
//     kafkajs and platformatic consume in a group, Samsa with assign().
// MB = 2^20 bytes of record values, as Kafka's perf tools count. Sizes: BENCH_RECORDS_100,
// BENCH_RECORDS_1K; rounds (best kept): BENCH_ROUNDS.
import { Consumer as PlatformaticConsumer, Producer as PlatformaticProducer } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { Admin, Consumer, Producer } from '../src/index.js';
import { removeDataDir, startBrokerProcess } from '../test/helpers/broker-process.js';

const RECORDS: Record<number, number> = {
  100: Number(process.env.BENCH_RECORDS_100 ?? 500_000),
  1024: Number(process.env.BENCH_RECORDS_1K ?? 100_000),
};
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BATCH_BYTES = 16 * 1024;
const IN_FLIGHT = 5;

interface Result {
  client: string;
  what: string;
  size: number;
  records: number;
  ms: number;
}

const results: Result[] = [];

function record(client: string, what: string, size: number, records: number, ms: number): void {
  const prev = results.find((r) => r.client === client && r.what === what && r.size === size);
  if (!prev) results.push({ client, what, size, records, ms });
  else if (ms < prev.ms) prev.ms = ms;
}

const failures = new Map<string, string>();

/** Runs one measurement with a time limit; a client that fails is reported, not fatal. */
async function measure(
  client: string,
  what: string,
  size: number,
  n: number,
  run: () => Promise<number>,
): Promise<void> {
  const limitMs = Number(process.env.BENCH_LIMIT_MS ?? 60_000);
  let timer: NodeJS.Timeout | undefined;
  try {
    const ms = await Promise.race([
      run(),
      new Promise<number>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no result within ${limitMs} ms`)), limitMs);
      }),
    ]);
    record(client, what, size, n, ms);
  } catch (e) {
    failures.set(`${what} ${size} B ${client}`, (e as Error).message.split('\n')[0]);
  } finally {
    clearTimeout(timer);
  }
}

function perRequest(size: number): number {
  return Math.max(1, Math.floor(BATCH_BYTES / (size + 20)));
}

async function limited(
  count: number,
  chunk: number,
  send: (from: number, to: number) => Promise<unknown>,
): Promise<void> {
  const inflight = new Set<Promise<unknown>>();
  for (let from = 0; from < count; from += chunk) {
    while (inflight.size >= IN_FLIGHT) await Promise.race(inflight);
    const p = send(from, Math.min(count, from + chunk)).finally(() => inflight.delete(p));
    inflight.add(p);
  }
  await Promise.all(inflight);
}

async function produceSamsa(
  bootstrap: string,
  topic: string,
  size: number,
  n: number,
  idempotent: boolean,
): Promise<number> {
  const producer = new Producer({
    bootstrapServers: bootstrap,
    acks: 'all',
    lingerMs: 5,
    batchSize: BATCH_BYTES,
    maxInFlightRequestsPerConnection: IN_FLIGHT,
    enableIdempotence: idempotent,
    clientId: 'bench-samsa',
  });
  await producer.connect();
  const value = Buffer.alloc(size, 120);
  const start = performance.now();
  const window: Promise<unknown>[] = new Array(n);
  const W = 20_000;
  for (let i = 0; i < n; i++) {
    if (i >= W) await window[i - W];
    window[i] = producer.send({ topic, value });
  }
  await Promise.all(window.slice(Math.max(0, n - W)));
  const ms = performance.now() - start;
  await producer.close();
  return ms;
}

async function produceKafkajs(bootstrap: string, topic: string, size: number, n: number): Promise<number> {
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false });
  await producer.connect();
  const value = Buffer.alloc(size, 120);
  const start = performance.now();
  await limited(n, perRequest(size), (from, to) =>
    producer.send({ topic, acks: -1, messages: Array.from({ length: to - from }, () => ({ value })) }),
  );
  const ms = performance.now() - start;
  await producer.disconnect();
  return ms;
}

async function producePlatformatic(
  bootstrap: string,
  topic: string,
  size: number,
  n: number,
): Promise<number> {
  const producer = new PlatformaticProducer({
    clientId: 'bench-platformatic',
    bootstrapBrokers: [bootstrap],
    acks: -1,
    autocreateTopics: false,
  });
  const value = Buffer.alloc(size, 120);
  const start = performance.now();
  await limited(n, perRequest(size), (from, to) =>
    producer.send({ messages: Array.from({ length: to - from }, () => ({ topic, value })) }),
  );
  const ms = performance.now() - start;
  await producer.close();
  return ms;
}

async function consumeSamsa(bootstrap: string, topic: string, n: number): Promise<number> {
  const consumer = new Consumer({
    bootstrapServers: bootstrap,
    autoOffsetReset: 'earliest',
    clientId: 'bench-samsa',
  });
  consumer.assign([{ topic, partition: 0 }]);
  let count = 0;
  let bytes = 0;
  let first = 0;
  for await (const batch of consumer.batches()) {
    if (first === 0) first = performance.now();
    for (const r of batch.records) bytes += r.value?.length ?? 0;
    count += batch.records.length;
    if (count >= n) break;
  }
  const ms = performance.now() - first;
  await consumer.close();
  if (bytes === 0) throw new Error('no bytes');
  return ms;
}

async function consumeKafkajs(bootstrap: string, topic: string, n: number, round: number): Promise<number> {
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: `bench-kafkajs-${topic}-${round}`,
    maxBytesPerPartition: 1024 * 1024,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let count = 0;
  let first = 0;
  let bytes = 0;
  const ms = await new Promise<number>((resolve, reject) => {
    consumer
      .run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          if (first === 0) first = performance.now();
          for (const m of batch.messages) bytes += m.value?.length ?? 0;
          count += batch.messages.length;
          if (count >= n) resolve(performance.now() - first);
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  if (bytes === 0) throw new Error('no bytes');
  return ms;
}

async function consumePlatformatic(
  bootstrap: string,
  topic: string,
  n: number,
  round: number,
): Promise<number> {
  const consumer = new PlatformaticConsumer({
    clientId: 'bench-platformatic',
    groupId: `bench-platformatic-${topic}-${round}`,
    bootstrapBrokers: [bootstrap],
    maxBytes: 50 * 1024 * 1024,
  });
  const stream = await consumer.consume({
    topics: [topic],
    mode: 'earliest',
    autocommit: false,
    maxBytesPerPartition: 1024 * 1024,
  });
  let count = 0;
  let first = 0;
  let bytes = 0;
  const ms = await new Promise<number>((resolve, reject) => {
    stream.on('data', (m: { value?: Buffer }) => {
      if (first === 0) first = performance.now();
      bytes += m.value?.length ?? 0;
      count++;
      if (count === n) resolve(performance.now() - first);
    });
    stream.on('error', reject);
  });
  await stream.close();
  await consumer.close(true);
  if (bytes === 0) throw new Error('no bytes');
  return ms;
}

function line(r: Result): string {
  const perSec = (r.records / r.ms) * 1000;
  const mb = ((r.records * r.size) / 2 ** 20 / r.ms) * 1000;
  return `${r.what.padEnd(9)} ${`${r.size} B`.padStart(7)}  ${r.client.padEnd(24)} ${String(r.records).padStart(8)} records  ${perSec.toFixed(0).padStart(9)} records/s  ${mb.toFixed(1).padStart(7)} MB/s  ${r.ms.toFixed(0).padStart(6)} ms`;
}

async function main(): Promise<void> {
  // BENCH_BOOTSTRAP points the run at a broker already running (Samsa or Kafka).
  const external = process.env.BENCH_BOOTSTRAP;
  const broker = external
    ? { bootstrap: external, stop: async () => 0, dataDir: '' }
    : await startBrokerProcess();
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  try {
    console.log(
      `${external ? 'Broker' : 'Samsa broker process'} ${broker.bootstrap}; node ${process.version}; ${ROUNDS} round(s), best kept`,
    );
    const b = broker.bootstrap;
    const served = (await admin.cluster.anyConnection()).brokerVersions;
    // kafkajs and platformatic consume only in a group.
    const groups = served.has(10) && served.has(11) && served.has(14);
    const inGroup = (run: () => Promise<number>) =>
      groups ? run : () => Promise.reject(new Error('the broker serves no group APIs'));
    // Warm-up: every client (and the broker) runs its code paths once before anything is timed.
    const warm = Math.min(20_000, RECORDS[100]);
    await admin.createTopics(
      ['warm-samsa', 'warm-kafkajs', 'warm-platformatic'].map((name) => ({ name, numPartitions: 1 })),
    );
    await measure('samsa', 'warm-up', 100, warm, () => produceSamsa(b, 'warm-samsa', 100, warm, true));
    await measure('kafkajs 2.2.4', 'warm-up', 100, warm, () => produceKafkajs(b, 'warm-kafkajs', 100, warm));
    await measure('@platformatic/kafka', 'warm-up', 100, warm, () =>
      producePlatformatic(b, 'warm-platformatic', 100, warm),
    );
    await measure('samsa', 'warm-up', 100, warm, () => consumeSamsa(b, 'warm-samsa', warm));
    await measure(
      'kafkajs 2.2.4',
      'warm-up',
      100,
      warm,
      inGroup(() => consumeKafkajs(b, 'warm-samsa', warm, -1)),
    );
    await measure(
      '@platformatic/kafka',
      'warm-up',
      100,
      warm,
      inGroup(() => consumePlatformatic(b, 'warm-samsa', warm, -1)),
    );
    results.length = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const size of [100, 1024]) {
        const n = RECORDS[size];
        const t = (c: string) => `bench-${c}-${size}-${round}`;
        await admin.createTopics(
          ['samsa', 'samsa-idem', 'kafkajs', 'platformatic'].map((c) => ({ name: t(c), numPartitions: 1 })),
        );
        const producers: (() => Promise<void>)[] = [
          () => measure('samsa', 'produce', size, n, () => produceSamsa(b, t('samsa'), size, n, false)),
          () => measure('kafkajs 2.2.4', 'produce', size, n, () => produceKafkajs(b, t('kafkajs'), size, n)),
          () =>
            measure('@platformatic/kafka', 'produce', size, n, () =>
              producePlatformatic(b, t('platformatic'), size, n),
            ),
          () =>
            measure('samsa (idempotent)', 'produce', size, n, () =>
              produceSamsa(b, t('samsa-idem'), size, n, true),
            ),
        ];
        const consumers: (() => Promise<void>)[] = [
          () => measure('samsa', 'consume', size, n, () => consumeSamsa(b, t('samsa'), n)),
          () =>
            measure(
              'kafkajs 2.2.4',
              'consume',
              size,
              n,
              inGroup(() => consumeKafkajs(b, t('samsa'), n, round)),
            ),
          () =>
            measure(
              '@platformatic/kafka',
              'consume',
              size,
              n,
              inGroup(() => consumePlatformatic(b, t('samsa'), n, round)),
            ),
        ];
        // Odd rounds run the clients in the opposite order.
        if (round % 2 === 1) {
          producers.reverse();
          consumers.reverse();
        }
        for (const run of producers) await run();
        for (const run of consumers) await run();
        await admin.deleteTopics(['samsa', 'samsa-idem', 'kafkajs', 'platformatic'].map(t)).catch(() => {});
      }
    }
    results.sort((x, y) => (x.what === y.what ? x.size - y.size : x.what < y.what ? 1 : -1));
    for (const r of results) console.log(line(r));
    for (const [k, why] of failures) console.log(`${k}: failed (${why})`);
  } finally {
    await admin.close();
    await broker.stop();
    if (broker.dataDir) removeDataDir(broker.dataDir);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
