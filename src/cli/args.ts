// A small declarative option parser for the command-line tools. It follows the conventions of the
// Java option parser Kafka's tools use (joptsimple), so commands written for Kafka keep working:
// `--opt value` and `--opt=value`, a single dash before a long name (`-topic t`), unambiguous
// abbreviations of long names (`--bootstrap`), options that take an optional value, repeated
// options collecting every value. The `samsa` command adds one-letter short options (`-n 10`).
// Node's util.parseArgs has neither optional values nor abbreviations, hence this file. It loads
// nothing else, so `--help` stays fast.

export const SAMSA_VERSION = '0.1.0';

export interface OptionSpec {
  /** Long name, without the dashes. */
  name: string;
  /** One-letter alias (samsa commands). */
  short?: string;
  /** 'required': the option takes a value; 'optional': it may; 'none' (default): a switch. */
  arg?: 'required' | 'optional' | 'none';
  /** What the value is, shown in the help (`--topic <String: topic>`). */
  argName?: string;
  /** Help text. */
  help?: string;
  /** Default value shown in the help and returned by `get` when the option is absent. */
  default?: string;
  /** Accepted but not listed in the help (deprecated and removed flags). */
  hidden?: boolean;
}

/** A mistake on the command line: reported as one line plus a pointer to --help, exit code 1. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure to report as it is (no usage hint): exit code 1, or `exitCode`. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface ParseOptions {
  /** Accept unambiguous prefixes of long names (joptsimple does). */
  abbreviations?: boolean;
  /** Accept `-name` for `--name` (joptsimple does). */
  singleDashLong?: boolean;
  /** Accept arguments that are not options (samsa subcommands take names). */
  positionals?: boolean;
}

export class ParsedArgs {
  constructor(
    private readonly specs: ReadonlyMap<string, OptionSpec>,
    readonly values: ReadonlyMap<string, (string | null)[]>,
    readonly positionals: readonly string[],
    /** Option names in the order they were given. */
    readonly order: readonly string[],
  ) {}

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** The last value given (null for a switch or an optional value left out), else the default. */
  get(name: string): string | undefined {
    const list = this.values.get(name);
    if (list && list.length > 0) return list[list.length - 1] ?? undefined;
    return this.specs.get(name)?.default;
  }

  /** Every value given, in order. */
  all(name: string): string[] {
    return (this.values.get(name) ?? []).filter((v): v is string => v !== null);
  }

  /** Whether any of the options is present. */
  any(...names: string[]): boolean {
    return names.some((n) => this.values.has(n));
  }

  /** An integer option, checked; undefined when absent and without default. */
  int(name: string, bounds: { min?: number; max?: number } = {}): number | undefined {
    const text = this.get(name);
    if (text === undefined) return undefined;
    return parseInteger(text, `--${name}`, bounds);
  }
}

export function parseInteger(
  text: string,
  what: string,
  bounds: { min?: number; max?: number } = {},
): number {
  const n = /^[-+]?\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new UsageError(`${what}: '${text}' is not a whole number`);
  if (bounds.min !== undefined && n < bounds.min)
    throw new UsageError(`${what}: ${n} is below the minimum ${bounds.min}`);
  if (bounds.max !== undefined && n > bounds.max)
    throw new UsageError(`${what}: ${n} is above the maximum ${bounds.max}`);
  return n;
}

function findLong(
  name: string,
  specs: ReadonlyMap<string, OptionSpec>,
  abbreviations: boolean,
): OptionSpec | undefined {
  const exact = specs.get(name);
  if (exact || !abbreviations) return exact;
  const candidates = [...specs.values()].filter((s) => s.name.startsWith(name));
  if (candidates.length === 1) return candidates[0];
  if (candidates.length > 1) {
    throw new UsageError(
      `option '${name}' is ambiguous: it could be ${candidates.map((c) => `--${c.name}`).join(', ')}`,
    );
  }
  return undefined;
}

