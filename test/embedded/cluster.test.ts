// startCluster({ brokers: 3 }): a real three-node cluster in the test process. Clients see three
// brokers; topics spread their leaders; the helpers route to leaders and coordinators; a killed
// controller is replaced; a stopped node starts again on its data; fault hooks work per node.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Admin } from '../../src/client/admin.js';
import { Consumer } from '../../src/client/consumer.js';
import { Producer } from '../../src/client/producer.js';
import { startCluster } from '../../src/embedded/index.js';

test('three nodes: clients see three brokers, topics spread, helpers route to leaders', async () => {
  await using cluster = await startCluster({ brokers: 3, topics: { orders: 6 } });
  assert.equal(cluster.brokers.length, 3);
  assert.equal(cluster.bootstrapServers.split(',').length, 3);
  const admin = new Admin({ bootstrapServers: cluster.brokers[2].bootstrapServers });
  try {
    const described = await admin.describeCluster();
    assert.deepEqual(described.brokers.map((b) => b.nodeId).sort(), [1, 2, 3]);
    const [orders] = await admin.describeTopics(['orders']);
    assert.equal(orders.partitions.length, 6);
    assert.deepEqual([...new Set(orders.partitions.map((p) => p.leader))].sort(), [1, 2, 3]);
  } finally {
    await admin.close();
  }
  const produced = await cluster.produce(
    'orders',
    Array.from({ length: 12 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
  );
  assert.equal(produced.length, 12);
  const producer = new Producer({ bootstrapServers: cluster.bootstrapServers });
  try {
    for (let p = 0; p < 6; p++) await producer.send({ topic: 'orders', partition: p, value: `client-${p}` });
  } finally {
    await producer.close();
  }
  assert.equal((await cluster.readAll('orders')).length, 18);
  const consumer = new Consumer({
    bootstrapServers: cluster.bootstrapServers,
    groupId: 'g',
    autoOffsetReset: 'earliest',
  });
  try {
    await consumer.subscribe(['orders']);
    let seen = 0;
    for await (const _ of consumer) if (++seen === 18) break;
    await consumer.commit();
  } finally {
    await consumer.close();
  }
  const offsets = await cluster.committedOffsets('g');
  assert.equal(
    Object.values(offsets.orders ?? {}).reduce((a, b) => a + b, 0),
    18,
  );
});

test('killController: another node becomes controller and topics can be created; a stopped node comes back', async () => {
  await using cluster = await startCluster({ brokers: 3 });
  const first = await cluster.waitForController();
  const killed = await cluster.killController();
  assert.equal(killed, first);
  const next = await cluster.waitForController({ timeoutMs: 15_000 });
  assert.notEqual(next, killed);
  await cluster.createTopic('after-kill', { partitions: 3 });
  assert.ok(cluster.listTopics().includes('after-kill'));
  await cluster.startBroker(killed);
  const other = [1, 2, 3].find((id) => id !== killed && id !== next) as number;
  await cluster.stopBroker(other);
  await cluster.createTopic('while-stopped', { partitions: 2 });
  await cluster.startBroker(other);
  const admin = new Admin({ bootstrapServers: cluster.brokers[other - 1].bootstrapServers });
  try {
    const deadline = Date.now() + 15_000;
    let names: string[] = [];
    while (Date.now() < deadline) {
      names = await admin.listTopics();
      if (names.includes('while-stopped') && names.includes('after-kill')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(
      names.includes('while-stopped') && names.includes('after-kill'),
      `the restarted node sees ${names}`,
    );
  } finally {
    await admin.close();
  }
});

test('fault hooks of one node touch only its requests; the cluster hooks touch all', async () => {
  await using cluster = await startCluster({ brokers: 2, topics: { t: 2 } });
  const hook = cluster.brokers[0].faults.failNext('metadata', { error: 'UNKNOWN_SERVER_ERROR', times: 100 });
  const admin = new Admin({ bootstrapServers: cluster.brokers[1].bootstrapServers });
  try {
    assert.ok((await admin.listTopics()).includes('t'), 'node 2 answers normally');
    assert.equal(hook.hits, 0);
    hook.remove();
    const all = cluster.faults.delay('metadata', 1);
    await admin.listTopics();
    assert.ok(all.hits >= 1);
  } finally {
    await admin.close();
  }
});
