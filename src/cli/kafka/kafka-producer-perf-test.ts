#!/usr/bin/env node
// kafka-producer-perf-test.sh: sends --num-records records as fast as --throughput allows and
// prints Kafka's lines: a window line every 5 s while it runs, then the total with latency
// percentiles. Flags follow Kafka's tool (whose parser is argparse-style: `--producer-props`
// takes several key=value words), plus the 4.2 names --bootstrap-server, --command-property and
// --command-config.
import { readFileSync } from 'node:fs';
import type { Producer } from '../../client/index.js';
import {
  CommandError,
  type OptionSpec,
  type ParsedArgs,
  parseArgs,
  SAMSA_VERSION,
  UsageError,
} from '../args.js';
import { clientSettings, loadProps, type Props } from '../client-config.js';
import { openProducer } from '../lib/clients.js';
import { fixed } from '../lib/perf.js';
import { eprintln, errorMessage, println, runTool } from '../tool.js';

const PROG = 'producer-performance';

const USAGE = `usage: ${PROG} [-h] --topic TOPIC --num-records NUM-RECORDS
                            [--payload-delimiter PAYLOAD-DELIMITER]
                            --throughput THROUGHPUT
                            [--producer-props PROP-NAME=PROP-VALUE [PROP-NAME=PROP-VALUE ...]]
                            [--producer.config CONFIG-FILE] [--bootstrap-server BOOTSTRAP-SERVERS]
                            [--print-metrics] [--transactional-id TRANSACTIONAL-ID]
                            [--transaction-duration-ms TRANSACTION-DURATION]
                            (--record-size RECORD-SIZE | --payload-file PAYLOAD-FILE | --payload-monotonic)`;

const HELP = `${USAGE}

Measures how fast a producer sends records to a topic. Transactions are not supported by
Samsa's client yet.

optional arguments:
  -h, --help             show this help message and exit
  --topic TOPIC          the topic to send to
  --num-records NUM-RECORDS
                         how many records to send
  --payload-delimiter PAYLOAD-DELIMITER
                         separator of the payloads in --payload-file (default: \\n)
  --throughput THROUGHPUT
                         send at most about THROUGHPUT records per second; -1 for no limit
  --producer-props PROP-NAME=PROP-VALUE [PROP-NAME=PROP-VALUE ...]
                         producer settings such as bootstrap.servers or acks; they win over
                         --producer.config
  --producer.config CONFIG-FILE
                         a properties file of producer settings
  --bootstrap-server BOOTSTRAP-SERVERS
                         the broker(s) to connect to; wins over bootstrap.servers elsewhere
  --print-metrics        accepted; Samsa's client has no metrics registry to print yet
  --transactional-id TRANSACTIONAL-ID
                         not supported yet
  --transaction-duration-ms TRANSACTION-DURATION
                         not supported yet

  either --record-size or --payload-file must be specified but not both.

  --record-size RECORD-SIZE
                         size of each record's value in bytes (random capital letters)
  --payload-file PAYLOAD-FILE
                         send payloads picked at random from this UTF-8 file
  --payload-monotonic    send the record number as the payload`;

const SPECS: OptionSpec[] = [
  { name: 'topic', arg: 'required' },
  { name: 'num-records', arg: 'required' },
  { name: 'record-size', arg: 'required' },
  { name: 'payload-file', arg: 'required' },
  { name: 'payload-monotonic' },
  { name: 'payload-delimiter', arg: 'required', default: '\\n' },
  { name: 'throughput', arg: 'required' },
  { name: 'producer-props', arg: 'required' },
  { name: 'command-property', arg: 'required' },
  { name: 'producer.config', arg: 'required' },
  { name: 'command-config', arg: 'required' },
  { name: 'bootstrap-server', arg: 'required' },
  { name: 'print-metrics' },
  { name: 'transactional-id', arg: 'required' },
  { name: 'transaction-duration-ms', arg: 'required' },
  { name: 'help', short: 'h' },
  { name: 'version' },
];

/** `--producer-props a=1 b=2` takes every following word up to the next option. */
function expandMultiValued(argv: readonly string[]): string[] {
  const out: string[] = [];
  let multi: string | null = null;
  for (const a of argv) {
    if (a.startsWith('-')) {
      multi = a === '--producer-props' || a === '--command-property' ? a : null;
      if (multi) continue;
      out.push(a);
    } else if (multi) out.push(multi, a);
    else out.push(a);
  }
  return out;
}

