import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configsFromEnv, envVariableToKey, keyToEnvVariable } from '../../src/config/env.js';

test('KAFKA_* names map as in the apache/kafka image: _ is a dot, __ an underscore, ___ a dash', () => {
  assert.equal(envVariableToKey('KAFKA_LOG_DIRS'), 'log.dirs');
  assert.equal(
    envVariableToKey('KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR'),
    'offsets.topic.replication.factor',
  );
  assert.equal(
    envVariableToKey('KAFKA_LISTENER_NAME_SASL__SSL_PLAIN_SASL_JAAS_CONFIG'),
    'listener.name.sasl_ssl.plain.sasl.jaas.config',
  );
  assert.equal(
    envVariableToKey('KAFKA_LISTENER_NAME_SASL__PLAINTEXT_SCRAM___SHA___256_SASL_JAAS_CONFIG'),
    'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config',
  );
  assert.equal(envVariableToKey('KAFKA_ZOOKEEPER_CLIENTCNXNSOCKET'), 'zookeeper.clientcnxnsocket');
});

test('like the image, every "KAFKA_" in the name is removed, not only the prefix', () => {
  assert.equal(envVariableToKey('KAFKA_LISTENER_NAME_KAFKA_X'), 'listener.name.x');
});

test('variables that configure the scripts or the image are not configs', () => {
  for (const name of [
    'KAFKA_HEAP_OPTS',
    'KAFKA_OPTS',
    'KAFKA_JMX_OPTS',
    'KAFKA_JMX_PORT',
    'KAFKA_JMX_HOSTNAME',
    'KAFKA_LOG4J_OPTS',
    'KAFKA_LOG4J_ROOT_LOGLEVEL',
    'KAFKA_LOG4J_LOGGERS',
    'KAFKA_TOOLS_LOG4J_LOGLEVEL',
    'KAFKA_VERSION',
    'KAFKA_JVM_PERFORMANCE_OPTS',
    'KAFKA_GC_LOG_OPTS',
    'KAFKA_DEBUG',
    'KAFKA_SSL_KEYSTORE_FILENAME',
    'KAFKA_JMX_RMI_PORT',
    'KAFKA_LOG4J_CONFIG',
  ])
    assert.equal(envVariableToKey(name), null, name);
  assert.equal(envVariableToKey('CLUSTER_ID'), null);
  assert.equal(envVariableToKey('PATH'), null);
  assert.equal(envVariableToKey('KAFKA_'), null);
});

test('keyToEnvVariable is the inverse', () => {
  for (const key of ['log.dirs', 'listener.name.sasl_ssl.plain.sasl.jaas.config', 'a-b.c_d']) {
    assert.equal(envVariableToKey(keyToEnvVariable(key)), key);
  }
  assert.equal(keyToEnvVariable('log.dirs'), 'KAFKA_LOG_DIRS');
});

test('configsFromEnv keeps only config variables, sorted, and ignores undefined values', () => {
  const entries = configsFromEnv({
    PATH: '/bin',
    KAFKA_NUM_PARTITIONS: '3',
    KAFKA_HEAP_OPTS: '-Xmx1G',
    KAFKA_LOG_DIRS: '/d',
    KAFKA_X: undefined,
  });
  assert.deepEqual(entries, [
    { key: 'log.dirs', value: '/d', variable: 'KAFKA_LOG_DIRS' },
    { key: 'num.partitions', value: '3', variable: 'KAFKA_NUM_PARTITIONS' },
  ]);
});

test('like the image, listeners default to the advertised ones bound on 0.0.0.0', () => {
  const derived = configsFromEnv({
    KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://broker:19092,SSL://broker.example.com:9093',
  });
  assert.deepEqual(derived.at(-1), {
    key: 'listeners',
    value: 'PLAINTEXT://0.0.0.0:19092,SSL://0.0.0.0:9093',
    variable: 'KAFKA_ADVERTISED_LISTENERS',
    derived: true,
  });
  assert.equal(
    configsFromEnv({ KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://b:1', KAFKA_LISTENERS: 'PLAINTEXT://:1' })
      .length,
    2,
  );
  assert.equal(
    configsFromEnv({
      KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://b:1',
      KAFKA_PROCESS_ROLES: 'controller',
    }).filter((e) => e.derived).length,
    0,
  );
});
