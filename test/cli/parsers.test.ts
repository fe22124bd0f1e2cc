// The parsers behind the tools, without a broker: the option parser (joptsimple's conventions),
// the console producer's line reader, the console consumer's formatter, offset and time syntax.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseArgs, SAMSA_VERSION, UsageError } from '../../src/cli/args.js';
import { parseAddConfig } from '../../src/cli/lib/configs.js';
import { formatRecord, formatterOptions } from '../../src/cli/lib/formatter.js';
import { LineFormatError, lineReaderOptions, lineToRecord } from '../../src/cli/lib/line-reader.js';
import { parseOffsetSpec, parseTime } from '../../src/cli/lib/offset-spec.js';
import { fixed, javaDate } from '../../src/cli/lib/perf.js';
import { parseDateTime, parseIsoDuration } from '../../src/cli/lib/reset.js';
import { parseDuration } from '../../src/cli/lib/samsa-common.js';
import { topicPattern } from '../../src/cli/lib/topics.js';
import type { ConsumerRecord } from '../../src/client/index.js';
import { repoRoot } from '../helpers/paths.js';

const SPECS = [
  { name: 'bootstrap-server', arg: 'required' as const },
  { name: 'topic', arg: 'required' as const },
  { name: 'property', arg: 'required' as const },
  { name: 'compression-codec', arg: 'optional' as const },
  { name: 'from-beginning' },
  { name: 'num', short: 'n', arg: 'required' as const },
];

test('options as joptsimple reads them: =, a single dash, abbreviations, optional values, repeats', () => {
  const a = parseArgs(
    [
      '-bootstrap',
      'h:1',
      '--topic=t',
      '--prop',
      'a=1',
      '--property',
      'b=2',
      '--compression-codec',
      '--from-beginning',
    ],
    SPECS,
    { abbreviations: true, singleDashLong: true },
  );
  assert.equal(a.get('bootstrap-server'), 'h:1');
  assert.equal(a.get('topic'), 't');
  assert.deepEqual(a.all('property'), ['a=1', 'b=2']);
  assert.equal(a.has('compression-codec'), true);
  assert.equal(a.get('compression-codec'), undefined);
  assert.equal(a.has('from-beginning'), true);
  assert.equal(parseArgs(['--compression-codec', 'lz4'], SPECS).get('compression-codec'), 'lz4');
  assert.equal(parseArgs(['-n5'], SPECS).get('num'), '5');
  assert.equal(parseArgs(['--num', '-3'], SPECS).int('num'), -3, 'a required value may start with a dash');
  assert.equal(parseArgs(['--to', 'x'], SPECS, { abbreviations: true }).get('topic'), 'x');
  assert.throws(() => parseArgs(['--zz'], SPECS, { abbreviations: true }), /--zz is not a recognized option/);
  assert.throws(
    () => parseArgs(['--p'], [...SPECS, { name: 'partitions' }], { abbreviations: true }),
    /ambiguous/,
  );
  assert.throws(() => parseArgs(['--topic'], SPECS), UsageError);
  assert.throws(() => parseArgs(['stray'], SPECS), /unexpected argument 'stray'/);
  assert.throws(() => parseArgs(['--num', 'x'], SPECS).int('num'), /not a whole number/);
});

test('the version the tools print is the package version', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  assert.equal(SAMSA_VERSION, pkg.version);
});

test('the console producer line reader splits headers, key and value as Kafka does', () => {
  const o = lineReaderOptions('t', { 'parse.key': 'true', 'parse.headers': 'true', 'null.marker': 'NULL' });
  const r = lineToRecord(o, 'h1:v1,h2:NULL\tkey\tva\tlue', 1);
  assert.equal(r.key, 'key');
  assert.equal(r.value, 'va\tlue');
  assert.deepEqual(r.headers, [
    { key: 'h1', value: Buffer.from('v1') },
    { key: 'h2', value: null },
  ]);
  assert.equal(lineToRecord(o, 'NULL\tNULL\tNULL', 2).value, null);
  assert.throws(() => lineToRecord(o, 'no separators', 3), LineFormatError);
  assert.throws(
    () => lineReaderOptions('t', { 'headers.delimiter': ',' }),
    /headers\.delimiter and headers\.separator may not be equal/,
  );
  const plain = lineReaderOptions('t', {});
  assert.deepEqual(lineToRecord(plain, 'a\tb', 1), { topic: 't', key: null, value: 'a\tb' });
});

