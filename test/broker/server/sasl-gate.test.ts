// The SASL gate as a client sees it, byte for byte: what is served before authentication, the
// failures (wrong password, unknown mechanism, any other API), bare tokens after SaslHandshake v0,
// the pre-authentication frame cap, the authentication timeout, and KIP-368 session lifetimes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrokerNode } from '../../../src/broker/node.js';
import { startSecureNode } from '../../helpers/node.js';
import { RawClient } from '../../helpers/raw-client.js';

let node: BrokerNode;
let port: number;
let plainPort: number;

const JAAS =
  'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret" user_bob="bob-secret";';

before(async () => {
  const started = await startSecureNode({
    listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
    'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': JAAS,
    'listener.name.sasl_plaintext.plain.connections.max.reauth.ms': '1500',
    'connections.authentication.timeout.ms': '600',
  });
  node = started.node;
  port = started.ports.SASL_PLAINTEXT;
  plainPort = started.ports.PLAINTEXT;
});

after(async () => {
  await node.stop();
});

test('before authentication: ApiVersions lists every API; Metadata closes the connection', async () => {
  const c = await RawClient.connect(port);
  const versions = await c.request(18, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
  assert.equal(versions.errorCode, 0);
  const keys = versions.apiKeys.map((k: { apiKey: number }) => k.apiKey);
  for (const k of [0, 1, 3, 17, 29, 30, 31, 36, 48, 49, 50, 51])
    assert.ok(keys.includes(k), `API ${k} advertised`);
  await assert.rejects(c.request(3, 12, { topics: null, allowAutoTopicCreation: false }), /closed/);
  assert.equal(await c.closed(), true);
});

test('PLAIN: the right password authenticates; then Metadata is served', async () => {
  const c = await RawClient.connect(port);
  const auth = await c.plain('alice', 'alice-secret');
  assert.equal(auth.errorCode, 0);
  assert.ok(
    auth.sessionLifetimeMs > 0 && auth.sessionLifetimeMs <= 1500,
    `lifetime ${auth.sessionLifetimeMs}`,
  );
  const md = await c.request(3, 12, { topics: null, allowAutoTopicCreation: false });
  assert.equal(md.brokers.length, 1);
  c.close();
});

test("a wrong password gets SASL_AUTHENTICATION_FAILED with Kafka's message, then a closed connection", async () => {
  const c = await RawClient.connect(port);
  const auth = await c.plain('alice', 'nope');
  assert.equal(auth.errorCode, 58);
  assert.equal(auth.errorMessage, 'Authentication failed: Invalid username or password');
  assert.equal(await c.closed(), true);
  // Someone else's authorization id is refused the same way (CVE-2017-12610).
  const d = await RawClient.connect(port);
  await d.request(17, 1, { mechanism: 'PLAIN' });
  const forged = await d.request(36, 2, { authBytes: Buffer.from('bob\u0000alice\u0000alice-secret') });
  assert.equal(forged.errorCode, 58);
  assert.equal(await d.closed(), true);
});

test('an unknown mechanism gets UNSUPPORTED_SASL_MECHANISM with the enabled ones, then a close', async () => {
  const c = await RawClient.connect(port);
  const hs = await c.request(17, 1, { mechanism: 'GSSAPI' });
  assert.equal(hs.errorCode, 33);
  assert.deepEqual(hs.mechanisms, ['PLAIN', 'SCRAM-SHA-256']);
  assert.equal(await c.closed(), true);
});

test('after SaslHandshake v1 only SaslAuthenticate is served', async () => {
  const c = await RawClient.connect(port);
  await c.request(17, 1, { mechanism: 'PLAIN' });
  await assert.rejects(c.request(18, 0, {}), /closed/);
});

test('SaslHandshake v0: the token comes bare and the answer is a bare frame (kafka-python 2.0.2)', async () => {
  const c = await RawClient.connect(port);
  const hs = await c.request(17, 0, { mechanism: 'PLAIN' });
  assert.equal(hs.errorCode, 0);
  const token = Buffer.from('\u0000alice\u0000alice-secret');
  const size = Buffer.alloc(4);
  size.writeInt32BE(token.length);
  const answer = await c.send(Buffer.concat([size, token]));
  assert.equal(answer.length, 0);
  const md = await c.request(3, 1, { topics: null });
  assert.equal(md.brokers.length, 1);
  c.close();
  // A wrong bare token closes without an answer.
  const d = await RawClient.connect(port);
  await d.request(17, 0, { mechanism: 'PLAIN' });
  d.socket.write(Buffer.concat([size, Buffer.from('\u0000alice\u0000wrong-secre')]));
  assert.equal(await d.closed(), true);
});

test('frames before authentication are capped by sasl.server.max.receive.size', async () => {
  const c = await RawClient.connect(port);
  const size = Buffer.alloc(4);
  size.writeInt32BE(524288 + 1);
  c.socket.write(size);
  assert.equal(await c.closed(), true);
  // The same size is fine once authenticated (socket.request.max.bytes applies).
  const d = await RawClient.connect(port);
  assert.equal((await d.plain('alice', 'alice-secret')).errorCode, 0);
  d.socket.write(size);
  assert.equal(await d.closed(500), false);
  d.close();
});

test('a client that does not finish authenticating in time is disconnected', async () => {
  const c = await RawClient.connect(port);
  await c.request(18, 0, {});
  assert.equal(await c.closed(5000), true);
});

test('KIP-368: past its session lifetime a connection must re-authenticate; re-authentication keeps it', async () => {
  const c = await RawClient.connect(port);
  const auth = await c.plain('alice', 'alice-secret');
  assert.equal(auth.errorCode, 0);
  // Re-authenticate before the lifetime ends, as the same user: the connection keeps working.
  await new Promise((r) => setTimeout(r, auth.sessionLifetimeMs / 2));
  const again = await c.plain('alice', 'alice-secret');
  assert.equal(again.errorCode, 0);
  await new Promise((r) => setTimeout(r, again.sessionLifetimeMs / 2));
  assert.equal((await c.request(3, 12, { topics: null, allowAutoTopicCreation: false })).errorCode ?? 0, 0);
  // Another user on the same connection is refused.
  const other = await c.plain('bob', 'bob-secret');
  assert.equal(other.errorCode, 58);
  assert.equal(await c.closed(), true);
  // Without re-authentication, the first request after the lifetime closes the connection.
  const d = await RawClient.connect(port);
  const first = await d.plain('alice', 'alice-secret');
  await new Promise((r) => setTimeout(r, first.sessionLifetimeMs + 100));
  await assert.rejects(d.request(3, 12, { topics: null, allowAutoTopicCreation: false }), /closed/);
});

test('on a PLAINTEXT listener the SASL APIs answer ILLEGAL_SASL_STATE', async () => {
  const c = await RawClient.connect(plainPort);
  assert.equal((await c.request(17, 1, { mechanism: 'PLAIN' })).errorCode, 34);
  assert.equal((await c.request(36, 1, { authBytes: Buffer.alloc(0) })).errorCode, 34);
  c.close();
});

test("metrics count authentications by outcome, under Kafka's names", async () => {
  const text = await node.metrics.scrape();
  const value = (name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? -1);
  assert.ok(value('kafka_server_socket_server_metrics_successful_authentication_total') >= 3, text);
  assert.ok(value('kafka_server_socket_server_metrics_failed_authentication_total') >= 3, text);
});
