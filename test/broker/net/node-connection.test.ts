// The broker's own connections to other nodes: version negotiation, in-order matching, bounded
// in-flight and queued requests, timeouts through the shared timer, reconnection with back-off, and
// the controller channel following NOT_CONTROLLER and leader changes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Logger } from '../../../src/broker/logger.js';
import { ControllerChannel } from '../../../src/broker/net/controller-channel.js';
import { DeadlineTimer } from '../../../src/broker/net/deadline-timer.js';
import { NodeConnection } from '../../../src/broker/net/node-connection.js';
import type { ConnectionOptions } from '../../../src/broker/net/types.js';
import type { BrokerNode } from '../../../src/broker/node.js';
import type { MetadataResponse } from '../../../src/protocol/messages/index.js';
import { startTestNode } from '../../helpers/node.js';
import { allApis, FakeNode } from './fake-node.js';

const log = Logger.silent();
let node: BrokerNode;
let port: number;

before(async () => {
  ({ node, port } = await startTestNode());
});

after(async () => {
  await node.stop();
});

function connection(p: number, extra: Partial<ConnectionOptions> = {}): NodeConnection {
  return new NodeConnection({
    label: 1,
    host: '127.0.0.1',
    port: p,
    clientId: 'net-test',
    timer: new DeadlineTimer(),
    log,
    ...extra,
  });
}

const METADATA = 3;
const CREATE_TOPICS = 19;

test('negotiates versions with a Samsa node and sends each request at the highest common version', async () => {
  const conn = connection(port);
  try {
    const r = await conn.send<MetadataResponse>(METADATA, { topics: null, allowAutoTopicCreation: false });
    assert.ok(r.ok, JSON.stringify(r));
    const [, peerMax] = conn.peerVersions(METADATA) as [number, number];
    assert.equal(r.version, peerMax);
    assert.equal(r.body.clusterId, 'test-cluster-id-000000');
    const capped = await conn.send<MetadataResponse>(METADATA, { topics: null }, { maxVersion: 4 });
    assert.ok(capped.ok);
    assert.equal(capped.version, 4);
    const tooNew = await conn.send(METADATA, { topics: null }, { minVersion: peerMax + 1 });
    assert.ok(!tooNew.ok);
    assert.equal(tooNew.error.code, 'UNSUPPORTED_VERSION');
    const bodyOf = await conn.send<MetadataResponse>(METADATA, (v: number) => ({
      topics: v >= 1 ? null : [],
    }));
    assert.ok(bodyOf.ok);
  } finally {
    conn.close();
  }
});

test('pipelined requests complete in order, and a closed connection answers CLOSED', async () => {
  const conn = connection(port, { inFlightRequestsMax: 4 });
  const results = await Promise.all(
    Array.from({ length: 200 }, () =>
      conn.send<MetadataResponse>(METADATA, { topics: [] }, { maxVersion: 9 }),
    ),
  );
  assert.ok(results.every((r) => r.ok));
  conn.close();
  const r = await conn.send(METADATA, { topics: [] });
  assert.ok(!r.ok && r.error.code === 'CLOSED');
});

