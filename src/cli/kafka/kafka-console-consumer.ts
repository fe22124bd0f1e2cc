#!/usr/bin/env node
// kafka-console-consumer.sh: records of a topic (or of the topics a regex matches) to standard
// output in Kafka's format, `Processed a total of N messages` on stderr at the end. Without --group
// it joins a made-up group `console-consumer-<n>` and commits nothing, as Kafka's tool does; with
// --group it commits the offsets of the records it printed.
import type { Consumer } from '../../client/index.js';
import { type OptionSpec, type ParsedArgs, parseInteger, UsageError } from '../args.js';
import {
  checkBootstrap,
  clientSettings,
  loadProps,
  type Props,
  parseKeyValues,
  TOOL_API_TIMEOUT_MS,
} from '../client-config.js';
import { openAdmin, openConsumer } from '../lib/clients.js';
import { formatRecord, formatterOptions } from '../lib/formatter.js';
import { parseKafkaArgs } from '../lib/kafka-tool.js';
import { Output } from '../lib/output.js';
import { RecordLoop } from '../lib/record-loop.js';
import { eprintln, errorMessage, runTool } from '../tool.js';

const NAME = 'kafka-console-consumer.sh';

const SPECS: OptionSpec[] = [
  {
    name: 'bootstrap-server',
    arg: 'required',
    argName: 'String: server to connect to',
    help: 'REQUIRED: the broker(s) to connect to, host:port[,host:port].',
  },
  { name: 'topic', arg: 'required', argName: 'String: topic', help: 'The topic to consume.' },
  {
    name: 'include',
    arg: 'required',
    argName: 'String: Java regex (String)',
    help: 'A regular expression of the topics to consume.',
  },
  { name: 'whitelist', arg: 'required', argName: 'String: Java regex (String)', hidden: true },
  {
    name: 'partition',
    arg: 'required',
    argName: 'Integer: partition',
    help: 'Consume only this partition, starting at its end unless --offset or --from-beginning says otherwise.',
  },
  {
    name: 'offset',
    arg: 'required',
    argName: 'String: consume offset',
    default: 'latest',
    help: "Where to start in --partition: a non-negative offset, 'earliest' or 'latest'.",
  },
  {
    name: 'from-beginning',
    help: 'Start at the earliest record when the group has no committed offset (auto.offset.reset=earliest).',
  },
  {
    name: 'group',
    arg: 'required',
    argName: 'String: consumer group id',
    help: 'The consumer group to join; its offsets are committed.',
  },
  {
    name: 'max-messages',
    arg: 'required',
    argName: 'Integer: num_messages',
    help: 'Exit after this many records (default: run until interrupted).',
  },
  {
    name: 'timeout-ms',
    arg: 'required',
    argName: 'Long: timeout_ms',
    help: 'Exit when no record arrived for this long.',
  },
  { name: 'skip-message-on-error', help: 'Skip a record that cannot be formatted instead of stopping.' },
  {
    name: 'isolation-level',
    arg: 'required',
    argName: 'String',
    default: 'read_uncommitted',
    help: 'read_committed hides records of aborted and open transactions; read_uncommitted shows everything.',
  },
  {
    name: 'formatter',
    arg: 'required',
    argName: 'String: class',
    help: 'Accepted for compatibility; only the default formatter exists.',
  },
  {
    name: 'property',
    arg: 'required',
    argName: 'String: prop',
    help: 'A formatter setting key=value (repeatable): print.timestamp, print.key, print.offset, print.partition, print.headers, print.epoch, print.value (true/false); key.separator, line.separator, headers.separator, null.literal; key.deserializer, value.deserializer, headers.deserializer (Java class names of the common types).',
  },
  { name: 'formatter-property', arg: 'required', argName: 'String: prop', hidden: true },
  {
    name: 'formatter-config',
    arg: 'required',
    argName: 'String: config file',
    help: 'A properties file of formatter settings; --property wins over it.',
  },
  {
    name: 'key-deserializer',
    arg: 'required',
    argName: 'String: deserializer for key',
    help: 'Java class name of the key type, e.g. org.apache.kafka.common.serialization.LongDeserializer.',
  },
  {
    name: 'value-deserializer',
    arg: 'required',
    argName: 'String: deserializer for values',
    help: 'Java class name of the value type.',
  },
  {
    name: 'consumer-property',
    arg: 'required',
    argName: 'String: consumer_prop',
    help: 'A consumer setting key=value (repeatable).',
  },
  { name: 'command-property', arg: 'required', argName: 'String: consumer_prop', hidden: true },
  {
    name: 'consumer.config',
    arg: 'required',
    argName: 'String: config file',
    help: 'A properties file of consumer settings; --consumer-property wins over it.',
  },
  { name: 'command-config', arg: 'required', argName: 'String: config file', hidden: true },
  { name: 'enable-systest-events', help: 'Accepted for compatibility; does nothing.' },
];

