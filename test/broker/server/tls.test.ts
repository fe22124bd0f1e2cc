// TLS listeners with certificates made by openssl: PEM and PKCS12 key stores, a PKCS12 trust store,
// a JKS store refused with the keytool line, ssl.client.auth required/requested, the principal of a
// client certificate through ssl.principal.mapping.rules, ssl.enabled.protocols, and certificates
// replaced at run time through a dynamic listener config.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { opensslCipher } from '../../../src/broker/server/tls-context.js';
import { DEVELOPER_DEFAULTS, loadBrokerConfig } from '../../../src/config/index.js';
import { makeCerts, type TestCerts } from '../../helpers/certs.js';
import { startSecureNode } from '../../helpers/node.js';
import { RawClient } from '../../helpers/raw-client.js';
import { skipUnless } from '../../helpers/tools.js';

/** Certificates come from openssl: without it the file is skipped (under CI=true, it fails). */
const skip = skipUnless('TLS listeners', 'openssl');

let certs: TestCerts;

before(() => {
  if (skip) return;
  certs = makeCerts();
});

after(() => certs?.remove());

const SSL = {
  listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0',
  'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SSL:SSL',
};

function peer(port: number, options: Record<string, unknown>): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = connectTls({ host: '127.0.0.1', port, servername: 'localhost', ...options }, () => resolve(s));
    s.once('error', reject);
  });
}