function suggestion(name: string, specs: ReadonlyMap<string, OptionSpec>): string {
  let best = '';
  let bestScore = Number.POSITIVE_INFINITY;
  for (const s of specs.values()) {
    if (s.hidden) continue;
    const d = editDistance(name, s.name);
    if (d < bestScore) {
      bestScore = d;
      best = s.name;
    }
  }
  return bestScore <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean --${best}?)` : '';
}

export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/** Parses `argv` against `specs`; throws UsageError for an unknown option or a missing value. */
export function parseArgs(
  argv: readonly string[],
  specList: readonly OptionSpec[],
  options: ParseOptions = {},
): ParsedArgs {
  const specs = new Map(specList.map((s) => [s.name, s]));
  const shorts = new Map(specList.filter((s) => s.short).map((s) => [s.short as string, s]));
  const values = new Map<string, (string | null)[]>();
  const order: string[] = [];
  const positionals: string[] = [];
  const add = (spec: OptionSpec, value: string | null) => {
    const list = values.get(spec.name) ?? [];
    list.push(value);
    values.set(spec.name, list);
    order.push(spec.name);
  };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    let spec: OptionSpec | undefined;
    let inline: string | undefined;
    if (token.startsWith('--') || (options.singleDashLong && /^-[a-zA-Z][\w.-]+/.test(token))) {
      const body = token.replace(/^--?/, '');
      const eq = body.indexOf('=');
      const name = eq >= 0 ? body.slice(0, eq) : body;
      if (eq >= 0) inline = body.slice(eq + 1);
      spec = findLong(name, specs, options.abbreviations ?? false);
      if (!spec)
        throw new UsageError(`${token.split('=')[0]} is not a recognized option${suggestion(name, specs)}`);
    } else if (/^-[a-zA-Z]/.test(token)) {
      spec = shorts.get(token[1]);
      if (!spec) throw new UsageError(`${token} is not a recognized option`);
      if (token.length > 2) inline = token.slice(2).replace(/^=/, '');
    } else {
      if (!options.positionals) throw new UsageError(`unexpected argument '${token}'`);
      positionals.push(token);
      continue;
    }
    const kind = spec.arg ?? 'none';
    if (kind === 'none') {
      if (inline !== undefined) throw new UsageError(`option --${spec.name} does not take a value`);
      add(spec, null);
    } else if (inline !== undefined) {
      add(spec, inline);
    } else if (kind === 'required') {
      if (i + 1 >= argv.length) throw new UsageError(`option --${spec.name} requires a value`);
      add(spec, argv[++i]);
    } else {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('-')) {
        add(spec, next);
        i++;
      } else add(spec, null);
    }
  }
  return new ParsedArgs(specs, values, positionals, order);
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      if (line.length > 0 && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line.length > 0 ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out;
}

/**
 * The option table of a Kafka tool's help, laid out as Kafka's tools print theirs:
 * `Option` / `Description` columns, options in name order, wrapped at 80 columns.
 */
export function optionTable(specList: readonly OptionSpec[]): string {
  const left = 40;
  const right = 40;
  const lines = [`${'Option'.padEnd(left)} Description`, `${'------'.padEnd(left)} -----------`];
  const visible = specList.filter((s) => !s.hidden).sort((a, b) => a.name.localeCompare(b.name));
  for (const s of visible) {
    let head = `--${s.name}`;
    if ((s.arg ?? 'none') !== 'none') {
      const what = `<${s.argName ?? 'String'}>`;
      head += s.arg === 'optional' ? ` [${what.slice(1, -1)}]` : ` ${what}`;
    }
    let help = s.help ?? '';
    if (s.default !== undefined) help += `${help ? ' ' : ''}(default: ${s.default})`;
    const leftLines = wrap(head, left).map((l, i) => (i === 0 ? l : `  ${l}`));
    const rightLines = wrap(help, right);
    const n = Math.max(leftLines.length, rightLines.length);
    for (let i = 0; i < n; i++) {
      const l = (leftLines[i] ?? '').padEnd(left);
      const r = rightLines[i] ?? '';
      lines.push(`${l} ${r}`.trimEnd());
    }
  }
  return lines.join('\n');
}

/** Help of a Kafka tool: what it does, then the option table. */
export function kafkaHelp(summary: string, specList: readonly OptionSpec[]): string {
  return `${summary}\n${optionTable(specList)}`;
}

/** The --help and --version switches every Kafka tool has. */
export const HELP_SPECS: OptionSpec[] = [
  { name: 'help', help: 'Print usage information.' },
  { name: 'version', help: 'Display Samsa version.' },
];
