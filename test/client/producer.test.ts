// The producer against a Samsa broker process: acknowledgements with offsets, partitioning,
// headers and timestamps, acks levels, compression, flush and back-pressure, typed errors, and
// order per partition under injected faults with idempotence.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin } from '../../src/client/admin.js';
import { Consumer } from '../../src/client/consumer.js';
import type { ConsumerRecord } from '../../src/client/consumer-records.js';
import type { KafkaError } from '../../src/client/errors.js';
import { partitionForKey } from '../../src/client/partitioner.js';
import { Producer, type ProducerRecord, type RecordMetadata } from '../../src/client/producer.js';
import { API } from '../../src/client/versions.js';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { needs, run } from '../helpers/tools.js';
import { brokerApis, CONSUME, skipWithout } from './broker-apis.js';
import { type Fault, startFaultProxy } from './fault-proxy.js';

let broker: BrokerProcess;
let admin: Admin;
let apis: Set<number>;

before(async () => {
  broker = await startBrokerProcess();
  admin = new Admin({ bootstrapServers: broker.bootstrap });
  apis = await brokerApis(broker.bootstrap);
});

after(async () => {
  await admin.close();
  await broker.stop();
  removeDataDir(broker.dataDir);
});

/** Reads `count` records of a topic from the start, with a group-less consumer. */
async function readAll(
  bootstrap: string,
  topic: string,
  partitions: number,
  count: number,
): Promise<ConsumerRecord[]> {
  const consumer = new Consumer({ bootstrapServers: bootstrap, autoOffsetReset: 'earliest' });
  consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition })));
  const out: ConsumerRecord[] = [];
  const until = Date.now() + 20_000;
  try {
    while (out.length < count && Date.now() < until) out.push(...(await consumer.poll(500)));
  } finally {
    await consumer.close();
  }
  return out;
}

test('send resolves with topic, partition, offset and timestamp; keys land where Java puts them', async (t) => {
  if (skipWithout(t, apis, CONSUME)) return;
  await admin.createTopics([{ name: 'p-keys', numPartitions: 4 }]);
  const producer = new Producer({ bootstrapServers: broker.bootstrap, lingerMs: 2 });
  try {
    const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);
    const results = await Promise.all(
      keys.map((k, i) =>
        producer.send({ topic: 'p-keys', key: k, value: `v${i}`, timestamp: 1_700_000_000_000 + i }),
      ),
    );
    for (let i = 0; i < keys.length; i++) {
      assert.equal(results[i].topic, 'p-keys');
      assert.equal(results[i].partition, partitionForKey(Buffer.from(keys[i]), 4));
      assert.equal(results[i].timestamp, 1_700_000_000_000 + i);
    }
    // Offsets are consecutive from 0 within each partition, in send order.
    for (let p = 0; p < 4; p++) {
      const offsets = results.filter((r) => r.partition === p).map((r) => r.offset);
      assert.deepEqual(
        offsets,
        offsets.map((_, i) => i),
      );
    }
    const explicit = await producer.send({ topic: 'p-keys', key: 'key-0', value: 'x', partition: 3 });
    assert.equal(explicit.partition, 3);
  } finally {
    await producer.close();
  }
});

test('headers, null keys and values, timestamps and a custom partitioner reach the consumer', async (t) => {
  if (skipWithout(t, apis, CONSUME)) return;
  await admin.createTopics([{ name: 'p-headers', numPartitions: 2 }]);
  const producer = new Producer({
    bootstrapServers: broker.bootstrap,
    partitioner: ({ value, partitionCount }: { value: Buffer | string | null; partitionCount: number }) =>
      String(value).startsWith('odd') ? partitionCount - 1 : 0,
  });
  try {
    await producer.send({
      topic: 'p-headers',
      value: 'odd-1',
      headers: { trace: 'abc', empty: null },
      timestamp: 42,
    });
    await producer.send({
      topic: 'p-headers',
      key: 'k',
      value: null,
      headers: [{ key: 'bin', value: Buffer.from([0, 255]) }],
    });
    await producer.send({ topic: 'p-headers', value: 'even' });
  } finally {
    await producer.close();
  }
  const records = await readAll(broker.bootstrap, 'p-headers', 2, 3);
  const byValue = new Map(records.map((r) => [r.value?.toString() ?? 'null', r]));
  const odd = byValue.get('odd-1') as ConsumerRecord;
  assert.equal(odd.partition, 1);
  assert.equal(odd.timestamp, 42);
  assert.equal(odd.key, null);
  assert.deepEqual(
    odd.headers.map((h) => [h.key, h.value?.toString() ?? null]),
    [
      ['trace', 'abc'],
      ['empty', null],
    ],
  );
  const tomb = byValue.get('null') as ConsumerRecord;
  assert.equal(tomb.partition, 0);
  assert.equal(tomb.key?.toString(), 'k');
  assert.deepEqual([...(tomb.headers[0].value as Buffer)], [0, 255]);
});

