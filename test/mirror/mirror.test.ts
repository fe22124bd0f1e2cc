// The mirror between two broker processes (two clusters), run as `connect-mirror-maker.sh
// mm2.properties`: 5 topics of 3 partitions, 100,000 records with headers and five compression codecs
// are copied partition for partition with their keys, values, headers and timestamps; a topic created
// later is mirrored within the refresh interval; topic configs are copied and a change is synced; a
// group that read half a topic on A resumes on B from the translated offsets, missing nothing and
// re-reading at most offset.lag.max records; /metrics and `samsa mirror status` show the lag.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Admin, Consumer, type ConsumerRecord, Producer } from '../../src/client/index.js';
import {
  type Checkpoint,
  decodeCheckpoint,
  decodeHeartbeat,
  decodeOffsetSync,
  decodeProgress,
  encodeProgressKey,
  type Heartbeat,
  type OffsetSync,
  type SourcePartitionKey,
} from '../../src/mirror/formats.js';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { repoRoot } from '../helpers/paths.js';
import { needs, run } from '../helpers/tools.js';
import { type MirrorProcess, readAll, startMirror, waitFor } from './mirror-process.js';

const TOPICS = ['m0', 'm1', 'm2', 'm3', 'm4'];
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const PARTITIONS = 3;
const RECORDS = 100_000;
const PER_TOPIC = RECORDS / TOPICS.length;
const BASE_TS = 1_700_000_000_000;
const LAG_MAX = 100;
const REFRESH_SECONDS = 3;
const GROUP = 'half-reader';

let a: BrokerProcess;
let b: BrokerProcess;
let adminA: Admin;
let adminB: Admin;
let mirror: MirrorProcess | null = null;
/** The committed offset of GROUP on A, per partition of m0. */
const half = new Map<number, number>();
let mirrorStartedMs = 0;

async function ends(admin: Admin, topic: string, partitions: number): Promise<number[]> {
  const listed = await admin.listOffsets(
    Array.from({ length: partitions }, (_, partition) => ({ topic, partition, at: 'latest' as const })),
  );
  return listed.sort((x, y) => x.partition - y.partition).map((o) => o.offset);
}

async function produceAll(): Promise<void> {
  await adminA.createTopics(
    TOPICS.map((name, i) => ({
      name,
      numPartitions: PARTITIONS,
      // A config of the source that the remote topic must carry.
      configs: i === 3 ? { 'max.message.bytes': '2000000', 'retention.ms': '86400000' } : undefined,
    })),
  );
  await Promise.all(
    TOPICS.map(async (topic, t) => {
      const producer = new Producer({
        'bootstrap.servers': a.bootstrap,
        'compression.type': CODECS[t],
        'linger.ms': 5,
      });
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < PER_TOPIC; i++) {
        sends.push(
          producer.send({
            topic,
            partition: i % PARTITIONS,
            key: i % 7 === 0 ? null : `key-${i}`,
            value: `${topic}:${i}:${'x'.repeat(i % 100)}`,
            timestamp: BASE_TS + i,
            headers: [
              { key: 'seq', value: String(i) },
              { key: 'codec', value: CODECS[t] },
              ...(i % 5 === 0 ? [{ key: 'empty', value: null }] : []),
            ],
          }),
        );
      }
      await Promise.all(sends);
      await producer.close();
    }),
  );
}

/** A group reads half of m0 on A, commits exactly there, and leaves. */
async function readHalfOnA(): Promise<void> {
  const endOffsets = await ends(adminA, 'm0', PARTITIONS);
  const consumer = new Consumer({
    'bootstrap.servers': a.bootstrap,
    'group.id': GROUP,
    'auto.offset.reset': 'earliest',
    'enable.auto.commit': false,
  });
  await consumer.subscribe(['m0']);
  const seen = new Map<number, number>();
  // About half; off the offset-sync grid (a sync every offset.lag.max + 1 records) on purpose.
  const want = (p: number) => Math.floor(endOffsets[p] / 2) + 17;
  while ([0, 1, 2].some((p) => (seen.get(p) ?? 0) < want(p))) {
    for (const r of await consumer.poll(500))
      seen.set(r.partition, Math.max(seen.get(r.partition) ?? 0, r.offset + 1));
  }
  for (let p = 0; p < PARTITIONS; p++) half.set(p, want(p));
  await consumer.commit([...half].map(([partition, offset]) => ({ topic: 'm0', partition, offset })));
  await consumer.close();
}

