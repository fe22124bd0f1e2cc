// npm run bench:groups — the group coordinator's figures, against a broker in a child process:
//  1. how long a group of 10 members takes to reach Stable once they have all joined
//     (group.initial.rebalance.delay.ms=0; each member on its own connection), over several rounds;
//  2. offset commits per second on one connection (OffsetCommit v8, one partition per request, by a
//     member of a Stable group, pipelined).
import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Logger } from '../src/broker/logger.js';
import { BrokerNode } from '../src/broker/node.js';
import { DEVELOPER_DEFAULTS, loadBrokerConfig } from '../src/config/index.js';
import { ErrorCode as E } from '../src/protocol/errors.js';
import { BenchClient, type Body } from './groups-client.js';

const MEMBERS = 10;
const ROUNDS = 20;
const COMMITS = 200_000;
const COMMITS_IN_FLIGHT = 200;
const TOPIC = 'bench';

async function broker(): Promise<void> {
  const loaded = loadBrokerConfig({
    base: {
      ...DEVELOPER_DEFAULTS,
      listeners: 'PLAINTEXT://127.0.0.1:0',
      'log.dirs': '/samsa-bench-memory',
    },
    overrides: { 'group.initial.rebalance.delay.ms': '0', 'num.partitions': '10', 'log.level': 'warn' },
    env: {},
  });
  if (!loaded.ok) throw new Error(loaded.error);
  const node = await BrokerNode.start({
    config: loaded.config,
    clusterId: 'bench-groups-cluster-0',
    storage: 'memory',
    log: Logger.create({ level: 'warn' }),
  });
  // A clean exit on a signal, so that `--cpu-prof` can write its profile.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0));
  // Each line on stdin asks for the CPU time this process has used (the machine may be shared).
  createInterface({ input: process.stdin }).on('line', () => {
    const u = process.cpuUsage();
    process.stdout.write(`${JSON.stringify({ cpuMs: (u.user + u.system) / 1000 })}\n`);
  });
  process.stdout.write(`${JSON.stringify({ port: node.listeners[0].boundPort })}\n`);
}

interface Broker {
  child: ChildProcess;
  port: number;
  /** CPU time the broker process has used so far (ms). */
  cpuMs(): Promise<number>;
}

function startBroker(): Promise<Broker> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--broker'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const cpuMs = () =>
    new Promise<number>((resolve) => {
      lines.once('line', (line) => resolve(JSON.parse(line).cpuMs));
      child.stdin?.write('cpu\n');
    });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`broker exited with ${code}`)));
    lines.once('line', (line) => resolve({ child, port: JSON.parse(line).port, cpuMs }));
  });
}

const subscription = (() => {
  const topic = Buffer.from(TOPIC);
  const b = Buffer.alloc(2 + 4 + 2 + topic.length + 4);
  b.writeInt16BE(0, 0);
  b.writeInt32BE(1, 2);
  b.writeInt16BE(topic.length, 6);
  topic.copy(b, 8);
  b.writeInt32BE(-1, 8 + topic.length);
  return b;
})();

function join(c: BenchClient, groupId: string, memberId: string): Promise<Body> {
  return c.request(11, 9, {
    groupId,
    sessionTimeoutMs: 30_000,
    rebalanceTimeoutMs: 30_000,
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription }],
    reason: null,
  });
}

function sync(c: BenchClient, groupId: string, j: Body): Promise<Body> {
  const leader = j.leader === j.memberId;
  return c.request(14, 5, {
    groupId,
    generationId: j.generationId,
    memberId: j.memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocolName: 'range',
    assignments: leader
      ? j.members.map((m: Body, i: number) => ({ memberId: m.memberId, assignment: Buffer.from([i]) }))
      : [],
  });
}

/** Which generation each member holds an assignment of; the group is through when all hold the same. */
class Round {
  readonly holding = new Map<number, number>();
  stableAt = 0;

  hold(member: number, generation: number): void {
    this.holding.set(member, generation);
    if (this.stableAt === 0 && this.done()) this.stableAt = performance.now();
  }

  done(): boolean {
    if (this.holding.size < MEMBERS) return false;
    const generations = new Set(this.holding.values());
    return generations.size === 1;
  }
}

/** One member: joins, syncs, heartbeats; rejoins when told; until every member holds one generation. */
async function member(
  c: BenchClient,
  groupId: string,
  index: number,
  memberId: string,
  round: Round,
): Promise<number> {
  for (;;) {
    const j = await join(c, groupId, memberId);
    if (j.errorCode !== E.NONE) throw new Error(`join: error ${j.errorCode}`);
    const s = await sync(c, groupId, j);
    if (s.errorCode === E.REBALANCE_IN_PROGRESS) continue;
    if (s.errorCode !== E.NONE) throw new Error(`sync: error ${s.errorCode}`);
    round.hold(index, j.generationId);
    for (;;) {
      if (round.done()) return j.generationId;
      await new Promise((r) => setTimeout(r, 5));
      const h = await c.request(12, 4, {
        groupId,
        generationId: j.generationId,
        memberId,
        groupInstanceId: null,
      });
      if (h.errorCode === E.REBALANCE_IN_PROGRESS) {
        round.holding.delete(index);
        break;
      }
      if (h.errorCode !== E.NONE) throw new Error(`heartbeat: error ${h.errorCode}`);
    }
  }
}

