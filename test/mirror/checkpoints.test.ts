// MirrorCheckpointConnector's rules without brokers: which groups are checkpointed, checkpoints only
// move forward (unless the group moved back), and translated offsets are committed only for groups that
// are not active on the target and only where they move the group forward.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Producer, ProducerRecord } from '../../src/client/index.js';
import { Checkpointer } from '../../src/mirror/checkpoints.js';
import { parseMirrorConfig } from '../../src/mirror/config.js';
import { decodeCheckpoint } from '../../src/mirror/formats.js';
import { silentLogger } from '../../src/mirror/logger.js';
import { OffsetSyncStore } from '../../src/mirror/offset-syncs.js';
import { fakeAdmin, fakeCluster } from './fake-admin.js';

function setup() {
  const r = parseMirrorConfig({
    clusters: 'A, B',
    'A.bootstrap.servers': 'a:1',
    'B.bootstrap.servers': 'b:1',
    'A->B.enabled': 'true',
    'A->B.topics': 'orders',
    'A->B.groups.exclude': 'skip-.*',
  });
  if (!r.ok) throw new Error(r.errors.join('; '));
  const a = fakeCluster();
  const b = fakeCluster();
  const written: ProducerRecord[] = [];
  const producer = { send: async (rec: ProducerRecord) => written.push(rec) } as unknown as Producer;
  const cp = new Checkpointer(
    r.config.flows[0],
    fakeAdmin(a),
    fakeAdmin(b),
    fakeAdmin(a),
    producer,
    silentLogger,
  );
  const store = new OffsetSyncStore(true);
  store.add('orders', 0, 0, 0);
  store.add('orders', 0, 101, 101);
  store.add('orders', 0, 202, 150); // a gap on the way: upstream 202 landed at 150
  store.markReadToEnd();
  cp.syncStore = store;
  const checkpoints = () =>
    written
      .map((w) => decodeCheckpoint(w.key as Buffer, w.value as Buffer))
      .map((c) =>
        'error' in c
          ? c.error
          : `${c.group} ${c.topic}-${c.partition} ${c.upstreamOffset}->${c.downstreamOffset}`,
      );
  return { a, b, cp, store, checkpoints };
}

test('groups with offsets for replicated topics are checkpointed, translated conservatively', async () => {
  const { a, cp, checkpoints } = setup();
  a.groups.set('billing', { state: 'Empty', offsets: new Map([['orders-0', 150]]) });
  a.groups.set('other-topics', { state: 'Empty', offsets: new Map([['payments-0', 10]]) });
  a.groups.set('skip-me', { state: 'Empty', offsets: new Map([['orders-0', 10]]) });
  await cp.refreshGroups();
  assert.deepEqual(cp.groups, ['billing']);
  await cp.emit();
  assert.deepEqual(checkpoints(), ['billing A.orders-0 150->102']);
  await cp.emit();
  assert.equal(checkpoints().length, 1, 'an unchanged translation is not written again');
  a.groups.set('billing', { state: 'Empty', offsets: new Map([['orders-0', 202]]) });
  await cp.emit();
  assert.deepEqual(checkpoints().at(-1), 'billing A.orders-0 202->150');
  a.groups.set('billing', { state: 'Empty', offsets: new Map([['orders-0', 120]]) });
  await cp.emit();
  assert.deepEqual(
    checkpoints().at(-1),
    'billing A.orders-0 120->102',
    'the group moved back upstream: so does its checkpoint',
  );
});

test('translated offsets are committed for groups absent or Empty on the target, never for active ones', async () => {
  const { a, b, cp } = setup();
  for (const g of ['new-on-b', 'idle-on-b', 'ahead-on-b', 'busy-on-b'])
    a.groups.set(g, { state: 'Empty', offsets: new Map([['orders-0', 202]]) });
  b.groups.set('idle-on-b', { state: 'Empty', offsets: new Map([['A.orders-0', 20]]) });
  b.groups.set('ahead-on-b', { state: 'Empty', offsets: new Map([['A.orders-0', 500]]) });
  b.groups.set('busy-on-b', { state: 'Stable', offsets: new Map([['A.orders-0', 20]]) });
  await cp.refreshGroups();
  await cp.emit();
  await cp.syncGroupOffsets();
  assert.deepEqual(b.calls.sort(), ['commit idle-on-b A.orders-0@150', 'commit new-on-b A.orders-0@150']);
  assert.equal(b.groups.get('busy-on-b')?.offsets.get('A.orders-0'), 20);
  assert.equal(b.groups.get('ahead-on-b')?.offsets.get('A.orders-0'), 500);
});

test('nothing is translated before the syncs topic was read to its end', async () => {
  const { a, cp, checkpoints } = setup();
  cp.syncStore = new OffsetSyncStore(true);
  cp.syncStore.add('orders', 0, 0, 0);
  a.groups.set('billing', { state: 'Empty', offsets: new Map([['orders-0', 5]]) });
  await cp.refreshGroups();
  await cp.emit();
  assert.deepEqual(checkpoints(), []);
});
