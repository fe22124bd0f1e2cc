import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AlterOpType, applyAlterConfigs, applyIncrementalOps } from '../../src/config/alter.js';
import { checkDynamicBrokerConfigs } from '../../src/config/dynamic.js';
import { DEVELOPER_DEFAULTS, loadBrokerConfig } from '../../src/config/load.js';

const { SET, DELETE, APPEND, SUBTRACT } = AlterOpType;

function devBroker() {
  const r = loadBrokerConfig({ base: DEVELOPER_DEFAULTS });
  assert.ok(r.ok);
  return r.config;
}

test('op codes are those of IncrementalAlterConfigs', () => {
  assert.deepEqual(AlterOpType, { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 });
});

test('SET and DELETE on topic overrides', () => {
  const r = applyIncrementalOps({ 'retention.ms': '1000', 'segment.ms': '60000' }, [
    { name: 'retention.ms', op: SET, value: '2000' },
    { name: 'segment.ms', op: DELETE, value: null },
    { name: 'cleanup.policy', op: 'SET', value: 'compact' },
  ]);
  assert.deepEqual(r, { ok: true, configs: { 'retention.ms': '2000', 'cleanup.policy': 'compact' } });
});

test('APPEND and SUBTRACT on list configs start from the default when unset', () => {
  assert.deepEqual(applyIncrementalOps({}, [{ name: 'cleanup.policy', op: APPEND, value: 'compact' }]), {
    ok: true,
    configs: { 'cleanup.policy': 'delete,compact' },
  });
  assert.deepEqual(
    applyIncrementalOps({ 'cleanup.policy': 'compact,delete' }, [
      { name: 'cleanup.policy', op: SUBTRACT, value: 'delete' },
    ]),
    {
      ok: true,
      configs: { 'cleanup.policy': 'compact' },
    },
  );
  assert.deepEqual(
    applyIncrementalOps({ 'leader.replication.throttled.replicas': '0:1' }, [
      { name: 'leader.replication.throttled.replicas', op: APPEND, value: '0:1,1:2' },
    ]),
    { ok: true, configs: { 'leader.replication.throttled.replicas': '0:1,1:2' } },
  );
});

test('errors: list operations on other types, bad values, unknown names (INVALID_CONFIG)', () => {
  assert.deepEqual(applyIncrementalOps({}, [{ name: 'retention.ms', op: APPEND, value: '1' }]), {
    ok: false,
    errorKind: 'invalid-config',
    error: "Can't APPEND to key retention.ms because its type is not LIST.",
  });
  assert.deepEqual(applyIncrementalOps({}, [{ name: 'retention.ms', op: SET, value: 'x' }]), {
    ok: false,
    errorKind: 'invalid-config',
    error: 'Invalid value x for configuration retention.ms: Not a number of type LONG',
  });
  assert.deepEqual(applyIncrementalOps({}, [{ name: 'retention.msec', op: SET, value: '1' }]), {
    ok: false,
    errorKind: 'invalid-config',
    error: 'Unknown topic config name: retention.msec',
  });
  assert.deepEqual(applyIncrementalOps({}, [{ name: 'cleanup.policy', op: APPEND, value: 'archive' }]), {
    ok: false,
    errorKind: 'invalid-config',
    error: 'Invalid value archive for configuration cleanup.policy: String must be one of: compact, delete',
  });
});

test('errors: duplicates, null values and unknown operations (INVALID_REQUEST)', () => {
  assert.deepEqual(
    applyIncrementalOps({}, [
      { name: 'retention.ms', op: SET, value: '1' },
      { name: 'retention.ms', op: DELETE, value: null },
    ]),
    { ok: false, errorKind: 'invalid-request', error: 'Error due to duplicate config keys' },
  );
  assert.deepEqual(applyIncrementalOps({}, [{ name: 'retention.ms', op: SET, value: null }]), {
    ok: false,
    errorKind: 'invalid-request',
    error: 'Null value not supported for : retention.ms',
  });
  assert.deepEqual(applyIncrementalOps({}, [{ name: 'retention.ms', op: 7, value: '1' }]), {
    ok: false,
    errorKind: 'invalid-request',
    error: 'Unknown operations type 7',
  });
});

test('topic checks use the broker defaults', () => {
  const broker = loadBrokerConfig({
    base: DEVELOPER_DEFAULTS,
    overrides: ['log.cleaner.max.compaction.lag.ms=1000'],
  });
  assert.ok(broker.ok);
  const r = applyIncrementalOps({}, [{ name: 'min.compaction.lag.ms', op: SET, value: '2000' }], {
    broker: broker.config,
  });
  assert.deepEqual(r, {
    ok: false,
    errorKind: 'invalid-config',
    error: 'conflict topic config setting min.compaction.lag.ms (2000) > max.compaction.lag.ms (1000)',
  });
});