test("the console consumer formatter prints fields in Kafka's order", () => {
  const record: ConsumerRecord = {
    topic: 't',
    partition: 2,
    offset: 42,
    timestamp: 1_700_000_000_000,
    timestampType: 'LogAppendTime',
    key: Buffer.from([0, 0, 0, 0, 0, 0, 0, 7]),
    value: null,
    headers: [{ key: 'a', value: Buffer.from('1') }],
    leaderEpoch: 3,
  };
  const all = formatterOptions({
    'print.timestamp': 'true',
    'print.partition': 'true',
    'print.offset': 'true',
    'print.epoch': 'true',
    'print.headers': 'true',
    'print.key': 'true',
    'key.deserializer': 'org.apache.kafka.common.serialization.LongDeserializer',
    'null.literal': '<null>',
  });
  assert.equal(
    formatRecord(all, record).toString(),
    'LogAppendTime:1700000000000\tPartition:2\tOffset:42\tEpoch:3\ta:1\t7\t<null>\n',
  );
  const noValue = formatterOptions({ 'print.offset': 'true', 'print.value': 'false' });
  assert.equal(formatRecord(noValue, record).toString(), 'Offset:42\n');
  assert.throws(() => formatterOptions({ 'value.deserializer': 'com.example.Avro' }), /not available/);
});

test('offset and time syntax of samsa consume', () => {
  assert.deepEqual(parseOffsetSpec('start'), { start: { kind: 'start' }, end: null });
  assert.deepEqual(parseOffsetSpec('-10:end'), { start: { kind: 'fromEnd', n: 10 }, end: { kind: 'end' } });
  assert.deepEqual(parseOffsetSpec('+3'), { start: { kind: 'fromStart', n: 3 }, end: null });
  assert.deepEqual(parseOffsetSpec('5:9'), {
    start: { kind: 'exact', offset: 5 },
    end: { kind: 'exact', offset: 9 },
  });
  const at = parseOffsetSpec('@2026-11-26T10:00:00Z:end');
  assert.deepEqual(at, {
    start: { kind: 'time', timestampMs: Date.parse('2026-11-26T10:00:00Z') },
    end: { kind: 'end' },
  });
  assert.deepEqual(parseOffsetSpec('@2026-11-26T10:00:00').start, {
    kind: 'time',
    timestampMs: Date.parse('2026-11-26T10:00:00Z'),
  });
  assert.equal(parseTime('-1h', 10_000_000), 10_000_000 - 3_600_000);
  assert.equal(parseTime('1700000000000'), 1_700_000_000_000);
  assert.equal(parseTime('2026-01-02'), Date.parse('2026-01-02T00:00:00Z'));
  assert.throws(() => parseOffsetSpec('sometime'), /use start, end, N, \+N, -N or @TIME/);
  assert.equal(parseDuration('1h30m', 'x'), 5_400_000);
  assert.equal(parseDuration('250ms', 'x'), 250);
  assert.throws(() => parseDuration('soon', 'x'), /not a duration/);
});

test('reset-offsets dates and durations, --add-config lists, topic patterns', () => {
  assert.equal(parseDateTime('2024-01-01T00:00:00.000'), Date.parse('2024-01-01T00:00:00Z'));
  assert.equal(parseDateTime('2024-01-01T02:00:00.000+02:00'), Date.parse('2024-01-01T00:00:00Z'));
  assert.throws(() => parseDateTime('yesterday'), UsageError);
  assert.equal(parseIsoDuration('PT1H'), 3_600_000);
  assert.equal(parseIsoDuration('P1DT2H30M'), 95_400_000);
  assert.throws(() => parseIsoDuration('1h'), /PnDTnHnMnS/);
  assert.deepEqual(parseAddConfig('a=1,b=[x,y],c='), { a: '1', b: 'x,y', c: '' });
  assert.ok(topicPattern('orders.*').test('orders-eu'));
  assert.ok(!topicPattern('orders').test('orders-eu'), 'the whole name must match');
  assert.ok(topicPattern('"a,b"').test('b'), 'commas mean or; quotes are dropped');
});

test('Java number and date formats of the perf tools', () => {
  assert.equal(fixed(2.25, 1), '2.3');
  assert.equal(fixed(1234.5, 4), '1234.5000');
  const ms = new Date(2024, 0, 2, 3, 4, 5, 6).getTime();
  assert.equal(javaDate(ms, 'yyyy-MM-dd HH:mm:ss:SSS'), '2024-01-02 03:04:05:006');
});
