// The authorization matrix: for every API the broker serves, a principal without the ACL Kafka asks for
// gets Kafka's error (or does not see the topic), and with that ACL the same request goes through.
// Then DENY against ALLOW, prefixed patterns, and the request fields that must not grant anything
// (a replica id, a client id). The principal is a SASL/PLAIN user; ACLs are metadata records, as
// CreateAcls leaves them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { randomTopicId } from '../../../src/broker/controller/quorum-controller.js';
import type { BrokerNode } from '../../../src/broker/node.js';
import { createAcls, deleteAcls } from '../../../src/metadata/security-control.js';
import { buildBatch } from '../../../src/protocol/records/record.js';
import {
  type AclBinding,
  AclOperation,
  PatternType,
  Permission,
  ResourceType,
} from '../../../src/security/acl/types.js';
import { startSecureNode } from '../../helpers/node.js';
import { RawClient } from '../../helpers/raw-client.js';
import { type Acl, authorizationCases } from './authorization-cases.js';

let node: BrokerNode;
let port: number;
let alice: RawClient;

const JAAS =
  'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="a" user_admin="b";';

before(async () => {
  const started = await startSecureNode({
    listeners: 'SASL_PLAINTEXT://127.0.0.1:0',
    'listener.security.protocol.map': 'SASL_PLAINTEXT:SASL_PLAINTEXT',
    'inter.broker.listener.name': 'SASL_PLAINTEXT',
    'sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users': 'User:admin',
    'auto.create.topics.enable': 'false',
  });
  node = started.node;
  port = started.ports.SASL_PLAINTEXT;
  const [created] = await node.controller.createTopics([
    { name: 't', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
  ]);
  assert.equal(created.errorCode, 0);
  alice = await connectAs('alice', 'a');
});

after(async () => {
  alice?.close();
  await node.stop();
});

async function connectAs(user: string, password: string): Promise<RawClient> {
  const c = await RawClient.connect(port);
  assert.equal((await c.plain(user, password)).errorCode, 0);
  return c;
}

function binding(
  [resourceType, name, operation, patternType, permission]: Acl,
  principal = 'User:alice',
): AclBinding {
  return {
    resourceType: resourceType as AclBinding['resourceType'],
    resourceName: name,
    patternType: (patternType ?? PatternType.LITERAL) as AclBinding['patternType'],
    principal,
    host: '*',
    operation: operation as AclBinding['operation'],
    permission: (permission ?? Permission.ALLOW) as AclBinding['permission'],
  };
}

async function setAcls(acls: Acl[]): Promise<void> {
  await node.controller.apply((image) => {
    const removed = deleteAcls(image, [
      {
        resourceType: ResourceType.ANY,
        resourceName: null,
        patternType: PatternType.ANY,
        principal: null,
        host: null,
        operation: AclOperation.ANY,
        permission: Permission.ANY,
      },
    ]);
    const created = createAcls(
      { ...image, security: { ...image.security, acls: new Map() } },
      acls.map((a) => binding(a)),
      randomTopicId,
    );
    return { records: [...removed.records, ...created.records], result: undefined };
  });
}

const batch = () => buildBatch([{ key: 'k', value: 'v' }]);
const topicId = () => node.controller.image.topicsByName.get('t')?.id as string;
const CASES = authorizationCases(batch, topicId);
const T = ResourceType.TOPIC;
const G = ResourceType.GROUP;
const op = AclOperation;

const AUTH_ERRORS = new Set([29, 30, 31, 53]);

for (const c of CASES) {
  test(`${c.api}: denied without the ACL, allowed with it`, async () => {
    if (c.api === 'DeleteTopics')
      await node.controller.createTopics([
        { name: 'doomed', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
      ]);
    await setAcls(c.base ?? []);
    const denied = await alice.request(c.key, c.version, c.body());
    assert.deepEqual(c.errorOf(denied), c.denied, `${c.api} without ACLs: ${JSON.stringify(denied)}`);
    await setAcls([...(c.base ?? []), ...c.acls]);
    const allowed = await alice.request(c.key, c.version, c.body());
    const code = c.errorOf(allowed);
    for (const e of Array.isArray(code) ? code : [code])
      assert.ok(
        !AUTH_ERRORS.has(e),
        `${c.api} with ${JSON.stringify(c.acls)}: error ${e}: ${JSON.stringify(allowed)}`,
      );
  });
}

test('every API the broker serves is in the matrix (or needs no authorization)', async () => {
  const covered = new Set(CASES.map((c) => c.key));
  // Metadata (all topics) and ListGroups filter instead of failing; DescribeCluster reports operations.
  // ListTransactions, like ListGroups, lists only what the principal may describe.
  for (const k of [3, 16, 60, 17, 18, 36, 66]) covered.add(k);
  const served = node.registry.supportedApis.map((a) => a.apiKey);
  const missing = served.filter((k) => !covered.has(k));
  assert.deepEqual(missing, [], `APIs without an authorization case: ${missing.join(', ')}`);
});

test('Metadata hides topics without DESCRIBE; ListGroups shows only describable groups', async () => {
  await setAcls([]);
  const all = await alice.request(3, 12, {
    topics: null,
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: true,
  });
  assert.deepEqual(all.topics, []);
  await setAcls([[T, 't', op.READ]]);
  const some = await alice.request(3, 12, {
    topics: null,
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: true,
  });
  assert.deepEqual(
    some.topics.map((t: { name: string }) => t.name),
    ['t'],
  );
  // READ implies DESCRIBE; the bit field shows exactly those two of the topic's operations.
  assert.equal(some.topics[0].topicAuthorizedOperations, (1 << op.READ) | (1 << op.DESCRIBE));
  const admin = await connectAs('admin', 'b');
  await admin
    .request(11, 5, {
      groupId: 'visible',
      sessionTimeoutMs: 10000,
      rebalanceTimeoutMs: 10000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
    })
    .catch(() => {});
  admin.close();
  await setAcls([[G, 'vis', op.DESCRIBE, PatternType.PREFIXED]]);
  const groups = await alice.request(16, 4, { statesFilter: [] });
  for (const g of groups.groups) assert.ok(g.groupId.startsWith('vis'), g.groupId);
  const cluster = await alice.request(60, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 });
  assert.equal(cluster.clusterAuthorizedOperations, 0, 'no DESCRIBE on the cluster: 0');
});

test('DENY beats ALLOW; a prefixed ACL covers names that start with it and nothing more', async () => {
  for (const name of ['orders.eu', 'orders.us', 'ordersx', 'order'])
    await node.controller.createTopics([
      { name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
    ]);
  const produce = async (topic: string) => {
    const r = await alice.request(0, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records: batch() }] }],
    });
    return r.responses[0].partitionResponses[0].errorCode as number;
  };
  await setAcls([[T, 'orders.', op.WRITE, PatternType.PREFIXED]]);
  assert.equal(await produce('orders.eu'), 0);
  assert.equal(await produce('orders.us'), 0);
  assert.equal(await produce('ordersx'), 29);
  assert.equal(await produce('order'), 29);
  await setAcls([
    [T, 'orders.', op.WRITE, PatternType.PREFIXED],
    [T, 'orders.eu', op.WRITE, PatternType.LITERAL, Permission.DENY],
  ]);
  assert.equal(await produce('orders.eu'), 29, 'a literal DENY beats a prefixed ALLOW');
  assert.equal(await produce('orders.us'), 0);
  await setAcls([
    [T, '*', op.ALL],
    [T, 'orders', op.WRITE, PatternType.PREFIXED, Permission.DENY],
  ]);
  assert.equal(await produce('orders.us'), 29, 'a prefixed DENY beats a wildcard ALLOW ALL');
  assert.equal(await produce('order'), 0);
});

test('request fields grant nothing: a replica id needs CLUSTER_ACTION; client id __admin_client is nobody', async () => {
  await setAcls([[T, 't', op.READ]]);
  const follower = await alice.request(1, 12, {
    replicaId: 1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic: 't',
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
  });
  assert.equal(
    follower.responses[0].partitions[0].errorCode,
    29,
    'CVE-2018-1288: no CLUSTER_ACTION, no follower fetch',
  );
  await setAcls([]);
  const sneaky = await alice.request(
    0,
    9,
    {
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records: batch() }] }],
    },
    '__admin_client',
  );
  assert.equal(sneaky.responses[0].partitionResponses[0].errorCode, 29);
});
