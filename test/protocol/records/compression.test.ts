import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DecodeError } from '../../../src/protocol/primitives/decode-error.js';
import {
  Compression,
  compress,
  compressionAvailable,
  compressionByName,
  compressionName,
  compressSync,
  DecompressionError,
  type DecompressionReason,
  decompress,
  decompressSync,
} from '../../../src/protocol/records/index.js';
import { lazyOptional } from '../../../src/protocol/records/native.js';
import { xxhash32 } from '../../../src/protocol/records/xxhash32.js';
import { randomBytes, rng, textBytes } from './helpers.js';

const require = createRequire(import.meta.url);
const CODECS = [Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd];
const MiB = 1024 * 1024;

function available(codec: Compression, t: { skip(message: string): void }): boolean {
  if (compressionAvailable(codec)) return true;
  t.skip(`${compressionName(codec)} did not load on this machine`);
  return false;
}

/** Runs sync and async decompression and checks they agree (same bytes, or same error reason). */
async function both(codec: Compression, data: Buffer, max: number): Promise<Buffer | DecompressionReason> {
  let sync: Buffer | DecompressionReason;
  try {
    sync = decompressSync(codec, data, max);
    assert.ok(sync.length <= max, 'output within outputBytesMax');
  } catch (e) {
    assert.ok(e instanceof DecompressionError, `${compressionName(codec)}: ${(e as Error).stack}`);
    assert.ok(e instanceof DecodeError);
    sync = e.reason;
  }
  let async: Buffer | DecompressionReason;
  try {
    async = await decompress(codec, data, max);
  } catch (e) {
    assert.ok(e instanceof DecompressionError, `${compressionName(codec)} async: ${(e as Error).stack}`);
    async = e.reason;
  }
  if (typeof sync === 'string' || typeof async === 'string')
    assert.equal(async, sync, 'sync and async agree');
  else assert.ok(sync.equals(async), 'sync and async give the same bytes');
  return sync;
}

async function reason(codec: Compression, data: Buffer, max = MiB): Promise<DecompressionReason | 'ok'> {
  const r = await both(codec, data, max);
  return typeof r === 'string' ? r : 'ok';
}

test('codec names', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4].map((c) => compressionName(c)),
    ['none', 'gzip', 'snappy', 'lz4', 'zstd'],
  );
  assert.equal(compressionByName('zstd'), Compression.Zstd);
  assert.equal(compressionByName('brotli'), undefined);
});

test('a codec package that does not load leaves a reason, loaded once', () => {
  const load = lazyOptional<unknown>('samsa-no-such-codec-package');
  const first = load();
  assert.equal(first.module, null);
  assert.match(first.failure, /samsa-no-such-codec-package did not load/);
  assert.equal(load(), first);
});

test('xxhash32 reference values', () => {
  assert.equal(xxhash32(Buffer.alloc(0)), 0x02cc5d05);
  assert.equal(xxhash32(Buffer.from('abc')), 0x32d153ff);
  // Ranges give the same as copies, across the 16-byte stripe boundary.
  const data = randomBytes(rng(3), 100);
  for (const [s, e] of [
    [0, 100],
    [3, 19],
    [5, 21],
    [1, 99],
  ]) {
    assert.equal(xxhash32(data, 0, s, e), xxhash32(Buffer.from(data.subarray(s, e))));
  }
});

const SIZES = [0, 1, 100, 32 * 1024, 32 * 1024 + 1, 64 * 1024, 64 * 1024 + 1, 300_000];

