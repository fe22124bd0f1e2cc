// A secured cluster of three processes, as an operator secures Kafka: clients and brokers share a
// SASL_SSL listener (PLAIN; the brokers log in to each other as User:broker through
// sasl.mechanism.inter.broker.protocol), the controllers' listener is SSL with mutual TLS (each node's
// certificate is its principal there), an authorizer with super.users naming both broker principals.
// The quorum forms, replicas follow their leaders over SASL_SSL (acks=all with the whole ISR), a
// client without ACLs is refused even when its request is forwarded to the controller, and the
// controller listener refuses a client without a certificate.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { Admin } from '../../src/client/index.js';
import { makeCerts, type TestCerts } from '../helpers/certs.js';
import { ProcessCluster } from '../helpers/process-cluster.js';
import { produceAndReadBack } from '../helpers/round-trip.js';
import { skipUnless } from '../helpers/tools.js';

const skip = skipUnless('a secured cluster of processes', 'openssl');

let certs: TestCerts;
let cluster: ProcessCluster;

const BROKER_DN = 'CN=localhost,OU=brokers,O=samsa';
const JAAS =
  'org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="broker-secret" ' +
  'user_broker="broker-secret" user_admin="admin-secret" user_alice="alice-secret";';

function clientConfig(user: string): Record<string, string> {
  return {
    'bootstrap.servers': cluster.bootstrap,
    'security.protocol': 'SASL_SSL',
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': certs.caCert,
    'sasl.mechanism': 'PLAIN',
    'sasl.username': user,
    'sasl.password': `${user}-secret`,
  };
}

async function until<T>(what: string, fn: () => Promise<T | false | undefined>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (${String(last)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

before(async () => {
  if (skip) return;
  certs = makeCerts();
  cluster = await ProcessCluster.start({
    nodes: 3,
    clientListener: 'SECURE',
    readyTimeoutMs: 60_000,
    configs: {
      'listener.security.protocol.map': 'SECURE:SASL_SSL,CONTROLLER:SSL',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': certs.brokerPem,
      'ssl.truststore.type': 'PEM',
      'ssl.truststore.location': certs.caCert,
      'listener.name.controller.ssl.client.auth': 'required',
      'sasl.enabled.mechanisms': 'PLAIN',
      'sasl.mechanism.inter.broker.protocol': 'PLAIN',
      'listener.name.secure.plain.sasl.jaas.config': JAAS,
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': `User:broker;User:admin;User:${BROKER_DN}`,
      'broker.session.timeout.ms': '6000',
      'broker.heartbeat.interval.ms': '500',
    },
  });
});

after(async () => {
  await cluster?.close();
  certs?.remove();
});

test('a SASL_SSL cluster with an mTLS controller listener: replication, authorization, forwarding', {
  skip,
  timeout: 180_000,
}, async () => {
  const admin = new Admin(clientConfig('admin'));
  try {
    await admin.createTopics([{ name: 'secured', numPartitions: 3, replicationFactor: 3 }]);
    // Every replica joins the ISR: the followers fetch from their leaders over SASL_SSL as User:broker.
    await until('all ISRs full', async () => {
      const [d] = await admin.describeTopics(['secured']);
      return d.partitions.length === 3 && d.partitions.every((p) => p.isr.length === 3);
    });
    const { sent, read } = await produceAndReadBack(clientConfig('admin'), 'secured', 30, 'secured-readers');
    assert.deepEqual(read, sent);
  } finally {
    await admin.close();
  }
  // alice has no ACL: CreateTopics is refused by whichever broker she asks, forwarded or not (the
  // controller authorizes the Envelope's inner request as alice, not as the forwarding broker).
  for (const id of cluster.brokerIds) {
    const alice = new Admin({ ...clientConfig('alice'), 'bootstrap.servers': cluster.node(id).bootstrap });
    try {
      await assert.rejects(
        alice.createTopics([{ name: `alice-${id}`, numPartitions: 1, replicationFactor: 3 }]),
        (err: Error & { code?: string }) => err.code === 'TOPIC_AUTHORIZATION_FAILED',
        `node ${id}`,
      );
    } finally {
      await alice.close();
    }
  }
  // The controller listener wants a certificate signed by the cluster's CA.
  const controllerPort = cluster.node(1).controllerPort as number;
  const refused = await new Promise<boolean>((resolve) => {
    const s = tlsConnect({ host: '127.0.0.1', port: controllerPort, ca: certs.read(certs.caCert) });
    s.on('secureConnect', () => {
      // TLS 1.3: the server's refusal of the missing certificate comes after the client's finish.
      s.write(Buffer.from([0, 0, 0, 0]));
    });
    s.on('error', () => resolve(true));
    s.on('close', () => resolve(true));
    s.on('data', () => resolve(false));
    setTimeout(() => {
      s.destroy();
      resolve(false);
    }, 10_000);
  });
  assert.ok(refused, 'no client certificate, no controller listener');
});
