// How a node logs in to its peers' SASL listeners (broker/security/peer-security.ts): the mechanism
// and the JAAS config it resolves as Kafka does, SCRAM refused on the controller listener with a
// line saying why, and whole handshakes run against the broker's own SCRAM server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Exchange } from '../../../src/broker/net/index.js';
import { peerConnector } from '../../../src/broker/security/peer-security.js';
import { DEVELOPER_DEFAULTS, loadBrokerConfig } from '../../../src/config/index.js';
import { createCredential, ScramServer } from '../../../src/security/sasl/scram.js';

const login = (module: string, password: string) =>
  `${module} required username="broker" password="${password}";`;
const SCRAM_LOGIN = 'org.apache.kafka.common.security.scram.ScramLoginModule';

function config(extra: Record<string, string>) {
  const loaded = loadBrokerConfig({
    base: {
      ...DEVELOPER_DEFAULTS,
      'log.dirs': '/x',
      'process.roles': 'broker,controller',
      'controller.quorum.voters': '1@127.0.0.1:9093',
      listeners: 'INTERNAL://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093',
      'listener.security.protocol.map': 'INTERNAL:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT',
      'inter.broker.listener.name': 'INTERNAL',
      'controller.listener.names': 'CONTROLLER',
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    },
    overrides: extra,
    env: {},
  });
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.error);
  return loaded.config;
}

/** A peer whose SASL listener is `server` (SaslHandshake, then each SaslAuthenticate stepped through it). */
function peer(server: ScramServer): Exchange {
  return async (apiKey, _version, body) => {
    if (apiKey === 17)
      return { ok: true, version: 1, body: { errorCode: 0, mechanisms: ['SCRAM-SHA-512', 'SCRAM-SHA-256'] } };
    const step = server.step((body as { authBytes: Buffer }).authBytes);
    const failed = step.kind === 'failed';
    return {
      ok: true,
      version: 2,
      body: {
        errorCode: failed ? 58 : 0,
        errorMessage: failed ? 'Authentication failed' : null,
        authBytes: failed ? Buffer.alloc(0) : step.bytes,
        sessionLifetimeMs: 0,
      },
    };
  };
}

const interBroker = (extra: Record<string, string>) =>
  peerConnector(config(extra), 'INTERNAL', 'sasl.mechanism.inter.broker.protocol');

test('inter-broker SCRAM: the JAAS config of the listener and mechanism, then sasl.jaas.config', async () => {
  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    const credential = createCredential(mechanism, 'broker-secret');
    const server = () => new ScramServer(mechanism, (name) => (name === 'broker' ? credential : null));
    const handshake = async (jaas: Record<string, string>) => {
      const c = interBroker({ 'sasl.mechanism.inter.broker.protocol': mechanism, ...jaas });
      assert.ok(c.ok, c.ok ? '' : c.error);
      return c.value.handshake?.(peer(server()), new Map());
    };
    const own = `listener.name.internal.${mechanism.toLowerCase()}.sasl.jaas.config`;
    assert.equal(await handshake({ [own]: login(SCRAM_LOGIN, 'broker-secret') }), null, mechanism);
    assert.equal(
      await handshake({ 'sasl.jaas.config': login(SCRAM_LOGIN, 'broker-secret') }),
      null,
      mechanism,
    );
    // The listener's own line wins over the generic one.
    assert.equal(
      await handshake({
        [own]: login(SCRAM_LOGIN, 'broker-secret'),
        'sasl.jaas.config': login(SCRAM_LOGIN, 'x'),
      }),
      null,
    );
    assert.match(
      String(await handshake({ [own]: login(SCRAM_LOGIN, 'wrong') })),
      new RegExp(`^${mechanism} authentication failed: SaslAuthenticate error 58`),
    );
  }
  const none = interBroker({ 'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512' });
  assert.ok(!none.ok);
  assert.match(
    none.error,
    /listener\.name\.internal\.scram-sha-512\.sasl\.jaas\.config or sasl\.jaas\.config/,
  );
});

test('the controller listener refuses SCRAM, saying why; PLAIN is taken there', () => {
  const controller = (mechanism: string) =>
    peerConnector(
      config({
        'sasl.mechanism.controller.protocol': mechanism,
        'sasl.jaas.config': login('org.apache.kafka.common.security.plain.PlainLoginModule', 's'),
      }),
      'CONTROLLER',
      'sasl.mechanism.controller.protocol',
    );
  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512']) {
    const c = controller(mechanism);
    assert.ok(!c.ok);
    assert.match(c.error, /SCRAM is not supported on the controller listener CONTROLLER/);
  }
  assert.ok(controller('PLAIN').ok);
  const gssapi = interBroker({ 'sasl.mechanism.inter.broker.protocol': 'GSSAPI' });
  assert.ok(!gssapi.ok);
  assert.match(gssapi.error, /PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512/);
});
