// @platformatic/kafka against an embedded broker: produce, consume in a group with autocommit, a produce
// retried through failNext, and a consumer riding out dropped connections.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { type EmbeddedBroker, startBroker } from '../../src/embedded/index.js';

let broker: EmbeddedBroker;

before(async () => {
  broker = await startBroker();
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

function producer() {
  return new Producer({
    clientId: 'embedded-platformatic',
    bootstrapBrokers: [broker.bootstrapServers],
    serializers: stringSerializers,
    autocreateTopics: true,
    retries: 3,
    retryDelay: 20,
  });
}

test('produces, and a group consumes with autocommit; the broker shows the group and its offsets', async () => {
  await broker.createTopic('events', { partitions: 2 });
  const p = producer();
  try {
    await p.send({
      messages: [
        { topic: 'events', key: 'a', value: 'one', partition: 0 },
        { topic: 'events', key: 'b', value: 'two', partition: 1 },
      ],
    });
  } finally {
    await p.close();
  }
  await broker.produce('events', [{ value: 'three', partition: 0 }]);
  const consumer = new Consumer({
    groupId: 'pf-group',
    clientId: 'embedded-platformatic',
    bootstrapBrokers: [broker.bootstrapServers],
    deserializers: stringDeserializers,
    maxWaitTime: 100,
  });
  const stream = await consumer.consume({ topics: ['events'], mode: 'earliest', autocommit: 50 });
  const seen: string[] = [];
  stream.on('data', (m) => seen.push(String(m.value)));
  try {
    await until('3 records', () => seen.length === 3);
    const group = await broker.waitForGroup('pf-group', { members: 1 });
    assert.deepEqual(group.members[0].assignment, { events: [0, 1] });
    await broker.waitForCommittedOffset('pf-group', 'events', 0, 2);
    await broker.waitForCommittedOffset('pf-group', 'events', 1, 1);
    assert.deepEqual(seen.sort(), ['one', 'three', 'two']);
  } finally {
    await stream.close();
    await consumer.close();
  }
});

test('failNext: a produce failed with NOT_LEADER_OR_FOLLOWER is retried and written once', async () => {
  await broker.createTopic('pf-retried');
  const fault = broker.faults.failNext('Produce', { error: 'NOT_LEADER_OR_FOLLOWER' });
  const p = producer();
  try {
    await p.send({ messages: [{ topic: 'pf-retried', value: 'once' }] });
  } finally {
    await p.close();
  }
  assert.equal(fault.hits, 1);
  assert.deepEqual(
    (await broker.readAll('pf-retried', { encoding: 'utf8' })).map((r) => r.value),
    ['once'],
  );
});

test('a consumer rides out dropped connections', async () => {
  await broker.createTopic('pf-steady');
  await broker.produce('pf-steady', ['1', '2']);
  const consumer = new Consumer({
    groupId: 'pf-steady-group',
    clientId: 'embedded-platformatic',
    bootstrapBrokers: [broker.bootstrapServers],
    deserializers: stringDeserializers,
    maxWaitTime: 100,
    retries: 10,
    retryDelay: 20,
  });
  const stream = await consumer.consume({ topics: ['pf-steady'], mode: 'earliest' });
  const seen = new Set<string>();
  stream.on('data', (m) => seen.add(String(m.value)));
  stream.on('error', () => {});
  try {
    await until('the first records', () => seen.size === 2);
    assert.ok(broker.faults.dropConnections() > 0);
    await broker.produce('pf-steady', ['3', '4']);
    await until('records after the drop', () => seen.size === 4);
  } finally {
    await stream.close();
    await consumer.close();
  }
});
