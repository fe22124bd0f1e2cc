// Byte-level interop with other implementations available on this machine:
// - kafkajs (npm dev dependency): its own RecordBatch encoder and decoder, and its CRC-32C;
// - kafka-python 2.0.2 (Debian python3-kafka) with python3-snappy, python3-lz4 and
//   python3-zstandard: its DefaultRecordBatchBuilder for every codec, its reader for our batches,
//   and raw codec streams made by python-lz4, python-snappy and python-zstandard;
// - a snappy batch built by hand from the xerial and snappy format descriptions.
// Missing tools skip (or fail under CI=true) through test/helpers/tools.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import {
  buildBatch,
  Compression,
  checkBatch,
  compressionAvailable,
  compressionByName,
  compressionName,
  compressSync,
  crc32c,
  DecompressionError,
  decompressSync,
  type KafkaRecord,
  type RecordInput,
  readRecords,
  recordsBody,
  updateCrc,
} from '../../../src/protocol/records/index.js';
import { DEBIAN_PYTHON, needs, type SkippableTest, type Tool } from '../../helpers/tools.js';
import { asBuffer, randomBytes, rng, textBytes } from './helpers.js';

const require = createRequire(import.meta.url);
const T0 = 1_700_000_000_000;
const CODECS = [Compression.None, Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd];

/** Records every implementation can express: kafkajs headers are a map, so keys are unique here. */
function interopRecords(): RecordInput[] {
  const next = rng(21);
  return [
    { key: 'k', value: 'v', timestamp: T0 },
    { key: null, value: textBytes(next, 2000), timestamp: T0 + 7 },
    { key: 'nv', value: null, timestamp: T0 + 3, headers: [{ key: 'h1', value: 'x' }] },
    {
      key: Buffer.alloc(0),
      value: Buffer.alloc(0),
      timestamp: T0 + 1,
      headers: [
        { key: 'a', value: Buffer.from([0, 255]) },
        { key: 'b', value: 'hé' },
      ],
    },
    ...Array.from({ length: 60 }, (_, i) => ({
      key: `key-${i}`,
      value: textBytes(next, 100 + i * 10),
      timestamp: T0 + 100 + i,
    })),
  ];
}

function expected(inputs: RecordInput[], baseOffset = 0): KafkaRecord[] {
  return inputs.map((r, i) => ({
    offset: baseOffset + i,
    timestamp: r.timestamp ?? T0,
    key: asBuffer(r.key),
    value: asBuffer(r.value),
    headers: (r.headers ?? []).map((h) => ({ key: h.key, value: asBuffer(h.value) })),
  }));
}

// --- kafkajs ------------------------------------------------------------------------------------

interface KafkajsEncoder {
  buffer: Buffer;
}
interface KafkajsRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | null>;
}

function kafkajs() {
  return {
    RecordBatch: require('kafkajs/src/protocol/recordBatch/v0').RecordBatch as (
      o: object,
    ) => Promise<KafkajsEncoder>,
    Record: require('kafkajs/src/protocol/recordBatch/record/v0') as (o: object) => KafkajsEncoder,
    Decoder: require('kafkajs/src/protocol/decoder') as new (b: Buffer) => unknown,
    decodeBatch: require('kafkajs/src/protocol/recordBatch/v0/decoder') as (
      d: unknown,
    ) => Promise<{ records: KafkajsRecord[] }>,
    crc32C: require('kafkajs/src/protocol/recordBatch/crc32C') as (b: Buffer) => number,
  };
}

test('kafkajs CRC-32C (pure JS) agrees with ours', () => {
  const k = kafkajs();
  const next = rng(22);
  for (const size of [0, 1, 7, 61, 1000, 65_536]) {
    const data = randomBytes(next, size);
    assert.equal(k.crc32C(data), crc32c(data), `size ${size}`);
  }
});

