// An idempotent librdkafka producer whose connection is cut right after the broker accepted some of
// its batches (so it never sees those answers and sends the batches again) ends with every record
// exactly once, in order. The same run without idempotence shows the duplicates the check prevents.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { needs, run, runPython } from '../helpers/tools.js';

const PRODUCE = 0;

const PRODUCER = `
import sys
from confluent_kafka import Producer
idempotent = sys.argv[3] == 'true'
p = Producer({'bootstrap.servers': sys.argv[1], 'enable.idempotence': idempotent, 'acks': 'all',
              'linger.ms': 2, 'batch.num.messages': 50, 'retry.backoff.ms': 50,
              'max.in.flight.requests.per.connection': 5, 'message.timeout.ms': 30000})
delivered = 0
def report(err, msg):
    global delivered
    if err is None:
        delivered += 1
for i in range(1000):
    p.produce(sys.argv[2], value=('%d' % i).encode(), partition=0, on_delivery=report)
    if i % 100 == 0:
        p.poll(0.01)
p.flush(60)
print('delivered', delivered)
`;

/**
 * Runs the producer against a broker that advertises a proxy in front of itself, so every request of
 * the client goes through the proxy, which cuts the connection right after the broker answered the
 * 3rd, 8th and 12th produce requests.
 */
async function produceThroughCuttingProxy(
  topic: string,
  idempotent: boolean,
): Promise<{ values: number[]; cuts: number; delivered: number }> {
  const proxy = new FaultProxy({
    onResponse: (apiKey, _id, index) => (apiKey === PRODUCE && [2, 7, 11].includes(index) ? 'cut' : 'pass'),
  });
  const proxyPort = await proxy.start();
  const broker = await startBrokerProcess({
    args: ['--override', `advertised.listeners=PLAINTEXT://127.0.0.1:${proxyPort}`],
  });
  proxy.options.brokerPort = broker.port;
  try {
    const r = await runPython(PRODUCER, [`127.0.0.1:${proxyPort}`, topic, String(idempotent)], 90_000);
    assert.equal(r.code, 0, r.stderr);
    const delivered = Number(/delivered (\d+)/.exec(r.stdout)?.[1] ?? -1);
    const c = await run(
      'kcat',
      ['-b', `127.0.0.1:${proxyPort}`, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q'],
      { timeoutMs: 30_000 },
    );
    return { values: c.stdout.trim().split('\n').map(Number), cuts: proxy.cuts, delivered };
  } finally {
    await proxy.stop();
    await broker.stop();
    removeDataDir(broker.dataDir);
  }
}

test('retried batches of an idempotent producer are written once', { timeout: 120_000 }, async (t) => {
  if (!needs(t, 'confluent-kafka', 'kcat')) return;
  const result = await produceThroughCuttingProxy('idem-on', true);
  assert.equal(result.cuts, 3, 'the proxy cut three connections after produce answers');
  assert.equal(result.delivered, 1000);
  assert.deepEqual(
    result.values,
    Array.from({ length: 1000 }, (_, i) => i),
    'each record once, in order',
  );
});

test('without idempotence the same faults write duplicates (what the check above prevents)', {
  timeout: 120_000,
}, async (t) => {
  if (!needs(t, 'confluent-kafka')) return;
  const result = await produceThroughCuttingProxy('idem-off', false);
  assert.equal(result.cuts, 3);
  assert.ok(result.values.length > 1000, `expected duplicates, got ${result.values.length} records`);
  assert.deepEqual(
    [...new Set(result.values)].sort((a, b) => a - b),
    Array.from({ length: 1000 }, (_, i) => i),
  );
});
