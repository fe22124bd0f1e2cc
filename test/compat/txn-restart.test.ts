// A broker killed (SIGKILL) and restarted in the middle of a transaction: the producer, still running,
// commits one transaction and aborts another after the restart. The coordinator's state and the
// partitions' open transactions come back from disk, so read_committed sees each transaction whole or
// not at all, and read_uncommitted sees every record once.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { test } from 'node:test';
import { Admin } from '../../src/client/index.js';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { DEBIAN_PYTHON, needs, runPython } from '../helpers/tools.js';
import { ABORTED, COMMITTED, lines, TXN_PRODUCER, TXN_READ_ALL } from '../helpers/txn-python.js';

test('a broker restart in the middle of transactions: each is committed or aborted whole', {
  timeout: 180_000,
}, async (t) => {
  if (!needs(t, 'confluent-kafka')) return;
  let broker: BrokerProcess = await startBrokerProcess();
  const { dataDir, port } = broker;
  let producer: ChildProcess | null = null;
  const restart = async () => {
    await broker.kill();
    broker = await startBrokerProcess({ dataDir, port });
  };
  const read = async (iso: string) => {
    const r = await runPython(TXN_READ_ALL, [broker.bootstrap, 'restart-txn', iso], 60_000);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '[]') as string[];
  };
  try {
    const admin = new Admin({ bootstrapServers: broker.bootstrap });
    await admin.createTopics([{ name: 'restart-txn', numPartitions: 3 }]);
    await admin.close();
    producer = spawn(DEBIAN_PYTHON, ['-c', TXN_PRODUCER, broker.bootstrap, 'restart-txn', 'restart-txn'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out = lines(producer);
    await out.next('produced c');
    await restart();
    assert.deepEqual(
      await read('read_committed'),
      [],
      'the open transaction is not visible after the restart',
    );
    producer.stdin?.write('go\n');
    assert.equal(await out.next('ended c').catch((e) => String(e)), 'ended c');
    const committed = COMMITTED;
    assert.deepEqual(await read('read_committed'), committed);
    await out.next('produced a');
    await restart();
    producer.stdin?.write('go\n');
    assert.equal(await out.next('ended a').catch((e) => String(e)), 'ended a');
    assert.deepEqual(await read('read_committed'), committed);
    const aborted = ABORTED;
    assert.deepEqual(await read('read_uncommitted'), [...committed, ...aborted].sort());
  } finally {
    if (producer && producer.exitCode === null) producer.kill('SIGKILL');
    await broker.stop();
    removeDataDir(dataDir);
  }
});
