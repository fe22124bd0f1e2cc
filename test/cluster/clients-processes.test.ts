// Five clients against three combined nodes (three processes): kcat, confluent-kafka (librdkafka, from
// Python), kafkajs, @platformatic/kafka and Samsa's own client each produce to and consume from their
// own topic, whose partition 0 is led by node 1 and partition 1 by node 2. Then node 1 is stopped with
// SIGTERM: its controlled shutdown moves its leaderships to node 2, and the same client instances
// (kcat, being a command, runs again with the same bootstrap list) follow the leader: they produce
// again and read from the new leader without being told anything but the three addresses.
//
// Partition data is replicated (RF 3): the new leader of partition 0 has what node 1 was sent before
// the move, so both partitions read back both batches.
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import {
  Consumer as PlatformaticConsumer,
  Producer as PlatformaticProducer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import kafkajs from 'kafkajs';
import { Admin, Consumer, Producer } from '../../src/client/index.js';
import { type ClusterProcesses, startClusterProcesses } from '../helpers/cluster-process.js';
import { DEBIAN_PYTHON, hasTool, needs, run, type Tool } from '../helpers/tools.js';

const CLIENTS = ['kcat', 'confluent', 'kafkajs', 'platformatic', 'samsa'] as const;
type Client = (typeof CLIENTS)[number];
const PER_PARTITION = 5;
/** The third-party tools a client needs (the Node.js clients are dependencies). */
const TOOL_OF = (client: Client): Tool[] =>
  client === 'kcat' ? ['kcat'] : client === 'confluent' ? ['confluent-kafka'] : [];

let cluster: ClusterProcesses;
let bootstrap: string;
let admin: Admin;

async function until<T>(
  what: string,
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const topicOf = (client: Client) => `follow-${client}`;
const batch = (client: Client, phase: string, partition: number) =>
  Array.from({ length: PER_PARTITION }, (_, i) => `${client}-${phase}-p${partition}-${i}`);

// ---- the long-lived client instances ----

const { Kafka, logLevel } = kafkajs;
let kafkajsClient: InstanceType<typeof Kafka>;
let kafkajsProducer: ReturnType<InstanceType<typeof Kafka>['producer']>;
let platformaticProducer: PlatformaticProducer<string, string, string, string>;
let samsaProducer: Producer;
let python: PythonClient;

/** A confluent-kafka producer living in one Python process, driven line by line over stdin. */
class PythonClient {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffered = '';
  private readonly waiting: ((line: string) => void)[] = [];

  constructor(servers: string) {
    const script = `
import sys, json
from confluent_kafka import Producer, Consumer, TopicPartition, OFFSET_BEGINNING
p = Producer({'bootstrap.servers': sys.argv[1], 'linger.ms': 5, 'message.timeout.ms': 60000})
failed = []
def report(err, msg):
    if err is not None:
        failed.append(str(err))
for line in sys.stdin:
    cmd = json.loads(line)
    if cmd['op'] == 'produce':
        for v in cmd['values']:
            p.produce(cmd['topic'], value=v.encode(), partition=cmd['partition'], on_delivery=report)
        left = p.flush(60)
        print(json.dumps({'left': left, 'failed': failed}), flush=True)
        failed.clear()
    elif cmd['op'] == 'consume':
        c = Consumer({'bootstrap.servers': sys.argv[1], 'group.id': 'unused', 'enable.auto.commit': False,
                      'enable.partition.eof': True})
        c.assign([TopicPartition(cmd['topic'], cmd['partition'], OFFSET_BEGINNING)])
        got = []
        while True:
            m = c.poll(10)
            if m is None:
                break
            if m.error():
                if m.error().code() == -191:  # _PARTITION_EOF
                    break
                continue
            got.append(m.value().decode())
        c.close()
        print(json.dumps({'values': got}), flush=True)
`;
    this.child = spawn(DEBIAN_PYTHON, ['-c', script, servers], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (d: Buffer) => {
      this.buffered += d.toString();
      for (let i = this.buffered.indexOf('\n'); i >= 0; i = this.buffered.indexOf('\n')) {
        const line = this.buffered.slice(0, i);
        this.buffered = this.buffered.slice(i + 1);
        this.waiting.shift()?.(line);
      }
    });
    this.child.stderr.on('data', () => {});
  }

  private call(cmd: object): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`python: no answer to ${JSON.stringify(cmd)}`)),
        90_000,
      );
      this.waiting.push((line) => {
        clearTimeout(timer);
        resolve(JSON.parse(line) as Record<string, unknown>);
      });
      this.child.stdin.write(`${JSON.stringify(cmd)}\n`);
    });
  }

  async produce(topic: string, partition: number, values: string[]): Promise<void> {
    const r = await this.call({ op: 'produce', topic, partition, values });
    assert.deepEqual(r, { left: 0, failed: [] });
  }

  async consume(topic: string, partition: number): Promise<string[]> {
    return (await this.call({ op: 'consume', topic, partition })).values as string[];
  }

  close(): void {
    this.child.stdin.end();
    this.child.kill('SIGKILL');
  }
}

