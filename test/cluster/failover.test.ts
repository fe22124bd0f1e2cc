// Failover under load, on three broker processes (combined nodes; a topic of 3 partitions,
// replication factor 3, min.insync.replicas=2): an idempotent acks=all producer (librdkafka) writes
// 200,000 records while the leader of a partition is SIGKILLed — or SIGSTOPped past the broker session
// timeout and then resumed. A new leader takes over, the producer goes on after retriable errors, and
// reading everything back finds every acknowledged record exactly once, in order per partition. The
// resumed old leader is fenced: a produce it still takes is never acknowledged with acks=all, and the
// record it wrote alone is truncated away when it follows the new leader.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ErrorCode } from '../../src/protocol/errors.js';
import { buildBatch } from '../../src/protocol/records/record.js';
import { repoRoot } from '../helpers/paths.js';
import { ProcessCluster } from '../helpers/process-cluster.js';
import { RawClient } from '../helpers/raw-client.js';
import { DEBIAN_PYTHON, needs, run } from '../helpers/tools.js';
import { until } from '../helpers/wait.js';

const RECORDS = 200_000;
// Long enough that followers paused for under a second (the SIGSTOP test) are never fenced for it, now that
// the controller fences within 100 ms of a session's expiry.
const SESSION_TIMEOUT_MS = 3000;

let cluster: ProcessCluster;

before(async () => {
  cluster = await ProcessCluster.start({
    nodes: 3,
    configs: {
      'broker.session.timeout.ms': String(SESSION_TIMEOUT_MS),
      'broker.heartbeat.interval.ms': '500',
      // Kafka's default (30 s): a loaded machine must not drop followers from the ISR mid-test.
      'replica.lag.time.max.ms': '30000',
      ...(process.env.SAMSA_TEST_VERBOSE ? { 'log.level': 'info,replicas=debug' } : {}),
    },
  });
});

/**
 * Set when a test found something to look into, and while a test runs (a failed one never clears
 * it): close() then keeps the data and writes the brokers' logs beside it.
 */
let keepClusterData = false;
const running = new Set<string>();

function brokerLogs(): string {
  const file = join(cluster.root, 'broker-logs.txt');
  writeFileSync(file, [...cluster.nodes.values()].map((n) => `==== node ${n.id}\n${n.output}`).join('\n'));
  return file;
}

after(async () => {
  const keep = keepClusterData || running.size > 0;
  if (keep && cluster) brokerLogs();
  await cluster?.close(keep);
  if (keep) console.log(`failover: the cluster's data and the brokers' logs are kept in ${cluster.root}`);
});

const PATH_ENV = { PATH: `${join(process.execPath, '..')}:${process.env.PATH ?? ''}` };

// Record i goes to partition i % 3 with value "i". Acknowledged records are printed as
// "partition offset value" (a flush every few thousand so the test sees progress).
const PRODUCER = `
import sys
from confluent_kafka import Producer
out = open(sys.argv[3], 'w', buffering=1)
errors = {}
p = Producer({'bootstrap.servers': sys.argv[1], 'enable.idempotence': True, 'acks': 'all',
              'linger.ms': 5, 'message.timeout.ms': 120000, 'retry.backoff.ms': 100,
              'queue.buffering.max.messages': 300000, 'topic.metadata.refresh.interval.ms': 1000})
def report(err, msg):
    if err is None:
        out.write('%d %d %s\\n' % (msg.partition(), msg.offset(), msg.value().decode()))
    else:
        errors[err.name()] = errors.get(err.name(), 0) + 1
n = int(sys.argv[4])
for i in range(n):
    while True:
        try:
            p.produce(sys.argv[2], value=str(i).encode(), partition=i % 3, on_delivery=report)
            break
        except BufferError:
            p.poll(0.05)
    if i % 2000 == 0:
        p.poll(0)
left = p.flush(150)
out.close()
print('left', left, 'errors', errors)
`;

interface Produced {
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  acked(): number;
  ackFile: string;
}

