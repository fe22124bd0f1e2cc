#!/usr/bin/env node
// kafka-dump-log.sh: prints segment files offline, as Kafka's DumpLogSegments does — .log files
// batch by batch (and record by record with --deep-iteration or --print-data-log), .index and
// .timeindex entries checked against their log, .txnindex entries. Samsa keeps Kafka's on-disk
// layout, so the same files can be read by Kafka's tool too.
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { type OptionSpec, type ParsedArgs, parseInteger, UsageError } from '../args.js';
import { parseKafkaArgs, required } from '../lib/kafka-tool.js';
import { controlRecordText, metadataRecordJson } from '../lib/metadata-json.js';
import { eprintln, runTool, write } from '../tool.js';

type Records = typeof import('../../protocol/records/index.js');

const NAME = 'kafka-dump-log.sh';
const INT_MAX = 2147483647;

const SPECS: OptionSpec[] = [
  {
    name: 'files',
    arg: 'required',
    argName: 'String: file1, file2, ...',
    help: 'REQUIRED: comma-separated segment files (.log, .index, .timeindex, .txnindex) to print.',
  },
  { name: 'print-data-log', help: 'Print the keys and values of the records (implies --deep-iteration).' },
  { name: 'deep-iteration', help: 'Print every record, not only every batch.' },
  { name: 'verify-index-only', help: 'Check an index against its log without printing the entries.' },
  {
    name: 'index-sanity-check',
    help: 'Check that an index is well formed (what a broker checks at start-up) without printing it.',
  },
  {
    name: 'max-message-size',
    arg: 'required',
    argName: 'Integer: size',
    default: '5242880',
    help: 'Size of the largest batch (for index checks).',
  },
  {
    name: 'max-bytes',
    arg: 'required',
    argName: 'Integer: size',
    default: String(INT_MAX),
    help: 'Read at most this many bytes of each .log file.',
  },
  {
    name: 'skip-record-metadata',
    help: 'Print only the keys and values of records, without their offsets and sizes.',
  },
  {
    name: 'key-decoder-class',
    arg: 'optional',
    argName: 'String',
    help: 'How to print keys; only the default, kafka.serializer.StringDecoder, is available.',
  },
  {
    name: 'value-decoder-class',
    arg: 'optional',
    argName: 'String',
    help: 'How to print values; only the default, kafka.serializer.StringDecoder, is available.',
  },
  { name: 'offsets-decoder', help: 'Not supported yet: decode __consumer_offsets records.' },
  { name: 'transaction-log-decoder', help: 'Not supported yet: decode __transaction_state records.' },
  { name: 'cluster-metadata-decoder', help: 'Decode __cluster_metadata records (KRaft metadata) as JSON.' },
  { name: 'remote-log-metadata-decoder', help: 'Not supported yet.' },
  { name: 'share-group-state-decoder', help: 'Not supported yet.' },
];

const SUMMARY = 'Prints the contents of log segment and index files, to inspect a log offline.';

const CONTROL_TYPES = [
  'ABORT',
  'COMMIT',
  'LEADER_CHANGE',
  'SNAPSHOT_HEADER',
  'SNAPSHOT_FOOTER',
  'KRAFT_VERSION',
  'KRAFT_VOTERS',
];

interface Options {
  printData: boolean;
  clusterMetadata: boolean;
  deep: boolean;
  skipMetadata: boolean;
  maxBytes: number;
  maxMessageSize: number;
  verifyOnly: boolean;
  sanityOnly: boolean;
}

class Out {
  private lines: string[] = [];
  line(text: string): void {
    this.lines.push(text);
    if (this.lines.length >= 1000) void this.flushSync();
  }
  flushSync(): void {
    if (this.lines.length === 0) return;
    process.stdout.write(`${this.lines.join('\n')}\n`);
    this.lines = [];
  }
  async flush(): Promise<void> {
    if (this.lines.length === 0) return;
    const text = `${this.lines.join('\n')}\n`;
    this.lines = [];
    await write(text);
  }
}

function baseOffsetOf(file: string): number {
  const name = basename(file);
  const n = Number(name.slice(0, name.indexOf('.')));
  return Number.isSafeInteger(n) ? n : 0;
}

