#!/usr/bin/env node
// kafka-transactions.sh: list, describe, describe-producers, abort and find-hanging, with the flags and
// the tab-separated tables of Kafka's TransactionsCommand (KIP-664). Kafka parses it with argparse
// (options of the tool before the command, the command's after it); both may come in either order here.
import type { Admin } from '../../client/index.js';
import { CommandError, type OptionSpec, type ParsedArgs, parseArgs, UsageError } from '../args.js';
import { adminSettings, checkBootstrap, loadProps } from '../client-config.js';
import { withAdmin } from '../lib/clients.js';
import {
  abortAtOffset,
  DESCRIBE_HEADERS,
  describeRow,
  findHanging,
  HANGING_HEADERS,
  hangingRow,
  LIST_HEADERS,
  listRows,
  PRODUCER_HEADERS,
  producerRow,
  tabTable,
} from '../lib/transactions.js';
import { errorMessage, println, printVersion, runTool } from '../tool.js';

const NAME = 'kafka-transactions.sh';

const GLOBAL: OptionSpec[] = [
  { name: 'help', short: 'h', help: 'show this help message and exit' },
  { name: 'version', short: 'v', help: 'show the version of this Kafka distribution and exit' },
  {
    name: 'command-config',
    arg: 'required',
    argName: 'FILE',
    help: 'property file containing configs to be passed to admin client',
  },
  {
    name: 'bootstrap-server',
    arg: 'required',
    argName: 'host:port',
    help: 'hostname and port for the broker to connect to, in the form `host:port`  (multiple comma-separated entries can be given)',
  },
];

const COMMANDS: Record<string, { help: string; specs: OptionSpec[] }> = {
  list: {
    help: 'list transactions',
    specs: [
      {
        name: 'duration-filter',
        arg: 'required',
        argName: 'DURATION_FILTER',
        help: 'Duration (in millis) to filter by: if < 0, all transactions will be returned; otherwise, only transactions running longer than this duration will be returned',
      },
    ],
  },
  describe: {
    help: 'describe the state of an active transactional-id',
    specs: [
      { name: 'transactional-id', arg: 'required', argName: 'TRANSACTIONAL_ID', help: 'transactional id' },
    ],
  },
  'describe-producers': {
    help: 'describe the states of active producers for a topic partition',
    specs: [
      {
        name: 'broker-id',
        arg: 'required',
        argName: 'BROKER_ID',
        help: 'optional broker id to describe the producer state on a specific replica',
      },
      { name: 'topic', arg: 'required', argName: 'TOPIC', help: 'topic name' },
      { name: 'partition', arg: 'required', argName: 'PARTITION', help: 'partition number' },
    ],
  },
  abort: {
    help: 'abort a hanging transaction (requires administrative privileges)',
    specs: [
      { name: 'topic', arg: 'required', argName: 'TOPIC', help: 'topic name' },
      { name: 'partition', arg: 'required', argName: 'PARTITION', help: 'partition number' },
      {
        name: 'start-offset',
        arg: 'required',
        argName: 'START_OFFSET',
        help: 'start offset of the transaction to abort (brokers on 3.0 and above)',
      },
      {
        name: 'producer-id',
        arg: 'required',
        argName: 'PRODUCER_ID',
        help: 'producer id (brokers older than 3.0)',
      },
      {
        name: 'producer-epoch',
        arg: 'required',
        argName: 'PRODUCER_EPOCH',
        help: 'producer epoch (brokers older than 3.0)',
      },
      {
        name: 'coordinator-epoch',
        arg: 'required',
        argName: 'COORDINATOR_EPOCH',
        help: 'coordinator epoch (brokers older than 3.0)',
      },
    ],
  },
  'find-hanging': {
    help: 'find hanging transactions',
    specs: [
      {
        name: 'broker-id',
        arg: 'required',
        argName: 'BROKER_ID',
        help: 'broker id to search for hanging transactions',
      },
      {
        name: 'max-transaction-timeout',
        arg: 'required',
        argName: 'MAX_TRANSACTION_TIMEOUT',
        default: '15',
        help: 'maximum transaction timeout in minutes to limit the scope of the search',
      },
      { name: 'topic', arg: 'required', argName: 'TOPIC', help: 'topic name to limit search to' },
      { name: 'partition', arg: 'required', argName: 'PARTITION', help: 'partition number' },
    ],
  },
};

