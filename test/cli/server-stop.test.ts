// kafka-server-stop.sh stops a broker started with kafka-server-start.sh. The test names its
// broker by a node id no other broker on this machine uses, so it never stops anyone else's.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, tool } from './cli-helpers.js';

test('kafka-server-stop.sh --node-id=N stops that broker cleanly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-stop-'));
  const nodeId = 7000 + Math.floor(Math.random() * 2000);
  const config = join(dir, 'server.properties');
  writeFileSync(
    config,
    `process.roles=broker,controller\nnode.id=${nodeId}\ncontroller.quorum.voters=${nodeId}@127.0.0.1:0\n` +
      `listeners=PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0\ncontroller.listener.names=CONTROLLER\nmetrics.port=0\nlog.dirs=${join(dir, 'logs')}\n`,
  );
  const child = spawn(join(BIN, 'kafka-server-start.sh'), [config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`broker not ready:\n${out}`)), 15_000);
      child.stdout.on('data', () => {
        if (/ready on/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', () => reject(new Error(`broker exited:\n${out}`)));
    });
    const stop = await tool('kafka-server-stop.sh', [`--node-id=${nodeId}`]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(await exited, 0, out);
    assert.match(out, new RegExp(`Samsa broker ${nodeId} stopping \\(SIGTERM\\)`));
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
  const help = await tool('kafka-server-stop.sh', ['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--node-id=N/);
});
