// Compaction against a model: the latest value per key survives at its offset, offsets only increase,
// no key appears twice in the cleaned range, tombstones expire on time (not before delete.retention.ms),
// a log being compacted keeps serving appends and reads, a crash mid-compaction loses nothing,
// aborted transactions go while markers stay until their horizon, producer sequences survive.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildBatch } from '../../src/protocol/records/record.js';
import { type CleanResult, cleanableRange, cleanLog, OffsetMap } from '../../src/storage/cleaner.js';
import { MemoryFileSystem, PartitionLog } from '../../src/storage/index.js';
import { randInt, readAll, rng, seeds, T0 } from './helpers.js';

interface Written {
  offset: number;
  key: string;
  value: string | null;
  at: number;
}

function randomOffset(i: number, end: number): number {
  return (i * 7919) % Math.max(1, end);
}

async function clean(log: PartitionLog, checkpoint: number | undefined, now: number, mapBytes = 1 << 20) {
  log.updateHighWatermark(log.logEndOffset); // compaction stays below the high watermark
  const range = await cleanableRange(log, checkpoint, now);
  if (!range) return null;
  return cleanLog(log, range, { now, map: new OffsetMap(mapBytes), loadFactor: 0.9, ioBufferBytes: 4096 });
}

function keyed(pairs: [string, string | null][], ts: number, extra: Parameters<typeof buildBatch>[1] = {}) {
  return buildBatch(
    pairs.map(([key, value]) => ({ key, value })),
    { timestampMs: ts, ...extra },
  );
}

/** Checks the log against everything written: see the file comment. */
async function verify(
  log: PartitionLog,
  written: Written[],
  cleanedEnd: number,
  now: number,
  retentionMs: number,
) {
  const all = await readAll(log);
  const byOffset = new Map(written.map((w) => [w.offset, w]));
  let prev = -1;
  const seenBelow = new Set<string>();
  for (const r of all) {
    assert.ok(r.offset > prev, `offsets increase (${prev} then ${r.offset})`);
    prev = r.offset;
    const w = byOffset.get(r.offset);
    assert.ok(w, `record at ${r.offset} was never written`);
    assert.equal(r.key, w.key);
    assert.equal(r.value, w.value);
    if (r.offset < cleanedEnd) {
      assert.ok(!seenBelow.has(w.key), `key ${w.key} twice below the cleaned end ${cleanedEnd}`);
      seenBelow.add(w.key);
    }
  }
  const present = new Set(all.map((r) => r.offset));
  const latest = new Map<string, Written>();
  for (const w of written) latest.set(w.key, w);
  for (const w of latest.values()) {
    if (w.offset < log.logStartOffset) continue;
    if (w.value !== null) assert.ok(present.has(w.offset), `latest value of ${w.key} at ${w.offset} is gone`);
    else if (!present.has(w.offset)) {
      assert.ok(now >= w.at + retentionMs, `tombstone of ${w.key} (written ${w.at}) gone early at ${now}`);
    }
  }
}