function startProducer(topic: string): Produced {
  const ackFile = join(cluster.root, `acks-${topic}.txt`);
  const child = spawn(DEBIAN_PYTHON, ['-c', PRODUCER, cluster.bootstrap, topic, ackFile, String(RECORDS)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stdout, stderr })),
  );
  const acked = () => {
    try {
      return readFileSync(ackFile, 'utf8').split('\n').length - 1;
    } catch {
      return 0;
    }
  };
  return { done, acked, ackFile };
}

async function waitForAcks(p: Produced, count: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (p.acked() < count) {
    if (Date.now() > deadline) throw new Error(`only ${p.acked()} records acknowledged`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Reads the whole topic back and checks it against the acknowledgements: every acknowledged record is
 * there exactly once at its offset, nothing appears twice, and each partition holds its records in the
 * order they were produced.
 */
async function readBack(topic: string): Promise<{ lines: string[]; stderr: string }> {
  const r = await run(
    'kcat',
    ['-b', cluster.bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p %o %s\\n'],
    {
      timeoutMs: 120_000,
    },
  );
  assert.equal(r.code, 0, r.stderr);
  return { lines: r.stdout.trim().split('\n').filter(Boolean), stderr: r.stderr };
}

/** Per partition: records read, and the offset ranges below the last acknowledged offset not read. */
function coverage(lines: string[], acks: string[]): string {
  const out: string[] = [];
  for (let p = 0; p < 3; p++) {
    const read = new Set<number>();
    for (const l of lines) {
      const [partition, offset] = l.split(' ').map(Number);
      if (partition === p) read.add(offset);
    }
    let ackedMax = -1;
    let acked = 0;
    for (const a of acks) {
      const [partition, offset] = a.split(' ').map(Number);
      if (partition !== p) continue;
      acked++;
      ackedMax = Math.max(ackedMax, offset);
    }
    const gaps: string[] = [];
    for (let o = 0; o <= ackedMax && gaps.length < 8; o++) {
      if (read.has(o)) continue;
      let e = o;
      while (e + 1 <= ackedMax && !read.has(e + 1)) e++;
      gaps.push(`${o}-${e}`);
      o = e;
    }
    out.push(
      `p${p}: read ${read.size} acked ${acked} (last acked offset ${ackedMax}); unread: ${gaps.join(' ')}`,
    );
  }
  return out.join('\n');
}

/**
 * When an acknowledged record was not read: everything that tells a lost record from a read that
 * stopped early (a second read a few seconds later, each partition's offsets and ISR, which nodes'
 * files hold the record, the brokers' logs kept on disk).
 */
async function explainMissing(
  topic: string,
  value: number,
  first: { lines: string[]; stderr: string },
  acks: string[],
) {
  keepClusterData = true;
  const notes = [`acknowledged record ${value} is missing`, 'first read:', coverage(first.lines, acks)];
  notes.push(`kcat stderr: ${first.stderr.slice(-2000)}`);
  for (let p = 0; p < 3; p++)
    notes.push(`describe p${p}: ${JSON.stringify(await cluster.describePartition(topic, p).catch(String))}`);
  const offsets = await run(
    join(repoRoot, 'bin', 'kafka-get-offsets.sh'),
    ['--bootstrap-server', cluster.bootstrap, '--topic', topic],
    { env: PATH_ENV },
  ).catch((e) => ({ stdout: '', stderr: String(e) }));
  notes.push(`get-offsets: ${offsets.stdout.trim()} ${offsets.stderr.trim()}`);
  const needle = Buffer.from(String(value));
  for (const n of [1, 2, 3]) {
    const has = (() => {
      try {
        return cluster.segmentBytes(n, topic, value % 3).includes(needle);
      } catch (e) {
        return String(e);
      }
    })();
    notes.push(
      `node ${n} (${cluster.node(n).child ? 'running' : 'down'}): its log of p${value % 3} holds "${value}": ${has}`,
    );
  }
  await new Promise((r) => setTimeout(r, 5000));
  const again = await readBack(topic).catch((e) => ({ lines: [] as string[], stderr: String(e) }));
  const found = again.lines.some((l) => l.split(' ')[2] === String(value));
  notes.push(`read again 5 s later: record ${value} ${found ? 'IS there' : 'still missing'}`);
  notes.push(coverage(again.lines, acks));
  const logs = brokerLogs();
  notes.push(`brokers' logs: ${logs} (the cluster's data is kept in ${cluster.root})`);
  return notes.join('\n');
}

async function checkExactlyOnceInOrder(
  topic: string,
  ackFile: string,
): Promise<{ acked: number; read: number }> {
  const first = await readBack(topic);
  const read = first.lines;
  const seen = new Map<number, { partition: number; offset: number }>();
  const last = [-1, -1, -1];
  for (const line of read) {
    const [partition, offset, value] = line.split(' ').map(Number);
    assert.ok(!seen.has(value), `record ${value} read twice`);
    seen.set(value, { partition, offset });
    assert.equal(value % 3, partition, `record ${value} in partition ${partition}`);
    assert.ok(value > last[partition], `partition ${partition}: ${value} after ${last[partition]}`);
    last[partition] = value;
  }
  const acks = readFileSync(ackFile, 'utf8').trim().split('\n').filter(Boolean);
  for (const a of acks) {
    const [partition, offset, value] = a.split(' ').map(Number);
    const at = seen.get(value);
    if (!at) assert.fail(await explainMissing(topic, value, first, acks));
    assert.deepEqual(at, { partition, offset }, `record ${value} at the offset it was acknowledged with`);
  }
  return { acked: acks.length, read: read.length };
}

test('SIGKILL of a leader during an idempotent acks=all produce of 200,000 records: every acknowledged record exactly once, in order', {
  timeout: 240_000,
}, async (t) => {
  if (!needs(t, 'kcat', 'confluent-kafka')) return;
  running.add('failover-kill');
  await cluster.createTopic('failover-kill', 3, 3, { 'min.insync.replicas': '2' });
  await until(
    () => cluster.describePartition('failover-kill', 0),
    (d) => d.isr.length === 3,
    'a full ISR',
  );
  const producer = startProducer('failover-kill');
  await waitForAcks(producer, RECORDS * 0.3);
  // The broker leading now: on a loaded machine one that stood still past its session timeout may
  // have been fenced since the topic was made, and the leadership moved.
  const initial = await until(
    () => cluster.describePartition('failover-kill', 0),
    (d) => d.leader > 0,
    'a leader under load',
  );
  await cluster.kill(initial.leader);
  // Back for the next test even when this one fails (a node left down keeps its ISR short).
  t.after(async () => {
    if (!cluster.node(initial.leader).child) await cluster.restart(initial.leader);
  });
  const after = await until(
    () => cluster.describePartition('failover-kill', 0),
    (d) => d.leader >= 0 && d.leader !== initial.leader,
    'a new leader',
  );
  assert.ok(after.isr.includes(after.leader));
  const result = await producer.done;
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /left 0/, result.stdout);
  const { acked, read } = await checkExactlyOnceInOrder('failover-kill', producer.ackFile);
  assert.equal(acked, RECORDS, `the producer got every record acknowledged in the end: ${result.stdout}`);
  assert.equal(read, RECORDS);
  // The killed broker comes back, catches up and holds the same log.
  await cluster.restart(initial.leader);
  await until(
    () => cluster.describePartition('failover-kill', 0),
    (d) => d.isr.length === 3,
    'the old leader to rejoin the ISR',
    60_000,
  );
  await until(
    async () => [1, 2, 3].map((n) => cluster.segmentBytes(n, 'failover-kill', 0)),
    (logs) => logs.every((l) => l.equals(logs[0])),
    'identical replicas after the rejoin',
  );
  running.delete('failover-kill');
});

test('SIGSTOP of a leader past the session timeout, then SIGCONT: it is fenced, its divergent tail truncated; nothing acknowledged is lost', {
  timeout: 240_000,
}, async (t) => {
  if (!needs(t, 'kcat', 'confluent-kafka')) return;
  running.add('failover-stop');
  await cluster.createTopic('failover-stop', 3, 3, { 'min.insync.replicas': '2' });
  await until(
    () => cluster.describePartition('failover-stop', 0),
    (d) => d.isr.length === 3,
    'a full ISR',
  );
  const produce = (client: RawClient, acks: number, value: string) =>
    client.request(0, 9, {
      transactionalId: null,
      acks,
      timeoutMs: 30_000,
      topicData: [
        { name: 'failover-stop', partitionData: [{ index: 0, records: buildBatch([{ key: null, value }]) }] },
      ],
    });
  const code = (r: { responses: { partitionResponses: { errorCode: number }[] }[] }) =>
    r.responses[0].partitionResponses[0].errorCode;
  const producer = startProducer('failover-stop');
  await waitForAcks(producer, RECORDS * 0.3);
  // The followers are in sync when the leader goes: one of them can take over. The broker stopped is
  // the one leading now: on a loaded machine one that stood still past its session timeout may have
  // been fenced since the topic was made, and the leadership moved.
  const initial = await until(
    () => cluster.describePartition('failover-stop', 0),
    (d) => d.isr.length === 3 && d.leader > 0,
    'a full ISR under load',
    60_000,
  );
  const old = cluster.node(initial.leader);
  const followers = [1, 2, 3].filter((n) => n !== initial.leader);
  // Connections to the old leader opened now: requests written while it is stopped wait in its socket.
  const raw = await Promise.all([0, 1, 2].map(() => RawClient.connect(old.port)));
  let tail = -1;
  let staleAll = -1;
  let staleOne = -1;
  try {
    // A tail only the leader has: its followers stand still (shorter than their session timeout) while
    // it takes a record with acks=1; then the leader stops and the followers go on without it.
    for (const f of followers) cluster.pause(f);
    await new Promise((r) => setTimeout(r, 800)); // their parked fetches have been answered empty by now
    tail = code(await produce(raw[0], 1, 'divergent-tail'));
    cluster.pause(initial.leader);
    for (const f of followers) cluster.resume(f);
    const after = await until(
      () => cluster.describePartition('failover-stop', 0),
      (d) => d.leader >= 0 && d.leader !== initial.leader && !d.isr.includes(initial.leader),
      'the controller to fence the stopped leader and elect another',
    );
    assert.ok(after.isr.length >= 2);
    // While stopped, the old leader is sent more records: it still believes it leads.
    const all = produce(raw[1], -1, 'stale-acks-all');
    const one = produce(raw[2], 1, 'stale-acks-1');
    cluster.resume(initial.leader);
    staleAll = code(await all);
    staleOne = code(await one);
  } finally {
    for (const n of [1, 2, 3]) cluster.resume(n);
    for (const r of raw) r.close();
  }
  assert.equal(tail, ErrorCode.NONE, 'the leader took the record its followers never fetched');
  // Resumed, it knows it may have been replaced: it takes nothing as leader until the controller answers.
  assert.equal(staleAll, ErrorCode.NOT_LEADER_OR_FOLLOWER, 'acks=all on the fenced leader');
  assert.equal(staleOne, ErrorCode.NOT_LEADER_OR_FOLLOWER, 'acks=1 on the fenced leader');
  const result = await producer.done;
  if (result.code !== 0 && process.env.SAMSA_TEST_VERBOSE)
    writeFileSync(
      '/tmp/failover-stop-logs.txt',
      [...cluster.nodes.values()].map((n) => `==== node ${n.id}\n${n.output}`).join('\n'),
    );
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /left 0/, result.stdout);
  const { acked } = await checkExactlyOnceInOrder('failover-stop', producer.ackFile);
  assert.equal(acked, RECORDS, `the producer got every record acknowledged in the end: ${result.stdout}`);
  // The old leader follows the new one and ends with the same log, without the records it had alone.
  await until(
    () => cluster.describePartition('failover-stop', 0),
    (d) => d.isr.length === 3,
    'the old leader to rejoin the ISR',
    60_000,
  );
  await until(
    async () => [1, 2, 3].map((n) => cluster.segmentBytes(n, 'failover-stop', 0)),
    (logs) => logs.every((l) => l.equals(logs[0])),
    'identical replicas after the old leader truncated',
  );
  const log = cluster.segmentBytes(initial.leader, 'failover-stop', 0);
  for (const v of ['divergent-tail', 'stale-acks-all', 'stale-acks-1'])
    assert.ok(!log.includes(Buffer.from(v)), `${v} is not in the old leader's log`);
  assert.match(old.output, /truncating a diverged log/, 'the old leader truncated its divergent tail');
  running.delete('failover-stop');
});
