// OAUTHBEARER end to end: Kafka's unsecured development tokens (Samsa's client from a JAAS line,
// kafkajs with a token provider), and signed JWTs checked against a JWKS file with issuer and audience
// (OAuthBearerValidatorCallbackHandler); an expired or foreign token is refused.
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import type { BrokerNode } from '../../../src/broker/node.js';
import { Producer } from '../../../src/client/index.js';
import { startSecureNode } from '../../helpers/node.js';

const dir = mkdtempSync(join(tmpdir(), 'samsa-oauth-'));
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
let node: BrokerNode;
let ports: Record<string, number>;

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

function signed(claims: Record<string, unknown>, key = privateKey): string {
  const head = b64({ alg: 'ES256', kid: 'k1', typ: 'JWT' });
  const body = b64(claims);
  const signature = sign('sha256', Buffer.from(`${head}.${body}`), { key, dsaEncoding: 'ieee-p1363' });
  return `${head}.${body}.${signature.toString('base64url')}`;
}

before(async () => {
  const jwks = join(dir, 'jwks.json');
  writeFileSync(
    jwks,
    JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256' }] }),
  );
  const started = await startSecureNode({
    listeners: 'PLAINTEXT://127.0.0.1:0,DEV://127.0.0.1:0,PROD://127.0.0.1:0',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,DEV:SASL_PLAINTEXT,PROD:SASL_PLAINTEXT',
    'sasl.enabled.mechanisms': 'OAUTHBEARER',
    'listener.name.dev.oauthbearer.sasl.jaas.config':
      'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
    'listener.name.prod.oauthbearer.sasl.jaas.config':
      'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
    'listener.name.prod.oauthbearer.sasl.server.callback.handler.class':
      'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler',
    'listener.name.prod.oauthbearer.sasl.oauthbearer.jwks.endpoint.url': `file://${jwks}`,
    'listener.name.prod.oauthbearer.sasl.oauthbearer.expected.issuer': 'https://issuer.example',
    'listener.name.prod.oauthbearer.sasl.oauthbearer.expected.audience': 'kafka',
  });
  node = started.node;
  ports = started.ports;
});

after(async () => {
  await node?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("unsecured tokens: Samsa's client from a JAAS line, kafkajs from a token provider", async () => {
  const producer = new Producer({
    'bootstrap.servers': `127.0.0.1:${ports.DEV}`,
    'security.protocol': 'SASL_PLAINTEXT',
    'sasl.mechanism': 'OAUTHBEARER',
    'sasl.jaas.config':
      'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="alice";',
  });
  assert.equal((await producer.send({ topic: 'oauth', value: 'a' })).offset, 0);
  await producer.close();
  const now = Math.floor(Date.now() / 1000);
  const token = `${b64({ alg: 'none' })}.${b64({ sub: 'bob', iat: now, exp: now + 600 })}.`;
  const kafka = new Kafka({
    brokers: [`127.0.0.1:${ports.DEV}`],
    logLevel: logLevel.NOTHING,
    sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: token }) },
  });
  const p = kafka.producer();
  await p.connect();
  await p.send({ topic: 'oauth', messages: [{ value: 'b' }] });
  await p.disconnect();
});

test('JWKS: a signed token with the right issuer and audience passes; expired, foreign or wrong-audience ones fail', async () => {
  const now = Math.floor(Date.now() / 1000);
  const good = { sub: 'svc', iss: 'https://issuer.example', aud: 'kafka', iat: now, exp: now + 600 };
  const send = async (token: string) => {
    const producer = new Producer({
      'bootstrap.servers': `127.0.0.1:${ports.PROD}`,
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': 'OAUTHBEARER',
      'sasl.oauthbearer.token': token,
      'max.block.ms': 5000,
    });
    try {
      await producer.send({ topic: 'oauth', value: 'x' });
      return 'ok';
    } catch (e) {
      return (e as { code?: string }).code ?? String(e);
    } finally {
      await producer.close().catch(() => {});
    }
  };
  assert.equal(await send(signed(good)), 'ok');
  assert.equal(await send(signed({ ...good, exp: now - 120 })), 'SASL_AUTHENTICATION_FAILED');
  assert.equal(await send(signed({ ...good, aud: 'other' })), 'SASL_AUTHENTICATION_FAILED');
  const { privateKey: foreign } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  assert.equal(await send(signed(good, foreign)), 'SASL_AUTHENTICATION_FAILED');
  const unsecured = `${b64({ alg: 'none' })}.${b64(good)}.`;
  assert.equal(await send(unsecured), 'SASL_AUTHENTICATION_FAILED');
});
