// Samsa's client honours a broker's throttle time (KIP-219): after an answer with throttle_time_ms, the
// next request on that connection leaves only when the time is up (the broker mutes the connection
// meanwhile, and Kafka's clients hold their requests, as this one now does). A proxy between client and
// broker notes when each request arrives.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrokerNode } from '../../src/broker/node.js';
import { Admin, Producer } from '../../src/client/index.js';
import { clientThrottleMs } from '../../src/client/throttle.js';
import { API } from '../../src/client/versions.js';
import { startTestNode } from '../helpers/node.js';
import { type FaultProxy, startFaultProxy } from './fault-proxy.js';

let node: BrokerNode;
let port: number;

before(async () => {
  // A quota window of 2 one-second samples: throttle times of up to 2 s.
  const started = await startTestNode({ 'quota.window.num': '2', 'quota.window.size.seconds': '1' });
  node = started.node;
  port = started.port;
  const admin = new Admin({ 'bootstrap.servers': `127.0.0.1:${port}` });
  await admin.createTopics([{ name: 't', numPartitions: 1 }]);
  await admin.alterClientQuotas([
    { entity: { clientId: 'throttled' }, quotas: { producer_byte_rate: 100_000 } },
  ]);
  await admin.close();
});

after(async () => {
  await node?.stop();
});

/** A producer of the client id under the quota, one request per record. */
function throttledProducer(bootstrap: string): Producer {
  return new Producer({
    'bootstrap.servers': bootstrap,
    'client.id': 'throttled',
    acks: 1,
    'linger.ms': 0,
    'enable.idempotence': false,
  });
}

test('a throttled answer holds the next request on that connection for the throttle time', async () => {
  const produced: number[] = [];
  const proxy: FaultProxy = await startFaultProxy(port, (info) => {
    if (info.apiKey === 0) produced.push(performance.now());
    return { kind: 'pass' };
  });
  const producer = throttledProducer(proxy.bootstrap);
  try {
    // 400 kB against 100 kB/s: the answer carries a throttle time (at most the 2 s window).
    await producer.send({ topic: 't', value: Buffer.alloc(400_000, 1) });
    const conn = await producer.cluster.connectionTo(1);
    const heldMs = conn.throttledForMs;
    assert.ok(heldMs > 200, `the broker asked the client to wait: ${heldMs} ms`);
    const t0 = performance.now();
    await producer.send({ topic: 't', value: Buffer.from('next') });
    assert.equal(produced.length, 2);
    const waitedMs = produced[1] - t0;
    assert.ok(waitedMs >= heldMs - 20, `the next Produce left after ${waitedMs.toFixed(0)} ms of ${heldMs}`);
  } finally {
    await producer.close();
    await proxy.close();
  }
});

test('a request held for a throttle settles when its connection closes meanwhile', async () => {
  const producer = throttledProducer(`127.0.0.1:${port}`);
  try {
    await producer.send({ topic: 't', value: Buffer.alloc(400_000, 2) });
    const conn = await producer.cluster.connectionTo(1);
    assert.ok(conn.throttledForMs > 200, `throttled: ${conn.throttledForMs} ms`);
    // One that expects no answer (as acks=0 sends) and one that does, both held; then the connection closes.
    const noAnswer = conn.send(API.Metadata, () => ({ topics: [], allowAutoTopicCreation: false }), {
      noResponse: true,
    });
    const answered = conn.send(API.Metadata, () => ({ topics: [], allowAutoTopicCreation: false }));
    conn.close();
    const settled = (p: Promise<unknown>) =>
      Promise.race([
        p.then(
          () => 'resolved',
          () => 'rejected',
        ),
        new Promise((r) => setTimeout(() => r('still held'), 500)),
      ]);
    const [a, b] = await Promise.all([settled(noAnswer), settled(answered)]);
    assert.equal(a, 'resolved', 'the request without an answer');
    assert.equal(b, 'rejected', 'the request with one fails as pending requests do');
  } finally {
    await producer.close();
  }
});

test('only the versions from which Kafka expects the client to throttle (KIP-219) hold requests', () => {
  const body = { throttleTimeMs: 500 };
  assert.equal(clientThrottleMs(0, 6, body), 500, 'Produce v6');
  assert.equal(clientThrottleMs(0, 5, body), 0, 'Produce v5: the broker delayed the answer itself');
  assert.equal(clientThrottleMs(1, 8, body), 500, 'Fetch v8');
  assert.equal(clientThrottleMs(1, 7, body), 0, 'Fetch v7');
  assert.equal(clientThrottleMs(3, 12, { throttleTimeMs: 0 }), 0, 'no throttle time');
  assert.equal(clientThrottleMs(17, 1, body), 0, 'SaslHandshake is never throttled');
});
