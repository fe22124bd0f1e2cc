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

// Waits for a line on stdin between producing and ending each transaction (the test restarts the
// broker there) and reports each step on stdout.
const PRODUCER = `
import sys
from confluent_kafka import Producer, KafkaException
bs, topic = sys.argv[1:3]
p = Producer({'bootstrap.servers': bs, 'transactional.id': 'restart-txn', 'linger.ms': 5,
              'transaction.timeout.ms': 60000, 'message.timeout.ms': 60000, 'reconnect.backoff.max.ms': 500})
p.init_transactions(30)
def txn(prefix, n, commit):
    p.begin_transaction()
    for i in range(n): p.produce(topic, value=('%s-%d' % (prefix, i)).encode(), partition=i % 3)
    p.flush(30)
    print('produced', prefix, flush=True)
    sys.stdin.readline()
    try:
        if commit: p.commit_transaction(60)
        else: p.abort_transaction(60)
        print('ended', prefix, flush=True)
    except KafkaException as e:
        print('failed', prefix, e.args[0].str(), flush=True)
txn('c', 30, True)
txn('a', 20, False)
`;

const READ = `
import sys, json, time
from confluent_kafka import Consumer, TopicPartition
bs, topic, iso = sys.argv[1:4]
c = Consumer({'bootstrap.servers': bs, 'group.id': 'r', 'isolation.level': iso, 'enable.auto.commit': False,
              'enable.partition.eof': True})
c.assign([TopicPartition(topic, p, 0) for p in range(3)])
got, eof, deadline = [], set(), time.time() + 20
while len(eof) < 3 and time.time() < deadline:
    m = c.poll(0.2)
    if m is None: continue
    if m.error():
        if m.error().code() == -191: eof.add(m.partition())
        continue
    eof.discard(m.partition())
    got.append(m.value().decode())
c.close()
print(json.dumps(sorted(got)))
`;

/** The producer's lines, each taken once by the first `next` whose prefix it has (earlier or later). */
function lines(child: ChildProcess): { next(prefix: string): Promise<string> } {
  let buffer = '';
  const seen: string[] = [];
  const waiters: { prefix: string; resolve: (l: string) => void }[] = [];
  child.stdout?.on('data', (d: Buffer) => {
    buffer += d.toString();
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      const w = waiters.findIndex((x) => line.startsWith(x.prefix));
      if (w >= 0) waiters.splice(w, 1)[0].resolve(line);
      else seen.push(line);
    }
  });
  return {
    next: (prefix) => {
      const i = seen.findIndex((l) => l.startsWith(prefix));
      if (i >= 0) return Promise.resolve(seen.splice(i, 1)[0]);
      return new Promise((resolve, reject) => {
        waiters.push({ prefix, resolve });
        child.once('exit', (code) => reject(new Error(`producer exited (${code}) before '${prefix}'`)));
      });
    },
  };
}

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
    const r = await runPython(READ, [broker.bootstrap, 'restart-txn', iso], 60_000);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '[]') as string[];
  };
  try {
    const admin = new Admin({ bootstrapServers: broker.bootstrap });
    await admin.createTopics([{ name: 'restart-txn', numPartitions: 3 }]);
    await admin.close();
    producer = spawn(DEBIAN_PYTHON, ['-c', PRODUCER, broker.bootstrap, 'restart-txn'], {
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
    const committed = Array.from({ length: 30 }, (_, i) => `c-${i}`).sort();
    assert.deepEqual(await read('read_committed'), committed);
    await out.next('produced a');
    await restart();
    producer.stdin?.write('go\n');
    assert.equal(await out.next('ended a').catch((e) => String(e)), 'ended a');
    assert.deepEqual(await read('read_committed'), committed);
    const aborted = Array.from({ length: 20 }, (_, i) => `a-${i}`);
    assert.deepEqual(await read('read_uncommitted'), [...committed, ...aborted].sort());
  } finally {
    if (producer && producer.exitCode === null) producer.kill('SIGKILL');
    await broker.stop();
    removeDataDir(dataDir);
  }
});