test('acks 0, 1 and all, and every compression codec', async (t) => {
  if (skipWithout(t, apis, CONSUME)) return;
  await admin.createTopics([{ name: 'p-acks', numPartitions: 1 }]);
  let expected = 0;
  for (const acks of [0, 1, 'all'] as const) {
    const producer = new Producer({ bootstrapServers: broker.bootstrap, acks });
    try {
      const r = await producer.send({ topic: 'p-acks', value: `acks-${acks}` });
      assert.equal(r.offset, acks === 0 ? -1 : expected);
      expected++;
    } finally {
      await producer.close();
    }
  }
  for (const compressionType of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const producer = new Producer({ bootstrapServers: broker.bootstrap, compressionType, lingerMs: 20 });
    try {
      const sent = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          producer.send({ topic: 'p-acks', value: `${compressionType} record ${i} `.repeat(5) }),
        ),
      );
      assert.equal(sent[49].offset, sent[0].offset + 49);
      expected += 50;
    } finally {
      await producer.close();
    }
  }
  const records = await readAll(broker.bootstrap, 'p-acks', 1, expected);
  assert.equal(records.length, expected);
  assert.deepEqual(
    records.map((r) => r.offset),
    records.map((_, i) => i),
  );
  assert.ok(records[expected - 1].value?.toString().startsWith('zstd record 49'));
});

test('send waits when buffer.memory is full, and flush() returns once all is acknowledged', async (t) => {
  if (skipWithout(t, apis, CONSUME)) return;
  await admin.createTopics([{ name: 'p-memory', numPartitions: 3 }]);
  const producer = new Producer({
    bootstrapServers: broker.bootstrap,
    bufferMemory: 64 * 1024,
    batchSize: 16 * 1024,
    lingerMs: 50,
  });
  try {
    let maxUsed = 0;
    let sawWaiting = false;
    const value = Buffer.alloc(1000, 1);
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 600; i++) {
      pending.push(producer.send({ topic: 'p-memory', key: `k${i % 30}`, value }));
      maxUsed = Math.max(maxUsed, producer.bufferUsedBytes);
      if (producer.waitingRecords > 0) sawWaiting = true;
    }
    assert.ok(sawWaiting, 'the buffer never filled');
    assert.ok(maxUsed <= 64 * 1024, `used ${maxUsed} bytes`);
    await producer.flush();
    assert.equal(producer.bufferUsedBytes, 0);
    const results = (await Promise.all(pending)) as { offset: number }[];
    assert.equal(results.length, 600);
  } finally {
    await producer.close();
  }
});

test('errors are typed and located', async (t) => {
  if (skipWithout(t, apis, CONSUME)) return;
  const producer = new Producer({
    bootstrapServers: broker.bootstrap,
    allowAutoCreateTopics: false,
    maxBlockMs: 500,
  });
  try {
    await assert.rejects(producer.send({ topic: 'p-missing', value: 'x' }), (err: KafkaError) => {
      assert.equal(err.code, 'UNKNOWN_TOPIC_OR_PARTITION');
      assert.equal(err.errorCode, 3);
      assert.equal(err.topic, 'p-missing');
      return true;
    });
    await admin.createTopics([{ name: 'p-small', numPartitions: 1 }]);
    await assert.rejects(
      producer.send({ topic: 'p-small', value: 'x', partition: 5 }),
      (err: KafkaError) => err.code === 'INVALID_ARGUMENT' && err.partition === 5,
    );
  } finally {
    await producer.close();
  }
  assert.throws(
    () => new Producer({ bootstrapServers: broker.bootstrap, acks: 1, enableIdempotence: true }),
    /enable\.idempotence/,
  );
});

/** sendWithCallbacks, awaited (the callback path must find new partitions as send() does). */
function sendWithCallbacks(producer: Producer, record: ProducerRecord): Promise<RecordMetadata> {
  return new Promise((resolve, reject) => producer.sendWithCallbacks(record, null, resolve, reject));
}