for (const codec of [Compression.None, Compression.Gzip]) {
  const name = compressionName(codec);
  test(`kafkajs ${name}: its encoder's batch reads here, and ours reads there`, async () => {
    const k = kafkajs();
    const inputs = interopRecords();
    const theirs = (
      await k.RecordBatch({
        compression: codec,
        firstTimestamp: T0,
        maxTimestamp: T0 + 159,
        partitionLeaderEpoch: 0,
        lastOffsetDelta: inputs.length - 1,
        records: inputs.map((r, i) =>
          k.Record({
            offsetDelta: i,
            timestampDelta: (r.timestamp ?? T0) - T0,
            key: asBuffer(r.key),
            value: asBuffer(r.value),
            headers: Object.fromEntries((r.headers ?? []).map((h) => [h.key, asBuffer(h.value)])),
          }),
        ),
      })
    ).buffer;
    const check = checkBatch(theirs);
    assert.ok(check.ok, check.ok ? '' : check.detail);
    assert.equal(check.header.attributes & 7, codec);
    assert.deepEqual([...readRecords(theirs)], expected(inputs));

    const ours = buildBatch(inputs, { compression: codec, timestampMs: T0, baseOffset: 500 });
    const decoded = await k.decodeBatch(new k.Decoder(ours));
    assert.deepEqual(
      decoded.records.map((r) => ({
        offset: Number(r.offset),
        timestamp: Number(r.timestamp),
        key: r.key,
        value: r.value,
        headers: Object.entries(r.headers).map(([key, value]) => ({ key, value })),
      })),
      expected(inputs, 500),
    );
  });
}

// --- kafka-python -------------------------------------------------------------------------------

const PYTHON = DEBIAN_PYTHON;

// Reads a JSON request on stdin, answers JSON on stdout. Bytes travel as hex.
const PYTHON_SCRIPT = `
import json, sys
from kafka import codec as kc
from kafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder

req = json.load(sys.stdin)
h = lambda b: None if b is None else bytes(b).hex()
u = lambda s: None if s is None else bytes.fromhex(s)
have = {'none': True, 'gzip': kc.has_gzip(), 'snappy': kc.has_snappy(), 'lz4': kc.has_lz4(), 'zstd': kc.has_zstd()}
ids = {'none': 0, 'gzip': 1, 'snappy': 2, 'lz4': 3, 'zstd': 4}
out = {'have': have, 'built': {}, 'read': {}, 'streams': {}, 'decoded': {}}

for name, cid in ids.items():
    if not have[name]:
        continue
    b = DefaultRecordBatchBuilder(magic=2, compression_type=cid, is_transactional=0,
                                  producer_id=-1, producer_epoch=-1, base_sequence=-1, batch_size=1 << 22)
    for i, r in enumerate(req['records']):
        b.append(i, timestamp=r['ts'], key=u(r['key']), value=u(r['value']),
                 headers=[(k, u(v)) for k, v in r['headers']])
    out['built'][name] = h(b.build())

for name, hexbatch in req['ours'].items():
    if not have[name]:
        continue
    batch = DefaultRecordBatch(bytes.fromhex(hexbatch))
    out['read'][name] = {
        'crc': batch.validate_crc(),
        'compression': batch.compression_type,
        'records': [{'offset': r.offset, 'ts': r.timestamp, 'key': h(r.key), 'value': h(r.value),
                     'headers': [[k, h(v)] for k, v in r.headers]} for r in batch],
    }

payload = bytes.fromhex(req['payload'])
streams = out['streams']
if have['snappy']:
    import snappy
    streams['snappy raw (python-snappy)'] = ['snappy', h(snappy.compress(payload))]
    streams['snappy xerial, 4 KiB blocks (kafka-python)'] = ['snappy', h(kc.snappy_encode(payload, xerial_blocksize=4096))]
if have['lz4']:
    import lz4.frame as f
    streams['lz4 kafka-python'] = ['lz4', h(kc.lz4_encode(payload))]
    streams['lz4 linked 64 KiB blocks, all checksums, size'] = ['lz4', h(f.compress(
        payload, block_size=f.BLOCKSIZE_MAX64KB, block_linked=True, content_checksum=True,
        block_checksum=True, store_size=True))]
    streams['lz4 4 MiB blocks, high compression'] = ['lz4', h(f.compress(
        payload, block_size=f.BLOCKSIZE_MAX4MB, compression_level=f.COMPRESSIONLEVEL_MINHC))]
if have['zstd']:
    import zstandard as z
    streams['zstd kafka-python'] = ['zstd', h(kc.zstd_encode(payload))]
    streams['zstd no content size, checksum'] = ['zstd', h(z.ZstdCompressor(
        level=3, write_content_size=False, write_checksum=True).compress(payload))]
    c9 = z.ZstdCompressor(level=9, write_content_size=False).compressobj()
    streams['zstd level 9, streamed'] = ['zstd', h(c9.compress(payload) + c9.flush())]
    co = z.ZstdCompressor(level=1, write_content_size=False).compressobj()
    streams['zstd compressobj with flushes'] = ['zstd', h(b''.join(
        [co.compress(payload[i:i + 10000]) + co.flush(z.COMPRESSOBJ_FLUSH_BLOCK) for i in range(0, len(payload), 10000)]
        + [co.flush()]))]

decoders = {'gzip': kc.gzip_decode, 'snappy': kc.snappy_decode, 'lz4': kc.lz4_decode, 'zstd': kc.zstd_decode}
for name, hexdata in req['compressed'].items():
    if have[name]:
        out['decoded'][name] = h(decoders[name](bytes.fromhex(hexdata)))

json.dump(out, sys.stdout)
`;

