// npm run bench:cluster — a cluster of three combined nodes (three processes started with
// bin/kafka-server-start.sh, Kafka's default controller.quorum.* timeouts), beside Kafka's figures:
//   1. start-up: from spawning the three processes to every node's ready line (each broker registered
//      and unfenced), over fresh clusters (formatting not counted);
//   2. controller failover: SIGKILL of the active controller, until a survivor reports a new leader
//      (DescribeQuorum) and until CreateTopics through a surviving broker succeeds; p50/p99 over 20
//      trials (the killed node is restarted between trials);
//   3. create-topic to visible: from sending CreateTopics to the topic (with its leader) in the Metadata
//      of every broker, p50/p99;
//   4. 10,000 partitions (100 topics of 100, replication factor 3): RSS per node, then the restart time of
//      one node and of the whole cluster, to every node ready.
// The machine is shared, so figures vary run to run. `SAMSA_BENCH_CLUSTER=start,failover,visible,scale`
// picks parts; SAMSA_BENCH_FAILOVERS, SAMSA_BENCH_VISIBLE and SAMSA_BENCH_PARTITIONS change the counts.
import { readFileSync } from 'node:fs';
import { Logger } from '../src/broker/logger.js';
import { DeadlineTimer } from '../src/broker/net/deadline-timer.js';
import { NodeConnection } from '../src/broker/net/index.js';
import { Admin } from '../src/client/index.js';
import type { MetadataResponse } from '../src/protocol/messages/03-metadata.js';
import type { DescribeQuorumResponse } from '../src/protocol/messages/55-describe-quorum.js';
import { type ClusterProcesses, startClusterProcesses } from '../test/helpers/cluster-process.js';

const STARTS = Number(process.env.SAMSA_BENCH_STARTS ?? 5);
const FAILOVERS = Number(process.env.SAMSA_BENCH_FAILOVERS ?? 20);
const VISIBLE = Number(process.env.SAMSA_BENCH_VISIBLE ?? 100);
const PARTITIONS = Number(process.env.SAMSA_BENCH_PARTITIONS ?? 10_000);
const parts = new Set((process.env.SAMSA_BENCH_CLUSTER ?? 'start,failover,visible,scale').split(','));
const COMBINED = ['broker,controller', 'broker,controller', 'broker,controller'] as const;

const timer = new DeadlineTimer();
const log = Logger.silent();

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
const ms = (x: number) => `${Math.round(x)} ms`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

function line(what: string, samsa: string, kafka: string): void {
  console.log(`  ${what.padEnd(44)} ${samsa.padEnd(30)} ${kafka}`);
}

