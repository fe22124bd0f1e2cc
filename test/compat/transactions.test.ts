// Transactions with unmodified clients against a Samsa broker process: confluent-kafka (librdkafka)
// consume-transform-produce with send_offsets_to_transaction, kcat's transactional producer, kafkajs
// transactions with sendOffsets; read_committed consumers see exactly what was committed and the
// group's offsets move only with a commit, read_uncommitted consumers see everything; a second producer
// with the same transactional.id fences the first; a transaction left open is aborted at its timeout.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import kafkajs from 'kafkajs';
import { Admin, Consumer, type ConsumerRecord, type KafkaError, Producer } from '../../src/client/index.js';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { DEBIAN_PYTHON, needs, run, runPython } from '../helpers/tools.js';

let broker: BrokerProcess;
let admin: Admin;

before(async () => {
  broker = await startBrokerProcess({
    args: ['--override', 'transaction.abort.timed.out.transaction.cleanup.interval.ms=300'],
  });
  admin = new Admin({ bootstrapServers: broker.bootstrap });
});

after(async () => {
  await admin.close();
  await broker.stop();
  removeDataDir(broker.dataDir);
});

/** The values of a topic's records, read to the end by librdkafka with the given isolation level. */
const READ_ALL = `
import sys, json
from confluent_kafka import Consumer, TopicPartition
bs, topic, parts, iso = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
c = Consumer({'bootstrap.servers': bs, 'group.id': 'reader-' + iso, 'isolation.level': iso,
              'enable.auto.commit': False, 'enable.partition.eof': True})
c.assign([TopicPartition(topic, p, 0) for p in range(parts)])
got, eof = [], set()
import time
deadline = time.time() + 20
while len(eof) < parts and time.time() < deadline:
    m = c.poll(0.2)
    if m is None: continue
    if m.error():
        if m.error().code() == -191: eof.add(m.partition())  # _PARTITION_EOF
        continue
    eof.discard(m.partition())
    got.append(m.value().decode())
c.close()
print(json.dumps(sorted(got)))
`;

async function readAll(topic: string, partitions: number, isolation: string): Promise<string[]> {
  const r = await runPython(READ_ALL, [broker.bootstrap, topic, String(partitions), isolation], 60_000);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '[]') as string[];
}

async function committed(group: string, topic: string): Promise<number[]> {
  const offsets = await admin.listGroupOffsets(group);
  return offsets
    .filter((o) => o.topic === topic)
    .sort((a, b) => a.partition - b.partition)
    .map((o) => o.offset);
}

// Consume 30 records from `in` (3 partitions) in a group; transaction 1 turns offsets 0-4 of each
// partition into `c-*` records of `out` and commits the group's offsets (5, 5, 5) with them;
// transaction 2 does the same for offsets 5-9 (`a-*`, offsets 10) and aborts.
const CONSUME_TRANSFORM_PRODUCE = `
import sys, json, time
from confluent_kafka import Producer, Consumer, TopicPartition
bs, src, dst, group = sys.argv[1:5]
c = Consumer({'bootstrap.servers': bs, 'group.id': group, 'enable.auto.commit': False,
              'auto.offset.reset': 'earliest', 'isolation.level': 'read_committed'})
c.subscribe([src])
records, deadline = [], time.time() + 30
while len(records) < 30 and time.time() < deadline:
    m = c.poll(0.5)
    if m is not None and not m.error(): records.append(m)
assert len(records) == 30, len(records)
p = Producer({'bootstrap.servers': bs, 'transactional.id': 'ctp-' + group, 'linger.ms': 5})
p.init_transactions(30)
def txn(lo, hi, prefix, commit):
    p.begin_transaction()
    for m in records:
        if lo <= m.offset() < hi:
            p.produce(dst, value=('%s-%d-%d' % (prefix, m.partition(), m.offset())).encode(), partition=m.partition())
    p.send_offsets_to_transaction([TopicPartition(src, q, hi) for q in range(3)], c.consumer_group_metadata(), 30)
    if commit: p.commit_transaction(30)
    else:
        p.flush(30)
        p.abort_transaction(30)
txn(0, 5, 'c', True)
txn(5, 10, 'a', False)
c.close()
print('done')
`;

