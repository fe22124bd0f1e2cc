// CRC-32C (Castagnoli), the checksum of RecordBatch v2. The native SIMD implementation from
// @node-rs/crc32 is used when it loads (it ships prebuilt binaries through npm); otherwise a
// pure-TypeScript slicing-by-8 fallback. SAMSA_CRC32C=js forces the fallback (tests, benchmarks).
import { createRequire } from 'node:module';

type CrcFn = (input: Uint8Array, initial?: number) => number;

const POLY_REFLECTED = 0x82f63b78;
const TABLES = buildTables();

function buildTables(): Uint32Array[] {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY_REFLECTED : c >>> 1;
    tables[0][n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[0][n];
    for (let t = 1; t < 8; t++) {
      c = tables[0][c & 0xff] ^ (c >>> 8);
      tables[t][n] = c >>> 0;
    }
  }
  return tables;
}

/** Pure-TypeScript CRC-32C, slicing-by-8. `initial` continues a previous checksum. */
export function crc32cFallback(input: Uint8Array, initial = 0): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES;
  let crc = ~initial >>> 0;
  let i = 0;
  const end8 = input.length - (input.length % 8);
  while (i < end8) {
    const a = (input[i] | (input[i + 1] << 8) | (input[i + 2] << 16) | (input[i + 3] << 24)) ^ crc;
    crc =
      t7[a & 0xff] ^
      t6[(a >>> 8) & 0xff] ^
      t5[(a >>> 16) & 0xff] ^
      t4[a >>> 24] ^
      t3[input[i + 4]] ^
      t2[input[i + 5]] ^
      t1[input[i + 6]] ^
      t0[input[i + 7]];
    i += 8;
  }
  while (i < input.length) crc = t0[(crc ^ input[i++]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

function loadNative(): CrcFn | null {
  if (process.env.SAMSA_CRC32C === 'js') return null;
  try {
    const require = createRequire(import.meta.url);
    const mod = require('@node-rs/crc32') as { crc32c: (input: Uint8Array, initial?: number) => number };
    // Verify against the standard check value before trusting the binary.
    if (mod.crc32c(Buffer.from('123456789')) !== 0xe3069283) return null;
    return (input, initial = 0) => mod.crc32c(input, initial) >>> 0;
  } catch {
    return null;
  }
}

/** The native implementation, or null when it could not be loaded on this machine. */
export const crc32cNative: CrcFn | null = loadNative();

/** CRC-32C of `input` (unsigned 32-bit), continuing from `initial` when given. */
export const crc32c: CrcFn = crc32cNative ?? crc32cFallback;

/** Which implementation `crc32c` uses. */
export const crc32cImplementation: 'native' | 'js' = crc32cNative ? 'native' : 'js';
