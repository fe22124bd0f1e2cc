// The stall guard (node-replication.ts): after the process stood still, no leading until a heartbeat
// sent after the stall is answered and the metadata image has reached the controller's high watermark.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Logger } from '../../../src/broker/logger.js';
import { StallGuard } from '../../../src/broker/node-replication.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { buildBatch } from '../../../src/protocol/records/record.js';
import { type TestBroker, TestCluster } from './cluster-harness.js';

function standStill(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {}
}

test('after a stall: no leading until a later heartbeat is answered and the image reaches the high watermark', async () => {
  const lifecycle = { state: 'unfenced', lastAnsweredSentAtMs: Date.now() };
  let applied = 4;
  let answer: (hw: number | null) => void = () => {};
  let asked = 0;
  const guard = new StallGuard(
    400,
    100,
    () => lifecycle,
    Logger.silent(),
    {
      quorumHighWatermark: () => {
        asked++;
        return new Promise((resolve) => {
          answer = resolve;
        });
      },
      appliedOffset: () => applied,
    },
    50,
  );
  try {
    assert.equal(guard.mayLead(), true);
    standStill(400);
    assert.equal(guard.mayLead(), false, 'stalled: a heartbeat from before the stall does not count');
    lifecycle.lastAnsweredSentAtMs = Date.now() + 1;
    assert.equal(guard.mayLead(), false, 'the controller is asked for its high watermark');
    assert.equal(asked, 1);
    answer(null);
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(guard.mayLead(), false, 'no answer: asked again');
    assert.equal(asked, 2);
    answer(10);
    await Promise.resolve();
    assert.equal(guard.mayLead(), false, 'the image is behind (offset 4 < 9)');
    applied = 9;
    assert.equal(
      guard.mayLead(),
      true,
      'the image has the last committed record (offset 9, high watermark 10)',
    );
    lifecycle.state = 'fenced';
    assert.equal(guard.mayLead(), false, 'fenced');
  } finally {
    guard.close();
  }
});

// A leader that stood still may have been fenced and replaced meanwhile: the new leader goes on
// acknowledging records the old one has not got. Answering a consumer from its stale high watermark
// would tell it the partition ends before records that were acknowledged (kcat -e stops there), so
// it answers NOT_LEADER_OR_FOLLOWER (the client asks for metadata again) until its guard lets it lead.
test('a leader that may have been replaced during a stall answers no consumer fetch nor ListOffsets', async () => {
  const cluster = await TestCluster.start(3);
  try {
    await cluster.createTopic('t', 1, 3, { 'min.insync.replicas': '2' });
    const info = cluster.partitionInfo('t', 0);
    const old = cluster.broker(info.leader);
    assert.equal((await produce(old, batch(3, 'a'))).errorCode, ErrorCode.NONE);
    const topicId = cluster.image.topicsByName.get('t')!.id;
    // A fetch parked at the end before the stall, answered after it.
    const parked = fetchAt(old, topicId, 3, 400);
    await new Promise((r) => setTimeout(r, 50));
    old.mayLead = false;
    cluster.isolate(old.id);
    await cluster.fenceBroker(old.id);
    const next = cluster.broker(cluster.partitionInfo('t', 0).leader);
    assert.notEqual(next.id, old.id);
    assert.equal(
      (await produce(next, batch(2, 'b'))).errorCode,
      ErrorCode.NONE,
      'acknowledged by the new leader',
    );
    assert.equal(next.replicas.get('t', 0)?.log.highWatermark, 5);
    assert.equal(old.replicas.get('t', 0)?.isLeader, true, 'the old leader does not know yet');
    assert.equal(old.replicas.get('t', 0)?.log.highWatermark, 3);
    for (const [what, r] of [
      ['a parked fetch', await parked],
      ['a fetch', await fetchAt(old, topicId, 0, 0)],
    ] as const) {
      assert.equal(r.responses[0].partitions[0].errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER, what);
      assert.equal(r.responses[0].partitions[0].records, null, `${what}: no records`);
    }
    assert.equal(await latest(old), ErrorCode.NOT_LEADER_OR_FOLLOWER, 'ListOffsets latest');
    assert.equal(await latest(next), ErrorCode.NONE, 'the new leader answers');
    // Once the guard lets it lead again, it answers as what its metadata says it is.
    old.mayLead = true;
    await cluster.heal(old.id);
    assert.equal(old.replicas.get('t', 0)?.isLeader, false);
    assert.equal(await latest(old), ErrorCode.NOT_LEADER_OR_FOLLOWER, 'a follower answers no ListOffsets');
    assert.equal((await fetchAt(old, topicId, 0, 0)).responses[0].partitions[0].errorCode, ErrorCode.NONE);
  } finally {
    await cluster.close();
  }
});

function batch(n: number, tag: string): Buffer {
  return buildBatch(Array.from({ length: n }, (_, i) => ({ key: null, value: `${tag}-${i}` })));
}

async function produce(b: TestBroker, records: Buffer): Promise<{ errorCode: number }> {
  // biome-ignore lint/suspicious/noExplicitAny: the response is looked at field by field
  const r = await b.call<any>(0, 9, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: 't', partitionData: [{ index: 0, records }] }],
  });
  return r.responses[0].partitionResponses[0];
}

/** A consumer's Fetch v12 of partition 0 of t. */
function fetchAt(b: TestBroker, topicId: string, fetchOffset: number, maxWaitMs: number) {
  // biome-ignore lint/suspicious/noExplicitAny: fields read one by one
  return b.call<any>(1, 12, {
    replicaId: -1,
    maxWaitMs,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic: 't',
        topicId,
        partitions: [
          {
            partition: 0,
            fetchOffset,
            partitionMaxBytes: 1 << 20,
            currentLeaderEpoch: -1,
            logStartOffset: -1,
            lastFetchedEpoch: -1,
          },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  });
}

/** ListOffsets latest (v7) of partition 0 of t: its error code. */
async function latest(b: TestBroker): Promise<number> {
  // biome-ignore lint/suspicious/noExplicitAny: fields read one by one
  const r = await b.call<any>(2, 7, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }],
  });
  return r.topics[0].partitions[0].errorCode;
}