for (const codec of CODECS) {
  const name = compressionName(codec);
  test(`${name}: round trip of text, random and constant data of many sizes, sync and async`, async (t) => {
    if (!available(codec, t)) return;
    const next = rng(4);
    for (const size of SIZES) {
      for (const [kind, data] of [
        ['text', textBytes(next, size)],
        ['random', randomBytes(next, size)],
        ['zeros', Buffer.alloc(size)],
      ] as const) {
        const packed = compressSync(codec, data);
        assert.ok((await compress(codec, data)).equals(packed), `${kind} ${size}: async compress`);
        const out = await both(codec, packed, size);
        assert.ok(Buffer.isBuffer(out) && out.equals(data), `${kind} ${size}`);
      }
    }
  });

  test(`${name}: a bomb stops at outputBytesMax, quickly`, async (t) => {
    if (!available(codec, t)) return;
    const bomb = compressSync(codec, Buffer.alloc(16 * MiB));
    const started = Date.now();
    assert.equal(await reason(codec, bomb, MiB), 'too-large');
    assert.equal(await reason(codec, bomb, 0), 'too-large');
    assert.ok(Date.now() - started < 2000, 'does not decompress everything first');
  });

  test(`${name}: garbage, truncation and bit flips give DecompressionError or bounded output`, async (t) => {
    if (!available(codec, t)) return;
    const next = rng(5);
    const valid = compressSync(codec, textBytes(next, 100_000));
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      let input: Buffer;
      const mode = i % 4;
      if (mode === 0) input = randomBytes(next, (next() * 200) | 0);
      else if (mode === 1) input = valid.subarray(0, (next() * valid.length) | 0);
      else {
        input = Buffer.from(valid);
        const flips = mode === 2 ? 1 : 8;
        for (let f = 0; f < flips; f++) input[(next() * input.length) | 0] ^= 1 << ((next() * 8) | 0);
      }
      seen.add(await reason(codec, input, 200_000));
    }
    assert.ok(seen.has('corrupt'), `saw ${[...seen]}`);
  });
}

test('decompression argument checks: unknown codec, bad outputBytesMax', () => {
  for (const codec of [5, 6, 7]) {
    assert.throws(
      () => decompressSync(codec as Compression, Buffer.from('x'), 10),
      (e: unknown) => e instanceof DecompressionError && e.reason === 'unsupported',
    );
  }
  assert.throws(() => decompressSync(Compression.Gzip, gzipSync('x'), -1), RangeError);
  assert.throws(() => decompressSync(Compression.Gzip, gzipSync('x'), 1.5), RangeError);
  assert.throws(() => compressSync(9 as Compression, Buffer.from('x')), RangeError);
  assert.equal(decompressSync(Compression.None, Buffer.from('abc'), 1).toString(), 'abc');
});

// --- snappy -------------------------------------------------------------------------------------

const XERIAL_HEADER = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1]);

function uvarint(v: number): Buffer {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}

function be32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
}

function xerial(...blocks: Buffer[]): Buffer {
  return Buffer.concat([XERIAL_HEADER, ...blocks.flatMap((b) => [be32(b.length), b])]);
}

test('snappy: writes the xerial framing with 32 KiB blocks', (t) => {
  if (!available(Compression.Snappy, t)) return;
  const data = textBytes(rng(6), 100_000);
  const packed = compressSync(Compression.Snappy, data);
  assert.ok(packed.subarray(0, 16).equals(XERIAL_HEADER));
  let pos = 16;
  let blocks = 0;
  let declared = 0;
  while (pos < packed.length) {
    const length = packed.readInt32BE(pos);
    let value = 0;
    for (let i = 0, shift = 0; ; i++, shift += 7) {
      value += (packed[pos + 4 + i] & 0x7f) * 2 ** shift;
      if ((packed[pos + 4 + i] & 0x80) === 0) break;
    }
    assert.ok(value <= 32 * 1024);
    declared += value;
    pos += 4 + length;
    blocks++;
  }
  assert.equal(blocks, Math.ceil(data.length / (32 * 1024)));
  assert.equal(declared, data.length);
});

test('snappy: reads raw (unframed) snappy, as librdkafka writes it', async (t) => {
  if (!available(Compression.Snappy, t)) return;
  const snappy = require('snappy') as { compressSync(b: Buffer): Buffer };
  const data = textBytes(rng(8), 150_000);
  const out = await both(Compression.Snappy, snappy.compressSync(data), data.length);
  assert.ok(Buffer.isBuffer(out) && out.equals(data));
});

