// A process killed with SIGKILL right after acknowledgements loses none of them: `written` resolves only
// once the bytes are in the page cache, which survives the process. Recovery then cuts whatever was torn.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PartitionLog, RealFileSystem } from '../../src/storage/index.js';
import { readAll } from './helpers.js';

test('SIGKILL after acks=1 acknowledgements loses no acknowledged batch', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'samsa-kill-'));
  try {
    const dir = join(tmp, 'killed-0');
    const child = spawn(
      process.execPath,
      [join(dirname(fileURLToPath(import.meta.url)), 'kill-child.js'), dir],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let acked = -1;
    let pending = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        pending += chunk.toString();
        const lines = pending.split('\n');
        pending = lines.pop()!;
        for (const l of lines) acked = Math.max(acked, Number(l));
        if (acked >= 3000 && child.exitCode === null && !child.killed) child.kill('SIGKILL');
      });
      child.on('exit', () => resolve());
    });
    assert.ok(acked >= 3000, `child acknowledged ${acked}`);
    const log = await PartitionLog.open(
      dir,
      { segmentBytes: 64 * 1024 },
      { fs: new RealFileSystem(), recoveryPoint: 0 },
    );
    assert.ok(log.logEndOffset > acked, `log end ${log.logEndOffset}, acknowledged up to ${acked}`);
    const values = (await readAll(log)).map((r) => r.value);
    values.forEach((v, i) => {
      assert.equal(v, `value-${i}-${'p'.repeat(i % 300)}`);
    });
    await log.close();
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
