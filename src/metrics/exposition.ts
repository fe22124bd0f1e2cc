// The Prometheus text format, version 0.0.4: one `# HELP` and one `# TYPE` line per family, then its
// samples, every family in one contiguous group. Only scrapes build text; nothing here runs on a
// request path.

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'counter' | 'gauge' | 'summary' | 'histogram' | 'untyped';

/** Label names and values in the order they are printed. */
export type Labels = readonly (readonly [string, string | number])[];

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value)
    ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
    : value;
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** `{a="1",b="x"}`, or '' without labels. */
export function formatLabels(labels: Labels | null | undefined): string {
  if (!labels || labels.length === 0) return '';
  let s = '{';
  for (let i = 0; i < labels.length; i++) {
    const [name, value] = labels[i];
    if (i > 0) s += ',';
    s += `${name}="${escapeLabelValue(String(value))}"`;
  }
  return `${s}}`;
}

/** Collects the text of one scrape. Families must be written whole, one after the other. */
export class Exposition {
  private readonly lines: string[] = [];
  private readonly families = new Set<string>();
  private current = '';

  /** Starts a family; its samples follow. A family written twice is a bug. */
  family(name: string, type: MetricType, help: string): this {
    if (!NAME_RE.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`);
    if (this.families.has(name)) throw new Error(`metric family ${name} written twice`);
    this.families.add(name);
    this.current = name;
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    return this;
  }

  /**
   * One sample of the current family: `suffix` is '' or, for summaries and histograms, `_sum`,
   * `_count` or `_bucket`.
   */
  sample(labels: Labels | null, value: number, suffix = ''): this {
    if (this.current === '') throw new Error('a sample needs a family first');
    if (labels) for (const [n] of labels) if (!LABEL_RE.test(n)) throw new Error(`invalid label name ${n}`);
    this.lines.push(`${this.current}${suffix}${formatLabels(labels)} ${formatValue(value)}`);
    return this;
  }

  /** A family with a single unlabelled sample. */
  single(name: string, type: MetricType, help: string, value: number): this {
    return this.family(name, type, help).sample(null, value);
  }

  has(name: string): boolean {
    return this.families.has(name);
  }

  get familyNames(): ReadonlySet<string> {
    return this.families;
  }

  text(): string {
    return this.lines.length === 0 ? '' : `${this.lines.join('\n')}\n`;
  }
}
