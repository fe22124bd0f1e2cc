// The metrics leaf: text format, histogram quantiles over recent slots, collectors, the HTTP endpoint.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import {
  Exposition,
  escapeLabelValue,
  formatValue,
  Histogram,
  LATENCY_MS,
  MetricsRegistry,
  MetricsServer,
  ProcessMetrics,
} from '../../src/metrics/index.js';

test('the exposition writes HELP and TYPE once per family, escapes label values and help', () => {
  const w = new Exposition();
  w.family('a_total', 'counter', 'Line one\nback\\slash').sample(null, 3);
  w.family('b', 'gauge', 'B.').sample(
    [
      ['topic', 'x"y\\z\nw'],
      ['partition', 0],
    ],
    1.5,
  );
  w.family('c', 'summary', 'C.')
    .sample([['quantile', '0.99']], Number.NaN)
    .sample(null, 2, '_count');
  assert.equal(
    w.text(),
    [
      '# HELP a_total Line one\\nback\\\\slash',
      '# TYPE a_total counter',
      'a_total 3',
      '# HELP b B.',
      '# TYPE b gauge',
      'b{topic="x\\"y\\\\z\\nw",partition="0"} 1.5',
      '# HELP c C.',
      '# TYPE c summary',
      'c{quantile="0.99"} NaN',
      'c_count 2',
      '',
    ].join('\n'),
  );
  assert.throws(() => w.family('a_total', 'counter', 'again'), /written twice/);
  assert.throws(() => w.family('bad-name', 'gauge', 'x'), /invalid metric name/);
  assert.throws(() => w.family('ok', 'gauge', 'x').sample([['bad-label', 1]], 1), /invalid label name/);
  assert.equal(formatValue(Number.POSITIVE_INFINITY), '+Inf');
  assert.equal(formatValue(Number.NEGATIVE_INFINITY), '-Inf');
  assert.equal(formatValue(1e21), '1e+21');
  assert.equal(escapeLabelValue('plain'), 'plain');
});

test('histogram buckets: every value lands in the bucket whose bounds hold it', () => {
  const h = new Histogram();
  for (const v of [0, 0.005, 0.01, 0.0100001, 0.37, 1, 2, 5.5, 99.9, 1000, 99_999, 100_000, 1e9]) {
    const i = h.bucketOf(v);
    const upper = h.upperBound(i);
    const lower = i === 0 ? Number.NEGATIVE_INFINITY : h.upperBound(i - 1);
    assert.ok(v <= upper && v > lower, `${v} in (${lower}, ${upper}] (bucket ${i})`);
  }
});

test('histogram quantiles are within a bucket width of the exact value, and cover recent slots only', () => {
  const h = new Histogram();
  const values: number[] = [];
  let seed = 7;
  for (let i = 0; i < 20_000; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const v = 0.05 * Math.exp((seed / 2 ** 31) * 8); // 0.05 ms to ~150 ms, log-uniform
    values.push(v);
    h.observe(v, 1000);
  }
  values.sort((a, b) => a - b);
  for (const q of [0.5, 0.9, 0.99, 0.999]) {
    const exact = values[Math.ceil(q * values.length) - 1];
    const got = h.quantile(q, 1000);
    assert.ok(Math.abs(got - exact) / exact < 0.1, `q${q}: ${got} vs ${exact}`);
  }
  assert.equal(h.count, 20_000);
  assert.ok(Math.abs(h.sum - values.reduce((a, b) => a + b, 0)) < 1e-6);
  // A minute later the old slots have aged out: no recent values.
  const later = 1000 + LATENCY_MS.slotMs * LATENCY_MS.slots;
  assert.ok(Number.isNaN(h.quantile(0.5, later)));
  h.observe(42, later);
  assert.ok(Math.abs(h.quantile(0.5, later) - 42) / 42 < 0.1);
  assert.equal(h.count, 20_001, 'counts since start are kept');
});

