// Where an embedded broker keeps its data: 'memory' writes nothing to disk at all (every mutating call of
// node:fs is watched while a broker starts, takes records and a group, resets and stops); 'disk' uses a
// temporary directory removed on stop, or a given dataDir kept for a restart.
import assert from 'node:assert/strict';
import fs, { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker } from '../../src/embedded/index.js';
import { MemoryFileSystem } from '../../src/storage/index.js';

const MUTATING = [
  'open',
  'openSync',
  'write',
  'writeSync',
  'writev',
  'writeFile',
  'writeFileSync',
  'appendFile',
  'appendFileSync',
  'mkdir',
  'mkdirSync',
  'mkdtemp',
  'mkdtempSync',
  'rename',
  'renameSync',
  'unlink',
  'unlinkSync',
  'rm',
  'rmSync',
  'rmdir',
  'rmdirSync',
  'truncate',
  'ftruncate',
  'fsync',
  'fdatasync',
  'copyFile',
  'symlink',
  'link',
] as const;
const MUTATING_PROMISES = [
  'open',
  'writeFile',
  'appendFile',
  'mkdir',
  'mkdtemp',
  'rename',
  'unlink',
  'rm',
  'rmdir',
  'truncate',
  'copyFile',
] as const;

type Fn = (...args: unknown[]) => unknown;

/** Records every call of a mutating node:fs function (callback, sync and promise forms) until undone. */
function watchFs(): { calls: string[]; undo: () => void } {
  const calls: string[] = [];
  const saved: [Record<string, unknown>, string, unknown][] = [];
  const wrap = (target: Record<string, unknown>, name: string, label: string) => {
    const original = target[name] as Fn;
    if (typeof original !== 'function') return;
    saved.push([target, name, original]);
    const isOpen = name === 'open' || name === 'openSync';
    target[name] = function (this: unknown, ...args: unknown[]) {
      // Opening for reading only is not a write (module loading may read files).
      const readOnly =
        isOpen &&
        (typeof args[1] !== 'string' && typeof args[1] !== 'number'
          ? true
          : args[1] === 'r' || args[1] === 0);
      if (!readOnly) calls.push(`${label}(${String(args[0])})`);
      return original.apply(this, args);
    };
  };
  for (const name of MUTATING) wrap(fs as unknown as Record<string, unknown>, name, `fs.${name}`);
  for (const name of MUTATING_PROMISES)
    wrap(fs.promises as unknown as Record<string, unknown>, name, `fs.promises.${name}`);
  syncBuiltinESMExports();
  return {
    calls,
    undo: () => {
      for (const [target, name, original] of saved) target[name] = original;
      syncBuiltinESMExports();
    },
  };
}

test("storage 'memory' writes nothing to disk: start, records, a consumer group, reset, stop", async () => {
  const watch = watchFs();
  try {
    const broker = await startBroker({ topics: { t: 2 } });
    const client = new Kafka({ brokers: [broker.bootstrapServers], logLevel: logLevel.NOTHING });
    await broker.produce('t', ['a', 'b', 'c']);
    const producer = client.producer();
    await producer.connect();
    await producer.send({ topic: 't', messages: [{ value: 'd' }] });
    await producer.disconnect();
    const consumer = client.consumer({ groupId: 'g', maxWaitTimeInMs: 50 });
    await consumer.connect();
    await consumer.subscribe({ topics: ['t'], fromBeginning: true });
    let n = 0;
    await consumer.run({ autoCommitInterval: 10, eachMessage: async () => void n++ });
    while (n < 4) await sleep(10);
    await broker.waitForCommittedOffset('g', 't', 0, 1);
    await consumer.disconnect();
    await broker.reset();
    await broker.stop();
    assert.deepEqual(watch.calls, []);
    // The watch does see the broker's file system: a disk broker is caught writing at once.
    const onDisk = await startBroker({ storage: 'disk' });
    await onDisk.stop();
    assert.ok(watch.calls.length > 10, `a disk broker made ${watch.calls.length} calls`);
  } finally {
    watch.undo();
  }
  assert.equal(existsSync('/in-memory'), false);
});

test("storage 'disk' without dataDir: a temporary directory, removed on stop", async () => {
  const before = new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('samsa-embedded-')));
  const broker = await startBroker({ storage: 'disk', topics: { t: 1 } });
  const dir = broker.dataDir;
  assert.ok(dir && !before.has(dir) && existsSync(join(dir, 'meta.properties')));
  await broker.produce('t', ['on disk']);
  assert.ok(existsSync(join(dir, 't-0')));
  await broker.stop();
  assert.equal(existsSync(dir), false);
});

test("storage 'disk' with dataDir: kept on stop, and a restart reads the records and the cluster id back", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-embedded-test-'));
  try {
    const first = await startBroker({ storage: 'disk', dataDir: dir, topics: { t: 1 } });
    await first.produce('t', ['kept']);
    const clusterId = first.clusterId;
    await first.stop();
    assert.ok(existsSync(join(dir, 't-0')));
    await using second = await startBroker({ storage: 'disk', dataDir: dir });
    assert.equal(second.clusterId, clusterId);
    assert.deepEqual(
      (await second.readAll('t', { encoding: 'utf8' })).map((r) => r.value),
      ['kept'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dataDir with storage memory is refused', async () => {
  await assert.rejects(startBroker({ dataDir: '/tmp/x' }), /dataDir is for storage 'disk'/);
});

test('MemoryFileSystem: small pages grow as written and read zeros past what was written', async () => {
  const mfs = new MemoryFileSystem();
  const h = await mfs.open('/f', 'create');
  await mfs.syncDir('/');
  await mfs.write(h, Buffer.from('abc'), 1000);
  await mfs.write(h, Buffer.alloc(70_000, 7), 60_000);
  const out = Buffer.alloc(130_100, 9);
  const n = await mfs.read(h, out, 0, out.length, 0);
  assert.equal(n, 130_000);
  assert.ok(out.subarray(0, 1000).every((b) => b === 0));
  assert.equal(out.subarray(1000, 1003).toString(), 'abc');
  assert.ok(out.subarray(1003, 60_000).every((b) => b === 0));
  assert.ok(out.subarray(60_000, 130_000).every((b) => b === 7));
  await mfs.fsync(h);
  await mfs.write(h, Buffer.from('z'), 5);
  const survivor = mfs.crash();
  const h2 = await survivor.open('/f', 'read');
  const one = Buffer.alloc(1);
  await survivor.read(h2, one, 0, 1, 5);
  assert.equal(one[0], 0, 'the unsynced write is lost; the durable page is untouched');
});
