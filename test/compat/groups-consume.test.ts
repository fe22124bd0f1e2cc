// Consumer groups of unmodified clients against a Samsa broker process: kafkajs (three members on six
// partitions; one leaves, one crashes), confluent-kafka with manual commits, kafka-python with auto
// commit, kcat -G, @platformatic/kafka. Each checks that every produced record was consumed and that consumers started
// again resume from the committed offsets (nothing committed read again, nothing skipped).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Consumer as PlatformaticConsumer, stringDeserializers } from '@platformatic/kafka';
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { repoRoot } from '../helpers/paths.js';
import { needs, run, runPython } from '../helpers/tools.js';

let broker: BrokerProcess;
let kafka: Kafka;

before(async () => {
  broker = await startBrokerProcess();
  kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'groups-compat', logLevel: logLevel.NOTHING });
});

after(async () => {
  await broker?.stop();
  if (broker) removeDataDir(broker.dataDir);
});

/** Creates `topic` and writes `count` records, spread over its partitions in turn; returns "p:o" of each. */
async function produce(topic: string, partitions: number, from: number, count: number): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  if (from === 0) await admin.createTopics({ topics: [{ topic, numPartitions: partitions }] });
  const producer = kafka.producer();
  await producer.connect();
  const messages = Array.from({ length: count }, (_, i) => ({
    partition: (from + i) % partitions,
    value: `v${from + i}`,
  }));
  const results = await producer.send({ topic, messages, acks: -1 });
  await producer.disconnect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  assert.ok(results.length > 0);
  // Every offset from where this batch started to each partition's end.
  const out: string[] = [];
  for (const o of offsets) {
    const end = Number(o.high);
    const added = messages.filter((m) => m.partition === o.partition).length;
    for (let off = end - added; off < end; off++) out.push(`${o.partition}:${off}`);
  }
  return out;
}

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  for (let waited = 0; waited < timeoutMs; waited += 50) {
    if (check()) return;
    await sleep(50);
  }
  assert.fail(`timed out waiting for ${what}`);
}

async function committed(groupId: string, topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
  await admin.disconnect();
  return new Map(t.partitions.map((p) => [p.partition, Number(p.offset)]));
}

const CONSUMER_OPTIONS = {
  heartbeatInterval: 300,
  sessionTimeout: 6000,
  rebalanceTimeout: 10_000,
  maxWaitTimeInMs: 200,
};

/** A kafkajs member in this process, recording what it consumes and what it is assigned. */
async function kafkajsMember(groupId: string, topic: string, seen: Map<string, number>) {
  const consumer: Consumer = kafka.consumer({ groupId, ...CONSUMER_OPTIONS });
  const state = { consumer, assigned: [] as number[] };
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    state.assigned = [...(e.payload.memberAssignment[topic] ?? [])].sort();
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const k = `${partition}:${message.offset}`;
      seen.set(k, (seen.get(k) ?? 0) + 1);
    },
  });
  return state;
}

/** A kafkajs member in a child process (so that it can crash), reporting on stdout. */
function kafkajsChild(groupId: string, topic: string, seen: Map<string, number>) {
  const script = `
import { Kafka, logLevel } from 'kafkajs';
const [bootstrap, groupId, topic, options] = process.argv.slice(1);
const kafka = new Kafka({ brokers: [bootstrap], clientId: 'groups-compat-child', logLevel: logLevel.NOTHING });
const c = kafka.consumer({ groupId, ...JSON.parse(options) });
c.on(c.events.GROUP_JOIN, (e) => console.log('assigned ' + JSON.stringify(e.payload.memberAssignment[topic] ?? [])));
await c.connect();
await c.subscribe({ topics: [topic], fromBeginning: true });
await c.run({ eachMessage: async ({ partition, message }) => console.log('seen ' + partition + ':' + message.offset) });
`;
  const child: ChildProcess = spawn(
    process.execPath,
    ['--input-type=module', '-e', script, broker.bootstrap, groupId, topic, JSON.stringify(CONSUMER_OPTIONS)],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const state = { child, assigned: [] as number[] };
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    if (line.startsWith('assigned ')) state.assigned = (JSON.parse(line.slice(9)) as number[]).sort();
    else if (line.startsWith('seen ')) seen.set(line.slice(5), (seen.get(line.slice(5)) ?? 0) + 1);
  });
  return state;
}

