// Several log dirs per broker (JBOD): partitions spread over them, DescribeLogDirs reports each dir,
// AlterReplicaLogDirs moves a replica while it takes writes, and nothing is lost or reordered.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrokerNode } from '../../../src/broker/node.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { buildBatch, readRecords } from '../../../src/protocol/records/record.js';
import { startTestNode } from '../../helpers/node.js';
import { RawClient } from '../../helpers/raw-client.js';

let node: BrokerNode;
let client: RawClient;

before(async () => {
  const started = await startTestNode({ 'log.dirs': '/jbod-a,/jbod-b' });
  node = started.node;
  client = await RawClient.connect(started.port);
  const r = await client.request(19, 7, {
    topics: [{ name: 'j', numPartitions: 4, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  assert.equal(r.topics[0].errorCode, 0);
});

after(async () => {
  client.close();
  await node.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: response fields are read one by one
async function describe(): Promise<any[]> {
  const r = await client.request(35, 4, { topics: null });
  assert.equal(r.errorCode, 0);
  return r.results;
}

function where(
  results: {
    logDir: string;
    topics: { name: string; partitions: { partitionIndex: number; isFutureKey: boolean }[] }[];
  }[],
  partition: number,
  future = false,
): string[] {
  return results
    .filter((d) =>
      d.topics.some(
        (t) =>
          t.name === 'j' &&
          t.partitions.some((p) => p.partitionIndex === partition && p.isFutureKey === future),
      ),
    )
    .map((d) => d.logDir);
}

async function produce(n: number, tag: string): Promise<void> {
  const records = buildBatch(Array.from({ length: n }, (_, i) => ({ key: null, value: `${tag}-${i}` })));
  const r = await client.request(0, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: 'j', partitionData: [{ index: 0, records }] }],
  });
  assert.equal(r.responses[0].partitionResponses[0].errorCode, 0);
}

async function readAll(): Promise<string[]> {
  const p = node.replicas.get('j', 0);
  assert.ok(p);
  const r = await p.read(0, 64 << 20, false, true);
  assert.equal(r.errorCode, 0);
  const out: string[] = [];
  for (const buf of r.records) {
    for (let pos = 0; pos < buf.length; ) {
      const size = buf.readInt32BE(pos + 8) + 12;
      for (const rec of readRecords(buf.subarray(pos, pos + size))) out.push(rec.value?.toString() ?? '');
      pos += size;
    }
  }
  return out;
}

test('partitions spread over the log dirs and DescribeLogDirs reports every dir', async () => {
  const results = await describe();
  assert.deepEqual(
    results.map((d: { logDir: string }) => d.logDir),
    ['/jbod-a', '/jbod-b'],
  );
  const counts = results.map((d: { topics: { partitions: unknown[] }[] }) =>
    d.topics.reduce((n, t) => n + t.partitions.length, 0),
  );
  assert.deepEqual(counts, [2, 2]);
});

test('AlterReplicaLogDirs moves a replica while it takes writes; every record survives in order', async () => {
  await produce(200, 'before');
  const from = where(await describe(), 0)[0];
  const to = from === '/jbod-a' ? '/jbod-b' : '/jbod-a';
  const r = await client.request(34, 2, { dirs: [{ path: to, topics: [{ name: 'j', partitions: [0] }] }] });
  assert.equal(r.results[0].partitions[0].errorCode, 0);
  for (let i = 0; i < 20; i++) await produce(5, `during${i}`);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const results = await describe();
    if (where(results, 0)[0] === to && where(results, 0, true).length === 0) break;
    assert.ok(Date.now() < deadline, 'the move completes');
    await new Promise((res) => setTimeout(res, 20));
  }
  await produce(3, 'after');
  const values = await readAll();
  const expected = [
    ...Array.from({ length: 200 }, (_, i) => `before-${i}`),
    ...Array.from({ length: 20 }, (_, b) => Array.from({ length: 5 }, (_, i) => `during${b}-${i}`)).flat(),
    'after-0',
    'after-1',
    'after-2',
  ];
  assert.deepEqual(values, expected);
  assert.equal(node.replicas.logs.dirOf({ topic: 'j', partition: 0 })?.path, to);
});

test('AlterReplicaLogDirs to a dir the broker does not have is LOG_DIR_NOT_FOUND', async () => {
  const r = await client.request(34, 1, {
    dirs: [{ path: '/nowhere', topics: [{ name: 'j', partitions: [1] }] }],
  });
  assert.equal(r.results[0].partitions[0].errorCode, ErrorCode.LOG_DIR_NOT_FOUND);
});
