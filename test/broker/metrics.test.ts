// The broker's /metrics against what clients did to an in-process node: Kafka's metric names and
// labels, values that match the traffic, a clean `promtool check metrics`, and /health and /ready.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '../../src/broker/logger.js';
import { BrokerMetrics } from '../../src/broker/metrics/broker-metrics.js';
import { BrokerNode } from '../../src/broker/node.js';
import { DEVELOPER_DEFAULTS, loadBrokerConfig } from '../../src/config/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { needs, run } from '../helpers/tools.js';
import { find, Kafka, type MetricsNode, scrape, startMetricsNode, value } from './metrics-helpers.js';

let m: MetricsNode;

before(async () => {
  m = await startMetricsNode();
});
after(() => m.node.stop());

function records(n: number, prefix: string) {
  return Array.from({ length: n }, (_, i) => ({ key: null, value: `${prefix}-${i}` }));
}

test('topic, request and log metrics count what clients did', async () => {
  const k = await Kafka.connect(m.port);
  await k.createTopic('traffic', 2);
  await k.createTopic('tiny', 1, { 'max.message.bytes': '100' });
  let bytesIn = 0;
  for (let i = 0; i < 3; i++) {
    const r = await k.produce('traffic', 0, records(4, `v${i}`));
    assert.equal(r.errorCode, ErrorCode.NONE);
    bytesIn += r.bytes;
  }
  const refused = await k.produce('tiny', 0, [{ value: 'x'.repeat(300) }]);
  assert.equal(refused.errorCode, ErrorCode.MESSAGE_TOO_LARGE);
  const fetched = await k.fetch('traffic', 0, 0);
  assert.equal(fetched.bytes, bytesIn, 'the fetch returns every batch');
  assert.equal((await k.fetch('nosuchtopic', 0, 0)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);

  const { samples: s } = await scrape(m.base);
  const topic = { topic: 'traffic' };
  assert.equal(value(s, 'kafka_server_brokertopicmetrics_bytesin_total', topic), bytesIn);
  assert.equal(value(s, 'kafka_server_brokertopicmetrics_messagesin_total', topic), 12);
  assert.equal(value(s, 'kafka_server_brokertopicmetrics_totalproducerequests_total', topic), 3);
  assert.equal(value(s, 'kafka_server_brokertopicmetrics_failedproducerequests_total', topic), 0);
  assert.equal(value(s, 'kafka_server_brokertopicmetrics_bytesout_total', topic), bytesIn);
  assert.equal(value(s, 'kafka_server_brokertopicmetrics_totalfetchrequests_total', topic), 1);
  assert.equal(value(s, 'kafka_server_brokertopicmetrics_failedproducerequests_total', { topic: 'tiny' }), 1);
  assert.equal(
    value(s, 'kafka_server_brokertopicmetrics_bytesrejected_total', { topic: 'tiny' }),
    refused.bytes,
  );
  // The all-topics series has no topic label and sums every topic.
  assert.equal(value(s, 'kafka_server_brokertopicmetrics_bytesin_total', {}, true), bytesIn);
  assert.equal(value(s, 'kafka_server_brokertopicmetrics_totalproducerequests_total', {}, true), 4);

  assert.equal(
    value(s, 'kafka_network_requestmetrics_requests_total', { request: 'Produce', version: '9' }),
    4,
  );
  assert.equal(
    value(s, 'kafka_network_requestmetrics_requests_total', { request: 'Fetch', version: '11' }),
    2,
  );
  assert.equal(value(s, 'kafka_network_requestmetrics_requests_total', { request: 'FetchConsumer' }), 2);
  assert.equal(
    value(s, 'kafka_network_requestmetrics_errors_total', { request: 'Produce', error: 'NONE' }),
    3,
  );
  assert.equal(
    value(s, 'kafka_network_requestmetrics_errors_total', { request: 'Produce', error: 'MESSAGE_TOO_LARGE' }),
    1,
  );
  assert.equal(
    value(s, 'kafka_network_requestmetrics_errors_total', {
      request: 'Fetch',
      error: 'UNKNOWN_TOPIC_OR_PARTITION',
    }),
    1,
  );
  assert.equal(value(s, 'kafka_network_requestmetrics_totaltimems_count', { request: 'Produce' }), 4);
  const p99 = value(s, 'kafka_network_requestmetrics_totaltimems', { request: 'Produce', quantile: '0.99' });
  const p50 = value(s, 'kafka_network_requestmetrics_totaltimems', { request: 'Produce', quantile: '0.50' });
  assert.ok(p50 > 0 && p50 <= p99 && p99 < 5000, `p50 ${p50} ms, p99 ${p99} ms`);
  assert.ok(value(s, 'kafka_network_requestmetrics_totaltimems_sum', { request: 'Produce' }) > 0);
  assert.equal(
    find(s, 'kafka_network_requestmetrics_totaltimems', { request: 'DeleteGroups' }).length,
    0,
    'no quantiles without requests',
  );
  assert.equal(value(s, 'kafka_network_requestmetrics_totaltimems_count', { request: 'DeleteGroups' }), 0);

  const tp = { topic: 'traffic', partition: '0' };
  assert.equal(value(s, 'kafka_log_log_logendoffset', tp), 12);
  assert.equal(value(s, 'kafka_log_log_logstartoffset', tp), 0);
  assert.equal(value(s, 'kafka_log_log_size', tp), bytesIn);
  assert.equal(value(s, 'kafka_log_log_numlogsegments', tp), 1);
  assert.equal(value(s, 'kafka_log_log_logendoffset', { topic: 'traffic', partition: '1' }), 0);
  assert.equal(value(s, 'kafka_cluster_partition_underreplicated', tp), 0);
  assert.equal(value(s, 'kafka_cluster_partition_insyncreplicascount', tp), 1);
  assert.equal(value(s, 'kafka_cluster_partition_atminisr', tp), 1, 'one replica, min.insync.replicas=1');
  k.close();
});

test('broker, replica manager, controller, network and purgatory gauges', async () => {
  const k = await Kafka.connect(m.port);
  const k2 = await Kafka.connect(m.port);
  await k.createTopic('parked', 1);
  // A fetch waiting for data sits in the fetch purgatory until a record arrives.
  const waiting = k2.fetchRequest('parked', 0, 0, 5000, 1);
  await sleep(50);
  const { samples: s } = await scrape(m.base);
  assert.equal(
    value(s, 'kafka_server_delayedoperationpurgatory_purgatorysize', { delayedoperation: 'Fetch' }),
    1,
  );
  assert.equal(
    value(s, 'kafka_server_delayedoperationpurgatory_purgatorysize', { delayedoperation: 'Produce' }),
    0,
  );
  await k.produce('parked', 0, records(1, 'wake'));
  const woken = await waiting;
  assert.ok(woken.responses[0].partitions[0].records.length > 0);
  assert.equal(value(s, 'kafka_server_kafkaserver_brokerstate'), 3);
  assert.equal(value(s, 'kafka_controller_kafkacontroller_activecontrollercount'), 1);
  assert.equal(value(s, 'kafka_controller_kafkacontroller_offlinepartitionscount'), 0);
  assert.equal(value(s, 'kafka_controller_kafkacontroller_activebrokercount'), 1);
  const partitions = m.node.replicas.partitionCount;
  assert.equal(value(s, 'kafka_server_replicamanager_partitioncount'), partitions);
  assert.equal(value(s, 'kafka_server_replicamanager_leadercount'), partitions);
  assert.equal(value(s, 'kafka_controller_kafkacontroller_globalpartitioncount'), partitions);
  assert.equal(value(s, 'kafka_server_replicamanager_underreplicatedpartitions'), 0);
  assert.equal(value(s, 'kafka_server_replicamanager_isrshrinks_total'), 0);
  assert.equal(
    value(s, 'kafka_server_socket_server_metrics_connection_count', { listener: 'PLAINTEXT' }),
    m.node.server.connectionCount,
  );
  assert.ok(m.node.server.connectionCount >= 2);
  const idle = value(s, 'kafka_server_kafkarequesthandlerpool_requesthandleravgidle_percent');
  assert.ok(idle >= 0 && idle <= 1, `idle ${idle}`);
  for (const name of [
    'process_cpu_seconds_total',
    'process_resident_memory_bytes',
    'process_open_fds',
    'nodejs_heap_size_used_bytes',
    'nodejs_eventloop_lag_seconds',
  ])
    assert.ok(value(s, name) > 0, name);
  assert.equal(find(s, 'nodejs_version_info', { version: process.version }).length, 1);
  k.close();
  k2.close();
});

test('promtool check metrics finds no problem in the exposition', async (t) => {
  if (!needs(t, 'promtool')) return;
  const k = await Kafka.connect(m.port);
  await k.commit('promtool-group', 'traffic', { 0: 5 });
  const { text, samples } = await scrape(m.base);
  assert.ok(find(samples, 'kafka_consumergroup_group_lag').length > 0, 'lag families are in the check');
  const r = await run('promtool', ['check', 'metrics'], { input: text });
  assert.equal(r.code, 0, `promtool: ${r.stdout}${r.stderr}`);
  assert.equal(`${r.stdout}${r.stderr}`.trim(), '');
  k.close();
});

test('/health answers and /ready tells which start-up steps are done', async () => {
  const health = await fetch(`${m.base}/health`);
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { status: string }).status, 'up');
  const ready = await fetch(`${m.base}/ready`);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), {
    ready: true,
    stopping: false,
    checks: { logsRecovered: true, metadataLoaded: true, listenersBound: true, registered: true },
  });
  const bm = new BrokerMetrics({ nodeId: 7, clusterId: 'c', log: Logger.silent() });
  assert.equal(bm.readyAnswer().status, 503);
  assert.equal(bm.brokerState, 2, 'recovering logs');
  bm.readiness.logsRecovered = true;
  bm.readiness.metadataLoaded = true;
  assert.equal(bm.brokerState, 1, 'starting');
  bm.readiness.listenersBound = true;
  assert.equal(bm.readyAnswer().status, 503, 'not in the metadata yet');
  bm.readiness.registered = true;
  assert.equal(bm.readyAnswer().status, 200);
  assert.equal(bm.brokerState, 3, 'running');
  bm.stopping = true;
  assert.equal(bm.readyAnswer().status, 503);
  assert.equal(bm.brokerState, 7, 'shutting down');
});

