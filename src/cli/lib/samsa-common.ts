// What every `samsa` subcommand shares: the connection flags (--brokers or $SAMSA_BROKERS,
// -X key=value client settings, --timeout), --json, help with examples, tables and durations.
import { type OptionSpec, type ParsedArgs, parseArgs, UsageError } from '../args.js';
import { clientSettings, loadProps, type Props, parseKeyValues } from '../client-config.js';
import { println } from '../tool.js';

export const DEFAULT_BROKERS = 'localhost:9092';

export const COMMON_SPECS: OptionSpec[] = [
  {
    name: 'brokers',
    short: 'b',
    arg: 'required',
    argName: 'host:port,...',
    help: `Brokers to connect to (default: $SAMSA_BROKERS, else ${DEFAULT_BROKERS})`,
  },
  { name: 'json', help: 'Print JSON instead of tables' },
  {
    name: 'timeout',
    arg: 'required',
    argName: 'duration',
    help: 'How long to wait for the cluster, e.g. 5s, 500ms (default 10s)',
  },
  {
    name: 'X',
    short: 'X',
    arg: 'required',
    argName: 'key=value',
    help: "A client setting in Kafka's spelling, e.g. -X client.id=me (repeatable)",
  },
  {
    name: 'command-config',
    arg: 'required',
    argName: 'file',
    help: 'A properties file of client settings (security.protocol, ssl.*, sasl.*, ...)',
  },
  { name: 'help', short: 'h', help: 'Show this help' },
];

export interface Command {
  /** `samsa <name>` */
  name: string;
  summary: string;
  usage: string;
  specs: OptionSpec[];
  examples: string[];
  /** Lines printed after the options (what the common options mean for this command). */
  notes?: string[];
  /** Runs with parsed arguments; returns the exit code. */
  run(args: ParsedArgs, ctx: Context): Promise<number>;
}

export interface Context {
  json: boolean;
  brokers: string;
  timeoutMs: number;
  /** Client settings for an admin, producer or consumer. */
  settings(extra?: Props): Props;
}

function specLine(s: OptionSpec): [string, string] {
  const flag = `${s.short && s.short !== s.name ? `-${s.short}, ` : '    '}--${s.name === 'X' ? 'X' : s.name}`;
  const head =
    s.name === 'X'
      ? `-X ${s.argName}`
      : `${flag}${(s.arg ?? 'none') !== 'none' ? ` ${s.argName ?? 'value'}` : ''}`;
  return [head, s.help ?? ''];
}

export function commandHelp(c: Command): string {
  const own = c.specs.filter((s) => !s.hidden).map(specLine);
  const common = COMMON_SPECS.map(specLine);
  const width = Math.max(...[...own, ...common].map(([h]) => h.length)) + 2;
  const fmt = (rows: [string, string][]) =>
    rows.map(([h, d]) => `  ${h.padEnd(width)}${d}`.trimEnd()).join('\n');
  return [
    `${c.summary}`,
    '',
    `Usage: samsa ${c.usage}`,
    '',
    ...(own.length > 0 ? ['Options:', fmt(own), ''] : []),
    'Connection and output:',
    fmt(common),
    '',
    ...(c.notes ? [...c.notes, ''] : []),
    'Examples:',
    ...c.examples.map((e) => `  ${e}`),
  ].join('\n');
}

/** A duration such as 10s, 500ms, 1m30s, 2h or 1d. */
export function parseDuration(text: string, what: string): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms'];
    total += Number(m[1]) * unit;
    matched = re.lastIndex;
  }
  if (matched !== t.length || t.length === 0)
    throw new UsageError(`${what}: '${text}' is not a duration (e.g. 10s, 500ms, 1h30m)`);
  return total;
}

export async function runCommand(c: Command, argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, [...c.specs, ...COMMON_SPECS], { positionals: true });
  if (args.has('help')) {
    println(commandHelp(c));
    return 0;
  }
  const brokers = args.get('brokers') ?? (process.env.SAMSA_BROKERS || DEFAULT_BROKERS);
  for (const b of brokers.split(',')) {
    if (!/^(\[[^\]]+\]|[^:\s]+):\d{1,5}$/.test(b.trim()))
      throw new UsageError(`--brokers '${b.trim()}' is not host:port`);
  }
  const timeoutMs = args.has('timeout') ? parseDuration(args.get('timeout') as string, '--timeout') : 10_000;
  const fromFile = args.has('command-config')
    ? loadProps(args.get('command-config') as string, '--command-config')
    : {};
  const extra = { ...fromFile, ...parseKeyValues(args.all('X'), '-X') };
  const ctx: Context = {
    json: args.has('json'),
    brokers,
    timeoutMs,
    settings: (more = {}) =>
      clientSettings({
        'client.id': 'samsa-cli',
        'default.api.timeout.ms': String(timeoutMs),
        'request.timeout.ms': String(timeoutMs),
        ...more,
        ...extra,
        'bootstrap.servers': brokers,
      }),
  };
  return c.run(args, ctx);
}

/** Columns aligned on their widest cell, two spaces apart; the header as given. */
export function table(
  headers: readonly string[],
  rows: readonly (readonly (string | number | null | undefined)[])[],
): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

/** `KEY  value` lines of a summary block. */
export function summary(pairs: readonly [string, string | number | null | undefined][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length)) + 2;
  return pairs.map(([k, v]) => `${k.padEnd(width)}${v === null || v === undefined ? '-' : v}`).join('\n');
}

export function printJson(value: unknown): void {
  println(JSON.stringify(value, null, 2));
}

/** Names from positional arguments; at least one. */
export function names(args: ParsedArgs, what: string): string[] {
  if (args.positionals.length === 0) throw new UsageError(`name at least one ${what}`);
  return [...args.positionals];
}