let groupSeq = 0;

async function produce(client: Client, partition: number, values: string[]): Promise<void> {
  const topic = topicOf(client);
  switch (client) {
    case 'kcat': {
      const r = await run('kcat', ['-b', bootstrap, '-P', '-t', topic, '-p', String(partition)], {
        input: `${values.join('\n')}\n`,
        timeoutMs: 60_000,
      });
      assert.equal(r.code, 0, r.stderr);
      return;
    }
    case 'confluent':
      return python.produce(topic, partition, values);
    case 'kafkajs':
      await kafkajsProducer.send({ topic, messages: values.map((value) => ({ value, partition })) });
      return;
    case 'platformatic':
      await platformaticProducer.send({ messages: values.map((value) => ({ topic, partition, value })) });
      return;
    case 'samsa':
      await Promise.all(values.map((value) => samsaProducer.send({ topic, partition, value })));
  }
}

/** Every value of the partition, read from its current leader by the client. */
async function consume(client: Client, partition: number, expect: number): Promise<string[]> {
  const topic = topicOf(client);
  switch (client) {
    case 'kcat': {
      const r = await run(
        'kcat',
        [
          '-b',
          bootstrap,
          '-C',
          '-t',
          topic,
          '-p',
          String(partition),
          '-o',
          'beginning',
          '-e',
          '-q',
          '-f',
          '%s\\n',
        ],
        { timeoutMs: 60_000 },
      );
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.split('\n').filter(Boolean);
    }
    case 'confluent':
      return python.consume(topic, partition);
    case 'kafkajs': {
      const consumer = kafkajsClient.consumer({ groupId: `kafkajs-${groupSeq++}` });
      const seen: { partition: number; value: string }[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition: p, message }) => {
          seen.push({ partition: p, value: message.value?.toString() ?? '' });
        },
      });
      try {
        await until(
          `${expect} kafkajs records`,
          () => seen.filter((s) => s.partition === partition).length >= expect,
          60_000,
        );
        await new Promise((r) => setTimeout(r, 300));
      } finally {
        await consumer.disconnect();
      }
      return seen.filter((s) => s.partition === partition).map((s) => s.value);
    }
    case 'platformatic': {
      const consumer = new PlatformaticConsumer({
        groupId: `platformatic-${groupSeq++}`,
        clientId: 'cluster-clients',
        bootstrapBrokers: bootstrap.split(','),
        deserializers: stringDeserializers,
        sessionTimeout: 10_000,
        heartbeatInterval: 500,
      });
      const stream = await consumer.consume({ autocommit: false, topics: [topic], mode: 'earliest' });
      const seen: { partition: number; value: string }[] = [];
      stream.on('data', (m) => seen.push({ partition: m.partition, value: m.value }));
      try {
        await until(
          `${expect} platformatic records`,
          () => seen.filter((s) => s.partition === partition).length >= expect,
          60_000,
        );
        await new Promise((r) => setTimeout(r, 300));
      } finally {
        await stream.close();
        await consumer.close();
      }
      return seen.filter((s) => s.partition === partition).map((s) => s.value);
    }
    case 'samsa': {
      const consumer = new Consumer({ bootstrapServers: bootstrap, autoOffsetReset: 'earliest' });
      consumer.assign([{ topic, partition }]);
      const got: string[] = [];
      try {
        await until(
          `${expect} samsa records`,
          async () => {
            for (const r of await consumer.poll(500)) got.push(r.value?.toString() ?? '');
            return got.length >= expect;
          },
          60_000,
        );
        for (const r of await consumer.poll(300)) got.push(r.value?.toString() ?? '');
      } finally {
        await consumer.close();
      }
      return got;
    }
  }
}

