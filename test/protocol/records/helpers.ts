// Shared test data: a seeded generator, so a failure reproduces, and record sets.
import type { RecordInput } from '../../../src/protocol/records/index.js';

/** mulberry32: small, fast, seeded. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(next: () => number, length: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) b[i] = (next() * 256) | 0;
  return b;
}

const WORDS = ['order', 'user', 'price', 'click', 'view', 'session', 'device', 'country', 'item', 'total'];

/** JSON-like text: compresses about as well as typical Kafka payloads. */
export function textBytes(next: () => number, length: number): Buffer {
  let s = '{';
  while (s.length < length) {
    s += `"${WORDS[(next() * WORDS.length) | 0]}":${(next() * 1e6) | 0},"id":"${Math.floor(next() * 1e12).toString(36)}",`;
  }
  return Buffer.from(s.slice(0, length), 'latin1');
}

/** Records that exercise every field: null and empty keys and values, headers, unicode, timestamps. */
export function sampleRecords(baseTimestamp: number): RecordInput[] {
  const next = rng(7);
  return [
    { key: 'k0', value: 'v0' },
    { key: null, value: 'no key', timestamp: baseTimestamp + 5 },
    { key: 'null value', value: null, timestamp: baseTimestamp - 3 },
    { key: Buffer.alloc(0), value: Buffer.alloc(0) },
    {
      key: 'headers',
      value: textBytes(next, 3000),
      headers: [
        { key: 'trace-id', value: 'abc' },
        { key: 'null-header', value: null },
        { key: 'empty', value: Buffer.alloc(0) },
        { key: 'ключ-日本', value: Buffer.from([0, 1, 2, 255]) },
        { key: 'trace-id', value: 'duplicate keys are allowed' },
      ],
      timestamp: baseTimestamp + 1_000_000,
    },
    { key: randomBytes(next, 300), value: randomBytes(next, 5000) },
    ...Array.from({ length: 200 }, (_, i) => ({
      key: `key-${i % 17}`,
      value: textBytes(next, 50 + ((next() * 400) | 0)),
      timestamp: baseTimestamp + i,
    })),
  ];
}

export function asBuffer(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}
