// Conventions shared by the kafka-*.sh tools: how they parse (joptsimple's way), what no
// arguments, --help and --version do, and the flags Kafka deprecated or removed.
import {
  HELP_SPECS,
  kafkaHelp,
  type OptionSpec,
  type ParsedArgs,
  parseArgs,
  SAMSA_VERSION,
  UsageError,
} from '../args.js';
import { eprintln, println } from '../tool.js';

export type Parsed = { args: ParsedArgs; exit?: undefined } | { args?: undefined; exit: number };

/**
 * Parses a Kafka tool's arguments. With no arguments the usage goes to stderr with exit code 1, as
 * Kafka's tools do; `--help` prints it on stdout with exit code 0 (Kafka exits 1 there too, which
 * only gets in the way of `--help | less`).
 */
export function parseKafkaArgs(
  argv: readonly string[],
  specs: readonly OptionSpec[],
  summary: string,
  /** Tools with subcommands (kafka-metadata-quorum.sh describe ...) take positional arguments. */
  positionals = false,
): Parsed {
  const all = [...specs, ...HELP_SPECS];
  if (argv.length === 0) {
    eprintln(kafkaHelp(summary, all));
    return { exit: 1 };
  }
  const args = parseArgs(argv, all, { abbreviations: true, singleDashLong: true, positionals });
  if (args.has('help')) {
    println(kafkaHelp(summary, all));
    return { exit: 0 };
  }
  if (args.has('version')) {
    println(`${SAMSA_VERSION} (Samsa)`);
    return { exit: 0 };
  }
  return { args };
}

/** `--zookeeper`: accepted by the parser so the answer can say what to use instead. */
export const ZOOKEEPER_SPEC: OptionSpec = { name: 'zookeeper', arg: 'required', hidden: true };

export function refuseZookeeper(args: ParsedArgs): void {
  if (args.has('zookeeper')) {
    throw new UsageError(
      '--zookeeper is not supported: Kafka removed ZooKeeper in 4.0 and Samsa never used it. ' +
        'Connect to a broker with --bootstrap-server host:port instead.',
    );
  }
}

/** `--broker-list`, the old name of --bootstrap-server on producer-side tools (removed in Kafka 4.0). */
export const BROKER_LIST_SPEC: OptionSpec = {
  name: 'broker-list',
  arg: 'required',
  argName: 'String: broker-list',
  hidden: true,
};

/**
 * The bootstrap servers from --bootstrap-server, or from the deprecated --broker-list (ignored when
 * --bootstrap-server is given, as in Kafka 3.x) with a warning on stderr.
 */
export function bootstrapOf(args: ParsedArgs, allowBrokerList: boolean): string | undefined {
  const bootstrap = args.get('bootstrap-server');
  if (allowBrokerList && args.has('broker-list')) {
    eprintln(
      bootstrap !== undefined
        ? 'WARN: --broker-list is deprecated and ignored because --bootstrap-server is given.'
        : 'WARN: --broker-list is deprecated (removed in Kafka 4.0); use --bootstrap-server instead.',
    );
    return bootstrap ?? args.get('broker-list');
  }
  return bootstrap;
}

/** Exactly one of the action switches, or a UsageError listing them. */
export function oneAction(args: ParsedArgs, actions: readonly string[]): string {
  const given = actions.filter((a) => args.has(a));
  if (given.length !== 1) {
    throw new UsageError(
      `Command must include exactly one action: ${actions.map((a) => `--${a}`).join(', ')}`,
    );
  }
  return given[0];
}

/** Fails when `option` is combined with any of `others`. */
export function notWith(args: ParsedArgs, option: string, others: readonly string[]): void {
  if (!args.has(option)) return;
  for (const o of others) {
    if (args.has(o)) throw new UsageError(`Option "--${option}" can't be used with option "--${o}"`);
  }
}

export function required(args: ParsedArgs, ...names: string[]): void {
  for (const n of names) {
    if (!args.has(n)) throw new UsageError(`Missing required argument "--${n}"`);
  }
}
