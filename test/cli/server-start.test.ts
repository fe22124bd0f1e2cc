// `samsa server start` and `kafka-server-start.sh` as a user runs them: bad configuration is one
// readable line and exit code 1 (no stack trace); SIGTERM and SIGINT stop the broker with exit code 0
// well within 5 seconds.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { removeDataDir, startBrokerProcess } from '../helpers/broker-process.js';
import { repoRoot } from '../helpers/paths.js';
import { run } from '../helpers/tools.js';

const SAMSA = join(repoRoot, 'dist', 'bin', 'samsa.mjs');
const KAFKA_SERVER_START = join(repoRoot, 'bin', 'kafka-server-start.sh');

async function refused(
  args: string[],
  expected: RegExp,
  env: NodeJS.ProcessEnv = {},
  cmd = process.execPath,
): Promise<void> {
  const r = await run(cmd, cmd === process.execPath ? [SAMSA, ...args] : args, { env, timeoutMs: 10_000 });
  assert.equal(r.code, 1, `exit code for ${args.join(' ')}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0], expected);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

test('bad configuration: one clear line naming the problem, exit code 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-cfg-'));
  try {
    await refused(
      ['server', 'start', '--data-dir', dir, '--override', 'num.partition=3'],
      /unknown configuration 'num.partition' \(did you mean 'num.partitions'\?\)/,
    );
    await refused(
      ['server', 'start', '--data-dir', dir, '--override', 'num.partitions=three'],
      /num\.partitions/,
    );
    await refused(
      ['server', 'start', '--data-dir', dir, '--override', 'num.partitions=0'],
      /num\.partitions/,
    );
    await refused(['server', 'start', '--data-dir', dir, '--port', '70000'], /out of range/);
    await refused(['server', 'start', '--data-dir', dir, '--bogus'], /Unknown option '--bogus'/);
    await refused(
      ['server', 'start', '--data-dir', '/etc/passwd/samsa'],
      /log dir \/etc\/passwd\/samsa cannot be created/,
    );
    await refused(['server', 'start', '--data-dir', dir, '--port', '0'], /KAFKA_NUM_PARTITIONS/, {
      KAFKA_NUM_PARTITIONS: 'many',
    });
    const file = join(dir, 'server.properties');
    writeFileSync(
      file,
      'node.id=1\nlisteners=PLAINTEXT://127.0.0.1:0\nlog.dirs=' +
        join(dir, 'logs') +
        '\nlog.retention.hours=soon\n',
    );
    await refused([file], /log\.retention\.hours/, {}, KAFKA_SERVER_START);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a port already in use is one clear line and exit code 1', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const port = (blocker.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'samsa-port-'));
  try {
    await refused(
      [
        'server',
        'start',
        '--data-dir',
        dir,
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--metrics-port',
        '0',
      ],
      new RegExp(`port ${port} is already in use`),
    );
  } finally {
    blocker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a later listener whose port is taken: one line, exit code 1, the earlier listener not kept open', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const port = (blocker.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'samsa-port2-'));
  const file = join(dir, 'server.properties');
  writeFileSync(
    file,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${port}`,
      `listeners=PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      `log.dirs=${join(dir, 'logs')}`,
      '',
    ].join('\n'),
  );
  try {
    const format = await run(
      join(repoRoot, 'bin', 'kafka-storage.sh'),
      ['format', '-t', randomBytes(16).toString('base64url'), '-c', file],
      { timeoutMs: 10_000 },
    );
    assert.equal(format.code, 0, format.stderr);
    // The client listener binds first; the process must still end (it used to stay up on that port).
    await refused(
      [file],
      new RegExp(`listener CONTROLLER: port ${port} is already in use`),
      {},
      KAFKA_SERVER_START,
    );
  } finally {
    blocker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} stops the broker with exit code 0 within 5 s`, async () => {
    const broker = await startBrokerProcess();
    const t0 = performance.now();
    broker.child.kill(signal);
    const code = await broker.exited;
    const elapsedMs = performance.now() - t0;
    removeDataDir(broker.dataDir);
    assert.equal(code, 0);
    assert.ok(elapsedMs < 5000, `took ${elapsedMs.toFixed(0)} ms`);
  });
}
