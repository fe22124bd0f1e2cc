// The quota hook on forwarded requests (Kafka's ControllerApis / RequestHandlerHelper): the controller
// charges an Envelope's inner request to the principal the envelope names and answers the throttle time
// without muting the forwarding broker's channel; the Envelope itself is not charged; the forwarding
// broker does not count mutations again and mutes its client for the controller's throttle time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientQuotas } from '../../../src/broker/security/client-quotas.js';
import { type AnsweredRequest, applyQuotas } from '../../../src/broker/security/quota-hook.js';
import type { Connection } from '../../../src/broker/server/connection.js';
import type { MetadataImage } from '../../../src/metadata/image.js';
import type { QuotaEntity } from '../../../src/security/quotas.js';

const WINDOW = { samples: 11, sampleMs: 1000 };

function quotasWith(entries: [QuotaEntity, Record<string, number>][]): ClientQuotas {
  const q = new ClientQuotas({ window: WINDOW, controllerWindow: WINDOW });
  const stored = new Map(
    entries.map(([entity, values], i) => [String(i), { entity, values: new Map(Object.entries(values)) }]),
  );
  q.onImage({ security: { scram: new Map(), acls: new Map(), quotas: stored } } as unknown as MetadataImage);
  return q;
}

/** A connection that only notes the throttles asked of it. */
function fakeConn(): { conn: Connection; throttles: number[] } {
  const throttles: number[] = [];
  const conn = {
    principal: { type: 'User', name: 'broker' },
    throttle: (ms: number) => throttles.push(ms),
  } as unknown as Connection;
  return { conn, throttles };
}

function answered(over: Partial<AnsweredRequest> & Pick<AnsweredRequest, 'conn'>): AnsweredRequest {
  return {
    apiKey: 19,
    version: 7,
    principal: { type: 'User', name: 'broker' },
    inEnvelope: false,
    forwardedToController: false,
    clientId: 'app',
    request: { topics: [{ name: 't' }] },
    response: { throttleTimeMs: 0, topics: [{ errorCode: 0, numPartitions: 20 }] },
    handlerMs: 0,
    ...over,
  };
}

test("an Envelope's inner request is charged to the envelope's principal, without muting the channel", () => {
  const quotas = quotasWith([[{ user: 'alice' }, { request_percentage: 1, controller_mutation_rate: 1 }]]);
  const { conn, throttles } = fakeConn();
  const response = { throttleTimeMs: 0, topics: [{ errorCode: 0, numPartitions: 20 }] };
  // 500 ms of handler time against 1% of a thread: throttled (the partitions were charged by the
  // controller as it created the topic, handlers/mutation-quota.ts).
  applyQuotas(
    quotas,
    answered({
      conn,
      principal: { type: 'User', name: 'alice' },
      inEnvelope: true,
      response,
      handlerMs: 500,
    }),
    1_000,
  );
  assert.ok(response.throttleTimeMs > 0, 'the throttle time goes back in the inner answer');
  assert.deepEqual(throttles, [], "the forwarding broker's channel is not muted");
  assert.ok(quotas.exceeded('request_percentage', 'alice', 'app', 1_000) > 0, 'alice was charged');
  assert.equal(quotas.exceeded('request_percentage', 'broker', 'app', 1_000), 0);
});

test('the Envelope itself is not charged', () => {
  const quotas = quotasWith([[{ user: null }, { request_percentage: 1 }]]);
  const { conn, throttles } = fakeConn();
  const response = { throttleTimeMs: 0, responseData: null, errorCode: 0 };
  applyQuotas(quotas, answered({ conn, apiKey: 58, request: {}, response, handlerMs: 5_000 }), 1_000);
  assert.equal(response.throttleTimeMs, 0);
  assert.deepEqual(throttles, []);
  assert.equal(quotas.exceeded('request_percentage', 'broker', 'app', 1_000), 0);
});

test("a forwarding broker mutes its client for the controller's throttle time and counts no mutations", () => {
  const quotas = quotasWith([[{ clientId: 'app' }, { controller_mutation_rate: 1 }]]);
  const { conn, throttles } = fakeConn();
  const response = { throttleTimeMs: 700, topics: [{ errorCode: 0, numPartitions: 20 }] };
  applyQuotas(
    quotas,
    answered({ conn, principal: { type: 'User', name: 'alice' }, forwardedToController: true, response }),
    1_000,
  );
  assert.deepEqual(throttles, [700]);
  assert.equal(response.throttleTimeMs, 700);
  assert.equal(
    quotas.exceeded('controller_mutation_rate', 'alice', 'app', 1_000),
    0,
    'the controller counted the partitions, not this broker',
  );
  // Not forwarded (this node is the active controller, which charged the 20 partitions as it created
  // the topic): CreateTopics v5, permissive, is throttled after for what the bucket owes.
  quotas.record('controller_mutation_rate', 'alice', 'app', 20, 1_000);
  const local = { throttleTimeMs: 0, topics: [{ errorCode: 0, numPartitions: 20 }] };
  applyQuotas(
    quotas,
    answered({ conn, version: 5, principal: { type: 'User', name: 'alice' }, response: local }),
    1_000,
  );
  assert.ok(local.throttleTimeMs > 0);
  assert.equal(throttles.length, 2);
});

test('strict mode: an accepted request is not throttled, a refused one is; permissive: throttled after', () => {
  // A bucket of 1 token per second over 11 one-second samples: 11 tokens to begin with; the controller
  // charged 20 partitions for the accepted topic (11 - 20 = -9: nine seconds until it is back to zero).
  const quotas = quotasWith([[{ clientId: 'app' }, { controller_mutation_rate: 1 }]]);
  const { conn, throttles } = fakeConn();
  quotas.record('controller_mutation_rate', 'broker', 'app', 20, 1_000);
  const accepted = { throttleTimeMs: 0, topics: [{ errorCode: 0, numPartitions: 20 }] };
  applyQuotas(quotas, answered({ conn, response: accepted }), 1_000);
  assert.equal(accepted.throttleTimeMs, 0, 'accepted while tokens were left: not throttled (v7)');
  assert.deepEqual(throttles, []);
  assert.equal(
    quotas.exceeded('controller_mutation_rate', 'broker', 'app', 1_000),
    9_000,
    'the hook charged nothing',
  );
  const refused = { throttleTimeMs: 0, topics: [{ errorCode: 89, numPartitions: -1 }] };
  applyQuotas(quotas, answered({ conn, response: refused }), 2_000);
  assert.equal(refused.throttleTimeMs, 8_000, 'one second refilled one token');
  assert.deepEqual(throttles, [8_000]);
  quotas.record('controller_mutation_rate', 'broker', 'app', 2, 2_000);
  const permissive = { throttleTimeMs: 0, topics: [{ errorCode: 0, numPartitions: 2 }] };
  applyQuotas(quotas, answered({ conn, version: 5, response: permissive }), 2_000);
  assert.equal(permissive.throttleTimeMs, 10_000);
});