const missing = (produced: string[], seen: Map<string, number>) => produced.filter((k) => !seen.has(k));

test('kafkajs: three members share six partitions; one leaves, one crashes; a restart resumes at the commits', {
  timeout: 120_000,
}, async () => {
  const topic = 'groups-kafkajs';
  const group = 'kafkajs-group';
  const seen = new Map<string, number>();
  const produced = await produce(topic, 6, 0, 600);
  const a = await kafkajsMember(group, topic, seen);
  const b = await kafkajsMember(group, topic, seen);
  const c = kafkajsChild(group, topic, seen);
  try {
    await until('2 partitions each', () => [a, b, c].every((m) => m.assigned.length === 2));
    assert.deepEqual([...a.assigned, ...b.assigned, ...c.assigned].sort(), [0, 1, 2, 3, 4, 5]);
    await until('the first 600 records', () => missing(produced, seen).length === 0);

    // a leaves: b and c take over its partitions.
    await a.consumer.disconnect();
    await until('b and c cover the six partitions', () => b.assigned.length + c.assigned.length === 6);
    produced.push(...(await produce(topic, 6, 600, 300)));
    await until('300 more records', () => missing(produced, seen).length === 0);

    // c crashes without leaving: after its session timeout b has every partition.
    c.child.kill('SIGKILL');
    await until('b alone holds the six partitions', () => b.assigned.length === 6);
    produced.push(...(await produce(topic, 6, 900, 300)));
    await until('300 more records after the crash', () => missing(produced, seen).length === 0);
    await b.consumer.disconnect();
  } finally {
    c.child.kill('SIGKILL');
  }

  // Everything was consumed and committed: 200 records per partition.
  const commits = await committed(group, topic);
  assert.deepEqual([...commits.values()], [200, 200, 200, 200, 200, 200]);
  // Consumers started again read only what came after the commits.
  const again = new Map<string, number>();
  const more = await produce(topic, 6, 1200, 60);
  const d = await kafkajsMember(group, topic, again);
  await until('the 60 new records', () => missing(more, again).length === 0);
  await sleep(500);
  await d.consumer.disconnect();
  assert.deepEqual([...again.keys()].sort(), [...more].sort());
});

/** Runs a Python consumer of `group` until it has `expect` records (then 1 s more), returns "p:o" seen. */
async function pythonConsume(
  script: string,
  topic: string,
  group: string,
  expect: number,
): Promise<string[]> {
  const r = await runPython(script, [broker.bootstrap, topic, group, String(expect)], 60_000);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '[]');
}

const CONFLUENT_MANUAL = `
import json, sys, time
from confluent_kafka import Consumer
bootstrap, topic, group, expect = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
c = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'enable.auto.commit': False,
              'auto.offset.reset': 'earliest', 'session.timeout.ms': 6000})
c.subscribe([topic])
seen, deadline, extra = [], time.time() + 45, None
while time.time() < deadline and (extra is None or time.time() < extra):
    m = c.poll(0.2)
    if m is None or m.error():
        continue
    seen.append('%d:%d' % (m.partition(), m.offset()))
    c.commit(message=m, asynchronous=False)
    if len(seen) >= expect and extra is None:
        extra = time.time() + 1
c.close()
print(json.dumps(seen))
`;

test('confluent-kafka: manual commits; a restarted consumer resumes at the committed offsets', async (t) => {
  if (!needs(t, 'confluent-kafka')) return;
  const topic = 'groups-confluent';
  const produced = await produce(topic, 3, 0, 150);
  const first = await pythonConsume(CONFLUENT_MANUAL, topic, 'confluent-group', 150);
  assert.deepEqual([...first].sort(), [...produced].sort());
  const more = await produce(topic, 3, 150, 30);
  const second = await pythonConsume(CONFLUENT_MANUAL, topic, 'confluent-group', 30);
  assert.deepEqual([...second].sort(), [...more].sort());
  assert.deepEqual([...(await committed('confluent-group', topic)).values()], [60, 60, 60]);
});