before(async () => {
  [a, b] = await Promise.all([startBrokerProcess(), startBrokerProcess()]);
  // These admins never create a topic by asking about it (the remote topics are the mirror's to create).
  adminA = new Admin({ 'bootstrap.servers': a.bootstrap, 'allow.auto.create.topics': false });
  adminB = new Admin({ 'bootstrap.servers': b.bootstrap, 'allow.auto.create.topics': false });
  await produceAll();
  await readHalfOnA();
  mirrorStartedMs = Date.now();
  mirror = await startMirror({
    clusters: 'A, B',
    'A.bootstrap.servers': a.bootstrap,
    'B.bootstrap.servers': b.bootstrap,
    'A->B.enabled': 'true',
    'A->B.topics': 'm.*',
    'replication.factor': '1',
    'refresh.topics.interval.seconds': String(REFRESH_SECONDS),
    'sync.topic.configs.interval.seconds': '2',
    'emit.checkpoints.interval.seconds': '1',
    'refresh.groups.interval.seconds': '2',
    'sync.group.offsets.enabled': 'true',
    'sync.group.offsets.interval.seconds': '1',
    'offset.lag.max': String(LAG_MAX),
    'B.offset.flush.interval.ms': '1000',
  });
});

after(async () => {
  const code = await mirror?.stop();
  await Promise.all([adminA?.close(), adminB?.close()]);
  await Promise.all([a?.stop(), b?.stop()]);
  for (const x of [a, b]) if (x) removeDataDir(x.dataDir);
  assert.equal(code, 0, `the mirror stops cleanly on SIGTERM:\n${mirror?.logs().slice(-3000)}`);
});

function same(x: ConsumerRecord, y: ConsumerRecord): boolean {
  const buf = (v: Buffer | null) => (v === null ? 'null' : v.toString('hex'));
  return (
    x.offset === y.offset &&
    buf(x.key) === buf(y.key) &&
    buf(x.value) === buf(y.value) &&
    x.timestamp === y.timestamp &&
    JSON.stringify(x.headers.map((h) => [h.key, buf(h.value)])) ===
      JSON.stringify(y.headers.map((h) => [h.key, buf(h.value)]))
  );
}

test('100,000 records in 5 topics x 3 partitions: same records per partition, in order, with keys, values, headers, timestamps', async (t) => {
  const sourceEnds = new Map<string, number[]>();
  for (const topic of TOPICS) sourceEnds.set(topic, await ends(adminA, topic, PARTITIONS));
  assert.equal(
    [...sourceEnds.values()].flat().reduce((x, y) => x + y, 0),
    RECORDS,
  );
  await waitFor('the target to hold every record', 120_000, async () => {
    for (const topic of TOPICS) {
      const got = await ends(adminB, `A.${topic}`, PARTITIONS);
      if (got.join() !== (sourceEnds.get(topic) as number[]).join()) return undefined;
    }
    return true;
  });
  t.diagnostic(
    `mirrored ${RECORDS} records ${Date.now() - mirrorStartedMs} ms after starting the mirror process`,
  );
  const [d] = await adminB.describeTopics(['A.m0']);
  assert.equal(d.partitions.length, PARTITIONS);
  for (const topic of TOPICS) {
    const parts = (sourceEnds.get(topic) as number[]).map((end, partition) => ({ topic, partition, end }));
    const source = await readAll(a.bootstrap, parts);
    const target = await readAll(
      b.bootstrap,
      parts.map((p) => ({ ...p, topic: `A.${topic}` })),
    );
    for (const p of parts) {
      const s = source.get(`${topic}/${p.partition}`) as ConsumerRecord[];
      const r = target.get(`A.${topic}/${p.partition}`) as ConsumerRecord[];
      assert.equal(r.length, s.length, `${topic}-${p.partition}: record count`);
      const first = s.findIndex((x, i) => !same(x, r[i]));
      assert.equal(first, -1, `${topic}-${p.partition}: record ${first} differs`);
    }
  }
  const [configs] = await adminB.describeConfigs([{ type: 'topic', name: 'A.m3' }]);
  const value = (name: string) => configs.configs.find((c) => c.name === name)?.value;
  assert.equal(
    value('max.message.bytes'),
    '2000000',
    'the remote topic was created with the source topic configs',
  );
  assert.equal(value('retention.ms'), '86400000');
});

