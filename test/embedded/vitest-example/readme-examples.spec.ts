// The two examples of README.md's "Testing with an embedded broker", as written there, plus one that
// uses the broker the globalSetup helper started.
import { Kafka, logLevel } from 'kafkajs';
import { Consumer, type EmbeddedBroker, Producer, startBroker } from 'samsa';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';

let broker: EmbeddedBroker;
beforeAll(async () => {
  broker = await startBroker({ topics: { orders: 3 } });
});
afterAll(() => broker.stop());
beforeEach(() => broker.reset()); // every topic, group and offset gone; `orders` back, empty

test('billing consumes the orders and commits', async () => {
  await broker.produce('orders', [{ key: 'o-1', value: '{"total":12}' }]); // seeded in-process, no client
  const kafka = new Kafka({ brokers: [broker.bootstrapServers], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: 'billing', maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: ['orders'], fromBeginning: true });
  const totals: number[] = [];
  await consumer.run({
    eachMessage: async ({ message }) => void totals.push(JSON.parse(String(message.value)).total),
  });
  const group = await broker.waitForGroup('billing', { state: 'Stable', members: 1 });
  expect(group.members[0].assignment).toEqual({ orders: [0, 1, 2] });
  const [record] = await broker.readAll('orders');
  await broker.waitForCommittedOffset('billing', 'orders', record.partition, 1);
  expect(totals).toEqual([12]);
  await consumer.disconnect();
});

test('what the producer sends, the broker holds', async () => {
  await using broker = await startBroker();
  const producer = new Producer({ bootstrapServers: broker.bootstrapServers });
  await producer.send({ topic: 'greetings', key: 'k', value: 'hello' });
  await producer.close();
  expect((await broker.readAll('greetings', { encoding: 'utf8' })).map((r) => r.value)).toEqual(['hello']);
});

test('the globalSetup broker is at KAFKA_BOOTSTRAP_SERVERS', async () => {
  const bootstrap = process.env.KAFKA_BOOTSTRAP_SERVERS;
  expect(bootstrap).toMatch(/^127\.0\.0\.1:\d+$/);
  const producer = new Producer({ bootstrapServers: bootstrap as string });
  const sent = await producer.send({ topic: 'from-global-setup', value: 'x' });
  await producer.close();
  expect(sent.offset).toBe(0);
  const consumer = new Consumer({
    bootstrapServers: bootstrap as string,
    groupId: 'g',
    autoOffsetReset: 'earliest',
  });
  await consumer.subscribe(['from-global-setup']);
  for await (const r of consumer) {
    expect(r.value?.toString()).toBe('x');
    break;
  }
  await consumer.close();
});
