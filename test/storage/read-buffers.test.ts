// The pool of segment-read buffers, and reads that use it: a released buffer is reused, a buffer
// never released is simply not, and reads that continue where the last one ended (read hints) return
// the same batches as located ones.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryFileSystem } from '../../src/storage/fs-memory.js';
import { PartitionLog } from '../../src/storage/index.js';
import {
  READ_BUFFER_POOLED_BYTES_MAX,
  READ_BUFFER_POOLED_BYTES_MIN,
  ReadBufferPool,
} from '../../src/storage/read-buffers.js';
import { batchOf, recordsOf, T0 } from './helpers.js';

test('pooled buffers come back after release, in power-of-two classes', () => {
  const pool = new ReadBufferPool(1 << 20);
  const a = pool.acquire(100_000);
  assert.equal(a.length, 100_000);
  assert.equal(a.buffer.byteLength, 128 * 1024);
  pool.release(a.subarray(10, 20)); // any view of it
  const b = pool.acquire(70_000);
  assert.equal(b.buffer, a.buffer, 'the released buffer is reused for a read of the same class');
  assert.deepEqual(pool.stats, { reused: 1, allocated: 1, idleBytes: 0 });
  const c = pool.acquire(100_000);
  assert.notEqual(c.buffer, b.buffer, 'a leased buffer is never handed out twice');
});

test('a second release, foreign buffers and sizes outside the classes are ignored', () => {
  const pool = new ReadBufferPool(1 << 20);
  const a = pool.acquire(READ_BUFFER_POOLED_BYTES_MIN);
  pool.release(a);
  pool.release(a);
  assert.equal(pool.stats.idleBytes, READ_BUFFER_POOLED_BYTES_MIN);
  const first = pool.acquire(READ_BUFFER_POOLED_BYTES_MIN);
  const second = pool.acquire(READ_BUFFER_POOLED_BYTES_MIN);
  assert.notEqual(first.buffer, second.buffer, 'a double release must not put a buffer in the pool twice');
  pool.release(Buffer.alloc(READ_BUFFER_POOLED_BYTES_MIN));
  const small = pool.acquire(1000);
  pool.release(small);
  const huge = pool.acquire(READ_BUFFER_POOLED_BYTES_MAX + 1);
  pool.release(huge);
  assert.equal(pool.stats.idleBytes, 0);
});

test('idle buffers are bounded by idleBytesMax', () => {
  const pool = new ReadBufferPool(256 * 1024);
  const bufs = [1, 2, 3].map(() => pool.acquire(128 * 1024));
  for (const b of bufs) pool.release(b);
  assert.equal(pool.stats.idleBytes, 256 * 1024);
  pool.trim();
  assert.equal(pool.stats.idleBytes, 0);
});

async function fileLog(pool: ReadBufferPool) {
  const fs = new MemoryFileSystem({ now: () => T0 });
  const log = await PartitionLog.open(
    '/logs/t-0',
    { tailCacheBytes: 0, segmentBytes: 1 << 20, indexIntervalBytes: 4096 },
    { fs, now: () => T0, readBuffers: pool },
  );
  const value = 'v'.repeat(1000);
  for (let i = 0; i < 400; i++) {
    const r = log.append(batchOf([`${i}-a-${value}`, `${i}-b-${value}`]), { leaderEpoch: 0 });
    assert.equal(r.kind, 'appended');
    if (r.kind === 'appended') await r.written;
  }
  return log;
}

test('segment reads take pooled buffers; released ones are reused, unreleased ones are not', async () => {
  const pool = new ReadBufferPool();
  const log = await fileLog(pool);
  const first = await log.read(0, 100_000);
  assert.ok(first.kind === 'data' && first.release !== null);
  const kept = await log.read(0, 100_000);
  assert.ok(kept.kind === 'data');
  assert.notEqual(kept.records[0].buffer, first.records[0].buffer);
  const before = recordsOf(first.records).map((r) => r.value);
  first.release?.();
  const again = await log.read(0, 100_000);
  assert.ok(again.kind === 'data');
  assert.equal(again.records[0].buffer, first.records[0].buffer, 'the released buffer serves the next read');
  assert.deepEqual(
    recordsOf(kept.records).map((r) => r.value),
    before,
    'a read that was not released keeps its bytes',
  );
  await log.close();
});