const USAGE = `usage: ${NAME} [-h] [-v] [--command-config FILE] --bootstrap-server host:port COMMAND ...`;

function help(): string {
  const lines = [
    USAGE,
    '',
    'This tool is used to analyze the transactional state of producers in the cluster. It can be used to detect and recover from hanging transactions.',
    '',
    'optional arguments:',
    ...GLOBAL.map(
      (s) =>
        `  ${s.short ? `-${s.short}, ` : ''}--${s.name}${s.argName ? ` ${s.argName}` : ''}\n                         ${s.help}`,
    ),
    '',
    'commands:',
    '  COMMAND',
    ...Object.entries(COMMANDS).map(([name, c]) => `    ${name.padEnd(21)}${c.help}`),
  ];
  return lines.join('\n');
}

function commandHelp(name: string): string {
  const c = COMMANDS[name];
  const usage = `usage: ${NAME} ${name} [-h] ${c.specs.map((s) => `[--${s.name} ${s.argName}]`).join(' ')}`;
  return [
    usage,
    '',
    'optional arguments:',
    '  -h, --help             show this help message and exit',
    ...c.specs.map(
      (s) =>
        `  --${s.name} ${s.argName}\n                         ${s.help}${s.default ? ` (default: ${s.default})` : ''}`,
    ),
  ].join('\n');
}

/** An argparse-style mistake: the usage line, then `<tool>: error: <message>` (exit 1). */
function argError(message: string, usage = USAGE): UsageError {
  return new UsageError(`error: ${message}\n${usage}`);
}

function integer(args: ParsedArgs, name: string, usage: string): number | undefined {
  const v = args.get(name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v))
    throw argError(
      `argument --${name}: could not convert '${v}' to Integer (For input string: "${v}")`,
      usage,
    );
  return Number(v);
}

function split(argv: readonly string[]): { global: string[]; command: string | null; rest: string[] } {
  const takesValue = new Set(GLOBAL.filter((s) => s.arg === 'required').map((s) => `--${s.name}`));
  for (let i = 0; i < argv.length; i++) {
    if (COMMANDS[argv[i]]) return { global: argv.slice(0, i), command: argv[i], rest: argv.slice(i + 1) };
    if (takesValue.has(argv[i])) i++;
  }
  return { global: [...argv], command: null, rest: [] };
}

async function main(argv: string[]): Promise<number> {
  const { global, command, rest } = split(argv);
  const allGlobal = parseArgs(global, GLOBAL, { abbreviations: true });
  if (allGlobal.has('help') && command === null) {
    println(help());
    return 0;
  }
  if (allGlobal.has('version')) return printVersion();
  if (command === null) throw argError('too few arguments');
  const specs = [...COMMANDS[command].specs, ...GLOBAL];
  const usage = `usage: ${NAME} ${command} [-h] ...`;
  const args = parseArgs(rest, specs, { abbreviations: true });
  if (args.has('help') || allGlobal.has('help')) {
    println(commandHelp(command));
    return 0;
  }
  const bootstrap = args.get('bootstrap-server') ?? allGlobal.get('bootstrap-server');
  if (bootstrap === undefined) throw argError('argument --bootstrap-server is required');
  const configFile = args.get('command-config') ?? allGlobal.get('command-config');
  const props = configFile ? loadProps(configFile, '--command-config') : {};
  const settings = adminSettings(checkBootstrap(bootstrap), props, 'kafka-transactions');
  return withAdmin(settings, (admin) => run(command, args, usage, admin));
}

