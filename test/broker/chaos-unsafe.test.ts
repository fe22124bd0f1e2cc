// SAMSA_CHAOS_UNSAFE, the deliberately broken setting only the chaos lab turns on: unset it changes
// nothing, an unknown value is refused, and ack-before-write really acknowledges segment writes
// before they reach the file system (which is what the lab's checker must then catch).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CHAOS_UNSAFE_ENV, chaosUnsafeMode, withChaosUnsafe } from '../../src/broker/chaos-unsafe.js';
import { Logger } from '../../src/broker/logger.js';
import { MemoryFileSystem, readWholeFile } from '../../src/storage/index.js';

const quiet = Logger.create({ level: 'error' });

test('unset or empty, the broker keeps its own file system', () => {
  const fs = new MemoryFileSystem();
  assert.equal(withChaosUnsafe(fs, quiet, {}), fs);
  assert.equal(withChaosUnsafe(fs, quiet, { [CHAOS_UNSAFE_ENV]: '' }), fs);
  assert.equal(chaosUnsafeMode({}), null);
});

test('an unknown mode is refused, naming the known ones', () => {
  assert.throws(
    () => chaosUnsafeMode({ [CHAOS_UNSAFE_ENV]: 'ack-before-wirte' }),
    /not a known mode \(ack-before-write, ack-before-replication\)/,
  );
});

test('ack-before-write: a segment write is acknowledged at once and lands about a second later', async () => {
  const inner = new MemoryFileSystem();
  const fs = withChaosUnsafe(inner, quiet, { [CHAOS_UNSAFE_ENV]: 'ack-before-write' });
  assert.notEqual(fs, inner);
  await fs.mkdir('/d/t-0');
  const seg = await fs.open('/d/t-0/00000000000000000000.log', 'create');
  const started = Date.now();
  await fs.writev(seg, [Buffer.from('acked'), Buffer.from('-early')], 0);
  await fs.fsync(seg);
  assert.ok(Date.now() - started < 200, 'the write and its fsync report success without waiting');
  assert.equal(
    (await readWholeFile(inner, '/d/t-0/00000000000000000000.log'))?.length ?? 0,
    0,
    'nothing written yet',
  );
  // A read through the broker's view waits for the write, so the broker itself sees its own data.
  const buf = Buffer.alloc(11);
  assert.equal(await fs.read(seg, buf, 0, 11, 0), 11);
  assert.equal(buf.toString(), 'acked-early');
  assert.ok(Date.now() - started >= 900, 'the read waited for the late write');
  // Other files (checkpoints, the metadata log) are written as usual.
  const cp = await fs.open('/d/recovery-point-offset-checkpoint', 'create');
  await fs.write(cp, Buffer.from('0'), 0);
  assert.equal((await readWholeFile(inner, '/d/recovery-point-offset-checkpoint'))?.toString(), '0');
  await fs.close(seg);
  await fs.close(cp);
  await sleep(10);
});
