#!/usr/bin/env node
// kafka-console-producer.sh: one record per line of standard input until EOF, as Kafka's tool:
// the same flags and defaults (acks -1, linger 1000 ms through --timeout, client id
// console-producer), the line formats of --property parse.key / parse.headers, a `>` prompt only
// when stdin is a terminal.
import type { ProducerRecord } from '../../client/index.js';
import { type OptionSpec, type ParsedArgs, UsageError } from '../args.js';
import {
  checkBootstrap,
  clientSettings,
  loadProps,
  type Props,
  parseKeyValues,
  TOOL_API_TIMEOUT_MS,
} from '../client-config.js';
import { openProducer } from '../lib/clients.js';
import { BROKER_LIST_SPEC, bootstrapOf, parseKafkaArgs, required } from '../lib/kafka-tool.js';
import { LineFormatError, lineReaderOptions, lineToRecord } from '../lib/line-reader.js';
import { SendQueue, sizeText } from '../lib/send-queue.js';
import { stdinLines } from '../lib/stdin-lines.js';
import { eprintln, errorMessage, runTool } from '../tool.js';

const NAME = 'kafka-console-producer.sh';

const SPECS: OptionSpec[] = [
  {
    name: 'bootstrap-server',
    arg: 'required',
    argName: 'String: server to connect to',
    help: 'REQUIRED: the broker(s) to connect to, host:port[,host:port].',
  },
  BROKER_LIST_SPEC,
  { name: 'topic', arg: 'required', argName: 'String: topic', help: 'REQUIRED: the topic to produce to.' },
  {
    name: 'sync',
    help: 'Send each record on its own and wait for its acknowledgement before reading the next line.',
  },
  {
    name: 'compression-codec',
    arg: 'optional',
    argName: 'String: compression-codec',
    help: "Compression: 'none', 'gzip', 'snappy', 'lz4' or 'zstd'; gzip when given without a value.",
  },
  {
    name: 'batch-size',
    arg: 'required',
    argName: 'Integer: size',
    default: '16384',
    help: 'Batch size in bytes (batch.size).',
  },
  {
    name: 'message-send-max-retries',
    arg: 'required',
    argName: 'Integer',
    default: '3',
    help: 'Retries of a failed send (retries).',
  },
  {
    name: 'retry-backoff-ms',
    arg: 'required',
    argName: 'Long',
    default: '100',
    help: 'Wait before a retry (retry.backoff.ms).',
  },
  {
    name: 'timeout',
    arg: 'required',
    argName: 'Long: timeout_ms',
    default: '1000',
    help: 'How long a record may wait for its batch to fill (linger.ms).',
  },
  {
    name: 'request-required-acks',
    arg: 'required',
    argName: 'String: request required acks',
    default: '-1',
    help: 'Acknowledgements to wait for (acks): -1/all, 1 or 0.',
  },
  {
    name: 'request-timeout-ms',
    arg: 'required',
    argName: 'Integer: request timeout ms',
    default: '1500',
    help: 'Timeout of one produce request (request.timeout.ms).',
  },
  {
    name: 'metadata-expiry-ms',
    arg: 'required',
    argName: 'Long: metadata expiration interval',
    default: '300000',
    help: 'Refresh metadata at least this often (metadata.max.age.ms).',
  },
  {
    name: 'max-block-ms',
    arg: 'required',
    argName: 'Long: max block on send',
    default: '60000',
    help: 'How long a send may wait for metadata or buffer space (max.block.ms).',
  },
  {
    name: 'max-memory-bytes',
    arg: 'required',
    argName: 'Long: total memory in bytes',
    default: '33554432',
    help: 'Memory for records waiting to be sent (buffer.memory).',
  },
  {
    name: 'max-partition-memory-bytes',
    arg: 'required',
    argName: 'Integer: memory in bytes per partition',
    default: '16384',
    help: 'Batch size in bytes (batch.size); wins over --batch-size.',
  },
  {
    name: 'socket-buffer-size',
    arg: 'required',
    argName: 'Integer: size',
    default: '102400',
    help: 'Accepted for compatibility; Samsa leaves socket buffers to the system.',
  },
  {
    name: 'line-reader',
    arg: 'required',
    argName: 'String: reader_class',
    help: 'Accepted for compatibility; only the built-in line reader exists.',
  },
  {
    name: 'property',
    arg: 'required',
    argName: 'String: prop',
    help: 'A line reader setting key=value (repeatable): parse.key (false), key.separator (\\t), parse.headers (false), headers.delimiter (\\t), headers.separator (,), headers.key.separator (:), null.marker, ignore.error (false). Line formats: "value"; with parse.key "key\\tvalue"; with parse.headers too "h1:v1,h2:v2\\tkey\\tvalue".',
  },
  { name: 'reader-property', arg: 'required', argName: 'String: prop', hidden: true },
  {
    name: 'reader-config',
    arg: 'required',
    argName: 'String: config file',
    help: 'A properties file of line reader settings; --property wins over it.',
  },
  {
    name: 'producer-property',
    arg: 'required',
    argName: 'String: producer_prop',
    help: 'A producer setting key=value (repeatable).',
  },
  { name: 'command-property', arg: 'required', argName: 'String: producer_prop', hidden: true },
  {
    name: 'producer.config',
    arg: 'required',
    argName: 'String: config file',
    help: 'A properties file of producer settings; --producer-property wins over it.',
  },
  { name: 'command-config', arg: 'required', argName: 'String: config file', hidden: true },
];

