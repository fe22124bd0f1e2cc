// Three combined nodes as three processes, each started with bin/kafka-server-start.sh from its own
// properties file after `kafka-storage.sh format`: they form a quorum that kafka-metadata-quorum.sh
// describes; kcat sees three brokers through any node; a topic created through any node has its leaders
// spread over the three and shows in every node's Metadata. Then the active controller is SIGKILLed:
// a new one is elected, topics can be created again, and the killed node — kept down while the
// metadata moves past a snapshot — installs that snapshot when it comes back, with nothing committed lost.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ClusterProcesses, startClusterProcesses, tool } from '../helpers/cluster-process.js';
import { run, skipUnless } from '../helpers/tools.js';

let cluster: ClusterProcesses;

before(async () => {
  cluster = await startClusterProcesses(['broker,controller', 'broker,controller', 'broker,controller'], {
    'broker.session.timeout.ms': '4000',
    'broker.heartbeat.interval.ms': '500',
    // Snapshots every few kilobytes of metadata, so a node kept down falls behind the leader's log start.
    'metadata.log.max.record.bytes.between.snapshots': '3000',
  });
});

after(async () => {
  await cluster?.stopAll();
});

const node = (id: number) => `127.0.0.1:${cluster.nodes.get(id)?.port}`;

async function until<T>(
  what: string,
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function status(via: string): Record<string, string> | null {
  const r = tool('kafka-metadata-quorum', ['--bootstrap-server', via, 'describe', '--status']);
  if (r.code !== 0) return null;
  return Object.fromEntries(
    r.stdout
      .trim()
      .split('\n')
      .map((l) => {
        const i = l.indexOf(':');
        return [l.slice(0, i), l.slice(i + 1).trim()];
      }),
  );
}

/** kcat -L as JSON-ish facts: broker ids and, for a topic, partition leaders. */
async function kcatMetadata(via: string, topic?: string): Promise<{ brokers: number[]; leaders: number[] }> {
  const r = await run('kcat', ['-L', '-b', via, ...(topic ? ['-t', topic] : [])], { timeoutMs: 20_000 });
  const brokers = [...r.stdout.matchAll(/broker (\d+) at /g)].map((m) => Number(m[1])).sort();
  const leaders = [...r.stdout.matchAll(/partition \d+, leader (-?\d+)/g)].map((m) => Number(m[1]));
  return { brokers, leaders };
}

test('three kafka-server-start.sh processes form a quorum that kafka-metadata-quorum.sh describes', () => {
  const s = status(node(2));
  assert.ok(s, 'describe --status answers');
  assert.equal(s.ClusterId, cluster.clusterId);
  assert.ok(['1', '2', '3'].includes(s.LeaderId), `leader ${s.LeaderId}`);
  assert.ok(Number(s.LeaderEpoch) >= 1);
  assert.ok(Number(s.HighWatermark) > 0);
  for (const id of [1, 2, 3])
    assert.match(
      s.CurrentVoters,
      new RegExp(`"id": ${id}, "directoryId": null, "endpoints": \\["CONTROLLER://127.0.0.1:\\d+"\\]`),
    );
});

const KCAT_TEST =
  'kcat -L against any node lists three brokers; a 6-partition RF3 topic created through any node spreads its leaders';
test(KCAT_TEST, { skip: skipUnless(KCAT_TEST, 'kcat') }, async () => {
  for (const id of [1, 2, 3]) assert.deepEqual((await kcatMetadata(node(id))).brokers, [1, 2, 3]);
  const created = tool('kafka-topics', [
    '--bootstrap-server',
    node(3),
    '--create',
    '--topic',
    'orders',
    '--partitions',
    '6',
    '--replication-factor',
    '3',
  ]);
  assert.equal(created.code, 0, created.stderr);
  for (const id of [1, 2, 3]) {
    const m = await until(`orders in node ${id}'s Metadata`, async () => {
      const md = await kcatMetadata(node(id), 'orders');
      return md.leaders.length === 6 && md.leaders.every((l) => l > 0) && md;
    });
    assert.deepEqual(
      [...new Set(m.leaders)].sort(),
      [1, 2, 3],
      `leaders spread over every broker (node ${id} says ${m.leaders})`,
    );
  }
});

test('SIGKILL of the active controller: a new one is elected, topics can be created, the killed node installs a snapshot and loses nothing', async () => {
  const before = status(node(1)) as Record<string, string>;
  const old = Number(before.LeaderId);
  const survivor = [1, 2, 3].find((id) => id !== old) as number;
  for (let i = 0; i < 3; i++) {
    const r = tool('kafka-topics', [
      '--bootstrap-server',
      node(survivor),
      '--create',
      '--topic',
      `before-${i}`,
      '--partitions',
      '3',
      '--replication-factor',
      '3',
    ]);
    assert.equal(r.code, 0, r.stderr);
  }
  await cluster.signal(old, 'SIGKILL');
  const after = await until('a new controller', () => {
    const s = status(node(survivor));
    return s !== null && Number(s.LeaderId) !== old && Number(s.LeaderId) > 0 ? s : undefined;
  });
  assert.ok(Number(after.LeaderEpoch) > Number(before.LeaderEpoch));
  // Enough new metadata while the node is down that the leader snapshots and drops the log it missed.
  for (let i = 0; i < 12; i++) {
    const r = tool('kafka-topics', [
      '--bootstrap-server',
      node(survivor),
      '--create',
      '--topic',
      `during-${i}`,
      '--partitions',
      '4',
      '--replication-factor',
      '2',
    ]);
    assert.equal(r.code, 0, `create during-${i}: ${r.stderr}`);
  }
  await cluster.start(old);
  await until('the restarted node installed a snapshot', () =>
    /installed a metadata snapshot from the leader/.test(cluster.nodes.get(old)?.output ?? ''),
  );
  const expected = [
    'orders',
    ...[0, 1, 2].map((i) => `before-${i}`),
    ...Array.from({ length: 12 }, (_, i) => `during-${i}`),
  ].sort();
  for (const id of [1, 2, 3]) {
    const listed = await until(`every topic on node ${id}`, () => {
      const r = tool('kafka-topics', ['--bootstrap-server', node(id), '--list']);
      const names = r.stdout
        .trim()
        .split('\n')
        .filter((n) => n && !n.startsWith('__'))
        .sort();
      return expected.every((t) => names.includes(t)) && names;
    });
    assert.deepEqual(listed, expected, `node ${id} has every committed topic`);
  }
  const s = await until('the restarted node back as a voter', () => {
    const st = status(node(old));
    return st !== null && st.MaxFollowerLag === '0' ? st : undefined;
  });
  assert.match(s.CurrentVoters, new RegExp(`"id": ${old}`));
});