test('snappy: hand-built xerial stream (literal and copy elements), concatenated streams', async (t) => {
  if (!available(Compression.Snappy, t)) return;
  // Block 1: a 5-byte literal "abcab" then a copy of offset 3, length 7 (copy with 1-byte offset).
  const block1 = Buffer.concat([
    uvarint(12),
    Buffer.from([(5 - 1) << 2]),
    Buffer.from('abcab'),
    Buffer.from([0x01 | ((7 - 4) << 2), 3]),
  ]);
  // Block 2: a 70-byte literal (tag 60: one extra length byte).
  const text = Buffer.from('x'.repeat(30) + 'y'.repeat(40));
  const block2 = Buffer.concat([uvarint(70), Buffer.from([60 << 2, 69]), text]);
  const expected = Buffer.concat([Buffer.from('abcabcabcabc'), text]);
  const one = await both(Compression.Snappy, xerial(block1, block2), 1000);
  assert.ok(Buffer.isBuffer(one) && one.equals(expected));
  const twice = await both(Compression.Snappy, Buffer.concat([xerial(block1), xerial(block2)]), 1000);
  assert.ok(Buffer.isBuffer(twice) && twice.equals(expected));
  const headerOnly = await both(Compression.Snappy, XERIAL_HEADER, 1000);
  assert.ok(Buffer.isBuffer(headerOnly) && headerOnly.length === 0);
});

test('snappy: hostile lengths', async (t) => {
  if (!available(Compression.Snappy, t)) return;
  const lit = (n: number) => Buffer.concat([uvarint(n), Buffer.from([(n - 1) << 2]), Buffer.alloc(n, 0x61)]);
  // A raw block claiming 4 GiB.
  assert.equal(
    await reason(Compression.Snappy, Buffer.concat([uvarint(2 ** 32 - 1), Buffer.alloc(20)])),
    'too-large',
  );
  // A claim no block of that size can reach (more than 64/3 of its size).
  assert.equal(
    await reason(Compression.Snappy, Buffer.concat([uvarint(1000), Buffer.alloc(20)]), 10_000),
    'corrupt',
  );
  // Within the budget but the elements stop short.
  assert.equal(
    await reason(Compression.Snappy, Buffer.concat([uvarint(40), Buffer.from([39 << 2]), Buffer.alloc(10)])),
    'corrupt',
  );
  // An overlong length preamble.
  assert.equal(
    await reason(Compression.Snappy, Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])),
    'corrupt',
  );
  // xerial: a block length that is negative, zero, or past the end.
  for (const length of [-1, 0, 1000]) {
    const bad = Buffer.concat([XERIAL_HEADER, be32(length), lit(10)]);
    assert.equal(await reason(Compression.Snappy, bad), 'corrupt', `block length ${length}`);
  }
  assert.equal(
    await reason(Compression.Snappy, Buffer.concat([xerial(lit(10)), Buffer.from([0, 0])])),
    'corrupt',
  );
  // Many small blocks whose sum exceeds the budget: stops at the block that crosses it.
  const many = xerial(...Array.from({ length: 200 }, () => lit(50)));
  assert.equal(await reason(Compression.Snappy, many, 200 * 50), 'ok');
  assert.equal(await reason(Compression.Snappy, many, 200 * 50 - 1), 'too-large');
  // Version 0 of the stream header is refused, as snappy-java does.
  const v0 = xerial(lit(3));
  v0.writeInt32BE(0, 8);
  assert.equal(await reason(Compression.Snappy, v0), 'corrupt');
});

// --- lz4 ----------------------------------------------------------------------------------------

const LZ4_MAGIC = Buffer.from([0x04, 0x22, 0x4d, 0x18]);