test('a topic created on the source later is mirrored within the refresh interval', async (t) => {
  const created = Date.now();
  await adminA.createTopics([{ name: 'm-late', numPartitions: 2 }]);
  const producer = new Producer({ 'bootstrap.servers': a.bootstrap });
  await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      producer.send({ topic: 'm-late', partition: i % 2, value: `late-${i}` }),
    ),
  );
  await producer.close();
  await waitFor(
    () => `A.m-late on B with every record; the mirror's log:\n${mirror?.logs().slice(-4000)}`,
    60_000,
    async () => {
      const got = await ends(adminB, 'A.m-late', 2);
      return got.join() === '50,50' ? true : undefined;
    },
  );
  const elapsedMs = Date.now() - created;
  t.diagnostic(
    `A.m-late mirrored ${elapsedMs} ms after it was created (refresh interval ${REFRESH_SECONDS} s)`,
  );
  // The refresh runs every interval after the previous one ends; allow a few seconds of a busy machine.
  assert.ok(elapsedMs < REFRESH_SECONDS * 1000 + 7000, `took ${elapsedMs} ms`);
});

test('partitions added on the source are added on the target and copied', async () => {
  await adminA.createPartitions({ m2: 5 });
  const producer = new Producer({ 'bootstrap.servers': a.bootstrap });
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      producer.send({ topic: 'm2', partition: 3 + (i % 2), value: `new-${i}` }),
    ),
  );
  await producer.close();
  await waitFor(
    () => `A.m2 with 5 partitions and the new records; the mirror's log:\n${mirror?.logs().slice(-3000)}`,
    60_000,
    async () => {
      const [d] = await adminB.describeTopics(['A.m2']);
      if (d.partitions.length !== 5) return undefined;
      const got = await ends(adminB, 'A.m2', 5);
      return got[3] === 10 && got[4] === 10 ? true : undefined;
    },
  );
  const copied = await readAll(b.bootstrap, [{ topic: 'A.m2', partition: 3, end: 10 }]);
  assert.deepEqual(
    copied.get('A.m2/3')?.map((r) => r.value?.toString()),
    Array.from({ length: 10 }, (_, i) => `new-${i * 2}`),
  );
});

test('a topic config change on the source is synced to the remote topic', async () => {
  await adminA.incrementalAlterConfigs([
    { type: 'topic', name: 'm1', ops: [{ op: 'set', name: 'retention.ms', value: '123456789' }] },
  ]);
  await waitFor('retention.ms of A.m1 on B', 30_000, async () => {
    const [d] = await adminB.describeConfigs([{ type: 'topic', name: 'A.m1' }]);
    return d.configs.find((c) => c.name === 'retention.ms')?.value === '123456789' ? true : undefined;
  });
});

