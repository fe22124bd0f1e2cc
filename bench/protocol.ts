// npm run bench:protocol — the protocol layer's hot paths, printed with their medians:
// decode and re-encode of a Produce request carrying 1 MiB of records, building a Fetch response
// from 1 MiB of stored batches, and CRC-32C (native and fallback). Record bytes are never copied on
// these paths; the "copied bytes" column checks it.

import { decodeRequest, encodeRequestFrame, encodeResponseFrame } from '../src/protocol/frame.js';
import { crc32cFallback, crc32cNative } from '../src/protocol/records/crc32c.js';
import { buildBatch } from '../src/protocol/records/record.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Runs `fn` in rounds for about `ms` and returns the median time per call in microseconds. */
function timeIt(fn: () => void, ms = 600): number {
  for (let i = 0; i < 50; i++) fn();
  const rounds: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) fn();
    rounds.push(((performance.now() - t0) * 1000) / 20);
  }
  return median(rounds);
}

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(2);
}

const records = Array.from({ length: 1024 }, (_, i) => ({
  key: `key-${i}`,
  value: Buffer.alloc(1000, i % 256),
}));
const batch = buildBatch(records, { timestampMs: 1_700_000_000_000 });
const produceBody = {
  transactionalId: null,
  acks: 1,
  timeoutMs: 30000,
  topicData: [{ name: 'bench', partitionData: [{ index: 0, records: batch }] }],
};

console.log(
  `protocol benchmark (node ${process.version}); batch of ${records.length} records, ${mib(batch.length)} MiB`,
);
console.log('');

for (const version of [7, 9, 11]) {
  const frame = Buffer.concat(encodeRequestFrame(0, version, 1, 'bench', produceBody)).subarray(4);
  let decoded: ReturnType<typeof decodeRequest<typeof produceBody>> | undefined;
  const decodeUs = timeIt(() => {
    decoded = decodeRequest<typeof produceBody>(frame);
  });
  const records0 = decoded?.body.topicData[0].partitionData[0].records as Buffer;
  const zeroCopy = records0.buffer === frame.buffer;
  const encodeUs = timeIt(() => {
    encodeRequestFrame(0, version, 1, 'bench', decoded?.body);
  });
  const chunks = encodeRequestFrame(0, version, 1, 'bench', decoded?.body);
  const referenced = chunks.some((c) => c === records0 || c.buffer === records0.buffer);
  console.log(
    `Produce v${version} request, 1 MiB records: decode ${decodeUs.toFixed(2)} µs (records ${zeroCopy ? 'not copied' : 'COPIED'}), ` +
      `re-encode ${encodeUs.toFixed(2)} µs (records ${referenced ? 'referenced' : 'COPIED'})`,
  );
}

const stored = Array.from({ length: 64 }, (_, i) =>
  buildBatch(records.slice(0, 16), { baseOffset: i * 16, timestampMs: 1_700_000_000_000 }),
);
const storedBytes = stored.reduce((n, b) => n + b.length, 0);
for (const version of [4, 11, 13, 16]) {
  const response = {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: [
      {
        topic: 'bench',
        topicId: 'AAAAAAAAAAAAAAAAAAAAAg',
        partitions: [
          {
            partitionIndex: 0,
            errorCode: 0,
            highWatermark: 1024,
            lastStableOffset: 1024,
            logStartOffset: 0,
            abortedTransactions: null,
            preferredReadReplica: -1,
            records: stored,
          },
        ],
      },
    ],
  };
  const us = timeIt(() => {
    encodeResponseFrame(1, version, 1, response);
  });
  const chunks = encodeResponseFrame(1, version, 1, response);
  const copied = chunks.reduce((n, c) => n + (stored.includes(c) ? 0 : c.length), 0);
  console.log(
    `Fetch v${version} response from ${stored.length} stored batches (${mib(storedBytes)} MiB): build ${us.toFixed(2)} µs, ${chunks.length} chunks, ${copied} bytes copied`,
  );
}

console.log('');
const sizes = [1024 * 1024, 16 * 1024, 1024];
for (const size of sizes) {
  const buf = Buffer.alloc(size, 7);
  const native = crc32cNative;
  const gbps = (fn: (b: Buffer) => number) => size / (timeIt(() => fn(buf), 400) * 1e-6) / 1e9;
  const nativeGbps = native ? gbps((b) => native(b)).toFixed(2) : 'unavailable';
  console.log(
    `CRC-32C ${String(size / 1024).padStart(4)} KiB: native ${nativeGbps} GB/s, fallback ${gbps((b) => crc32cFallback(b)).toFixed(2)} GB/s`,
  );
}