function lz4Frame(
  flg: number,
  bd: number,
  blocks: Buffer[],
  options: { contentSize?: number; hc?: number } = {},
) {
  const descriptor = [flg, bd];
  if (options.contentSize !== undefined) {
    const cs = Buffer.alloc(8);
    cs.writeBigUInt64LE(BigInt(options.contentSize));
    descriptor.push(...cs);
  }
  const hc = options.hc ?? (xxhash32(Buffer.from(descriptor)) >>> 8) & 0xff;
  return Buffer.concat([LZ4_MAGIC, Buffer.from(descriptor), Buffer.from([hc]), ...blocks, Buffer.alloc(4)]);
}

function le32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
}

/** A stored (uncompressed) block. */
function storedBlock(data: Buffer): Buffer {
  return Buffer.concat([le32((data.length | 0x80000000) >>> 0), data]);
}

/** A hand-encoded LZ4 block: one literal run, then a match of `matchLength` at `offset`. */
function lz4Block(literal: Buffer, offset: number, matchLength: number): Buffer {
  const lit = literal.length;
  const ml = matchLength - 4;
  const token = (Math.min(lit, 15) << 4) | Math.min(ml, 15);
  const bytes: number[] = [token];
  const ext = (n: number) => {
    let rest = n - 15;
    while (rest >= 255) {
      bytes.push(255);
      rest -= 255;
    }
    bytes.push(rest);
  };
  if (lit >= 15) ext(lit);
  bytes.push(...literal, offset & 0xff, offset >> 8);
  if (ml >= 15) ext(ml);
  // The format ends every block with a literal-only sequence of at least 5 bytes.
  bytes.push(5 << 4, ...Buffer.from('tail!'));
  const body = Buffer.from(bytes);
  return Buffer.concat([le32(body.length), body]);
}

test('lz4: writes the frame Kafka Java writes: FLG 0x60, BD 0x40, 64 KiB blocks, stored incompressible blocks', (t) => {
  if (!available(Compression.Lz4, t)) return;
  const data = Buffer.concat([textBytes(rng(9), 131_072), randomBytes(rng(10), 70_000)]);
  const packed = compressSync(Compression.Lz4, data);
  assert.ok(packed.subarray(0, 4).equals(LZ4_MAGIC));
  assert.equal(packed[4], 0x60);
  assert.equal(packed[5], 0x40);
  assert.equal(packed[6], (xxhash32(Buffer.from([0x60, 0x40])) >>> 8) & 0xff);
  const blocks: Array<{ size: number; stored: boolean }> = [];
  let pos = 7;
  for (;;) {
    const word = packed.readUInt32LE(pos);
    pos += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    blocks.push({ size, stored: word >= 0x80000000 });
    pos += size;
  }
  assert.equal(pos, packed.length, 'nothing after the end mark');
  assert.equal(blocks.length, Math.ceil(data.length / 65536));
  assert.ok(!blocks[0].stored);
  assert.ok(blocks[2].stored && blocks[2].size === 65536, 'random data stored');
});

test('lz4: reads frames with other block sizes, checksums and a content size (lz4_flex frames)', async (t) => {
  if (!available(Compression.Lz4, t)) return;
  const lz4 = require('lz4-napi') as {
    compressFrameSync(d: Buffer, o?: { contentChecksum?: boolean; blockChecksums?: boolean }): Buffer;
  };
  const data = textBytes(rng(11), 700_000);
  for (const options of [{}, { contentChecksum: true, blockChecksums: true }]) {
    const frame = lz4.compressFrameSync(data, options);
    const out = await both(Compression.Lz4, frame, data.length);
    assert.ok(Buffer.isBuffer(out) && out.equals(data), JSON.stringify(options));
    if (Object.keys(options).length > 0) {
      for (const at of [30, frame.length - 1]) {
        const flipped = Buffer.from(frame);
        flipped[at] ^= 1; // a block's data (block checksum), then the content checksum
        assert.equal(await reason(Compression.Lz4, flipped), 'corrupt', `flip at ${at}`);
      }
    }
  }
});

