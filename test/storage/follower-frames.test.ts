// A follower's append from a Fetch response assembled in a pooled buffer: the log holds the batches by
// reference (no copy), counted, so the buffer goes back to its pool only once the batches are written
// and out of the tail cache; whatever the pool then does with it, every record reads back intact.
// A response that is not pooled (a plain socket read) is copied, as before.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReadBufferPool } from '../../src/storage/read-buffers.js';
import { batchOf, MemoryFileSystem, openMem, readAll } from './helpers.js';

/** `n` batches of `per` records, as the leader's log numbered them, concatenated as a Fetch carries them. */
function leaderBatches(first: number, n: number, per: number): Buffer {
  const out: Buffer[] = [];
  for (let b = 0; b < n; b++) {
    const values = Array.from({ length: per }, (_, i) => `${first + b * per + i}:${'v'.repeat(400)}`);
    out.push(batchOf(values, { baseOffset: first + b * per }));
  }
  return Buffer.concat(out);
}

test('a pooled Fetch frame is held by reference until written and out of the tail cache', async () => {
  const pool = new ReadBufferPool();
  const follower = await openMem(
    new MemoryFileSystem(),
    { tailCacheBytes: 128 * 1024 },
    { readBuffers: pool },
  );
  const wire = leaderBatches(0, 4, 40); // ~66 KB: a pooled size
  const frame = pool.acquire(wire.length);
  wire.copy(frame);
  const r = follower.appendAsFollower(frame);
  assert.equal(r.kind, 'appended');
  if (r.kind === 'appended') await r.written;
  pool.release(frame); // the fetcher's own hold, given up once the response is applied

  // Served from the tail cache: the very bytes of the frame, not a copy of them.
  const cached = await follower.read(0, 1 << 20);
  assert.equal(cached.kind, 'data');
  if (cached.kind === 'data') {
    assert.ok(cached.records[0].buffer === frame.buffer, 'served a copy of the batches');
    cached.release?.();
  }
  assert.equal(pool.stats.idleBytes, 0, 'the frame went back while the tail cache held its batches');

  // More appends (not pooled: copied) push the first batches out of the 128 KiB cache.
  const later = leaderBatches(160, 10, 40);
  const r2 = follower.appendAsFollower(later);
  assert.equal(r2.kind, 'appended');
  if (r2.kind === 'appended') await r2.written;
  later.fill(0); // a copied frame's owner may reuse it at once
  assert.ok(pool.stats.idleBytes > 0, 'the frame never went back to the pool');

  // The pool hands the same buffer out again and its new owner overwrites it.
  const reused = pool.acquire(wire.length);
  assert.ok(reused.buffer === frame.buffer, 'the pool handed out another buffer');
  reused.fill(0xff);
  const values = (await readAll(follower)).map((x) => x.value);
  assert.equal(values.length, 560);
  assert.deepEqual(
    values,
    values.map((_, i) => `${i}:${'v'.repeat(400)}`),
  );
  await follower.close();
});
