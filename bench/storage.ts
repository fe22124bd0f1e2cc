// Storage benchmark (`npm run bench:storage`). Prints, in one run:
//  - append throughput of PartitionLog with 1 MiB and 16 KiB batches, next to plain fs.write calls of
//    the same bytes to the same disk (alternating rounds; the figure is the median of the per-round
//    log/plain ratios, which is robust to the machine's speed drifting between rounds);
//  - tail-read throughput (served from the tail cache) and file-read throughput (from the segment files,
//    OS page cache warm: dropping the page cache would need root and disturb other work on the machine);
//  - recovery time of a 1 GiB log with a torn tail (no clean shutdown, recovery point 0).
// Works in a directory under the OS temp dir, removed at the end, also on failure or Ctrl-C.
import { randomFillSync } from 'node:crypto';
import * as nodeFs from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { crc32c, crc32cImplementation } from '../src/protocol/records/crc32c.js';
import { buildBatch } from '../src/protocol/records/record.js';
import { PartitionLog, RealFileSystem } from '../src/storage/index.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

function gbps(bytes: number, ms: number): string {
  return `${(bytes / 1e9 / (ms / 1000)).toFixed(2)} GB/s`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** `count` distinct batches of about `batchBytes`, each holding 1 KiB records of random bytes. */
function makeBatches(count: number, batchBytes: number): Buffer[] {
  const value = randomFillSync(Buffer.alloc(1000));
  const perBatch = Math.max(1, Math.floor(batchBytes / 1010));
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const records = Array.from({ length: perBatch }, (_, j) => ({
      key: null,
      value: j === 0 ? randomFillSync(Buffer.alloc(1000)) : value,
    }));
    out.push(buildBatch(records, { timestampMs: Date.now() }));
  }
  return out;
}

async function plainWrite(file: string, batches: Buffer[], totalBytes: number): Promise<number> {
  const fd = nodeFs.openSync(file, 'w');
  const t0 = performance.now();
  let pos = 0;
  let i = 0;
  while (pos < totalBytes) {
    const b = batches[i++ % batches.length];
    await new Promise<void>((res, rej) =>
      nodeFs.write(fd, b, 0, b.length, pos, (err) => (err ? rej(err) : res())),
    );
    pos += b.length;
  }
  const ms = performance.now() - t0;
  nodeFs.closeSync(fd);
  nodeFs.unlinkSync(file);
  return ms;
}

/** The floor under any validating log: CRC-32C of each batch on the main thread, pipelined with the writes. */
async function crcAndWrite(file: string, batches: Buffer[], totalBytes: number): Promise<number> {
  const fd = nodeFs.openSync(file, 'w');
  const t0 = performance.now();
  let pos = 0;
  let i = 0;
  let inFlight: Promise<void> = Promise.resolve();
  while (pos < totalBytes) {
    const b = batches[i++ % batches.length];
    if (crc32c(b.subarray(21)) !== b.readUInt32BE(17)) throw new Error('bad CRC');
    await inFlight;
    const at = pos;
    inFlight = new Promise<void>((res, rej) =>
      nodeFs.write(fd, b, 0, b.length, at, (err) => (err ? rej(err) : res())),
    );
    pos += b.length;
  }
  await inFlight;
  const ms = performance.now() - t0;
  nodeFs.closeSync(fd);
  nodeFs.unlinkSync(file);
  return ms;
}

/**
 * Appends `totalBytes` to a fresh log as a broker would: one append per event-loop turn (as produce
 * requests arrive in separate socket events), with at most `pool` batches outstanding (a buffer is reused
 * only once its write has finished, since the log keeps and patches the buffers it is given). Returns the
 * elapsed time until the last write finished.
 */
async function logAppend(
  dir: string,
  batches: Buffer[],
  totalBytes: number,
  perTurn: number,
  crcVerified = false,
): Promise<number> {
  const log = await PartitionLog.open(dir, { tailCacheBytes: 0 }, { fs: new RealFileSystem() });
  const pending: (Promise<void> | null)[] = batches.map(() => null);
  const t0 = performance.now();
  let bytes = 0;
  let i = 0;
  while (bytes < totalBytes) {
    const slot = i++ % batches.length;
    const inFlight = pending[slot];
    if (inFlight) await inFlight;
    // Each request is its own I/O event: the event loop runs (and sees finished writes) in between.
    if (i % perTurn === 0) await new Promise((res) => setImmediate(res));
    const b = batches[slot];
    const res = log.append(b, { leaderEpoch: 0, crcVerified });
    if (res.kind !== 'appended') throw new Error(`append refused: ${JSON.stringify(res)}`);
    pending[slot] = res.written;
    bytes += b.length;
  }
  await Promise.all(pending);
  const ms = performance.now() - t0;
  await log.closeWithoutFlush();
  nodeFs.rmSync(dir, { recursive: true, force: true });
  return ms;
}

