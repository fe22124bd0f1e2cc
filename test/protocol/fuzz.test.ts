// Fuzzes the request decoder with random and mutated frames. Every frame must either decode or throw
// a DecodeError; nothing else may escape, and what decodes can never hold more elements than the
// frame had bytes (every length and count prefix is checked before anything is allocated).
// SAMSA_FUZZ_FRAMES raises the number of frames (default 100,000); SAMSA_SEED replays a run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeRequest, encodeRequestFrame } from '../../src/protocol/frame.js';
import { API_DECLS } from '../../src/protocol/messages/index.js';
import { DecodeError } from '../../src/protocol/primitives/decode-error.js';
import { Reader } from '../../src/protocol/primitives/reader.js';
import { type FieldDecl, inVersions, parseVersions } from '../../src/protocol/schema/declaration.js';
import { Rng } from '../helpers/random.js';

const SEED = Number(process.env.SAMSA_SEED ?? Date.now() % 1_000_000);
const FRAMES = Number(process.env.SAMSA_FUZZ_FRAMES ?? 100_000);

function sample(
  fields: readonly FieldDecl[],
  version: number,
  rng: Rng,
  depth: number,
): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of fields) {
    if (!inVersions(f.versions, version)) continue;
    if (f.type === '{}') o[f.name] = sample(f.fields ?? [], version, rng, depth + 1);
    else if (f.type === '[]') {
      o[f.name] =
        depth > 2
          ? []
          : Array.from({ length: rng.int(0, 2) }, () => sample(f.fields ?? [], version, rng, depth + 1));
    } else if (f.type.startsWith('[]'))
      o[f.name] = f.type === '[]string' ? ['a'] : f.type === '[]uuid' ? [] : [1, 2];
    else if (f.type === 'string') o[f.name] = rng.pick(['', 'topic', 'g']);
    else if (f.type === 'bytes' || f.type === 'records') o[f.name] = rng.bytes(rng.int(0, 80));
    else if (f.type === 'uuid') o[f.name] = rng.bytes(16).toString('base64url');
    else if (f.type === 'bool') o[f.name] = rng.chance(0.5);
    else o[f.name] = rng.int(0, 100);
  }
  return o;
}

/** A well-formed request frame (without its size prefix) for a random API and version. */
function validFrame(rng: Rng): Buffer {
  const api = rng.pick(API_DECLS);
  const { min, max } = parseVersions(api.request.valid);
  const version = rng.int(min, max);
  const body = sample(api.request.fields, version, rng, 0);
  return Buffer.concat(encodeRequestFrame(api.apiKey, version, rng.int(0, 1e6), 'fuzz', body)).subarray(4);
}

function mutate(frame: Buffer, rng: Rng): Buffer {
  const b = Buffer.from(frame);
  switch (rng.int(0, 5)) {
    case 0: // flip random bytes
      for (let i = rng.int(1, 4); i > 0 && b.length > 0; i--) b[rng.int(0, b.length - 1)] = rng.int(0, 255);
      return b;
    case 1: // truncate
      return b.subarray(0, rng.int(0, b.length));
    case 2: // plant a huge length or count prefix
      if (b.length > 12)
        b.writeInt32BE(rng.pick([0x7fffffff, -2, 0x10000000, 65535]), rng.int(8, b.length - 4));
      return b;
    case 3: // plant a long varint
      if (b.length > 12) b.fill(0xff, rng.int(8, b.length - 1), Math.min(b.length, rng.int(9, b.length) + 6));
      return b;
    case 4: // append garbage
      return Buffer.concat([b, rng.bytes(rng.int(1, 32))]);
    default: // change the version
      if (b.length >= 4) b.writeInt16BE(rng.int(-1, 20), 2);
      return b;
  }
}

/**
 * Array elements in a decoded value, at every depth. Each element takes at least one byte of the
 * frame, so a decoder that checks counts against the bytes left can never produce more elements at
 * one depth than the frame has bytes. (Strings and bytes are read only after their length is checked; bytes are
 * views into the frame, never copies.)
 */
const NESTING_MAX = 4;

function elements(v: unknown): number {
  if (Array.isArray(v)) return v.length + v.reduce((n: number, e) => n + elements(e), 0);
  if (Buffer.isBuffer(v) || typeof v !== 'object' || v === null) return 0;
  return Object.values(v).reduce((n: number, e) => n + elements(e), 0);
}

test(`request decoder survives ${FRAMES} random and mutated frames (seed ${SEED})`, () => {
  const rng = new Rng(SEED);
  const valid = Array.from({ length: 300 }, () => validFrame(rng));
  let decoded = 0;
  let refused = 0;
  for (let i = 0; i < FRAMES; i++) {
    const frame = rng.chance(0.1) ? rng.bytes(rng.int(0, 64)) : mutate(rng.pick(valid), rng);
    try {
      const { body } = decodeRequest(frame);
      // Nested elements lie inside their parent's bytes, so each nesting level may count them again.
      assert.ok(
        elements(body) <= frame.length * NESTING_MAX,
        `frame ${i}: decoded more elements than the frame allows (seed ${SEED})`,
      );
      decoded++;
    } catch (e) {
      if (!(e instanceof DecodeError)) {
        assert.fail(
          `frame ${i} (seed ${SEED}, hex ${frame.toString('hex').slice(0, 200)}): ${(e as Error).stack}`,
        );
      }
      refused++;
    }
  }
  assert.equal(decoded + refused, FRAMES);
  assert.ok(
    decoded > FRAMES / 20,
    `only ${decoded} frames decoded: the mutations are too destructive to test much`,
  );
  assert.ok(refused > FRAMES / 4, `only ${refused} frames refused`);
});

test('every valid frame decodes', () => {
  const rng = new Rng(SEED + 7);
  for (let i = 0; i < 2000; i++) decodeRequest(validFrame(rng));
});

test('hostile prefixes are refused before anything is allocated', () => {
  const huge = Buffer.from([0x7f, 0xff, 0xff, 0xff]);
  assert.throws(() => new Reader(huge).arrayLength(), DecodeError);
  assert.throws(() => new Reader(huge).nullableBytes(), DecodeError);
  assert.throws(() => new Reader(Buffer.from([0x7f, 0xff])).nullableString(), DecodeError);
  assert.throws(
    () => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])).compactArrayLength(),
    DecodeError,
  );
  assert.throws(() => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])).uvarint(), DecodeError);
  assert.throws(
    () => new Reader(Buffer.from([0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])).int64(),
    DecodeError,
  );
});
