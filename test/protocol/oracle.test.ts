// Checks the project's declarations against Kafka's JSON schemas in ../shared/kafka-protocol:
// names, types, version ranges, nullable and tagged versions, tags and defaults. The wire protocol's
// schemas are the main snapshot with `newer/message` merged in, as scripts/gen-protocol.mjs reads them
// (scripts/kafka-schemas.mjs). The schemas are not part of a user's clone, so the test skips, saying
// why, when the folder is absent.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import * as internal from '../../src/protocol/internal/index.js';
import * as messages from '../../src/protocol/messages/index.js';
import type { FieldDecl, MessageDecl } from '../../src/protocol/schema/declaration.js';
import { oracleDir, repoRoot } from '../helpers/paths.js';

const PRIMITIVES = new Set([
  'bool',
  'int8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'float64',
  'string',
  'bytes',
  'records',
  'uuid',
]);
const NUMERIC = new Set(['int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64']);

interface KafkaField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number | string;
  flexibleVersions?: string;
  default?: unknown;
  fields?: KafkaField[];
}

interface KafkaSchema {
  name: string;
  type: string;
  apiKey?: number;
  validVersions: string;
  flexibleVersions?: string;
  fields?: KafkaField[];
  commonStructs?: { name: string; fields: KafkaField[] }[];
}

function readSchema(path: string): KafkaSchema {
  return JSON.parse(readFileSync(path, 'utf8').replace(/^\s*\/\/.*$/gm, '')) as KafkaSchema;
}

function expectedDefault(f: KafkaField): unknown {
  const d = f.default;
  if (d === undefined) return undefined;
  if (d === null || d === 'null') return null;
  if (f.type === 'bool') return d === true || d === 'true';
  if (NUMERIC.has(f.type)) return Number(d);
  return String(d);
}

function compareFields(
  ours: readonly FieldDecl[],
  theirs: readonly KafkaField[],
  common: Map<string, KafkaField[]>,
  path: string,
): void {
  assert.equal(ours.length, theirs.length, `${path}: field count`);
  theirs.forEach((k, i) => {
    const o = ours[i];
    const where = `${path}.${k.name}`;
    assert.equal(o.name, k.name[0].toLowerCase() + k.name.slice(1), `${where}: name`);
    const elem = k.type.startsWith('[]') ? k.type.slice(2) : k.type;
    const isStruct = !PRIMITIVES.has(elem);
    const expectedType = isStruct ? (k.type.startsWith('[]') ? '[]' : '{}') : k.type;
    assert.equal(o.type, expectedType, `${where}: type`);
    if (isStruct) assert.equal(o.struct, elem, `${where}: struct name`);
    assert.equal(o.versions, k.versions ?? k.taggedVersions, `${where}: versions`);
    assert.equal(o.nullable, k.nullableVersions, `${where}: nullable versions`);
    assert.equal(o.tagged, k.taggedVersions, `${where}: tagged versions`);
    assert.equal(o.tag, k.tag === undefined ? undefined : Number(k.tag), `${where}: tag`);
    assert.equal(o.flexible, k.flexibleVersions, `${where}: flexible versions`);
    assert.deepEqual(o.default, expectedDefault(k), `${where}: default`);
    if (isStruct) compareFields(o.fields ?? [], k.fields ?? common.get(elem) ?? [], common, where);
  });
}

function declarationsByName(): Map<string, MessageDecl> {
  const all = new Map<string, MessageDecl>();
  for (const v of [...Object.values(messages), ...Object.values(internal)]) {
    if (typeof v === 'object' && v !== null && 'fields' in v && 'valid' in v)
      all.set((v as MessageDecl).name, v as MessageDecl);
  }
  return all;
}

const present = existsSync(oracleDir);

/** The schemas of one folder by file name; `message` merged with `newer/message`. */
async function schemasOf(folder: string): Promise<Map<string, KafkaSchema>> {
  if (folder === 'message') {
    const url = pathToFileURL(join(repoRoot, 'scripts', 'kafka-schemas.mjs')).href;
    const { messageSchemas } = (await import(url)) as {
      messageSchemas(dir: string): Map<string, KafkaSchema>;
    };
    return messageSchemas(oracleDir);
  }
  const files = readdirSync(join(oracleDir, folder)).filter((f) => f.endsWith('.json'));
  return new Map(files.map((f) => [f, readSchema(join(oracleDir, folder, f))]));
}

test("declarations match Kafka's message schemas", {
  skip: present ? false : `${oracleDir} is absent (it is not part of a clone)`,
}, async () => {
  const ours = declarationsByName();
  let checked = 0;
  let requests = 0;
  for (const folder of ['message', 'metadata', 'group-coordinator', 'transaction-coordinator', 'raft']) {
    for (const [file, schema] of await schemasOf(folder)) {
      if (folder === 'message' && schema.type === 'request') requests++;
      const decl = ours.get(schema.name);
      assert.ok(decl, `${folder}/${file}: no declaration named ${schema.name}`);
      assert.equal(decl.valid, schema.validVersions, `${schema.name}: valid versions`);
      assert.equal(decl.flexible, schema.flexibleVersions ?? 'none', `${schema.name}: flexible versions`);
      assert.equal(decl.apiKey, schema.apiKey, `${schema.name}: api key`);
      const common = new Map((schema.commonStructs ?? []).map((c) => [c.name, c.fields]));
      compareFields(decl.fields, schema.fields ?? [], common, schema.name);
      checked++;
    }
  }
  assert.ok(checked >= 186 + 25 + 30, `checked only ${checked} schemas`);
  assert.equal(messages.API_DECLS.length, requests);
  // Newer versions came in from newer/message, older ones stayed.
  const valid = (name: string) => ours.get(name)?.valid;
  assert.deepEqual(
    [
      'ProduceRequest',
      'MetadataRequest',
      'DescribeGroupsRequest',
      'DescribeClusterRequest',
      'VoteRequest',
    ].map(valid),
    ['0-12', '0-13', '0-6', '0-2', '0-2'],
  );
  assert.equal(valid('ListOffsetsRequest'), '0-10');
});
