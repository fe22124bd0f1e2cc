// Shared helpers of the storage tests: a seeded random source, batch builders and log inspection.
import { readBatchHeader } from '../../src/protocol/records/batch.js';
import { buildBatch, type RecordInput, readRecords } from '../../src/protocol/records/record.js';
import { MemoryFileSystem } from '../../src/storage/fs-memory.js';
import { type LogConfig, PartitionLog, type PartitionLogOptions } from '../../src/storage/index.js';

/** mulberry32: a small, fast, seedable PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

/** Seeds for a randomized test: SAMSA_STORAGE_SEEDS=n runs n seeds (default `dflt`), SAMSA_STORAGE_SEED=s one. */
export function seeds(dflt: number, base: number): number[] {
  const one = process.env.SAMSA_STORAGE_SEED;
  if (one) return [Number(one)];
  const n = Number(process.env.SAMSA_STORAGE_SEEDS ?? dflt);
  return Array.from({ length: n }, (_, i) => base + i);
}

export const T0 = 1_700_000_000_000;

export function batchOf(values: string[], options: Parameters<typeof buildBatch>[1] = {}): Buffer {
  const records: RecordInput[] = values.map((v) => ({ key: null, value: v }));
  return buildBatch(records, { timestampMs: T0, ...options });
}

export function keyedBatch(
  records: { key: string; value: string | null; timestamp?: number }[],
  options: Parameters<typeof buildBatch>[1] = {},
): Buffer {
  return buildBatch(records, { timestampMs: T0, ...options });
}

/** All records of the batches in `chunks`, as [offset, value] (value null for tombstones). */
export function recordsOf(
  chunks: Buffer[],
): { offset: number; key: string | null; value: string | null; timestamp: number }[] {
  const out: { offset: number; key: string | null; value: string | null; timestamp: number }[] = [];
  for (const chunk of chunks) {
    let pos = 0;
    while (pos < chunk.length) {
      const h = readBatchHeader(chunk, pos);
      for (const r of readRecords(chunk, pos)) {
        out.push({
          offset: r.offset,
          key: r.key ? r.key.toString() : null,
          value: r.value ? r.value.toString() : null,
          timestamp: r.timestamp,
        });
      }
      pos += h.sizeBytes;
    }
  }
  return out;
}

/** Reads the whole log (from `from`) through `read`, following offsets; returns its records. */
export async function readAll(log: PartitionLog, from = log.logStartOffset, maxBytes = 64 * 1024) {
  const out: { offset: number; key: string | null; value: string | null; timestamp: number }[] = [];
  let offset = from;
  for (let guard = 0; guard < 1_000_000; guard++) {
    if (offset >= log.logEndOffset) break;
    const res = await log.read(offset, maxBytes);
    if (res.kind !== 'data') throw new Error(`read at ${offset}: ${JSON.stringify(res)}`);
    if (res.records.length === 0)
      throw new Error(`read at ${offset} returned nothing below LEO ${log.logEndOffset}`);
    for (const r of recordsOf(res.records)) if (r.offset >= offset) out.push(r);
    offset = res.lastOffset + 1;
  }
  return out;
}

export async function openMem(
  fs: MemoryFileSystem,
  config: Partial<LogConfig> = {},
  options: Partial<PartitionLogOptions> = {},
  dir = '/data/t-0',
): Promise<PartitionLog> {
  return PartitionLog.open(dir, config, { fs, now: () => T0, ...options });
}

export { MemoryFileSystem };
