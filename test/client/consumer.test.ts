// The consumer without a group against a Samsa broker process: offset reset policies, seek,
// pause/resume, the record iterator, batches and poll, bounded fetch-ahead.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin } from '../../src/client/admin.js';
import { Consumer } from '../../src/client/consumer.js';
import type { KafkaError } from '../../src/client/errors.js';
import { Producer } from '../../src/client/producer.js';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { brokerApis, CONSUME, skipWithout } from './broker-apis.js';

let broker: BrokerProcess;
let admin: Admin;
let apis: Set<number>;

before(async () => {
  broker = await startBrokerProcess();
  admin = new Admin({ bootstrapServers: broker.bootstrap });
  apis = await brokerApis(broker.bootstrap);
  if (CONSUME.some((a) => !apis.has(a))) return;
  await admin.createTopics([{ name: 'c-data', numPartitions: 2 }]);
  const producer = new Producer({ bootstrapServers: broker.bootstrap });
  try {
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        producer.send({
          topic: 'c-data',
          partition: i % 2,
          key: `k${i}`,
          value: `value-${i}`,
          timestamp: 1_000_000 + i,
        }),
      ),
    );
  } finally {
    await producer.close();
  }
});

after(async () => {
  await admin.close();
  await broker.stop();
  removeDataDir(broker.dataDir);
});

test('earliest reads everything in order per partition through the iterator', async (t) => {
  if (skipWithout(t, apis, CONSUME)) return;
  const consumer = new Consumer({ bootstrapServers: broker.bootstrap, autoOffsetReset: 'earliest' });
  consumer.assign([
    { topic: 'c-data', partition: 0 },
    { topic: 'c-data', partition: 1 },
  ]);
  const seen: Record<number, number[]> = { 0: [], 1: [] };
  try {
    let n = 0;
    for await (const r of consumer) {
      seen[r.partition].push(r.offset);
      assert.equal(r.value?.toString(), `value-${r.offset * 2 + r.partition}`);
      assert.equal(r.timestamp, 1_000_000 + r.offset * 2 + r.partition);
      if (++n === 200) break;
    }
  } finally {
    await consumer.close();
  }
  assert.deepEqual(
    seen[0],
    Array.from({ length: 100 }, (_, i) => i),
  );
  assert.deepEqual(
    seen[1],
    Array.from({ length: 100 }, (_, i) => i),
  );
});

test('a partition added after the consumer learned the topic is found and read', async (t) => {
  if (skipWithout(t, apis, CONSUME)) return;
  await admin.createTopics([{ name: 'c-grows', numPartitions: 1 }]);
  const producer = new Producer({ bootstrapServers: broker.bootstrap });
  const consumer = new Consumer({ bootstrapServers: broker.bootstrap, autoOffsetReset: 'earliest' });
  try {
    await producer.send({ topic: 'c-grows', partition: 0, value: 'p0' });
    consumer.assign([{ topic: 'c-grows', partition: 0 }]);
    assert.equal((await consumer.poll(5000))[0]?.value?.toString(), 'p0');
    await admin.createPartitions({ 'c-grows': 2 });
    await producer.send({ topic: 'c-grows', partition: 1, value: 'p1' });
    consumer.assign([
      { topic: 'c-grows', partition: 0 },
      { topic: 'c-grows', partition: 1 },
    ]);
    let got: string | undefined;
    for (let i = 0; i < 20 && got === undefined; i++) got = (await consumer.poll(500))[0]?.value?.toString();
    assert.equal(got, 'p1');
  } finally {
    await Promise.all([producer.close(), consumer.close()]);
  }
});

test('latest starts at the end; none fails with a typed error', async (t) => {
  if (skipWithout(t, apis, CONSUME)) return;
  const latest = new Consumer({ bootstrapServers: broker.bootstrap, autoOffsetReset: 'latest' });
  latest.assign([{ topic: 'c-data', partition: 0 }]);
  try {
    assert.deepEqual(await latest.poll(300), []);
    assert.equal(latest.position({ topic: 'c-data', partition: 0 }), 100);
  } finally {
    await latest.close();
  }
  const none = new Consumer({ bootstrapServers: broker.bootstrap, autoOffsetReset: 'none' });
  none.assign([{ topic: 'c-data', partition: 0 }]);
  try {
    await assert.rejects(
      none.poll(2000),
      (err: KafkaError) => err.code === 'NO_OFFSET' && err.partition === 0,
    );
  } finally {
    await none.close();
  }
});

test('seek, seekToTimestamp, pause and resume; batches and poll', async (t) => {
  if (skipWithout(t, apis, CONSUME)) return;
  const consumer = new Consumer({ bootstrapServers: broker.bootstrap, maxPollRecords: 10 });
  consumer.assign([
    { topic: 'c-data', partition: 0, offset: 90 },
    { topic: 'c-data', partition: 1, offset: 95 },
  ]);
  try {
    const got: string[] = [];
    while (got.length < 15) for (const r of await consumer.poll(1000)) got.push(`${r.partition}:${r.offset}`);
    assert.equal(got.length, 15);
    assert.ok(got.every((g) => g.startsWith('0:') || g.startsWith('1:')));
    consumer.pause([{ topic: 'c-data', partition: 0 }]);
    consumer.seek({ topic: 'c-data', partition: 1 }, 10);
    const batch = await consumer.batches().next();
    assert.equal(batch.value?.partition, 1);
    assert.equal(batch.value?.records[0].offset, 10);
    assert.ok((batch.value?.records.length ?? 0) <= 10);
    assert.deepEqual(consumer.paused(), [{ topic: 'c-data', partition: 0 }]);
    consumer.resume([{ topic: 'c-data', partition: 0 }]);
    await consumer.seekToTimestamp(1_000_000 + 41);
    assert.equal(consumer.position({ topic: 'c-data', partition: 0 }), 21);
    assert.equal(consumer.position({ topic: 'c-data', partition: 1 }), 20);
    const [first] = await consumer.poll(1000);
    assert.ok(first.offset === 21 || first.offset === 20);
  } finally {
    await consumer.close();
  }
});

test('fetch-ahead stays within fetch.max.bytes', async (t) => {
  if (skipWithout(t, apis, CONSUME)) return;
  await admin.createTopics([{ name: 'c-big', numPartitions: 1 }]);
  const producer = new Producer({ bootstrapServers: broker.bootstrap, lingerMs: 10 });
  const value = Buffer.alloc(4000, 1);
  try {
    await Promise.all(Array.from({ length: 500 }, () => producer.send({ topic: 'c-big', value })));
  } finally {
    await producer.close();
  }
  const consumer = new Consumer({
    bootstrapServers: broker.bootstrap,
    autoOffsetReset: 'earliest',
    fetchMaxBytes: 100_000,
    maxPartitionFetchBytes: 64 * 1024,
  });
  consumer.assign([{ topic: 'c-big', partition: 0 }]);
  try {
    let n = 0;
    for await (const _ of consumer) {
      const buffered = (consumer as unknown as { bufferedBytes: number }).bufferedBytes;
      assert.ok(buffered <= 100_000 + 64 * 1024, `${buffered} bytes buffered`);
      if (++n === 500) break;
    }
  } finally {
    await consumer.close();
  }
});