test('a group that read half a topic on A resumes on B: nothing missed, at most offset.lag.max re-read', async (t) => {
  // Checkpoints written while the copy was still under way translate conservatively; once the
  // mirror has caught up (the first test), the synced offsets settle. Take them when two reads a few
  // sync intervals apart agree.
  const read = async () => {
    const offsets = await adminB.listGroupOffsets(GROUP);
    const m0 = offsets.filter((o) => o.topic === 'A.m0').sort((x, y) => x.partition - y.partition);
    return m0.length === PARTITIONS ? m0.map((o) => o.offset) : undefined;
  };
  let previous = '';
  const settled = await waitFor('translated offsets of the group on B', 60_000, async () => {
    const now = (await read())?.join();
    const same = now !== undefined && now === previous;
    previous = now ?? '';
    if (!same) await new Promise((r) => setTimeout(r, 2500));
    return same ? now : undefined;
  });
  const translated = new Map(settled.split(',').map((o, p) => [p, Number(o)]));
  const endOffsets = await ends(adminB, 'A.m0', PARTITIONS);
  const consumer = new Consumer({
    'bootstrap.servers': b.bootstrap,
    'group.id': GROUP,
    'auto.offset.reset': 'none',
    'enable.auto.commit': false,
  });
  const first = new Map<number, number>();
  const seqs = new Map<number, number[]>();
  try {
    await consumer.subscribe(['A.m0']);
    const done = () =>
      [0, 1, 2].every(
        (p) => (seqs.get(p)?.length ?? 0) > 0 && (seqs.get(p)?.at(-1) ?? 0) >= endOffsets[p] - 1,
      );
    const until = Date.now() + 60_000;
    while (!done()) {
      assert.ok(Date.now() < until, 'reading the rest of A.m0 on B timed out');
      for (const r of await consumer.poll(500)) {
        // Each record's value starts with its sequence in the source partition's order.
        const seq = Number(r.value?.toString().split(':')[1]);
        const offsetOnA = Math.floor(seq / PARTITIONS);
        if (!first.has(r.partition)) first.set(r.partition, offsetOnA);
        seqs.get(r.partition)?.push(offsetOnA) ?? seqs.set(r.partition, [offsetOnA]);
      }
    }
  } finally {
    await consumer.close();
  }
  for (let p = 0; p < PARTITIONS; p++) {
    const committed = half.get(p) as number;
    const start = first.get(p) as number;
    t.diagnostic(
      `partition ${p}: read up to ${committed} on A; resumed on B at ${start} (translated ${translated.get(p)}), re-reading ${committed - start}`,
    );
    assert.ok(start <= committed, `partition ${p}: resumed at ${start}, after ${committed}: records missed`);
    assert.ok(
      committed - start <= LAG_MAX,
      `partition ${p}: re-read ${committed - start} records > offset.lag.max`,
    );
    const got = seqs.get(p) as number[];
    assert.deepEqual(
      got,
      Array.from({ length: endOffsets[p] - start }, (_, i) => start + i),
      `partition ${p}: every record after`,
    );
  }
});

/** Every record of a topic's partitions, read to their current ends. */
async function readTopic(bootstrap: string, admin: Admin, topic: string): Promise<ConsumerRecord[]> {
  const [d] = await admin.describeTopics([topic]);
  const ends = await admin.listOffsets(
    d.partitions.map((p) => ({ topic, partition: p.partition, at: 'latest' as const })),
  );
  const read = await readAll(
    bootstrap,
    ends.map((o) => ({ topic, partition: o.partition, end: o.offset })),
  );
  return [...read.values()].flat();
}

test("the internal topics hold MirrorMaker 2's records", async () => {
  const syncs = (await readTopic(a.bootstrap, adminA, 'mm2-offset-syncs.B.internal'))
    .map((r) => decodeOffsetSync(r.key, r.value))
    .filter((x): x is OffsetSync => !('error' in x) && x.topic === 'm0' && x.partition === 0);
  assert.ok(syncs.length > 10, `offset syncs of m0-0 on A: ${syncs.length}`);
  assert.deepEqual(syncs[0], { topic: 'm0', partition: 0, upstreamOffset: 0, downstreamOffset: 0 });
  for (let i = 1; i < syncs.length; i++) assert.ok(syncs[i].upstreamOffset > syncs[i - 1].upstreamOffset);

  const checkpoints = (await readTopic(b.bootstrap, adminB, 'A.checkpoints.internal'))
    .map((r) => decodeCheckpoint(r.key, r.value))
    .filter((x): x is Checkpoint => !('error' in x) && x.group === GROUP && x.topic === 'A.m0');
  const last = checkpoints.filter((c) => c.partition === 0).at(-1);
  assert.equal(last?.upstreamOffset, half.get(0), 'the checkpoint carries the group offset on A');
  assert.ok(
    (last?.downstreamOffset ?? -1) <= (half.get(0) ?? 0),
    'and a translated offset on B that skips nothing',
  );

  const progress = (await readTopic(b.bootstrap, adminB, 'mm2-offsets.A.internal'))
    .map((r) => decodeProgress(r.key, r.value))
    .filter((p) => p?.key.topic === 'm0' && p.key.partition === 0);
  const [end0] = await ends(adminA, 'm0', PARTITIONS);
  assert.equal(progress.at(-1)?.offset, end0 - 1, "Connect's offsets topic says where m0-0 is");
  assert.equal(
    progress.at(-1) && encodeProgressKey(progress.at(-1)?.key as SourcePartitionKey).toString(),
    '["MirrorSourceConnector",{"cluster":"A","partition":0,"topic":"m0"}]',
  );

  const beats = async (topic: string) =>
    (await readTopic(b.bootstrap, adminB, topic))
      .map((r) => decodeHeartbeat(r.key, r.value))
      .filter((h): h is Heartbeat => !('error' in h));
  assert.ok(
    (await beats('heartbeats')).some((h) => h.sourceClusterAlias === 'A' && h.targetClusterAlias === 'B'),
  );
  // B->A emits into A's heartbeats; A->B brings them over as A.heartbeats.
  assert.ok(
    (await beats('A.heartbeats')).some((h) => h.sourceClusterAlias === 'B' && h.targetClusterAlias === 'A'),
  );
});

