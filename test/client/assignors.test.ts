// Assignors and the ConsumerProtocol formats, without a broker.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cooperativeStickyAssignor,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  type MemberSubscription,
  rangeAssignor,
  roundRobinAssignor,
} from '../../src/client/assignors.js';
import type { TopicPartition } from '../../src/client/requests.js';

function member(
  memberId: string,
  topics: string[],
  owned: TopicPartition[] = [],
  generationId = 1,
): MemberSubscription {
  return {
    memberId,
    groupInstanceId: null,
    topics,
    ownedPartitions: owned,
    generationId,
    rackId: null,
    userData: null,
  };
}

const show = (m: Map<string, TopicPartition[]>) =>
  Object.fromEntries([...m].map(([k, v]) => [k, v.map((tp) => `${tp.topic}-${tp.partition}`).join(' ')]));

test('range gives each member a contiguous range per topic, the first ones one more', () => {
  const out = rangeAssignor.assign(
    [member('b', ['t', 'u']), member('a', ['t', 'u']), member('c', ['t'])],
    new Map([
      ['t', 7],
      ['u', 3],
    ]),
  );
  assert.deepEqual(show(out), { b: 't-3 t-4 u-2', a: 't-0 t-1 t-2 u-0 u-1', c: 't-5 t-6' });
});

test('roundrobin deals partitions in topic order to members in turn', () => {
  const out = roundRobinAssignor.assign(
    [member('m2', ['t', 'u']), member('m1', ['t', 'u'])],
    new Map([
      ['t', 3],
      ['u', 2],
    ]),
  );
  assert.deepEqual(show(out), { m2: 't-1 u-0', m1: 't-0 t-2 u-1' });
});

test('cooperative-sticky keeps owned partitions and holds back those that change hands', () => {
  const counts = new Map([['t', 6]]);
  const first = cooperativeStickyAssignor.assign([member('a', ['t']), member('b', ['t'])], counts);
  assert.equal((first.get('a') as TopicPartition[]).length, 3);
  assert.equal((first.get('b') as TopicPartition[]).length, 3);
  // A third member joins: a and b keep two each, and the two partitions moving to c are left
  // out of this round (they are revoked first).
  const a = first.get('a') as TopicPartition[];
  const b = first.get('b') as TopicPartition[];
  const second = cooperativeStickyAssignor.assign(
    [member('a', ['t'], a), member('b', ['t'], b), member('c', ['t'])],
    counts,
  );
  const a2 = second.get('a') as TopicPartition[];
  const b2 = second.get('b') as TopicPartition[];
  assert.equal(a2.length, 2);
  assert.equal(b2.length, 2);
  assert.ok(a2.every((tp) => a.some((x) => x.partition === tp.partition)));
  assert.ok(b2.every((tp) => b.some((x) => x.partition === tp.partition)));
  assert.equal((second.get('c') as TopicPartition[]).length, 0);
  // Next round, after a and b revoked: c gets the two free partitions.
  const third = cooperativeStickyAssignor.assign(
    [member('a', ['t'], a2, 2), member('b', ['t'], b2, 2), member('c', ['t'], [], 2)],
    counts,
  );
  assert.equal((third.get('c') as TopicPartition[]).length, 2);
  const all = [...third.values()]
    .flat()
    .map((tp) => tp.partition)
    .sort();
  assert.deepEqual(all, [0, 1, 2, 3, 4, 5]);
});

test('subscriptions and assignments round-trip, and old versions decode', () => {
  const bytes = encodeSubscription({
    topics: ['a', 'b'],
    userData: Buffer.from('u'),
    ownedPartitions: [{ topic: 'a', partition: 2 }],
    generationId: 7,
    rackId: 'r1',
  });
  const s = decodeSubscription('m', null, bytes);
  assert.deepEqual(s.topics, ['a', 'b']);
  assert.deepEqual(s.ownedPartitions, [{ topic: 'a', partition: 2 }]);
  assert.equal(s.generationId, 7);
  assert.equal(s.rackId, 'r1');
  // A version-0 subscription as kafkajs writes it: version, topics, user data.
  const v0 = Buffer.concat([
    Buffer.from([0, 0, 0, 0, 0, 1, 0, 1]),
    Buffer.from('x'),
    Buffer.from([0, 0, 0, 0]),
  ]);
  assert.deepEqual(decodeSubscription('k', null, v0).topics, ['x']);
  const a = encodeAssignment([
    { topic: 't', partition: 0 },
    { topic: 't', partition: 3 },
    { topic: 'u', partition: 1 },
  ]);
  assert.deepEqual(decodeAssignment(a), [
    { topic: 't', partition: 0 },
    { topic: 't', partition: 3 },
    { topic: 'u', partition: 1 },
  ]);
  assert.deepEqual(decodeAssignment(Buffer.alloc(0)), []);
});
