import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  crc32c,
  crc32cFallback,
  crc32cImplementation,
  crc32cNative,
} from '../../../src/protocol/records/crc32c.js';
import { randomBytes, rng } from './helpers.js';

const implementations = [
  ['fallback', crc32cFallback],
  ...(crc32cNative ? [['native', crc32cNative] as const] : []),
] as const;

// RFC 3720 (iSCSI) appendix B.4 test vectors, plus the usual check value.
const VECTORS: Array<[string, Buffer, number]> = [
  ['"123456789"', Buffer.from('123456789'), 0xe3069283],
  ['32 zero bytes', Buffer.alloc(32), 0x8a9136aa],
  ['32 0xff bytes', Buffer.alloc(32, 0xff), 0x62a8ab43],
  ['0..31', Buffer.from(Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e],
  ['31..0', Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c],
  ['empty', Buffer.alloc(0), 0],
];

for (const [name, fn] of implementations) {
  test(`crc32c ${name}: check values`, () => {
    for (const [label, input, expected] of VECTORS) assert.equal(fn(input), expected, label);
  });
}

test('crc32c uses the native implementation when it loads', (t) => {
  if (!crc32cNative) {
    t.skip('@node-rs/crc32 did not load here: the fallback is in use');
    return;
  }
  assert.equal(crc32cImplementation, 'native');
  assert.equal(crc32c, crc32cNative);
});

test('crc32c native and fallback agree on random buffers of many sizes and offsets', (t) => {
  if (!crc32cNative) {
    t.skip('@node-rs/crc32 did not load here');
    return;
  }
  const native = crc32cNative;
  const next = rng(1);
  const pool = randomBytes(next, 70_000);
  const sizes = [
    ...Array.from({ length: 130 }, (_, i) => i),
    255,
    256,
    1000,
    1023,
    1024,
    4095,
    16384,
    65_537,
  ];
  for (const size of sizes) {
    for (let offset = 0; offset < 8; offset++) {
      const view = pool.subarray(offset, offset + size);
      assert.equal(native(view), crc32cFallback(view), `size ${size} offset ${offset}`);
    }
  }
  // An unaligned view of an ArrayBuffer that is not a Buffer.
  const plain = new Uint8Array(pool.buffer, pool.byteOffset + 3, 5000);
  assert.equal(native(plain), crc32cFallback(plain));
});

for (const [name, fn] of implementations) {
  test(`crc32c ${name}: continues from a previous checksum`, () => {
    const data = randomBytes(rng(2), 10_000);
    const whole = fn(data);
    for (const cut of [0, 1, 7, 8, 9, 4096, 9999, 10_000]) {
      assert.equal(fn(data.subarray(cut), fn(data.subarray(0, cut))), whole, `cut at ${cut}`);
    }
  });
}

test('SAMSA_CRC32C=js forces the fallback', () => {
  const module = fileURLToPath(new URL('../../../src/protocol/records/crc32c.js', import.meta.url));
  const script = `import(${JSON.stringify(module)}).then((m) => console.log(m.crc32cImplementation, m.crc32c(Buffer.from('123456789'))))`;
  const run = spawnSync(process.execPath, ['-e', script], {
    env: { ...process.env, SAMSA_CRC32C: 'js' },
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), `js ${0xe3069283}`);
});
