// The transaction coordinator fails over, on three broker processes: a transactional producer
// (confluent-kafka) has records of an open transaction on three partitions of a topic with replication
// factor 3 when the broker leading its __transaction_state partition is SIGKILLed. The coordinator moves
// to a follower of that partition, which loads the transaction from the replicated log; the producer
// commits there, and later aborts a second transaction after the coordinator of the moment is killed in
// turn (the first node back first). read_committed sees each transaction whole or not at all; read_uncommitted
// sees every record once.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { ProcessCluster } from '../helpers/process-cluster.js';
import { RawClient } from '../helpers/raw-client.js';
import { DEBIAN_PYTHON, runPython, skipUnless } from '../helpers/tools.js';
import { ABORTED, COMMITTED, lines, TXN_PRODUCER, TXN_READ_ALL } from '../helpers/txn-python.js';
import { until } from '../helpers/wait.js';

const TOPIC = 'txn-failover';
const TXN_ID = 'failover-txn';
const TEST_NAME =
  'the transaction coordinator is killed mid-transaction: its successor commits one and aborts the next, each whole';
const skip = skipUnless(TEST_NAME, 'confluent-kafka');

let cluster: ProcessCluster;

before(async () => {
  if (skip) return;
  cluster = await ProcessCluster.start({
    nodes: 3,
    configs: {
      'broker.session.timeout.ms': '2000',
      'broker.heartbeat.interval.ms': '500',
      'replica.lag.time.max.ms': '30000',
    },
  });
});

after(async () => {
  await cluster?.close();
});

/** The node FindCoordinator (key type 1) names for the transactional id, asked of a live node. */
async function coordinator(): Promise<number> {
  const live = cluster.brokerIds.find((id) => cluster.node(id).child) ?? 1;
  const client = await RawClient.connect(cluster.node(live).port);
  try {
    const r = await client.request(10, 4, { key: '', keyType: 1, coordinatorKeys: [TXN_ID] });
    const c = r.coordinators[0];
    if (c.errorCode !== 0) throw new Error(`FindCoordinator: error ${c.errorCode}`);
    return c.nodeId as number;
  } finally {
    client.close();
  }
}

/** Whether every __transaction_state partition has all three replicas in its ISR. */
async function transactionLogInSync(): Promise<boolean> {
  const text = await cluster.tool('kafka-topics.sh', ['--describe', '--topic', '__transaction_state']);
  const isrs = [...text.matchAll(/Isr: ([\d,]+)/g)].map((m) => m[1].split(',').length);
  return isrs.length === 50 && isrs.every((n) => n === 3);
}

/** The coordinator's view of the transaction (for a failure message). */
async function txnState(): Promise<string> {
  return cluster
    .tool('kafka-transactions.sh', ['describe', '--transactional-id', TXN_ID])
    .catch((err: unknown) => String(err));
}

async function read(iso: string): Promise<string[]> {
  const r = await runPython(TXN_READ_ALL, [cluster.bootstrap, TOPIC, iso], 60_000);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '[]') as string[];
}

/**
 * Reads until the topic holds `expected` (markers reach each partition on their own, so a committed
 * transaction shows partition by partition, as in Kafka); what it reads must always be a subset.
 */
async function readUntil(iso: string, expected: string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const got = await read(iso);
    const extra = got.filter((v) => !expected.includes(v));
    assert.deepEqual(extra, [], `${iso} read records it must never see`);
    if (got.length === expected.length || Date.now() > deadline) {
      assert.deepEqual(got, expected);
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

test(TEST_NAME, {
  skip,
  timeout: 240_000,
}, async () => {
  await cluster.createTopic(TOPIC, 3, 3, { 'min.insync.replicas': '2' });
  let producer: ChildProcess | null = null;
  try {
    producer = spawn(DEBIAN_PYTHON, ['-c', TXN_PRODUCER, cluster.bootstrap, TOPIC, TXN_ID], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    producer.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const out = lines(producer);
    const producedC = await out.next('produced c');
    if (producedC !== 'produced c unflushed 0')
      assert.fail(`${producedC}\n${await txnState()}${stderr.slice(-2000)}`);
    await until(transactionLogInSync, (ok) => ok, 'a fully replicated __transaction_state');
    const first = await coordinator();
    await cluster.kill(first);
    await until(coordinator, (id) => id !== first, 'a new transaction coordinator');
    assert.deepEqual(await read('read_committed'), [], 'the open transaction stays invisible');
    producer.stdin?.write('go\n');
    assert.equal(await out.next('ended c').catch((e) => `${e} ${stderr.slice(-1500)}`), 'ended c');
    await readUntil('read_committed', COMMITTED);

    const producedA = await out.next('produced a');
    if (producedA !== 'produced a unflushed 0')
      assert.fail(`${producedA}\n${await txnState()}${stderr.slice(-2000)}`);
    await cluster.restart(first);
    await until(transactionLogInSync, (ok) => ok, 'the restarted node back in every ISR');
    const third = await coordinator();
    await cluster.kill(third);
    await until(coordinator, (id) => id !== third, 'another transaction coordinator');
    producer.stdin?.write('go\n');
    assert.equal(await out.next('ended a').catch((e) => `${e} ${stderr.slice(-1500)}`), 'ended a');
    await readUntil('read_committed', COMMITTED);
    await readUntil('read_uncommitted', [...COMMITTED, ...ABORTED].sort());
  } finally {
    if (producer && producer.exitCode === null) producer.kill('SIGKILL');
  }
});