test('confluent-kafka: consume-transform-produce, one transaction committed and one aborted across 3 partitions', {
  timeout: 120_000,
}, async (t) => {
  if (!needs(t, 'confluent-kafka', 'kcat')) return;
  await admin.createTopics([
    { name: 'ctp-in', numPartitions: 3 },
    { name: 'ctp-out', numPartitions: 3 },
  ]);
  for (let p = 0; p < 3; p++) {
    const input = `${Array.from({ length: 10 }, (_, i) => `in-${p}-${i}`).join('\n')}\n`;
    const r = await run('kcat', ['-b', broker.bootstrap, '-P', '-t', 'ctp-in', '-p', String(p)], { input });
    assert.equal(r.code, 0, r.stderr);
  }
  const r = await runPython(
    CONSUME_TRANSFORM_PRODUCE,
    [broker.bootstrap, 'ctp-in', 'ctp-out', 'ctp-group'],
    90_000,
  );
  assert.equal(r.code, 0, r.stderr);
  const expectCommitted = [0, 1, 2].flatMap((p) => [0, 1, 2, 3, 4].map((o) => `c-${p}-${o}`)).sort();
  const expectAborted = [0, 1, 2].flatMap((p) => [5, 6, 7, 8, 9].map((o) => `a-${p}-${o}`)).sort();
  assert.deepEqual(await readAll('ctp-out', 3, 'read_committed'), expectCommitted);
  assert.deepEqual(
    await readAll('ctp-out', 3, 'read_uncommitted'),
    [...expectAborted, ...expectCommitted].sort(),
  );
  assert.deepEqual(
    await committed('ctp-group', 'ctp-in'),
    [5, 5, 5],
    'the group offsets of the committed transaction',
  );
});

// kcat 1.7.1 commits its transaction when stdin is closed. On Ctrl-C it aborts only if its input ends
// with nothing left over: it reads stdin in blocks and restarts the read after the signal, and a block
// still being produced ends it through its "Program terminated while producing" exit, which never calls
// abort_transaction. That transaction stays open until the coordinator aborts it at
// transaction.timeout.ms; either way it must never become visible to read_committed.
test('kcat -X transactional.id: closing stdin commits; an interrupted kcat is aborted at its timeout', {
  timeout: 90_000,
}, async (t) => {
  if (!needs(t, 'kcat', 'confluent-kafka')) return;
  await admin.createTopics([{ name: 'kcat-txn', numPartitions: 3 }]);
  const producer = (txnId: string) => [
    '-b',
    broker.bootstrap,
    '-P',
    '-t',
    'kcat-txn',
    '-p',
    '-1',
    '-X',
    `transactional.id=${txnId}`,
    '-X',
    'transaction.timeout.ms=3000',
    '-m',
    '30', // kcat's timeout for init and commit (default 5 s): generous on a busy machine
  ];
  const commits = Array.from({ length: 9 }, (_, i) => `commit-${i}`);
  const commit = await run('kcat', producer('kcat-1'), {
    input: `${commits.join('\n')}\n`,
    timeoutMs: 30_000,
  });
  assert.equal(commit.code, 0, commit.stderr);
  // A second transaction: kcat produces whole blocks of its input as they arrive.
  const child = spawn('kcat', producer('kcat-2'), { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  // kcat may end before it read everything (its exit is checked below): no EPIPE on our side.
  child.stdin?.on('error', () => {});
  const lines = 60_000;
  child.stdin?.write(Array.from({ length: lines }, (_, i) => `abort-${i}-${'x'.repeat(30)}\n`).join(''));
  const latest = (isolationLevel: 'read_committed' | 'read_uncommitted') =>
    admin
      .listOffsets(
        [0, 1, 2].map((partition) => ({ topic: 'kcat-txn', partition, at: 'latest' as const })),
        {
          isolationLevel,
        },
      )
      .then((l) => l.map((o) => o.offset));
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`kcat exited early (${child.exitCode}): ${stderr}`);
      return sum(await latest('read_uncommitted')) >= 9 + 1 + lines / 2;
    }, 30_000);
    child.kill('SIGINT');
    child.stdin?.end(); // kcat restarts its read after the signal: it stops at the end of its input
    const code = await exited;
    // Either kcat aborted (the signal found no input left over) or it ended as described above.
    if (code === 0) assert.match(stderr, /Aborting transaction/);
    else assert.match(stderr, /Program terminated while producing/);
  } finally {
    child.stdin?.destroy();
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  // The open transaction holds the LSO until the coordinator aborts it (3 s): then LSO = HWM.
  assert.ok(sum(await latest('read_committed')) < sum(await latest('read_uncommitted')));
  await waitFor(async () => {
    const [lso, hwm] = [await latest('read_committed'), await latest('read_uncommitted')];
    return lso.every((o, i) => o === hwm[i]);
  }, 20_000);
  const read = (isolation: string) =>
    run(
      'kcat',
      [
        '-b',
        broker.bootstrap,
        '-C',
        '-t',
        'kcat-txn',
        '-o',
        'beginning',
        '-e',
        '-q',
        '-X',
        `isolation.level=${isolation}`,
      ],
      {
        timeoutMs: 60_000,
      },
    );
  const committedRead = await read('read_committed');
  assert.deepEqual(committedRead.stdout.trim().split('\n').sort(), commits);
  const uncommittedRead = (await read('read_uncommitted')).stdout.trim().split('\n');
  assert.ok(uncommittedRead.length > 9 + lines / 2, `${uncommittedRead.length} records`);
  assert.equal(uncommittedRead.filter((l) => l.startsWith('commit-')).length, 9);
});

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

