// Every message of every API, in every valid version, with random field values: encode, decode,
// and check that the decoded value equals what was encoded and re-encodes to the same bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as internal from '../../src/protocol/internal/index.js';
import { API_DECLS, RequestHeader, ResponseHeader } from '../../src/protocol/messages/index.js';
import { Reader } from '../../src/protocol/primitives/reader.js';
import { Writer } from '../../src/protocol/primitives/writer.js';
import { codecFor } from '../../src/protocol/schema/codec.js';
import {
  type FieldDecl,
  inVersions,
  type MessageDecl,
  parseVersions,
} from '../../src/protocol/schema/declaration.js';
import { Rng } from '../helpers/random.js';

const SEED = Number(process.env.SAMSA_SEED ?? Date.now() % 1_000_000);
const SAMPLES = Number(process.env.SAMSA_ROUND_TRIP_SAMPLES ?? 4);

type Obj = Record<string, unknown>;

function randomPrimitive(type: string, rng: Rng, nullable: boolean): unknown {
  if (nullable && rng.chance(0.15)) return null;
  switch (type) {
    case 'bool':
      return rng.chance(0.5);
    case 'int8':
      return rng.int(-128, 127);
    case 'int16':
      return rng.int(-32768, 32767);
    case 'uint16':
      return rng.int(0, 65535);
    case 'int32':
      return rng.int(-2147483648, 2147483647);
    case 'uint32':
      return rng.int(0, 4294967295);
    case 'int64':
      return rng.pick([-1, 0, rng.int(-1e15, 1e15), Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]);
    case 'float64':
      return rng.pick([0, 1.5, -2.25, rng.next() * 1e6]);
    case 'uuid':
      return rng.bytes(16).toString('base64url');
    case 'string':
      return rng.pick(['', 'a', 'topic-1', 'ünïcødé ✓', 'x'.repeat(rng.int(0, 300))]);
    case 'bytes':
    case 'records':
      return rng.bytes(rng.pick([0, 3, 100, 600, 2000]));
    default:
      throw new Error(`unknown primitive ${type}`);
  }
}

function randomStruct(fields: readonly FieldDecl[], version: number, rng: Rng, depth: number): Obj {
  const o: Obj = {};
  for (const f of fields) {
    if (!inVersions(f.versions, version)) continue;
    o[f.name] = randomField(f, version, rng, depth);
  }
  return o;
}

function randomField(f: FieldDecl, version: number, rng: Rng, depth: number): unknown {
  const nullable = inVersions(f.nullable, version);
  if (f.type === '{}') {
    if (nullable && rng.chance(0.2)) return null;
    return randomStruct(f.fields ?? [], version, rng, depth + 1);
  }
  if (f.type.startsWith('[]')) {
    if (nullable && rng.chance(0.15)) return null;
    const n = depth > 3 ? 0 : rng.int(0, 3);
    return Array.from({ length: n }, () =>
      f.type === '[]'
        ? randomStruct(f.fields ?? [], version, rng, depth + 1)
        : randomPrimitive(f.type.slice(2), rng, false),
    );
  }
  return randomPrimitive(f.type, rng, nullable);
}

/** Keeps only the fields a version carries, recursively. */
function project(fields: readonly FieldDecl[], version: number, value: Obj): Obj {
  const o: Obj = {};
  for (const f of fields) {
    if (!inVersions(f.versions, version)) continue;
    const v = value[f.name];
    if (f.type === '{}' && v !== null) o[f.name] = project(f.fields ?? [], version, v as Obj);
    else if (f.type === '[]' && Array.isArray(v))
      o[f.name] = v.map((e) => project(f.fields ?? [], version, e as Obj));
    else o[f.name] = v;
  }
  return o;
}

function roundTrip(decl: MessageDecl, version: number, rng: Rng): void {
  const value = randomStruct(decl.fields, version, rng, 0);
  const codec = codecFor(decl, version);
  const w = new Writer();
  codec.encode(w, value);
  const bytes = w.finishFlat();
  const r = new Reader(bytes);
  const decoded = codec.decode(r) as Obj;
  const where = `${decl.name} v${version} (seed ${SEED})`;
  assert.equal(r.remaining, 0, `${where}: bytes left after decoding`);
  assert.deepEqual(project(decl.fields, version, decoded), project(decl.fields, version, value), where);
  const w2 = new Writer();
  codec.encode(w2, decoded);
  assert.ok(w2.finishFlat().equals(bytes), `${where}: re-encoding differs`);
}

function everyVersion(decl: MessageDecl): number[] {
  const { min, max } = parseVersions(decl.valid);
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
}

test(`every API message round-trips in every valid version (seed ${SEED})`, () => {
  const rng = new Rng(SEED);
  let count = 0;
  for (const api of API_DECLS) {
    for (const decl of [api.request, api.response]) {
      for (const version of everyVersion(decl)) {
        for (let i = 0; i < SAMPLES; i++) {
          roundTrip(decl, version, rng);
          count++;
        }
      }
    }
  }
  assert.ok(API_DECLS.length >= 88, `only ${API_DECLS.length} APIs declared`);
  assert.ok(count > 2000);
});

test(`headers and internal records round-trip (seed ${SEED})`, () => {
  const rng = new Rng(SEED + 1);
  const decls = [RequestHeader, ResponseHeader, ...Object.values(internal).filter(isDecl)];
  assert.ok(decls.length > 60, `only ${decls.length} internal declarations`);
  for (const decl of decls) {
    for (const version of everyVersion(decl)) {
      for (let i = 0; i < SAMPLES; i++) roundTrip(decl, version, rng);
    }
  }
});

function isDecl(v: unknown): v is MessageDecl {
  return typeof v === 'object' && v !== null && 'fields' in v && 'valid' in v;
}
