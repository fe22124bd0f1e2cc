// Unmodified clients over every secure transport a Samsa broker process offers: SSL, mutual TLS,
// SASL_SSL with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, and SASL_PLAINTEXT, with certificates made by
// openssl. Each client creates (or auto-creates) a topic, produces to it, lists topics, and consumes
// what it wrote in a consumer group: kcat, confluent-kafka, kafka-python, kafkajs, @platformatic/kafka
// and Samsa's own client.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  Admin as PlatformaticAdmin,
  Consumer as PlatformaticConsumer,
  Producer as PlatformaticProducer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { Admin, Consumer, Producer } from '../../src/client/index.js';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { makeCerts, type TestCerts } from '../helpers/certs.js';
import { needs, run, runPython, skipUnless } from '../helpers/tools.js';

/** Certificates come from openssl: without it the file is skipped (under CI=true, it fails). */
const skip = skipUnless('clients over TLS and SASL', 'openssl');

let broker: BrokerProcess;
let certs: TestCerts;
let client: { cert: string; key: string };

interface Transport {
  name: string;
  listener: string;
  protocol: 'SSL' | 'SASL_SSL' | 'SASL_PLAINTEXT';
  mtls?: boolean;
  mechanism?: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  user?: string;
  password?: string;
}

const TRANSPORTS: Transport[] = [
  { name: 'ssl', listener: 'SSL', protocol: 'SSL' },
  { name: 'mtls', listener: 'MTLS', protocol: 'SSL', mtls: true },
  {
    name: 'plain',
    listener: 'SASL_SSL',
    protocol: 'SASL_SSL',
    mechanism: 'PLAIN',
    user: 'alice',
    password: 'alice-secret',
  },
  {
    name: 'scram256',
    listener: 'SASL_SSL',
    protocol: 'SASL_SSL',
    mechanism: 'SCRAM-SHA-256',
    user: 'bob',
    password: 'bob-secret',
  },
  {
    name: 'scram512',
    listener: 'SASL_SSL',
    protocol: 'SASL_SSL',
    mechanism: 'SCRAM-SHA-512',
    user: 'bob',
    password: 'bob-secret',
  },
  {
    name: 'saslplain',
    listener: 'SASL_PLAINTEXT',
    protocol: 'SASL_PLAINTEXT',
    mechanism: 'SCRAM-SHA-512',
    user: 'bob',
    password: 'bob-secret',
  },
];

const JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";';