const { Kafka, logLevel } = kafkajs;

test('kafkajs: transactions with sendOffsets; commit and abort; read_committed consumers', {
  timeout: 90_000,
}, async (t) => {
  if (!needs(t, 'confluent-kafka')) return;
  const kafka = new Kafka({
    clientId: 'txn-compat',
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
  });
  await admin.createTopics([
    { name: 'kjs-in', numPartitions: 2 },
    { name: 'kjs-out', numPartitions: 2 },
  ]);
  const producer = kafka.producer({ transactionalId: 'kjs-txn', idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const commitTxn = await producer.transaction();
  await commitTxn.send({
    topic: 'kjs-out',
    messages: [0, 1, 2, 3].map((i) => ({ value: `c${i}`, partition: i % 2 })),
  });
  await commitTxn.sendOffsets({
    consumerGroupId: 'kjs-group',
    topics: [
      {
        topic: 'kjs-in',
        partitions: [
          { partition: 0, offset: '7' },
          { partition: 1, offset: '3' },
        ],
      },
    ],
  });
  await commitTxn.commit();
  const abortTxn = await producer.transaction();
  await abortTxn.send({
    topic: 'kjs-out',
    messages: [0, 1].map((i) => ({ value: `a${i}`, partition: i % 2 })),
  });
  await abortTxn.sendOffsets({
    consumerGroupId: 'kjs-group',
    topics: [{ topic: 'kjs-in', partitions: [{ partition: 0, offset: '99' }] }],
  });
  await abortTxn.abort();
  await producer.disconnect();
  assert.deepEqual(await committed('kjs-group', 'kjs-in'), [7, 3]);
  // kafkajs consumers read committed data by default.
  const consumer = kafka.consumer({ groupId: 'kjs-reader', maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'kjs-out', fromBeginning: true });
  const seen: string[] = [];
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
  try {
    await waitFor(async () => seen.length >= 4, 30_000);
    await new Promise((r) => setTimeout(r, 500)); // nothing else arrives
    assert.deepEqual(seen.sort(), ['c0', 'c1', 'c2', 'c3']);
  } finally {
    await consumer.disconnect();
  }
  assert.deepEqual(await readAll('kjs-out', 2, 'read_uncommitted'), ['a0', 'a1', 'c0', 'c1', 'c2', 'c3']);
});

/** Every record of a topic's partitions from offset 0, read by Samsa's consumer with an isolation level. */
async function samsaReadAll(
  topic: string,
  partitions: number,
  isolationLevel: 'read_committed' | 'read_uncommitted',
  expected: number,
): Promise<string[]> {
  const reader = new Consumer({ bootstrapServers: broker.bootstrap, isolationLevel, fetchMaxWaitMs: 50 });
  reader.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: 0 })));
  const seen: string[] = [];
  try {
    for (let polls = 0; seen.length < expected && polls < 200; polls++)
      for (const r of await reader.poll(100)) seen.push(String(r.value));
    for (const r of await reader.poll(300)) seen.push(String(r.value)); // nothing more arrives
  } finally {
    await reader.close();
  }
  return seen.sort();
}