test('in-flight and queued requests are bounded; beyond that a send fails at once', async () => {
  const fake = await new FakeNode(() => ({ swallow: true })).start();
  const conn = connection(fake.port, {
    inFlightRequestsMax: 2,
    queuedRequestsMax: 3,
    requestTimeoutMs: 60_000,
  });
  try {
    const pending = Array.from({ length: 2 }, () => conn.send(METADATA, { topics: [] }));
    const deadline = Date.now() + 5000;
    while (fake.seen.filter((s) => s.apiKey === METADATA).length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    pending.push(...Array.from({ length: 3 }, () => conn.send(METADATA, { topics: [] })));
    const sixth = await conn.send(METADATA, { topics: [] });
    assert.ok(!sixth.ok);
    assert.equal(sixth.error.code, 'QUEUE_FULL');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(fake.seen.filter((s) => s.apiKey === METADATA).length, 2, 'only two on the wire');
    assert.equal(conn.pendingRequests, 5);
    conn.close();
    const settled = await Promise.all(pending);
    assert.ok(settled.every((r) => !r.ok && r.error.code === 'CLOSED'));
  } finally {
    conn.close();
    await fake.stop();
  }
});

test('a request without an answer times out through the shared timer and closes the connection; the next one reconnects', async () => {
  const fake: FakeNode = await new FakeNode(() =>
    fake.connections === 1
      ? { swallow: true }
      : { throttleTimeMs: 0, brokers: [], clusterId: 'c', controllerId: 1, topics: [] },
  ).start();
  const timer = new DeadlineTimer();
  const conn = connection(fake.port, { timer, reconnectBackoffMs: 10 });
  try {
    const started = Date.now();
    const [first, second] = await Promise.all([
      conn.send(METADATA, { topics: [] }, { timeoutMs: 200 }),
      conn.send(METADATA, { topics: [] }, { timeoutMs: 5000 }),
    ]);
    assert.ok(!first.ok && first.error.code === 'TIMEOUT', JSON.stringify(first));
    assert.ok(Date.now() - started >= 190);
    assert.ok(
      !second.ok && second.error.code === 'DISCONNECTED',
      'what was behind it breaks with the connection',
    );
    const third = await conn.send(METADATA, { topics: [] });
    assert.ok(third.ok, JSON.stringify(third));
    assert.equal(fake.connections, 2);
  } finally {
    conn.close();
    await fake.stop();
  }
  assert.equal(timer.size, 0, 'a closed connection leaves no deadline behind');
});

test('a node that goes away and comes back is reconnected after a back-off', async () => {
  const answer = () => ({ throttleTimeMs: 0, brokers: [], clusterId: 'c', controllerId: 1, topics: [] });
  let fake = await new FakeNode(answer).start();
  const p = fake.port;
  const conn = connection(p, { reconnectBackoffMs: 20, reconnectBackoffMsMax: 200 });
  try {
    assert.ok((await conn.send(METADATA, { topics: [] })).ok);
    await fake.stop();
    const down = await conn.send(METADATA, { topics: [] });
    assert.ok(!down.ok && down.error.code === 'DISCONNECTED', JSON.stringify(down));
    fake = await new FakeNode(answer).start(p);
    const deadline = Date.now() + 5000;
    let back = await conn.send(METADATA, { topics: [] });
    while (!back.ok && Date.now() < deadline) back = await conn.send(METADATA, { topics: [] });
    assert.ok(back.ok, JSON.stringify(back));
  } finally {
    conn.close();
    await fake.stop();
  }
});

test('an answer out of order is a protocol error that drops the connection', async () => {
  let n = 0;
  const fake = await new FakeNode(
    async () => {
      const mine = ++n;
      if (mine === 1) await new Promise((r) => setTimeout(r, 100));
      return { throttleTimeMs: 0, brokers: [], clusterId: 'c', controllerId: 1, topics: [] };
    },
    allApis(),
    true,
  ).start();
  const conn = connection(fake.port);
  try {
    const [a, b] = await Promise.all([
      conn.send(METADATA, { topics: [] }),
      conn.send(METADATA, { topics: [] }),
    ]);
    assert.ok(!a.ok && !b.ok);
    assert.ok([a.error.code, b.error.code].includes('PROTOCOL'));
  } finally {
    conn.close();
    await fake.stop();
  }
});

test('the controller channel follows NOT_CONTROLLER, skips a dead controller and waits for leader news', async () => {
  const created = (name: string, errorCode: number) => ({
    throttleTimeMs: 0,
    topics: [
      {
        name,
        topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
        errorCode,
        errorMessage: null,
        numPartitions: 1,
        replicationFactor: 1,
        configs: [],
      },
    ],
  });
  const refusing = await new FakeNode((_k, _v, body) => created(body.topics[0].name, 41)).start();
  const active = await new FakeNode((_k, _v, body) => created(body.topics[0].name, 0)).start();
  const dead = await new FakeNode(() => ({ close: true })).start();
  const deadPort = dead.port;
  await dead.stop();
  const ports = new Map([
    [1, refusing.port],
    [2, deadPort],
    [3, active.port],
  ]);
  let leader = 1;
  const channel = new ControllerChannel({
    controllers: () => new Map([...ports].map(([id, p]) => [id, { host: '127.0.0.1', port: p }])),
    activeController: () => leader,
    clientId: 'channel-test',
    log,
    retryBackoffMs: 20,
    requestTimeoutMs: 10_000,
  });
  const request = (name: string) => ({
    topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 1000,
    validateOnly: false,
  });
  try {
    const r = await channel.send<{ topics: { errorCode: number }[] }>(CREATE_TOPICS, request('a'));
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.body.topics[0].errorCode, 0);
    assert.ok(
      refusing.seen.some((s) => s.apiKey === CREATE_TOPICS),
      'the believed leader was asked first',
    );
    // No leader known: the channel waits, and goes at once when told of one.
    leader = -1;
    ports.delete(1);
    ports.set(2, deadPort);
    const started = Date.now();
    const slow = new ControllerChannel({
      controllers: () => new Map([[3, { host: '127.0.0.1', port: active.port }]]),
      activeController: () => leader,
      clientId: 'channel-test',
      log,
      retryBackoffMs: 60_000,
    });
    leader = -1;
    const pending = slow.send(CREATE_TOPICS, request('b'));
    setTimeout(() => {
      leader = 3;
      slow.leaderChanged();
    }, 50);
    const r2 = await pending;
    assert.ok(r2.ok, JSON.stringify(r2));
    assert.ok(Date.now() - started < 10_000);
    slow.close();
    // Every controller refusing until the deadline: the last answer comes back as it is.
    const stubborn = new ControllerChannel({
      controllers: () => new Map([[1, { host: '127.0.0.1', port: refusing.port }]]),
      activeController: () => 1,
      clientId: 'channel-test',
      log,
      retryBackoffMs: 20,
    });
    // A deadline long enough for the first answer on a loaded machine (connect, ApiVersions, refusal).
    const r3 = await stubborn.send<{ topics: { errorCode: number }[] }>(CREATE_TOPICS, request('c'), {
      timeoutMs: 1500,
    });
    assert.ok(r3.ok && r3.body.topics[0].errorCode === 41, JSON.stringify(r3));
    stubborn.close();
  } finally {
    channel.close();
    await refusing.stop();
    await active.stop();
  }
});