before(async () => {
  if (skip) return;
  certs = makeCerts();
  client = certs.client('carol');
  const o = (kv: string) => ['--override', kv];
  broker = await startBrokerProcess({
    ownListeners: true,
    args: [
      ...o(
        'listeners=PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,MTLS://127.0.0.1:0,SASL_SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      ),
      ...o(
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SSL:SSL,MTLS:SSL,SASL_SSL:SASL_SSL,SASL_PLAINTEXT:SASL_PLAINTEXT',
      ),
      ...o('ssl.keystore.type=PEM'),
      ...o(`ssl.keystore.location=${certs.brokerPem}`),
      ...o('ssl.truststore.type=PEM'),
      ...o(`ssl.truststore.location=${certs.caCert}`),
      ...o('listener.name.mtls.ssl.client.auth=required'),
      ...o('sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512'),
      ...o(`listener.name.sasl_ssl.plain.sasl.jaas.config=${JAAS}`),
      ...o(`listener.name.sasl_plaintext.plain.sasl.jaas.config=${JAAS}`),
    ],
  });
  const admin = new Admin({ 'bootstrap.servers': broker.listeners.PLAINTEXT });
  await admin.alterUserScramCredentials([
    { kind: 'upsert', user: 'bob', mechanism: 'SCRAM-SHA-256', password: 'bob-secret' },
    { kind: 'upsert', user: 'bob', mechanism: 'SCRAM-SHA-512', password: 'bob-secret', iterations: 8192 },
  ]);
  await admin.close();
});

after(async () => {
  await broker?.stop();
  if (broker) removeDataDir(broker.dataDir);
  certs?.remove();
});

const addr = (t: Transport) => broker.listeners[t.listener].replace('127.0.0.1', 'localhost');
const records = (who: string, t: Transport) => Array.from({ length: 5 }, (_, i) => `${who}-${t.name}-${i}`);

/** librdkafka properties (kcat and confluent-kafka) for a transport. */
function librdkafka(t: Transport): Record<string, string> {
  const p: Record<string, string> = { 'security.protocol': t.protocol };
  if (t.protocol !== 'SASL_PLAINTEXT') p['ssl.ca.location'] = certs.caCert;
  if (t.mtls) Object.assign(p, { 'ssl.certificate.location': client.cert, 'ssl.key.location': client.key });
  if (t.mechanism)
    Object.assign(p, {
      'sasl.mechanisms': t.mechanism,
      'sasl.username': t.user,
      'sasl.password': t.password,
    });
  return p;
}

test('kcat: produce, list, consume in a group over every transport', { skip }, async (t) => {
  if (!needs(t, 'kcat')) return;
  for (const t of TRANSPORTS) {
    const x = Object.entries(librdkafka(t)).flatMap(([k, v]) => ['-X', `${k}=${v}`]);
    const topic = `kcat-${t.name}`;
    const want = records('kcat', t);
    const p = await run('kcat', ['-b', addr(t), ...x, '-P', '-t', topic], { input: `${want.join('\n')}\n` });
    assert.equal(p.code, 0, `${t.name} produce: ${p.stderr}`);
    const l = await run('kcat', ['-b', addr(t), ...x, '-L', '-t', topic]);
    assert.match(l.stdout, new RegExp(`topic "${topic}" with 1 partitions`), `${t.name} list: ${l.stderr}`);
    const c = await run('kcat', [
      '-b',
      addr(t),
      ...x,
      '-G',
      `kcat-g-${t.name}`,
      '-X',
      'auto.offset.reset=earliest',
      '-e',
      '-q',
      '-f',
      '%s\\n',
      topic,
    ]);
    assert.equal(c.code, 0, `${t.name} consume: ${c.stderr}`);
    assert.deepEqual(c.stdout.trim().split('\n'), want, t.name);
  }
});

test('confluent-kafka: admin, produce, consume in a group over every transport', { skip }, async (t) => {
  if (!needs(t, 'confluent-kafka')) return;
  const script = `
import json, sys
from confluent_kafka import Producer, Consumer
from confluent_kafka.admin import AdminClient, NewTopic
for t in json.loads(sys.argv[1]):
    conf = dict(t['conf'], **{'bootstrap.servers': t['addr']})
    topic = 'ck-' + t['name']
    a = AdminClient(conf)
    for _, f in a.create_topics([NewTopic(topic, 1, 1)]).items(): f.result()
    assert topic in a.list_topics(timeout=10).topics, topic
    p = Producer(conf)
    for v in t['records']: p.produce(topic, v.encode())
    assert p.flush(15) == 0
    c = Consumer(dict(conf, **{'group.id': 'ck-g-' + t['name'], 'auto.offset.reset': 'earliest'}))
    c.subscribe([topic])
    got = []
    while len(got) < len(t['records']):
        m = c.poll(15)
        assert m is not None, t['name'] + ': timed out'
        if m.error(): continue
        got.append(m.value().decode())
    c.commit(asynchronous=False)
    c.close()
    assert got == t['records'], got
    print(t['name'], 'ok')
`;
  const spec = TRANSPORTS.map((t) => ({
    name: t.name,
    addr: addr(t),
    conf: librdkafka(t),
    records: records('ck', t),
  }));
  const r = await runPython(script, [JSON.stringify(spec)], 180_000);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, TRANSPORTS.length, r.stdout);
});

