// The embedded broker without any client: start and stop, seeding and reading records in-process,
// topics, reset, errors a test author will meet.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Partitioners } from 'kafkajs';
import type { BrokerNode } from '../../src/broker/node.js';
import {
  type EmbeddedBroker,
  type EmbeddedBrokerError,
  murmur2,
  startBroker,
  startCluster,
} from '../../src/embedded/index.js';

/** The broker inside (not part of the public API). */
function nodeOf(broker: EmbeddedBroker): BrokerNode {
  return (broker as unknown as { node: BrokerNode }).node;
}

test('starts on a free port of 127.0.0.1 and stops (twice is fine)', async () => {
  const broker = await startBroker();
  assert.match(broker.bootstrapServers, /^127\.0\.0\.1:\d+$/);
  assert.equal(broker.bootstrapServers, `127.0.0.1:${broker.port}`);
  assert.equal(broker.brokers.length, 1);
  assert.equal(broker.brokers[0].bootstrapServers, broker.bootstrapServers);
  assert.equal(broker.dataDir, null);
  await broker.stop();
  await broker.stop();
  await assert.rejects(broker.produce('t', 'x'), (e: EmbeddedBrokerError) => e.code === 'STOPPED');
});

test('await using stops the broker at the end of the block', async () => {
  let stopped: Promise<void> | undefined;
  {
    await using broker = await startBroker();
    const stop = broker.stop.bind(broker);
    broker.stop = () => {
      stopped = stop();
      return stopped;
    };
  }
  assert.ok(stopped, 'asyncDispose called stop()');
  await stopped;
});

test('produce and readAll: keys, headers, timestamps, explicit partitions; offsets per partition', async () => {
  await using broker = await startBroker({ topics: { orders: 3 } });
  const produced = await broker.produce('orders', [
    { key: 'k1', value: 'v1', headers: { h: 'x', n: null } },
    { key: 'k1', value: 'v2' },
    { value: 'to-2', partition: 2, timestamp: 1_000 },
    'bare',
    { key: null, value: null, partition: 2 },
  ]);
  assert.equal(produced[1].partition, produced[0].partition, 'one key, one partition');
  assert.equal(produced[2].partition, 2);
  // Offsets count up per partition, in the order the records were given.
  const next = new Map<number, number>();
  for (const r of produced) {
    assert.equal(r.offset, next.get(r.partition) ?? 0);
    next.set(r.partition, r.offset + 1);
  }
  const all = await broker.readAll('orders', { encoding: 'utf8' });
  assert.equal(all.length, 5);
  const first = all.find((r) => r.value === 'v1');
  assert.deepEqual(first?.headers, [
    { key: 'h', value: 'x' },
    { key: 'n', value: null },
  ]);
  assert.equal(all.find((r) => r.value === 'to-2')?.timestamp, 1_000);
  const two = await broker.readAll('orders', { partition: 2 });
  assert.ok(two.every((r) => r.partition === 2));
  assert.ok(two.some((r) => r.value === null && r.key === null));
  // Sorted by partition, then offset.
  const order = all.map((r) => [r.partition, r.offset]);
  assert.deepEqual(
    order,
    [...order].sort((a, b) => a[0] - b[0] || a[1] - b[1]),
  );
});

test('keys go where kafkajs (and the Java client) put them: murmur2', async () => {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: 7 }, (_, i) => ({
    partitionId: i,
    leader: 1,
    partitionErrorCode: 0,
    replicas: [1],
    isr: [1],
  }));
  for (const key of ['a', 'order-1', 'order-22', 'ünïcødé', '', 'x'.repeat(41)]) {
    const expected = partitioner({ topic: 't', partitionMetadata, message: { key, value: 'v' } });
    assert.equal((murmur2(Buffer.from(key)) & 0x7fffffff) % 7, expected, `key ${JSON.stringify(key)}`);
  }
  // Kafka's own test vectors (Utils.murmur2).
  assert.equal(murmur2(Buffer.from('21')), -973932308);
  assert.equal(murmur2(Buffer.from('foobar')), -790332482);
});

test('records without a key go round robin; produce auto-creates with num.partitions', async () => {
  await using broker = await startBroker({ config: { 'num.partitions': 2 } });
  const r = await broker.produce('auto', ['a', 'b', 'c', 'd']);
  assert.deepEqual(
    r.map((x) => `${x.partition}:${x.offset}`),
    ['0:0', '1:0', '0:1', '1:1'],
  );
  assert.deepEqual(broker.listTopics(), ['auto']);
});

