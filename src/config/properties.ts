// Java's .properties syntax (java.util.Properties.load): `k=v`, `k: v`, `k v`, `#` and `!` comments,
// a backslash at the end of a line continues it, escapes \t \n \r \f \uXXXX, and a backslash before any
// other character keeps that character. A later duplicate key wins.
//
// One difference from Kafka: Kafka loads server.properties as ISO-8859-1; Samsa reads UTF-8, so
// non-ASCII paths and values survive unescaped.

export interface PropertyEntry {
  key: string;
  value: string;
  /** 1-based line where the entry starts. */
  line: number;
}

export type PropertiesResult =
  | { ok: true; entries: PropertyEntry[] }
  | { ok: false; error: string; line: number };

const isBlank = (c: string) => c === ' ' || c === '\t' || c === '\f';

function endsWithOddBackslashes(line: string): boolean {
  let count = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) count++;
  return count % 2 === 1;
}

function skipBlanks(line: string, from = 0): number {
  let i = from;
  while (i < line.length && isBlank(line[i])) i++;
  return i;
}

interface LogicalLine {
  text: string;
  line: number;
}

/** Joins continued lines and drops blank and comment lines. */
function logicalLines(text: string): LogicalLine[] {
  const natural = text.split(/\r\n|\r|\n/);
  const out: LogicalLine[] = [];
  for (let i = 0; i < natural.length; i++) {
    let line = natural[i].slice(skipBlanks(natural[i]));
    if (line === '' || line[0] === '#' || line[0] === '!') continue;
    const start = i + 1;
    while (endsWithOddBackslashes(line)) {
      line = line.slice(0, -1);
      if (++i >= natural.length) break;
      line += natural[i].slice(skipBlanks(natural[i]));
    }
    out.push({ text: line, line: start });
  }
  return out;
}

/** Resolves escapes; returns null for a malformed \uXXXX. */
function unescapeText(s: string): string | null {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\' || i + 1 >= s.length) {
      out += c === '\\' ? '' : c;
      continue;
    }
    const next = s[++i];
    if (next === 'u') {
      const hex = s.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) return null;
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += 4;
    } else {
      out += next === 't' ? '\t' : next === 'n' ? '\n' : next === 'r' ? '\r' : next === 'f' ? '\f' : next;
    }
  }
  return out;
}

/** Splits a logical line into raw key and raw value, as Properties.load does. */
function splitLine(line: string): [string, string] {
  let keyEnd = line.length;
  let valueStart = line.length;
  let hasSeparator = false;
  let escaped = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (!escaped && (c === '=' || c === ':' || isBlank(c))) {
      keyEnd = i;
      valueStart = i + 1;
      hasSeparator = c === '=' || c === ':';
      break;
    }
    escaped = c === '\\' ? !escaped : false;
  }
  while (valueStart < line.length) {
    const c = line[valueStart];
    if (!isBlank(c)) {
      if (hasSeparator || (c !== '=' && c !== ':')) break;
      hasSeparator = true;
    }
    valueStart++;
  }
  return [line.slice(0, keyEnd), line.slice(valueStart)];
}

/** Parses .properties text into entries in file order. */
export function parseProperties(text: string): PropertiesResult {
  const entries: PropertyEntry[] = [];
  for (const { text: line, line: number } of logicalLines(text.replace(/^\uFEFF/, ''))) {
    const [rawKey, rawValue] = splitLine(line);
    const key = unescapeText(rawKey);
    const value = unescapeText(rawValue);
    if (key === null || value === null)
      return { ok: false, error: 'Malformed \\uxxxx encoding', line: number };
    entries.push({ key, value, line: number });
  }
  return { ok: true, entries };
}
