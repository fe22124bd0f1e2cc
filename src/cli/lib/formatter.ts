// The record format of kafka-console-consumer.sh (Kafka's DefaultMessageFormatter): optional
// fields in a fixed order — CreateTime:ts, Partition:p, Offset:o, Epoch:e, headers, key — each
// followed by key.separator, then the value and line.separator. Null keys and values print as
// null.literal. Java deserializer class names of the common types are understood.
import type { ConsumerRecord } from '../../client/index.js';
import { UsageError } from '../args.js';

type Decode = (bytes: Buffer) => Buffer;

const utf8 = (s: string) => Buffer.from(s, 'utf8');

function fixed(size: number, read: (b: Buffer) => string): Decode {
  return (b) => {
    if (b.length !== size) throw new Error(`expected ${size} bytes, got ${b.length}`);
    return utf8(read(b));
  };
}

const DESERIALIZERS: Record<string, Decode> = {
  StringDeserializer: (b) => b,
  ByteArrayDeserializer: (b) => b,
  ByteBufferDeserializer: (b) => b,
  BytesDeserializer: (b) => b,
  VoidDeserializer: () => utf8('null'),
  LongDeserializer: fixed(8, (b) => b.readBigInt64BE().toString()),
  IntegerDeserializer: fixed(4, (b) => String(b.readInt32BE())),
  ShortDeserializer: fixed(2, (b) => String(b.readInt16BE())),
  DoubleDeserializer: fixed(8, (b) => javaDouble(b.readDoubleBE())),
  FloatDeserializer: fixed(4, (b) => javaDouble(b.readFloatBE())),
  BooleanDeserializer: fixed(1, (b) => String(b[0] !== 0)),
  UUIDDeserializer: (b) => b,
};

function javaDouble(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 1e7 ? n.toFixed(1) : String(n);
}

function deserializer(className: string | undefined): Decode | null {
  if (className === undefined || className === '') return null;
  const simple = className.slice(className.lastIndexOf('.') + 1).replace(/^.*\$/, '');
  const d = DESERIALIZERS[simple];
  if (!d) {
    throw new UsageError(
      `deserializer ${className} is not available; known: ${Object.keys(DESERIALIZERS).join(', ')}`,
    );
  }
  return d;
}

export interface FormatterOptions {
  printTimestamp: boolean;
  printKey: boolean;
  printValue: boolean;
  printPartition: boolean;
  printOffset: boolean;
  printEpoch: boolean;
  printHeaders: boolean;
  keySeparator: Buffer;
  lineSeparator: Buffer;
  headersSeparator: Buffer;
  nullLiteral: Buffer;
  key: Decode | null;
  value: Decode | null;
  header: Decode | null;
}

const bool = (v: string | undefined, dflt: boolean) =>
  v === undefined ? dflt : v.trim().toLowerCase() === 'true';

/** Formatter settings from --property / --formatter-config values. */
export function formatterOptions(p: Record<string, string>): FormatterOptions {
  return {
    printTimestamp: bool(p['print.timestamp'], false),
    printKey: bool(p['print.key'], false),
    printValue: bool(p['print.value'], true),
    printPartition: bool(p['print.partition'], false),
    printOffset: bool(p['print.offset'], false),
    printEpoch: bool(p['print.epoch'], false),
    printHeaders: bool(p['print.headers'], false),
    keySeparator: utf8(p['key.separator'] ?? '\t'),
    lineSeparator: utf8(p['line.separator'] ?? '\n'),
    headersSeparator: utf8(p['headers.separator'] ?? ','),
    nullLiteral: utf8(p['null.literal'] ?? 'null'),
    key: deserializer(p['key.deserializer']),
    value: deserializer(p['value.deserializer']),
    header: deserializer(p['headers.deserializer'] ?? p['header.deserializer']),
  };
}

/** The bytes one record prints as. */
export function formatRecord(o: FormatterOptions, r: ConsumerRecord): Buffer {
  const parts: Buffer[] = [];
  const fields: Buffer[] = [];
  const data = (bytes: Buffer | null, decode: Decode | null) =>
    bytes === null ? o.nullLiteral : decode ? decode(bytes) : bytes;
  if (o.printTimestamp) fields.push(utf8(`${r.timestampType}:${r.timestamp}`));
  if (o.printPartition) fields.push(utf8(`Partition:${r.partition}`));
  if (o.printOffset) fields.push(utf8(`Offset:${r.offset}`));
  if (o.printEpoch) fields.push(utf8(`Epoch:${r.leaderEpoch >= 0 ? r.leaderEpoch : 'NOT_PRESENT'}`));
  if (o.printHeaders) {
    if (r.headers.length === 0) fields.push(utf8('NO_HEADERS'));
    else {
      const hs: Buffer[] = [];
      r.headers.forEach((h, i) => {
        if (i > 0) hs.push(o.headersSeparator);
        hs.push(utf8(`${h.key}:`), data(h.value, o.header));
      });
      fields.push(Buffer.concat(hs));
    }
  }
  if (o.printKey) fields.push(data(r.key, o.key));
  fields.forEach((f, i) => {
    parts.push(f);
    if (i < fields.length - 1 || o.printValue) parts.push(o.keySeparator);
    else parts.push(o.lineSeparator);
  });
  if (o.printValue) parts.push(data(r.value, o.value), o.lineSeparator);
  return Buffer.concat(parts);
}