interface Variant {
  name: string;
  run: (round: number) => Promise<number>;
  times: number[];
}

async function appendComparison(
  root: string,
  label: string,
  batchBytes: number,
  totalBytes: number,
  pool: number,
  perTurn: number,
  rounds: number,
) {
  const batches = makeBatches(pool, batchBytes);
  const variants: Variant[] = [
    {
      name: 'plain fs.write',
      times: [],
      run: (r) => plainWrite(join(root, `plain-${r}.bin`), batches, totalBytes),
    },
    {
      name: 'log append',
      times: [],
      run: (r) => logAppend(join(root, `append${batchBytes}-${r}`), batches, totalBytes, perTurn),
    },
    {
      name: 'log append, CRC verified by the caller',
      times: [],
      run: (r) => logAppend(join(root, `verified${batchBytes}-${r}`), batches, totalBytes, perTurn, true),
    },
    {
      name: 'CRC-32C + pipelined fs.write, no log',
      times: [],
      run: (r) => crcAndWrite(join(root, `crc-${r}.bin`), batches, totalBytes),
    },
  ];
  for (let r = 0; r < rounds; r++) {
    // Rotate the order every round, so a drift in the machine's speed favours none of them.
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(r + k) % variants.length];
      v.times.push(await v.run(r));
    }
  }
  const plain = variants[0].times;
  const lines = variants.map((v) => {
    // Each round's ratio to the plain writes of the same round; the median of those is the figure.
    const ratios = v.times.map((t, i) => plain[i] / t);
    const ratio = v === variants[0] ? '' : `   ${(median(ratios) * 100).toFixed(0)}% of plain`;
    const perSec = Math.round(Math.ceil(totalBytes / batches[0].length) / (median(v.times) / 1000));
    return `  ${v.name.padEnd(40)} ${gbps(totalBytes, median(v.times)).padStart(10)} (${perSec.toLocaleString('en-US')} batches/s)${ratio}`;
  });
  const detail = variants.map(
    (v) => `${v.name}: ${v.times.map((t) => gbps(totalBytes, t).replace(' GB/s', '')).join(' ')}`,
  );
  return { label, lines, detail };
}

async function readThroughput(root: string) {
  const dir = join(root, 'reads-0');
  const total = 512 * MiB;
  const batches = makeBatches(64, MiB);
  // A tail cache large enough for the last 256 MiB, as a broker might give a hot partition.
  const log = await PartitionLog.open(
    dir,
    { tailCacheBytes: 256 * MiB, segmentBytes: 128 * MiB },
    { fs: new RealFileSystem() },
  );
  let bytes = 0;
  let i = 0;
  let last: Promise<void> = Promise.resolve();
  while (bytes < total) {
    const b = Buffer.from(batches[i++ % batches.length]); // fresh buffers: the cache keeps them
    const res = log.append(b, { leaderEpoch: 0 });
    if (res.kind !== 'appended') throw new Error('append refused');
    last = res.written;
    bytes += b.length;
  }
  await last;
  const cacheStart = log.cache.first!.baseOffset;
  const readFrom = async (from: number, to: number) => {
    let offset = from;
    let got = 0;
    const t0 = performance.now();
    while (offset < to) {
      const res = await log.read(offset, MiB, { maxOffset: to });
      if (res.kind !== 'data' || res.records.length === 0) throw new Error(`read stopped at ${offset}`);
      got += res.sizeBytes;
      offset = res.lastOffset + 1;
    }
    return { bytes: got, ms: performance.now() - t0 };
  };
  const tail = await readFrom(cacheStart, log.logEndOffset);
  const file = await readFrom(0, cacheStart);
  await log.closeWithoutFlush();
  nodeFs.rmSync(dir, { recursive: true, force: true });
  return {
    tail: `${gbps(tail.bytes, tail.ms)} (${(tail.bytes / MiB).toFixed(0)} MiB, 1 MiB fetches)`,
    file: `${gbps(file.bytes, file.ms)} (${(file.bytes / MiB).toFixed(0)} MiB, 1 MiB fetches)`,
  };
}

