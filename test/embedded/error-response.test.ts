// The error answer built from the declarations, for every API the broker serves, in every version it
// serves: it encodes, every error code in it is the injected one, and it answers for what was asked
// (the same topics and partitions, in order).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HANDLERS } from '../../src/broker/handlers/index.js';
import { errorResponse } from '../../src/embedded/error-response.js';
import { apiDecl, decodeResponseFrame, encodeResponseFrame } from '../../src/protocol/frame.js';
import { type FieldDecl, inVersions } from '../../src/protocol/schema/declaration.js';

type Obj = Record<string, unknown>;

/** A request with two of everything (two topics of two partitions, two groups, ...). */
function sample(fields: readonly FieldDecl[], version: number, depth = 0): Obj {
  const o: Obj = {};
  for (const f of fields) {
    if (!inVersions(f.versions, version)) continue;
    o[f.name] = value(f, version, depth);
  }
  return o;
}

let counter = 0;
function value(f: FieldDecl, version: number, depth: number): unknown {
  if (f.type === '[]') return [0, 1].map(() => sample(f.fields ?? [], version, depth + 1));
  if (f.type === '{}') return sample(f.fields ?? [], version, depth + 1);
  if (f.type.startsWith('[]')) return [0, 1].map(() => primitive(f.type.slice(2), f.name));
  return primitive(f.type, f.name);
}

function primitive(type: string, name: string): unknown {
  counter++;
  switch (type) {
    case 'string':
      return `${name}-${counter}`;
    case 'bool':
      return false;
    case 'uuid':
      return Buffer.alloc(16, counter % 251).toString('base64url');
    case 'bytes':
    case 'records':
      return Buffer.alloc(0);
    case 'int64':
      return name === 'producerId' ? -1 : counter;
    default:
      return counter % 100;
  }
}

/** Every `errorCode` of a decoded response, by its declaration (fields of other versions left out). */
function errorCodes(fields: readonly FieldDecl[], version: number, v: Obj, out: number[] = []): number[] {
  for (const f of fields) {
    if (!inVersions(f.versions, version)) continue;
    const x = v[f.name];
    if (f.type === 'int16' && (f.name === 'errorCode' || f.name.endsWith('ErrorCode'))) out.push(x as number);
    else if (f.type === '[]' && Array.isArray(x))
      for (const el of x) errorCodes(f.fields ?? [], version, el, out);
    else if (f.type === '{}' && x) errorCodes(f.fields ?? [], version, x as Obj, out);
  }
  return out;
}

const cluster = {
  clusterId: 'c',
  controllerId: 1,
  brokers: [{ nodeId: 1, host: '127.0.0.1', port: 9092, rack: null }],
  topicNames: () => ['t'],
  logDir: '/samsa-memory',
};

test('every served API and version: encodable, every error code set', () => {
  let checked = 0;
  for (const h of HANDLERS) {
    const decl = apiDecl(h.apiKey);
    assert.ok(decl);
    for (let v = h.minVersion; v <= h.maxVersion; v++) {
      const request = sample(decl.request.fields, v);
      const response = errorResponse(h.apiKey, v, request, {
        errorCode: 6,
        errorMessage: 'injected',
        cluster,
      });
      const frame = Buffer.concat(encodeResponseFrame(h.apiKey, v, 7, response));
      const { body } = decodeResponseFrame<Obj>(h.apiKey, v, frame.subarray(4));
      const codes = errorCodes(decl.response.fields, v, body);
      assert.ok(codes.length > 0, `${decl.name} v${v} has an error code`);
      assert.ok(
        codes.every((c) => c === 6),
        `${decl.name} v${v}: ${JSON.stringify(codes)}`,
      );
      checked++;
    }
  }
  assert.ok(checked > 150, `${checked} API versions checked`);
});

test('Produce, Fetch, OffsetCommit, OffsetFetch and DeleteTopics answer for exactly what was asked', () => {
  const produce = errorResponse(
    0,
    9,
    {
      acks: -1,
      timeoutMs: 1000,
      topicData: [
        { name: 'a', partitionData: [{ index: 0 }, { index: 3 }] },
        { name: 'b', partitionData: [{ index: 1 }] },
      ],
    },
    { errorCode: 6, errorMessage: null },
  ) as {
    responses: {
      name: string;
      partitionResponses: { index: number; errorCode: number; baseOffset: number }[];
    }[];
  };
  assert.deepEqual(
    produce.responses.map((t) => [
      t.name,
      t.partitionResponses.map((p) => [p.index, p.errorCode, p.baseOffset]),
    ]),
    [
      [
        'a',
        [
          [0, 6, -1],
          [3, 6, -1],
        ],
      ],
      ['b', [[1, 6, -1]]],
    ],
  );
  const fetch = errorResponse(
    1,
    11,
    { topics: [{ topic: 't', partitions: [{ partition: 2 }, { partition: 5 }] }], forgottenTopicsData: [] },
    { errorCode: 6, errorMessage: null },
  ) as Obj & {
    responses: { topic: string; partitions: { partitionIndex: number; highWatermark: number }[] }[];
  };
  assert.equal(fetch.errorCode, 6);
  assert.deepEqual(
    fetch.responses[0].partitions.map((p) => [p.partitionIndex, p.highWatermark]),
    [
      [2, -1],
      [5, -1],
    ],
  );
  const offsetFetch = errorResponse(
    9,
    8,
    { groups: [{ groupId: 'g', topics: [{ name: 't', partitionIndexes: [0, 4] }] }] },
    { errorCode: 16, errorMessage: null },
  ) as {
    groups: { groupId: string; errorCode: number; topics: { partitions: { partitionIndex: number }[] }[] }[];
  };
  assert.equal(offsetFetch.groups[0].groupId, 'g');
  assert.deepEqual(
    offsetFetch.groups[0].topics[0].partitions.map((p) => p.partitionIndex),
    [0, 4],
  );
  const deleteTopics = errorResponse(
    20,
    4,
    { topicNames: ['x', 'y'], timeoutMs: 1 },
    { errorCode: 41, errorMessage: null },
  );
  assert.deepEqual(
    (deleteTopics.responses as Obj[]).map((r) => [r.name, r.errorCode]),
    [
      ['x', 41],
      ['y', 41],
    ],
  );
});