test('a partition added after the producer learned the topic is found by refreshing its metadata', async (t) => {
  if (skipWithout(t, apis, CONSUME)) return;
  await admin.createTopics([{ name: 'p-grows', numPartitions: 1 }]);
  const producer = new Producer({ bootstrapServers: broker.bootstrap, allowAutoCreateTopics: false });
  try {
    await producer.send({ topic: 'p-grows', value: 'before', partition: 0 });
    await admin.createPartitions({ 'p-grows': 3 });
    const m = await sendWithCallbacks(producer, { topic: 'p-grows', value: 'after', partition: 2 });
    assert.equal(m.partition, 2);
    assert.equal(m.offset, 0);
  } finally {
    await producer.close();
  }
});

test('idempotence keeps order per partition, without duplicates, under injected retriable errors and lost, late or duplicated responses', async (t) => {
  if (skipWithout(t, apis, [...CONSUME, API.InitProducerId])) return;
  const partitions = 3;
  await admin.createTopics([{ name: 'p-faults', numPartitions: partitions }]);
  let n = 0;
  const faults: Fault[] = [
    { kind: 'error', errorCode: 6 },
    { kind: 'error', errorCode: 7 },
    { kind: 'swallow' },
    { kind: 'duplicate-response' },
    { kind: 'delay-response', ms: 30 },
    { kind: 'drop-response' },
  ];
  const proxy = await startFaultProxy(broker.port, (info) => {
    if (info.apiKey !== 0) return { kind: 'pass' };
    n++;
    // Every 5th Produce request meets a fault, in turn.
    return n % 5 === 0 ? faults[(n / 5) % faults.length] : { kind: 'pass' };
  });
  const producer = new Producer({
    bootstrapServers: proxy.bootstrap,
    lingerMs: 1,
    batchSize: 1024,
    requestTimeoutMs: 600,
    retryBackoffMs: 10,
    retryBackoffMaxMs: 50,
  });
  const perPartition = 400;
  try {
    const sends: Promise<{ partition: number; offset: number }>[] = [];
    for (let i = 0; i < perPartition; i++) {
      for (let p = 0; p < partitions; p++)
        sends.push(producer.send({ topic: 'p-faults', partition: p, value: `${p}:${i}`.padEnd(60, '.') }));
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 5));
    }
    const results = await Promise.all(sends);
    assert.ok(producer.identity.producerId >= 0, 'the producer is idempotent');
    for (let p = 0; p < partitions; p++) {
      const offsets = results.filter((r) => r.partition === p).map((r) => r.offset);
      assert.deepEqual(
        offsets,
        offsets.map((_, i) => i),
        `offsets of partition ${p}`,
      );
    }
  } finally {
    await producer.close();
    await proxy.close();
  }
  assert.ok((proxy.counts.error ?? 0) >= 2 && (proxy.counts.swallow ?? 0) >= 1, JSON.stringify(proxy.counts));
  const records = await readAll(broker.bootstrap, 'p-faults', partitions, partitions * perPartition);
  assert.equal(records.length, partitions * perPartition);
  for (let p = 0; p < partitions; p++) {
    const values = records.filter((r) => r.partition === p).map((r) => r.value?.toString().split('.')[0]);
    assert.deepEqual(
      values,
      Array.from({ length: perPartition }, (_, i) => `${p}:${i}`),
      `partition ${p} in order, once each`,
    );
  }
});

