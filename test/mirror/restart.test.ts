// A mirror killed with SIGKILL while records flow, then started again: it resumes from the progress
// it kept in the target cluster (no local state), and the target ends up with every source record, in
// order; the only duplicates are records copied again after the last progress written before the kill.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin, type ConsumerRecord, Producer } from '../../src/client/index.js';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { type MirrorProcess, readAll, startMirror, waitFor } from './mirror-process.js';

const TOPICS = ['k0', 'k1'];
const PARTITIONS = 3;
const RECORDS = 60_000;
const RATE_PER_SEC = 6_000;

let a: BrokerProcess;
let b: BrokerProcess;
let adminA: Admin;
let adminB: Admin;
const mirrors: MirrorProcess[] = [];

before(async () => {
  [a, b] = await Promise.all([startBrokerProcess(), startBrokerProcess()]);
  adminA = new Admin({ 'bootstrap.servers': a.bootstrap, 'allow.auto.create.topics': false });
  adminB = new Admin({ 'bootstrap.servers': b.bootstrap, 'allow.auto.create.topics': false });
  await adminA.createTopics(TOPICS.map((name) => ({ name, numPartitions: PARTITIONS })));
});

after(async () => {
  for (const m of mirrors) await m.kill();
  await Promise.all([adminA?.close(), adminB?.close()]);
  await Promise.all([a?.stop(), b?.stop()]);
  for (const x of [a, b]) if (x) removeDataDir(x.dataDir);
});

const PROPS = () => ({
  clusters: 'A, B',
  'A.bootstrap.servers': a.bootstrap,
  'B.bootstrap.servers': b.bootstrap,
  'A->B.enabled': 'true',
  'A->B.topics': 'k.*',
  'replication.factor': '1',
  'emit.heartbeats.enabled': 'false',
  'B.offset.flush.interval.ms': '500',
});

async function endsOf(admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
  const listed = await admin.listOffsets(
    topics.flatMap((topic) =>
      Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition, at: 'latest' as const })),
    ),
  );
  return new Map(listed.map((o) => [`${o.topic}/${o.partition}`, o.offset]));
}

/** Writes RECORDS records at about RATE_PER_SEC; value "<topic>/<partition>/<offset-in-order>". */
async function produce(progress: { sent: number }): Promise<void> {
  const producer = new Producer({ 'bootstrap.servers': a.bootstrap, 'linger.ms': 5 });
  const next = new Map<string, number>();
  const started = Date.now();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < RECORDS; i++) {
    const topic = TOPICS[i % TOPICS.length];
    const partition = Math.floor(i / TOPICS.length) % PARTITIONS;
    const k = `${topic}/${partition}`;
    const n = next.get(k) ?? 0;
    next.set(k, n + 1);
    pending.push(producer.send({ topic, partition, key: `key-${i}`, value: `${k}/${n}` }));
    progress.sent = i + 1;
    if (i % 500 === 499) {
      const due = started + ((i + 1) / RATE_PER_SEC) * 1000;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    }
  }
  await Promise.all(pending);
  await producer.close();
}

test('SIGKILL of the mirror mid-run and a restart: nothing lost, in order, duplicates only from the last progress', async (t) => {
  const first = await startMirror(PROPS());
  mirrors.push(first);
  const progress = { sent: 0 };
  const producing = produce(progress);
  // Kill once a good part is copied, while records still arrive.
  const copiedBeforeKill = await waitFor(
    'the first mirror to copy a third of the records',
    60_000,
    async () => {
      const ends = await endsOf(
        adminB,
        TOPICS.map((t) => `A.${t}`),
      ).catch(() => new Map<string, number>());
      const n = [...ends.values()].reduce((x, y) => x + y, 0);
      return n >= RECORDS / 3 ? n : undefined;
    },
  );
  await first.kill();
  const ends = await endsOf(
    adminB,
    TOPICS.map((t) => `A.${t}`),
  );
  const onB = [...ends.values()].reduce((x, y) => x + y, 0);
  t.diagnostic(`killed the mirror (SIGKILL) with ${onB} records on B and ${progress.sent} sent to A`);
  assert.ok(onB < RECORDS, 'the kill happened while the mirror was still copying');

  const second = await startMirror(PROPS());
  mirrors.push(second);
  await producing;
  const sourceEnds = await endsOf(adminA, TOPICS);
  // Caught up when the last record of every source partition is on the target.
  const target = await waitFor('the restarted mirror to copy everything', 120_000, async () => {
    const ends = await endsOf(
      adminB,
      TOPICS.map((t) => `A.${t}`),
    );
    for (const [k, end] of sourceEnds) if ((ends.get(`A.${k}`) ?? 0) < end) return undefined;
    const parts = [...ends].map(([k, end]) => ({
      topic: k.split('/')[0],
      partition: Number(k.split('/')[1]),
      end,
    }));
    const read = await readAll(b.bootstrap, parts);
    for (const [k, end] of sourceEnds) {
      const last = read.get(`A.${k}`)?.at(-1);
      if (!last || last.value?.toString() !== `${k}/${end - 1}`) return undefined;
    }
    return read;
  });
  let duplicates = 0;
  for (const [k, end] of sourceEnds) {
    const records = target.get(`A.${k}`) as ConsumerRecord[];
    // Walk the target: each record is the next expected one or a copy of one already seen.
    let next = 0;
    for (const r of records) {
      const n = Number(r.value?.toString().split('/')[2]);
      assert.equal(r.value?.toString().startsWith(`${k}/`), true, `A.${k}: a record of another partition`);
      if (n === next) next++;
      else {
        assert.ok(n < next, `A.${k}: record ${next} missing (found ${n} at offset ${r.offset})`);
        duplicates++;
      }
    }
    assert.equal(next, end, `A.${k}: every source record is on the target`);
  }
  t.diagnostic(
    `${RECORDS} records on B after the restart; ${duplicates} copied twice (records after the last progress)`,
  );
  assert.ok(duplicates < copiedBeforeKill, 'the restart resumed from its progress, not from the beginning');
  assert.equal(await second.stop(), 0);
});