test('lz4: hand-built frames: stored blocks, a match, dependent blocks, content size, skippable frames', async (t) => {
  if (!available(Compression.Lz4, t)) return;
  const literal = Buffer.from('0123456789abcdefXYZ');
  const expanded = Buffer.concat([
    literal,
    Buffer.alloc(300, 0).map((_, i) => literal[i % 19]),
    Buffer.from('tail!'),
  ]);
  const block = lz4Block(literal, 19, 300);
  const plain = lz4Frame(0x60, 0x40, [block]);
  let out = await both(Compression.Lz4, plain, 10_000);
  assert.ok(Buffer.isBuffer(out) && out.equals(expanded), 'literal + overlapping match');

  // A dependent block (FLG 0x40): its match reaches back into the previous block.
  const second = lz4Block(Buffer.from('!'), 25, 40);
  const secondOut = Buffer.concat([Buffer.from('!'), Buffer.alloc(40)]);
  const withPrev = Buffer.concat([expanded, secondOut]);
  for (let i = 0; i < 40; i++) withPrev[expanded.length + 1 + i] = withPrev[expanded.length + 1 + i - 25];
  const linked = lz4Frame(0x40, 0x40, [block, second]);
  out = await both(Compression.Lz4, linked, 10_000);
  assert.ok(Buffer.isBuffer(out) && out.equals(Buffer.concat([withPrev, Buffer.from('tail!')])), 'dependent');
  assert.equal(
    await reason(Compression.Lz4, lz4Frame(0x60, 0x40, [block, second])),
    'corrupt',
    'same blocks, independent',
  );

  // Stored blocks and a content size (FLG 0x68).
  const stored = lz4Frame(
    0x68,
    0x40,
    [storedBlock(Buffer.from('hello ')), storedBlock(Buffer.from('world'))],
    {
      contentSize: 11,
    },
  );
  out = await both(Compression.Lz4, stored, 11);
  assert.ok(Buffer.isBuffer(out) && out.toString() === 'hello world');
  const wrongSize = lz4Frame(0x68, 0x40, [storedBlock(Buffer.from('hello'))], { contentSize: 6 });
  assert.equal(await reason(Compression.Lz4, wrongSize), 'corrupt');

  // Two frames with a skippable frame between them.
  const skippable = Buffer.concat([le32(0x184d2a53), le32(3), Buffer.from('zzz')]);
  const frameA = lz4Frame(0x60, 0x40, [storedBlock(Buffer.from('A'))]);
  const frameB = lz4Frame(0x60, 0x70, [storedBlock(Buffer.from('B'))]);
  out = await both(Compression.Lz4, Buffer.concat([frameA, skippable, frameB]), 10);
  assert.ok(Buffer.isBuffer(out) && out.toString() === 'AB');
});