test('legacy AlterConfigs replaces every override', () => {
  assert.deepEqual(applyAlterConfigs({ 'segment.ms': '60000' }), {
    ok: true,
    configs: { 'segment.ms': '60000' },
  });
  assert.deepEqual(applyAlterConfigs({ 'segment.ms': null }), {
    ok: false,
    errorKind: 'invalid-request',
    error: 'Null value not supported for : segment.ms',
  });
  assert.deepEqual(applyAlterConfigs({ 'segment.ms': '0' }), {
    ok: false,
    errorKind: 'invalid-config',
    error: 'Invalid value 0 for configuration segment.ms: Value must be at least 1',
  });
});

test('broker configs: only dynamic keys, and per-broker keys only for a broker id', () => {
  const broker = devBroker();
  const ctx = { resource: 'broker-default' as const, broker };
  assert.deepEqual(applyIncrementalOps({}, [{ name: 'log.retention.ms', op: SET, value: '1000' }], ctx), {
    ok: true,
    configs: { 'log.retention.ms': '1000' },
  });
  assert.deepEqual(applyIncrementalOps({}, [{ name: 'log.dirs', op: SET, value: '/x' }], ctx), {
    ok: false,
    errorKind: 'invalid-request',
    error: 'Cannot update these configs dynamically: Set(log.dirs)',
  });
  assert.deepEqual(
    applyIncrementalOps({}, [{ name: 'listeners', op: SET, value: 'PLAINTEXT://localhost:9092' }], ctx),
    {
      ok: false,
      errorKind: 'invalid-request',
      error:
        'Cannot update these configs at default cluster level, broker id must be specified: Set(listeners)',
    },
  );
  const perBroker = { resource: 'broker' as const, broker };
  assert.ok(
    applyIncrementalOps({}, [{ name: 'listeners', op: SET, value: 'PLAINTEXT://localhost:9095' }], perBroker)
      .ok,
  );
  assert.deepEqual(applyIncrementalOps({}, [{ name: 'listeners', op: SET, value: 'nonsense' }], perBroker), {
    ok: false,
    errorKind: 'invalid-request',
    error: "listeners: unable to parse 'nonsense' as a listener (expected NAME://host:port)",
  });
  assert.deepEqual(applyIncrementalOps({}, [{ name: 'message.max.bytes', op: SET, value: '-1' }], ctx), {
    ok: false,
    errorKind: 'invalid-request',
    error: 'Invalid value -1 for configuration message.max.bytes: Value must be at least 0',
  });
});

test('broker configs: custom keys are allowed; keystores change only per listener', () => {
  assert.equal(checkDynamicBrokerConfigs(new Map([['my.custom', 'x']]), false), null);
  assert.equal(
    checkDynamicBrokerConfigs(new Map([['ssl.keystore.location', '/k']]), true),
    'These security configs can be dynamically updated only per-listener using the listener prefix: Set(ssl.keystore.location)',
  );
  assert.equal(
    checkDynamicBrokerConfigs(new Map([['listener.name.external.ssl.keystore.location', '/k']]), true),
    null,
  );
  assert.equal(
    checkDynamicBrokerConfigs(new Map([['listener.name.external.ssl.keystore.location', '/k']]), false),
    'Cannot update these configs at default cluster level, broker id must be specified: Set(listener.name.external.ssl.keystore.location)',
  );
  assert.equal(
    checkDynamicBrokerConfigs(new Map([['listener.name.external.max.connections', '10']]), false),
    null,
  );
});

test('broker APPEND and SUBTRACT, and their error for other types', () => {
  const ctx = { resource: 'broker-default' as const };
  assert.deepEqual(applyIncrementalOps({}, [{ name: 'metric.reporters', op: APPEND, value: 'a.B' }], ctx), {
    ok: true,
    configs: { 'metric.reporters': 'org.apache.kafka.common.metrics.JmxReporter,a.B' },
  });
  assert.deepEqual(
    applyIncrementalOps(
      { 'metric.reporters': 'a.B,c.D' },
      [{ name: 'metric.reporters', op: SUBTRACT, value: 'a.B' }],
      ctx,
    ),
    { ok: true, configs: { 'metric.reporters': 'c.D' } },
  );
  assert.deepEqual(applyIncrementalOps({}, [{ name: 'log.retention.ms', op: APPEND, value: '1' }], ctx), {
    ok: false,
    errorKind: 'invalid-config',
    error: 'Config value append is not allowed for config key: log.retention.ms',
  });
});