function readBytes(file: string, max = Number.POSITIVE_INFINITY): Buffer {
  const all = readFileSync(file);
  return all.length > max ? all.subarray(0, max) : all;
}

const typeName = (attributes: number) => (attributes & 0x08 ? 'LogAppendTime' : 'CreateTime');

/** Positions and headers of the complete batches of a log file. */
function batches(r: Records, data: Buffer) {
  const out: { pos: number; header: ReturnType<Records['readBatchHeader']> }[] = [];
  let pos = 0;
  while (data.length - pos >= 17) {
    const size = data.readInt32BE(pos + 8) + 12;
    if (size < 17 || pos + size > data.length) break;
    if (data.length - pos < r.BATCH_HEADER_BYTES || data.readInt8(pos + 16) < 2) {
      out.push({ pos, header: legacyHeader(data, pos, size) });
    } else out.push({ pos, header: r.readBatchHeader(data, pos) });
    pos += size;
  }
  return { list: out, validBytes: pos };
}

/** Enough of a v0/v1 message set entry to print its batch line. */
function legacyHeader(data: Buffer, pos: number, size: number) {
  const offset = Number(data.readBigInt64BE(pos));
  return {
    baseOffset: offset,
    sizeBytes: size,
    partitionLeaderEpoch: -1,
    magic: data.readInt8(pos + 16),
    crc: data.readUInt32BE(pos + 12),
    attributes: 0,
    lastOffsetDelta: 0,
    baseTimestamp: -1,
    maxTimestamp: -1,
    producerId: -1,
    producerEpoch: -1,
    baseSequence: -1,
    recordCount: 1,
  };
}

async function dumpLog(
  r: Records,
  file: string,
  o: Options,
  out: Out,
  gaps: Map<string, [number, number][]>,
) {
  out.line(`Log starting offset: ${baseOffsetOf(file)}`);
  const data = readBytes(file, o.maxBytes);
  const { list, validBytes } = batches(r, data);
  let lastOffset = -1;
  for (const { pos, header: h } of list) {
    const batch = data.subarray(pos, pos + h.sizeBytes);
    const lastOff = h.baseOffset + h.lastOffsetDelta;
    const codec = h.attributes & 0x07;
    if (h.magic >= 2) {
      const valid = r.crc32c(batch.subarray(r.BATCH_OFFSET_ATTRIBUTES)) === h.crc;
      const lastSequence = h.baseSequence < 0 ? -1 : (h.baseSequence + h.lastOffsetDelta) % 2147483648;
      const horizon = h.attributes & 0x40 ? `OptionalLong[${h.baseTimestamp}]` : 'OptionalLong.empty';
      out.line(
        `baseOffset: ${h.baseOffset} lastOffset: ${lastOff} count: ${h.recordCount} baseSequence: ${h.baseSequence} lastSequence: ${lastSequence} producerId: ${h.producerId} producerEpoch: ${h.producerEpoch} partitionLeaderEpoch: ${h.partitionLeaderEpoch} isTransactional: ${(h.attributes & 0x10) !== 0} isControl: ${(h.attributes & 0x20) !== 0} deleteHorizonMs: ${horizon}` +
          ` position: ${pos} ${typeName(h.attributes)}: ${h.maxTimestamp} size: ${h.sizeBytes} magic: ${h.magic} compresscodec: ${r.compressionName(codec)} crc: ${h.crc} isvalid: ${valid}`,
      );
    } else {
      out.line(
        `offset: ${lastOff} position: ${pos} NoTimestampType: -1 size: ${h.sizeBytes} magic: ${h.magic} compresscodec: none crc: ${h.crc} isvalid: true`,
      );
      continue;
    }
    if (!o.deep) continue;
    const control = (h.attributes & 0x20) !== 0;
    let records: ReturnType<Records['readRecords']>;
    try {
      records = r.recordsOf(h, r.recordsBody(batch));
    } catch (err) {
      out.line(`| cannot read the records of this batch: ${(err as Error).message}`);
      continue;
    }
    for (const rec of records) {
      if (lastOffset !== -1 && rec.offset !== lastOffset + 1) {
        const list = gaps.get(resolve(file)) ?? [];
        list.push([lastOffset, rec.offset]);
        gaps.set(resolve(file), list);
      }
      lastOffset = rec.offset;
      let line = '|';
      let sep = ' ';
      if (!o.skipMetadata) {
        const seq = h.baseSequence < 0 ? -1 : h.baseSequence + (rec.offset - h.baseOffset);
        line += ` offset: ${rec.offset} ${typeName(h.attributes)}: ${rec.timestamp} keySize: ${rec.key?.length ?? -1} valueSize: ${rec.value?.length ?? -1}`;
        line += ` sequence: ${seq} headerKeys: [${rec.headers.map((x) => x.key).join(',')}]`;
        if (control && rec.key && rec.key.length >= 4) {
          const type = rec.key.readInt16BE(2);
          const kraft = controlRecordText(type, rec.value);
          if ((type === 0 || type === 1) && rec.value && rec.value.length >= 6) {
            line += ` endTxnMarker: ${CONTROL_TYPES[type]} coordinatorEpoch: ${rec.value.readInt32BE(2)}`;
          } else if (kraft) line += ` ${kraft}`;
          else line += ` controlType: ${CONTROL_TYPES[type] ?? 'UNKNOWN'}(${type})`;
        }
      }
      if (o.printData && !control) {
        if (rec.key) {
          line += `${o.skipMetadata ? ' ' : sep}key: ${rec.key.toString('utf8')}`;
          sep = ' ';
        }
        if (rec.value)
          line += ` payload: ${o.clusterMetadata ? metadataRecordJson(rec.value) : rec.value.toString('utf8')}`;
      }
      out.line(line);
    }
  }
  const trailing = data.length - validBytes;
  if (trailing > 0 && o.maxBytes === INT_MAX)
    out.line(`Found ${trailing} invalid bytes at the end of ${basename(file)}`);
}

