// The security tools as an operator types them against a SASL_SSL broker process: kafka-storage.sh
// format --add-scram for the first admin, kafka-configs.sh for SCRAM users, quotas and a certificate
// reload, kafka-acls.sh with Kafka's output, the samsa acl/user/quota commands, all through
// --command-config with TLS and SASL settings.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connect as connectTls } from 'node:tls';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { makeCerts, type TestCerts } from '../helpers/certs.js';
import { skipUnless } from '../helpers/tools.js';
import { samsa, tool } from './cli-helpers.js';

/** Certificates come from openssl: without it the file is skipped (under CI=true, it fails). */
const skip = skipUnless('security tools', 'openssl');

let broker: BrokerProcess;
let certs: TestCerts;
let dataDir: string;
let adminProps: string;
let bs: string;

function writeProps(name: string, lines: string[]): string {
  const path = join(dataDir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

before(async () => {
  if (skip) return;
  certs = makeCerts();
  dataDir = mkdtempSync(join(tmpdir(), 'samsa-sec-tools-'));
  const serverProps = writeProps('server.properties', [
    'process.roles=broker,controller',
    'node.id=1',
    'controller.quorum.voters=1@127.0.0.1:0',
    `log.dirs=${dataDir}/logs`,
    'listeners=SASL_SSL://127.0.0.1:0,SSL://127.0.0.1:0,CONTROLLER://127.0.0.1:0',
    'controller.listener.names=CONTROLLER',
    'offsets.topic.replication.factor=1',
    'listener.security.protocol.map=SASL_SSL:SASL_SSL,SSL:SSL,CONTROLLER:SSL',
    'listener.name.controller.ssl.client.auth=required',
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${certs.caCert}`,
    'inter.broker.listener.name=SASL_SSL',
    'sasl.enabled.mechanisms=SCRAM-SHA-512',
    'ssl.keystore.type=PEM',
    `ssl.keystore.location=${certs.brokerPem}`,
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    // The node's broker reaches its own controller with its certificate, which names it.
    'super.users=User:admin;User:CN=localhost,OU=brokers,O=samsa',
    'metrics.port=0',
  ]);
  const id = await tool('kafka-storage.sh', ['random-uuid']);
  const format = await tool('kafka-storage.sh', [
    'format',
    '-t',
    id.stdout.trim(),
    '-c',
    serverProps,
    '--add-scram',
    'SCRAM-SHA-512=[name=admin,password=admin-secret]',
  ]);
  assert.equal(format.code, 0, format.stderr);
  broker = await startBrokerProcess({
    ownListeners: true,
    dataDir: `${dataDir}/logs`,
    args: ['--config', serverProps],
  });
  bs = broker.listeners.SASL_SSL;
  adminProps = writeProps('admin.properties', [
    'security.protocol=SASL_SSL',
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${certs.caCert}`,
    'sasl.mechanism=SCRAM-SHA-512',
    'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="admin-secret";',
  ]);
});

after(async () => {
  await broker?.stop();
  removeDataDir(dataDir);
  certs?.remove();
});

const admin = (name: string, args: string[], input?: string) =>
  tool(name, ['--bootstrap-server', bs, '--command-config', adminProps, ...args], { input });

test('kafka-storage.sh --add-scram: the formatted cluster knows its first admin', { skip }, async () => {
  const r = await admin('kafka-configs.sh', ['--describe', '--entity-type', 'users']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    "SCRAM credential configs for user-principal 'admin' are SCRAM-SHA-512=iterations=4096\n",
  );
  // Without credentials the SASL_SSL listener lets no request through.
  const anon = await tool('kafka-topics.sh', [
    '--bootstrap-server',
    bs,
    '--list',
    '--command-config',
    writeProps('tls-only.properties', [
      'security.protocol=SSL',
      `ssl.truststore.location=${certs.caCert}`,
      'ssl.truststore.type=PEM',
    ]),
  ]);
  assert.notEqual(anon.code, 0);
});

test("kafka-configs.sh: SCRAM users and quotas of users and clients, in Kafka's output", {
  skip,
}, async () => {
  let r = await admin('kafka-configs.sh', [
    '--alter',
    '--add-config',
    'SCRAM-SHA-512=[iterations=8192,password=alice-secret]',
    '--entity-type',
    'users',
    '--entity-name',
    'alice',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Completed updating config for user alice.\n');
  r = await admin('kafka-configs.sh', [
    '--alter',
    '--add-config',
    'producer_byte_rate=1024,consumer_byte_rate=2048',
    '--entity-type',
    'users',
    '--entity-name',
    'alice',
    '--entity-type',
    'clients',
    '--entity-name',
    'app',
  ]);
  assert.equal(r.code, 0, r.stderr);
  r = await admin('kafka-configs.sh', [
    '--alter',
    '--add-config',
    'request_percentage=50',
    '--entity-type',
    'clients',
    '--entity-default',
  ]);
  assert.equal(r.stdout, 'Completed updating default config for clients in the cluster.\n');
  r = await admin('kafka-configs.sh', [
    '--describe',
    '--entity-type',
    'users',
    '--entity-name',
    'alice',
    '--entity-type',
    'clients',
    '--entity-name',
    'app',
  ]);
  assert.equal(
    r.stdout,
    "Quota configs for user-principal 'alice', client-id 'app' are producer_byte_rate=1024.0, consumer_byte_rate=2048.0\n",
  );
  r = await admin('kafka-configs.sh', ['--describe', '--entity-type', 'clients', '--entity-default']);
  assert.equal(r.stdout, 'Quota configs for the default client-id are request_percentage=50.0\n');
  r = await admin('kafka-configs.sh', ['--describe', '--entity-type', 'users', '--entity-name', 'alice']);
  assert.equal(
    r.stdout,
    "SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-512=iterations=8192\n",
  );
  // Mixing quotas and SCRAM, and unknown keys, are refused as Kafka refuses them.
  r = await admin('kafka-configs.sh', [
    '--alter',
    '--add-config',
    'SCRAM-SHA-512=[password=x],producer_byte_rate=1',
    '--entity-type',
    'users',
    '--entity-name',
    'alice',
  ]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Cannot alter both quota and SCRAM credential configs simultaneously/);
  r = await admin('kafka-configs.sh', [
    '--alter',
    '--add-config',
    'bogus=1',
    '--entity-type',
    'clients',
    '--entity-name',
    'app',
  ]);
  assert.match(r.stderr, /Only quota configs can be added for 'clients'/);
});

test("kafka-acls.sh: --producer and --consumer sets, --list with Kafka's lines, --remove --force", {
  skip,
}, async () => {
  let r = await admin('kafka-acls.sh', [
    '--add',
    '--allow-principal',
    'User:alice',
    '--producer',
    '--topic',
    'orders',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    'Adding ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)`: \n \t(principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW)\n\t(principal=User:alice, host=*, operation=DESCRIBE, permissionType=ALLOW)\n\t(principal=User:alice, host=*, operation=CREATE, permissionType=ALLOW)\n\n',
  );
  r = await admin('kafka-acls.sh', [
    '--add',
    '--allow-principal',
    'User:alice',
    '--consumer',
    '--topic',
    'orders',
    '--group',
    'billing',
  ]);
  assert.equal(r.code, 0, r.stderr);
  r = await admin('kafka-acls.sh', ['--list', '--topic', 'orders']);
  assert.match(
    r.stdout,
    /^Current ACLs for resource `ResourcePattern\(resourceType=TOPIC, name=orders, patternType=LITERAL\)`:\n\t\(principal=User:alice, host=\*, operation=WRITE, permissionType=ALLOW\)\n/,
  );
  assert.equal((r.stdout.match(/\t\(principal=User:alice/g) ?? []).length, 4, r.stdout);
  // alice can now produce to orders and consume it in group billing, and nothing else.
  const aliceProps = writeProps('alice.properties', [
    'security.protocol=SASL_SSL',
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${certs.caCert}`,
    'sasl.mechanism=SCRAM-SHA-512',
    'sasl.username=alice',
    'sasl.password=alice-secret',
  ]);
  const produce = (topic: string) =>
    tool(
      'kafka-console-producer.sh',
      ['--bootstrap-server', bs, '--topic', topic, '--producer.config', aliceProps],
      { input: 'hello\n' },
    );
  assert.equal((await produce('orders')).code, 0);
  const denied = await produce('payments');
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr, /TOPIC_AUTHORIZATION_FAILED|not authorized/i);
  const consumed = await tool('kafka-console-consumer.sh', [
    '--bootstrap-server',
    bs,
    '--topic',
    'orders',
    '--group',
    'billing',
    '--from-beginning',
    '--max-messages',
    '1',
    '--consumer.config',
    aliceProps,
    '--timeout-ms',
    '20000',
  ]);
  assert.equal(
    consumed.code,
    0,
    `${consumed.stderr}\n${broker
      .logs()
      .split('\n')
      .filter((l) => /closing|denied|Denied|failed/.test(l))
      .slice(-8)
      .join('\n')}`,
  );
  assert.equal(consumed.stdout, 'hello\n');
  r = await admin('kafka-acls.sh', [
    '--remove',
    '--allow-principal',
    'User:alice',
    '--operation',
    'Write',
    '--topic',
    'orders',
    '--force',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.notEqual((await produce('orders')).code, 0, 'WRITE removed');
});

test('samsa acl/user/quota do the same chores', { skip }, async () => {
  const s = (args: string[]) => samsa([...args, '-b', bs, '--command-config', adminProps]);
  let r = await s(['user', 'set', 'bob', '--password', 'bob-secret', '--mechanism', 'SCRAM-SHA-512']);
  assert.equal(r.code, 0, r.stderr);
  r = await s(['user', 'list', '--json']);
  const users = JSON.parse(r.stdout) as { user: string }[];
  assert.deepEqual(users.map((u) => u.user).sort(), ['admin', 'alice', 'bob']);
  r = await s(['acl', 'add', 'User:bob', 'read', 'topic:orders.', '--prefix']);
  assert.equal(r.code, 0, r.stderr);
  r = await s(['acl', 'list', 'User:bob', '--json']);
  assert.deepEqual(JSON.parse(r.stdout), [
    {
      resourceType: 'TOPIC',
      resourceName: 'orders.',
      patternType: 'PREFIXED',
      principal: 'User:bob',
      host: '*',
      operation: 'READ',
      permission: 'ALLOW',
    },
  ]);
  r = await s(['quota', 'set', 'consumer_byte_rate=1000', '--user', 'bob']);
  assert.equal(r.code, 0, r.stderr);
  r = await s(['quota', 'list', '--user', 'bob', '--json']);
  assert.deepEqual(JSON.parse(r.stdout), [{ entity: { user: 'bob' }, quotas: { consumer_byte_rate: 1000 } }]);
  r = await s(['user', 'delete', 'bob']);
  assert.equal(r.code, 0, r.stderr);
});

test("kafka-configs.sh reloads the SSL listener's certificate without a restart", { skip }, async () => {
  const serial = () =>
    new Promise<string>((resolve, reject) => {
      const sock = connectTls(
        {
          host: '127.0.0.1',
          port: Number(broker.listeners.SSL.split(':').pop()),
          ca: certs.read(certs.caCert),
          servername: 'localhost',
        },
        () => {
          resolve(sock.getPeerX509Certificate()?.serialNumber ?? '');
          sock.destroy();
        },
      );
      sock.once('error', reject);
    });
  const before = await serial();
  const renewed = certs.renewBroker();
  const r = await admin('kafka-configs.sh', [
    '--alter',
    '--entity-type',
    'brokers',
    '--entity-name',
    '1',
    '--add-config',
    `listener.name.ssl.ssl.keystore.location=${renewed}`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  let after = before;
  for (let i = 0; i < 50 && after === before; i++) {
    await new Promise((res) => setTimeout(res, 100));
    after = await serial();
  }
  assert.notEqual(after, before, 'a new connection sees the renewed certificate');
});