const KAFKA_PYTHON_AUTO = `
import json, sys, time
from kafka import KafkaConsumer
bootstrap, topic, group, expect = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
c = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=True,
                  auto_commit_interval_ms=200, auto_offset_reset='earliest', session_timeout_ms=6000,
                  heartbeat_interval_ms=500)
seen, deadline, extra = [], time.time() + 45, None
while time.time() < deadline and (extra is None or time.time() < extra):
    for tp, records in c.poll(timeout_ms=200).items():
        seen.extend('%d:%d' % (r.partition, r.offset) for r in records)
    if len(seen) >= expect and extra is None:
        extra = time.time() + 1
c.close()
print(json.dumps(seen))
`;

test('kafka-python: auto commit; a restarted consumer resumes at the committed offsets', async (t) => {
  if (!needs(t, 'kafka-python')) return;
  const topic = 'groups-kafka-python';
  const produced = await produce(topic, 3, 0, 150);
  const first = await pythonConsume(KAFKA_PYTHON_AUTO, topic, 'kafka-python-group', 150);
  assert.deepEqual([...first].sort(), [...produced].sort());
  const more = await produce(topic, 3, 150, 30);
  const second = await pythonConsume(KAFKA_PYTHON_AUTO, topic, 'kafka-python-group', 30);
  assert.deepEqual([...second].sort(), [...more].sort());
});

async function kcatGroup(topic: string, group: string): Promise<string[]> {
  const r = await run(
    'kcat',
    [
      '-b',
      broker.bootstrap,
      '-G',
      group,
      '-X',
      'auto.offset.reset=earliest',
      '-e',
      '-q',
      '-f',
      '%p:%o\\n',
      topic,
    ],
    { timeoutMs: 60_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split('\n').filter(Boolean);
}

test('kcat -G: a balanced consumer reads everything, then resumes at its commits', async (t) => {
  if (!needs(t, 'kcat')) return;
  const topic = 'groups-kcat';
  const produced = await produce(topic, 3, 0, 90);
  assert.deepEqual((await kcatGroup(topic, 'kcat-group')).sort(), [...produced].sort());
  const more = await produce(topic, 3, 90, 30);
  assert.deepEqual((await kcatGroup(topic, 'kcat-group')).sort(), [...more].sort());
});

/** A @platformatic/kafka consumer of `group` until it has `expect` records; returns "p:o" seen. */
async function platformaticConsume(topic: string, group: string, expect: number): Promise<string[]> {
  const consumer = new PlatformaticConsumer({
    groupId: group,
    clientId: 'groups-compat-platformatic',
    bootstrapBrokers: [broker.bootstrap],
    deserializers: stringDeserializers,
    sessionTimeout: 10_000,
    heartbeatInterval: 500,
  });
  const stream = await consumer.consume({
    autocommit: 100,
    topics: [topic],
    mode: 'committed',
    fallbackMode: 'earliest',
  });
  const seen: string[] = [];
  // (Leaving a for-await loop would destroy the stream before its next autocommit.)
  stream.on('data', (m) => seen.push(`${m.partition}:${m.offset}`));
  await until(`${expect} records`, () => seen.length >= expect);
  await sleep(500); // past the autocommit interval
  await stream.close();
  await consumer.close();
  return seen;
}

test('@platformatic/kafka: a consumer group with autocommit; a restarted consumer resumes at the commits', async () => {
  const topic = 'groups-platformatic';
  const produced = await produce(topic, 3, 0, 90);
  assert.deepEqual((await platformaticConsume(topic, 'platformatic-group', 90)).sort(), [...produced].sort());
  const more = await produce(topic, 3, 90, 30);
  assert.deepEqual((await platformaticConsume(topic, 'platformatic-group', 30)).sort(), [...more].sort());
});

test('a broker restart keeps the committed offsets: consumers resume where they were', async (t) => {
  if (!needs(t, 'kafka-python')) return;
  const topic = 'groups-restart';
  const produced = await produce(topic, 3, 0, 60);
  const first = await pythonConsume(KAFKA_PYTHON_AUTO, topic, 'restart-group', 60);
  assert.deepEqual([...first].sort(), [...produced].sort());
  await broker.stop();
  broker = await startBrokerProcess({ dataDir: broker.dataDir });
  kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'groups-compat', logLevel: logLevel.NOTHING });
  const more = await produce(topic, 3, 60, 30);
  const second = await pythonConsume(KAFKA_PYTHON_AUTO, topic, 'restart-group', 30);
  assert.deepEqual([...second].sort(), [...more].sort());
});
