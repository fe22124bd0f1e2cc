// Topics created through Metadata (auto.create.topics.enable): the request that triggers the creation
// is answered LEADER_NOT_AVAILABLE for the topic, with no partitions, and the next one with them, in
// every Metadata version clients send; producers of every client retry through it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import kafkajs from 'kafkajs';
import { Producer } from '../../src/client/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { createTopic, eventually } from '../helpers/raw-ops.js';
import { needs, runPython } from '../helpers/tools.js';

let broker: BrokerProcess;
let c: RawClient;

before(async () => {
  broker = await startBrokerProcess();
  c = await RawClient.connect(broker.port);
});

after(async () => {
  c?.close();
  await broker.stop();
  removeDataDir(broker.dataDir);
});

/** Metadata for one topic as each client sends it: v1 (kafka-python, creation implied), v4, v12. */
function metadata(version: number, name: string, allow = true) {
  const topics = version >= 10 ? [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name }] : [{ name }];
  return c.request(3, version, {
    topics,
    allowAutoTopicCreation: allow,
    includeTopicAuthorizedOperations: false,
  });
}

test('the triggering Metadata request gets LEADER_NOT_AVAILABLE and no partitions; the next, the partitions', async () => {
  for (const version of [1, 4, 9, 12]) {
    const name = `auto-v${version}`;
    const first = await metadata(version, name);
    assert.deepEqual(
      [first.topics[0].name, first.topics[0].errorCode, first.topics[0].partitions],
      [name, ErrorCode.LEADER_NOT_AVAILABLE, []],
      `v${version}`,
    );
    const ready = await eventually(`v${version}: ${name} ready`, async () => {
      const r = await metadata(version, name);
      return r.topics[0].errorCode === ErrorCode.NONE ? r.topics[0] : undefined;
    });
    assert.equal(ready.partitions.length, 1, `v${version}`);
    assert.equal(ready.partitions[0].leaderId, 1);
  }
  // Not allowed (v4+): unknown, and nothing is created.
  const refused = await metadata(4, 'not-created', false);
  assert.equal(refused.topics[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal(
    (await metadata(4, 'not-created', false)).topics[0].errorCode,
    ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  );
});

test('a deleted topic read back with auto-creation on has no partitions in that answer', async () => {
  await createTopic(c, 'short-lived', 3);
  const deleted = await c.request(20, 4, { topicNames: ['short-lived'], timeoutMs: 10_000 });
  assert.equal(deleted.responses[0].errorCode, 0);
  const r = await metadata(12, 'short-lived');
  assert.deepEqual([r.topics[0].errorCode, r.topics[0].partitions], [ErrorCode.LEADER_NOT_AVAILABLE, []]);
});

test("producers of kafkajs and Samsa's client write to a topic that does not exist yet", async () => {
  const kafka = new kafkajs.Kafka({ brokers: [broker.bootstrap], logLevel: kafkajs.logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  try {
    const [r] = await producer.send({ topic: 'auto-kafkajs', messages: [{ value: 'v' }] });
    assert.equal(r.errorCode, 0);
  } finally {
    await producer.disconnect();
  }
  const samsa = new Producer({ bootstrapServers: broker.bootstrap });
  try {
    const sent = await samsa.send({ topic: 'auto-samsa', value: 'v' });
    assert.equal(sent.offset, 0);
  } finally {
    await samsa.close();
  }
});

test('a librdkafka producer (confluent-kafka) writes to a topic that does not exist yet', async (t) => {
  if (!needs(t, 'confluent-kafka')) return;
  const r = await runPython(
    `
import sys
from confluent_kafka import Producer
p = Producer({'bootstrap.servers': sys.argv[1]})
out = []
p.produce('auto-librdkafka', b'v', on_delivery=lambda err, msg: out.append((str(err), msg.offset())))
p.flush(20)
print(out)
`,
    [broker.bootstrap],
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "[('None', 0)]");
});