test('kafka-python: admin, produce, consume in a group over every transport', { skip }, async (t) => {
  if (!needs(t, 'kafka-python')) return;
  const script = `
import json, sys
from kafka import KafkaProducer, KafkaConsumer
from kafka.admin import KafkaAdminClient, NewTopic
for t in json.loads(sys.argv[1]):
    kw = dict(bootstrap_servers=t['addr'], security_protocol=t['protocol'])
    if t['protocol'] != 'SASL_PLAINTEXT': kw['ssl_cafile'] = t['ca']
    if t.get('mtls'): kw.update(ssl_certfile=t['cert'], ssl_keyfile=t['key'])
    if t.get('mechanism'): kw.update(sasl_mechanism=t['mechanism'], sasl_plain_username=t['user'], sasl_plain_password=t['password'])
    topic = 'kp-' + t['name']
    a = KafkaAdminClient(**kw)
    a.create_topics([NewTopic(topic, 1, 1)])
    assert topic in a.list_topics(), topic
    a.close()
    p = KafkaProducer(**kw)
    for v in t['records']: p.send(topic, v.encode()).get(timeout=15)
    p.close()
    c = KafkaConsumer(topic, group_id='kp-g-' + t['name'], auto_offset_reset='earliest', consumer_timeout_ms=15000, **kw)
    got = []
    for m in c:
        got.append(m.value.decode())
        if len(got) == len(t['records']): break
    c.commit()
    c.close()
    assert got == t['records'], (t['name'], got)
    print(t['name'], 'ok')
`;

  const spec = TRANSPORTS.map((t) => ({
    ...t,
    addr: addr(t),
    ca: certs.caCert,
    cert: client.cert,
    key: client.key,
    records: records('kp', t),
  }));
  const r = await runPython(script, [JSON.stringify(spec)], 240_000);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, TRANSPORTS.length, r.stdout);
});

function nodeTls(t: Transport) {
  if (t.protocol === 'SASL_PLAINTEXT') return undefined;
  return {
    ca: certs.read(certs.caCert),
    ...(t.mtls ? { cert: certs.read(client.cert), key: certs.read(client.key) } : {}),
  };
}

