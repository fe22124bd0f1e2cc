// Offset syncs: when they are emitted (MirrorMaker 2's rules) and how group offsets translate
// through them — never past a record the group has not read, and within offset.lag.max of it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DENSE_SYNCS,
  OffsetSyncStore,
  OffsetSyncWriter,
  OUTSTANDING_SYNCS_MAX,
  SyncRule,
  THINNING,
} from '../../src/mirror/offset-syncs.js';
import { Rng } from '../helpers/random.js';

test('a sync is due first, every offset.lag.max records, and on gaps and rewinds', () => {
  const rule = new SyncRule(100);
  const due: number[] = [];
  for (let up = 0; up < 350; up++) if (rule.update(up, up)) due.push(up);
  assert.deepEqual(due, [0, 101, 202, 303]);
  assert.equal(rule.update(400, 350), true, 'upstream skipped offsets');
  assert.equal(rule.update(401, 351), false);
  assert.equal(rule.update(402, 10), true, 'the target went backwards');
});

test('due syncs go out at once, every one of them; delayed ones at a flush', async () => {
  const sent: string[] = [];
  const w = new OffsetSyncWriter(
    100,
    async (s) => {
      sent.push(`${s.topic}-${s.partition}@${s.upstreamOffset}:${s.downstreamOffset}`);
    },
    (e) => assert.fail(String(e)),
  );
  for (let p = 0; p < 12; p++) w.acknowledged('t', p, 0, 0);
  assert.equal(sent.length, 12, 'a first record of each partition');
  for (let up = 1; up <= 250; up++) w.acknowledged('t', 0, up, up);
  assert.deepEqual(sent.slice(12), ['t-0@101:101', 't-0@202:202'], 'every due sync, none replaced');
  w.promoteDelayed();
  assert.equal(sent.at(-1), 't-0@250:250');
  w.promoteDelayed();
  assert.equal(sent.length, 15, 'a delayed sync goes out once');
});

test('syncs in flight are bounded: beyond the bound, a newer due sync replaces a waiting one', async () => {
  const sent: string[] = [];
  const waiting: (() => void)[] = [];
  const w = new OffsetSyncWriter(
    0, // every record is due
    (s) =>
      new Promise<void>((resolve) => {
        sent.push(`${s.partition}@${s.upstreamOffset}`);
        waiting.push(resolve);
      }),
    (e) => assert.fail(String(e)),
  );
  for (let up = 0; up < OUTSTANDING_SYNCS_MAX / 2 + 50; up++)
    for (const p of [0, 1]) w.acknowledged('t', p, up, up);
  assert.equal(sent.length, OUTSTANDING_SYNCS_MAX);
  assert.equal(w.waiting, OUTSTANDING_SYNCS_MAX + 2, 'one waiting sync per partition');
  for (const r of waiting.splice(0, 2)) r();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(sent.slice(-2), [
    `0@${OUTSTANDING_SYNCS_MAX / 2 + 49}`,
    `1@${OUTSTANDING_SYNCS_MAX / 2 + 49}`,
  ]);
});

test('translation: exact at a sync, one past it otherwise, none behind the first or before the read', () => {
  const s = new OffsetSyncStore(true);
  s.add('t', 0, 100, 10);
  s.add('t', 0, 200, 110);
  assert.equal(s.translate('t', 0, 150).kind, 'unknown', 'not read to the end yet');
  s.markReadToEnd();
  assert.deepEqual(s.translate('t', 0, 200), { kind: 'translated', downstreamOffset: 110 });
  assert.deepEqual(s.translate('t', 0, 150), { kind: 'translated', downstreamOffset: 11 });
  assert.deepEqual(s.translate('t', 0, 5000), { kind: 'translated', downstreamOffset: 111 });
  assert.equal(s.translate('t', 0, 99).kind, 'behind');
  assert.equal(s.translate('t', 1, 99).kind, 'unknown');
  s.add('t', 0, 50, 5);
  assert.deepEqual(
    s.translate('t', 0, 150),
    { kind: 'translated', downstreamOffset: 6 },
    'an upstream rewind drops the older syncs',
  );
  assert.equal(s.translate('t', 0, 40).kind, 'behind');
});

test('without earlier checkpoints, only the last sync of the first read is kept', () => {
  const s = new OffsetSyncStore(false);
  s.add('t', 0, 100, 10);
  s.add('t', 0, 200, 110);
  s.markReadToEnd();
  assert.equal(s.translate('t', 0, 150).kind, 'behind');
  s.add('t', 0, 300, 210);
  assert.deepEqual(s.translate('t', 0, 250), { kind: 'translated', downstreamOffset: 111 });
});

test('a mirrored log with gaps: translations never skip a record and stay close', () => {
  const random = new Rng(7);
  const rng = () => random.next();
  const lagMax = 20;
  // A source partition with compaction-style gaps; the mirror writes each record once, in order.
  const upstream: number[] = [];
  for (let off = 0; upstream.length < 40 * DENSE_SYNCS; off += rng() < 0.05 ? 2 + Math.floor(rng() * 5) : 1)
    upstream.push(off);
  const store = new OffsetSyncStore(true);
  const rule = new SyncRule(lagMax);
  upstream.forEach((up, down) => {
    if (rule.update(up, down)) store.add('t', 0, up, down);
  });
  store.markReadToEnd();
  assert.ok(store.count('t', 0) < DENSE_SYNCS + 150, `syncs kept: ${store.count('t', 0)}`);
  const downstreamOf = new Map(upstream.map((up, down) => [up, down]));
  const last = upstream.at(-1) as number;
  const firstSync = upstream[0];
  for (let i = 0; i < 3000; i++) {
    const g = firstSync + Math.floor(rng() * (last - firstSync + 2));
    const t = store.translate('t', 0, g);
    assert.equal(t.kind, 'translated');
    if (t.kind !== 'translated') continue;
    // The first record the group has not read: the first upstream offset >= g.
    const next = upstream.find((u) => u >= g);
    const want = next === undefined ? upstream.length : (downstreamOf.get(next) as number);
    assert.ok(t.downstreamOffset <= want, `g=${g}: translated ${t.downstreamOffset} past ${want}`);
    // Exact to offset.lag.max near the end; further back, within a quarter of the distance.
    const slack = Math.max(lagMax, Math.ceil((last - g) / THINNING) + lagMax);
    assert.ok(want - t.downstreamOffset <= slack, `g=${g}: re-reads ${want - t.downstreamOffset} > ${slack}`);
  }
});
