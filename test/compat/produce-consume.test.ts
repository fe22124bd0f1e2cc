// Unmodified third-party clients produce to and consume from a Samsa broker process, with every
// compression type each client supports, and read back exactly what was written.
import assert from 'node:assert/strict';
import { after, before, type TestContext, test } from 'node:test';
import { Producer as PlatformaticProducer, stringSerializers } from '@platformatic/kafka';
import kafkajs from 'kafkajs';
import { Consumer } from '../../src/client/index.js';
import { Compression } from '../../src/protocol/records/batch.js';
import { compress, decompress } from '../../src/protocol/records/compression.js';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { needs, run, runPython } from '../helpers/tools.js';

let broker: BrokerProcess;

before(async () => {
  broker = await startBrokerProcess();
});

after(async () => {
  await broker.stop();
  removeDataDir(broker.dataDir);
});

/** The first `count` records of a topic's partition 0 as "offset key value" lines, read by Samsa's consumer. */
async function consumerRead(topic: string, count: number): Promise<string[]> {
  const consumer = new Consumer({ bootstrapServers: broker.bootstrap });
  const lines: string[] = [];
  try {
    consumer.assign([{ topic, partition: 0, offset: 0 }]);
    const deadline = Date.now() + 15_000;
    while (lines.length < count && Date.now() < deadline) {
      for (const r of await consumer.poll(1000))
        lines.push(`${r.offset} ${r.key?.toString() ?? ''} ${r.value?.toString() ?? ''}`);
    }
  } finally {
    await consumer.close();
  }
  return lines;
}

/** Reads a topic back with Samsa's consumer and, as a subtest where kcat is installed, with kcat too. */
async function readBack(t: TestContext, topic: string, count: number): Promise<string[]> {
  const lines = await consumerRead(topic, count);
  await t.test('kcat reads the same records', async (st) => {
    if (!needs(st, 'kcat')) return;
    assert.deepEqual(await kcatRead(topic), lines);
  });
  return lines;
}

/** Every record of a topic's partition 0 as "offset key value" lines, read by kcat. */
async function kcatRead(topic: string): Promise<string[]> {
  const r = await run('kcat', [
    '-b',
    broker.bootstrap,
    '-C',
    '-t',
    topic,
    '-o',
    'beginning',
    '-e',
    '-q',
    '-f',
    '%o %k %s\\n',
  ]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split('\n').filter(Boolean);
}

test('kcat produces with every compression type and consumes it back', async (t) => {
  if (!needs(t, 'kcat')) return;
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    const lines = Array.from({ length: 50 }, (_, i) => `k${i}:${codec}-${i}`).join('\n');
    const r = await run(
      'kcat',
      ['-b', broker.bootstrap, '-P', '-t', 'kcat-codecs', '-K', ':', '-z', codec, '-X', 'linger.ms=50'],
      { input: `${lines}\n` },
    );
    assert.equal(r.code, 0, `${codec}: ${r.stderr}`);
  }
  const got = await kcatRead('kcat-codecs');
  assert.equal(got.length, 250);
  const expected = ['none', 'gzip', 'snappy', 'lz4', 'zstd'].flatMap((c, ci) =>
    Array.from({ length: 50 }, (_, i) => `${ci * 50 + i} k${i} ${c}-${i}`),
  );
  assert.deepEqual(got, expected);
});

const { CompressionCodecs, CompressionTypes, Kafka, logLevel } = kafkajs;
const codecs = CompressionCodecs as Record<number, () => unknown>;

// kafkajs ships gzip and takes codec plugins for the others (its users install packages such as
// kafkajs-snappy); here the plugins are Samsa's own codecs, so kafkajs writes every compression type.
const KAFKAJS_PLUGINS: [number, Compression][] = [
  [CompressionTypes.Snappy, Compression.Snappy],
  [CompressionTypes.LZ4, Compression.Lz4],
  [CompressionTypes.ZSTD, Compression.Zstd],
];
for (const [type, codec] of KAFKAJS_PLUGINS) {
  codecs[type] = () => ({
    compress: (encoder: { buffer: Buffer }) => compress(codec, encoder.buffer),
    decompress: (buffer: Buffer) => decompress(codec, buffer, 64 << 20),
  });
}

