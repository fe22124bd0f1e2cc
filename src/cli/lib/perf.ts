// Helpers of the perf-test tools: Java's printf number formats and SimpleDateFormat patterns.

/** `%.Nf` as Java prints it (half-up rounding of the decimal value). */
export function fixed(n: number, digits: number): string {
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : n < 0 ? '-Infinity' : 'NaN';
  const scale = 10 ** digits;
  const rounded = Math.round((n + Number.EPSILON * Math.sign(n)) * scale) / scale;
  return rounded.toFixed(digits);
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Formats a time with the letters of Java's SimpleDateFormat most patterns use (local time). */
export function javaDate(ms: number, pattern: string): string {
  const d = new Date(ms);
  const fields: Record<string, (n: number) => string> = {
    y: (n) => (n === 2 ? pad(d.getFullYear() % 100, 2) : pad(d.getFullYear(), n)),
    M: (n) => pad(d.getMonth() + 1, n),
    d: (n) => pad(d.getDate(), n),
    H: (n) => pad(d.getHours(), n),
    h: (n) => pad(d.getHours() % 12 || 12, n),
    m: (n) => pad(d.getMinutes(), n),
    s: (n) => pad(d.getSeconds(), n),
    S: (n) => pad(d.getMilliseconds(), 3).slice(0, Math.max(n, 3)),
    a: () => (d.getHours() < 12 ? 'AM' : 'PM'),
  };
  let out = '';
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i];
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      out += end < 0 ? pattern.slice(i + 1) : pattern.slice(i + 1, end) || "'";
      i = end < 0 ? pattern.length : end + 1;
      continue;
    }
    let n = 1;
    while (pattern[i + n] === c) n++;
    out += fields[c] ? fields[c](n) : c.repeat(n);
    i += n;
  }
  return out;
}
