// Connections against a Samsa broker process: version negotiation, pipelining, request timeouts
// that close the connection and get retried, duplicated responses ignored, reconnection after a
// broker restart, and config resolution.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin } from '../../src/client/admin.js';
import { resolveConsumerConfig, resolveProducerConfig } from '../../src/client/config.js';
import type { KafkaError } from '../../src/client/errors.js';
import { API } from '../../src/client/versions.js';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { startFaultProxy } from './fault-proxy.js';

let broker: BrokerProcess;

before(async () => {
  broker = await startBrokerProcess();
});

after(async () => {
  await broker.stop();
  removeDataDir(broker.dataDir);
});

test('each API gets the highest version both sides support', async () => {
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  try {
    const conn = await admin.cluster.anyConnection();
    const [, metadataMax] = conn.brokerVersions.get(API.Metadata) as [number, number];
    assert.equal(conn.versionOf(API.Metadata), Math.min(12, metadataMax));
    assert.equal(conn.versionOf(API.ApiVersions), 3);
    // An API the broker does not list has no version, and using it is a typed error.
    if (!conn.brokerVersions.has(API.DescribeLogDirs)) {
      assert.equal(conn.versionOf(API.DescribeLogDirs), undefined);
      await assert.rejects(
        admin.describeLogDirs([1]),
        (err: KafkaError) => err.code === 'UNSUPPORTED_VERSION' && err.errorCode === 35,
      );
    }
  } finally {
    await admin.close();
  }
});

test('pipelined requests on one connection all complete', async () => {
  const admin = new Admin({ bootstrapServers: broker.bootstrap });
  try {
    await admin.createTopics(Array.from({ length: 5 }, (_, i) => ({ name: `pipe-${i}`, numPartitions: 1 })));
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => admin.describeTopics([`pipe-${i % 5}`])),
    );
    assert.equal(results.length, 50);
    assert.ok(results.every((r, i) => r[0].name === `pipe-${i % 5}`));
  } finally {
    await admin.close();
  }
});

test('a swallowed request times out, closes its connection, and the retry succeeds; duplicate responses are ignored', async () => {
  let metadataSeen = 0;
  const proxy = await startFaultProxy(broker.port, (info) => {
    if (info.apiKey !== API.Metadata) return { kind: 'pass' };
    metadataSeen++;
    if (metadataSeen === 2) return { kind: 'swallow' };
    if (metadataSeen === 3) return { kind: 'duplicate-response' };
    return { kind: 'pass' };
  });
  const admin = new Admin({ bootstrapServers: proxy.bootstrap, requestTimeoutMs: 300, retryBackoffMs: 10 });
  try {
    await admin.listTopics();
    const started = Date.now();
    const topics = await admin.listTopics();
    assert.ok(topics.includes('pipe-0'));
    assert.ok(Date.now() - started >= 250, 'the second call waited for its timeout');
    assert.equal(proxy.counts.swallow, 1);
    assert.equal(proxy.counts['duplicate-response'], 1);
    assert.ok((await admin.listTopics()).includes('pipe-0'));
  } finally {
    await admin.close();
    await proxy.close();
  }
});

test('the client reconnects after the broker restarts', async () => {
  const own = await startBrokerProcess();
  const admin = new Admin({
    bootstrapServers: own.bootstrap,
    reconnectBackoffMs: 20,
    reconnectBackoffMaxMs: 100,
    defaultApiTimeoutMs: 1500,
  });
  try {
    await admin.createTopics([{ name: 'survivor', numPartitions: 1 }]);
    await own.stop();
    await assert.rejects(admin.listTopics({}), (err: KafkaError) => err.retriable);
    const again = await startBrokerProcess({ dataDir: own.dataDir, port: own.port });
    try {
      assert.ok((await admin.listTopics()).includes('survivor'));
      await admin.createTopics([{ name: 'survivor-2', numPartitions: 1 }]);
      assert.ok((await admin.listTopics()).includes('survivor-2'));
    } finally {
      await again.stop();
    }
  } finally {
    await admin.close();
    removeDataDir(own.dataDir);
  }
});

test('config keys: Kafka names and aliases, bounds, conflicts and idempotence rules', () => {
  const p = resolveProducerConfig({
    'bootstrap.servers': 'a:1,b:2',
    'linger.ms': '7' as unknown as number,
    batchSize: 100,
  });
  assert.deepEqual(p.bootstrapServers, ['a:1', 'b:2']);
  assert.equal(p.lingerMs, 7);
  assert.equal(p.batchSize, 100);
  assert.equal(p.acks, -1);
  assert.equal(p.enableIdempotence, true);
  // acks=1 turns the default idempotence off, as in the Java client; asked for explicitly it is an error.
  assert.equal(resolveProducerConfig({ bootstrapServers: 'a:1', acks: 1 }).enableIdempotence, false);
  assert.throws(
    () => resolveProducerConfig({ bootstrapServers: 'a:1', acks: 1, 'enable.idempotence': true }),
    /enable\.idempotence.*acks/,
  );
  assert.throws(
    () => resolveProducerConfig({ bootstrapServers: 'a:1', lingerMs: 1, 'linger.ms': 2 }),
    /given twice/,
  );
  assert.throws(() => resolveProducerConfig({ bootstrapServers: 'a:1', lingerMs: -1 }), /below the minimum/);
  assert.throws(
    () => resolveProducerConfig({ bootstrapServers: 'a:1', compressionType: 'brotli' as never }),
    /not one of/,
  );
  assert.throws(
    () => resolveConsumerConfig({ bootstrapServers: 'a:1', 'auto.ofset.reset': 'earliest' } as never),
    (err: KafkaError) =>
      err.code === 'INVALID_CONFIG' && /did you mean 'auto\.offset\.reset'/.test(err.message),
  );
  assert.throws(
    () => resolveConsumerConfig({ bootstrapServers: 'a:1', groupid: 'g' } as never),
    /did you mean 'groupId'/,
  );
  assert.throws(() => resolveConsumerConfig({ bootstrapServers: 'nope' }), /not host:port/);
});
