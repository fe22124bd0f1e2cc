// Split roles as processes: three controllers and two brokers, each from its own properties file.
// The controllers form the quorum (the brokers follow it as observers); a topic spreads over both
// brokers. A broker that stops heartbeating (SIGSTOP) is fenced after broker.session.timeout.ms and
// leaves Metadata; SIGCONT brings it back unfenced. SIGTERM of a broker is a controlled shutdown: its
// leaderships move before it exits.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ClusterProcesses, startClusterProcesses, tool } from '../helpers/cluster-process.js';
import { run, skipUnless } from '../helpers/tools.js';

const SESSION_TIMEOUT_MS = 3000;
let cluster: ClusterProcesses;

before(async () => {
  cluster = await startClusterProcesses(['controller', 'controller', 'controller', 'broker', 'broker'], {
    'broker.session.timeout.ms': String(SESSION_TIMEOUT_MS),
    'broker.heartbeat.interval.ms': '300',
  });
});

after(async () => {
  await cluster?.stopAll();
});

const broker = (id: number) => `127.0.0.1:${cluster.nodes.get(id)?.port}`;
const noKcat = skipUnless('kcat in the split-roles cluster tests', 'kcat');

async function until<T>(
  what: string,
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function metadata(via: string, topic?: string): Promise<{ brokers: number[]; leaders: number[] }> {
  const r = await run('kcat', ['-L', '-m', '5', '-b', via, ...(topic ? ['-t', topic] : [])], {
    timeoutMs: 20_000,
  });
  return {
    brokers: [...r.stdout.matchAll(/broker (\d+) at /g)].map((m) => Number(m[1])).sort(),
    leaders: [...r.stdout.matchAll(/partition \d+, leader (-?\d+)/g)].map((m) => Number(m[1])),
  };
}

test('three controllers and two brokers: the quorum has three voters and two observers; topics spread over the brokers', {
  skip: noKcat,
}, async () => {
  const r = tool('kafka-metadata-quorum', [
    '--bootstrap-controller',
    cluster.controllerBootstrap(),
    'describe',
    '--status',
  ]);
  assert.equal(r.code, 0, r.stderr);
  for (const id of [1, 2, 3]) assert.match(r.stdout, new RegExp(`CurrentVoters:.*"id": ${id}`));
  assert.match(
    r.stdout,
    /CurrentObservers:\s+\[\{"id": 4, "directoryId": null\}, \{"id": 5, "directoryId": null\}\]/,
  );
  assert.deepEqual((await metadata(broker(4))).brokers, [4, 5]);
  assert.deepEqual((await metadata(broker(5))).brokers, [4, 5]);
  const created = tool('kafka-topics', [
    '--bootstrap-server',
    broker(5),
    '--create',
    '--topic',
    'split',
    '--partitions',
    '6',
    '--replication-factor',
    '2',
  ]);
  assert.equal(created.code, 0, created.stderr);
  const m = await until('the topic with leaders', async () => {
    const md = await metadata(broker(4), 'split');
    return md.leaders.length === 6 && md.leaders.every((l) => l > 0) && md;
  });
  assert.deepEqual([...new Set(m.leaders)].sort(), [4, 5]);
  const tooMany = tool('kafka-topics', [
    '--bootstrap-server',
    broker(4),
    '--create',
    '--topic',
    'wide',
    '--partitions',
    '1',
    '--replication-factor',
    '3',
  ]);
  assert.notEqual(tooMany.code, 0);
  assert.match(tooMany.stderr + tooMany.stdout, /replication factor/i);
});

test('SIGSTOP: the broker is fenced after broker.session.timeout.ms and leaves Metadata; SIGCONT: it is unfenced again', {
  skip: noKcat,
}, async () => {
  await cluster.signal(5, 'SIGSTOP');
  const stoppedAt = Date.now();
  await until(
    'broker 5 fenced',
    async () => (await metadata(broker(4))).brokers.join() === '4',
    SESSION_TIMEOUT_MS + 15_000,
  );
  const fencedAfterMs = Date.now() - stoppedAt;
  assert.ok(
    fencedAfterMs >= SESSION_TIMEOUT_MS - 500,
    `fenced after ${fencedAfterMs} ms, not before the session timeout`,
  );
  const moved = await metadata(broker(4), 'split');
  assert.ok(
    moved.leaders.every((l) => l === 4),
    `broker 4 leads every partition now: ${moved.leaders}`,
  );
  await cluster.signal(5, 'SIGCONT');
  await until('broker 5 unfenced', async () => (await metadata(broker(4))).brokers.join() === '4,5', 20_000);
});

test('SIGTERM of a broker is a controlled shutdown: its leaderships move before it exits', {
  skip: noKcat,
}, async () => {
  // A topic whose leaders are on both brokers (broker 5 left the ISRs of the first one when it was
  // fenced; taking it back into an ISR is its leader's AlterPartition, which needs replication).
  const created = tool('kafka-topics', [
    '--bootstrap-server',
    broker(4),
    '--create',
    '--topic',
    'split-2',
    '--partitions',
    '6',
    '--replication-factor',
    '2',
  ]);
  assert.equal(created.code, 0, created.stderr);
  await until('broker 5 leads some partitions', async () =>
    (await metadata(broker(4), 'split-2')).leaders.includes(5),
  );
  const notNeeded = tool('kafka-leader-election', [
    '--bootstrap-server',
    broker(4),
    '--election-type',
    'PREFERRED',
    '--topic',
    'split-2',
    '--partition',
    '0',
  ]);
  assert.equal(notNeeded.code, 0, notNeeded.stderr);
  assert.match(notNeeded.stdout, /Valid replica already elected for partitions split-2-0/);
  const node5 = cluster.nodes.get(5);
  const started = Date.now();
  await cluster.signal(5, 'SIGTERM');
  assert.equal(node5?.child?.exitCode, 0, node5?.output.slice(-2000));
  assert.match(node5?.output ?? '', /controlled shutdown granted/);
  assert.ok(Date.now() - started < SESSION_TIMEOUT_MS, 'it did not wait for its session to expire');
  const md = await metadata(broker(4), 'split-2');
  assert.deepEqual(md.brokers, [4]);
  assert.ok(
    md.leaders.every((l) => l === 4),
    `every partition moved to broker 4: ${md.leaders}`,
  );
  await cluster.start(5);
  await until('broker 5 back', async () => (await metadata(broker(4))).brokers.join() === '4,5');
});