test('lz4: hostile frames', async (t) => {
  if (!available(Compression.Lz4, t)) return;
  const ok = lz4Frame(0x60, 0x40, [storedBlock(Buffer.from('data'))]);
  assert.equal(await reason(Compression.Lz4, ok), 'ok');
  // A content size of 2^50 is refused before anything is decoded.
  assert.equal(
    await reason(Compression.Lz4, lz4Frame(0x68, 0x40, [], { contentSize: 2 ** 50 })),
    'too-large',
  );
  // Kafka 0.8's broken header checksum (over the magic too) is refused for magic 2 batches.
  const broken = (xxhash32(Buffer.concat([LZ4_MAGIC, Buffer.from([0x60, 0x40])])) >>> 8) & 0xff;
  assert.equal(
    await reason(Compression.Lz4, lz4Frame(0x60, 0x40, [storedBlock(Buffer.from('x'))], { hc: broken })),
    'corrupt',
  );
  const cases: Array<[string, Buffer, DecompressionReason]> = [
    ['empty', Buffer.alloc(0), 'corrupt'],
    ['bad magic', Buffer.concat([Buffer.from([1, 2, 3, 4]), ok.subarray(4)]), 'corrupt'],
    ['version 0', lz4Frame(0x20, 0x40, [storedBlock(Buffer.from('x'))]), 'corrupt'],
    ['reserved BD bit', lz4Frame(0x60, 0x41, [storedBlock(Buffer.from('x'))]), 'corrupt'],
    ['block size id 3', lz4Frame(0x60, 0x30, [storedBlock(Buffer.from('x'))]), 'corrupt'],
    ['dictionary', lz4Frame(0x61, 0x40, []), 'unsupported'],
    ['block over the maximum', lz4Frame(0x60, 0x40, [storedBlock(Buffer.alloc(65537))]), 'corrupt'],
    [
      'compressed block over the maximum',
      lz4Frame(0x60, 0x40, [le32(70_000), Buffer.alloc(70_000)]),
      'corrupt',
    ],
    ['no end mark', ok.subarray(0, ok.length - 4), 'corrupt'],
    ['truncated block', ok.subarray(0, 14), 'corrupt'],
    ['trailing bytes', Buffer.concat([ok, Buffer.from([1, 2])]), 'corrupt'],
    [
      'garbage block',
      lz4Frame(0x60, 0x40, [le32(6), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]),
      'corrupt',
    ],
    ['offset before the start', lz4Frame(0x60, 0x40, [lz4Block(Buffer.from('ab'), 5, 10)]), 'corrupt'],
  ];
  for (const [label, input, want] of cases) assert.equal(await reason(Compression.Lz4, input), want, label);
  // A frame of many stored blocks: bounded by the budget, block by block.
  const many = lz4Frame(
    0x60,
    0x40,
    Array.from({ length: 100 }, () => storedBlock(Buffer.alloc(1000))),
  );
  assert.equal(await reason(Compression.Lz4, many, 100_000), 'ok');
  assert.equal(await reason(Compression.Lz4, many, 99_999), 'too-large');
});

// --- zstd ---------------------------------------------------------------------------------------

const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

function zstdBlock(type: 'raw' | 'rle', size: number, last: boolean, fill = 0x61): Buffer {
  const header = Buffer.alloc(3);
  header.writeUIntLE((size << 3) | ((type === 'raw' ? 0 : 1) << 1) | (last ? 1 : 0), 0, 3);
  return Buffer.concat([header, type === 'raw' ? Buffer.alloc(size, fill) : Buffer.from([fill])]);
}

/** A frame without a content size and with a 128 KiB window (descriptor 0x00, window byte 0x38). */
function zstdFrame(blocks: Buffer[], descriptor = 0x00, extra: number[] = [0x38]): Buffer {
  return Buffer.concat([ZSTD_MAGIC, Buffer.from([descriptor, ...extra]), ...blocks]);
}

test('zstd: writes one standard frame with its content size', (t) => {
  if (!available(Compression.Zstd, t)) return;
  const packed = compressSync(Compression.Zstd, textBytes(rng(12), 50_000));
  assert.ok(packed.subarray(0, 4).equals(ZSTD_MAGIC));
  assert.ok(packed[4] >>> 6 !== 0 || (packed[4] & 0x20) !== 0, 'frame content size present');
});

test('zstd: hand-built frames: raw and RLE blocks, no content size, multiple and skippable frames', async (t) => {
  if (!available(Compression.Zstd, t)) return;
  const frame = zstdFrame([zstdBlock('raw', 5, false, 0x62), zstdBlock('rle', 100_000, true, 0x63)]);
  const expected = Buffer.concat([Buffer.alloc(5, 0x62), Buffer.alloc(100_000, 0x63)]);
  let out = await both(Compression.Zstd, frame, 200_000);
  assert.ok(Buffer.isBuffer(out) && out.equals(expected));
  const skippable = Buffer.concat([le32(0x184d2a5f), le32(2), Buffer.from('..')]);
  const compressed = compressSync(Compression.Zstd, Buffer.from('and a real one'));
  out = await both(Compression.Zstd, Buffer.concat([skippable, frame, compressed, frame]), 500_000);
  assert.ok(
    Buffer.isBuffer(out) && out.equals(Buffer.concat([expected, Buffer.from('and a real one'), expected])),
  );
  // The budget counts across frames.
  assert.equal(await reason(Compression.Zstd, Buffer.concat([frame, frame]), 2 * 100_005 - 1), 'too-large');
});

