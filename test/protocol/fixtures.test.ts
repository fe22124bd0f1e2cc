// Request frames captured from real clients (kcat/librdkafka, kafka-python, kafkajs) by
// scripts/capture-fixtures.mjs — test/fixtures/protocol/manifest.json says how each was captured.
// Each must decode, and re-encode to exactly the same bytes.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeRequest, encodeRequestFrame } from '../../src/protocol/frame.js';
import { repoRoot } from '../helpers/paths.js';

const dir = join(repoRoot, 'test', 'fixtures', 'protocol');
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<
  string,
  { api: string; version: number; capturedWith: string }
>;

const files = readdirSync(dir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(join(dir, d.name)).map((f) => `${d.name}/${f}`));

test('the fixtures cover what the protocol issue asks for', () => {
  for (const client of ['kcat', 'kafka-python', 'kafkajs']) {
    for (const api of [
      '18-ApiVersions',
      '03-Metadata',
      '00-Produce',
      '01-Fetch',
      '11-JoinGroup',
      '08-OffsetCommit',
    ]) {
      assert.ok(
        files.some((f) => f.startsWith(`${client}/${api}-`)),
        `no ${api} fixture from ${client}`,
      );
    }
    for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'])
      assert.ok(
        files.some((f) => f.startsWith(`${client}/00-Produce-`) && f.endsWith(`-${codec}.bin`)),
        `no ${codec} Produce from ${client}`,
      );
  }
  for (const f of files) assert.ok(manifest[f], `${f} is not described in manifest.json`);
});

for (const file of files) {
  test(`${file} decodes and re-encodes byte-identical`, () => {
    const frame = readFileSync(join(dir, file));
    const { header, body } = decodeRequest(frame);
    assert.equal(header.requestApiVersion, manifest[file].version);
    const again = Buffer.concat(
      encodeRequestFrame(
        header.requestApiKey,
        header.requestApiVersion,
        header.correlationId,
        header.clientId,
        body,
      ),
    );
    assert.equal(again.readInt32BE(0), frame.length);
    assert.ok(again.subarray(4).equals(frame), `${file}: re-encoded bytes differ`);
  });
}
