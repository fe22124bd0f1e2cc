// `__consumer_offsets` records byte for byte as Kafka 3.9 writes them, and the group → partition map.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeRecord,
  groupMetadataRecord,
  groupMetadataTombstone,
  offsetCommitRecord,
} from '../../../src/broker/coordinator/group/records.js';
import { groupPartition, javaStringHashCode } from '../../../src/broker/coordinator/group/settings.js';

const hex = (b: Buffer | null) => b?.toString('hex') ?? null;
const str16 = (s: string) => Buffer.concat([Buffer.from([0, s.length]), Buffer.from(s)]).toString('hex');
const i32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b.toString('hex');
};
const i64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(n));
  return b.toString('hex');
};

test('an offset commit: key v1 (group, topic, partition), value v3 (offset, leader epoch, metadata, timestamp)', () => {
  const r = offsetCommitRecord('g', 'orders', 3, {
    offset: 42,
    leaderEpoch: 5,
    metadata: 'md',
    commitTimestamp: 1_700_000_000_000,
    expireTimestamp: -1,
  });
  assert.equal(hex(r.key), `0001${str16('g')}${str16('orders')}${i32(3)}`);
  assert.equal(hex(r.value), `0003${i64(42)}${i32(5)}${str16('md')}${i64(1_700_000_000_000)}`);
  // With a retention time (OffsetCommit v2-v4), Kafka writes value v1 and its expire timestamp.
  const v1 = offsetCommitRecord('g', 't', 0, {
    offset: 1,
    metadata: '',
    commitTimestamp: 10,
    expireTimestamp: 20,
  });
  assert.equal(hex(v1.value), `0001${i64(1)}${str16('')}${i64(10)}${i64(20)}`);
  assert.deepEqual(decodeRecord(r.key, r.value), {
    kind: 'offset',
    group: 'g',
    topic: 'orders',
    partition: 3,
    value: {
      offset: 42,
      leaderEpoch: 5,
      metadata: 'md',
      commitTimestamp: 1_700_000_000_000,
      expireTimestamp: -1,
    },
  });
});

test('group metadata: key v2 (group), value v3 (non-flexible, with instance ids); tombstones', () => {
  const r = groupMetadataRecord('g', {
    protocolType: 'consumer',
    generation: 2,
    protocol: 'range',
    leader: 'm1',
    currentStateTimestamp: 7,
    members: [
      {
        memberId: 'm1',
        groupInstanceId: null,
        clientId: 'c',
        clientHost: '/h',
        rebalanceTimeout: 300,
        sessionTimeout: 100,
        subscription: Buffer.from([9]),
        assignment: Buffer.from([8, 8]),
      },
    ],
  });
  assert.equal(hex(r.key), `0002${str16('g')}`);
  const member = `${str16('m1')}ffff${str16('c')}${str16('/h')}${i32(300)}${i32(100)}${i32(1)}09${i32(2)}0808`;
  assert.equal(
    hex(r.value),
    `0003${str16('consumer')}${i32(2)}${str16('range')}${str16('m1')}${i64(7)}${i32(1)}${member}`,
  );
  const t = groupMetadataTombstone('g');
  assert.deepEqual(decodeRecord(t.key, t.value), { kind: 'group', group: 'g', value: null });
  // Records of the newer group types are recognised and left alone.
  assert.deepEqual(decodeRecord(Buffer.from([0, 3, 0, 0]), null), { kind: 'other', keyVersion: 3 });
});

test('a group lives in partition abs(Java hashCode) % partitions, with abs(MIN_VALUE) = 0', () => {
  assert.equal(javaStringHashCode('hello'), 99162322);
  assert.equal(javaStringHashCode('polygenelubricants'), -2147483648);
  assert.equal(groupPartition('polygenelubricants', 50), 0);
  assert.equal(groupPartition('hello', 50), 99162322 % 50);
  // A negative hash code: abs before the modulo.
  assert.equal(javaStringHashCode('consumer-group'), -1738392088);
  assert.equal(groupPartition('consumer-group', 50), 1738392088 % 50);
  // UTF-16 code units, as Java counts them.
  assert.equal(javaStringHashCode('\u{1F600}'), 0xd83d * 31 + 0xde00);
});
