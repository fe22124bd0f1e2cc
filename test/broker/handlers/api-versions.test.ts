import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrokerNode } from '../../../src/broker/node.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { decodeResponseFrame } from '../../../src/protocol/frame.js';
import { startTestNode } from '../../helpers/node.js';
import { RawClient } from '../../helpers/raw-client.js';

let node: BrokerNode;
let port: number;

before(async () => {
  ({ node, port } = await startTestNode());
});
after(() => node.stop());

test('ApiVersions lists exactly the handled APIs, in every version 0-4', async () => {
  const c = await RawClient.connect(port);
  for (let v = 0; v <= 4; v++) {
    const body = v >= 3 ? { clientSoftwareName: 'samsa-test', clientSoftwareVersion: '1.0' } : {};
    const r = await c.request(18, v, body);
    assert.equal(r.errorCode, ErrorCode.NONE);
    const keys = r.apiKeys.map((k: { apiKey: number }) => k.apiKey);
    assert.deepEqual(
      keys,
      node.registry.supportedApis.map((a) => a.apiKey),
    );
    const av = r.apiKeys.find((k: { apiKey: number }) => k.apiKey === 18);
    assert.deepEqual([av.minVersion, av.maxVersion], [0, 4]);
  }
  c.close();
});

test('an ApiVersions version the broker does not know gets error 35 and a v0 body with its range', async () => {
  const c = await RawClient.connect(port);
  // Header v2 (flexible): key 18, version 9, correlation 0x4d, client id "x", empty tags; empty body tags.
  const frame = Buffer.from('00120009' + '0000004d' + '0001' + '78' + '00' + '00', 'hex');
  const size = Buffer.alloc(4);
  size.writeInt32BE(frame.length);
  const response = await c.send(Buffer.concat([size, frame]));
  const decoded = decodeResponseFrame<{
    errorCode: number;
    apiKeys: { apiKey: number; minVersion: number; maxVersion: number }[];
  }>(18, 0, response);
  assert.equal(decoded.correlationId, 0x4d);
  assert.equal(decoded.body.errorCode, ErrorCode.UNSUPPORTED_VERSION);
  assert.deepEqual(decoded.body.apiKeys, [{ apiKey: 18, minVersion: 0, maxVersion: 4 }]);
  c.close();
});

test('ApiVersions v3 with a malformed software name is INVALID_REQUEST', async () => {
  const c = await RawClient.connect(port);
  const r = await c.request(18, 3, { clientSoftwareName: '-bad name', clientSoftwareVersion: '1' });
  assert.equal(r.errorCode, ErrorCode.INVALID_REQUEST);
  c.close();
});

test('an unsupported version of another API closes the connection without an answer', async () => {
  // Metadata version 99: written by hand, since our own codec refuses to encode it.
  const d = await RawClient.connect(port);
  const frame = Buffer.from('0003006300000001ffff', 'hex');
  const size = Buffer.alloc(4);
  size.writeInt32BE(frame.length);
  d.send(Buffer.concat([size, frame])).catch(() => {});
  assert.equal(await d.closed(), true);
});