// The confluent-kafka scenario with Samsa's own client: a group consumer reads 30 records of 3
// partitions; one transaction writes c-* for offsets 0-4 and commits the group's offsets (5, 5, 5)
// with them, the next writes a-* for offsets 5-9 with offsets 10 and aborts; then a second producer
// with the same transactional.id fences the first.
test("Samsa's client: consume-transform-produce, commit and abort with the group's offsets; fencing", {
  timeout: 90_000,
}, async () => {
  await admin.createTopics([
    { name: 'sam-in', numPartitions: 3 },
    { name: 'sam-out', numPartitions: 3 },
  ]);
  const seed = new Producer({ bootstrapServers: broker.bootstrap });
  await seed.sendBatch(
    [0, 1, 2].flatMap((partition) =>
      Array.from({ length: 10 }, (_, i) => ({ topic: 'sam-in', partition, value: `in-${partition}-${i}` })),
    ),
  );
  await seed.close();

  const consumer = new Consumer({
    bootstrapServers: broker.bootstrap,
    groupId: 'sam-group',
    isolationLevel: 'read_committed',
    autoOffsetReset: 'earliest',
    enableAutoCommit: false,
    fetchMaxWaitMs: 50,
  });
  const producer = new Producer({
    bootstrapServers: broker.bootstrap,
    transactionalId: 'sam-txn',
    lingerMs: 1,
  });
  try {
    await consumer.subscribe(['sam-in']);
    const input: ConsumerRecord[] = [];
    for (let polls = 0; input.length < 30 && polls < 300; polls++) input.push(...(await consumer.poll(100)));
    assert.equal(input.length, 30);
    await producer.initTransactions();
    const transform = (records: ConsumerRecord[], prefix: string) =>
      records.map((r) => ({
        topic: 'sam-out',
        partition: r.partition,
        value: `${prefix}-${r.partition}-${r.offset}`,
      }));
    const offsetsAt = (offset: number) =>
      [0, 1, 2].map((partition) => ({ topic: 'sam-in', partition, offset }));
    await producer.transaction(async (tx) => {
      await Promise.all(
        transform(
          input.filter((r) => r.offset < 5),
          'c',
        ).map((r) => tx.send(r)),
      );
      await tx.sendOffsets(offsetsAt(5), consumer);
    });
    producer.beginTransaction();
    await Promise.all(
      transform(
        input.filter((r) => r.offset >= 5),
        'a',
      ).map((r) => producer.send(r)),
    );
    await producer.sendOffsetsToTransaction(offsetsAt(10), consumer);
    await producer.abortTransaction();
  } finally {
    await consumer.close();
  }
  assert.deepEqual(await committed('sam-group', 'sam-in'), [5, 5, 5], "the committed transaction's offsets");
  const expectCommitted = [0, 1, 2].flatMap((p) => [0, 1, 2, 3, 4].map((o) => `c-${p}-${o}`)).sort();
  const expectAborted = [0, 1, 2].flatMap((p) => [5, 6, 7, 8, 9].map((o) => `a-${p}-${o}`)).sort();
  assert.deepEqual(await samsaReadAll('sam-out', 3, 'read_committed', 15), expectCommitted);
  assert.deepEqual(
    await samsaReadAll('sam-out', 3, 'read_uncommitted', 30),
    [...expectAborted, ...expectCommitted].sort(),
  );

  // Fencing: a new producer with the same transactional.id aborts the open transaction of the old one.
  producer.beginTransaction();
  await producer.send({ topic: 'sam-out', partition: 0, value: 'zombie' });
  const next = new Producer({ bootstrapServers: broker.bootstrap, transactionalId: 'sam-txn', lingerMs: 1 });
  await next.initTransactions();
  await next.transaction(async (tx) => {
    await tx.send({ topic: 'sam-out', partition: 0, value: 'next' });
  });
  await assert.rejects(producer.commitTransaction(), (e: KafkaError) => {
    assert.ok(['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH'].includes(e.code), e.message);
    return true;
  });
  await Promise.all([producer.close(), next.close()]);
  const after = await samsaReadAll('sam-out', 3, 'read_committed', 16);
  assert.deepEqual(after, [...expectCommitted, 'next'].sort());
});

