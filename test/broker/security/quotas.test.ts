// Client quotas end to end: a producer whose user has producer_byte_rate 1 MiB/s is held to that rate
// (within 10%) by throttle times and a muted connection, while another client of the same broker is
// served at once; consumer_byte_rate empties throttled fetches; quotas come and go with
// AlterClientQuotas. The window is 3 one-second samples here so a short test sees the steady state.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrokerNode } from '../../../src/broker/node.js';
import { Admin, Producer } from '../../../src/client/index.js';
import { startTestNode } from '../../helpers/node.js';
import { RawClient } from '../../helpers/raw-client.js';

let node: BrokerNode;
let port: number;
const RATE = 1024 * 1024;

before(async () => {
  const started = await startTestNode({
    'quota.window.num': '3',
    'quota.window.size.seconds': '1',
    'controller.quota.window.num': '3',
  });
  node = started.node;
  port = started.port;
  const admin = new Admin({ 'bootstrap.servers': `127.0.0.1:${port}` });
  await admin.createTopics([{ name: 'q', numPartitions: 1 }]);
  await admin.alterClientQuotas([{ entity: { clientId: 'limited' }, quotas: { producer_byte_rate: RATE } }]);
  const described = await admin.describeClientQuotas({ clientId: 'limited' });
  assert.deepEqual(described, [{ entity: { clientId: 'limited' }, quotas: { producer_byte_rate: RATE } }]);
  await admin.close();
});

after(async () => {
  await node?.stop();
});

test('producer_byte_rate 1 MiB/s holds a producer within 10%, and the broker stays responsive', async (t) => {
  const producer = new Producer({
    'bootstrap.servers': `127.0.0.1:${port}`,
    'client.id': 'limited',
    'linger.ms': 0,
    'batch.size': 32 * 1024,
    acks: 1,
    'enable.idempotence': false,
  });
  const value = Buffer.alloc(16 * 1024, 7);
  const startMs = Date.now();
  const durationMs = 12_000;
  let stop = false;
  const senders = Array.from({ length: 8 }, async () => {
    while (!stop) await producer.send({ topic: 'q', value });
  });
  // Meanwhile another client's requests are answered at once; it also reads the partition's end
  // offset when the steady state starts (after the first window) and at the end: what the broker took.
  const other = await RawClient.connect(port);
  const endOffset = async () => {
    const r = await other.request(
      2,
      7,
      {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ name: 'q', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }],
      },
      'someone-else',
    );
    return { atMs: Date.now(), offset: Number(r.topics[0].partitions[0].offset) };
  };
  const latencies: number[] = [];
  let from: { atMs: number; offset: number } | null = null;
  while (Date.now() - startMs < durationMs) {
    if (!from && Date.now() - startMs >= 3000) from = await endOffset();
    const t0 = performance.now();
    await other.request(3, 12, { topics: null, allowAutoTopicCreation: false }, 'someone-else');
    latencies.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 100));
  }
  const until = await endOffset();
  stop = true;
  await Promise.all(senders);
  await producer.close();
  other.close();
  const start = from as { atMs: number; offset: number };
  const rate = ((until.offset - start.offset) * value.length) / ((until.atMs - start.atMs) / 1000);
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.floor(latencies.length * 0.99)];
  const median = latencies[Math.floor(latencies.length / 2)];
  t.diagnostic(
    `held at ${(rate / RATE).toFixed(3)} MiB/s; another client's Metadata median ${median.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`,
  );
  assert.ok(Math.abs(rate - RATE) / RATE <= 0.1, `rate ${(rate / RATE).toFixed(3)} MiB/s`);
  // Producer, broker and this client share one event loop here, on a shared machine: a generous bound.
  assert.ok(median < 100, `another client's Metadata median ${median.toFixed(1)} ms`);
});

test('throttle_time_ms comes back in the response, and consumer_byte_rate empties a throttled fetch', async () => {
  const admin = new Admin({ 'bootstrap.servers': `127.0.0.1:${port}` });
  await admin.alterClientQuotas([
    { entity: { clientId: 'slow-reader' }, quotas: { consumer_byte_rate: 1000 } },
  ]);
  await admin.close();
  const c = await RawClient.connect(port);
  const fetch = () =>
    c.request(
      1,
      12,
      {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 20,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic: 'q',
            partitions: [
              {
                partition: 0,
                fetchOffset: 0,
                partitionMaxBytes: 1 << 20,
                currentLeaderEpoch: -1,
                lastFetchedEpoch: -1,
                logStartOffset: -1,
              },
            ],
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      },
      'slow-reader',
    );
  // 3 s of quota is 3 KB; the topic holds megabytes: the first answer is over the quota.
  const first = await fetch();
  assert.ok(first.throttleTimeMs > 0, `throttle ${first.throttleTimeMs}`);
  assert.equal(first.responses[0].partitions[0].records, null, 'a throttled fetch carries no records');
  // The connection is muted for the throttle time: the next answer comes no sooner.
  const t0 = Date.now();
  await fetch();
  assert.ok(Date.now() - t0 >= Math.min(first.throttleTimeMs, 3000) - 50, 'muted');
  c.close();
});

