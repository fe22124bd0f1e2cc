// A dynamic quorum (KIP-853) of processes: three controllers and a broker found through
// controller.quorum.bootstrap.servers. Controller 1 is formatted --standalone (the one voter), 2 and 3
// --no-initial-controllers, and join as observers; kafka-metadata-quorum.sh add-controller makes them
// voters, the quorum then survives the SIGKILL of controller 1, and remove-controller takes a voter out.
// A broker formatted for another cluster is refused with one line.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type ClusterProcesses, freePorts, startClusterProcesses, tool } from '../helpers/cluster-process.js';
import { repoRoot } from '../helpers/paths.js';

let cluster: ClusterProcesses;

before(async () => {
  cluster = await startClusterProcesses(
    ['controller', 'controller', 'controller', 'broker'],
    { 'broker.session.timeout.ms': '4000', 'broker.heartbeat.interval.ms': '500' },
    { quorum: 'dynamic' },
  );
});

after(async () => {
  await cluster?.stopAll();
});

const controller = (id: number) => `127.0.0.1:${cluster.nodes.get(id)?.controllerPort}`;

async function until<T>(
  what: string,
  fn: () => T | undefined | false | null,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** describe --status through the controllers that are up, as "key: value" pairs. */
function status(via = cluster.controllerBootstrap()): Record<string, string> | null {
  const r = tool('kafka-metadata-quorum', ['--bootstrap-controller', via, 'describe', '--status']);
  if (r.code !== 0) return null;
  return Object.fromEntries(
    r.stdout
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
  );
}

const ids = (list: string | undefined) =>
  [...(list ?? '').matchAll(/"id": (\d+)/g)].map((m) => Number(m[1])).sort((a, b) => a - b);

test('format --standalone: controller 1 is the only voter; 2, 3 and the broker follow as observers', async () => {
  const s = await until('the quorum described', () => status(controller(1)));
  assert.equal(s.LeaderId, '1');
  assert.deepEqual(ids(s.CurrentVoters), [1]);
  await until('2, 3 and 4 observing', () => {
    const now = status(controller(1));
    return now && ids(now.CurrentObservers).join() === '2,3,4';
  });
});

test('add-controller makes 2 and then 3 voters (Kafka output)', async () => {
  for (const id of [2, 3]) {
    const file = cluster.nodes.get(id)?.file as string;
    const r = tool('kafka-metadata-quorum', [
      '--bootstrap-controller',
      controller(1),
      '--command-config',
      file,
      'add-controller',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(
        `^Added controller ${id} with directory id [A-Za-z0-9_-]{22} and endpoints: CONTROLLER://127\\.0\\.0\\.1:${cluster.nodes.get(id)?.controllerPort}\\n$`,
      ),
    );
    await until(`voter ${id}`, () => ids(status()?.CurrentVoters).includes(id));
  }
  const s = await until('the quorum described', () => status());
  assert.deepEqual(ids(s.CurrentVoters), [1, 2, 3]);
  assert.deepEqual(ids(s.CurrentObservers), [4]);
});

test('SIGKILL of controller 1: 2 and 3 elect a leader, the broker keeps working', async () => {
  await cluster.signal(1, 'SIGKILL');
  const s = await until('a new leader', () => {
    const now = status();
    return now && ['2', '3'].includes(now.LeaderId) ? now : undefined;
  });
  try {
    assert.deepEqual(ids(s.CurrentVoters), [1, 2, 3]);
    const created = tool('kafka-topics', [
      '--bootstrap-server',
      cluster.bootstrap(),
      '--create',
      '--topic',
      'after-loss',
      '--partitions',
      '2',
    ]);
    assert.equal(created.code, 0, created.stderr);
  } finally {
    await cluster.start(1);
  }
});

test('remove-controller takes a voter out (Kafka output); it goes on as an observer', async () => {
  const replication = tool('kafka-metadata-quorum', [
    '--bootstrap-controller',
    cluster.controllerBootstrap(),
    'describe',
    '--replication',
  ]);
  assert.equal(replication.code, 0, replication.stderr);
  const row = replication.stdout.split('\n').find((l) => l.startsWith('3 '));
  const dir = row?.split(/\s+/)[1] as string;
  assert.match(dir, /^[A-Za-z0-9_-]{22}$/, replication.stdout);
  const r = tool('kafka-metadata-quorum', [
    '--bootstrap-controller',
    cluster.controllerBootstrap(),
    'remove-controller',
    '--controller-id',
    '3',
    '--controller-directory-id',
    dir,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `Removed  KRaft controller 3 with directory id ${dir}\n`);
  await until('3 no longer a voter', () => {
    const s = status();
    return s && ids(s.CurrentVoters).join() === '1,2' && ids(s.CurrentObservers).includes(3);
  });
});

test('a broker formatted for another cluster is refused with one line and exit code 1', async () => {
  const base = readFileSync(cluster.nodes.get(4)?.file as string, 'utf8');
  const dir = mkdtempSync(join(tmpdir(), 'samsa-foreign-'));
  const [port] = await freePorts(1);
  const file = join(dir, 'foreign.properties');
  writeFileSync(
    file,
    base
      .replace(/^node\.id=.*$/m, 'node.id=9')
      .replace(/^log\.dirs=.*$/m, `log.dirs=${join(dir, 'data')}`)
      .replace(/^listeners=.*$/m, `listeners=PLAINTEXT://127.0.0.1:${port}`),
  );
  const other = tool('kafka-storage', ['random-uuid']).stdout.trim();
  assert.equal(tool('kafka-storage', ['format', '-t', other, '-c', file]).code, 0);
  const r = spawnSync(process.execPath, [join(repoRoot, 'dist', 'bin', 'kafka-server-start.mjs'), file], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(
    lines[0],
    // Whichever notices first, the metadata log (fetching as an observer) or the registration, says so.
    new RegExp(
      `node 9 (was formatted for cluster ${other}, but the controller at 127\\.0\\.0\\.1:\\d+ belongs to another cluster|belongs to cluster ${other}, but the controller quorum is another cluster)`,
    ),
  );
});