async function stableRound(
  clients: BenchClient[],
  groupId: string,
): Promise<{ fromJoinMs: number; fromIdsMs: number; generation: number }> {
  const t0 = performance.now();
  // The KIP-394 round trip: each member learns its id.
  const ids = await Promise.all(
    clients.map(async (c) => {
      const r = await join(c, groupId, '');
      if (r.errorCode !== E.MEMBER_ID_REQUIRED) throw new Error(`first join: error ${r.errorCode}`);
      return r.memberId as string;
    }),
  );
  const t1 = performance.now();
  const round = new Round();
  const generations = await Promise.all(clients.map((c, i) => member(c, groupId, i, ids[i], round)));
  await Promise.all(
    clients.map((c, i) =>
      c.request(13, 5, { groupId, members: [{ memberId: ids[i], groupInstanceId: null, reason: null }] }),
    ),
  );
  return {
    fromJoinMs: round.stableAt - t0,
    fromIdsMs: round.stableAt - t1,
    generation: Math.max(...generations),
  };
}

async function commitsPerSecond(
  broker: Broker,
): Promise<{ perSecond: number; perBrokerCpuSecond: number; errors: number }> {
  const c = await BenchClient.connect(broker.port);
  const groupId = 'bench-commits';
  await c.request(10, 4, { keyType: 0, coordinatorKeys: [groupId] });
  const first = await join(c, groupId, '');
  const j = await join(c, groupId, first.memberId);
  await sync(c, groupId, j);
  const body = (i: number) => ({
    groupId,
    generationIdOrMemberEpoch: j.generationId,
    memberId: j.memberId,
    groupInstanceId: null,
    retentionTimeMs: -1,
    topics: [
      {
        name: TOPIC,
        partitions: [
          {
            partitionIndex: i % 10,
            committedOffset: i,
            committedLeaderEpoch: -1,
            commitTimestamp: -1,
            committedMetadata: '',
          },
        ],
      },
    ],
  });
  let errors = 0;
  let sent = 0;
  const cpu0 = await broker.cpuMs();
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    let answered = 0;
    const onAnswer = (r: Body) => {
      if (r.topics[0].partitions[0].errorCode !== E.NONE) errors++;
      if (++answered === COMMITS) resolve();
      else if (sent < COMMITS) send();
    };
    const send = () => {
      const i = sent++;
      c.request(8, 8, body(i)).then(onAnswer);
    };
    for (let i = 0; i < COMMITS_IN_FLIGHT; i++) send();
  });
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = ((await broker.cpuMs()) - cpu0) / 1000;
  const f = await c.request(9, 8, {
    groups: [{ groupId, topics: [{ name: TOPIC, partitionIndexes: [9] }] }],
    requireStable: true,
  });
  const last = f.groups[0].topics[0].partitions[0].committedOffset;
  if (last !== COMMITS - 1) throw new Error(`last committed offset ${last}, expected ${COMMITS - 1}`);
  c.close();
  return { perSecond: COMMITS / seconds, perBrokerCpuSecond: COMMITS / cpuSeconds, errors };
}

async function main(): Promise<void> {
  const broker = await startBroker();
  const { child, port } = broker;
  try {
    const admin = await BenchClient.connect(port);
    await admin.request(19, 4, {
      topics: [{ name: TOPIC, numPartitions: 10, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    await admin.request(10, 4, { keyType: 0, coordinatorKeys: ['warm-up'] });
    const clients = await Promise.all(Array.from({ length: MEMBERS }, () => BenchClient.connect(port)));
    const rounds = [];
    for (let r = 0; r < ROUNDS; r++) rounds.push(await stableRound(clients, `bench-stable-${r}`));
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const fromIds = sorted(rounds.map((r) => r.fromIdsMs));
    const fromJoin = sorted(rounds.map((r) => r.fromJoinMs));
    const median = (xs: number[]) => xs[Math.floor(xs.length / 2)];
    console.log(
      `group of ${MEMBERS} to Stable after all joined (initial delay 0, ${ROUNDS} rounds): ` +
        `median ${median(fromIds).toFixed(1)} ms, max ${fromIds[fromIds.length - 1].toFixed(1)} ms ` +
        `(target < 500 ms); from the first JoinGroup: median ${median(fromJoin).toFixed(1)} ms; ` +
        `generations: ${[...new Set(rounds.map((r) => r.generation))].join(', ')}`,
    );
    for (const c of clients) c.close();
    admin.close();
    const commits = await commitsPerSecond(broker);
    const n = (x: number) => Math.round(x).toLocaleString('en-US');
    console.log(
      `offset commits on one connection: ${n(commits.perSecond)}/s; ${n(commits.perBrokerCpuSecond)} per second ` +
        `of broker CPU (${n(COMMITS)} commits, ${COMMITS_IN_FLIGHT} in flight, ${commits.errors} errors; ` +
        `target >= 50,000/s)`,
    );
    const [load1] = loadavg();
    console.log(`(load average ${load1.toFixed(1)} on ${availableParallelism()} cores while measuring)`);
  } finally {
    child.removeAllListeners('exit');
    child.kill();
  }
}

if (process.argv[2] === '--broker') await broker();
else await main();