async function runModel(seed: number, steps: number): Promise<void> {
  const r = rng(seed);
  const fs = new MemoryFileSystem({ now: () => T0 });
  const retentionMs = randInt(r, 1, 5) * 1000;
  const config = {
    cleanupPolicy: 'compact' as const,
    segmentBytes: randInt(r, 600, 2500),
    indexIntervalBytes: randInt(r, 64, 512),
    deleteRetentionMs: retentionMs,
    minCleanableDirtyRatio: 0,
    tailCacheBytes: randInt(r, 0, 4000),
  };
  let now = T0;
  const log = await PartitionLog.open('/c/compacted-0', config, { fs, now: () => now });
  const written: Written[] = [];
  const keys = randInt(r, 3, 40);
  let checkpoint: number | undefined;
  let cleanedEnd = 0;
  let inFlight: Promise<CleanResult | null> | null = null;
  let op = 0;
  try {
    for (op = 0; op < steps; op++) {
      const d = r();
      if (d < 0.55) {
        const n = randInt(r, 1, 5);
        const pairs: [string, string | null][] = [];
        for (let i = 0; i < n; i++) {
          pairs.push([
            `k${randInt(r, 0, keys - 1)}`,
            r() < 0.15 ? null : `v${op}-${i}-${'z'.repeat(randInt(r, 0, 60))}`,
          ]);
        }
        const res = log.append(keyed(pairs, now), { leaderEpoch: 0 });
        assert.equal(res.kind, 'appended');
        if (res.kind === 'appended') {
          pairs.forEach(([key, value], i) => {
            written.push({ offset: res.baseOffset + i, key, value, at: now });
          });
        }
      } else if (d < 0.62) {
        log.roll();
      } else if (d < 0.7) {
        now += randInt(r, 0, retentionMs);
      } else if (d < 0.8) {
        await log.flush();
      } else if (d < 0.9 && inFlight === null) {
        // Start a pass; it runs while the next operations go on.
        const started = now;
        inFlight = clean(log, checkpoint, started).then((res) => {
          if (res) {
            checkpoint = res.endOffset;
            cleanedEnd = res.endOffset;
          }
          return res;
        });
      } else if (d < 0.95) {
        const from = randInt(r, log.logStartOffset, log.logEndOffset);
        const res = await log.read(from, randInt(r, 1, 3000));
        assert.equal(res.kind, 'data');
      } else {
        if (inFlight) await inFlight;
        inFlight = null;
        await verify(log, written, cleanedEnd, now, retentionMs);
      }
    }
    if (inFlight) await inFlight;
    await verify(log, written, cleanedEnd, now, retentionMs);
    // Closing and reopening keeps the compacted log as it is.
    const before = await readAll(log);
    await log.close();
    const again = await PartitionLog.open('/c/compacted-0', config, {
      fs,
      now: () => now,
      cleanShutdown: true,
    });
    assert.deepEqual(await readAll(again), before);
    await again.close();
  } catch (err) {
    console.error(`compaction model failed: seed ${seed} at op ${op}`);
    throw err;
  }
}

