import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameCutter } from '../../src/protocol/frame-cutter.js';
import { Rng } from '../helpers/random.js';

function frame(payload: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  return Buffer.concat([size, payload]);
}

test('frames are cut the same however the stream is split', () => {
  const rng = new Rng(7);
  const payloads = Array.from({ length: 200 }, () => rng.bytes(rng.int(0, 3000)));
  const stream = Buffer.concat(payloads.map(frame));
  for (let trial = 0; trial < 20; trial++) {
    const cutter = new FrameCutter(1 << 20);
    const got: Buffer[] = [];
    let pos = 0;
    while (pos < stream.length) {
      const n = rng.int(1, 5000);
      cutter.push(stream.subarray(pos, pos + n));
      pos += n;
      for (let r = cutter.next(); r.kind === 'frame'; r = cutter.next()) got.push(Buffer.from(r.frame));
    }
    assert.deepEqual(got, payloads);
    assert.equal(cutter.bufferedBytes, 0);
  }
});

test('a frame inside one chunk is a view, not a copy', () => {
  const cutter = new FrameCutter(100);
  const chunk = frame(Buffer.from('hello'));
  cutter.push(chunk);
  const r = cutter.next();
  assert.equal(r.kind, 'frame');
  if (r.kind === 'frame') assert.equal(r.frame.buffer, chunk.buffer);
});

test('an oversized or negative size prefix is refused before buffering its body', () => {
  const cutter = new FrameCutter(1024);
  cutter.push(Buffer.from([0x7f, 0xff, 0xff, 0xff]));
  assert.deepEqual(cutter.next(), { kind: 'too-large', sizeBytes: 0x7fffffff });
  const negative = new FrameCutter(1024);
  negative.push(Buffer.from([0xff, 0xff, 0xff, 0xfe]));
  assert.equal(negative.next().kind, 'too-large');
});

test('a size prefix split across chunks is read correctly', () => {
  const cutter = new FrameCutter(1024);
  const f = frame(Buffer.from('abc'));
  for (const b of f) cutter.push(Buffer.from([b]));
  const r = cutter.next();
  assert.equal(r.kind, 'frame');
  if (r.kind === 'frame') assert.equal(r.frame.toString(), 'abc');
});
