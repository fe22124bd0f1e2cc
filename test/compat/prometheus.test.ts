// A real Prometheus (Debian's) scrapes a Samsa broker process every second while clients produce and
// consume; its HTTP API must then show Kafka's series with the values the traffic implies: bytes and
// messages in grow by exactly what was produced, and a paused group's lag is what it has not read.
// promtool checks the exposition the broker serves.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Consumer, Kafka as KafkaJs, logLevel } from 'kafkajs';
import { Kafka } from '../broker/metrics-helpers.js';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { hasTool, needs, run } from '../helpers/tools.js';

let broker: BrokerProcess;
let metricsPort: number;
let prometheus: ChildProcess;
let promBase: string;
let promDir: string;
let promLog = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

before(async () => {
  metricsPort = await freePort();
  broker = await startBrokerProcess({ args: ['--metrics-port', String(metricsPort)] });
  if (!hasTool('prometheus')) return; // the test that needs it says so
  promDir = mkdtempSync(join(tmpdir(), 'samsa-prometheus-'));
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    '  - job_name: samsa',
    '    scrape_timeout: 900ms',
    '    static_configs:',
    `      - targets: ['127.0.0.1:${metricsPort}']`,
  ].join('\n');
  writeFileSync(join(promDir, 'prometheus.yml'), `${config}\n`);
  const webPort = await freePort();
  promBase = `http://127.0.0.1:${webPort}`;
  prometheus = spawn(
    'prometheus',
    [
      `--config.file=${join(promDir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(promDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${webPort}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  prometheus.stderr?.on('data', (d: Buffer) => {
    promLog += d.toString();
  });
  await until('Prometheus is ready', async () => (await fetch(`${promBase}/-/ready`)).ok);
});

after(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((r) => prometheus.once('exit', r));
    prometheus.kill('SIGTERM');
    await exited;
  }
  if (promDir) rmSync(promDir, { recursive: true, force: true });
  await broker?.stop();
  if (broker) removeDataDir(broker.dataDir);
});

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < end) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    await sleep(200);
  }
  assert.fail(`timed out waiting until ${what} (${String(last)}); prometheus log:\n${promLog}`);
}

interface Series {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant query through Prometheus's HTTP API. */
async function query(promql: string): Promise<Series[]> {
  const res = await fetch(`${promBase}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { status: string; data: { result: Series[] }; error?: string };
  assert.equal(body.status, 'success', `${promql}: ${body.error}`);
  return body.data.result;
}

/** Waits until `promql` gives exactly one series with the value `expected`; returns its labels. */
async function untilValue(promql: string, expected: number): Promise<Record<string, string>> {
  let seen = 'no series';
  let labels: Record<string, string> = {};
  await until(`${promql} == ${expected} (last: ${seen})`, async () => {
    const r = await query(promql);
    seen = JSON.stringify(r.map((s) => s.value[1]));
    if (r.length !== 1 || Number(r[0].value[1]) !== expected) return false;
    labels = r[0].metric;
    return true;
  });
  return labels;
}

test('Prometheus scrapes the broker and finds what producers and consumers did', async (t) => {
  if (!needs(t, 'prometheus')) return;
  const raw = await Kafka.connect(broker.port);
  await raw.createTopic('scraped', 2);
  // Phase 1: 20 batches of 5 records, of known sizes.
  let bytes = 0;
  for (let i = 0; i < 20; i++) {
    const records = Array.from({ length: 5 }, (_, j) => ({
      value: `batch ${i} record ${j} ${'x'.repeat(i * 10)}`,
    }));
    const r = await raw.produce('scraped', i % 2, records);
    assert.equal(r.errorCode, 0);
    bytes += r.bytes;
  }
  raw.close();
  await untilValue('up{job="samsa"}', 1);
  await untilValue('kafka_server_brokertopicmetrics_bytesin_total{topic="scraped"}', bytes);
  await untilValue('kafka_server_brokertopicmetrics_messagesin_total{topic="scraped"}', 100);
  await untilValue('sum(kafka_log_log_logendoffset{topic="scraped"})', 100);

  // A kafkajs consumer group reads all 100 records, commits, and pauses.
  const kafka = new KafkaJs({
    brokers: [broker.bootstrap],
    clientId: 'prom-test',
    logLevel: logLevel.NOTHING,
  });
  const consumer: Consumer = kafka.consumer({ groupId: 'paused', maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await pausedGroup(kafka, consumer);
  } finally {
    await consumer.disconnect();
  }
});

/** The paused group's part of the test (the caller disconnects the consumer whatever happens). */
async function pausedGroup(kafka: KafkaJs, consumer: Consumer): Promise<void> {
  await consumer.subscribe({ topic: 'scraped', fromBeginning: true });
  const next = new Map<number, number>();
  let read = 0;
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      read++;
      next.set(partition, Number(message.offset) + 1);
    },
  });
  await until('the group has read the 100 records', async () => read >= 100, 30_000);
  consumer.pause([{ topic: 'scraped' }]);
  await consumer.commitOffsets(
    [...next].map(([partition, offset]) => ({ topic: 'scraped', partition, offset: String(offset) })),
  );

  // Phase 2: 30 more records from a kafkajs producer, none read by the paused group.
  const producer = kafka.producer();
  await producer.connect();
  const before = Number(
    (await query('kafka_server_brokertopicmetrics_bytesin_total{topic="scraped"}'))[0].value[1],
  );
  for (let i = 0; i < 3; i++)
    await producer.send({
      topic: 'scraped',
      messages: Array.from({ length: 10 }, (_, j) => ({ partition: j % 2, value: `late ${i}-${j}` })),
    });
  await producer.disconnect();

  await untilValue('kafka_server_brokertopicmetrics_messagesin_total{topic="scraped"}', 130);
  await untilValue('sum(kafka_consumergroup_group_lag{group="paused"})', 30);
  await untilValue('kafka_consumergroup_group_sum_lag{group="paused"}', 30);
  // Bytes in grew by exactly what the log grew by.
  const logBytes = Number((await query('sum(kafka_log_log_size{topic="scraped"})'))[0].value[1]);
  const bytesIn = Number(
    (await query('kafka_server_brokertopicmetrics_bytesin_total{topic="scraped"}'))[0].value[1],
  );
  assert.equal(bytesIn, logBytes);
  assert.ok(bytesIn > before, `${bytesIn} > ${before}`);

  const lag = await query('kafka_consumergroup_group_lag{group="paused"}');
  assert.equal(lag.length, 2, 'one series per partition');
  for (const s of lag) {
    assert.equal(s.metric.client_id, 'prom-test');
    assert.match(s.metric.consumer_id, /^prom-test-/);
    assert.equal(s.metric.member_host, '/127.0.0.1');
    assert.equal(s.metric.job, 'samsa');
  }
  const seconds = await query('max(kafka_consumergroup_group_lag_seconds{group="paused"})');
  const age = Number(seconds[0].value[1]);
  assert.ok(age > 0 && age < 120, `oldest unread record is ${age} s old`);
  await untilValue('samsa_consumergroup_state{group="paused",state="Stable"}', 1);

  // Request and process series are there too, and rates work on them.
  assert.ok((await query('kafka_network_requestmetrics_requests_total{request="Produce"}')).length > 0);
  assert.ok(
    (await query('kafka_network_requestmetrics_totaltimems{request="Produce",quantile="0.99"}')).length > 0,
  );
  // The per-topic counters exist from the topic's creation, so rate() sees every record.
  await until('rate() of messages in is positive', async () => {
    const r = await query('sum(rate(kafka_server_brokertopicmetrics_messagesin_total{topic="scraped"}[1m]))');
    return Number(r[0]?.value[1]) > 0;
  });
  assert.ok((await query('sum(kafka_controller_kafkacontroller_activecontrollercount)')).length === 1);
  assert.ok(Number((await query('process_resident_memory_bytes'))[0].value[1]) > 10e6);
  const targets = (await (await fetch(`${promBase}/api/v1/targets`)).json()) as {
    data: { activeTargets: { health: string; lastError: string }[] };
  };
  assert.deepEqual(
    targets.data.activeTargets.map((t) => [t.health, t.lastError]),
    [['up', '']],
  );
}

test('promtool check metrics finds no problem in what the broker process serves', async (t) => {
  // The exposition checked is the one the traffic of the test above filled.
  if (!needs(t, 'prometheus', 'promtool')) return;
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  assert.match(text, /^kafka_server_brokertopicmetrics_bytesin_total\{topic="scraped"\} \d+$/m);
  const r = await run('promtool', ['check', 'metrics'], { input: text });
  assert.equal(r.code, 0, `promtool: ${r.stdout}${r.stderr}`);
});

test('a metrics port already in use stops the broker at start with a clear error', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-test-'));
  after(() => removeDataDir(dataDir));
  await assert.rejects(
    startBrokerProcess({ dataDir, args: ['--metrics-port', String(metricsPort)] }),
    (err: Error) => {
      assert.match(
        err.message,
        new RegExp(
          `exited with 1[\\s\\S]*metrics endpoint: port ${metricsPort} is already in use.*--metrics-port`,
        ),
      );
      return true;
    },
  );
});
