// CRC-32C (Castagnoli), the checksum of RecordBatch v2. The native SIMD implementation from
// @node-rs/crc32 is used when it loads (it ships prebuilt binaries through npm); otherwise a
// pure-TypeScript slicing-by-16 fallback. SAMSA_CRC32C=js forces the fallback (tests, benchmarks).
import { createRequire } from 'node:module';

type CrcFn = (input: Uint8Array, initial?: number) => number;

const POLY_REFLECTED = 0x82f63b78;
const TABLES = buildTables();
/** Word reads below assume little-endian memory, as on every platform Node.js ships for today. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function buildTables(): Int32Array[] {
  // Int32Array, not Uint32Array: entries stay small integers to V8, which keeps the loop fast.
  const tables = Array.from({ length: 16 }, () => new Int32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY_REFLECTED : c >>> 1;
    tables[0][n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[0][n];
    for (let t = 1; t < 16; t++) {
      c = tables[0][c & 0xff] ^ (c >>> 8);
      tables[t][n] = c;
    }
  }
  return tables;
}

/**
 * Pure-TypeScript CRC-32C, slicing-by-16 over aligned 32-bit words (reference/perf.md: 0.8-1.0
 * GB/s here, against 0.5-0.7 for slicing-by-8 over bytes). `initial` continues a previous checksum.
 */
export function crc32cFallback(input: Uint8Array, initial = 0): number {
  const t0 = TABLES[0];
  let crc = ~initial;
  let i = 0;
  const length = input.length;
  if (LITTLE_ENDIAN && length >= 32) {
    const head = (4 - (input.byteOffset & 3)) & 3;
    for (; i < head; i++) crc = t0[(crc ^ input[i]) & 0xff] ^ (crc >>> 8);
    const blocks = (length - i) >>> 4;
    crc = slice16(new Int32Array(input.buffer, input.byteOffset + i, blocks * 4), crc);
    i += blocks * 16;
  }
  for (; i < length; i++) crc = t0[(crc ^ input[i]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}

function slice16(words: Int32Array, crc: number): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15] = TABLES;
  for (let k = 0; k < words.length; k += 4) {
    const a = words[k] ^ crc;
    const b = words[k + 1];
    const c = words[k + 2];
    const d = words[k + 3];
    crc =
      t15[a & 0xff] ^
      t14[(a >>> 8) & 0xff] ^
      t13[(a >>> 16) & 0xff] ^
      t12[a >>> 24] ^
      t11[b & 0xff] ^
      t10[(b >>> 8) & 0xff] ^
      t9[(b >>> 16) & 0xff] ^
      t8[b >>> 24] ^
      t7[c & 0xff] ^
      t6[(c >>> 8) & 0xff] ^
      t5[(c >>> 16) & 0xff] ^
      t4[c >>> 24] ^
      t3[d & 0xff] ^
      t2[(d >>> 8) & 0xff] ^
      t1[(d >>> 16) & 0xff] ^
      t0[d >>> 24];
  }
  return crc;
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
