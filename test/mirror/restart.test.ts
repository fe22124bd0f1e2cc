// A mirror killed with SIGKILL while records flow, then started again: it resumes exactly after the
// progress it kept in the target cluster (no local state), and the target ends up with every source
// record, in order; the only duplicates are the records copied after that progress, copied again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin, type ConsumerRecord, Producer } from '../../src/client/index.js';
import { decodeProgress } from '../../src/mirror/formats.js';
import { type BrokerProcess, removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { type MirrorProcess, readAll, startMirror, waitFor } from './mirror-process.js';

const TOPICS = ['k0', 'k1'];
const PARTITIONS = 3;
const RATE_PER_SEC = 5_000;
/** Records on B before the kill. */
const COPIED_BEFORE_KILL = 10_000;
const RECORDS_MAX = 200_000;

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

const parts = (prefix = '') =>
  TOPICS.flatMap((t) =>
    Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: `${prefix}${t}`, partition })),
  );

async function endsOf(admin: Admin, prefix = ''): Promise<Map<string, number>> {
  const listed = await admin.listOffsets(parts(prefix).map((p) => ({ ...p, at: 'latest' as const })));
  return new Map(listed.map((o) => [`${o.topic.slice(prefix.length)}/${o.partition}`, o.offset]));
}

/** The last source offset written per partition, as Connect's offsets topic on B says. */
async function progressOnB(): Promise<Map<string, number>> {
  const topic = 'mm2-offsets.A.internal';
  const [d] = await adminB.describeTopics([topic]);
  const ends = await adminB.listOffsets(
    d.partitions.map((p) => ({ topic, partition: p.partition, at: 'latest' as const })),
  );
  const read = await readAll(
    b.bootstrap,
    ends.map((o) => ({ topic, partition: o.partition, end: o.offset })),
  );
  const out = new Map<string, number>();
  for (const r of [...read.values()].flat()) {
    const p = decodeProgress(r.key, r.value);
    if (p?.offset !== null && p?.offset !== undefined) out.set(`${p.key.topic}/${p.key.partition}`, p.offset);
  }
  return out;
}

/** Writes about RATE_PER_SEC records until stopped; value "<topic>/<partition>/<n>", n in order. */
function produceUntilStopped(): { stop(): Promise<void>; sent(): number } {
  const producer = new Producer({ 'bootstrap.servers': a.bootstrap, 'linger.ms': 5 });
  const next = new Map<string, number>();
  let stopped = false;
  let i = 0;
  const done = (async () => {
    const started = Date.now();
    const pending: Promise<unknown>[] = [];
    for (; !stopped && i < RECORDS_MAX; i++) {
      const topic = TOPICS[i % TOPICS.length];
      const partition = Math.floor(i / TOPICS.length) % PARTITIONS;
      const k = `${topic}/${partition}`;
      const n = next.get(k) ?? 0;
      next.set(k, n + 1);
      pending.push(producer.send({ topic, partition, key: `key-${i}`, value: `${k}/${n}` }));
      if (i % 250 === 249) {
        const due = started + ((i + 1) / RATE_PER_SEC) * 1000;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      }
    }
    await Promise.all(pending);
    await producer.close();
  })();
  return {
    async stop() {
      stopped = true;
      await done;
    },
    sent: () => i,
  };
}

test('SIGKILL of the mirror mid-run and a restart: nothing lost, in order, resumed exactly after its progress', async (t) => {
  const first = await startMirror(PROPS());
  mirrors.push(first);
  const producer = produceUntilStopped();
  try {
    await waitFor(`${COPIED_BEFORE_KILL} records on B`, 120_000, async () => {
      const n = [...(await endsOf(adminB, 'A.').catch(() => new Map<string, number>())).values()];
      return n.reduce((x, y) => x + y, 0) >= COPIED_BEFORE_KILL ? true : undefined;
    });
    // Records are still being written to A: the mirror is killed in the middle of its work.
    await first.kill();
    const progress = await progressOnB();
    const onB = [...(await endsOf(adminB, 'A.')).values()].reduce((x, y) => x + y, 0);
    t.diagnostic(
      `SIGKILL with ${onB} records on B, ${producer.sent()} written to A so far; progress kept: ${JSON.stringify(Object.fromEntries(progress))}`,
    );

    const second = await startMirror(PROPS());
    mirrors.push(second);
    await new Promise((r) => setTimeout(r, 2000));
    await producer.stop();
    const sourceEnds = await endsOf(adminA);
    const total = [...sourceEnds.values()].reduce((x, y) => x + y, 0);
    // Caught up when the last record of every source partition is on the target.
    const target = await waitFor('the restarted mirror to copy everything', 120_000, async () => {
      const ends = await endsOf(adminB, 'A.');
      for (const [k, end] of sourceEnds) if ((ends.get(k) ?? 0) < end) return undefined;
      const read = await readAll(
        b.bootstrap,
        [...ends].map(([k, end]) => ({
          topic: `A.${k.split('/')[0]}`,
          partition: Number(k.split('/')[1]),
          end,
        })),
      );
      for (const [k, end] of sourceEnds) {
        if (read.get(`A.${k}`)?.at(-1)?.value?.toString() !== `${k}/${end - 1}`) return undefined;
      }
      return read;
    });
    let duplicates = 0;
    for (const [k, end] of sourceEnds) {
      const records = target.get(`A.${k}`) as ConsumerRecord[];
      // Walk the target: each record is the next one expected, or one already seen. The copies again
      // must start right after the progress the first mirror wrote, and run on from there.
      let next = 0;
      let replayFrom: number | null = null;
      for (const r of records) {
        const value = r.value?.toString() ?? '';
        assert.ok(value.startsWith(`${k}/`), `A.${k}: a record of another partition (${value})`);
        const n = Number(value.split('/')[2]);
        if (n === next) {
          next++;
          continue;
        }
        assert.ok(n < next, `A.${k}: record ${next} missing (found ${n} at offset ${r.offset})`);
        if (replayFrom === null) {
          replayFrom = n;
          assert.equal(n, (progress.get(k) ?? -1) + 1, `A.${k}: the restart began after the progress kept`);
        }
        duplicates++;
      }
      assert.equal(next, end, `A.${k}: every source record is on the target`);
    }
    t.diagnostic(`${total} records on B after the restart; ${duplicates} copied twice`);
    assert.equal(await second.stop(), 0);
  } finally {
    await producer.stop();
  }
});
