// The group coordinator on a fresh broker, used first by OffsetFetch (a consumer's committed() or
// assign() before any join): while `__consumer_offsets` is being created FindCoordinator answers
// COORDINATOR_NOT_AVAILABLE, while its partitions load the group APIs answer
// COORDINATOR_LOAD_IN_PROGRESS, and no request ever gets NOT_COORDINATOR from the only node there
// is. Each try starts a new broker process, since only the first use shows the gap.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from '../../src/protocol/errors.js';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { allRecords, produce } from '../helpers/raw-ops.js';
import { needs, runPython } from '../helpers/tools.js';

const TRIES = 3;

async function withFreshBroker(fn: (broker: BrokerProcess) => Promise<void>): Promise<void> {
  const broker = await startBrokerProcess();
  try {
    await fn(broker);
  } finally {
    await broker.stop();
    removeDataDir(broker.dataDir);
  }
}

/** FindCoordinator v2 and OffsetFetch v7 as librdkafka sends them, until the offsets come; every error seen. */
async function firstOffsetFetch(c: RawClient, group: string): Promise<number[]> {
  const seen: number[] = [];
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const found = await c.request(10, 2, { key: group, keyType: 0 });
    seen.push(found.errorCode);
    if (found.errorCode !== ErrorCode.NONE) {
      await sleep(5); // clients back off before they ask again
      continue;
    }
    const r = await c.request(9, 7, {
      groupId: group,
      topics: [{ name: 'orders', partitionIndexes: [0] }],
      requireStable: true,
    });
    seen.push(r.errorCode);
    if (r.errorCode === ErrorCode.NONE) {
      assert.equal(Number(r.topics[0].partitions[0].committedOffset), -1);
      return seen;
    }
  }
  assert.fail(`no offsets in 20 s: ${seen.join(',')}`);
}

test('FindCoordinator then OffsetFetch as the first group operation, from several connections at once', async () => {
  for (let i = 0; i < TRIES; i++) {
    await withFreshBroker(async (broker) => {
      const clients = await Promise.all(Array.from({ length: 4 }, () => RawClient.connect(broker.port)));
      try {
        const seen = (await Promise.all(clients.map((c, n) => firstOffsetFetch(c, `first-use-${n}`)))).flat();
        assert.ok(!seen.includes(ErrorCode.NOT_COORDINATOR), `try ${i}: NOT_COORDINATOR in ${seen}`);
        const allowed: number[] = [
          ErrorCode.NONE,
          ErrorCode.COORDINATOR_NOT_AVAILABLE,
          ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
        ];
        assert.deepEqual(
          seen.filter((e) => !allowed.includes(e)),
          [],
          `try ${i}: ${seen}`,
        );
        // The very first FindCoordinator starts the creation and answers at once, as Kafka does.
        assert.equal(seen[0], ErrorCode.COORDINATOR_NOT_AVAILABLE, `try ${i}: ${seen}`);
      } finally {
        for (const c of clients) c.close();
      }
    });
  }
});

test("librdkafka's committed() as a fresh broker's first group operation (confluent-kafka)", async (t) => {
  if (!needs(t, 'confluent-kafka')) return;
  const script = `
import sys, json
from confluent_kafka import Consumer, TopicPartition, KafkaException
c = Consumer({'bootstrap.servers': sys.argv[1], 'group.id': 'committed-first'})
try:
    tps = c.committed([TopicPartition('orders', 0), TopicPartition('orders', 1)], timeout=20)
    print(json.dumps([[tp.partition, tp.offset, None if tp.error is None else str(tp.error)] for tp in tps]))
except KafkaException as e:
    print(json.dumps({'error': str(e)}))
c.close()
`;
  for (let i = 0; i < TRIES; i++) {
    await withFreshBroker(async (broker) => {
      const r = await runPython(script, [broker.bootstrap]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout.trim()), [
        [0, -1001, null],
        [1, -1001, null],
      ]);
      assert.doesNotMatch(r.stderr, /Not coordinator/i);
    });
  }
});

test('a new topic shows in Metadata only once it takes Produce, ListOffsets and Fetch', async () => {
  await withFreshBroker(async (broker) => {
    const [creator, watcher] = await Promise.all([
      RawClient.connect(broker.port),
      RawClient.connect(broker.port),
    ]);
    try {
      for (let round = 0; round < 3; round++) {
        const name = `ready-${round}`;
        const created = creator.request(19, 7, {
          topics: [{ name, numPartitions: 40, replicationFactor: 1, assignments: [], configs: [] }],
          timeoutMs: 10_000,
          validateOnly: false,
        });
        created.catch(() => {}); // awaited below; a failure before that must not hide the first error
        // Poll Metadata as a client waiting for the topic would, and use it the moment it shows.
        let listed = null;
        const deadline = Date.now() + 30_000;
        while (!listed) {
          assert.ok(Date.now() < deadline, 'the topic shows');
          const m = await watcher.request(3, 12, {
            topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name }],
            allowAutoTopicCreation: false,
            includeTopicAuthorizedOperations: false,
          });
          if (m.topics[0].errorCode === ErrorCode.NONE) listed = m.topics[0];
        }
        assert.equal(listed.partitions.length, 40);
        const partition = 39;
        const p = await produce(watcher, name, partition, [{ value: 'first' }]);
        assert.equal(p.errorCode, ErrorCode.NONE, `round ${round}: produce`);
        const lo = await watcher.request(2, 7, {
          replicaId: -1,
          isolationLevel: 0,
          topics: [
            { name, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp: -1 }] },
          ],
        });
        assert.equal(lo.topics[0].partitions[0].errorCode, ErrorCode.NONE, `round ${round}: list offsets`);
        assert.equal(Number(lo.topics[0].partitions[0].offset), 1);
        const f = await watcher.request(1, 11, {
          replicaId: -1,
          maxWaitMs: 0,
          minBytes: 1,
          maxBytes: 1 << 20,
          isolationLevel: 0,
          sessionId: 0,
          sessionEpoch: -1,
          topics: [
            {
              topic: name,
              partitions: [
                {
                  partition,
                  currentLeaderEpoch: -1,
                  fetchOffset: 0,
                  logStartOffset: -1,
                  partitionMaxBytes: 1 << 20,
                },
              ],
            },
          ],
          forgottenTopicsData: [],
          rackId: '',
        });
        assert.equal(f.responses[0].partitions[0].errorCode, ErrorCode.NONE, `round ${round}: fetch`);
        assert.deepEqual(
          allRecords(f.responses[0].partitions[0].records).map((r) => String(r.value)),
          ['first'],
        );
        assert.equal((await created).topics[0].errorCode, ErrorCode.NONE);
      }
    } finally {
      creator.close();
      watcher.close();
    }
  });
});