test('promtool finds nothing in /metrics but the _ms of the names MirrorMaker 2 dashboards query', async (t) => {
  if (!needs(t, 'promtool')) return;
  const text = await (await fetch(`http://127.0.0.1:${mirror?.metricsPort}/metrics`)).text();
  const r = await run('promtool', ['check', 'metrics'], { input: text });
  const problems = `${r.stdout}${r.stderr}`
    .split('\n')
    .filter(
      (l) =>
        l.trim() !== '' && !/_ms(_min|_max|_avg)? metric names should not contain abbreviated units$/.test(l),
    );
  assert.deepEqual(problems, []);
});

test('/metrics has MirrorMaker 2 names per partition, and samsa mirror status shows the lag', async () => {
  const port = mirror?.metricsPort as number;
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = (name: string, labels: string) =>
    text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`)) ??
    assert.fail(`no ${name}{${labels}} in\n${text.slice(0, 3000)}`);
  const labels = 'source="A",target="B",topic="A.m0",partition="1"';
  const [end1] = (await ends(adminA, 'm0', PARTITIONS)).slice(1);
  assert.match(
    line('kafka_connect_mirror_mirrorsourceconnector_record_count', labels),
    new RegExp(` ${end1}$`),
  );
  for (const m of ['replication_latency_ms', 'record_age_ms', 'byte_count'])
    assert.match(line(`kafka_connect_mirror_mirrorsourceconnector_${m}`, labels), / \d+(\.\d+)?$/);
  // Min, max and avg cover the last minute, as Kafka's metrics do; NaN without records in it.
  assert.match(
    line('kafka_connect_mirror_mirrorsourceconnector_replication_latency_ms_max', labels),
    / (NaN|\d+(\.\d+)?)$/,
  );
  assert.match(
    line(
      'kafka_consumer_fetch_manager_records_lag',
      'clientid="A->B|MirrorSourceConnector|replication-consumer",topic="m0",partition="1"',
    ),
    / 0$/,
  );
  assert.match(
    text,
    /kafka_connect_mirror_mirrorcheckpointconnector_checkpoint_latency_ms\{source="A",target="B",group="half-reader",topic="A.m0",partition="0"\}/,
  );
  const status = spawnSync(
    process.execPath,
    [join(repoRoot, 'dist', 'bin', 'samsa.mjs'), 'mirror', 'status', '--url', `127.0.0.1:${port}`],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(status.status, 0, status.stderr);
  assert.match(status.stdout, /^FLOW\s+STATE\s+TOPICS\s+PARTITIONS\s+LAG/m);
  assert.match(status.stdout, /^A->B\s+running\s+7\s+\d+\s+0\s/m);
  assert.match(status.stdout, /^m0\s+1\s+A\.m0\s+(\d+)\s+\1\s+0\s+0\s/m);
});
