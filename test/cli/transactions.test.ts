// kafka-transactions.sh and `samsa txn` against a broker holding an open transaction of a real
// producer and a hanging one (a transactional batch of a producer its coordinator never heard of):
// Kafka's tab-separated tables, the hanging transaction found and aborted, and the errors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrokerNode } from '../../src/broker/node.js';
import { Producer } from '../../src/client/index.js';
import { type EmbeddedBroker, startBroker } from '../../src/embedded/index.js';
import { buildBatch } from '../../src/protocol/records/record.js';
import { samsa, tool } from './cli-helpers.js';

let broker: EmbeddedBroker;
let bs: string;
let producer: Producer;

before(async () => {
  broker = await startBroker({ topics: { tx: 2 } });
  bs = broker.bootstrapServers;
  producer = new Producer({ bootstrapServers: bs, transactionalId: 'cli-1', lingerMs: 1 });
  await producer.initTransactions();
  producer.beginTransaction();
  await producer.send({ topic: 'tx', partition: 0, value: 'open' });
  // A hanging transaction: records of a transactional producer the coordinator does not know.
  const node = (broker as unknown as { node: BrokerNode }).node;
  const batch = buildBatch([{ value: 'hanging' }], {
    transactional: true,
    producerId: 424242,
    producerEpoch: 3,
    baseSequence: 0,
  });
  const appended = await node.replicas.get('tx', 1)?.append(batch, -1, Date.now());
  assert.equal(appended?.errorCode, 0);
});

after(async () => {
  await producer.close();
  await broker.stop();
});

const txns = (...args: string[]) => tool('kafka-transactions.sh', ['--bootstrap-server', bs, ...args]);

/** Splits Kafka's table: every cell padded to its column, each followed by a tab. */
function cells(line: string): string[] {
  assert.ok(line.endsWith('\t'), `a table line ends with a tab: ${JSON.stringify(line)}`);
  return line
    .slice(0, -1)
    .split('\t')
    .map((c) => c.trimEnd());
}

test("kafka-transactions.sh list, describe and describe-producers print Kafka's tables", async () => {
  const list = await txns('list');
  assert.equal(list.code, 0, list.stderr);
  const [head, ...rows] = list.stdout.replace(/\n$/, '').split('\n');
  assert.deepEqual(cells(head), ['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState']);
  const { producerId } = producer.identity;
  assert.deepEqual(rows.map(cells), [['cli-1', '1', String(producerId), 'Ongoing']]);
  // Columns are as wide as their widest cell.
  assert.equal(head.indexOf('Coordinator'), 'TransactionalId\t'.length);

  const d = await txns('describe', '--transactional-id', 'cli-1');
  assert.equal(d.code, 0, d.stderr);
  const [dh, dr] = d.stdout.replace(/\n$/, '').split('\n').map(cells);
  assert.deepEqual(dh, [
    'CoordinatorId',
    'TransactionalId',
    'ProducerId',
    'ProducerEpoch',
    'TransactionState',
    'TransactionTimeoutMs',
    'CurrentTransactionStartTimeMs',
    'TransactionDurationMs',
    'TopicPartitions',
  ]);
  assert.deepEqual(
    [dr[0], dr[1], dr[2], dr[4], dr[5], dr[8]],
    ['1', 'cli-1', String(producerId), 'Ongoing', '60000', 'tx-0'],
  );
  assert.match(dr[6], /^\d{13}$/);
  assert.match(dr[7], /^\d+$/);

  const p = await txns('describe-producers', '--topic', 'tx', '--partition', '0');
  assert.equal(p.code, 0, p.stderr);
  const [ph, ...pr] = p.stdout.replace(/\n$/, '').split('\n').map(cells);
  assert.deepEqual(ph, [
    'ProducerId',
    'ProducerEpoch',
    'LatestCoordinatorEpoch',
    'LastSequence',
    'LastTimestamp',
    'CurrentTransactionStartOffset',
  ]);
  assert.deepEqual(
    pr.map((r) => [r[0], r[2], r[3], r[5]]),
    [[String(producerId), '-1', '0', '0']],
  );
});

