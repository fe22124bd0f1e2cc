import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryFileSystem } from '../../src/storage/fs-memory.js';
import { scanBatches, walkHeaders } from '../../src/storage/scan.js';
import { batchOf, rng } from './helpers.js';

async function fileOf(fs: MemoryFileSystem, bufs: Buffer[]) {
  const h = await fs.open('/s.log', 'overwrite');
  await fs.writev(h, bufs, 0);
  return h;
}

test('scanBatches: any chunk size, batches larger than a chunk, torn and invalid tails, early stop', async () => {
  const r = rng(7);
  const batches = Array.from({ length: 40 }, (_, i) =>
    batchOf([`${i}-${'x'.repeat(Math.floor(r() * 3000))}`], { baseOffset: i }),
  );
  const total = batches.reduce((n, b) => n + b.length, 0);
  for (const chunkBytes of [64, 100, 1000, 4096, 1 << 20]) {
    const fs = new MemoryFileSystem();
    const torn = Buffer.concat(batches).subarray(0, total - 10);
    const h = await fileOf(fs, [torn]);
    const seen: number[] = [];
    let chunks = 0;
    const res = await scanBatches(
      fs,
      h,
      0,
      torn.length,
      (buf, at) => {
        seen.push(buf.readInt32BE(at + 4));
        return true;
      },
      { validate: true, chunkBytes, afterChunk: async () => void chunks++ },
    );
    assert.deepEqual(
      seen,
      Array.from({ length: 39 }, (_, i) => i),
      `chunk ${chunkBytes}`,
    );
    assert.equal(res.stop, 'torn');
    assert.equal(res.end, total - batches[39].length);
    assert.ok(chunks >= 1);
    // Stop early.
    const some: number[] = [];
    const early = await scanBatches(
      fs,
      h,
      0,
      torn.length,
      (buf, at) => {
        some.push(buf.readInt32BE(at + 4));
        return some.length < 5;
      },
      { chunkBytes },
    );
    assert.equal(early.stop, 'visitor');
    assert.equal(some.length, 5);
    // Garbage in the middle: a CRC mismatch stops a validating scan there.
    const bad = Buffer.concat(batches);
    const mid = batches.slice(0, 20).reduce((n, b) => n + b.length, 0);
    bad[mid + 70] ^= 0xff;
    const h2 = await fileOf(fs, [bad]);
    const v = await scanBatches(fs, h2, 0, bad.length, () => true, { validate: true, chunkBytes });
    assert.equal(v.stop, 'invalid');
    assert.equal(v.end, mid);
    // Zeros after the data (a preallocated or torn tail): invalid size.
    const h3 = await fileOf(fs, [Buffer.concat(batches), Buffer.alloc(100)]);
    const z = await scanBatches(fs, h3, 0, total + 100, () => true, { chunkBytes });
    assert.equal(z.stop, 'invalid');
    assert.equal(z.end, total);
    // Header walks agree.
    const offsets: number[] = [];
    const stop = await walkHeaders(
      fs,
      h3,
      0,
      total + 100,
      (hv) => void offsets.push(hv.baseOffset),
      Math.max(chunkBytes, 43),
    );
    assert.equal(stop, total);
    assert.deepEqual(
      offsets,
      Array.from({ length: 40 }, (_, i) => i),
    );
  }
});