const SUMMARY = 'Reads lines from standard input and sends each one to a topic as a record.';

/** Flag defaults apply unless the properties already set the key; a flag given explicitly wins. */
function merge(props: Props, args: ParsedArgs, key: string, flag: string): void {
  if (args.has(flag) || !(key in props)) {
    const v = args.get(flag);
    if (v !== undefined) props[key] = v;
  }
}

function producerSettings(args: ParsedArgs, bootstrap: string): Props {
  const fileName = args.get('producer.config') ?? args.get('command-config');
  const props: Props = {
    ...(fileName ? loadProps(fileName, '--producer.config') : {}),
    ...parseKeyValues(
      [...args.all('producer-property'), ...args.all('command-property')],
      '--producer-property',
    ),
  };
  props['bootstrap.servers'] = bootstrap;
  props['compression.type'] = args.has('compression-codec')
    ? args.get('compression-codec') || 'gzip'
    : 'none';
  props['client.id'] ??= 'console-producer';
  merge(props, args, 'linger.ms', 'timeout');
  merge(props, args, 'acks', 'request-required-acks');
  merge(props, args, 'request.timeout.ms', 'request-timeout-ms');
  merge(props, args, 'retries', 'message-send-max-retries');
  merge(props, args, 'retry.backoff.ms', 'retry-backoff-ms');
  merge(props, args, 'buffer.memory', 'max-memory-bytes');
  merge(props, args, 'batch.size', 'batch-size');
  if (args.has('max-partition-memory-bytes') || !args.has('batch-size'))
    merge(props, args, 'batch.size', 'max-partition-memory-bytes');
  merge(props, args, 'metadata.max.age.ms', 'metadata-expiry-ms');
  merge(props, args, 'max.block.ms', 'max-block-ms');
  props['default.api.timeout.ms'] ??= String(TOOL_API_TIMEOUT_MS);
  return clientSettings(props);
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseKafkaArgs(argv, SPECS, SUMMARY);
  if (parsed.exit !== undefined) return parsed.exit;
  const args = parsed.args;
  required(args, 'topic');
  const bootstrap = checkBootstrap(bootstrapOf(args, true));
  const topic = args.get('topic') as string;
  const readerProps = {
    ...(args.has('reader-config') ? loadProps(args.get('reader-config') as string, '--reader-config') : {}),
    ...parseKeyValues([...args.all('property'), ...args.all('reader-property')], '--property'),
  };
  const reader = lineReaderOptions(topic, readerProps);
  const lineReader = args.get('line-reader');
  if (lineReader && !/LineMessageReader$/.test(lineReader)) {
    throw new UsageError(`--line-reader ${lineReader}: only the built-in line reader is available`);
  }
  const producer = await openProducer(producerSettings(args, bootstrap));
  const queue = new SendQueue(producer, (r: ProducerRecord, err) =>
    eprintln(
      `Error when sending message to topic ${r.topic} with key: ${sizeText(r.key)}, value: ${sizeText(r.value)} with error: ${errorMessage(err)}`,
    ),
  );
  const source = stdinLines('>');
  let interrupted = 0;
  const onSignal = (code: number) => () => {
    interrupted = code;
    source.stop();
  };
  process.once('SIGINT', onSignal(130));
  process.once('SIGTERM', onSignal(143));
  let failure: unknown = null;
  try {
    await producer.connect();
    let lineNumber = 0;
    for await (const line of source.lines) {
      const record = lineToRecord(reader, line, ++lineNumber);
      if (args.has('sync')) await queue.sendAndWait(record);
      else await queue.send(record);
    }
  } catch (err) {
    failure = err;
  }
  await producer.close().catch(() => {});
  await queue.drained();
  if (failure) {
    if (failure instanceof LineFormatError || failure instanceof UsageError) throw failure;
    eprintln(`${NAME}: ${errorMessage(failure)}`);
    return 1;
  }
  if (interrupted) return interrupted;
  return queue.failures > 0 ? 1 : 0;
}

runTool(NAME, main);