test('PEM key store: a client trusting the CA connects and is served', { skip }, async () => {
  const { node, ports } = await startSecureNode({
    ...SSL,
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': certs.brokerPem,
  });
  try {
    const c = await RawClient.connectTls(ports.SSL, {
      ca: certs.read(certs.caCert),
      servername: 'localhost',
    });
    assert.equal(
      (await c.request(18, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' })).errorCode,
      0,
    );
    c.close();
    await assert.rejects(peer(ports.SSL, {}), /self-signed|unable to verify|certificate/i);
  } finally {
    await node.stop();
  }
});

test('PKCS12 key store and trust store, mTLS required: the CA-signed client is in, others are refused', {
  skip,
}, async () => {
  const { node, ports } = await startSecureNode({
    ...SSL,
    'ssl.keystore.type': 'PKCS12',
    'ssl.keystore.location': certs.brokerP12,
    'ssl.keystore.password': 'changeit',
    'ssl.truststore.type': 'PKCS12',
    'ssl.truststore.location': certs.trustP12,
    'ssl.truststore.password': 'changeit',
    'ssl.client.auth': 'required',
  });
  try {
    const alice = certs.client('alice');
    const ca = certs.read(certs.caCert);
    const c = await RawClient.connectTls(ports.SSL, {
      ca,
      cert: certs.read(alice.cert),
      key: certs.read(alice.key),
      servername: 'localhost',
    });
    assert.equal((await c.request(18, 0, {})).errorCode, 0);
    c.close();
    // An untrusted certificate and no certificate at all are refused during or right after the handshake.
    for (const opts of [
      { ca, cert: certs.read(certs.rogue.cert), key: certs.read(certs.rogue.key) },
      { ca },
    ]) {
      const refused = await RawClient.connectTls(ports.SSL, { ...opts, servername: 'localhost' }).then(
        async (r) => {
          try {
            await r.request(18, 0, {});
            return false;
          } catch {
            return true;
          }
        },
        () => true,
      );
      assert.ok(refused, 'refused');
    }
  } finally {
    await node.stop();
  }
});

test('ssl.client.auth=requested lets a client without a certificate in, never one with an untrusted one', {
  skip,
}, async () => {
  const { node, ports } = await startSecureNode({
    ...SSL,
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': certs.brokerPem,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': certs.caCert,
    'listener.name.ssl.ssl.client.auth': 'requested',
  });
  try {
    const ca = certs.read(certs.caCert);
    const c = await RawClient.connectTls(ports.SSL, { ca, servername: 'localhost' });
    assert.equal((await c.request(18, 0, {})).errorCode, 0);
    c.close();
    const rogue = await RawClient.connectTls(ports.SSL, {
      ca,
      cert: certs.read(certs.rogue.cert),
      key: certs.read(certs.rogue.key),
      servername: 'localhost',
    }).then(
      (r) => r.closed(3000),
      () => true,
    );
    assert.equal(rogue, true);
  } finally {
    await node.stop();
  }
});

test("the client certificate's subject, mapped by ssl.principal.mapping.rules, is the principal ACLs see", {
  skip,
}, async () => {
  const alice = certs.client('alice');
  const { node, ports } = await startSecureNode({
    ...SSL,
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': certs.brokerPem,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': certs.caCert,
    'ssl.client.auth': 'required',
    'ssl.principal.mapping.rules': 'RULE:^CN=([^,]+),OU=clients,.*$/$1/U,DEFAULT',
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users': 'User:ALICE',
  });
  try {
    const c = await RawClient.connectTls(ports.SSL, {
      ca: certs.read(certs.caCert),
      cert: certs.read(alice.cert),
      key: certs.read(alice.key),
      servername: 'localhost',
    });
    // DescribeAcls needs DESCRIBE on the cluster: only a super user has it here.
    const acls = await c.request(29, 2, {
      resourceTypeFilter: 1,
      resourceNameFilter: null,
      patternTypeFilter: 1,
      principalFilter: null,
      hostFilter: null,
      operation: 1,
      permissionType: 1,
    });
    assert.equal(acls.errorCode, 0, 'User:ALICE is the principal');
    c.close();
    const anon = await RawClient.connect(ports.PLAINTEXT);
    const denied = await anon.request(29, 2, {
      resourceTypeFilter: 1,
      resourceNameFilter: null,
      patternTypeFilter: 1,
      principalFilter: null,
      hostFilter: null,
      operation: 1,
      permissionType: 1,
    });
    assert.equal(denied.errorCode, 31, 'User:ANONYMOUS is not');
    anon.close();
  } finally {
    await node.stop();
  }
});

test("ssl.enabled.protocols=TLSv1.3 refuses a TLS 1.2 client; cipher suites take Kafka's names", {
  skip,
}, async () => {
  assert.equal(opensslCipher('TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'), 'ECDHE-RSA-AES256-GCM-SHA384');
  assert.equal(opensslCipher('TLS_RSA_WITH_AES_128_CBC_SHA'), 'AES128-SHA');
  assert.equal(
    opensslCipher('TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'),
    'ECDHE-ECDSA-CHACHA20-POLY1305',
  );
  assert.equal(opensslCipher('TLS_AES_128_GCM_SHA256'), 'TLS_AES_128_GCM_SHA256');
  assert.equal(opensslCipher('TLS_BOGUS'), null);
  const { node, ports } = await startSecureNode({
    ...SSL,
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': certs.brokerPem,
    'ssl.enabled.protocols': 'TLSv1.3',
  });
  try {
    const ca = certs.read(certs.caCert);
    await assert.rejects(peer(ports.SSL, { ca, maxVersion: 'TLSv1.2' }), /version|protocol|alert/i);
    const ok = await peer(ports.SSL, { ca });
    assert.equal(ok.getProtocol(), 'TLSv1.3');
    ok.destroy();
  } finally {
    await node.stop();
  }
});

test('bad stores stop the broker with one line: JKS (with the keytool line), a wrong password, a missing file', {
  skip,
}, () => {
  const jks = join(certs.dir, 'server.keystore.jks');
  writeFileSync(jks, Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]));
  const load = (extra: Record<string, string>) => {
    const loaded = loadBrokerConfig({
      base: { ...DEVELOPER_DEFAULTS, ...SSL, 'log.dirs': '/x' },
      overrides: extra,
      env: {},
    });
    assert.ok(loaded.ok);
    return loaded.config;
  };
  const startError = async (extra: Record<string, string>) => {
    const { BrokerSecurity } = await import('../../../src/broker/security/broker-security.js');
    const { Logger } = await import('../../../src/broker/logger.js');
    const { EMPTY_IMAGE } = await import('../../../src/metadata/image.js');
    const r = BrokerSecurity.create(
      load(extra),
      [{ name: 'SSL', securityProtocol: 'SSL' }],
      () => EMPTY_IMAGE,
      Logger.silent(),
    );
    assert.equal(r.ok, false);
    return r.ok ? '' : r.error;
  };
  return (async () => {
    const e1 = await startError({ 'ssl.keystore.location': jks });
    assert.match(
      e1,
      /is a JKS keystore.*keytool -importkeystore -srckeystore .*server\.keystore\.jks -srcstoretype JKS -destkeystore .*\.p12 -deststoretype PKCS12/,
    );
    const e2 = await startError({
      'ssl.keystore.type': 'PKCS12',
      'ssl.keystore.location': certs.brokerP12,
      'ssl.keystore.password': 'wrong',
    });
    assert.match(e2, /listener SSL: the key store or trust store cannot be used/);
    const e3 = await startError({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': '/nonexistent.pem' });
    assert.match(e3, /cannot read ssl.keystore.location \/nonexistent.pem: ENOENT/);
    const e4 = await startError({
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': certs.brokerPem,
      'ssl.truststore.type': 'PKCS12',
      'ssl.truststore.location': certs.trustP12,
      'ssl.truststore.password': 'nope',
    });
    assert.match(e4, /PKCS12 store/);
  })();
});

test('kafka-configs-style dynamic change of the key store: new connections get the new certificate', {
  skip,
}, async () => {
  const { node, ports } = await startSecureNode({
    ...SSL,
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': certs.brokerPem,
  });
  try {
    const ca = certs.read(certs.caCert);
    const before = await peer(ports.SSL, { ca });
    const firstSerial = before.getPeerX509Certificate()?.serialNumber;
    before.destroy();
    // A renewed certificate for the same subject, in a new file.
    const renewed = certs.renewBroker();
    const { configChangeRecords } = await import('../../../src/metadata/controller.js');
    await node.controller.apply((image) => ({
      records: configChangeRecords(
        image,
        4,
        '1',
        new Map([['listener.name.ssl.ssl.keystore.location', renewed]]),
      ),
      result: undefined,
    }));
    const afterSocket = await peer(ports.SSL, { ca });
    const secondSerial = afterSocket.getPeerX509Certificate()?.serialNumber;
    afterSocket.destroy();
    assert.ok(
      firstSerial && secondSerial && firstSerial !== secondSerial,
      `${firstSerial} then ${secondSerial}`,
    );
    assert.equal(
      new X509Certificate(certs.read(renewed)).subject,
      new X509Certificate(certs.read(certs.brokerCert)).subject,
    );
  } finally {
    await node.stop();
  }
});