test('a failing collector is reported in the scrape instead of failing it', async () => {
  const errors: string[] = [];
  const r = new MetricsRegistry((name) => errors.push(name));
  r.add('good', (w) => {
    w.single('good_value', 'gauge', 'Good.', 1);
  });
  r.add('bad', () => {
    throw new Error('boom');
  });
  const text = await r.scrape();
  assert.match(text, /^good_value 1$/m);
  assert.match(text, /^samsa_scrape_collector_errors\{collector="bad"\} 1$/m);
  assert.deepEqual(errors, ['bad']);
});

test('the endpoint serves /metrics, /health, /ready and extra routes, and names a taken port', async () => {
  let ready = false;
  const server = await MetricsServer.start({
    host: '127.0.0.1',
    port: 0,
    handlers: {
      metrics: async () => `# HELP x X.\n# TYPE x gauge\nx ${'1'.repeat(20_000)}\n`,
      health: () => ({ status: 200, body: { status: 'up' } }),
      ready: () => ({ status: ready ? 200 : 503, body: { ready } }),
      routes: { '/lag': async (q) => ({ status: 200, body: { group: q.get('group') } }) },
    },
  });
  const base = `http://127.0.0.1:${server.port}`;
  try {
    const m = await fetch(`${base}/metrics`);
    assert.equal(m.status, 200);
    assert.equal(m.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(m.headers.get('content-encoding'), 'gzip', 'large expositions are gzipped');
    assert.match(await m.text(), /^x 1+$/m);
    assert.deepEqual(await (await fetch(`${base}/health`)).json(), { status: 'up' });
    const notReady = await fetch(`${base}/ready`);
    assert.equal(notReady.status, 503);
    assert.deepEqual(await notReady.json(), { ready: false });
    ready = true;
    assert.equal((await fetch(`${base}/ready`)).status, 200);
    assert.deepEqual(await (await fetch(`${base}/lag?group=g1`)).json(), { group: 'g1' });
    assert.equal((await fetch(`${base}/nothing`)).status, 404);
    assert.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 405);
    await assert.rejects(
      MetricsServer.start({ host: '127.0.0.1', port: server.port, handlers: stubHandlers() }),
      new RegExp(
        `metrics endpoint: port ${server.port} is already in use \\(127\\.0\\.0\\.1:${server.port}\\)`,
      ),
    );
  } finally {
    await server.close();
  }
});

test('the endpoint refuses a port some other program holds', async () => {
  const other = createServer();
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
  const port = (other.address() as { port: number }).port;
  try {
    await assert.rejects(
      MetricsServer.start({ host: '127.0.0.1', port, handlers: stubHandlers() }),
      /is already in use/,
    );
  } finally {
    other.close();
  }
});

function stubHandlers() {
  return {
    metrics: async () => '',
    health: () => ({ status: 200, body: {} }),
    ready: () => ({ status: 200, body: {} }),
  };
}

test('process metrics: the monitors are shared by every user in the process and stop with the last', async () => {
  const a = new ProcessMetrics();
  const b = new ProcessMetrics();
  a.start();
  b.start();
  a.stop();
  await new Promise((r) => setTimeout(r, 60));
  const w = new Exposition();
  await b.collect(w);
  const text = w.text();
  for (const name of [
    'process_cpu_seconds_total',
    'process_resident_memory_bytes',
    'nodejs_eventloop_lag_seconds',
    'nodejs_eventloop_lag_p99_seconds',
    'nodejs_heap_space_size_used_bytes',
    'nodejs_gc_duration_seconds',
    'nodejs_version_info',
  ])
    assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
  const p99 = Number(/^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(text)?.[1]);
  assert.ok(p99 >= 0 && p99 < 1, `an idle loop's p99 delay, less the 10 ms sampling interval: ${p99}`);
  b.stop();
  const after = new Exposition();
  await b.collect(after);
  assert.doesNotMatch(after.text(), /nodejs_eventloop_lag_p99_seconds/, 'no delay figures once stopped');
});