test('kafkajs: admin, produce, consume in a group over every transport', { skip }, async () => {
  for (const t of TRANSPORTS) {
    const kafka = new Kafka({
      brokers: [addr(t)],
      clientId: `kafkajs-${t.name}`,
      logLevel: logLevel.NOTHING,
      ssl: nodeTls(t),
      sasl: t.mechanism
        ? ({ mechanism: t.mechanism.toLowerCase(), username: t.user, password: t.password } as never)
        : undefined,
    });
    const topic = `kafkajs-${t.name}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    assert.ok((await admin.listTopics()).includes(topic), t.name);
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const want = records('kafkajs', t);
    await producer.send({ topic, messages: want.map((value) => ({ value })) });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: `kafkajs-g-${t.name}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${t.name}: timed out with ${got.length}`)), 30_000);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            got.push(message.value?.toString() ?? '');
            if (got.length === want.length) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    assert.deepEqual(got, want, t.name);
  }
});

test('@platformatic/kafka: admin, produce, consume in a group over every transport', { skip }, async () => {
  for (const t of TRANSPORTS) {
    const common = {
      clientId: `platformatic-${t.name}`,
      bootstrapBrokers: [addr(t)],
      ...(nodeTls(t) ? { tls: nodeTls(t) } : {}),
      ...(t.mechanism
        ? { sasl: { mechanism: t.mechanism, username: t.user as string, password: t.password as string } }
        : {}),
    };
    const topic = `platformatic-${t.name}`;
    const admin = new PlatformaticAdmin(common);
    await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
    assert.ok((await admin.listTopics()).includes(topic), t.name);
    await admin.close();
    const producer = new PlatformaticProducer({ ...common, serializers: stringSerializers });
    const want = records('platformatic', t);
    await producer.send({ messages: want.map((value) => ({ topic, value })) });
    await producer.close();
    const consumer = new PlatformaticConsumer({
      ...common,
      groupId: `platformatic-g-${t.name}`,
      deserializers: stringDeserializers,
    });
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest' });
    const got: string[] = [];
    const deadline = setTimeout(() => stream.close(), 30_000);
    for await (const m of stream) {
      got.push(m.value);
      await m.commit();
      if (got.length === want.length) break;
    }
    clearTimeout(deadline);
    await stream.close();
    await consumer.close();
    assert.deepEqual(got, want, t.name);
  }
});

test("Samsa's client: admin, produce, consume in a group over every transport", { skip }, async () => {
  for (const t of TRANSPORTS) {
    const config = {
      'bootstrap.servers': addr(t),
      'security.protocol': t.protocol,
      ...(t.protocol !== 'SASL_PLAINTEXT'
        ? { 'ssl.truststore.location': certs.caCert, 'ssl.truststore.type': 'PEM' }
        : {}),
      ...(t.mtls
        ? {
            'ssl.keystore.certificate.chain': certs.read(client.cert),
            'ssl.keystore.key': certs.read(client.key),
            'ssl.keystore.type': 'PEM',
          }
        : {}),
      ...(t.mechanism
        ? { 'sasl.mechanism': t.mechanism, 'sasl.username': t.user, 'sasl.password': t.password }
        : {}),
    };
    const topic = `samsa-${t.name}`;
    const admin = new Admin(config);
    await admin.createTopics([{ name: topic, numPartitions: 1 }]);
    assert.ok((await admin.listTopics()).includes(topic), t.name);
    await admin.close();
    const producer = new Producer(config);
    const want = records('samsa', t);
    for (const value of want) await producer.send({ topic, value });
    await producer.close();
    const consumer = new Consumer({
      ...config,
      'group.id': `samsa-g-${t.name}`,
      'auto.offset.reset': 'earliest',
    });
    await consumer.subscribe([topic]);
    const got: string[] = [];
    for await (const r of consumer) {
      got.push(r.value?.toString() ?? '');
      if (got.length === want.length) break;
    }
    await consumer.close();
    assert.deepEqual(got, want, t.name);
  }
});

test('refusals: a wrong password, an unknown user and an untrusted client certificate', {
  skip,
}, async (t) => {
  if (!needs(t, 'kcat')) return;
  const bad = new Producer({
    'bootstrap.servers': addr(TRANSPORTS[3]),
    'security.protocol': 'SASL_SSL',
    'ssl.truststore.location': certs.caCert,
    'ssl.truststore.type': 'PEM',
    'sasl.mechanism': 'SCRAM-SHA-256',
    'sasl.username': 'bob',
    'sasl.password': 'wrong',
  });
  await assert.rejects(bad.send({ topic: 'never', value: 'x' }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'SASL_AUTHENTICATION_FAILED');
    assert.match(e.message, /invalid credentials with SASL mechanism SCRAM-SHA-256/);
    return true;
  });
  await bad.close().catch(() => {});
  {
    const r = await run('kcat', [
      '-b',
      addr(TRANSPORTS[1]),
      '-X',
      'security.protocol=SSL',
      '-X',
      `ssl.ca.location=${certs.caCert}`,
      '-X',
      `ssl.certificate.location=${certs.rogue.cert}`,
      '-X',
      `ssl.key.location=${certs.rogue.key}`,
      '-L',
      '-m',
      '5',
    ]);
    assert.notEqual(r.code, 0);
    const u = await run('kcat', [
      '-b',
      addr(TRANSPORTS[2]),
      '-X',
      'security.protocol=SASL_SSL',
      '-X',
      `ssl.ca.location=${certs.caCert}`,
      '-X',
      'sasl.mechanisms=PLAIN',
      '-X',
      'sasl.username=nobody',
      '-X',
      'sasl.password=x',
      '-L',
      '-m',
      '5',
    ]);
    assert.notEqual(u.code, 0);
    assert.match(u.stderr, /Authentication failed: Invalid username or password/);
  }
});
