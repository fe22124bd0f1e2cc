// The Kafka 4.0 versions Samsa serves, each with its semantic change: Produce v12 (transactions V2,
// tested with the transactions), ListOffsets v10 (a timeout for tiered lookups: answered at once),
// Metadata v13 (a top-level error code), DescribeGroups v6 (GROUP_ID_NOT_FOUND for an unknown group),
// DescribeCluster v2 (fenced brokers on request); and the older versions clients still send stay
// advertised.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ErrorCode } from '../../src/protocol/errors.js';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { createTopic, produce } from '../helpers/raw-ops.js';

let broker: BrokerProcess;
let c: RawClient;

before(async () => {
  broker = await startBrokerProcess();
  c = await RawClient.connect(broker.port);
  await createTopic(c, 'newer', 1);
  await produce(c, 'newer', 0, [{ value: 'a' }, { value: 'b' }]);
});

after(async () => {
  c?.close();
  await broker.stop();
  removeDataDir(broker.dataDir);
});

test('ApiVersions advertises the 4.0 versions and keeps the old minimums', async () => {
  const r = await c.request(18, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
  const ranges = Object.fromEntries(
    r.apiKeys.map((k: { apiKey: number; minVersion: number; maxVersion: number }) => [
      k.apiKey,
      [k.minVersion, k.maxVersion],
    ]),
  );
  assert.deepEqual(
    [0, 2, 3, 15, 60].map((k) => ranges[k]),
    [
      [0, 12], // v12: transactions V2 (KIP-890), the partition added to the transaction by the write
      [0, 10],
      [0, 13],
      [0, 6],
      [0, 2],
    ],
  );
});

test('ListOffsets v10 answers latest, earliest and by time, with its timeout', async () => {
  const ask = (timestamp: number) =>
    c.request(2, 10, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: 'newer', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp }] }],
      timeoutMs: 5000,
    });
  const latest = (await ask(-1)).topics[0].partitions[0];
  const earliest = (await ask(-2)).topics[0].partitions[0];
  assert.deepEqual([latest.errorCode, Number(latest.offset)], [0, 2]);
  assert.deepEqual([earliest.errorCode, Number(earliest.offset)], [0, 0]);
  assert.equal(Number((await ask(0)).topics[0].partitions[0].offset), 0);
});

test('Metadata v13 carries a top-level error code', async () => {
  const r = await c.request(3, 13, {
    topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'newer' }],
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: false,
  });
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.equal(r.topics[0].partitions.length, 1);
});

test('DescribeGroups v6 answers GROUP_ID_NOT_FOUND for an unknown group; v5 a Dead group', async () => {
  for (let i = 0; ; i++) {
    const found = await c.request(10, 3, { key: 'nobody', keyType: 0 });
    if (found.errorCode === ErrorCode.NONE) break;
    assert.ok(i < 500);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const ask = async (version: number) => {
    for (let i = 0; ; i++) {
      const r = await c.request(15, version, { groups: ['nobody'], includeAuthorizedOperations: false });
      if (r.groups[0].errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return r.groups[0];
      assert.ok(i < 500);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  const v6 = await ask(6);
  assert.deepEqual(
    [v6.errorCode, v6.errorMessage, v6.groupState],
    [ErrorCode.GROUP_ID_NOT_FOUND, 'Group nobody not found.', ''],
  );
  const v5 = await ask(5);
  assert.deepEqual([v5.errorCode, v5.groupState], [ErrorCode.NONE, 'Dead']);
});

test('DescribeCluster v2 marks each broker fenced or not, and includes fenced ones when asked', async () => {
  for (const includeFencedBrokers of [true, false]) {
    const r = await c.request(60, 2, {
      includeClusterAuthorizedOperations: false,
      endpointType: 1,
      includeFencedBrokers,
    });
    assert.equal(r.errorCode, 0);
    assert.deepEqual(
      r.brokers.map((b: { brokerId: number; isFenced: boolean }) => [b.brokerId, b.isFenced]),
      [[1, false]],
    );
  }
});
