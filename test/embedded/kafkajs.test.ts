// kafkajs against an embedded broker: produce and consume in a group, and each fault hook as the client
// sees it (a produce retried through failNext, a delay, a consumer riding out dropped connections and a
// closed fetch, a hook answering for the broker).
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { type EmbeddedBroker, startBroker } from '../../src/embedded/index.js';

let broker: EmbeddedBroker;
let kafka: Kafka;

before(async () => {
  broker = await startBroker();
  kafka = new Kafka({
    clientId: 'embedded-test',
    brokers: [broker.bootstrapServers],
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 50, retries: 5 },
  });
});

after(() => broker.stop());

beforeEach(() => broker.reset());

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A consumer in group `groupId` that records "partition:offset:value" of what it gets. */
async function consume(groupId: string, topic: string, seen: string[]): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, heartbeatInterval: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommitInterval: 50,
    eachMessage: async ({ partition, message }) => {
      seen.push(`${partition}:${message.offset}:${message.value?.toString()}`);
    },
  });
  return consumer;
}

test('seeded records are consumed by a group; the group and its commits are visible without a client', async () => {
  await broker.createTopic('orders', { partitions: 3 });
  await broker.produce('orders', ['a', 'b', 'c', 'd', 'e', 'f']);
  const seen: string[] = [];
  const consumer = await consume('billing', 'orders', seen);
  try {
    const group = await broker.waitForGroup('billing', { members: 1 });
    assert.deepEqual(group.members[0].assignment, { orders: [0, 1, 2] });
    assert.equal(group.members[0].clientId, 'embedded-test');
    await until('6 records', () => seen.length === 6);
    for (const partition of [0, 1, 2]) await broker.waitForCommittedOffset('billing', 'orders', partition, 2);
    assert.deepEqual(await broker.committedOffsets('billing'), { orders: { 0: 2, 1: 2, 2: 2 } });
  } finally {
    await consumer.disconnect();
  }
  await broker.waitForGroup('billing', { state: 'Empty' });
});

test('what a kafkajs producer sends, readAll returns', async () => {
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({
      topic: 'from-client',
      messages: [{ key: 'k', value: 'v', headers: { trace: 'abc' } }],
    });
  } finally {
    await producer.disconnect();
  }
  const [r] = await broker.readAll('from-client', { encoding: 'utf8' });
  assert.equal(r.key, 'k');
  assert.equal(r.value, 'v');
  assert.deepEqual(r.headers, [{ key: 'trace', value: 'abc' }]);
});

test('failNext: a produce failed twice with NOT_LEADER_OR_FOLLOWER is retried and written once', async () => {
  await broker.createTopic('retried');
  const fault = broker.faults.failNext('Produce', { error: 'NOT_LEADER_OR_FOLLOWER', times: 2 });
  const producer = kafka.producer();
  await producer.connect();
  try {
    const [result] = await producer.send({ topic: 'retried', messages: [{ value: 'once' }] });
    assert.equal(result.errorCode, 0);
  } finally {
    await producer.disconnect();
  }
  assert.equal(fault.hits, 2);
  assert.equal(fault.active, false);
  assert.deepEqual(
    (await broker.readAll('retried', { encoding: 'utf8' })).map((r) => r.value),
    ['once'],
  );
});

test('failNext with a non-retriable error reaches the application as that error', async () => {
  await broker.createTopic('refused');
  broker.faults.failNext('Produce', { error: 'TOPIC_AUTHORIZATION_FAILED' });
  const producer = kafka.producer();
  await producer.connect();
  try {
    await assert.rejects(
      producer.send({ topic: 'refused', messages: [{ value: 'x' }] }),
      (e: Error & { type?: string }) => e.type === 'TOPIC_AUTHORIZATION_FAILED',
    );
  } finally {
    await producer.disconnect();
  }
  assert.deepEqual(await broker.readAll('refused'), []);
});

test('delay: the client waits that long for its produce', async () => {
  await broker.createTopic('slow');
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic: 'slow', messages: [{ value: 'warm-up' }] });
    const delay = broker.faults.delay('Produce', 300, { times: 1 });
    const started = performance.now();
    await producer.send({ topic: 'slow', messages: [{ value: 'late' }] });
    const took = performance.now() - started;
    assert.ok(took >= 295, `took ${took.toFixed(0)} ms`);
    assert.equal(delay.hits, 1);
  } finally {
    await producer.disconnect();
  }
});

