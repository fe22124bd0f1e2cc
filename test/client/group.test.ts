// Consumer groups against a Samsa broker process: membership, rebalance listeners, commits that
// survive a restart, cooperative rebalancing, and a group shared with kafkajs members.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { Admin } from '../../src/client/admin.js';
import { roundRobinAssignor } from '../../src/client/assignors.js';
import { Consumer } from '../../src/client/consumer.js';
import type { ConsumerRecord } from '../../src/client/consumer-records.js';
import { Producer } from '../../src/client/producer.js';
import type { TopicPartition } from '../../src/client/requests.js';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { brokerApis, GROUPS, skipWithout } from './broker-apis.js';

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

async function produce(topic: string, count: number, partitions: number, from = 0): Promise<void> {
  const producer = new Producer({ bootstrapServers: broker.bootstrap, lingerMs: 2 });
  try {
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        producer.send({ topic, partition: (from + i) % partitions, value: `v${from + i}` }),
      ),
    );
  } finally {
    await producer.close();
  }
}

function groupConsumer(groupId: string, extra: Record<string, unknown> = {}): Consumer {
  return new Consumer({
    bootstrapServers: broker.bootstrap,
    groupId,
    autoOffsetReset: 'earliest',
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 500,
    ...extra,
  });
}

async function take(consumer: Consumer, count: number, timeoutMs = 15_000): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = [];
  const until = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < until) out.push(...(await consumer.poll(200)));
  return out;
}

test('auto commit survives a consumer restart', async (t) => {
  if (skipWithout(t, apis, GROUPS)) return;
  await admin.createTopics([{ name: 'g-auto', numPartitions: 2 }]);
  await produce('g-auto', 60, 2);
  const first = groupConsumer('g-auto', { autoCommitIntervalMs: 200 });
  await first.subscribe(['g-auto']);
  const a = await take(first, 60);
  assert.equal(a.length, 60);
  // The next poll marks what the last one handed out as processed; the timer commits it.
  assert.deepEqual(await first.poll(100), []);
  await new Promise((r) => setTimeout(r, 600));
  const committed = await admin.listGroupOffsets('g-auto');
  assert.deepEqual(committed.map((c) => [c.partition, c.offset]).sort(), [
    [0, 30],
    [1, 30],
  ]);
  await first.close();
  await produce('g-auto', 20, 2, 60);
  const second = groupConsumer('g-auto');
  await second.subscribe(['g-auto']);
  try {
    const b = await take(second, 20);
    assert.deepEqual(
      b.map((r) => Number(r.value?.toString().slice(1))).sort((x, y) => x - y),
      Array.from({ length: 20 }, (_, i) => 60 + i),
    );
    assert.deepEqual(await second.poll(300), []);
  } finally {
    await second.close();
  }
});

test('rebalance listeners see assignments move between members; manual commits', async (t) => {
  if (skipWithout(t, apis, GROUPS)) return;
  await admin.createTopics([{ name: 'g-move', numPartitions: 4 }]);
  const events: string[] = [];
  const listener = (name: string) => ({
    onPartitionsAssigned: (tps: TopicPartition[]) => void events.push(`${name}+${tps.length}`),
    onPartitionsRevoked: (tps: TopicPartition[]) => void events.push(`${name}-${tps.length}`),
  });
  const c1 = groupConsumer('g-move', { enableAutoCommit: false, partitionAssignmentStrategy: ['range'] });
  await c1.subscribe(['g-move'], listener('c1'));
  await take(c1, 0, 100);
  while (c1.assignment().length < 4) await c1.poll(100);
  const c2 = groupConsumer('g-move', { enableAutoCommit: false, partitionAssignmentStrategy: ['range'] });
  await c2.subscribe(['g-move'], listener('c2'));
  const until = Date.now() + 15_000;
  while ((c1.assignment().length !== 2 || c2.assignment().length !== 2) && Date.now() < until) {
    await Promise.all([c1.poll(100), c2.poll(100)]);
  }
  assert.equal(c1.assignment().length, 2);
  assert.equal(c2.assignment().length, 2);
  assert.ok(events.includes('c1+4') && events.includes('c1-4') && events.includes('c2+2'), events.join(' '));
  await c1.commit([{ topic: 'g-move', partition: 0, offset: 7 }]);
  assert.deepEqual(
    (await c1.committed([{ topic: 'g-move', partition: 0 }])).map((c) => c.offset),
    [7],
  );
  await Promise.all([c1.close(), c2.close()]);
});