test('find-hanging finds the transaction no coordinator knows; abort ends it and the LSO moves on', async () => {
  const found = await txns('find-hanging', '--topic', 'tx', '--max-transaction-timeout', '0');
  assert.equal(found.code, 0, found.stderr);
  const [head, ...rows] = found.stdout.replace(/\n$/, '').split('\n').map(cells);
  assert.deepEqual(head, [
    'Topic',
    'Partition',
    'ProducerId',
    'ProducerEpoch',
    'CoordinatorEpoch',
    'StartOffset',
    'LastTimestamp',
    'Duration(min)',
  ]);
  // The real producer's open transaction is not hanging: its coordinator counts tx-0 in it.
  assert.deepEqual(
    rows.map((r) => [r[0], r[1], r[2], r[3], r[4], r[5], r[7]]),
    [['tx', '1', '424242', '3', '-1', '0', '0']],
  );
  const missing = await txns('abort', '--topic', 'tx', '--partition', '1', '--start-offset', '7');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /Could not find any open transactions starting at offset 7 on partition tx-1/);
  const aborted = await txns('abort', '--topic', 'tx', '--partition', '1', '--start-offset', '0');
  assert.equal(aborted.code, 0, aborted.stderr);
  const again = await txns('find-hanging', '--topic', 'tx', '--max-transaction-timeout', '0');
  assert.equal(again.stdout.replace(/\n$/, '').split('\n').length, 1, 'only the header');
  assert.deepEqual(await broker.readAll('tx', { partition: 1, isolationLevel: 'read_committed' }), []);
  const after = (await txns('describe-producers', '--topic', 'tx', '--partition', '1')).stdout;
  const [, row] = after.replace(/\n$/, '').split('\n').map(cells);
  assert.deepEqual([row[0], row[1], row[5]], ['424242', '3', 'None'], 'no transaction open any more');
});

test("kafka-transactions.sh errors: Kafka's messages, exit code 1", async () => {
  const unknown = await txns('describe', '--transactional-id', 'nope');
  assert.equal(unknown.code, 1);
  assert.match(
    unknown.stderr,
    /^Failed to describe transaction state of transactional-id `nope`: .*TRANSACTIONAL_ID_NOT_FOUND.*Enable debug logging for additional detail\.$/m,
  );
  const noBootstrap = await tool('kafka-transactions.sh', ['list']);
  assert.equal(noBootstrap.code, 1);
  assert.match(noBootstrap.stderr, /argument --bootstrap-server is required/);
  const noOffset = await txns('abort', '--topic', 'tx', '--partition', '1');
  assert.equal(noOffset.code, 1);
  assert.match(noOffset.stderr, /must be identified either with --start-offset/);
  const scope = await txns('find-hanging');
  assert.match(scope.stderr, /requires either --topic or --broker-id/);
  const help = await tool('kafka-transactions.sh', ['--help']);
  assert.equal(help.code, 0);
  for (const c of ['list', 'describe', 'describe-producers', 'abort', 'find-hanging'])
    assert.match(help.stdout, new RegExp(`\\n    ${c} `));
});

test('samsa txn list, describe, producers and hanging', async () => {
  const list = await samsa(['txn', 'list', '-b', bs, '--json']);
  assert.equal(list.code, 0, list.stderr);
  const listed = JSON.parse(list.stdout) as { transactionalId: string; state: string }[];
  assert.deepEqual(
    listed.map((t) => [t.transactionalId, t.state]),
    [['cli-1', 'Ongoing']],
  );
  const table = await samsa(['txn', 'list', '-b', bs, '-s', 'ongoing']);
  assert.match(
    table.stdout,
    /^TRANSACTIONAL-ID\s+COORDINATOR\s+PRODUCER-ID\s+STATE\ncli-1\s+1\s+\d+\s+Ongoing\n$/,
  );
  const none = await samsa(['txn', 'list', '-b', bs, '-s', 'CompleteCommit']);
  assert.equal(none.stdout.trim(), 'TRANSACTIONAL-ID  COORDINATOR  PRODUCER-ID  STATE');
  const d = await samsa(['txn', 'describe', 'cli-1', '-b', bs]);
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout, /STATE\s+Ongoing/);
  assert.match(d.stdout, /PARTITIONS\s+tx-0/);
  const missing = await samsa(['txn', 'describe', 'nope', '-b', bs]);
  assert.equal(missing.code, 1);
  const p = await samsa(['txn', 'producers', 'tx', '-b', bs, '--json']);
  const producers = JSON.parse(p.stdout) as {
    partition: number;
    currentTransactionStartOffset: number | null;
  }[];
  assert.deepEqual(producers.map((x) => [x.partition, x.currentTransactionStartOffset]).sort(), [
    [0, 0],
    [1, null],
  ]);
  const h = await samsa(['txn', 'hanging', 'tx', '--max-timeout', '0s', '-b', bs]);
  assert.equal(h.code, 0, h.stderr);
  assert.equal(h.stdout.trim(), 'TOPIC  PARTITION  PRODUCER-ID  EPOCH  START-OFFSET  OPEN-FOR');
  const bad = await samsa(['txn', 'abort', 'tx', '-b', bs]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--partition is required/);
});