function siblingLog(file: string): string {
  const name = basename(file);
  return join(dirname(file), `${name.slice(0, name.indexOf('.'))}.log`);
}

/** The last offset of the batch that starts at `position` in the log, or -1. */
function batchLastOffsetAt(log: Buffer, position: number): number {
  if (position + 61 > log.length) return -1;
  return Number(log.readBigInt64BE(position)) + log.readInt32BE(position + 23);
}

function dumpIndex(file: string, o: Options, out: Out, mismatches: Map<string, [number, number][]>) {
  const base = baseOffsetOf(file);
  const data = readBytes(file);
  const n = Math.floor(data.length / 8);
  if (n === 0) {
    out.line(`${file} is empty.`);
    return;
  }
  if (o.sanityOnly) {
    if (data.length % 8 !== 0)
      throw new Error(`Index file ${file} is corrupt: its size ${data.length} is not a multiple of 8`);
    for (let i = 1; i < n; i++) {
      if (data.readInt32BE(i * 8) <= data.readInt32BE((i - 1) * 8) && data.readInt32BE(i * 8) !== 0) {
        throw new Error(`Index file ${file} is corrupt: offsets do not increase at entry ${i}`);
      }
    }
    out.line(`${file} passed sanity check.`);
    return;
  }
  let log: Buffer | null = null;
  try {
    log = readFileSync(siblingLog(file));
  } catch {
    eprintln(`No log file next to ${file}; index entries are not checked.`);
  }
  for (let i = 0; i < n; i++) {
    const rel = data.readInt32BE(i * 8);
    const position = data.readInt32BE(i * 8 + 4);
    if (rel === 0 && i > 0) return;
    const offset = base + rel;
    if (log) {
      const found = batchLastOffsetAt(log, position);
      if (found !== offset) {
        const list = mismatches.get(resolve(file)) ?? [];
        list.push([offset, found]);
        mismatches.set(resolve(file), list);
      }
    }
    if (!o.verifyOnly) out.line(`offset: ${offset} position: ${position}`);
  }
}

