import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { batchOf, MemoryFileSystem, openMem, readAll, T0 } from './helpers.js';

describe('PartitionLog basics', () => {
  test('append assigns offsets, read returns the batches, reopen keeps them', async () => {
    const fs = new MemoryFileSystem();
    const log = await openMem(fs);
    const a = log.append(batchOf(['a', 'b']), { leaderEpoch: 0 });
    const b = log.append(batchOf(['c']), { leaderEpoch: 0 });
    assert.equal(a.kind, 'appended');
    assert.equal(b.kind, 'appended');
    if (a.kind !== 'appended' || b.kind !== 'appended') return;
    assert.equal(a.baseOffset, 0);
    assert.equal(a.lastOffset, 1);
    assert.equal(b.baseOffset, 2);
    await Promise.all([a.written, b.written]);
    assert.equal(log.logEndOffset, 3);
    assert.deepEqual(
      (await readAll(log)).map((r) => r.value),
      ['a', 'b', 'c'],
    );
    await log.close();
    const again = await openMem(fs, {}, { cleanShutdown: true });
    assert.equal(again.logEndOffset, 3);
    assert.deepEqual(
      (await readAll(again)).map((r) => r.value),
      ['a', 'b', 'c'],
    );
    const c = again.append(batchOf(['d']), { leaderEpoch: 1 });
    assert.equal(c.kind === 'appended' && c.baseOffset, 3);
    await again.close();
    const third = await openMem(fs, {}, { recoveryPoint: 0 });
    assert.deepEqual(
      (await readAll(third)).map((r) => r.value),
      ['a', 'b', 'c', 'd'],
    );
    assert.deepEqual(third.leaderEpochs.entries, [
      { epoch: 0, startOffset: 0 },
      { epoch: 1, startOffset: 3 },
    ]);
    await third.close();
  });

  test('segments roll on size and reads cross them', async () => {
    const fs = new MemoryFileSystem();
    const log = await openMem(fs, { segmentBytes: 300, tailCacheBytes: 0 });
    const values: string[] = [];
    for (let i = 0; i < 50; i++) {
      const v = `value-${i}`;
      values.push(v);
      const r = log.append(batchOf([v]), { leaderEpoch: 0 });
      assert.equal(r.kind, 'appended');
    }
    await log.flush();
    assert.ok(log.segments.length > 5, `segments: ${log.segments.length}`);
    assert.deepEqual(
      (await readAll(log)).map((r) => r.value),
      values,
    );
    await log.close();
    const names = await fs.readdir('/data/t-0');
    assert.ok(names.includes('00000000000000000000.log'));
    assert.ok(names.some((n) => n.endsWith('.snapshot')));
    const again = await openMem(fs, { segmentBytes: 300 }, { recoveryPoint: 0 });
    assert.deepEqual(
      (await readAll(again)).map((r) => r.value),
      values,
    );
    await again.close();
  });

  test('a crash loses unsynced appends but never serves a torn batch', async () => {
    const fs = new MemoryFileSystem();
    const log = await openMem(fs);
    for (let i = 0; i < 10; i++) log.append(batchOf([`v${i}`]), { leaderEpoch: 0 });
    await log.flush();
    for (let i = 10; i < 20; i++) log.append(batchOf([`v${i}`]), { leaderEpoch: 0 });
    const fs2 = fs.crash();
    const again = await openMem(fs2, {}, { recoveryPoint: log.recoveryPoint });
    assert.equal(again.logEndOffset, 10);
    assert.deepEqual(
      (await readAll(again)).map((r) => r.value),
      Array.from({ length: 10 }, (_, i) => `v${i}`),
    );
    await again.close();
  });

  test('timestamps: offsetForTimestamp and maxTimestamp', async () => {
    const fs = new MemoryFileSystem();
    const log = await openMem(fs, { segmentBytes: 400 });
    for (let i = 0; i < 30; i++) {
      log.append(batchOf([`v${i}`], { timestampMs: T0 + i * 10 }), { leaderEpoch: 0 });
    }
    await log.flush();
    const r = await log.offsetForTimestamp(T0 + 55);
    assert.equal(r?.offset, 6);
    assert.equal(r?.timestamp, T0 + 60);
    const m = await log.maxTimestamp();
    assert.equal(m?.offset, 29);
    assert.equal(await log.offsetForTimestamp(T0 + 10_000), null);
    await log.close();
  });
});