async function recoveryTime(root: string, batchBytes: number) {
  const dir = join(root, `recovery-${batchBytes}-0`);
  const batches = makeBatches(64, batchBytes);
  const fs = new RealFileSystem();
  const log = await PartitionLog.open(dir, { tailCacheBytes: 0 }, { fs });
  let bytes = 0;
  let i = 0;
  const pending: (Promise<void> | null)[] = batches.map(() => null);
  while (bytes < GiB) {
    const slot = i++ % batches.length;
    if (pending[slot]) await pending[slot];
    const res = log.append(batches[slot], { leaderEpoch: 0 });
    if (res.kind !== 'appended') throw new Error('append refused');
    pending[slot] = res.written;
    bytes += batches[slot].length;
  }
  await Promise.all(pending);
  const leo = log.logEndOffset;
  await log.closeWithoutFlush(); // no clean shutdown: no final snapshot, no trimmed index
  // Tear the tail: cut the last batch in half and add a few garbage bytes.
  const active = join(
    dir,
    nodeFs
      .readdirSync(dir)
      .filter((n) => n.endsWith('.log'))
      .sort()
      .pop()!,
  );
  const size = nodeFs.statSync(active).size;
  nodeFs.truncateSync(active, size - Math.floor(batches[0].length / 2));
  nodeFs.appendFileSync(active, randomFillSync(Buffer.alloc(100)));
  for (const n of nodeFs.readdirSync(dir))
    if (n.endsWith('.index') || n.endsWith('.timeindex')) nodeFs.unlinkSync(join(dir, n));
  const t0 = performance.now();
  const reopened = await PartitionLog.open(dir, {}, { fs, recoveryPoint: 0 });
  const ms = performance.now() - t0;
  const rec = reopened.recovery!;
  const ok = reopened.logEndOffset === leo - batches[0].readInt32BE(57);
  await reopened.closeWithoutFlush();
  nodeFs.rmSync(dir, { recursive: true, force: true });
  return {
    ms,
    detail: `${(bytes / GiB).toFixed(2)} GiB in ${Math.ceil(bytes / batches[0].length)} batches of ${batches[0].length} B; ${rec.segmentsRecovered} segments scanned, ${rec.bytesTruncated} bytes truncated; last batch dropped: ${ok}`,
  };
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'samsa-bench-storage-'));
  const cleanup = () => nodeFs.rmSync(root, { recursive: true, force: true });
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    console.log(
      `samsa storage benchmark — node ${process.version}, CRC-32C ${crc32cImplementation}, dir ${root}`,
    );
    console.log(
      'append: PartitionLog.append (header + CRC-32C check, offsets patched, group-committed writev),',
    );
    console.log(
      '        one 1 MiB batch or four 16 KiB batches per event-loop turn, as produce requests arrive;',
    );
    console.log(
      '        plain fs.write: the same buffers to a file, one call in flight; rounds rotate the order\n',
    );
    // A 1 MiB batch is one request per event-loop turn; 16 KiB batches arrive a few per socket read.
    // 8 MiB of appends outstanding (several producers' in-flight requests); buffers are reused once
    // written. 256 MiB a round stays below the kernel's writeback thresholds; many short rounds.
    const big = await appendComparison(root, '1 MiB', MiB, 256 * MiB, 8, 1, 8);
    const small = await appendComparison(root, '16 KiB', 16 * 1024, 128 * MiB, 512, 4, 6);
    for (const r of [big, small]) {
      console.log(
        `append, ${r.label} batches (GB/s = 10^9 B/s, median over rounds; % = median of per-round ratios):`,
      );
      for (const l of r.lines) console.log(l);
      console.log(`  rounds (GB/s): ${r.detail.join('; ')}\n`);
    }
    const reads = await readThroughput(root);
    console.log(`tail read (tail cache, buffers returned by reference): ${reads.tail}`);
    console.log(`file read (segment files, OS page cache warm):         ${reads.file}`);
    const rec = await recoveryTime(root, MiB);
    console.log(`\nrecovery of a 1 GiB log with a torn tail: ${rec.ms.toFixed(0)} ms (${rec.detail})`);
    const rec16 = await recoveryTime(root, 16 * 1024);
    console.log(`recovery of a 1 GiB log with a torn tail: ${rec16.ms.toFixed(0)} ms (${rec16.detail})`);
  } finally {
    cleanup();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