test('a consumer rides out dropped connections and a closed fetch, and misses nothing', async () => {
  await broker.createTopic('steady', { partitions: 2 });
  await broker.produce('steady', ['1', '2', '3', '4']);
  const seen: string[] = [];
  const consumer = await consume('steady-group', 'steady', seen);
  try {
    await until('the first 4 records', () => seen.length >= 4);
    assert.ok(broker.faults.dropConnections() > 0);
    await broker.produce('steady', ['5', '6']);
    await until('records after the drop', () => new Set(seen.map((s) => s.split(':')[2])).size >= 6);
    const closed = broker.faults.disconnectNext('Fetch');
    await broker.produce('steady', ['7', '8']);
    await until('a fetch closed', () => closed.hits === 1);
    await until('records after the closed fetch', () => new Set(seen.map((s) => s.split(':')[2])).size >= 8);
    const values = new Set(seen.map((s) => s.split(':')[2]));
    assert.deepEqual([...values].sort(), ['1', '2', '3', '4', '5', '6', '7', '8']);
  } finally {
    await consumer.disconnect();
  }
});

test('a JoinGroup failed with COORDINATOR_LOAD_IN_PROGRESS is retried and the group still forms', async () => {
  await broker.createTopic('joined');
  await broker.produce('joined', ['x']);
  const fault = broker.faults.failNext('JoinGroup', { error: 'COORDINATOR_LOAD_IN_PROGRESS' });
  const seen: string[] = [];
  const consumer = await consume('late-group', 'joined', seen);
  try {
    await broker.waitForGroup('late-group', { members: 1 });
    await until('the record', () => seen.length === 1);
    assert.equal(fault.hits, 1);
  } finally {
    await consumer.disconnect();
  }
});

test('intercept: watch requests, rewrite one, and answer one in the broker’s place', async () => {
  await broker.createTopic('watched');
  await broker.createTopic('redirected');
  const clients = new Set<string>();
  const watch = broker.faults.intercept('*', (_req, info) => {
    clients.add(`${info.api}:${info.clientId}`);
    return undefined;
  });
  // Rewrite: everything produced to 'watched' lands in 'redirected'.
  const rewrite = broker.faults.intercept('Produce', (req) => {
    if (!req.topicData.some((t) => t.name === 'watched')) return undefined;
    return { request: { ...req, topicData: req.topicData.map((t) => ({ ...t, name: 'redirected' })) } };
  });
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic: 'watched', messages: [{ value: 'moved' }] });
    rewrite.remove();
    // Answer for the broker: a response built from the request, edited.
    broker.faults.intercept(
      'Produce',
      (_req, info) => {
        const response = info.errorResponse('MESSAGE_TOO_LARGE', 'too big for this test');
        return { response };
      },
      { times: 1 },
    );
    await assert.rejects(
      producer.send({ topic: 'watched', messages: [{ value: 'refused' }] }),
      (e: Error & { type?: string }) => e.type === 'MESSAGE_TOO_LARGE',
    );
  } finally {
    await producer.disconnect();
  }
  watch.remove();
  assert.ok(clients.has('Produce:embedded-test'));
  assert.ok(clients.has('Metadata:embedded-test'));
  assert.deepEqual(await broker.readAll('watched'), []);
  assert.deepEqual(
    (await broker.readAll('redirected', { encoding: 'utf8' })).map((r) => r.value),
    ['moved'],
  );
});

test('reset between tests leaves a clean broker for a client', async () => {
  await broker.produce('left-over', ['x']);
  const seen: string[] = [];
  const consumer = await consume('left-over-group', 'left-over', seen);
  await until('the record', () => seen.length === 1);
  await broker.waitForCommittedOffset('left-over-group', 'left-over', 0, 1);
  await consumer.disconnect();
  await broker.reset();
  const admin = kafka.admin();
  await admin.connect();
  try {
    assert.deepEqual(await admin.listTopics(), ['__consumer_offsets']);
    assert.deepEqual((await admin.listGroups()).groups, []);
  } finally {
    await admin.disconnect();
  }
  assert.deepEqual(await broker.committedOffsets('left-over-group'), {});
});

test('two brokers in one process: a client of each sees only its own', async () => {
  await using other = await startBroker();
  const kafkaOther = new Kafka({ brokers: [other.bootstrapServers], logLevel: logLevel.NOTHING });
  const [p1, p2] = [kafka.producer(), kafkaOther.producer()];
  await Promise.all([p1.connect(), p2.connect()]);
  try {
    await p1.send({ topic: 'where', messages: [{ value: 'first' }] });
    await p2.send({ topic: 'where', messages: [{ value: 'second' }] });
  } finally {
    await Promise.all([p1.disconnect(), p2.disconnect()]);
  }
  assert.deepEqual(
    (await broker.readAll('where', { encoding: 'utf8' })).map((r) => r.value),
    ['first'],
  );
  assert.deepEqual(
    (await other.readAll('where', { encoding: 'utf8' })).map((r) => r.value),
    ['second'],
  );
});
