import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameReader } from '../../src/protocol/frame-reader.js';
import { Rng } from '../helpers/random.js';

function frame(payload: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  return Buffer.concat([size, payload]);
}

/** Feeds `stream` as a socket would: each read fills at most the target, at most `readMax` bytes. */
function feed(reader: FrameReader, stream: Buffer, rng: Rng, readMax: number, got: Buffer[]): void {
  let pos = 0;
  while (pos < stream.length) {
    const target = reader.target();
    const n = Math.min(target.length, stream.length - pos, rng.int(1, readMax));
    stream.copy(target, 0, pos, pos + n);
    // What a read leaves beyond `n` is garbage to the reader: scribble on it.
    target.fill(0xee, n, Math.min(target.length, n + 64));
    pos += n;
    reader.received(n);
    for (let r = reader.next(); r.kind === 'frame'; r = reader.next()) got.push(Buffer.from(r.frame));
  }
}

test('frames are cut the same however the reads fall, through a shared scratch buffer', () => {
  const rng = new Rng(11);
  const payloads = Array.from({ length: 300 }, () => rng.bytes(rng.int(0, rng.int(0, 1) ? 40 : 9000)));
  const stream = Buffer.concat(payloads.map(frame));
  const scratch = Buffer.alloc(4096);
  for (const readMax of [1, 3, 7, 100, 5000, 100_000]) {
    const reader = new FrameReader(scratch, 1 << 20, (n) => Buffer.allocUnsafe(n));
    const got: Buffer[] = [];
    feed(reader, stream, rng, readMax, got);
    assert.deepEqual(got, payloads, `reads of at most ${readMax} bytes`);
    assert.equal(reader.bufferedBytes, 0);
  }
});

test('two readers sharing a scratch buffer keep their own partial prefixes and frames', () => {
  const scratch = Buffer.alloc(16);
  const alloc = (n: number) => Buffer.allocUnsafe(n);
  const a = new FrameReader(scratch, 1024, alloc);
  const b = new FrameReader(scratch, 1024, alloc);
  const streamA = frame(Buffer.from('alpha-frame'));
  const streamB = frame(Buffer.from('bravo'));
  const read = (r: FrameReader, bytes: Buffer) => {
    const t = r.target();
    bytes.copy(t);
    r.received(bytes.length);
  };
  read(a, streamA.subarray(0, 2)); // half of a's size prefix
  read(b, streamB.subarray(0, 6)); // b's prefix and 2 bytes of its payload
  read(a, streamA.subarray(2, 9));
  read(b, streamB.subarray(6));
  read(a, streamA.subarray(9));
  const fa = a.next();
  const fb = b.next();
  assert.equal(fa.kind === 'frame' && fa.frame.toString(), 'alpha-frame');
  assert.equal(fb.kind === 'frame' && fb.frame.toString(), 'bravo');
});

test('the rest of a large frame lands straight in its buffer, allocated once its size is read', () => {
  const allocated: Buffer[] = [];
  const reader = new FrameReader(Buffer.alloc(1024), 1 << 20, (n) => {
    const b = Buffer.alloc(n);
    allocated.push(b);
    return b;
  });
  const payload = Buffer.alloc(100_000, 7);
  const stream = frame(payload);
  let t = reader.target();
  stream.copy(t, 0, 0, t.length);
  reader.received(t.length);
  assert.equal(allocated.length, 1);
  assert.equal(reader.bufferedBytes, payload.length, 'the whole frame buffer is counted');
  t = reader.target();
  assert.equal(t.buffer, allocated[0].buffer, 'the next read lands in the frame');
  assert.equal(t.length, payload.length - (1024 - 4));
  stream.copy(t, 0, 1024);
  reader.received(t.length);
  const r = reader.next();
  assert.equal(r.kind, 'frame');
  if (r.kind === 'frame') assert.ok(r.frame.equals(payload));
  assert.equal(reader.target().length, 1024, 'back to the scratch buffer between frames');
});

test('an oversized or negative size is refused before anything is allocated, after the frames before it', () => {
  let allocations = 0;
  const reader = new FrameReader(Buffer.alloc(64), 100, (n) => {
    allocations++;
    return Buffer.alloc(n);
  });
  const stream = Buffer.concat([frame(Buffer.from('ok')), Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3])]);
  stream.copy(reader.target());
  reader.received(stream.length);
  assert.equal(allocations, 1);
  const first = reader.next();
  assert.equal(first.kind === 'frame' && first.frame.toString(), 'ok');
  assert.deepEqual(reader.next(), { kind: 'too-large', sizeBytes: 0x7fffffff });
  const negative = new FrameReader(Buffer.alloc(64), 100, (n) => Buffer.alloc(n));
  Buffer.from([0xff, 0xff, 0xff, 0xfe]).copy(negative.target());
  negative.received(4);
  assert.equal(negative.next().kind, 'too-large');
});
