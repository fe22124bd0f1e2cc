// MirrorMaker 2's record formats, byte for byte: offset syncs, checkpoints, heartbeats (Kafka's
// protocol STRING/INT16/INT32/INT64 structs) and Kafka Connect's progress records (JSON).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeCheckpoint,
  decodeHeartbeat,
  decodeOffsetSync,
  decodeProgress,
  encodeCheckpoint,
  encodeHeartbeat,
  encodeOffsetSync,
  encodeProgressKey,
  encodeProgressValue,
} from '../../src/mirror/formats.js';

test('an offset sync is {topic STRING, partition INT32} -> {upstreamOffset INT64, offset INT64}', () => {
  const { key, value } = encodeOffsetSync({
    topic: 'orders',
    partition: 2,
    upstreamOffset: 300,
    downstreamOffset: 7,
  });
  assert.equal(key.toString('hex'), `0006${Buffer.from('orders').toString('hex')}00000002`);
  assert.equal(value.toString('hex'), '000000000000012c0000000000000007');
  assert.deepEqual(decodeOffsetSync(key, value), {
    topic: 'orders',
    partition: 2,
    upstreamOffset: 300,
    downstreamOffset: 7,
  });
});

test('a checkpoint carries a version header before its value', () => {
  const c = {
    group: 'billing',
    topic: 'A.orders',
    partition: 1,
    upstreamOffset: 50,
    downstreamOffset: 45,
    metadata: 'm',
  };
  const { key, value } = encodeCheckpoint(c);
  assert.equal(
    key.toString('hex'),
    `0007${Buffer.from('billing').toString('hex')}0008${Buffer.from('A.orders').toString('hex')}00000001`,
  );
  assert.equal(
    value.toString('hex'),
    `0000${'0000000000000032'}${'000000000000002d'}0001${Buffer.from('m').toString('hex')}`,
  );
  assert.deepEqual(decodeCheckpoint(key, value), c);
});

test('a heartbeat is {source, target} -> {version 0, timestamp}', () => {
  const { key, value } = encodeHeartbeat({
    sourceClusterAlias: 'A',
    targetClusterAlias: 'B',
    timestamp: 1_700_000_000_000,
  });
  assert.equal(key.toString('hex'), '000141000142');
  assert.equal(value.toString('hex'), `0000${(1_700_000_000_000).toString(16).padStart(16, '0')}`);
  assert.deepEqual(decodeHeartbeat(key, value), {
    sourceClusterAlias: 'A',
    targetClusterAlias: 'B',
    timestamp: 1_700_000_000_000,
  });
});

test('malformed or unknown-version records decode to errors, not throws', () => {
  assert.ok('error' in decodeOffsetSync(Buffer.from([0, 9, 1]), Buffer.alloc(16)));
  assert.ok('error' in decodeOffsetSync(null, Buffer.alloc(16)));
  const { key, value } = encodeHeartbeat({ sourceClusterAlias: 'A', targetClusterAlias: 'B', timestamp: 1 });
  value.writeInt16BE(1, 0);
  assert.match((decodeHeartbeat(key, value) as { error: string }).error, /version 1/);
});

test("progress records use Kafka Connect's JSON, keys in Java HashMap order", () => {
  const key = encodeProgressKey({
    connector: 'MirrorSourceConnector',
    cluster: 'A',
    topic: 'orders',
    partition: 0,
  });
  assert.equal(key.toString(), '["MirrorSourceConnector",{"cluster":"A","partition":0,"topic":"orders"}]');
  assert.equal(encodeProgressValue(41).toString(), '{"offset":41}');
  assert.deepEqual(decodeProgress(key, encodeProgressValue(41)), {
    key: { connector: 'MirrorSourceConnector', cluster: 'A', topic: 'orders', partition: 0 },
    offset: 41,
  });
  assert.equal(decodeProgress(key, null)?.offset, null, 'a tombstone');
  assert.equal(decodeProgress(Buffer.from('{"not":"connect"}'), encodeProgressValue(1)), null);
  assert.equal(decodeProgress(Buffer.from('["x",{"cluster":"A","partition":"0","topic":"t"}]'), null), null);
});