test('kafkajs produces with every compression type and consumes it back', async (t) => {
  const kafka = new Kafka({ clientId: 'compat', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  const types = [
    CompressionTypes.None,
    CompressionTypes.GZIP,
    CompressionTypes.Snappy,
    CompressionTypes.LZ4,
    CompressionTypes.ZSTD,
  ];
  await producer.connect();
  try {
    const offsets: string[] = [];
    for (const compression of types) {
      const res = await producer.send({
        topic: 'js-codecs',
        compression,
        messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `js-${compression}-${i}` })),
      });
      offsets.push(res[0].baseOffset as string);
    }
    assert.deepEqual(offsets, ['0', '10', '20', '30', '40']);
  } finally {
    await producer.disconnect();
  }
  const got = await readBack(t, 'js-codecs', 50);
  assert.equal(got.length, 50);
  assert.equal(got[45], '45 k5 js-4-5');
  // The stored batches carry the codec kafkajs used.
  const consumer = kafka.consumer({ groupId: 'js-codecs-reader' });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: 'js-codecs', fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${seen.length} records consumed`)), 15_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(String(message.value));
          if (seen.length === 50) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    assert.deepEqual(
      seen,
      types.flatMap((t) => Array.from({ length: 10 }, (_, i) => `js-${t}-${i}`)),
    );
  } finally {
    await consumer.disconnect();
  }
});

test('@platformatic/kafka produces with none, gzip, snappy and lz4', async (t) => {
  const producer = new PlatformaticProducer({
    clientId: 'compat',
    bootstrapBrokers: [broker.bootstrap],
    serializers: stringSerializers,
    autocreateTopics: true,
  });
  try {
    // zstd needs Node's zlib zstd (Node 22+) in this client, so it is not exercised here.
    for (const compression of ['none', 'gzip', 'snappy', 'lz4'] as const) {
      await producer.send({
        messages: [{ topic: 'pf-codecs', key: 'k', value: `pf-${compression}` }],
        compression,
      });
    }
  } finally {
    await producer.close();
  }
  assert.deepEqual(await readBack(t, 'pf-codecs', 4), [
    '0 k pf-none',
    '1 k pf-gzip',
    '2 k pf-snappy',
    '3 k pf-lz4',
  ]);
});

test('kafka-python produces with every codec and consumes by assignment', async (t) => {
  if (!needs(t, 'kafka-python')) return;
  const script = `
import sys
from kafka import KafkaProducer, KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
admin = KafkaAdminClient(bootstrap_servers=sys.argv[1])
admin.create_topics([NewTopic('py-codecs', 1, 1)])
n = 0
for codec in [None, 'gzip', 'snappy', 'lz4', 'zstd']:
    try:
        p = KafkaProducer(bootstrap_servers=sys.argv[1], compression_type=codec, acks=1)
    except Exception as e:
        print('skip', codec, type(e).__name__)
        continue
    for i in range(20):
        p.send('py-codecs', key=b'k', value=('%s-%d' % (codec, i)).encode())
    p.flush()
    p.close()
    n += 20
c = KafkaConsumer(bootstrap_servers=sys.argv[1], enable_auto_commit=False, consumer_timeout_ms=3000)
tp = TopicPartition('py-codecs', 0)
c.assign([tp])
c.seek_to_beginning(tp)
got = [(m.offset, m.value.decode()) for m in c]
print('produced', n, 'consumed', len(got), 'ordered', [o for o, _ in got] == list(range(len(got))))
print('last', got[-1][1])
`;
  const r = await runPython(script, [broker.bootstrap]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  const summary = lines.find((l) => l.startsWith('produced')) ?? '';
  const m = /produced (\d+) consumed (\d+) ordered True/.exec(summary);
  assert.ok(m, r.stdout);
  assert.equal(m[1], m[2]);
  assert.ok(Number(m[1]) >= 60, `only ${m[1]} records produced: ${r.stdout}`);
});

test('confluent-kafka produces with every codec and consumes by assignment', async (t) => {
  if (!needs(t, 'confluent-kafka')) return;
  const script = `
import sys
from confluent_kafka import Producer, Consumer, TopicPartition, OFFSET_BEGINNING
n = 0
for codec in ['none', 'gzip', 'snappy', 'lz4', 'zstd']:
    p = Producer({'bootstrap.servers': sys.argv[1], 'compression.type': codec, 'linger.ms': 5})
    for i in range(20):
        p.produce('ck-codecs', key=b'k', value=('%s-%d' % (codec, i)).encode())
    assert p.flush(10) == 0
    n += 20
c = Consumer({'bootstrap.servers': sys.argv[1], 'group.id': 'unused', 'enable.auto.commit': False})
c.assign([TopicPartition('ck-codecs', 0, OFFSET_BEGINNING)])
got = []
while len(got) < n:
    m = c.poll(5)
    if m is None:
        break
    if m.error():
        continue
    got.append((m.offset(), m.value().decode()))
c.close()
print('produced', n, 'consumed', len(got), 'ordered', [o for o, _ in got] == list(range(n)))
`;
  const r = await runPython(script, [broker.bootstrap]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /produced 100 consumed 100 ordered True/);
});
