// Turns input lines into records the way Kafka's console producer does (its LineMessageReader):
// `value`, `key<TAB>value` with parse.key=true, `h1:v1,h2:v2<TAB>key<TAB>value` with parse.headers
// too; separators and a null marker are configurable through --property.
import type { ProducerRecord } from '../../client/index.js';
import { UsageError } from '../args.js';

export interface LineReaderOptions {
  topic: string;
  parseKey: boolean;
  keySeparator: string;
  parseHeaders: boolean;
  headersDelimiter: string;
  headersSeparator: string;
  headersKeySeparator: string;
  ignoreError: boolean;
  nullMarker: string | undefined;
}

const truthy = (v: string | undefined) => v !== undefined && v.trim().toLowerCase() === 'true';

/** Reader settings from --property values; conflicting separators are a UsageError, as in Kafka. */
export function lineReaderOptions(topic: string, props: Record<string, string>): LineReaderOptions {
  const o: LineReaderOptions = {
    topic,
    parseKey: truthy(props['parse.key']),
    keySeparator: props['key.separator'] ?? '\t',
    parseHeaders: truthy(props['parse.headers']),
    headersDelimiter: props['headers.delimiter'] ?? '\t',
    headersSeparator: props['headers.separator'] ?? ',',
    headersKeySeparator: props['headers.key.separator'] ?? ':',
    ignoreError: truthy(props['ignore.error']),
    nullMarker: props['null.marker'],
  };
  const distinct: [string, string, string, string][] = [
    ['headers.delimiter', o.headersDelimiter, 'headers.separator', o.headersSeparator],
    ['headers.delimiter', o.headersDelimiter, 'headers.key.separator', o.headersKeySeparator],
    ['headers.separator', o.headersSeparator, 'headers.key.separator', o.headersKeySeparator],
  ];
  if (o.nullMarker !== undefined) {
    distinct.push(
      ['null.marker', o.nullMarker, 'key.separator', o.keySeparator],
      ['null.marker', o.nullMarker, 'headers.separator', o.headersSeparator],
      ['null.marker', o.nullMarker, 'headers.delimiter', o.headersDelimiter],
      ['null.marker', o.nullMarker, 'headers.key.separator', o.headersKeySeparator],
    );
  }
  for (const [a, va, b, vb] of distinct) {
    if (va === vb) throw new UsageError(`${a} and ${b} may not be equal`);
  }
  return o;
}

/** A line the reader cannot split (no separator where one is required). */
export class LineFormatError extends Error {}

/** The record of one input line (`lineNumber` counts from 1, for messages). */
export function lineToRecord(o: LineReaderOptions, line: string, lineNumber: number): ProducerRecord {
  const cut = (enabled: boolean, from: number, separator: string, what: string): string | null => {
    if (!enabled) return null;
    const i = line.indexOf(separator, from);
    if (i < 0) {
      if (o.ignoreError) return null;
      throw new LineFormatError(`No ${what} found on line number ${lineNumber}: '${line}'`);
    }
    return line.slice(from, i);
  };
  const headers = cut(o.parseHeaders, 0, o.headersDelimiter, 'headers delimiter');
  const headerEnd = headers === null ? 0 : headers.length + o.headersDelimiter.length;
  const key = cut(o.parseKey, headerEnd, o.keySeparator, 'key separator');
  const keyEnd = key === null ? 0 : key.length + o.keySeparator.length;
  const value = line.slice(headerEnd + keyEnd);
  const record: ProducerRecord = {
    topic: o.topic,
    key: key !== null && key !== o.nullMarker ? key : null,
    value: value !== o.nullMarker ? value : null,
  };
  if (headers !== null && headers !== o.nullMarker) {
    const list: { key: string; value: Buffer | null }[] = [];
    for (const pair of headers.split(o.headersSeparator)) {
      const i = pair.indexOf(o.headersKeySeparator);
      if (i < 0) {
        if (o.ignoreError) {
          list.push({ key: pair, value: null });
          continue;
        }
        throw new LineFormatError(
          `No header key separator found in pair '${pair}' on line number ${lineNumber}`,
        );
      }
      const hk = pair.slice(0, i);
      if (hk === o.nullMarker) {
        throw new LineFormatError(`Header keys may not equal the null marker '${o.nullMarker}'`);
      }
      const hv = pair.slice(i + o.headersKeySeparator.length);
      list.push({ key: hk, value: hv === o.nullMarker ? null : Buffer.from(hv) });
    }
    record.headers = list;
  }
  return record;
}
