// Client quotas on requests a broker forwards to the controller, as Kafka applies them: the active
// controller charges the Envelope's inner request to the client's principal and client id (not to the
// forwarding broker), so a client's controller_mutation_rate is one token bucket however many brokers
// it spreads its CreateTopics over; the controller's throttle time comes back in the answer and the
// forwarding broker mutes the client's connection for it, while the controller does not mute the
// broker's channel: other clients' forwarded requests still go through at once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin } from '../../src/client/index.js';
import { ProcessCluster } from '../helpers/process-cluster.js';
import { RawClient } from '../helpers/raw-client.js';
import { until } from '../helpers/wait.js';

const THROTTLING_QUOTA_EXCEEDED = 89;

let cluster: ProcessCluster;

before(async () => {
  cluster = await ProcessCluster.start({
    nodes: 3,
    readyTimeoutMs: 60_000,
    configs: { 'broker.session.timeout.ms': '6000', 'broker.heartbeat.interval.ms': '500' },
  });
});

after(async () => {
  await cluster?.close();
});

// CreateTopics v7 (strict mode from v6): one topic of `partitions` partitions, replication factor 1.
function createTopic(via: RawClient, name: string, partitions: number, clientId: string) {
  return via.request(
    19,
    7,
    {
      topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 10_000,
      validateOnly: false,
    },
    clientId,
  );
}

test('controller_mutation_rate is enforced by the controller for forwarded CreateTopics', {
  timeout: 180_000,
}, async () => {
  const admin = new Admin({ 'bootstrap.servers': cluster.bootstrap });
  let controllerId: number;
  try {
    await admin.alterClientQuotas([
      { entity: { clientId: 'creator' }, quotas: { controller_mutation_rate: 1 } },
    ]);
    // Every node has the quota in its image (the controller applies it; the others relay).
    for (const id of cluster.brokerIds) {
      const a = new Admin({ 'bootstrap.servers': cluster.node(id).bootstrap });
      try {
        await until(
          () => a.describeClientQuotas({ clientId: 'creator' }),
          (q) => q.length === 1,
          `node ${id} sees the quota`,
        );
      } finally {
        await a.close();
      }
    }
    controllerId = (await admin.describeQuorum()).leaderId;
  } finally {
    await admin.close();
  }
  const [a, b] = cluster.brokerIds.filter((id) => id !== controllerId);
  assert.ok(a !== undefined && b !== undefined, `two brokers other than the controller ${controllerId}`);
  const viaA = await RawClient.connect(cluster.node(a).port);
  const viaB = await RawClient.connect(cluster.node(b).port);
  const otherViaB = await RawClient.connect(cluster.node(b).port);
  try {
    // 20 partitions at once against 1 per second, the bucket holding 11 tokens (controller.quota.window.num
    // 11 one-second samples): accepted, the client having tokens left, and (strict mode) not throttled.
    const first = await createTopic(viaA, 'fq-1', 20, 'creator');
    assert.equal(first.topics[0].errorCode, 0, `node ${a} forwarded: ${first.topics[0].errorMessage}`);
    assert.equal(first.throttleTimeMs, 0);
    // The same client through another broker: one bucket, kept by the controller, 9 tokens short.
    const second = await createTopic(viaB, 'fq-2', 1, 'creator');
    assert.equal(
      second.topics[0].errorCode,
      THROTTLING_QUOTA_EXCEEDED,
      `node ${b} forwarded the same client's CreateTopics: the controller must refuse it`,
    );
    assert.equal(second.topics[0].errorMessage, 'The throttling quota has been exceeded.');
    assert.ok(
      second.throttleTimeMs > 5_000,
      `throttled for the bucket to refill: ${second.throttleTimeMs} ms`,
    );
    // The forwarding broker mutes the throttled client's connection for the controller's throttle time.
    const held = await Promise.race([
      viaB.request(18, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' }, 'creator').then(
        () => 'answered',
        () => 'closed',
      ),
      new Promise((r) => setTimeout(() => r('held'), 1000)),
    ]);
    assert.equal(held, 'held', `node ${b} keeps the throttled client's next request for a while`);
    // Another client through the same broker: the forwarding channel to the controller is not muted.
    const t0 = performance.now();
    const other = await createTopic(otherViaB, 'fq-other', 1, 'someone-else');
    assert.equal(other.topics[0].errorCode, 0);
    assert.equal(other.throttleTimeMs, 0);
    assert.ok(
      performance.now() - t0 < second.throttleTimeMs,
      'answered before the throttled client may send again',
    );
  } finally {
    viaA.close();
    viaB.close();
    otherViaB.close();
  }
});
