// Brokers that log in to each other with SCRAM-SHA-512, as an operator sets Kafka up: the brokers'
// own credentials are bootstrapped into the metadata log with `kafka-storage.sh format --add-scram`,
// each broker logs in with listener.name.<l>.scram-sha-512.sasl.jaas.config (ScramLoginModule), and
// clients share that SASL_PLAINTEXT listener (the controllers keep their PLAINTEXT one: Kafka has no
// SCRAM there). Followers fetch over SCRAM, so a topic with three replicas fills its ISRs and takes
// acks=all; a fourth broker with the wrong password logs the failed authentication and never joins
// the ISR of the partition it follows.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin } from '../../src/client/index.js';
import { ProcessCluster } from '../helpers/process-cluster.js';
import { produceAndReadBack } from '../helpers/round-trip.js';
import { until } from '../helpers/wait.js';

const BAD_BROKER = 4;
const scramLogin = (password: string) =>
  `org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="${password}";`;

let cluster: ProcessCluster;

const clientConfig = (): Record<string, string> => ({
  'bootstrap.servers': cluster.bootstrap,
  'security.protocol': 'SASL_PLAINTEXT',
  'sasl.mechanism': 'SCRAM-SHA-512',
  'sasl.username': 'admin',
  'sasl.password': 'admin-secret',
});

before(async () => {
  cluster = await ProcessCluster.start({
    nodes: 3,
    clientListener: 'INTERNAL',
    readyTimeoutMs: 60_000,
    formatArgs: [
      '--add-scram',
      'SCRAM-SHA-512=[name=broker,password=broker-secret]',
      '--add-scram',
      'SCRAM-SHA-512=[name=admin,password=admin-secret]',
    ],
    configs: {
      'listener.security.protocol.map': 'INTERNAL:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
      'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
      // A lagging follower leaves the ISR after 10 s instead of 30 (the wrong-password broker below).
      'replica.lag.time.max.ms': '10000',
      'broker.session.timeout.ms': '6000',
      'broker.heartbeat.interval.ms': '500',
    },
    nodeConfigs: (id) => ({
      'listener.name.internal.scram-sha-512.sasl.jaas.config': scramLogin(
        id === BAD_BROKER ? 'not-the-secret' : 'broker-secret',
      ),
    }),
  });
});

after(async () => {
  await cluster?.close();
});

test('SCRAM-SHA-512 between brokers: full ISRs, acks=all, and a wrong password keeps a broker out', {
  timeout: 180_000,
}, async () => {
  const admin = new Admin(clientConfig());
  try {
    await admin.createTopics([{ name: 'scrammed', numPartitions: 3, replicationFactor: 3 }]);
    // Every follower fetches from its leader over the SCRAM-authenticated listener.
    await until(
      () => admin.describeTopics(['scrammed']),
      ([d]) => d.partitions.length === 3 && d.partitions.every((p) => p.isr.length === 3),
      'every ISR of scrammed full',
      60_000,
    );
    const { sent, read } = await produceAndReadBack(clientConfig(), 'scrammed', 30, 'scram-readers');
    assert.deepEqual(read, sent);

    // A broker whose inter-broker password is wrong: it registers (its controller listener is
    // PLAINTEXT) and follows a partition whose leader it cannot log in to.
    const bad = await cluster.addBroker(BAD_BROKER);
    await admin.createTopics([{ name: 'shut-out', assignments: { 0: [1, BAD_BROKER] } }]);
    await until(
      async () => bad.output,
      (out) => /connection to node failed authentication.*SCRAM-SHA-512 authentication failed/.test(out),
      `broker ${BAD_BROKER} logging its failed SCRAM login`,
      60_000,
    );
    const [shutOut] = await until(
      () => admin.describeTopics(['shut-out']),
      ([d]) => d.partitions[0]?.leader === 1 && d.partitions[0].isr.join() === '1',
      `broker ${BAD_BROKER} out of the ISR of shut-out`,
      60_000,
    );
    assert.deepEqual(shutOut.partitions[0].replicas, [1, BAD_BROKER]);
  } finally {
    await admin.close();
  }
});