test('three Samsa consumers and two kafkajs consumers share a group', async (t) => {
  if (skipWithout(t, apis, GROUPS)) return;
  const partitions = 10;
  await admin.createTopics([{ name: 'g-mixed', numPartitions: partitions }]);
  await produce('g-mixed', 200, partitions);
  // kafkajs's round-robin assignor is called RoundRobinAssigner; ours takes that name to match.
  const assignor = { ...roundRobinAssignor, name: 'RoundRobinAssigner' };
  const samsa = [0, 1, 2].map(() => groupConsumer('g-mixed', { partitionAssignmentStrategy: [assignor] }));
  const kafka = new Kafka({ clientId: 'mixed', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const js = [0, 1].map(() =>
    kafka.consumer({ groupId: 'g-mixed', sessionTimeout: 10_000, heartbeatInterval: 500 }),
  );
  const seen = new Map<string, string>();
  try {
    for (const c of js) {
      await c.connect();
      await c.subscribe({ topic: 'g-mixed', fromBeginning: true });
      await c.run({
        eachMessage: async ({ partition, message }) => {
          seen.set(message.value?.toString() ?? '', `js:${partition}`);
        },
      });
    }
    for (const c of samsa) await c.subscribe(['g-mixed']);
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      const polled = await Promise.all(samsa.map((c) => c.poll(100)));
      for (const list of polled)
        for (const r of list) seen.set(r.value?.toString() ?? '', `samsa:${r.partition}`);
      const owned = samsa.reduce((n, c) => n + c.assignment().length, 0);
      if (seen.size === 200 && owned >= 5) break;
    }
    const samsaOwned = samsa.map((c) => c.assignment().length);
    assert.equal(seen.size, 200, 'every record consumed by someone');
    // 10 partitions over 5 members: two each, so the kafkajs members own the other four.
    assert.deepEqual(samsaOwned, [2, 2, 2]);
    const all = samsa.flatMap((c) => c.assignment().map((tp) => tp.partition));
    assert.equal(new Set(all).size, 6);
  } finally {
    await Promise.all(samsa.map((c) => c.close()));
    for (const c of js) await c.disconnect();
  }
});

test('cooperative-sticky rebalances without taking partitions from a member that keeps them', async (t) => {
  if (skipWithout(t, apis, GROUPS)) return;
  await admin.createTopics([{ name: 'g-coop', numPartitions: 6 }]);
  const revoked: number[] = [];
  const c1 = groupConsumer('g-coop', { partitionAssignmentStrategy: ['cooperative-sticky'] });
  await c1.subscribe(['g-coop'], { onPartitionsRevoked: (tps) => void revoked.push(tps.length) });
  while (c1.assignment().length < 6) await c1.poll(100);
  const before = new Set(c1.assignment().map((tp) => tp.partition));
  const c2 = groupConsumer('g-coop', { partitionAssignmentStrategy: ['cooperative-sticky'] });
  await c2.subscribe(['g-coop']);
  const until = Date.now() + 20_000;
  while ((c1.assignment().length !== 3 || c2.assignment().length !== 3) && Date.now() < until) {
    await Promise.all([c1.poll(100), c2.poll(100)]);
  }
  assert.equal(c1.assignment().length, 3);
  assert.equal(c2.assignment().length, 3);
  assert.ok(c1.assignment().every((tp) => before.has(tp.partition)));
  // Only the three partitions that moved were revoked, never all six.
  assert.deepEqual(revoked, [3]);
  await Promise.all([c1.close(), c2.close()]);
});

test('a pattern subscription follows topics that match', async (t) => {
  if (skipWithout(t, apis, GROUPS)) return;
  await admin.createTopics([
    { name: 'g-pat-a', numPartitions: 1 },
    { name: 'g-pat-b', numPartitions: 1 },
    { name: 'other', numPartitions: 1 },
  ]);
  await produce('g-pat-a', 3, 1);
  await produce('g-pat-b', 3, 1);
  await produce('other', 3, 1);
  const c = groupConsumer('g-pat');
  await c.subscribe(/^g-pat-/);
  try {
    const got = await take(c, 6);
    assert.deepEqual([...new Set(got.map((r) => r.topic))].sort(), ['g-pat-a', 'g-pat-b']);
  } finally {
    await c.close();
  }
});

test('a member that stops polling past max.poll.interval.ms leaves, and rejoins on its next poll', async (t) => {
  if (skipWithout(t, apis, GROUPS)) return;
  await admin.createTopics([{ name: 'g-slow', numPartitions: 2 }]);
  const options = {
    partitionAssignmentStrategy: ['range'],
    maxPollIntervalMs: 1500,
    heartbeatIntervalMs: 200,
  };
  const slow = groupConsumer('g-slow', options);
  const busy = groupConsumer('g-slow', options);
  await slow.subscribe(['g-slow']);
  await busy.subscribe(['g-slow']);
  try {
    let until = Date.now() + 15_000;
    while ((slow.assignment().length !== 1 || busy.assignment().length !== 1) && Date.now() < until) {
      await Promise.all([slow.poll(50), busy.poll(50)]);
    }
    assert.equal(slow.assignment().length, 1);
    // Only `busy` polls now: once `slow` is overdue it leaves and `busy` gets both partitions.
    until = Date.now() + 15_000;
    while (busy.assignment().length !== 2 && Date.now() < until) await busy.poll(100);
    assert.equal(busy.assignment().length, 2);
    assert.equal(slow.assignment().length, 0);
    until = Date.now() + 15_000;
    while ((slow.assignment().length !== 1 || busy.assignment().length !== 1) && Date.now() < until) {
      await Promise.all([slow.poll(50), busy.poll(50)]);
    }
    assert.equal(slow.assignment().length, 1);
  } finally {
    await Promise.all([slow.close(), busy.close()]);
  }
});

test('when a Samsa member leads, a kafkajs member gets its share from our assignor', async (t) => {
  if (skipWithout(t, apis, GROUPS)) return;
  const partitions = 6;
  await admin.createTopics([{ name: 'g-lead', numPartitions: partitions }]);
  await produce('g-lead', 60, partitions);
  const assignor = { ...roundRobinAssignor, name: 'RoundRobinAssigner' };
  const samsa = [0, 1].map(() => groupConsumer('g-lead', { partitionAssignmentStrategy: [assignor] }));
  for (const c of samsa) await c.subscribe(['g-lead']);
  let until = Date.now() + 15_000;
  while (samsa.reduce((n, c) => n + c.assignment().length, 0) < partitions && Date.now() < until) {
    await Promise.all(samsa.map((c) => c.poll(50)));
  }
  const kafka = new Kafka({ clientId: 'lead', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const js = kafka.consumer({ groupId: 'g-lead', sessionTimeout: 10_000, heartbeatInterval: 500 });
  const jsPartitions = new Set<number>();
  try {
    await js.connect();
    await js.subscribe({ topic: 'g-lead', fromBeginning: true });
    await js.run({
      eachMessage: async ({ partition }) => {
        jsPartitions.add(partition);
      },
    });
    until = Date.now() + 20_000;
    while (Date.now() < until) {
      await Promise.all(samsa.map((c) => c.poll(50)));
      if (samsa.every((c) => c.assignment().length === 2) && jsPartitions.size === 2) break;
    }
    assert.ok(
      samsa.some(
        (c) =>
          c.groupMetadata()?.memberId && (c as unknown as { group: { isLeader: boolean } }).group.isLeader,
      ),
      'a Samsa member leads',
    );
    assert.deepEqual(
      samsa.map((c) => c.assignment().length),
      [2, 2],
    );
    assert.equal(jsPartitions.size, 2, 'the kafkajs member consumed its two partitions');
    const ours = new Set(samsa.flatMap((c) => c.assignment().map((tp) => tp.partition)));
    for (const p of jsPartitions) assert.ok(!ours.has(p));
  } finally {
    await Promise.all(samsa.map((c) => c.close()));
    await js.disconnect();
  }
});