test('createTopic with configs; errors name the Kafka error', async () => {
  await using broker = await startBroker({ config: { 'auto.create.topics.enable': false } });
  await broker.createTopic('logs', {
    partitions: 2,
    config: { 'cleanup.policy': 'compact', 'retention.ms': 1000 },
  });
  await assert.rejects(
    broker.createTopic('logs'),
    (e: EmbeddedBrokerError) => e.code === 'TOPIC_ALREADY_EXISTS',
  );
  await assert.rejects(
    broker.produce('nope', 'x'),
    (e: EmbeddedBrokerError) => e.code === 'UNKNOWN_TOPIC_OR_PARTITION',
  );
  await assert.rejects(
    broker.produce('logs', { value: 'x', partition: 5 }),
    (e: EmbeddedBrokerError) => e.code === 'UNKNOWN_TOPIC_OR_PARTITION',
  );
  await assert.rejects(
    broker.readAll('nope'),
    (e: EmbeddedBrokerError) => e.code === 'UNKNOWN_TOPIC_OR_PARTITION',
  );
  await assert.rejects(
    broker.createTopic('bad', { config: { 'cleanup.policy': 'sometimes' } }),
    (e: EmbeddedBrokerError) => e.code === 'INVALID_CONFIG',
  );
  await broker.deleteTopic('logs');
  assert.deepEqual(broker.listTopics(), []);
  await assert.rejects(
    broker.deleteTopic('logs'),
    (e: EmbeddedBrokerError) => e.code === 'UNKNOWN_TOPIC_OR_PARTITION',
  );
});

test('a bad broker config is one readable error', async () => {
  await assert.rejects(
    startBroker({ config: { 'num.partitionz': 3 } }),
    /num\.partitionz.*did you mean 'num\.partitions'/,
  );
});

test('reset: topics, groups, offsets, config overrides and hooks gone; start-up topics back, empty', async () => {
  await using broker = await startBroker({ topics: { orders: 2 } });
  await broker.produce('orders', ['a', 'b']);
  await broker.produce('other', ['c']);
  broker.faults.failNext('Produce', { times: 5 });
  await nodeOf(broker).controller.apply(() => ({
    records: [
      {
        kind: 'Config',
        data: { resourceType: 4, resourceName: '', name: 'log.retention.ms', value: '1000' },
      } as never,
    ],
    result: undefined,
  }));
  const brokerConfigs = () =>
    [...nodeOf(broker).controller.image.configs.keys()].filter((k) => k.startsWith('4:'));
  assert.equal(brokerConfigs().length, 1);
  await broker.reset();
  assert.deepEqual(broker.listTopics(), ['orders']);
  assert.deepEqual(await broker.readAll('orders'), []);
  assert.equal(broker.faults.size, 0);
  assert.deepEqual(brokerConfigs(), []);
  const r = await broker.produce('orders', { value: 'again', partition: 0 });
  assert.equal(r[0].offset, 0, 'offsets start over');
});

test('two brokers in one process are independent', async () => {
  await using a = await startBroker({ topics: { t: 1 } });
  await using b = await startBroker({ topics: { t: 1 } });
  assert.notEqual(a.port, b.port);
  assert.notEqual(a.clusterId, b.clusterId);
  await a.produce('t', ['only in a']);
  assert.equal((await a.readAll('t')).length, 1);
  assert.equal((await b.readAll('t')).length, 0);
});

test('startCluster: brokers 1 has the same shape as a broker', async () => {
  await using cluster = await startCluster({ brokers: 1, topics: { t: 2 } });
  assert.equal(cluster.brokers.length, 1);
  assert.equal(cluster.bootstrapServers, cluster.brokers[0].bootstrapServers);
  await cluster.produce('t', ['x']);
  assert.equal((await cluster.readAll('t')).length, 1);
  assert.equal(cluster.controllerId(), 1);
  await assert.rejects(startCluster({ brokers: 0 }), /positive integer/);
});

test('fault hooks take APIs by name (any case) or key, errors by name or code, and refuse what they do not know', async () => {
  await using broker = await startBroker();
  const byKey = broker.faults.failNext(0, { error: 6 });
  const byName = broker.faults.delay('fetch', 10);
  assert.equal(broker.faults.size, 2);
  byKey.remove();
  byName.remove();
  assert.equal(broker.faults.size, 0);
  assert.equal(byKey.active, false);
  assert.throws(() => broker.faults.failNext('Produse'), /Produse is not an API this broker serves/);
  assert.throws(() => broker.faults.failNext('DescribeDelegationToken'), /not an API this broker serves/);
  assert.throws(
    () => broker.faults.failNext('Produce', { error: 'NOT_AN_ERROR' as never }),
    /unknown Kafka error/,
  );
  assert.throws(() => broker.faults.failNext('Produce', { times: 0 }), /times must be at least 1/);
});