test('zstd: hostile frames', async (t) => {
  if (!available(Compression.Zstd, t)) return;
  // The largest window the WASM build decodes (2^30) still works.
  const wide = await both(Compression.Zstd, zstdFrame([zstdBlock('rle', 5, true)], 0x00, [0xa0]), 10);
  assert.ok(Buffer.isBuffer(wide) && wide.toString() === 'aaaaa');
  // An RLE bomb: 1000 blocks of 4 bytes, each claiming 128 KiB (125 MiB in all).
  const bomb = zstdFrame(Array.from({ length: 1000 }, (_, i) => zstdBlock('rle', 128 * 1024, i === 999)));
  assert.equal(await reason(Compression.Zstd, bomb, MiB), 'too-large');
  // A content size of 2^40 (8-byte field, descriptor 0xC0) is refused before decoding.
  const huge = Buffer.alloc(8);
  huge.writeBigUInt64LE(2n ** 40n);
  assert.equal(
    await reason(Compression.Zstd, zstdFrame([zstdBlock('raw', 1, true)], 0xc0, [0x38, ...huge])),
    'too-large',
  );
  // A content size smaller than the blocks hold.
  const small = zstdFrame([zstdBlock('raw', 100, true)], 0x20, [10]);
  assert.equal(await reason(Compression.Zstd, small), 'corrupt');
  // A content size larger than its blocks can hold.
  const large = zstdFrame([zstdBlock('raw', 100, true)], 0x20, [200]);
  assert.equal(await reason(Compression.Zstd, large), 'corrupt');
  const cases: Array<[string, Buffer, DecompressionReason]> = [
    ['empty', Buffer.alloc(0), 'corrupt'],
    ['bad magic', Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]), 'corrupt'],
    ['truncated header', ZSTD_MAGIC, 'corrupt'],
    ['reserved bit', zstdFrame([zstdBlock('raw', 1, true)], 0x08), 'corrupt'],
    ['dictionary', zstdFrame([zstdBlock('raw', 1, true)], 0x01, [0x38, 7]), 'unsupported'],
    ['reserved block type', zstdFrame([Buffer.from([0x07, 0, 0])]), 'corrupt'],
    ['window of 2^31', zstdFrame([zstdBlock('rle', 5, true)], 0x00, [0xa8]), 'unsupported'],
    ['window of 2^41', zstdFrame([zstdBlock('rle', 5, true)], 0x00, [0xf8]), 'unsupported'],
    ['block over 128 KiB', zstdFrame([zstdBlock('rle', 128 * 1024 + 1, true)]), 'corrupt'],
    ['no last block', zstdFrame([zstdBlock('raw', 10, false)]), 'corrupt'],
    ['truncated raw block', zstdFrame([zstdBlock('raw', 10, true)]).subarray(0, 15), 'corrupt'],
    ['trailing bytes', Buffer.concat([zstdFrame([zstdBlock('raw', 1, true)]), Buffer.from([0])]), 'corrupt'],
    [
      'garbage compressed block',
      zstdFrame([Buffer.from([0x25, 0, 0]), Buffer.from([0xff, 0xff, 0xff, 0xff])]),
      'corrupt',
    ],
  ];
  for (const [label, input, want] of cases) assert.equal(await reason(Compression.Zstd, input), want, label);
});

test('gzip: multi-member streams and hostile inputs', async () => {
  const out = await both(Compression.Gzip, Buffer.concat([gzipSync('ab'), gzipSync('cd')]), 10);
  assert.ok(Buffer.isBuffer(out) && out.toString() === 'abcd');
  assert.equal(await reason(Compression.Gzip, Buffer.from('not gzip at all')), 'corrupt');
  assert.equal(await reason(Compression.Gzip, gzipSync(Buffer.alloc(1000)).subarray(0, 15)), 'corrupt');
  assert.equal(await reason(Compression.Gzip, gzipSync('abc'), 2), 'too-large');
});