const SUMMARY = 'Reads records from topics and prints them on standard output.';

interface Plan {
  settings: Props;
  topic?: string;
  include?: RegExp;
  partition?: number;
  offset: 'earliest' | 'latest' | number;
  groupGiven: boolean;
  autoCommit: boolean;
  commitIntervalMs: number;
}

function startOffset(args: ParsedArgs): 'earliest' | 'latest' | number {
  if (args.has('offset')) {
    const text = (args.get('offset') as string).toLowerCase();
    if (text === 'earliest' || text === 'latest') return text;
    const n = /^\d+$/.test(text) ? Number(text) : -1;
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new UsageError(
        `The provided offset value '${args.get('offset')}' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long.`,
      );
    }
    return n;
  }
  return args.has('from-beginning') ? 'earliest' : 'latest';
}

function plan(args: ParsedArgs): Plan {
  let include = args.get('include');
  if (include === undefined && args.has('whitelist')) {
    eprintln('WARN: --whitelist is deprecated (removed in Kafka 4.0); use --include instead.');
    include = args.get('whitelist');
  }
  if ([args.get('topic'), include].filter((x) => x !== undefined).length !== 1) {
    throw new UsageError('Exactly one of --include/--topic is required.');
  }
  if (args.has('partition')) {
    if (!args.has('topic')) throw new UsageError('The topic is required when partition is specified.');
    if (args.has('from-beginning') && args.has('offset')) {
      throw new UsageError('Options from-beginning and offset cannot be specified together.');
    }
  } else if (args.has('offset')) throw new UsageError('The partition is required when offset is specified.');
  const bootstrap = checkBootstrap(args.get('bootstrap-server'));
  const file = args.get('consumer.config') ?? args.get('command-config');
  const fromFile = file ? loadProps(file, '--consumer.config') : {};
  const extra = parseKeyValues(
    [...args.all('consumer-property'), ...args.all('command-property')],
    '--consumer-property',
  );
  const groups = new Set<string>();
  if (args.has('group')) groups.add(args.get('group') as string);
  if (fromFile['group.id'] !== undefined) groups.add(fromFile['group.id']);
  if (extra['group.id'] !== undefined) groups.add(extra['group.id']);
  if (groups.size > 1) {
    throw new UsageError(
      `The group ids given with --group, --consumer-property and --consumer.config differ: ${[...groups].map((g) => `'${g}'`).join(', ')}`,
    );
  }
  if (groups.size > 0 && args.has('partition'))
    throw new UsageError('Options group and partition cannot be specified together.');
  const props: Props = { ...fromFile, ...extra };
  const reset = props['auto.offset.reset'];
  if (reset !== undefined) {
    if (args.has('from-beginning') && reset !== 'earliest') {
      throw new UsageError(
        `Can't use --from-beginning together with 'auto.offset.reset=${reset}'; remove one of them.`,
      );
    }
  } else props['auto.offset.reset'] = args.has('from-beginning') ? 'earliest' : 'latest';
  props['bootstrap.servers'] = bootstrap;
  props['client.id'] ??= 'console-consumer';
  if (args.has('isolation-level') || props['isolation.level'] === undefined)
    props['isolation.level'] = args.get('isolation-level') as string;
  props['default.api.timeout.ms'] ??= String(TOOL_API_TIMEOUT_MS);
  const groupGiven = groups.size > 0;
  let autoCommit = (props['enable.auto.commit'] ?? 'true').trim().toLowerCase() !== 'false';
  if (!groupGiven) {
    props['group.id'] = `console-consumer-${Math.floor(Math.random() * 100_000)}`;
    if (props['enable.auto.commit'] === undefined) autoCommit = false;
  } else props['group.id'] = [...groups][0];
  const commitIntervalMs = Number(props['auto.commit.interval.ms'] ?? 5000);
  // The loop commits what it printed; the client's own auto commit would commit what it handed out.
  props['enable.auto.commit'] = 'false';
  return {
    settings: clientSettings(props),
    topic: args.get('topic'),
    include: include === undefined ? undefined : compileRegex(include),
    partition: args.has('partition')
      ? parseInteger(args.get('partition') as string, '--partition', { min: 0 })
      : undefined,
    offset: startOffset(args),
    groupGiven,
    autoCommit,
    commitIntervalMs: Number.isFinite(commitIntervalMs) ? commitIntervalMs : 5000,
  };
}