function argError(message: string): never {
  eprintln(USAGE);
  throw new CommandError(`${PROG}: error: ${message}`);
}

function num(args: ParsedArgs, name: string, integer: boolean): number | undefined {
  const text = args.get(name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    argError(`argument --${name}: could not convert '${text}' to ${integer ? 'Long' : 'Double'}`);
  }
  return n;
}

class Stats {
  private readonly start = Date.now();
  private windowStart = Date.now();
  private readonly latencies: Int32Array;
  private readonly sampling: number;
  private index = 0;
  iteration = 0;
  count = 0;
  private bytes = 0;
  private maxLatency = 0;
  private totalLatency = 0;
  private windowCount = 0;
  private windowMaxLatency = 0;
  private windowTotalLatency = 0;
  private windowBytes = 0;

  constructor(
    numRecords: number,
    private readonly reportingIntervalMs: number,
  ) {
    this.sampling = Math.max(1, Math.floor(numRecords / Math.min(numRecords, 500_000)));
    this.latencies = new Int32Array(Math.floor(numRecords / this.sampling) + 1);
  }

  record(latency: number, bytes: number, now: number): void {
    this.count++;
    this.bytes += bytes;
    this.totalLatency += latency;
    this.maxLatency = Math.max(this.maxLatency, latency);
    this.windowCount++;
    this.windowBytes += bytes;
    this.windowTotalLatency += latency;
    this.windowMaxLatency = Math.max(this.windowMaxLatency, latency);
    if (this.iteration % this.sampling === 0 && this.index < this.latencies.length)
      this.latencies[this.index++] = latency;
    if (now - this.windowStart >= this.reportingIntervalMs) {
      this.printWindow();
      this.windowStart = Date.now();
      this.windowCount = 0;
      this.windowMaxLatency = 0;
      this.windowTotalLatency = 0;
      this.windowBytes = 0;
    }
  }

  private printWindow(): void {
    const elapsed = Math.max(1, Date.now() - this.windowStart);
    const recsPerSec = (1000 * this.windowCount) / elapsed;
    const mbPerSec = (1000 * this.windowBytes) / elapsed / (1024 * 1024);
    println(
      `${this.windowCount} records sent, ${fixed(recsPerSec, 1)} records/sec (${fixed(mbPerSec, 2)} MB/sec), ${fixed(this.windowTotalLatency / this.windowCount, 1)} ms avg latency, ${fixed(this.windowMaxLatency, 1)} ms max latency.`,
    );
  }

  printTotal(): void {
    const elapsed = Math.max(1, Date.now() - this.start);
    const recsPerSec = (1000 * this.count) / elapsed;
    const mbPerSec = (1000 * this.bytes) / elapsed / (1024 * 1024);
    const size = Math.min(this.index, this.latencies.length);
    const sorted = this.latencies.slice(0, size).sort();
    const perc = (p: number) => (size === 0 ? 0 : sorted[Math.min(size - 1, Math.floor(p * size))]);
    println(
      `${this.count} records sent, ${fixed(recsPerSec, 1)} records/sec (${fixed(mbPerSec, 2)} MB/sec), ${fixed(this.totalLatency / Math.max(1, this.count), 2)} ms avg latency, ${fixed(this.maxLatency, 2)} ms max latency, ${perc(0.5)} ms 50th, ${perc(0.95)} ms 95th, ${perc(0.99)} ms 99th, ${perc(0.999)} ms 99.9th.`,
    );
  }
}

function producerProps(args: ParsedArgs): Props {
  const file = args.get('producer.config') ?? args.get('command-config');
  const list = [...args.all('producer-props'), ...args.all('command-property')];
  if (list.length === 0 && !file && !args.has('bootstrap-server')) {
    argError('Either --producer-props or --producer.config must be specified.');
  }
  const props: Props = file ? loadProps(file, '--producer.config') : {};
  for (const p of list) {
    const pieces = p.split('=');
    if (pieces.length !== 2) throw new CommandError(`Invalid property: ${p}`);
    props[pieces[0]] = pieces[1];
  }
  if (args.has('bootstrap-server')) props['bootstrap.servers'] = args.get('bootstrap-server') as string;
  props['client.id'] ??= 'perf-producer-client';
  if (!props['bootstrap.servers'])
    argError(
      'bootstrap.servers must be given with --producer-props, --producer.config or --bootstrap-server',
    );
  return props;
}

/** A pool of random capital letters; each record takes a slice at a random place. */
function letterPool(size: number): Buffer {
  const pool = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) pool[i] = 65 + Math.floor(Math.random() * 26);
  return pool;
}