async function leaders(topic: string): Promise<number[]> {
  const [d] = await admin.describeTopics([topic]);
  return d.partitions.sort((a, b) => a.partition - b.partition).map((p) => p.leader);
}

before(async () => {
  cluster = await startClusterProcesses(['broker,controller', 'broker,controller', 'broker,controller'], {
    'broker.session.timeout.ms': '4000',
    'broker.heartbeat.interval.ms': '500',
  });
  bootstrap = cluster.bootstrap();
  admin = new Admin({ bootstrapServers: bootstrap });
  const created = await admin.createTopics(
    CLIENTS.map((c) => ({ name: topicOf(c), assignments: { 0: [1, 2, 3], 1: [2, 3, 1] } })),
  );
  assert.equal(created.length, CLIENTS.length);
  for (const c of CLIENTS)
    await until(`${topicOf(c)} led by 1 and 2`, async () => (await leaders(topicOf(c))).join() === '1,2');
  kafkajsClient = new Kafka({
    clientId: 'cluster-clients',
    brokers: bootstrap.split(','),
    logLevel: logLevel.NOTHING,
  });
  kafkajsProducer = kafkajsClient.producer();
  await kafkajsProducer.connect();
  platformaticProducer = new PlatformaticProducer({
    clientId: 'cluster-clients',
    bootstrapBrokers: bootstrap.split(','),
    serializers: stringSerializers,
  });
  samsaProducer = new Producer({ bootstrapServers: bootstrap });
  if (hasTool('confluent-kafka')) python = new PythonClient(bootstrap);
});

after(async () => {
  python?.close();
  await kafkajsProducer?.disconnect().catch(() => {});
  await platformaticProducer?.close().catch(() => {});
  await samsaProducer?.close().catch(() => {});
  await admin?.close().catch(() => {});
  await cluster?.stopAll();
});

for (const client of CLIENTS) {
  test(`${client}: produces to both leaders (nodes 1 and 2) and reads both partitions back`, async (t) => {
    if (!needs(t, ...TOOL_OF(client))) return;
    for (const p of [0, 1]) await produce(client, p, batch(client, 'before', p));
    for (const p of [0, 1])
      assert.deepEqual(await consume(client, p, PER_PARTITION), batch(client, 'before', p));
  });
}

test('SIGTERM of node 1: controlled shutdown moves every partition 0 to node 2, which keeps partition 1', async () => {
  await cluster.signal(1, 'SIGTERM');
  assert.equal(cluster.nodes.get(1)?.child?.exitCode, 0, cluster.nodes.get(1)?.output.slice(-2000));
  for (const c of CLIENTS) assert.deepEqual(await leaders(topicOf(c)), [2, 2]);
});

for (const client of CLIENTS) {
  test(`${client}: the same client follows the moved leader, produces again and reads the new leader`, async (t) => {
    if (!needs(t, ...TOOL_OF(client))) return;
    for (const p of [0, 1]) await produce(client, p, batch(client, 'after', p));
    // Partition 0's new leader has both batches: the first came to it by replication.
    assert.deepEqual(await consume(client, 0, 2 * PER_PARTITION), [
      ...batch(client, 'before', 0),
      ...batch(client, 'after', 0),
    ]);
    assert.deepEqual(await consume(client, 1, 2 * PER_PARTITION), [
      ...batch(client, 'before', 1),
      ...batch(client, 'after', 1),
    ]);
  });
}
