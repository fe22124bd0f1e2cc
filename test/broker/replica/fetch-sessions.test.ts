// The fetch session cache's rules, on a fake clock: which requests open, continue and close sessions,
// and Kafka's eviction order when every slot is taken.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  FETCH_SESSION_EVICTION_MS,
  type FetchContextResult,
  FetchSessionCache,
  type FetchSessionRequest,
} from '../../../src/broker/replica/fetch-sessions.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import type { FetchResponse, FetchResponsePartitionData } from '../../../src/protocol/messages/index.js';

function cache(slotsMax: number) {
  const clock = { now: 1_000_000 };
  let next = 100;
  const sessions = new FetchSessionCache({ slotsMax, now: () => clock.now, randomId: () => next++ });
  return { sessions, clock };
}

function request(
  sessionId: number,
  sessionEpoch: number,
  partitions: number[],
  more: Partial<FetchSessionRequest> = {},
) {
  return {
    version: 17,
    sessionId,
    sessionEpoch,
    topics: partitions.length
      ? [
          {
            topicId: 'T',
            partitions: partitions.map((partition) => ({
              partition,
              fetchOffset: 0,
              partitionMaxBytes: 100,
            })),
          },
        ]
      : [],
    forgotten: [],
    fromFollower: false,
    ...more,
  };
}

/** The answer of a read: one entry per partition to read, with this high watermark and no records. */
function answer(ctx: FetchContextResult, highWatermark = 0): FetchResponse {
  assert.ok(!('errorCode' in ctx));
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: ctx.topics.map((t) => ({
      topicId: t.topicId,
      partitions: t.partitions.map(
        (p): FetchResponsePartitionData => ({
          partitionIndex: p.partition,
          errorCode: 0,
          highWatermark,
          logStartOffset: 0,
          records: null,
        }),
      ),
    })),
  };
}

/** Opens a session of `size` partitions; its id (0 when none was made). */
function openSession(c: FetchSessionCache, size: number, fromFollower = false): number {
  const parts = Array.from({ length: size }, (_, i) => i);
  const ctx = c.open(request(0, 0, parts, { fromFollower }));
  return (ctx as { complete(r: FetchResponse): FetchResponse }).complete(answer(ctx)).sessionId ?? 0;
}

test('the request shapes: sessionless, open, continue, close, and the errors', () => {
  const { sessions } = cache(10);
  assert.equal((sessions.open(request(0, -1, [1])) as { kind: string }).kind, 'sessionless');
  assert.equal((sessions.open(request(-1, -1, [1])) as { kind: string }).kind, 'sessionless');
  const id = openSession(sessions, 2);
  assert.equal(id, 100);
  assert.equal(sessions.size, 1);
  assert.equal(sessions.partitionsCached, 2);
  const inc = sessions.open(request(id, 1, []));
  assert.equal((inc as { kind: string }).kind, 'incremental');
  assert.deepEqual(sessions.open(request(id, 1, [])), { errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH });
  assert.deepEqual(sessions.open(request(999, 1, [])), { errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND });
  assert.deepEqual(sessions.open(request(id, 2, [], { version: 12 })), {
    errorCode: ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR,
  });
  // Forgetting every partition ends the session; the fetch goes on without one.
  const forgotAll = sessions.open(request(id, 2, [], { forgotten: [{ topicId: 'T', partitions: [0, 1] }] }));
  assert.equal((forgotAll as { kind: string }).kind, 'sessionless');
  assert.equal(sessions.size, 0);
  // Closing at epoch -1.
  const again = openSession(sessions, 1);
  assert.equal((sessions.open(request(again, -1, [0])) as { kind: string }).kind, 'sessionless');
  assert.equal(sessions.size, 0);
});

test('each incremental fetch carries the next epoch', () => {
  const { sessions } = cache(1);
  const id = openSession(sessions, 1);
  for (let epoch = 1; epoch <= 3; epoch++)
    assert.equal((sessions.open(request(id, epoch, [])) as { kind: string }).kind, 'incremental');
  assert.deepEqual(sessions.open(request(id, 5, [])), { errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH });
  assert.deepEqual(sessions.open(request(id, 3, [])), { errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH });
  assert.equal((sessions.open(request(id, 4, [])) as { kind: string }).kind, 'incremental');
});

test('a full cache evicts the least recently used session once it is idle for two minutes', () => {
  const { sessions, clock } = cache(2);
  const a = openSession(sessions, 1);
  clock.now += 1000;
  const b = openSession(sessions, 1);
  assert.equal(openSession(sessions, 1), 0, 'no slot, nobody evictable');
  clock.now += 1000;
  sessions.open(request(a, 1, [])); // a is used again: b is now the least recently used
  clock.now += FETCH_SESSION_EVICTION_MS; // b idle for just over two minutes, a for exactly two
  const c = openSession(sessions, 1);
  assert.ok(c > 0);
  assert.equal(sessions.evictions, 1);
  assert.deepEqual(sessions.open(request(b, 1, [])), { errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND });
  assert.equal((sessions.open(request(a, 2, [])) as { kind: string }).kind, 'incremental');
});

test('without an idle session, a new one evicts the smallest evictable one no bigger than itself', () => {
  const { sessions, clock } = cache(2);
  const small = openSession(sessions, 2);
  const big = openSession(sessions, 5);
  // Both older than two minutes, but used recently: evictable by size, not idle.
  clock.now += FETCH_SESSION_EVICTION_MS + 1;
  sessions.open(request(small, 1, []));
  sessions.open(request(big, 1, []));
  assert.equal(openSession(sessions, 1), 0, 'a session of 1 is worth less than the smallest (2)');
  const three = openSession(sessions, 3);
  assert.ok(three > 0, 'a session of 3 evicts the one of 2');
  assert.deepEqual(sessions.open(request(small, 2, [])), { errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND });
  assert.equal((sessions.open(request(big, 2, [])) as { kind: string }).kind, 'incremental');
});

test("a follower's session may evict a consumer's at once; a consumer's never evicts a young follower's", () => {
  const { sessions } = cache(1);
  const consumer = openSession(sessions, 10);
  const follower = openSession(sessions, 1, true);
  assert.ok(follower > 0, "a follower evicts a consumer's session of any age and size");
  assert.deepEqual(sessions.open(request(consumer, 1, [])), {
    errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND,
  });
  assert.equal(openSession(sessions, 100), 0, "a young follower's session stays");
});

test('slots 0: full fetches never get a session', () => {
  const { sessions } = cache(0);
  assert.equal(openSession(sessions, 1), 0);
  assert.equal(sessions.size, 0);
});

test('an incremental answer keeps only what changed, and partitions with records go to the back', () => {
  const { sessions } = cache(4);
  const id = openSession(sessions, 3);
  const ctx = sessions.open(request(id, 1, []));
  assert.ok(!('errorCode' in ctx));
  assert.deepEqual(
    ctx.topics[0].partitions.map((p) => p.partition),
    [0, 1, 2],
  );
  const r = answer(ctx);
  r.responses[0].partitions[0].records = Buffer.from('x'); // partition 0 has records
  r.responses[0].partitions[2].highWatermark = 7; // partition 2 has a new high watermark
  const sent = ctx.complete(r);
  assert.equal(sent.sessionId, id);
  assert.deepEqual(
    sent.responses[0].partitions.map((p) => p.partitionIndex),
    [0, 2],
  );
  const next = sessions.open(request(id, 2, []));
  assert.ok(!('errorCode' in next));
  assert.deepEqual(
    next.topics[0].partitions.map((p) => p.partition),
    [1, 2, 0],
  );
});