// A producer opens a transaction; a second producer with the same transactional.id initializes (which
// aborts the first one's transaction), then commits its own; the first one's commit fails, fenced.
const ZOMBIE = `
import sys, json
from confluent_kafka import Producer, KafkaException
bs, topic = sys.argv[1:3]
old = Producer({'bootstrap.servers': bs, 'transactional.id': 'zombie', 'linger.ms': 1})
old.init_transactions(30)
old.begin_transaction()
old.produce(topic, value=b'zombie', partition=0)
old.flush(30)
new = Producer({'bootstrap.servers': bs, 'transactional.id': 'zombie', 'linger.ms': 1})
new.init_transactions(30)
new.begin_transaction()
new.produce(topic, value=b'new', partition=0)
new.commit_transaction(30)
out = {}
try:
    old.produce(topic, value=b'zombie-2', partition=0)
    old.commit_transaction(30)
    out['old'] = 'committed'
except KafkaException as e:
    err = e.args[0]
    out['old'] = err.name()
    out['fatal'] = err.fatal()
    out['str'] = err.str()
print(json.dumps(out))
`;

test('zombie fencing: a second producer with the same transactional.id fences the first', {
  timeout: 90_000,
}, async (t) => {
  if (!needs(t, 'confluent-kafka')) return;
  await admin.createTopics([{ name: 'zombie-out', numPartitions: 1 }]);
  const r = await runPython(ZOMBIE, [broker.bootstrap, 'zombie-out'], 60_000);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
  assert.equal(out.old, '_FENCED', JSON.stringify(out));
  assert.equal(out.fatal, true);
  assert.deepEqual(await readAll('zombie-out', 1, 'read_committed'), ['new']);
  // kafkajs sees the same: its commit after being fenced fails with the fencing error.
  const kafka = new Kafka({ clientId: 'zombie', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const a = kafka.producer({ transactionalId: 'kjs-zombie', idempotent: true, maxInFlightRequests: 1 });
  const b = kafka.producer({ transactionalId: 'kjs-zombie', idempotent: true, maxInFlightRequests: 1 });
  await a.connect();
  const ta = await a.transaction();
  await ta.send({ topic: 'zombie-out', messages: [{ value: 'kjs-zombie', partition: 0 }] });
  await b.connect();
  const tb = await b.transaction();
  await tb.send({ topic: 'zombie-out', messages: [{ value: 'kjs-new', partition: 0 }] });
  await tb.commit();
  await assert.rejects(ta.commit(), (e: Error & { type?: string }) => {
    assert.match(`${e.type} ${e.message}`, /PRODUCER_FENCED|INVALID_PRODUCER_EPOCH|fenced|epoch/i);
    return true;
  });
  await Promise.all([a.disconnect(), b.disconnect()]);
  assert.deepEqual(await readAll('zombie-out', 1, 'read_committed'), ['kjs-new', 'new']);
});

const LEFT_OPEN = `
import sys, time
from confluent_kafka import Producer
bs, topic = sys.argv[1:3]
p = Producer({'bootstrap.servers': bs, 'transactional.id': 'left-open', 'transaction.timeout.ms': 2000, 'linger.ms': 1})
p.init_transactions(30)
p.begin_transaction()
for i in range(5): p.produce(topic, value=b'open-%d' % i, partition=0)
p.flush(30)
print('produced', flush=True)
sys.stdin.readline()
`;

test('a transaction left open past transaction.timeout.ms is aborted and the LSO moves on', {
  timeout: 60_000,
}, async (t) => {
  if (!needs(t, 'confluent-kafka')) return;
  await admin.createTopics([{ name: 'left-open', numPartitions: 1 }]);
  const child: ChildProcess = spawn(DEBIAN_PYTHON, ['-c', LEFT_OPEN, broker.bootstrap, 'left-open'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('produced')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`producer exited with ${code}`)));
    });
    const latest = { topic: 'left-open', partition: 0, at: 'latest' as const };
    const lso = async () =>
      (await admin.listOffsets([latest], { isolationLevel: 'read_committed' }))[0].offset;
    const hwm = async () => (await admin.listOffsets([latest]))[0].offset;
    assert.equal(await hwm(), 5);
    assert.equal(await lso(), 0, 'the open transaction holds the LSO at its first offset');
    // The coordinator aborts it (2 s timeout, checked every 300 ms): the marker moves the LSO past it.
    await waitFor(async () => (await lso()) === 6, 15_000);
    assert.equal(await hwm(), 6);
    assert.deepEqual(await readAll('left-open', 1, 'read_committed'), []);
  } finally {
    child.stdin?.end();
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
