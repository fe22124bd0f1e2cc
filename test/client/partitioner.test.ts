// The default partitioner puts keys where the Java client puts them: checked against Kafka's own
// murmur2 test vectors, against a BigInt implementation written from the algorithm's definition,
// and against librdkafka's murmur2_random partitioner (the Java-compatible one) run through
// confluent-kafka on a Samsa broker.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Admin } from '../../src/client/admin.js';
import { Consumer } from '../../src/client/consumer.js';
import { murmur2, partitionForKey, StickyPartitions, toPositive } from '../../src/client/partitioner.js';
import { removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { needs, runPython } from '../helpers/tools.js';

/** MurmurHash2 (32-bit) from its definition, with explicit 32-bit wrapping in BigInt. */
function referenceMurmur2(data: Uint8Array): number {
  const M = 0x5bd1e995n;
  const mask = 0xffffffffn;
  const mul = (a: bigint, b: bigint) => (a * b) & mask;
  let h = (0x9747b28cn ^ BigInt(data.length)) & mask;
  let i = 0;
  for (; i + 4 <= data.length; i += 4) {
    let k =
      BigInt(data[i]) |
      (BigInt(data[i + 1]) << 8n) |
      (BigInt(data[i + 2]) << 16n) |
      (BigInt(data[i + 3]) << 24n);
    k = mul(k, M);
    k ^= k >> 24n;
    k = mul(k, M);
    h = mul(h, M) ^ k;
  }
  const rest = data.length - i;
  if (rest === 3) h ^= BigInt(data[i + 2]) << 16n;
  if (rest >= 2) h ^= BigInt(data[i + 1]) << 8n;
  if (rest >= 1) {
    h ^= BigInt(data[i]);
    h = mul(h, M);
  }
  h ^= h >> 13n;
  h = mul(h, M);
  h ^= h >> 15n;
  return Number(BigInt.asIntN(32, h));
}

const KEYS = [
  '21',
  'foobar',
  'abc',
  'a',
  'ab',
  'key-0',
  'key-1',
  'key-2',
  'key-17',
  'user:42',
  'user:1000000',
  'order/2026/11/26/000123',
  'ünïcødé',
  '日本語のキー',
  'a-little-bit-long-string',
  'a-little-bit-longer-string',
  'lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8',
  ...Array.from({ length: 23 }, (_, i) => `k${i * 7919}`),
];

test("murmur2 matches the vectors of Kafka's UtilsTest", () => {
  const vectors: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  for (const [key, hash] of vectors) assert.equal(murmur2(Buffer.from(key)), hash, key);
});

test('murmur2 equals the BigInt reference on random keys of every tail length', () => {
  let seed = 12345;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed >>> 16;
  };
  for (let n = 0; n < 500; n++) {
    const key = Buffer.alloc(n % 67);
    for (let i = 0; i < key.length; i++) key[i] = rand() & 0xff;
    assert.equal(murmur2(key), referenceMurmur2(key), key.toString('hex'));
  }
});

test('the positive rule masks the sign bit (it is not Math.abs)', () => {
  assert.equal(toPositive(-1), 0x7fffffff);
  assert.equal(toPositive(-2147483648), 0);
  // '21' hashes to -973932308: masked it is 1173551340, and 1173551340 % 7 = 3.
  assert.equal(partitionForKey(Buffer.from('21'), 7), 3);
  for (const key of KEYS) {
    const b = Buffer.from(key);
    for (const n of [1, 2, 3, 7, 12, 100]) {
      assert.equal(partitionForKey(b, n), (referenceMurmur2(b) & 0x7fffffff) % n, `${key} over ${n}`);
    }
  }
});

test('records without a key stick to a partition for about batch.size bytes', () => {
  const sticky = new StickyPartitions(1000);
  const first = sticky.partition('t', 8, [0, 1, 2, 3, 4, 5, 6, 7]);
  sticky.appended('t', 600, 8, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(sticky.partition('t', 8, [0, 1, 2, 3, 4, 5, 6, 7]), first);
  sticky.appended('t', 600, 8, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.notEqual(sticky.partition('t', 8, [0, 1, 2, 3, 4, 5, 6, 7]), first);
});

test("librdkafka's murmur2_random partitioner puts every key where ours does", async (t) => {
  if (!needs(t, 'confluent-kafka')) return;
  const broker = await startBrokerProcess();
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  try {
    const partitions = 7;
    await admin.createTopics([{ name: 'keys', numPartitions: partitions }]);
    const script = `
import sys, json
from confluent_kafka import Producer
p = Producer({'bootstrap.servers': sys.argv[1], 'partitioner': 'murmur2_random', 'message.timeout.ms': 5000, 'linger.ms': 0})
keys = json.loads(sys.argv[2])
out = {}
def cb(err, msg):
    out[msg.key().decode('utf-8')] = [msg.partition(), err is None]
for k in keys:
    p.produce('keys', key=k.encode('utf-8'), value=b'v', on_delivery=cb)
p.flush(20)
print(json.dumps(out))
`;
    const r = await runPython(script, [broker.bootstrap, JSON.stringify(KEYS)]);
    assert.equal(r.code, 0, r.stderr);
    const theirs = JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<
      string,
      [number, boolean]
    >;
    assert.equal(Object.keys(theirs).length, KEYS.length);
    for (const key of KEYS) assert.equal(partitionForKey(Buffer.from(key), partitions), theirs[key][0], key);
    // The broker took them all, and our consumer finds each key in the partition we compute.
    assert.ok(
      Object.values(theirs).every(([, delivered]) => delivered),
      r.stdout,
    );
    const consumer = new Consumer({ bootstrapServers: broker.bootstrap, autoOffsetReset: 'earliest' });
    consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic: 'keys', partition })));
    const found = new Map<string, number>();
    const until = Date.now() + 10_000;
    try {
      while (found.size < KEYS.length && Date.now() < until) {
        for (const rec of await consumer.poll(200)) found.set(rec.key?.toString('utf8') ?? '', rec.partition);
      }
    } finally {
      await consumer.close();
    }
    for (const key of KEYS) assert.equal(found.get(key), partitionForKey(Buffer.from(key), partitions), key);
  } finally {
    await admin.close();
    await broker.stop();
    removeDataDir(broker.dataDir);
  }
});