test('a node without metrics serves nothing and times no request; stop closes the endpoint', async () => {
  const off = await startMetricsNode({}, { metrics: false });
  assert.equal(off.node.metricsAddress, null);
  assert.equal(off.node.registry.requestStats, null);
  const text = await off.node.metrics.scrape();
  assert.doesNotMatch(text, /kafka_network_requestmetrics_totaltimems/);
  assert.match(text, /^kafka_server_brokertopicmetrics_bytesin_total 0$/m, 'plain counters still count');
  await off.node.stop();
  const on = await startMetricsNode();
  await on.node.stop();
  await assert.rejects(fetch(`${on.base}/health`));
});

test('a metrics port in use fails the start, and what had started is taken down', async () => {
  const holder = createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
  const port = (holder.address() as { port: number }).port;
  try {
    const loaded = loadBrokerConfig({
      base: {
        ...DEVELOPER_DEFAULTS,
        listeners: 'PLAINTEXT://127.0.0.1:0',
        'log.dirs': '/samsa-metrics-memory',
      },
      env: {},
    });
    assert.ok(loaded.ok);
    await assert.rejects(
      BrokerNode.start({
        config: loaded.config,
        clusterId: 'metrics-test-cluster-0',
        storage: 'memory',
        log: Logger.silent(),
        metrics: { port, host: '127.0.0.1' },
      }),
      new RegExp(`metrics endpoint: port ${port} is already in use`),
    );
    // The node built meanwhile is stopped in the background: nothing stays open (the test would hang).
    await sleep(200);
  } finally {
    holder.close();
  }
});
