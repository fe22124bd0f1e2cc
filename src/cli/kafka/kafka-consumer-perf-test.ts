#!/usr/bin/env node
// kafka-consumer-perf-test.sh: consumes --messages records in a group and prints Kafka's CSV-like
// summary (start/end time, MB and records consumed and per second, rebalance and fetch time);
// with --show-detailed-stats, a progress line every --reporting-interval instead.
import type { Consumer, TopicPartition } from '../../client/index.js';
import { type OptionSpec, parseInteger, UsageError } from '../args.js';
import { checkBootstrap, clientSettings, loadProps, type Props } from '../client-config.js';
import { openConsumer, withAdmin } from '../lib/clients.js';
import { BROKER_LIST_SPEC, bootstrapOf, parseKafkaArgs, required } from '../lib/kafka-tool.js';
import { fixed, javaDate } from '../lib/perf.js';
import { eprintln, println, runTool } from '../tool.js';

const NAME = 'kafka-consumer-perf-test.sh';

const SPECS: OptionSpec[] = [
  {
    name: 'bootstrap-server',
    arg: 'required',
    argName: 'String: server to connect to',
    help: 'REQUIRED: the broker(s) to connect to.',
  },
  BROKER_LIST_SPEC,
  { name: 'topic', arg: 'required', argName: 'String: topic', help: 'REQUIRED: the topic to consume.' },
  {
    name: 'group',
    arg: 'required',
    argName: 'String: gid',
    help: 'The group to consume in (default: perf-consumer-<random>).',
  },
  {
    name: 'fetch-size',
    arg: 'required',
    argName: 'Integer: size',
    default: '1048576',
    help: 'Bytes to fetch from a partition at a time (max.partition.fetch.bytes).',
  },
  {
    name: 'from-latest',
    help: 'Start at the latest offset when the group has none (default: the earliest).',
  },
  {
    name: 'socket-buffer-size',
    arg: 'required',
    argName: 'Integer: size',
    default: '2097152',
    help: 'Accepted for compatibility; Samsa leaves socket buffers to the system.',
  },
  {
    name: 'consumer.config',
    arg: 'required',
    argName: 'String: config file',
    help: 'A properties file of consumer settings.',
  },
  { name: 'print-metrics', help: "Accepted; Samsa's client has no metrics registry to print yet." },
  { name: 'show-detailed-stats', help: 'Print a progress line every --reporting-interval.' },
  {
    name: 'timeout',
    arg: 'optional',
    argName: 'Long: milliseconds',
    default: '10000',
    help: 'Give up when no record arrived for this long.',
  },
  {
    name: 'messages',
    arg: 'required',
    argName: 'Long: count',
    help: 'REQUIRED: how many records to consume.',
  },
  {
    name: 'reporting-interval',
    arg: 'required',
    argName: 'Long: interval_ms',
    default: '5000',
    help: 'Milliseconds between progress lines.',
  },
  {
    name: 'date-format',
    arg: 'required',
    argName: 'String: date format',
    default: 'yyyy-MM-dd HH:mm:ss:SSS',
    help: 'Format of the times printed (Java SimpleDateFormat letters).',
  },
  { name: 'hide-header', help: 'Do not print the header line.' },
  { name: 'threads', arg: 'required', hidden: true },
  { name: 'num-fetch-threads', arg: 'required', hidden: true },
];

const SUMMARY = 'Measures how fast a consumer reads a topic.';
const MB = 1024 * 1024;