function dumpTimeIndex(file: string, o: Options, out: Out, problems: string[]) {
  const base = baseOffsetOf(file);
  const data = readBytes(file);
  const n = Math.floor(data.length / 12);
  if (o.sanityOnly) {
    if (data.length % 12 !== 0)
      throw new Error(`Time index file ${file} is corrupt: its size ${data.length} is not a multiple of 12`);
    out.line(`${file} passed sanity check.`);
    return;
  }
  let prev = -1;
  for (let i = 0; i < n; i++) {
    const ts = Number(data.readBigInt64BE(i * 12));
    const rel = data.readInt32BE(i * 12 + 8);
    if (rel === 0 && i > 0) return;
    if (prev >= ts)
      problems.push(
        `Found out of order timestamp in :${resolve(file)}\n  Index timestamp: ${ts}, Previously indexed timestamp: ${prev}`,
      );
    prev = ts;
    if (!o.verifyOnly) out.line(`timestamp: ${ts} offset: ${base + rel}`);
  }
}

function dumpTxnIndex(file: string, out: Out) {
  const data = readBytes(file);
  for (let p = 0; p + 34 <= data.length; p += 34) {
    out.line(
      `version: ${data.readInt16BE(p)} producerId: ${data.readBigInt64BE(p + 2)} firstOffset: ${data.readBigInt64BE(p + 10)} lastOffset: ${data.readBigInt64BE(p + 18)} lastStableOffset: ${data.readBigInt64BE(p + 26)}`,
    );
  }
}

function options(args: ParsedArgs): Options {
  for (const d of [
    'offsets-decoder',
    'transaction-log-decoder',
    'remote-log-metadata-decoder',
    'share-group-state-decoder',
  ]) {
    if (args.has(d)) throw new UsageError(`--${d} is not supported by Samsa's kafka-dump-log.sh yet`);
  }
  for (const d of ['key-decoder-class', 'value-decoder-class']) {
    const v = args.get(d);
    if (v && !/StringDecoder$/.test(v))
      throw new UsageError(`--${d} ${v}: only kafka.serializer.StringDecoder is available`);
  }
  const clusterMetadata = args.has('cluster-metadata-decoder');
  const printData = clusterMetadata || args.any('print-data-log', 'key-decoder-class', 'value-decoder-class');
  return {
    printData,
    clusterMetadata,
    deep: printData || args.has('deep-iteration'),
    skipMetadata: args.has('skip-record-metadata'),
    maxBytes: parseInteger(args.get('max-bytes') as string, '--max-bytes', { min: 0 }),
    maxMessageSize: parseInteger(args.get('max-message-size') as string, '--max-message-size', { min: 0 }),
    verifyOnly: args.has('verify-index-only'),
    sanityOnly: args.has('index-sanity-check'),
  };
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseKafkaArgs(argv, SPECS, SUMMARY);
  if (parsed.exit !== undefined) return parsed.exit;
  const args = parsed.args;
  required(args, 'files');
  const o = options(args);
  // Compressed batches need the codecs: the records index installs them.
  const r: Records = await import('../../protocol/records/index.js');
  const out = new Out();
  const mismatches = new Map<string, [number, number][]>();
  const gaps = new Map<string, [number, number][]>();
  const problems: string[] = [];
  let failed = false;
  for (const file of (args.get('files') as string).split(',')) {
    out.line(`Dumping ${file}`);
    try {
      statSync(file);
      const suffix = file.slice(file.lastIndexOf('.'));
      if (suffix === '.log' || suffix === '.checkpoint') await dumpLog(r, file, o, out, gaps);
      else if (suffix === '.index') dumpIndex(file, o, out, mismatches);
      else if (suffix === '.timeindex') dumpTimeIndex(file, o, out, problems);
      else if (suffix === '.txnindex') dumpTxnIndex(file, out);
      else {
        out.flushSync();
        eprintln(`Ignoring unknown file ${file}`);
      }
    } catch (err) {
      out.flushSync();
      const e = err as NodeJS.ErrnoException;
      eprintln(e.code === 'ENOENT' ? `${file}: no such file` : `${file}: ${e.message}`);
      failed = true;
    }
    await out.flush();
  }
  for (const [f, list] of mismatches) {
    eprintln(`Mismatches in :${f}`);
    for (const [a, b] of list) eprintln(`  Index offset: ${a}, log offset: ${b}`);
  }
  for (const p of problems) eprintln(p);
  for (const [f, list] of gaps) {
    eprintln(`Non-consecutive offsets in ${f}`);
    for (const [a, b] of list) eprintln(`  ${a} is followed by ${b}`);
  }
  return failed ? 1 : 0;
}

runTool(NAME, main);
