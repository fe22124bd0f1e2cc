import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  LogDirError,
  LogManager,
  type LogManagerOptions,
  MemoryFileSystem,
  RealFileSystem,
  readWholeFile,
} from '../../src/storage/index.js';
import { batchOf, keyedBatch, readAll, T0 } from './helpers.js';

async function openManager(dir: string, options: LogManagerOptions): Promise<LogManager> {
  const res = await LogManager.open(dir, { scheduler: false, ...options });
  if (res.kind !== 'ok') throw res.error;
  return res.manager;
}

const tp = (topic: string, partition = 0) => ({ topic, partition });

describe('LogManager', () => {
  test('opens every partition, writes Kafka checkpoints, skips recovery after a clean shutdown', async () => {
    const fs = new MemoryFileSystem();
    const m = await openManager('/kafka', { fs, now: () => T0 });
    const a = await m.createLog(tp('orders', 0), { topicId: 'AAAAAAAAAAAAAAAAAAAAAA' });
    const b = await m.createLog(tp('orders', 1));
    a.append(batchOf(['a1', 'a2']), { leaderEpoch: 3 });
    b.append(batchOf(['b1']), { leaderEpoch: 3 });
    a.updateHighWatermark(2);
    await m.close();
    const rp = (await readWholeFile(fs, '/kafka/recovery-point-offset-checkpoint'))!.toString();
    assert.equal(rp, '0\n2\norders 0 2\norders 1 1\n');
    const hw = (await readWholeFile(fs, '/kafka/replication-offset-checkpoint'))!.toString();
    assert.match(hw, /^0\n2\norders 0 2\norders 1 0\n$/);
    assert.equal(
      (await readWholeFile(fs, '/kafka/orders-0/partition.metadata'))!.toString(),
      'version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA\n',
    );
    assert.equal(
      (await readWholeFile(fs, '/kafka/orders-0/leader-epoch-checkpoint'))!.toString(),
      '0\n1\n3 0\n',
    );
    assert.ok(await fs.stat('/kafka/.kafka_cleanshutdown'));

    const again = await openManager('/kafka', { fs, now: () => T0 });
    assert.equal(again.hadCleanShutdown, true);
    assert.equal(await fs.stat('/kafka/.kafka_cleanshutdown'), null, 'marker removed once running');
    const a2 = again.getLog(tp('orders', 0))!;
    assert.equal(a2.logEndOffset, 2);
    assert.equal(a2.highWatermark, 2);
    assert.equal(a2.recovery?.segmentsRecovered, 0);
    assert.deepEqual(
      (await readAll(a2)).map((r) => r.value),
      ['a1', 'a2'],
    );
    assert.equal(again.logs.length, 2);
    await again.close();
  });

  test('after a crash it recovers from the checkpointed recovery points', async () => {
    let fs = new MemoryFileSystem();
    const m = await openManager('/kafka', { fs, now: () => T0 });
    const log = await m.createLog(tp('t'));
    for (let i = 0; i < 5; i++) log.append(batchOf([`v${i}`]), { leaderEpoch: 0 });
    await log.flush();
    await m.checkpointRecoveryPoints();
    for (let i = 5; i < 8; i++) log.append(batchOf([`v${i}`]), { leaderEpoch: 0 });
    fs = fs.crash();
    const again = await openManager('/kafka', { fs, now: () => T0 });
    assert.equal(again.hadCleanShutdown, false);
    const l2 = again.getLog(tp('t'))!;
    assert.equal(l2.logEndOffset, 5);
    assert.equal(l2.recovery?.segmentsRecovered, 1);
    await again.close();
  });

  test('deleting a log renames its directory then removes it; a leftover is removed at open', async () => {
    let fs = new MemoryFileSystem();
    const m = await openManager('/kafka', { fs, now: () => T0 });
    await m.createLog(tp('gone'));
    await m.createLog(tp('kept'));
    assert.equal(await m.deleteLog(tp('gone')), true);
    assert.deepEqual(
      await fs.readdir('/kafka'),
      [
        'kept-0',
        'log-start-offset-checkpoint',
        'recovery-point-offset-checkpoint',
        'replication-offset-checkpoint',
        'cleaner-offset-checkpoint',
      ].sort(),
    );
    // A crash between the rename and the removal leaves a -delete directory.
    await fs.mkdir('/kafka/kept-1.0123456789abcdef0123456789abcdef-delete');
    await fs.syncDir('/kafka');
    fs = fs.crash();
    const again = await openManager('/kafka', { fs, now: () => T0 });
    assert.ok(!(await fs.readdir('/kafka')).some((n) => n.endsWith('-delete')));
    assert.deepEqual(
      again.logs.map((l) => l.topicPartition.topic),
      ['kept'],
    );
    await again.close();
  });

  test('retention: by time and by size, never the active segment, never above the high watermark', async () => {
    const fs = new MemoryFileSystem();
    let now = T0;
    const m = await openManager('/kafka', {
      fs,
      now: () => now,
      topicConfig: (topic) =>
        topic === 'bytes'
          ? { retentionBytes: 600, retentionMs: -1, segmentBytes: 300 }
          : { retentionMs: 1000, segmentBytes: 300 },
    });
    const byTime = await m.createLog(tp('time'));
    const bySize = await m.createLog(tp('bytes'));
    for (let i = 0; i < 20; i++) {
      byTime.append(batchOf([`t${i}`], { timestampMs: now }), { leaderEpoch: 0 });
      bySize.append(batchOf([`s${i}`], { timestampMs: now }), { leaderEpoch: 0 });
    }
    await Promise.all([byTime.flush(), bySize.flush()]);
    now += 5000;
    assert.equal(await m.runRetention(), 0, 'nothing below the high watermark (0) may go');
    byTime.updateHighWatermark(byTime.logEndOffset);
    bySize.updateHighWatermark(bySize.logEndOffset);
    assert.ok((await m.runRetention()) > 0);
    assert.equal(byTime.segments.length, 1, 'all but the active segment expired');
    assert.equal(byTime.logStartOffset, byTime.active.baseOffset);
    assert.ok(bySize.sizeBytes <= 600 + 300, `size ${bySize.sizeBytes}`);
    assert.ok(bySize.logStartOffset > 0);
    // Only log starts inside a segment are checkpointed (Kafka's rule); DeleteRecords makes one.
    assert.equal(byTime.deleteRecordsBefore(byTime.logEndOffset - 1).kind, 'ok');
    await m.checkpointLogStartOffsets();
    const starts = (await readWholeFile(fs, '/kafka/log-start-offset-checkpoint'))!.toString();
    assert.equal(starts, `0\n1\ntime 0 ${byTime.logEndOffset - 1}\n`);
    await m.close();
  });

  test('runs the cleaner on compacted topics', async () => {
    const fs = new MemoryFileSystem();
    const m = await openManager('/kafka', {
      fs,
      now: () => T0,
      config: { cleanerDedupeBufferBytes: 1 << 16 },
      defaultLogConfig: { segmentBytes: 400 },
      topicConfig: (t) => (t === 'compacted' ? { cleanupPolicy: 'compact' } : undefined),
    });
    const c = await m.createLog(tp('compacted'));
    const d = await m.createLog(tp('plain'));
    for (let i = 0; i < 60; i++) {
      c.append(keyedBatch([{ key: `k${i % 4}`, value: `v${i}` }]), { leaderEpoch: 0 });
      d.append(keyedBatch([{ key: `k${i % 4}`, value: `v${i}` }]), { leaderEpoch: 0 });
    }
    c.updateHighWatermark(c.logEndOffset);
    d.updateHighWatermark(d.logEndOffset);
    await c.flush();
    const done = await m.runCleaner();
    assert.equal(done?.log, c);
    assert.ok((await readAll(c)).length < 20);
    assert.equal((await readAll(d)).length, 60);
    assert.match(
      (await readWholeFile(fs, '/kafka/cleaner-offset-checkpoint'))!.toString(),
      /^0\n1\ncompacted 0 \d+\n$/,
    );
    await m.close();
  });

  test('a log dir that cannot be written is a typed error naming it', async () => {
    const fs = new MemoryFileSystem();
    fs.failNext('open', 'EROFS');
    const res = await LogManager.open('/ro', { fs, scheduler: false });
    assert.equal(res.kind, 'failed');
    if (res.kind === 'failed') {
      assert.ok(res.error instanceof LogDirError);
      assert.equal(res.error.dir, '/ro');
      assert.equal(res.error.code, 'EROFS');
      assert.match(res.error.message, /log dir \/ro/);
    }
    const tmp = await mkdtemp(join(tmpdir(), 'samsa-storage-'));
    try {
      await writeFile(join(tmp, 'file'), 'x');
      const bad = join(tmp, 'file', 'logs');
      const real = await LogManager.open(bad, { fs: new RealFileSystem(), scheduler: false });
      assert.equal(real.kind, 'failed');
      if (real.kind === 'failed') {
        assert.equal(real.error.dir, bad);
        assert.equal(real.error.code, 'ENOTDIR');
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });

  test('a failed write takes the log offline; it never acknowledges the bytes', async () => {
    const fs = new MemoryFileSystem();
    const offline: string[] = [];
    const m = await openManager('/kafka', { fs, now: () => T0, onLogOffline: (t) => offline.push(t.topic) });
    const log = await m.createLog(tp('w'));
    const ok = log.append(batchOf(['fine']), { leaderEpoch: 0 });
    assert.equal(ok.kind, 'appended');
    if (ok.kind === 'appended') await ok.written;
    fs.failNext('write', 'ENOSPC');
    const bad = log.append(batchOf(['lost']), { leaderEpoch: 0 });
    assert.equal(bad.kind, 'appended');
    if (bad.kind === 'appended') await assert.rejects(bad.written, /ENOSPC/);
    assert.deepEqual(offline, ['w']);
    const after = log.append(batchOf(['refused']), { leaderEpoch: 0 });
    assert.equal(after.kind, 'rejected');
    if (after.kind === 'rejected') assert.equal(after.problem, 'offline');
    assert.equal((await log.read(0, 1000)).kind, 'offline');
    await m.close();
    assert.equal(await fs.stat('/kafka/.kafka_cleanshutdown'), null, 'not a clean shutdown');
    const again = await openManager('/kafka', { fs, now: () => T0 });
    assert.deepEqual(
      (await readAll(again.getLog(tp('w'))!)).map((r) => r.value),
      ['fine'],
    );
    await again.close();
  });

  test('flush.ms flushes old unflushed appends; background timers run the work', async () => {
    const fs = new MemoryFileSystem();
    let now = T0;
    const m = await openManager('/kafka', { fs, now: () => now, defaultLogConfig: { flushMs: 100 } });
    const log = await m.createLog(tp('f'));
    log.append(batchOf(['x']), { leaderEpoch: 0 });
    assert.equal(await m.runFlushCheck(), 0);
    now += 100;
    assert.equal(await m.runFlushCheck(), 1);
    assert.equal(log.recoveryPoint, 1);
    await m.close();

    const timed = await LogManager.open('/timed', {
      fs,
      config: { retentionCheckIntervalMs: 10, recoveryPointCheckpointIntervalMs: 10, cleanerEnable: false },
      defaultLogConfig: { retentionMs: 1, segmentBytes: 200 },
    });
    assert.equal(timed.kind, 'ok');
    if (timed.kind !== 'ok') return;
    const t = await timed.manager.createLog(tp('r'));
    for (let i = 0; i < 10; i++) t.append(batchOf([`${i}`], { timestampMs: 1 }), { leaderEpoch: 0 });
    t.updateHighWatermark(t.logEndOffset);
    for (let i = 0; i < 100 && t.segments.length > 1; i++) await new Promise((res) => setTimeout(res, 10));
    assert.equal(t.segments.length, 1, 'the timer ran retention');
    await timed.manager.close();
  });

  test('works on the real file system', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'samsa-storage-'));
    try {
      const fs = new RealFileSystem();
      const m = await openManager(join(tmp, 'logs'), { fs, defaultLogConfig: { segmentBytes: 1000 } });
      const log = await m.createLog(tp('real'));
      const values = Array.from({ length: 40 }, (_, i) => `value-${i}`);
      let last: Promise<void> = Promise.resolve();
      for (const v of values) {
        const r = log.append(batchOf([v]), { leaderEpoch: 1 });
        if (r.kind === 'appended') last = r.written;
      }
      await last;
      assert.ok(log.segments.length > 2);
      await m.close();
      const again = await openManager(join(tmp, 'logs'), { fs });
      assert.deepEqual(
        (await readAll(again.getLog(tp('real'))!)).map((r) => r.value),
        values,
      );
      await again.close();
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});

describe('LogManager shutdown with many logs', () => {
  // 100 logs with unflushed data: one sync of the whole file system replaces their 100 fsyncs, and a
  // power cut right after the close loses nothing; where the file system cannot, each log fsyncs.
  for (const canSyncAll of [true, false]) {
    test(`close ${canSyncAll ? 'syncs the file system once' : 'fsyncs each log'}, and a crash after it loses nothing`, async () => {
      const fs = new MemoryFileSystem();
      let fsyncs = 0;
      let syncAlls = 0;
      const fsync = fs.fsync.bind(fs);
      fs.fsync = (h) => {
        fsyncs++;
        return fsync(h);
      };
      const syncAll = fs.syncFileSystem.bind(fs);
      fs.syncFileSystem = async (p) => {
        syncAlls++;
        return canSyncAll && syncAll(p);
      };
      const m = await openManager('/kafka', { fs, now: () => T0 });
      const logs = [];
      for (let p = 0; p < 100; p++) logs.push(await m.createLog(tp('many', p)));
      await Promise.all(
        logs.map((log, p) => {
          const r = log.append(batchOf([`v${p}`]), { leaderEpoch: 0 });
          return r.kind === 'appended' ? r.written : Promise.reject(new Error(r.kind));
        }),
      );
      fsyncs = 0;
      await m.close();
      assert.equal(syncAlls, 1);
      // The checkpoints and the clean-shutdown marker are still fsynced one by one.
      if (canSyncAll) assert.ok(fsyncs < 10, `fsyncs at close: ${fsyncs}`);
      else assert.ok(fsyncs >= 100, `fsyncs at close: ${fsyncs}`);
      const after = fs.crash();
      const again = await openManager('/kafka', { fs: after, now: () => T0 });
      assert.ok(again.hadCleanShutdown);
      for (let p = 0; p < 100; p++) {
        const log = again.getLog(tp('many', p))!;
        assert.deepEqual(
          (await readAll(log)).map((r) => r.value),
          [`v${p}`],
        );
      }
      await again.close();
    });
  }
});