async function run(command: string, args: ParsedArgs, usage: string, admin: Admin): Promise<number> {
  switch (command) {
    case 'list': {
      const rows = await listRows(admin, integer(args, 'duration-filter', usage)).catch(
        fail('Failed to list transactions'),
      );
      println(tabTable(LIST_HEADERS, rows));
      return 0;
    }
    case 'describe': {
      const id = args.get('transactional-id');
      if (id === undefined) throw argError('argument --transactional-id is required', usage);
      const row = await describeRow(admin, id).catch(
        fail(`Failed to describe transaction state of transactional-id \`${id}\``),
      );
      println(tabTable(DESCRIBE_HEADERS, [row]));
      return 0;
    }
    case 'describe-producers': {
      const tp = topicPartition(args, usage);
      const brokerId = integer(args, 'broker-id', usage);
      const where = brokerId === undefined ? 'leader' : `broker ${brokerId}`;
      const producers = await admin
        .describeProducers(tp, { brokerId })
        .catch(fail(`Failed to describe producers for partition ${tp.topic}-${tp.partition} on ${where}`));
      println(tabTable(PRODUCER_HEADERS, producers.map(producerRow)));
      return 0;
    }
    case 'abort':
      await abort(args, usage, admin);
      return 0;
    default:
      return findHangingCommand(args, usage, admin);
  }
}

function topicPartition(args: ParsedArgs, usage: string): { topic: string; partition: number } {
  const topic = args.get('topic');
  if (topic === undefined) throw argError('argument --topic is required', usage);
  const partition = integer(args, 'partition', usage);
  if (partition === undefined) throw argError('argument --partition is required', usage);
  return { topic, partition };
}

async function abort(args: ParsedArgs, usage: string, admin: Admin): Promise<void> {
  const tp = topicPartition(args, usage);
  const startOffset = integer(args, 'start-offset', usage);
  const producerId = integer(args, 'producer-id', usage);
  if (startOffset === undefined && producerId === undefined) {
    throw new CommandError(
      'The transaction to abort must be identified either with --start-offset (for brokers on 3.0 or above) or with --producer-id, --producer-epoch, and --coordinator-epoch (for older brokers)',
    );
  }
  if (startOffset !== undefined) {
    await abortAtOffset(admin, tp, startOffset).catch((e) => {
      if (e instanceof CommandError) throw e;
      throw new CommandError(
        `Failed to validate producer state for partition ${tp.topic}-${tp.partition}: ${errorMessage(e)}. Enable debug logging for additional detail.`,
      );
    });
    return;
  }
  const producerEpoch = integer(args, 'producer-epoch', usage);
  if (producerEpoch === undefined) throw new CommandError('Missing required argument --producer-epoch');
  const coordinatorEpoch = integer(args, 'coordinator-epoch', usage);
  if (coordinatorEpoch === undefined) throw new CommandError('Missing required argument --coordinator-epoch');
  // A transaction that hung before its first marker has no coordinator epoch (-1): 0 is at or below any.
  const spec = {
    ...tp,
    producerId: producerId as number,
    producerEpoch,
    coordinatorEpoch: Math.max(0, coordinatorEpoch),
  };
  await admin.abortTransaction(spec).catch(fail(`Failed to abort transaction ${JSON.stringify(spec)}`));
}

async function findHangingCommand(args: ParsedArgs, usage: string, admin: Admin): Promise<number> {
  const brokerId = integer(args, 'broker-id', usage);
  const topic = args.get('topic');
  if (topic === undefined && brokerId === undefined)
    throw new CommandError(
      'The `find-hanging` command requires either --topic or --broker-id to limit the scope of the search',
    );
  const partition = integer(args, 'partition', usage);
  if (partition !== undefined && topic === undefined)
    throw new CommandError('The --partition argument requires --topic to be provided');
  const minutes = integer(args, 'max-transaction-timeout', usage) ?? 15;
  const now = Date.now();
  const hanging = await findHanging(
    admin,
    { topic, partition, brokerId, maxTransactionTimeoutMs: minutes * 60_000 },
    now,
  ).catch(fail('Failed to find hanging transactions'));
  println(
    tabTable(
      HANGING_HEADERS,
      hanging.map((h) => hangingRow(h, now)),
    ),
  );
  return 0;
}

/** Kafka's way of reporting a failed call: the step, the cause, a hint; exit 1. */
function fail(what: string): (e: unknown) => never {
  return (e) => {
    throw new CommandError(`${what}: ${errorMessage(e)}. Enable debug logging for additional detail.`);
  };
}

runTool(NAME, main, { errorPrefix: '', usageHint: '' });
