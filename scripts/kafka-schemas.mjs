// Reads Kafka's JSON schemas from ../shared/kafka-protocol, for scripts/gen-protocol.mjs and the test
// that checks the declarations against them (test/protocol/oracle.test.ts).
//
// `message/` is a trunk snapshot from before Kafka 4.0; `newer/message/` holds the request and
// response schemas that changed after it (4.0's new versions, and 4.0's removal of old versions).
// Samsa takes the newest version range and fields from `newer/`, and keeps the old versions (and the
// fields only they have) from `message/`, because real clients still send them (kafka-python 2.0.2).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function readSchema(path) {
  return JSON.parse(readFileSync(path, 'utf8').replace(/^\s*\/\/.*$/gm, ''));
}

function range(text) {
  const [a, b] = text.split('-');
  return [Number(a), Number(b ?? a)];
}

/** The highest version a field exists in (Infinity for "N+"). */
function lastVersion(field) {
  const v = field.versions ?? field.taggedVersions ?? '0+';
  if (v === 'none') return -1;
  return v.endsWith('+') ? Number.POSITIVE_INFINITY : range(v)[1];
}

/**
 * `newer`'s fields, with the fields of the versions `newer` dropped (those that exist only below
 * `newMin`) put back after the field that precedes them in `older`. A field that is gone although its
 * versions go on was renamed (Vote v2: CandidateId became ReplicaId): the new name stands.
 */
function mergeFields(older = [], newer = [], newMin = 0) {
  const byName = new Map(older.map((f) => [f.name, f]));
  const out = newer.map((f) => {
    const old = byName.get(f.name);
    return old && (old.fields || f.fields) ? { ...f, fields: mergeFields(old.fields, f.fields, newMin) } : f;
  });
  older.forEach((f, i) => {
    if (out.some((o) => o.name === f.name) || lastVersion(f) >= newMin) return;
    const before = i === 0 ? -1 : out.findIndex((o) => o.name === older[i - 1].name);
    out.splice(before + 1, 0, f);
  });
  return out;
}

function mergeCommon(older = [], newer = [], newMin = 0) {
  const byName = new Map(older.map((c) => [c.name, c]));
  const merged = newer.map((c) => ({
    ...c,
    fields: mergeFields(byName.get(c.name)?.fields, c.fields, newMin),
  }));
  for (const c of older) if (!merged.some((m) => m.name === c.name)) merged.push(c);
  return merged;
}

/** A schema of `message/` brought up to date with its `newer/` version. */
export function mergeSchema(older, newer) {
  const [oldMin] = range(older.validVersions);
  const [newMin, newMax] = range(newer.validVersions);
  const merged = {
    ...newer,
    validVersions: `${Math.min(oldMin, newMin)}-${newMax}`,
    fields: mergeFields(older.fields, newer.fields, newMin),
  };
  if (older.commonStructs || newer.commonStructs)
    merged.commonStructs = mergeCommon(older.commonStructs, newer.commonStructs, newMin);
  return merged;
}

/** Every request, response, header and data schema of the wire protocol, by file name, merged. */
export function messageSchemas(oracle) {
  const schemas = new Map();
  const dir = join(oracle, 'message');
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort())
    schemas.set(file, readSchema(join(dir, file)));
  const newerDir = join(oracle, 'newer', 'message');
  if (existsSync(newerDir)) {
    for (const file of readdirSync(newerDir)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      const newer = readSchema(join(newerDir, file));
      const older = schemas.get(file);
      schemas.set(file, older ? mergeSchema(older, newer) : newer);
    }
  }
  return new Map([...schemas].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
