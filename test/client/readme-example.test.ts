// The client example in README.md, run as written (against a broker process on a random port).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin, Consumer, Producer } from '../../src/index.js';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';

let broker: BrokerProcess;
before(async () => {
  broker = await startBrokerProcess();
});
after(async () => {
  await broker.stop();
  removeDataDir(broker.dataDir);
});

test('the README client example works as written', async () => {
  const admin = new Admin({ 'bootstrap.servers': broker.bootstrap });
  await admin.createTopics([{ name: 'orders', numPartitions: 3 }]);
  await admin.close();

  const producer = new Producer({ 'bootstrap.servers': broker.bootstrap, lingerMs: 5 });
  const { partition, offset } = await producer.send({ topic: 'orders', key: 'order-1', value: 'created' });
  await producer.close();
  assert.equal(offset, 0);

  const consumer = new Consumer({
    bootstrapServers: broker.bootstrap,
    groupId: 'billing',
    autoOffsetReset: 'earliest',
  });
  await consumer.subscribe(['orders']);
  for await (const record of consumer) {
    assert.deepEqual(
      [record.partition, record.offset, record.key?.toString(), record.value?.toString()],
      [partition, 0, 'order-1', 'created'],
    );
    break;
  }
  await consumer.close();
});