async function main(argv: string[]): Promise<number> {
  const parsed = parseKafkaArgs(argv, SPECS, SUMMARY);
  if (parsed.exit !== undefined) return parsed.exit;
  const args = parsed.args;
  for (const removed of ['threads', 'num-fetch-threads']) {
    if (args.has(removed)) eprintln(`WARN: --${removed} was removed in Kafka 4.0 and is ignored.`);
  }
  required(args, 'topic', 'messages');
  const bootstrap = checkBootstrap(bootstrapOf(args, true));
  const numMessages = parseInteger(args.get('messages') as string, '--messages', { min: 0 });
  const interval = parseInteger(args.get('reporting-interval') as string, '--reporting-interval');
  if (interval <= 0) throw new UsageError('Reporting interval must be greater than 0.');
  const timeoutMs = parseInteger(args.get('timeout') || '10000', '--timeout', { min: 0 });
  const dateFormat = args.get('date-format') as string;
  const detailed = args.has('show-detailed-stats');
  const props: Props = {
    ...(args.has('consumer.config')
      ? loadProps(args.get('consumer.config') as string, '--consumer.config')
      : {}),
    'bootstrap.servers': bootstrap,
    'group.id': args.get('group') ?? `perf-consumer-${Math.floor(Math.random() * 100_000)}`,
    'max.partition.fetch.bytes': args.get('fetch-size') as string,
    'auto.offset.reset': args.has('from-latest') ? 'latest' : 'earliest',
    'check.crcs': 'false',
  };
  props['client.id'] ??= 'perf-consumer-client';
  if (args.has('print-metrics'))
    eprintln("WARN: --print-metrics: Samsa's client has no metrics registry yet; nothing to print");
  if (!args.has('hide-header')) {
    const extra = ', rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec';
    println(
      detailed
        ? `time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec${extra}`
        : `start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec${extra}`,
    );
  }
  // The consumer would retry an unreachable broker forever: check the cluster answers first.
  await withAdmin({ 'bootstrap.servers': bootstrap, 'default.api.timeout.ms': '10000' }, (a) =>
    a.describeCluster(),
  );
  const consumer = await openConsumer(clientSettings(props));
  const startMs = Date.now();
  let joinStartMs = startMs;
  let joinTimeMs = 0;
  let joinTimeInRoundMs = 0;
  let messages = 0;
  let bytes = 0;
  try {
    await consumer.subscribe([args.get('topic') as string], {
      onPartitionsRevoked: (_tps: TopicPartition[]) => {
        joinStartMs = Date.now();
      },
      onPartitionsAssigned: () => {
        const elapsed = Date.now() - joinStartMs;
        joinTimeMs += elapsed;
        joinTimeInRoundMs += elapsed;
      },
    });
    let now = Date.now();
    let lastReportMs = now;
    let lastConsumedMs = now;
    let lastBytes = 0;
    let lastMessages = 0;
    while (messages < numMessages && now - lastConsumedMs <= timeoutMs) {
      const records = await (consumer as Consumer).poll(100);
      now = Date.now();
      if (records.length > 0) lastConsumedMs = now;
      for (const r of records) {
        messages++;
        if (r.key) bytes += r.key.length;
        if (r.value) bytes += r.value.length;
        if (now - lastReportMs >= interval) {
          if (detailed) {
            const elapsed = now - lastReportMs;
            const fetchMs = elapsed - joinTimeInRoundMs;
            const intervalMb = (bytes - lastBytes) / MB;
            println(
              `${javaDate(now, dateFormat)}, 0, ${fixed(bytes / MB, 4)}, ${fixed((1000 * intervalMb) / elapsed, 4)}, ${messages}, ${fixed(((messages - lastMessages) / elapsed) * 1000, 4)}` +
                `, ${joinTimeInRoundMs}, ${fetchMs}, ${fixed(fetchMs <= 0 ? 0 : (1000 * intervalMb) / fetchMs, 4)}, ${fixed(fetchMs <= 0 ? 0 : (1000 * (messages - lastMessages)) / fetchMs, 4)}`,
            );
          }
          joinTimeInRoundMs = 0;
          lastReportMs = now;
          lastMessages = messages;
          lastBytes = bytes;
        }
      }
    }
    if (messages < numMessages) {
      println(
        `WARNING: Exiting before consuming the expected number of messages: timeout (${timeoutMs} ms) exceeded. You can use the --timeout option to increase the timeout.`,
      );
    }
  } finally {
    await consumer.close().catch(() => {});
  }
  const endMs = Date.now();
  const elapsedSec = (endMs - startMs) / 1000;
  const fetchTimeMs = endMs - startMs - joinTimeMs;
  if (!detailed) {
    const mb = bytes / MB;
    println(
      `${javaDate(startMs, dateFormat)}, ${javaDate(endMs, dateFormat)}, ${fixed(mb, 4)}, ${fixed(mb / elapsedSec, 4)}, ${messages}, ${fixed(messages / elapsedSec, 4)}, ${joinTimeMs}, ${fetchTimeMs}, ${fixed(mb / (fetchTimeMs / 1000), 4)}, ${fixed(messages / (fetchTimeMs / 1000), 4)}`,
    );
  }
  return 0;
}

runTool(NAME, main);
