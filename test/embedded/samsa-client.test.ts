// Samsa's own client against an embedded broker, imported as a user would ('samsa'): produce and consume
// in a group, a produce retried through failNext, a consumer riding out dropped connections, delay.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { Consumer, type ConsumerRecord, type EmbeddedBroker, Producer, startBroker } from 'samsa';

let broker: EmbeddedBroker;

before(async () => {
  broker = await startBroker();
});

after(() => broker.stop());

beforeEach(() => broker.reset());

async function take(consumer: Consumer, count: number, timeoutMs = 10_000): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = [];
  const until = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < until) out.push(...(await consumer.poll(100)));
  return out;
}

test('a group consumes seeded and produced records; the broker shows the group and its commits', async () => {
  await broker.createTopic('orders', { partitions: 2 });
  await broker.produce('orders', [
    { value: 'seeded-0', partition: 0 },
    { value: 'seeded-1', partition: 1 },
  ]);
  const producer = new Producer({ bootstrapServers: broker.bootstrapServers });
  try {
    await producer.send({ topic: 'orders', partition: 0, key: 'k', value: 'produced' });
  } finally {
    await producer.close();
  }
  const consumer = new Consumer({
    bootstrapServers: broker.bootstrapServers,
    groupId: 'samsa-group',
    autoOffsetReset: 'earliest',
    autoCommitIntervalMs: 50,
  });
  try {
    await consumer.subscribe(['orders']);
    const records = await take(consumer, 3);
    assert.deepEqual(records.map((r) => r.value?.toString()).sort(), ['produced', 'seeded-0', 'seeded-1']);
    const group = await broker.waitForGroup('samsa-group', { members: 1 });
    assert.deepEqual(group.members[0].assignment, { orders: [0, 1] });
    await take(consumer, 1, 200); // the next poll marks the records as processed; the timer commits
    await broker.waitForCommittedOffset('samsa-group', 'orders', 0, 2);
    assert.deepEqual(await broker.committedOffsets('samsa-group'), { orders: { 0: 2, 1: 1 } });
  } finally {
    await consumer.close();
  }
});

test('failNext: a produce failed with NOT_LEADER_OR_FOLLOWER is retried and written once', async () => {
  await broker.createTopic('retried');
  const fault = broker.faults.failNext('Produce', { error: 'NOT_LEADER_OR_FOLLOWER', times: 2 });
  const producer = new Producer({ bootstrapServers: broker.bootstrapServers, retryBackoffMs: 10 });
  try {
    const meta = await producer.send({ topic: 'retried', value: 'once' });
    assert.equal(meta.offset, 0);
  } finally {
    await producer.close();
  }
  assert.equal(fault.hits, 2);
  assert.deepEqual(
    (await broker.readAll('retried', { encoding: 'utf8' })).map((r) => r.value),
    ['once'],
  );
});

test('a consumer rides out dropped connections and a delayed fetch', async () => {
  await broker.createTopic('steady');
  await broker.produce('steady', ['1', '2']);
  const consumer = new Consumer({ bootstrapServers: broker.bootstrapServers, autoOffsetReset: 'earliest' });
  consumer.assign([{ topic: 'steady', partition: 0 }]);
  try {
    assert.equal((await take(consumer, 2)).length, 2);
    assert.ok(broker.faults.dropConnections() > 0);
    await broker.produce('steady', ['3']);
    assert.deepEqual(
      (await take(consumer, 1)).map((r) => r.value?.toString()),
      ['3'],
    );
    const slow = broker.faults.delay('Fetch', 150, { times: 1 });
    await broker.produce('steady', ['4']);
    assert.deepEqual(
      (await take(consumer, 1)).map((r) => r.value?.toString()),
      ['4'],
    );
    assert.equal(slow.hits, 1);
  } finally {
    await consumer.close();
  }
});