test('removing a quota lifts the throttling', async () => {
  const admin = new Admin({ 'bootstrap.servers': `127.0.0.1:${port}` });
  await admin.alterClientQuotas([
    { entity: { clientId: 'slow-reader' }, quotas: { consumer_byte_rate: null } },
  ]);
  assert.deepEqual(await admin.describeClientQuotas({ clientId: 'slow-reader' }), []);
  await admin.close();
  const c = await RawClient.connect(port);
  const r = await c.request(
    1,
    12,
    {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic: 'q',
          partitions: [
            {
              partition: 0,
              fetchOffset: 0,
              partitionMaxBytes: 1 << 20,
              currentLeaderEpoch: -1,
              lastFetchedEpoch: -1,
              logStartOffset: -1,
            },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: '',
    },
    'slow-reader',
  );
  assert.equal(r.throttleTimeMs, 0);
  assert.notEqual(r.responses[0].partitions[0].records, null);
  c.close();
});

test('controller_mutation_rate: past the quota, CreateTopics v6+ is refused with THROTTLING_QUOTA_EXCEEDED', async () => {
  const admin = new Admin({ 'bootstrap.servers': `127.0.0.1:${port}` });
  await admin.alterClientQuotas([
    { entity: { clientId: 'creator' }, quotas: { controller_mutation_rate: 1 } },
  ]);
  await admin.close();
  const c = await RawClient.connect(port);
  const d = await RawClient.connect(port);
  const create = (name: string, via = c) =>
    via.request(
      19,
      7,
      {
        topics: [{ name, numPartitions: 10, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 5000,
        validateOnly: false,
      },
      'creator',
    );
  const first = await create('m1');
  assert.equal(first.topics[0].errorCode, 0);
  // Strict mode, as Kafka's: accepted while the bucket (3 tokens: 1 per second over 3 s) had tokens,
  // so not throttled, though ten partitions leave it 7 short.
  assert.equal(first.throttleTimeMs, 0);
  const second = await create('m2', d);
  assert.equal(second.topics[0].errorCode, 89);
  assert.equal(second.topics[0].errorMessage, 'The throttling quota has been exceeded.');
  assert.ok(second.throttleTimeMs > 0);
  c.close();
  d.close();
});

test('controller_mutation_rate charges each topic on its own: the first take the tokens, the rest are refused', async () => {
  const admin = new Admin({ 'bootstrap.servers': `127.0.0.1:${port}` });
  await admin.alterClientQuotas([
    { entity: { clientId: 'batcher' }, quotas: { controller_mutation_rate: 1 } },
    { entity: { clientId: 'deleter' }, quotas: { controller_mutation_rate: 1 } },
  ]);
  await admin.createTopics([
    { name: 'doomed-4', numPartitions: 4 },
    { name: 'doomed-1', numPartitions: 1 },
  ]);
  const c = await RawClient.connect(port);
  const topic = (name: string, numPartitions: number) => ({
    name,
    numPartitions,
    replicationFactor: 1,
    assignments: [],
    configs: [],
  });
  // 3 tokens (1 per second over 3 s): b1 leaves 1, b2 is still met by a bucket with tokens and leaves
  // it 1 short, b3 meets an empty bucket. One request, three answers.
  const created = await c.request(
    19,
    7,
    { topics: [topic('b1', 2), topic('b2', 2), topic('b3', 1)], timeoutMs: 5000, validateOnly: false },
    'batcher',
  );
  assert.deepEqual(
    created.topics.map((t: { name: string; errorCode: number }) => [t.name, t.errorCode]),
    [
      ['b1', 0],
      ['b2', 0],
      ['b3', 89],
    ],
  );
  assert.ok(created.throttleTimeMs > 0, 'a refused topic throttles the request');
  // A deleted topic is charged its partitions: doomed-4 takes 4 of 3 tokens, doomed-1 is refused.
  const deleted = await c.request(
    20,
    6,
    {
      topics: [
        { name: 'doomed-4', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' },
        { name: 'doomed-1', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' },
      ],
      timeoutMs: 5000,
    },
    'deleter',
  );
  assert.deepEqual(
    deleted.responses.map((r: { name: string; errorCode: number }) => [r.name, r.errorCode]),
    [
      ['doomed-4', 0],
      ['doomed-1', 89],
    ],
  );
  const names = await admin.listTopics();
  assert.ok(names.includes('b1') && names.includes('b2') && !names.includes('b3'), names.join(','));
  assert.ok(!names.includes('doomed-4') && names.includes('doomed-1'), names.join(','));
  await admin.close();
  c.close();
});
