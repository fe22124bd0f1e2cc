// `samsa server start --memory`: the embedded broker's storage from the command line. It takes records
// like any broker and leaves nothing behind: no ./data, no meta.properties; and under strace, not one
// file is created, written, renamed or removed.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { repoRoot } from '../helpers/paths.js';
import { needs } from '../helpers/tools.js';

const TRACED =
  'openat,open,creat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,rmdir,truncate,link,linkat,symlink,symlinkat';

async function memoryBroker(traced: boolean): Promise<void> {
  const cwd = mkdtempSync(join(tmpdir(), 'samsa-memory-cli-'));
  const trace = join(tmpdir(), `samsa-memory-cli-${process.pid}.trace`);
  const samsa = [
    join(repoRoot, 'dist', 'bin', 'samsa.mjs'),
    'server',
    'start',
    '--memory',
    '--port',
    '0',
    '--host',
    '127.0.0.1',
  ];
  const [command, args] = traced
    ? ['strace', ['-f', '-qq', '-e', `trace=${TRACED}`, '-o', trace, process.execPath, ...samsa]]
    : [process.execPath, samsa];
  const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no ready line: ${out}`)), 20_000);
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /ready on \w+:\/\/[^:]+:(\d+) \(cluster \S+, in memory\)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    });
    const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const [r] = await producer.send({ topic: 'kept-in-memory', messages: [{ value: 'x' }, { value: 'y' }] });
    await producer.disconnect();
    assert.equal(r.errorCode, 0);
    const admin = kafka.admin();
    await admin.connect();
    const [offsets] = await admin.fetchTopicOffsets('kept-in-memory');
    await admin.disconnect();
    assert.equal(offsets.high, '2');
  } finally {
    process.kill(-(child.pid as number), 'SIGTERM');
  }
  assert.equal(await exited, 0);
  try {
    assert.deepEqual(readdirSync(cwd), [], 'nothing in the working directory (no ./data)');
    if (traced) {
      const writes = readFileSync(trace, 'utf8')
        .split('\n')
        .filter((l) => /O_CREAT|O_WRONLY|O_RDWR|mkdir|rename|unlink|rmdir|truncate|link\(/.test(l))
        .filter((l) => !/= -1 E/.test(l));
      assert.deepEqual(writes, [], 'no file created, written, renamed or removed');
    }
  } finally {
    rmSync(cwd, { recursive: true, force: true });
    rmSync(trace, { force: true });
  }
}

test('--memory: a broker that takes records and leaves no file behind', async () => {
  await memoryBroker(false);
});

test('--memory under strace: not one file created, written, renamed or removed', async (t) => {
  if (!needs(t, 'strace')) return;
  await memoryBroker(true);
});

test('--memory refuses --data-dir', () => {
  const r = spawnSync(
    process.execPath,
    [join(repoRoot, 'dist', 'bin', 'samsa.mjs'), 'server', 'start', '--memory', '--data-dir', '/tmp/x'],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--memory keeps nothing on disk/);
});