function payloads(args: ParsedArgs, recordSize: number | undefined): (i: number) => Buffer {
  if (recordSize !== undefined) {
    const pool = letterPool(Math.max(1 << 20, recordSize * 4));
    return () => {
      const at = Math.floor(Math.random() * (pool.length - recordSize));
      return pool.subarray(at, at + recordSize);
    };
  }
  if (args.has('payload-monotonic')) return (i) => Buffer.from(String(i));
  const file = args.get('payload-file') as string;
  const delimiter =
    args.get('payload-delimiter') === '\\n' ? '\n' : (args.get('payload-delimiter') as string);
  println(`Reading payloads from: ${file}`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new CommandError('File does not exist or empty file provided.');
  }
  if (text.length === 0) throw new CommandError('File does not exist or empty file provided.');
  const list = text.split(delimiter).map((s) => Buffer.from(s));
  println(`Number of messages read: ${list.length}`);
  return () => list[Math.floor(Math.random() * list.length)];
}

async function sendAll(
  producer: Producer,
  topic: string,
  n: number,
  throughput: number,
  payload: (i: number) => Buffer,
) {
  const stats = new Stats(n, 5000);
  const startMs = Date.now();
  let pending = 0;
  let wake: (() => void) | null = null;
  const maxPending = 50_000;
  let firstError: unknown = null;
  for (let i = 0; i < n; i++) {
    const value = payload(i);
    const sendStart = Date.now();
    pending++;
    producer.send({ topic, value }).then(
      () => {
        const now = Date.now();
        stats.record(now - sendStart, value.length, now);
        stats.iteration++;
        if (--pending < maxPending / 2 && wake) wake();
      },
      (err: unknown) => {
        firstError ??= err;
        eprintln(errorMessage(err));
        if (--pending < maxPending / 2 && wake) wake();
      },
    );
    if (pending >= maxPending) {
      await new Promise<void>((r) => {
        wake = () => {
          wake = null;
          r();
        };
      });
    }
    if (throughput > 0) {
      const elapsedMs = Date.now() - startMs;
      const aheadMs = ((i + 1) / throughput) * 1000 - elapsedMs;
      if (aheadMs > 0) await new Promise((r) => setTimeout(r, aheadMs));
    }
  }
  return { stats, firstError: () => firstError };
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv.includes('-h') || argv.includes('--help')) {
    println(HELP);
    return 0;
  }
  if (argv.includes('--version')) {
    println(`${SAMSA_VERSION} (Samsa)`);
    return 0;
  }
  let args: ParsedArgs;
  try {
    args = parseArgs(expandMultiValued(argv), SPECS, { abbreviations: true });
  } catch (err) {
    if (err instanceof UsageError) argError(err.message);
    throw err;
  }
  for (const r of ['topic', 'num-records', 'throughput'])
    if (!args.has(r)) argError(`argument --${r} is required`);
  const payloadKinds = ['record-size', 'payload-file', 'payload-monotonic'].filter((k) => args.has(k));
  if (payloadKinds.length !== 1) {
    argError(
      payloadKinds.length === 0
        ? 'one of the arguments --record-size --payload-file --payload-monotonic is required'
        : `argument --${payloadKinds[1]}: not allowed with argument --${payloadKinds[0]}`,
    );
  }
  const numRecords = num(args, 'num-records', true) as number;
  const recordSize = num(args, 'record-size', true);
  const throughput = num(args, 'throughput', false) as number;
  if (numRecords <= 0) argError('--num-records should be greater than zero');
  if (recordSize !== undefined && recordSize <= 0) argError('--record-size should be greater than zero');
  const props = producerProps(args);
  if (args.has('transactional-id') || args.has('transaction-duration-ms') || props['transactional.id']) {
    throw new CommandError(`${PROG}: transactions are not supported by Samsa's client yet`);
  }
  if (args.has('print-metrics'))
    eprintln("WARN: --print-metrics: Samsa's client has no metrics registry yet; nothing to print");
  const payload = payloads(args, recordSize);
  const producer = await openProducer(clientSettings(props));
  try {
    await producer.connect();
    const { stats, firstError } = await sendAll(
      producer,
      args.get('topic') as string,
      numRecords,
      throughput,
      payload,
    );
    await producer.close();
    stats.printTotal();
    return firstError() ? 1 : 0;
  } finally {
    await producer.close().catch(() => {});
  }
}

runTool('kafka-producer-perf-test.sh', main, { errorPrefix: '' });