describe('compaction', () => {
  test('matches the model: latest per key, increasing offsets, tombstones not early', async () => {
    for (const seed of seeds(4, 5000)) await runModel(seed, 600);
  });

  test('tombstones and their values go exactly when the delete horizon passes', async () => {
    const fs = new MemoryFileSystem();
    let now = T0;
    const D = 10_000;
    const config = {
      cleanupPolicy: 'compact' as const,
      segmentBytes: 500,
      deleteRetentionMs: D,
      minCleanableDirtyRatio: 0,
    };
    const log = await PartitionLog.open('/c/t-0', config, { fs, now: () => now });
    log.append(
      keyed(
        [
          ['a', '1'],
          ['b', '1'],
        ],
        now,
      ),
      { leaderEpoch: 0 },
    );
    log.append(keyed([['a', '2']], now), { leaderEpoch: 0 });
    log.append(keyed([['b', null]], now), { leaderEpoch: 0 });
    log.roll();
    log.append(keyed([['c', '1']], now), { leaderEpoch: 0 });
    log.roll();
    log.append(keyed([['d', '1']], now), { leaderEpoch: 0 });
    await log.flush();
    const first = await clean(log, undefined, now);
    assert.ok(first && first.segmentsCleaned > 0);
    const t1 = now;
    const values = async () => (await readAll(log)).map((x) => `${x.key}=${x.value}`);
    assert.deepEqual(await values(), ['a=2', 'b=null', 'c=1', 'd=1']);
    now = t1 + D - 1;
    await clean(log, first.endOffset, now);
    assert.deepEqual(await values(), ['a=2', 'b=null', 'c=1', 'd=1'], 'tombstone kept before its horizon');
    now = t1 + D;
    const last = await clean(log, first.endOffset, now);
    assert.ok(last);
    assert.deepEqual(await values(), ['a=2', 'c=1', 'd=1'], 'tombstone gone at its horizon');
    // Offsets unchanged.
    assert.deepEqual(
      (await readAll(log)).map((x) => x.offset),
      [2, 4, 5],
    );
    await log.close();
  });

  test('a crash at any point of a compaction loses nothing', async () => {
    for (const seed of seeds(8, 6000)) {
      const r = rng(seed);
      let fs = new MemoryFileSystem({ now: () => T0 });
      const config = { cleanupPolicy: 'compact' as const, segmentBytes: 700, minCleanableDirtyRatio: 0 };
      let log = await PartitionLog.open('/c/x-1', config, { fs, now: () => T0 });
      const latest = new Map<string, { offset: number; value: string }>();
      for (let i = 0; i < 150; i++) {
        const key = `k${randInt(r, 0, 9)}`;
        const value = `v${i}`;
        const res = log.append(keyed([[key, value]], T0), { leaderEpoch: 0 });
        if (res.kind === 'appended') latest.set(key, { offset: res.baseOffset, value });
      }
      await log.flush();
      const end = log.logEndOffset;
      const cleaning = clean(log, undefined, T0).catch(() => null);
      // Let the pass run for a random number of I/O steps, then cut the power.
      for (let i = randInt(r, 0, 60); i > 0; i--) await new Promise((res) => setImmediate(res));
      fs = fs.crash(r() < 0.5 ? {} : { rng: r });
      await cleaning;
      log = await PartitionLog.open('/c/x-1', config, { fs, now: () => T0, recoveryPoint: end });
      assert.equal(log.logEndOffset, end, `seed ${seed}: log end`);
      const all = await readAll(log);
      const byKey = new Map<string, { offset: number; value: string | null }>();
      let prev = -1;
      for (const rec of all) {
        assert.ok(rec.offset > prev, `seed ${seed}: offsets increase`);
        prev = rec.offset;
        byKey.set(rec.key!, { offset: rec.offset, value: rec.value });
      }
      for (const [key, want] of latest)
        assert.deepEqual(byKey.get(key), want, `seed ${seed}: latest of ${key}`);
      const names = await fs.readdir('/c/x-1');
      assert.ok(
        !names.some((n) => n.endsWith('.swap') || n.endsWith('.cleaned')),
        `seed ${seed}: leftovers ${names}`,
      );
      await log.close();
    }
  });

  test('aborted transactions are removed, markers kept until their horizon, sequences survive', async () => {
    const fs = new MemoryFileSystem();
    let now = T0;
    const D = 1000;
    const config = {
      cleanupPolicy: 'compact' as const,
      segmentBytes: 400,
      deleteRetentionMs: D,
      minCleanableDirtyRatio: 0,
    };
    const log = await PartitionLog.open('/c/txn-0', config, { fs, now: () => now });
    const marker = (pid: number, commit: boolean) =>
      buildBatch([{ key: Buffer.from([0, 0, 0, commit ? 1 : 0]), value: Buffer.from([0, 0, 0, 0, 0, 5]) }], {
        timestampMs: now,
        control: true,
        transactional: true,
        producerId: pid,
        producerEpoch: 0,
        baseSequence: -1,
      });
    const txn = (pid: number, seq: number, pairs: [string, string][]) =>
      keyed(pairs, now, { transactional: true, producerId: pid, producerEpoch: 0, baseSequence: seq });
    assert.equal(log.append(txn(10, 0, [['x', 'aborted']]), { leaderEpoch: 0 }).kind, 'appended');
    assert.equal(log.append(txn(11, 0, [['y', 'committed']]), { leaderEpoch: 0 }).kind, 'appended');
    assert.equal(log.append(marker(10, false), { leaderEpoch: 0, origin: 'coordinator' }).kind, 'appended');
    assert.equal(log.append(marker(11, true), { leaderEpoch: 0, origin: 'coordinator' }).kind, 'appended');
    const idem = log.append(keyed([['z', '1']], now, { producerId: 12, producerEpoch: 0, baseSequence: 0 }), {
      leaderEpoch: 0,
    });
    assert.equal(idem.kind, 'appended');
    log.append(keyed([['z', '2']], now), { leaderEpoch: 0 });
    log.roll();
    log.append(keyed([['w', '1']], now), { leaderEpoch: 0 });
    log.updateHighWatermark(log.logEndOffset);
    await log.flush();
    assert.deepEqual(
      (await log.abortedTransactions(0, log.logEndOffset)).map((t) => t.producerId),
      [10],
    );
    let res = await clean(log, undefined, now);
    assert.ok(res);
    let recs = (await readAll(log)).map((x) => `${x.offset}:${x.key?.length === 4 ? 'marker' : x.key}`);
    assert.ok(!recs.includes('0:x'), `aborted data removed: ${recs}`);
    assert.ok(recs.includes('1:y'));
    assert.ok(recs.includes('2:marker') && recs.includes('3:marker'), `markers kept: ${recs}`);
    assert.ok(!recs.includes('4:z'), 'superseded z=1 removed');
    // Producer 12's last batch is kept (empty), so its retry is still a duplicate.
    const retry = log.append(
      keyed([['z', '1']], now, { producerId: 12, producerEpoch: 0, baseSequence: 0 }),
      {
        leaderEpoch: 0,
      },
    );
    assert.equal(retry.kind, 'duplicate');
    // While producer 10's aborted batch is its last, it stays (empty) and so does the marker, as in
    // Kafka. Once the producer has moved on, the next passes drop the batch, give the abort marker a
    // horizon, and drop the marker after it.
    assert.equal(log.append(txn(10, 1, [['q', '1']]), { leaderEpoch: 0 }).kind, 'appended');
    assert.equal(log.append(marker(10, true), { leaderEpoch: 0, origin: 'coordinator' }).kind, 'appended');
    log.roll();
    log.append(keyed([['w', '2']], now), { leaderEpoch: 0 });
    await log.flush();
    res = await clean(log, res.endOffset, now); // drops the aborted (empty) batch
    res = await clean(log, res?.endOffset, now); // the marker has no data left: it gets a horizon
    assert.ok(
      (await readAll(log)).some((x) => x.offset === 2),
      'marker kept until its horizon',
    );
    now += D;
    res = await clean(log, res?.endOffset, now);
    recs = (await readAll(log)).map((x) => `${x.offset}:${x.key?.length === 4 ? 'marker' : x.key}`);
    assert.ok(!recs.includes('2:marker'), `abort marker gone after its horizon: ${recs}`);
    assert.ok(recs.includes('1:y'));
    await log.close();
  });

  test('appends and reads complete while a compaction pass is still running', async () => {
    const fs = new MemoryFileSystem();
    const config = { cleanupPolicy: 'compact' as const, segmentBytes: 4000, minCleanableDirtyRatio: 0 };
    const log = await PartitionLog.open('/c/busy-0', config, { fs, now: () => T0 });
    for (let i = 0; i < 3000; i++) log.append(keyed([[`k${i % 100}`, `v${i}`]], T0), { leaderEpoch: 0 });
    log.roll();
    await log.flush();
    let cleaned = false;
    const pass = clean(log, undefined, T0).then((r) => {
      cleaned = true;
      return r;
    });
    const appended: number[] = [];
    for (let i = 0; i < 20 && !cleaned; i++) {
      const r = log.append(keyed([[`new${i}`, `n${i}`]], T0), { leaderEpoch: 0 });
      assert.equal(r.kind, 'appended');
      if (r.kind === 'appended') {
        await r.written;
        appended.push(r.baseOffset);
      }
      const read = await log.read(randomOffset(i, log.logEndOffset), 2000);
      assert.equal(read.kind, 'data');
    }
    assert.ok(!cleaned && appended.length === 20, 'twenty appends were acknowledged before the pass ended');
    const res = await pass;
    assert.ok(res && res.segmentsCleaned > 0);
    const all = await readAll(log);
    for (const [i, off] of appended.entries())
      assert.ok(all.some((r) => r.offset === off && r.value === `n${i}`));
    assert.equal(all.filter((r) => r.key?.startsWith('k')).length, 100);
    await log.close();
  });

  test('the offset map bounds memory: a small map cleans in several passes', async () => {
    const fs = new MemoryFileSystem();
    const config = { cleanupPolicy: 'compact' as const, segmentBytes: 1000, minCleanableDirtyRatio: 0 };
    const log = await PartitionLog.open('/c/small-0', config, { fs, now: () => T0 });
    for (let i = 0; i < 400; i++) log.append(keyed([[`k${i % 50}`, `v${i}`]], T0), { leaderEpoch: 0 });
    log.roll();
    await log.flush();
    let checkpoint: number | undefined;
    let passes = 0;
    log.updateHighWatermark(log.logEndOffset);
    for (; passes < 100; passes++) {
      const range = await cleanableRange(log, checkpoint, T0);
      if (!range || range.dirtyBytes === 0) break;
      const res = await cleanLog(log, range, {
        now: T0,
        map: new OffsetMap(24 * 12),
        loadFactor: 0.9,
        ioBufferBytes: 4096,
      });
      assert.ok(res);
      checkpoint = res.endOffset;
    }
    assert.ok(passes > 3, `passes: ${passes}`);
    const res = await clean(log, checkpoint, T0);
    assert.ok(res);
    const all = await readAll(log);
    assert.equal(new Set(all.map((x) => x.key)).size, all.length, 'one record per key');
    assert.equal(all.length, 50);
    await log.close();
  });
});
