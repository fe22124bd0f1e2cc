// Record-batch benchmarks: CRC-32C (native and fallback) and the compression codecs.
// `npm run bench:records` runs it alone; runRecordsBench() is for the protocol benchmark.
// Figures are medians of several timed rounds; this machine is shared, so expect noise.
import { pathToFileURL } from 'node:url';
import { crc32cFallback, crc32cNative } from '../src/protocol/records/crc32c.js';
import {
  buildBatch,
  Compression,
  compressionAvailable,
  compressionName,
  compressSync,
  decompress,
  decompressSync,
  type RecordInput,
  readRecords,
  recordsBody,
} from '../src/protocol/records/index.js';

export interface RecordsBenchOptions {
  /** Length of one timed round. */
  roundMs?: number;
  rounds?: number;
  print?: (line: string) => void;
}

const KiB = 1024;
const MiB = 1024 * 1024;

/** Median of `rounds` rounds of `roundMs`: calls per second of a synchronous `fn`. */
function rateSync(fn: () => unknown, roundMs: number, rounds: number): number {
  // Calls go in groups, so reading the clock costs little next to a 1 KiB CRC.
  const group = 32;
  const warmUntil = performance.now() + Math.min(roundMs, 100);
  while (performance.now() < warmUntil) fn();
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let calls = 0;
    const start = performance.now();
    let now = start;
    while (now - start < roundMs) {
      for (let i = 0; i < group; i++) fn();
      calls += group;
      now = performance.now();
    }
    rates.push((calls * 1000) / (now - start));
  }
  return median(rates);
}

/** As rateSync, for an async `fn`, one call in flight. */
async function rateAsync(fn: () => Promise<unknown>, roundMs: number, rounds: number): Promise<number> {
  const warmUntil = performance.now() + Math.min(roundMs, 100);
  while (performance.now() < warmUntil) await fn();
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let calls = 0;
    const start = performance.now();
    let now = start;
    while (now - start < roundMs) {
      await fn();
      calls++;
      now = performance.now();
    }
    rates.push((calls * 1000) / (now - start));
  }
  return median(rates);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

/** Deterministic JSON-like text, compressible about as much as typical payloads. */
function text(seed: number, bytes: number): Buffer {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
  const words = ['order', 'user', 'price', 'click', 'view', 'session', 'device', 'country', 'item', 'total'];
  let out = '{';
  while (out.length < bytes) {
    out += `"${words[(next() * words.length) | 0]}":${(next() * 1e6) | 0},"id":"${Math.floor(next() * 1e12).toString(36)}",`;
  }
  return Buffer.from(out.slice(0, bytes), 'latin1');
}

function pad(s: string, n: number): string {
  return s.padEnd(n);
}

function fmt(n: number, digits = 0): string {
  return n.toFixed(digits).padStart(8);
}

export async function runRecordsBench(options: RecordsBenchOptions = {}): Promise<void> {
  const roundMs = options.roundMs ?? 200;
  const rounds = options.rounds ?? 3;
  const print = options.print ?? ((line: string) => console.log(line));

  print(`CRC-32C (GB/s = 1e9 bytes/s; median of ${rounds} rounds of ${roundMs} ms)`);
  print(`  ${pad('buffer', 10)}${pad('native (@node-rs/crc32)', 26)}fallback (JS slicing-by-16)`);
  for (const size of [MiB, 16 * KiB, KiB]) {
    const buf = text(size, size);
    const native = crc32cNative;
    const nativeRate = native ? rateSync(() => native(buf), roundMs, rounds) : 0;
    const jsRate = rateSync(() => crc32cFallback(buf), roundMs, rounds);
    const label = size >= MiB ? `${size / MiB} MiB` : `${size / KiB} KiB`;
    const nativeText = native ? `${((nativeRate * size) / 1e9).toFixed(2)} GB/s` : 'not loaded';
    print(`  ${pad(label, 10)}${pad(nativeText, 26)}${((jsRate * size) / 1e9).toFixed(2)} GB/s`);
  }

  // A 1 MiB batch of 1 KiB records: the records section is what the codecs see.
  const records: RecordInput[] = Array.from({ length: 1024 }, (_, i) => ({
    key: `key-${i % 64}`,
    value: text(i + 1, KiB - 16),
  }));
  const body = recordsBody(buildBatch(records, { timestampMs: 1_700_000_000_000 }));
  const mb = body.length / 1e6;
  print('');
  print(
    `Codecs on a batch of ${records.length} records of 1 KiB (${body.length} bytes uncompressed; MB/s of`,
  );
  print(
    'uncompressed bytes, 1 MB = 1e6 bytes; async = one call in flight, thread pool where the codec allows)',
  );
  print(
    `  ${pad('codec', 8)}${pad('ratio', 8)}${pad('compress', 12)}${pad('decompress', 12)}decompress async`,
  );
  for (const codec of [Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd]) {
    const name = compressionName(codec);
    if (!compressionAvailable(codec)) {
      print(`  ${pad(name, 8)}unavailable on this machine`);
      continue;
    }
    const packed = compressSync(codec, body);
    const c = rateSync(() => compressSync(codec, body), roundMs, rounds);
    const d = rateSync(() => decompressSync(codec, packed, body.length), roundMs, rounds);
    const a = await rateAsync(() => decompress(codec, packed, body.length), roundMs, rounds);
    const ratio = (body.length / packed.length).toFixed(2);
    print(`  ${pad(name, 8)}${pad(ratio, 8)}${pad(fmt(c * mb), 12)}${pad(fmt(d * mb), 12)}${fmt(a * mb)}`);
  }

  print('');
  print('Batch build and read, same 1024 records (includes encoding, compression and CRC-32C)');
  print(`  ${pad('codec', 8)}${pad('build MB/s', 14)}read MB/s (readRecords, all records)`);
  for (const codec of [Compression.None, Compression.Lz4, Compression.Zstd]) {
    if (!compressionAvailable(codec)) continue;
    const batch = buildBatch(records, { compression: codec });
    const b = rateSync(() => buildBatch(records, { compression: codec }), roundMs, rounds);
    const r = rateSync(
      () => {
        let n = 0;
        for (const _ of readRecords(batch)) n++;
        return n;
      },
      roundMs,
      rounds,
    );
    print(`  ${pad(compressionName(codec), 8)}${pad(fmt(b * mb), 14)}${fmt(r * mb)}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runRecordsBench();
}