test('reads that continue where the last ended return the batches that follow', async () => {
  const pool = new ReadBufferPool();
  const log = await fileLog(pool);
  const value = 'v'.repeat(1000);
  const want = Array.from({ length: 800 }, (_, o) => ({
    offset: o,
    value: `${o >> 1}-${o % 2 ? 'b' : 'a'}-${value}`,
  }));
  const got: { offset: number; value: string | null }[] = [];
  for (let offset = 0; offset < log.logEndOffset; ) {
    const r = await log.read(offset, 7000);
    assert.ok(r.kind === 'data' && r.lastOffset >= offset);
    got.push(...recordsOf(r.records).filter((x) => x.offset >= offset));
    offset = r.lastOffset + 1;
    r.release?.();
  }
  assert.deepEqual(
    got.map((x) => ({ offset: x.offset, value: x.value })),
    want,
  );
  // After a truncation and new appends, a remembered position holds other batches: still right.
  await log.truncateTo(200);
  const r = log.append(batchOf(['new-200', 'new-201']), { leaderEpoch: 1 });
  assert.ok(r.kind === 'appended');
  await r.written;
  const after = await log.read(200, 7000);
  assert.ok(after.kind === 'data');
  assert.deepEqual(
    recordsOf(after.records).map((x) => x.value),
    ['new-200', 'new-201'],
  );
  await log.close();
});

test('a retained buffer returns to the pool only when its last holder releases it', () => {
  const pool = new ReadBufferPool(1 << 20);
  const a = pool.acquire(100_000);
  assert.equal(pool.retain(a.subarray(5)), true);
  assert.equal(pool.retain(Buffer.alloc(10)), false, 'a foreign buffer is not counted');
  pool.release(a);
  assert.equal(pool.stats.idleBytes, 0, 'one holder left');
  pool.release(a);
  assert.equal(pool.stats.idleBytes, 128 * 1024);
  assert.equal(pool.retain(a), false, 'an idle buffer cannot be retained');
  pool.release(a);
  assert.equal(pool.stats.idleBytes, 128 * 1024, 'a release past the last is ignored');
  // Any pool counts the holders of another's buffer, which goes back to its own pool.
  const other = new ReadBufferPool(1 << 20);
  const b = pool.acquire(100_000);
  assert.equal(other.retain(b), true);
  other.release(b);
  assert.equal(pool.stats.idleBytes, 0);
  other.release(b);
  assert.equal(pool.stats.idleBytes, 128 * 1024);
  assert.equal(other.stats.idleBytes, 0);
});

test("a pooled batch the log appends goes back once it is written, out of the tail cache and its readers' hands", async () => {
  const pool = new ReadBufferPool();
  const fs = new MemoryFileSystem({ now: () => T0 });
  const log = await PartitionLog.open(
    '/logs/t-0',
    { tailCacheBytes: 100_000, segmentBytes: 1 << 20, indexIntervalBytes: 4096 },
    { fs, now: () => T0, readBuffers: pool },
  );
  // A request frame in a pooled buffer, the batch a view of it (after the request header).
  const batch = batchOf(['x'.repeat(80_000)]);
  const frame = pool.acquire(batch.length + 30);
  batch.copy(frame, 30);
  const r = log.append(frame.subarray(30), { leaderEpoch: 0 });
  assert.ok(r.kind === 'appended');
  pool.release(frame); // the request is answered
  await r.written;
  const read = log.readCached(0, 1 << 20);
  assert.ok(read?.kind === 'data' && read.release !== null, 'a cache read of a pooled batch is released');
  // The next append pushes the first batch out of the 100 kB cache: its reader still holds it.
  const next = log.append(batchOf(['y'.repeat(80_000)]), { leaderEpoch: 0 });
  assert.ok(next.kind === 'appended');
  await next.written;
  assert.equal(pool.stats.idleBytes, 0, 'the reader still holds the buffer');
  assert.equal(recordsOf(read.records)[0].value, 'x'.repeat(80_000));
  read.release?.();
  assert.equal(pool.stats.idleBytes, frame.buffer.byteLength, 'back in the pool');
  const served = await log.read(0, 1 << 20);
  assert.ok(served.kind === 'data');
  assert.equal(recordsOf(served.records)[0].value, 'x'.repeat(80_000), 'the file holds the bytes');
  await log.close();
});