function compileRegex(text: string): RegExp {
  try {
    return new RegExp(`^(?:${text})$`);
  } catch {
    throw new UsageError(`${text} is an invalid regex.`);
  }
}

/**
 * Checks the cluster answers (and that the partition exists, for --partition) before consuming:
 * the consumer itself would keep retrying an unreachable broker, or wait for a missing partition,
 * forever, as Java's does.
 */
async function preflight(p: Plan): Promise<void> {
  const admin = await openAdmin({
    'bootstrap.servers': p.settings['bootstrap.servers'],
    'default.api.timeout.ms': p.settings['default.api.timeout.ms'],
    // The same TLS and SASL settings as the consumer's.
    ...Object.fromEntries(Object.entries(p.settings).filter(([k]) => /^(security|ssl|sasl)\./.test(k))),
  });
  try {
    await admin.describeCluster();
    if (p.partition === undefined) return;
    const [d] = await admin.describeTopics([p.topic as string]);
    if (!d.partitions.some((x) => x.partition === p.partition)) {
      throw new UsageError(
        `partition ${p.partition} of topic ${p.topic} does not exist (it has ${d.partitions.length})`,
      );
    }
  } finally {
    await admin.close().catch(() => {});
  }
}

async function start(consumer: Consumer, p: Plan, loop: RecordLoop): Promise<void> {
  if (p.partition !== undefined) {
    const tp = { topic: p.topic as string, partition: p.partition };
    if (typeof p.offset === 'number') consumer.assign([{ ...tp, offset: p.offset }]);
    else {
      consumer.assign([tp]);
      if (p.offset === 'earliest') await consumer.seekToBeginning([tp]);
      else await consumer.seekToEnd([tp]);
    }
  } else await consumer.subscribe(p.include ?? [p.topic as string], loop.listener());
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseKafkaArgs(argv, SPECS, SUMMARY);
  if (parsed.exit !== undefined) return parsed.exit;
  const args = parsed.args;
  const p = plan(args);
  const formatterProps = {
    ...(args.has('formatter-config')
      ? loadProps(args.get('formatter-config') as string, '--formatter-config')
      : {}),
    ...(args.has('key-deserializer') ? { 'key.deserializer': args.get('key-deserializer') as string } : {}),
    ...(args.has('value-deserializer')
      ? { 'value.deserializer': args.get('value-deserializer') as string }
      : {}),
    ...parseKeyValues([...args.all('property'), ...args.all('formatter-property')], '--property'),
  };
  const fmt = formatterOptions(formatterProps);
  const formatter = args.get('formatter');
  if (formatter && !/DefaultMessageFormatter$/.test(formatter)) {
    throw new UsageError(`--formatter ${formatter}: only the default formatter is available`);
  }
  const max = args.int('max-messages');
  const timeoutMs = args.int('timeout-ms');
  await preflight(p);
  const consumer = await openConsumer(p.settings);
  const out = new Output();
  const skipErrors = args.has('skip-message-on-error');
  const loop = new RecordLoop(consumer, {
    max,
    idleTimeoutMs: timeoutMs !== undefined && timeoutMs >= 0 ? timeoutMs : undefined,
    commit: p.autoCommit,
    commitIntervalMs: p.commitIntervalMs,
    onRecord: async (r) => {
      let bytes: Buffer;
      try {
        bytes = formatRecord(fmt, r);
      } catch (err) {
        if (!skipErrors) throw err;
        eprintln(`ERROR Error processing message, skipping this message: ${errorMessage(err)}`);
        return true;
      }
      await out.push(bytes);
      if (out.closed) eprintln('Unable to write to standard out, closing consumer.');
      return !out.closed;
    },
  });
  let interrupted = 0;
  const onSignal = (code: number) => () => {
    interrupted = code;
    loop.stop();
  };
  process.once('SIGINT', onSignal(130));
  process.once('SIGTERM', onSignal(143));
  let failure: unknown = null;
  try {
    await start(consumer, p, loop);
    await loop.run();
  } catch (err) {
    failure = err;
  }
  await out.flush();
  await loop.commitPrinted();
  await consumer.close().catch(() => {});
  eprintln(`Processed a total of ${loop.count} messages`);
  if (failure) {
    if (failure instanceof UsageError) throw failure;
    eprintln(`${NAME}: ${errorMessage(failure)}`);
    return 1;
  }
  return interrupted;
}

runTool(NAME, main);