test('a batch waiting for its retry when the epoch is bumped is retried as it was first sent, so it is stored once', async (t) => {
  // Found by the chaos lab (3 nodes, seed 11): a delivery timeout on one partition bumped the epoch
  // while a batch of another partition, written but unanswered, waited for its retry; re-sent under
  // the new epoch from sequence 0, the broker could not know it and stored it twice.
  if (skipWithout(t, apis, [...CONSUME, API.InitProducerId])) return;
  await admin.createTopics([{ name: 'p-rebump', numPartitions: 2 }]);
  let faulty = false;
  const proxy = await startFaultProxy(broker.port, (info) => {
    if (info.apiKey !== 0 || !faulty) return { kind: 'pass' };
    // Partition 0 never reaches the broker (its batch times out); partition 1 is written, unanswered.
    if (info.partitions?.includes('p-rebump-0')) return { kind: 'swallow' };
    return { kind: 'drop-response' };
  });
  const producer = new Producer({
    bootstrapServers: proxy.bootstrap,
    lingerMs: 0,
    requestTimeoutMs: 300,
    deliveryTimeoutMs: 1500,
    retryBackoffMs: 20,
  });
  try {
    assert.equal((await producer.send({ topic: 'p-rebump', partition: 1, value: 'warm-up' })).offset, 0);
    const { producerEpoch } = producer.identity;
    faulty = true;
    const timedOut = producer.send({ topic: 'p-rebump', partition: 0, value: 'never-written' });
    await new Promise((r) => setTimeout(r, 600));
    const once = producer.send({ topic: 'p-rebump', partition: 1, value: 'once' });
    await assert.rejects(timedOut, (err: KafkaError) => err.code === 'DELIVERY_TIMEOUT');
    faulty = false;
    const stored = await once;
    const next = await producer.send({ topic: 'p-rebump', partition: 1, value: 'next' });
    assert.equal(next.offset, stored.offset + 1);
    assert.ok(producer.identity.producerEpoch > producerEpoch, 'the epoch was bumped');
  } finally {
    await producer.close();
    await proxy.close();
  }
  const ends = await admin.listOffsets([
    { topic: 'p-rebump', partition: 0, at: 'latest' },
    { topic: 'p-rebump', partition: 1, at: 'latest' },
  ]);
  assert.deepEqual(
    ends.map((e) => e.offset),
    [0, 3],
    'nothing in partition 0; warm-up, once and next in partition 1',
  );
  const records = await readAll(broker.bootstrap, 'p-rebump', 2, 3);
  assert.deepEqual(
    records.filter((r) => r.partition === 1).map((r) => r.value?.toString()),
    ['warm-up', 'once', 'next'],
    'partition 1 holds each value once',
  );
  assert.deepEqual(
    records.filter((r) => r.partition === 0).map((r) => r.value?.toString()),
    [],
  );
});

test('a delivery timeout fails the records and bumps the epoch; later sends succeed in order', async (t) => {
  if (skipWithout(t, apis, [...CONSUME, API.InitProducerId])) return;
  await admin.createTopics([{ name: 'p-bump', numPartitions: 1 }]);
  let blackhole = false;
  const proxy = await startFaultProxy(broker.port, (info) =>
    info.apiKey === 0 && blackhole ? { kind: 'swallow' } : { kind: 'pass' },
  );
  const producer = new Producer({
    bootstrapServers: proxy.bootstrap,
    lingerMs: 0,
    requestTimeoutMs: 300,
    deliveryTimeoutMs: 1000,
    retryBackoffMs: 20,
  });
  try {
    const first = await producer.send({ topic: 'p-bump', value: 'before' });
    assert.equal(first.offset, 0);
    const { producerId, producerEpoch } = producer.identity;
    blackhole = true;
    await assert.rejects(producer.send({ topic: 'p-bump', value: 'lost' }), (err: KafkaError) => {
      assert.equal(err.code, 'DELIVERY_TIMEOUT');
      assert.equal(err.topic, 'p-bump');
      assert.equal(err.partition, 0);
      return true;
    });
    blackhole = false;
    const after = await Promise.all(
      [0, 1, 2].map((i) => producer.send({ topic: 'p-bump', value: `after-${i}` })),
    );
    assert.deepEqual(
      after.map((r) => r.offset),
      [1, 2, 3],
    );
    assert.equal(producer.identity.producerId, producerId);
    assert.equal(producer.identity.producerEpoch, producerEpoch + 1);
  } finally {
    await producer.close();
    await proxy.close();
  }
  const records = await readAll(broker.bootstrap, 'p-bump', 1, 4);
  assert.deepEqual(
    records.map((r) => r.value?.toString()),
    ['before', 'after-0', 'after-1', 'after-2'],
  );
});

test('kcat (librdkafka) reads what Samsa produced with every codec', async (t) => {
  if (skipWithout(t, apis, CONSUME)) return;
  if (!needs(t, 'kcat')) return;
  await admin.createTopics([{ name: 'p-kcat', numPartitions: 1 }]);
  const codecs = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
  for (const compressionType of codecs) {
    const producer = new Producer({ bootstrapServers: broker.bootstrap, compressionType, lingerMs: 20 });
    try {
      await Promise.all(
        [0, 1, 2].map((i) =>
          producer.send({
            topic: 'p-kcat',
            key: `${compressionType}-${i}`,
            value: `${compressionType} value ${i}`,
            headers: { h: `${i}` },
          }),
        ),
      );
    } finally {
      await producer.close();
    }
  }
  const r = await run('kcat', [
    '-b',
    broker.bootstrap,
    '-C',
    '-t',
    'p-kcat',
    '-o',
    'beginning',
    '-e',
    '-q',
    '-f',
    '%k=%s;%h\\n',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.deepEqual(
    lines,
    codecs.flatMap((c) => [0, 1, 2].map((i) => `${c}-${i}=${c} value ${i};h=${i}`)),
  );
});
