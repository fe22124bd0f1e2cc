// The start scripts size the JavaScript heap as Kafka's size the JVM's (KAFKA_HEAP_OPTS): bin/samsa and
// bin/kafka-server-start.sh run node with SAMSA_HEAP_OPTS, by default --initial-heap-size=64 (with
// V8's small initial heap a broker under load ran several full collections a second), and an empty
// SAMSA_HEAP_OPTS leaves V8's defaults.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/paths.js';

/** The node flags of `bin/samsa server start` as the running process has them (from /proc). */
async function startFlags(env: NodeJS.ProcessEnv): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-heap-'));
  const args = [
    'server',
    'start',
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--metrics-port',
    '0',
    '--data-dir',
    dir,
  ];
  const child = spawn(join(repoRoot, 'bin', 'samsa'), args, {
    env: { ...process.env, PATH: `${join(process.execPath, '..')}:${process.env.PATH ?? ''}`, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready:\n${out}`)), 20_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (/ready on/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${out}`)));
    });
    // `exec` in the script: the child is node itself.
    const argv = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0');
    return argv.slice(
      1,
      argv.findIndex((a) => a.endsWith('samsa.mjs')),
    );
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

test('bin/samsa starts node with SAMSA_HEAP_OPTS (default --initial-heap-size=64)', {
  skip: existsSync('/proc/self/cmdline') ? false : 'needs /proc',
}, async () => {
  assert.deepEqual(await startFlags({}), ['--initial-heap-size=64']);
  assert.deepEqual(await startFlags({ SAMSA_HEAP_OPTS: '' }), []);
  assert.deepEqual(await startFlags({ SAMSA_HEAP_OPTS: '--initial-heap-size=32 --max-old-space-size=512' }), [
    '--initial-heap-size=32',
    '--max-old-space-size=512',
  ]);
});