interface PythonAnswer {
  have: Record<string, boolean>;
  built: Record<string, string>;
  read: Record<
    string,
    {
      crc: boolean;
      compression: number;
      records: Array<{
        offset: number;
        ts: number;
        key: string | null;
        value: string | null;
        headers: string[][];
      }>;
    }
  >;
  streams: Record<string, [string, string]>;
  decoded: Record<string, string>;
}

const hex = (b: Buffer | null) => (b === null ? null : b.toString('hex'));

let pythonAnswer: PythonAnswer | undefined;

/** Runs the script once for all the tests below (each has checked that kafka-python is here). */
function python(): PythonAnswer {
  pythonAnswer ??= runPython();
  return pythonAnswer;
}

function runPython(): PythonAnswer {
  const inputs = interopRecords();
  const ours: Record<string, string> = {};
  const compressed: Record<string, string> = {};
  const payload = textBytes(rng(23), 300_000);
  for (const codec of CODECS) {
    if (!compressionAvailable(codec)) continue;
    ours[compressionName(codec)] = buildBatch(inputs, { compression: codec, timestampMs: T0 }).toString(
      'hex',
    );
    if (codec !== Compression.None)
      compressed[compressionName(codec)] = compressSync(codec, payload).toString('hex');
  }
  const request = {
    records: inputs.map((r) => ({
      key: hex(asBuffer(r.key)),
      value: hex(asBuffer(r.value)),
      ts: r.timestamp,
      headers: (r.headers ?? []).map((x) => [x.key, hex(asBuffer(x.value))]),
    })),
    ours,
    compressed,
    payload: payload.toString('hex'),
  };
  const run = spawnSync(PYTHON, ['-c', PYTHON_SCRIPT], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as PythonAnswer;
}

/** The Python module kafka-python needs for a codec (none and gzip need none). */
const PYTHON_CODEC: Partial<Record<string, Tool>> = {
  snappy: 'python-snappy',
  lz4: 'python-lz4',
  zstd: 'python-zstandard',
};
const PYTHON_CODECS = Object.values(PYTHON_CODEC) as Tool[];

/** kafka-python and, for a compressed codec, the Python module it compresses with. */
function needsKafkaPython(t: SkippableTest, name: string): boolean {
  const codecModule = PYTHON_CODEC[name];
  return needs(t, 'kafka-python', ...(codecModule ? [codecModule] : []));
}

/** Our side of a codec: the Node package that provides it loaded here (an npm dependency, not a tool). */
function ourCodecMissing(name: string): string | null {
  if (name !== 'none' && !compressionAvailable(compressionByName(name)!)) return `${name} did not load here`;
  return null;
}

for (const codec of CODECS) {
  const name = compressionName(codec);
  test(`kafka-python ${name}: its builder's batch reads here`, (t) => {
    if (!needsKafkaPython(t, name)) return;
    const why = ourCodecMissing(name);
    if (why) return t.skip(why);
    const answer = python();
    assert.ok(answer.have[name], `kafka-python has the ${name} codec`);
    const theirs = Buffer.from(answer.built[name], 'hex');
    const check = checkBatch(theirs);
    assert.ok(check.ok, check.ok ? '' : check.detail);
    assert.equal(check.header.attributes & 7, codec, 'kafka-python kept the codec (the data compresses)');
    assert.deepEqual([...readRecords(theirs)], expected(interopRecords()));
  });

  test(`kafka-python ${name}: reads our batch`, (t) => {
    if (!needsKafkaPython(t, name)) return;
    const why = ourCodecMissing(name);
    if (why) return t.skip(why);
    const answer = python();
    const read = answer.read[name];
    assert.ok(read.crc, 'CRC valid');
    assert.equal(read.compression, codec);
    assert.deepEqual(
      read.records,
      expected(interopRecords()).map((r) => ({
        offset: r.offset,
        ts: r.timestamp,
        key: hex(r.key),
        value: hex(r.value),
        headers: r.headers.map((x) => [x.key, hex(x.value)]),
      })),
    );
  });
}

test('kafka-python decodes our gzip, snappy (xerial), lz4 (frame) and zstd streams', (t) => {
  if (!needs(t, 'kafka-python', ...PYTHON_CODECS)) return;
  const answer = python();
  const payload = textBytes(rng(23), 300_000).toString('hex');
  for (const codec of CODECS.slice(1)) {
    const name = compressionName(codec);
    const why = ourCodecMissing(name);
    if (why) {
      t.diagnostic(`${name} skipped: ${why}`);
      continue;
    }
    assert.equal(answer.decoded[name], payload, name);
  }
});

test('streams written by python-snappy, python-lz4 and python-zstandard decompress here', (t) => {
  if (!needs(t, 'kafka-python', ...PYTHON_CODECS)) return;
  const answer = python();
  const payload = textBytes(rng(23), 300_000);
  const streams = Object.entries(answer.streams);
  assert.equal(streams.length, 9, 'every stream the script writes');
  for (const [label, [name, data]] of streams) {
    const codec = compressionByName(name)!;
    if (!compressionAvailable(codec)) {
      t.diagnostic(`${label} skipped: ${name} did not load here`);
      continue;
    }
    const input = Buffer.from(data, 'hex');
    assert.ok(decompressSync(codec, input, payload.length).equals(payload), label);
    assert.throws(
      () => decompressSync(codec, input, payload.length - 1),
      (e: unknown) => e instanceof DecompressionError && e.reason === 'too-large',
      `${label}: bounded`,
    );
  }
});

// --- by hand ------------------------------------------------------------------------------------

/** Raw snappy of `data` as literals only (tag 61: a 2-byte length), from the format description. */
function snappyLiterals(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let n = data.length;
  const preamble: number[] = [];
  while (n >= 0x80) {
    preamble.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  preamble.push(n);
  parts.push(Buffer.from(preamble));
  for (let pos = 0; pos < data.length; pos += 65_536) {
    const chunk = data.subarray(pos, pos + 65_536);
    const tag = Buffer.from([61 << 2, (chunk.length - 1) & 0xff, (chunk.length - 1) >> 8]);
    parts.push(tag, chunk);
  }
  return Buffer.concat(parts);
}

test('a snappy batch with xerial framing built by hand reads back', (t) => {
  if (!compressionAvailable(Compression.Snappy)) return t.skip('snappy did not load here');
  const inputs = [...interopRecords(), { value: textBytes(rng(24), 70_000), timestamp: T0 }];
  const plain = buildBatch(inputs, { timestampMs: T0 });
  const body = recordsBody(plain);
  // xerial: magic, version 1, compatible version 1, then [int32 BE length][raw snappy] per 32 KiB.
  const parts: Buffer[] = [
    Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]),
  ];
  for (let pos = 0; pos < body.length; pos += 32 * 1024) {
    const block = snappyLiterals(body.subarray(pos, pos + 32 * 1024));
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length);
    parts.push(length, block);
  }
  const compressed = Buffer.concat(parts);
  const batch = Buffer.concat([plain.subarray(0, 61), compressed]);
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt16BE(Compression.Snappy, 21);
  updateCrc(batch);
  const check = checkBatch(batch);
  assert.ok(check.ok, check.ok ? '' : check.detail);
  assert.ok(body.length > 64 * 1024, 'several xerial blocks');
  assert.deepEqual([...readRecords(batch)], expected(inputs));
});
