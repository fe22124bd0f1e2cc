// A broker process with 300 partitions and log.open.files.max=64, run under `ulimit -n 256`: its
// descriptors (/proc/<pid>/fd, sampled every few milliseconds) never exceed what it had at start by
// more than the bound, before and after a clean restart, and every partition reads back its records
// from the files; /metrics reports the bound and the cache's work.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { after, test } from 'node:test';
import { buildBatch } from '../../src/protocol/records/record.js';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { allValues } from '../helpers/records.js';

const PARTITIONS = 300;
const BOUND = 64;
const FD_LIMIT = 256;
/** Sockets of the test's connections, the metrics endpoint and timing noise of the sampling. */
const SLACK = 8;

let dataDir: string | null = null;
const started: BrokerProcess[] = [];

after(async () => {
  for (const b of started) await b.kill();
  if (dataDir) removeDataDir(dataDir);
});

function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** Samples the process's descriptors until stopped; returns the most seen. */
function sampleFds(pid: number): { stop(): number } {
  let peak = fdCount(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, fdCount(pid));
  }, 2);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, fdCount(pid));
    },
  };
}

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

async function start(): Promise<BrokerProcess> {
  const metricsPort = await freePort();
  const b = await startBrokerProcess({
    dataDir: dataDir ?? undefined,
    fdLimit: FD_LIMIT,
    args: ['--metrics-port', String(metricsPort), '--override', `log.open.files.max=${BOUND}`],
    readyTimeoutMs: 60_000,
  });
  dataDir = b.dataDir;
  started.push(b);
  return b;
}

function scrape(b: BrokerProcess): Promise<string> {
  const p = Number(/Metrics on http:\/\/[^:]+:(\d+)\/metrics/.exec(b.logs())?.[1]);
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port: p, path: '/metrics' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

function metric(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  assert.ok(m, `${name} in /metrics`);
  return Number(m[1]);
}

async function fetchAll(client: RawClient): Promise<string[][]> {
  const res = await client.request(1, 12, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 64 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic: 'many',
        partitions: Array.from({ length: PARTITIONS }, (_, p) => ({
          partition: p,
          fetchOffset: 0,
          partitionMaxBytes: 1 << 20,
          currentLeaderEpoch: -1,
          logStartOffset: -1,
        })),
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  });
  const parts = res.responses[0].partitions as {
    partitionIndex: number;
    errorCode: number;
    records: Buffer;
  }[];
  return parts
    .sort((a, b) => a.partitionIndex - b.partitionIndex)
    .map((p) => {
      assert.equal(p.errorCode, 0, `partition ${p.partitionIndex}`);
      return allValues(p.records);
    });
}

test('300 partitions through 64 descriptors, across a clean restart', { timeout: 180_000 }, async () => {
  let broker = await start();
  let pid = broker.child.pid as number;
  const baseline = fdCount(pid);
  let sampler = sampleFds(pid);
  let client = await RawClient.connect(broker.port);
  const created = await client.request(19, 7, {
    topics: [{ name: 'many', numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 60_000,
    validateOnly: false,
  });
  assert.equal(created.topics[0].errorCode, 0, created.topics[0].errorMessage);
  for (const round of [0, 1]) {
    const produced = await client.request(0, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30_000,
      topicData: [
        {
          name: 'many',
          partitionData: Array.from({ length: PARTITIONS }, (_, p) => ({
            index: p,
            records: buildBatch([{ value: `p${p}-r${round}` }]),
          })),
        },
      ],
    });
    for (const r of produced.responses[0].partitionResponses) assert.equal(r.errorCode, 0);
  }
  const want = Array.from({ length: PARTITIONS }, (_, p) => [`p${p}-r0`, `p${p}-r1`]);
  assert.deepEqual(await fetchAll(client), want);
  const metrics = await scrape(broker);
  assert.equal(metric(metrics, 'samsa_log_open_files_max'), BOUND);
  assert.ok(metric(metrics, 'samsa_log_open_files') <= BOUND);
  assert.ok(metric(metrics, 'samsa_log_open_file_evictions_total') > 0);
  client.close();
  let peak = sampler.stop();
  assert.ok(peak <= baseline + BOUND + SLACK, `descriptors: ${peak}, at start ${baseline}, bound ${BOUND}`);
  assert.equal(await broker.stop(), 0);

  broker = await start();
  pid = broker.child.pid as number;
  sampler = sampleFds(pid);
  client = await RawClient.connect(broker.port);
  assert.deepEqual(await fetchAll(client), want, 'every partition reads back from its files');
  client.close();
  peak = sampler.stop();
  assert.ok(peak <= baseline + BOUND + SLACK, `descriptors after the restart: ${peak}, at start ${baseline}`);
  assert.doesNotMatch(broker.logs(), /EMFILE/);
  assert.equal(await broker.stop(), 0);
});