function connect(port: number): NodeConnection {
  return new NodeConnection({
    label: `127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    clientId: 'bench-cluster',
    timer,
    log,
    requestTimeoutMs: 2000,
    reconnectBackoffMs: 5,
    reconnectBackoffMsMax: 20,
  });
}

async function quorumLeader(conn: NodeConnection): Promise<{ leaderId: number; epoch: number } | null> {
  const r = await conn.send<DescribeQuorumResponse>(
    55,
    { topics: [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }] },
    { timeoutMs: 1000 },
  );
  if (!r.ok || r.body.errorCode !== 0) return null;
  const p = r.body.topics[0]?.partitions[0];
  // A voter that is not the leader answers NOT_LEADER_OR_FOLLOWER (6), naming the leader it knows.
  return p && (p.errorCode === 0 || p.errorCode === 6)
    ? { leaderId: p.leaderId, epoch: p.leaderEpoch }
    : null;
}

async function hasTopic(conn: NodeConnection, topic: string): Promise<boolean> {
  const r = await conn.send<MetadataResponse>(
    3,
    {
      topics: [{ name: topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    },
    { timeoutMs: 1000, minVersion: 9 },
  );
  if (!r.ok) return false;
  const t = r.body.topics.find((x) => x.name === topic);
  return (
    t !== undefined &&
    t.errorCode === 0 &&
    t.partitions.length > 0 &&
    t.partitions.every((p) => p.leaderId >= 0)
  );
}

function rss(pid: number | undefined): number {
  if (!pid) return 0;
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

async function waitReady(c: ClusterProcesses, ids: number[]): Promise<number> {
  const t0 = performance.now();
  await Promise.all(ids.map((id) => c.start(id, 120_000)));
  return performance.now() - t0;
}

// ---- 1. start-up ----

async function benchStart(): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const c = await startClusterProcesses([...COMBINED]);
    samples.push(c.readyMs);
    await c.stopAll();
  }
  console.log('start-up of a 3-node cluster (3 processes, spawn to every node ready):');
  line('', 'Samsa', "Kafka's figures");
  line(
    `median over ${STARTS}`,
    ms(percentile(samples, 50)),
    '8–15 s to ready per node (KRaft 3.7 in Docker, reference/perf.md A5)',
  );
  line('max', ms(Math.max(...samples)), 'goal: under 1.5 s');
}

// ---- 2. failover ----

async function benchFailover(): Promise<void> {
  const c = await startClusterProcesses([...COMBINED]);
  const conns = new Map([...c.nodes.values()].map((n) => [n.id, connect(n.controllerPort)]));
  const elected: number[] = [];
  const created: number[] = [];
  try {
    for (let trial = 0; trial < FAILOVERS; trial++) {
      let before: { leaderId: number; epoch: number } | null = null;
      while (!before || before.leaderId < 0) before = await quorumLeader(conns.get(1) as NodeConnection);
      const victim = before.leaderId;
      const survivors = [...c.nodes.keys()].filter((id) => id !== victim);
      const admin = new Admin({
        bootstrapServers: survivors.map((id) => `127.0.0.1:${c.nodes.get(id)?.port}`).join(','),
        requestTimeoutMs: 2000,
      });
      await admin.listTopics(); // connected before the kill
      const t0 = performance.now();
      c.nodes.get(victim)?.child?.kill('SIGKILL');
      const electedAt = (async () => {
        for (;;) {
          for (const id of survivors) {
            const q = await quorumLeader(conns.get(id) as NodeConnection);
            if (q && q.leaderId >= 0 && q.leaderId !== victim && q.epoch > before.epoch)
              return performance.now() - t0;
          }
          await sleep(2);
        }
      })();
      const createdAt = (async () => {
        for (;;) {
          try {
            await admin.createTopics(
              [{ name: `failover-${trial}`, numPartitions: 1, replicationFactor: 1 }],
              { timeoutMs: 2000 },
            );
            return performance.now() - t0;
          } catch {
            await sleep(2);
          }
        }
      })();
      elected.push(await electedAt);
      created.push(await createdAt);
      await admin.close();
      await c.signal(victim, 'SIGKILL');
      await waitReady(c, [victim]);
      await sleep(300);
    }
  } finally {
    for (const conn of conns.values()) conn.close();
    await c.stopAll();
  }
  console.log(
    `controller failover after SIGKILL of the active controller (${FAILOVERS} trials, election timeout 1000 ms):`,
  );
  line('', 'Samsa p50 / p99', "Kafka's figures");
  line(
    'new leader reported by a survivor',
    `${ms(percentile(elected, 50))} / ${ms(percentile(elected, 99))}`,
    '≥ 2 s: a follower stands after controller.quorum.fetch.timeout.ms (2000),',
  );
  line(
    'CreateTopics through a survivor succeeds',
    `${ms(percentile(created, 50))} / ${ms(percentile(created, 99))}`,
    '  then a randomised election timeout (1000) — goal: p99 under 1.5 s',
  );
}

// ---- 3. create-topic to visible ----

async function benchVisible(): Promise<void> {
  const c = await startClusterProcesses([...COMBINED]);
  const admin = new Admin({ bootstrapServers: c.bootstrap() });
  const conns = [...c.nodes.values()].map((n) => connect(n.port));
  const samples: number[] = [];
  const answered: number[] = [];
  try {
    await admin.listTopics();
    for (let i = 0; i < VISIBLE; i++) {
      const topic = `visible-${i}`;
      const t0 = performance.now();
      await admin.createTopics([{ name: topic, numPartitions: 1, replicationFactor: 3 }]);
      answered.push(performance.now() - t0);
      const seen = await Promise.all(
        conns.map(async (conn) => {
          while (!(await hasTopic(conn, topic))) {}
          return performance.now() - t0;
        }),
      );
      samples.push(performance.now() - t0);
      if (process.env.SAMSA_BENCH_VERBOSE)
        console.log(`  ${topic}: answered ${ms(answered[i])}, visible ${seen.map(ms).join(' ')}`);
    }
  } finally {
    for (const conn of conns) conn.close();
    await admin.close();
    await c.stopAll();
  }
  console.log(`create-topic to visible in the Metadata of all 3 brokers (${VISIBLE} topics, RF 3):`);
  line('', 'Samsa p50 / p99', "Kafka's figures");
  line('CreateTopics answered', `${ms(percentile(answered, 50))} / ${ms(percentile(answered, 99))}`, '');
  line(
    'CreateTopics sent to leader in every Metadata',
    `${ms(percentile(samples, 50))} / ${ms(percentile(samples, 99))}`,
    'no published figure; goal: p99 under 50 ms',
  );
}

// ---- 4. 10,000 partitions ----

async function benchScale(): Promise<void> {
  const c = await startClusterProcesses([...COMBINED]);
  const admin = new Admin({ bootstrapServers: c.bootstrap(), requestTimeoutMs: 120_000 });
  const pids = () => [...c.nodes.values()].map((n) => n.child?.pid);
  try {
    const idle = pids().map(rss);
    const per = 100;
    const topics = Math.ceil(PARTITIONS / per);
    const t0 = performance.now();
    for (let i = 0; i < topics; i += 10) {
      const names = Array.from({ length: Math.min(10, topics - i) }, (_, k) => ({
        name: `scale-${i + k}`,
        numPartitions: per,
        replicationFactor: 3,
      }));
      await admin.createTopics(names, { timeoutMs: 120_000 });
    }
    const createMs = performance.now() - t0;
    await sleep(2000);
    const loaded = pids().map(rss);
    const oneMs = await (async () => {
      await c.signal(2, 'SIGTERM');
      return waitReady(c, [2]);
    })();
    for (const id of c.nodes.keys()) await c.signal(id, 'SIGTERM');
    const allMs = await waitReady(c, [...c.nodes.keys()]);
    await sleep(2000);
    const restarted = pids().map(rss);
    console.log(
      `a cluster holding ${topics * per} partitions (${topics} topics × ${per}, RF 3: ${topics * per} replicas on every node):`,
    );
    line('', 'Samsa', "Kafka's figures");
    line(
      'RSS per node, idle and empty',
      idle.map(mb).join(', '),
      '~350 MB RSS idle (reference/perf.md A5); heap -Xms1G committed',
    );
    line(`RSS per node, holding the partitions`, loaded.map(mb).join(', '), '');
    line('RSS per node, after a restart', restarted.map(mb).join(', '), '');
    line(`creating them (${topics / 10} CreateTopics of 10)`, ms(createMs), '');
    line('restart of one node (SIGTERM, start to ready)', ms(oneMs), 'no published figure');
    line('restart of the whole cluster (to all ready)', ms(allMs), 'no published figure');
  } finally {
    await admin.close();
    await c.stopAll();
  }
}

async function main(): Promise<void> {
  console.log(
    'npm run bench:cluster — three combined nodes as processes (bin/kafka-server-start.sh), this machine (shared)\n',
  );
  if (parts.has('start')) await benchStart();
  if (parts.has('failover')) await benchFailover();
  if (parts.has('visible')) await benchVisible();
  if (parts.has('scale')) await benchScale();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
