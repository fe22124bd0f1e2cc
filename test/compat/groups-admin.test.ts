// Third-party clients on the group APIs that need no Produce or Fetch: manual commits and committed
// offsets (kafka-python, confluent-kafka), and the admin calls of kafka-python, librdkafka and kafkajs
// (list, describe, fetch offsets, delete). The consumer-group runs with real consumption come with
// Produce/Fetch.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { BrokerNode } from '../../src/broker/node.js';
import { startNode, WireClient } from '../broker/coordinator/wire.js';
import { DEBIAN_PYTHON, hasTool, needs } from '../helpers/tools.js';

const run = promisify(execFile);

let node: BrokerNode;
let bootstrap: string;

before(async () => {
  node = await startNode();
  bootstrap = `127.0.0.1:${node.listeners[0].boundPort}`;
  await node.controller.createTopics([
    { name: 'orders', numPartitions: 3, replicationFactor: 1, assignments: [], configs: [] },
  ]);
});

after(async () => {
  await node.stop();
});

async function python(script: string): Promise<unknown> {
  const { stdout } = await run(DEBIAN_PYTHON, ['-c', script, bootstrap], { timeout: 60_000 });
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last);
}

test('kafka-python 2.0.2: manual commit with metadata, committed(), and the admin client', async (t) => {
  if (!needs(t, 'kafka-python')) return;
  const out = await python(`
import json, sys, logging
from kafka import KafkaConsumer, KafkaAdminClient, TopicPartition
from kafka.structs import OffsetAndMetadata
bootstrap = sys.argv[1]
c = KafkaConsumer(bootstrap_servers=bootstrap, group_id='kp-manual', enable_auto_commit=False)
tp0, tp1 = TopicPartition('orders', 0), TopicPartition('orders', 1)
c.assign([tp0, tp1])
c.commit({tp0: OffsetAndMetadata(5, 'five'), tp1: OffsetAndMetadata(7, '')})
committed = [c.committed(tp0), c.committed(tp1), c.committed(TopicPartition('orders', 2))]
c.close(autocommit=False)
a = KafkaAdminClient(bootstrap_servers=bootstrap)
groups = a.list_consumer_groups()
offsets = a.list_consumer_group_offsets('kp-manual')
described = a.describe_consumer_groups(['kp-manual'])[0]
a.close()
print(json.dumps({
  'committed': committed,
  'groups': sorted(g[0] for g in groups),
  'offsets': sorted([tp.partition, o.offset, o.metadata] for tp, o in offsets.items()),
  'state': described.state,
}))
`);
  assert.deepEqual(out, {
    committed: [5, 7, null],
    groups: ['kp-manual'],
    offsets: [
      [0, 5, 'five'],
      [1, 7, ''],
    ],
    state: 'Empty',
  });
});

test('confluent-kafka (librdkafka 2.0.2): commit without joining, committed(), list_groups', async (t) => {
  if (!needs(t, 'confluent-kafka')) return;
  const out = await python(`
import json, sys
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient
bootstrap = sys.argv[1]
c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'ck-manual', 'enable.auto.commit': False})
c.commit(offsets=[TopicPartition('orders', 0, 11), TopicPartition('orders', 2, 13)], asynchronous=False)
committed = c.committed([TopicPartition('orders', p) for p in range(3)], timeout=10)
c.close()
a = AdminClient({'bootstrap.servers': bootstrap})
groups = a.list_groups(timeout=10)
print(json.dumps({
  'committed': [[tp.partition, tp.offset, tp.error is None] for tp in committed],
  'groups': sorted((g.id, g.state, g.protocol_type) for g in groups),
}))
`);
  assert.deepEqual(out, {
    committed: [
      [0, 11, true],
      [1, -1001, true],
      [2, 13, true],
    ],
    // Every group of the broker: kp-manual too when the kafka-python test above made it.
    groups: [['ck-manual', 'Empty', ''], ...(hasTool('kafka-python') ? [['kp-manual', 'Empty', '']] : [])],
  });
});

/** Commits offsets of `orders` for a group without members (OffsetCommit v2, as kafka-python sends it). */
async function seedOffsets(groupId: string, offsets: [number, number, string][]): Promise<void> {
  const c = await WireClient.connect(node.listeners[0].boundPort);
  try {
    await c.request(10, 1, { key: groupId, keyType: 0 });
    for (let attempt = 0; ; attempt++) {
      // biome-ignore lint/suspicious/noExplicitAny: the response is read loosely
      const r = await c.request<any>(8, 2, {
        groupId,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        retentionTimeMs: -1,
        topics: [
          {
            name: 'orders',
            partitions: offsets.map(([partitionIndex, committedOffset, committedMetadata]) => ({
              partitionIndex,
              committedOffset,
              committedMetadata,
            })),
          },
        ],
      });
      const code = r.topics[0].partitions[0].errorCode;
      if (code === 0) return;
      // The coordinator may still be starting: Kafka's retriable coordinator errors.
      assert.ok([14, 15].includes(code) && attempt < 200, `OffsetCommit: error ${code}`);
      await sleep(25);
    }
  } finally {
    c.close();
  }
}

test('kafkajs 2.2.4 admin: fetchOffsets, listGroups, describeGroups, deleteGroups', async () => {
  await seedOffsets('js-one', [
    [0, 5, 'five'],
    [1, 7, ''],
  ]);
  await seedOffsets('js-two', [[2, 13, '']]);
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({ brokers: [bootstrap], clientId: 'kafkajs-admin', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchOffsets({ groupId: 'js-one', topics: ['orders'] });
    assert.deepEqual(offsets[0].partitions.map((p) => [p.partition, p.offset, p.metadata]).sort(), [
      [0, '5', 'five'],
      // kafkajs reports an empty metadata string as null
      [1, '7', null],
      [2, '-1', null],
    ]);
    const { groups } = await admin.listGroups();
    assert.ok(groups.some((g) => g.groupId === 'js-two'));
    const described = await admin.describeGroups(['js-two', 'nobody']);
    assert.deepEqual(
      described.groups.map((g) => [g.groupId, g.state]),
      [
        ['js-two', 'Empty'],
        ['nobody', 'Dead'],
      ],
    );
    const deleted = await admin.deleteGroups(['js-two']);
    assert.deepEqual(
      deleted.map((d) => [d.groupId, d.errorCode]),
      [['js-two', 0]],
    );
    assert.ok(!(await admin.listGroups()).groups.some((g) => g.groupId === 'js-two'));
  } finally {
    await admin.disconnect();
  }
});
