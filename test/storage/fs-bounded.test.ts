// BoundedFileSystem: never more descriptors of the file system below than its bound, whatever the
// number of files; evicted files reopen on use; unlinked and replaced files stay readable through
// the handles open on them; renames move handles; callers wait for a slot when all are busy.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BoundedFileSystem, openFilesBound } from '../../src/storage/fs-bounded.js';
import { MemoryFileSystem } from '../../src/storage/fs-memory.js';
import {
  type FileHandle,
  type FileSystem,
  LogManager,
  type OpenMode,
  RealFileSystem,
} from '../../src/storage/index.js';
import { batchOf, readAll } from './helpers.js';

/** The file system below, counting the descriptors it holds now and the most it ever held. */
interface Counted extends FileSystem {
  readonly counts: { open: number; peak: number };
}

function counting(inner: FileSystem): Counted {
  const counts = { open: 0, peak: 0 };
  const hold = (n: number) => {
    counts.open += n;
    counts.peak = Math.max(counts.peak, counts.open);
  };
  const moment =
    <A extends unknown[], T>(fn: (...a: A) => Promise<T>) =>
    async (...a: A): Promise<T> => {
      hold(1);
      try {
        return await fn(...a);
      } finally {
        hold(-1);
      }
    };
  return {
    counts,
    open: async (p: string, m: OpenMode) => {
      const h = await inner.open(p, m);
      hold(1);
      return h;
    },
    close: async (h: FileHandle) => {
      await inner.close(h);
      hold(-1);
    },
    readdir: moment((p: string) => inner.readdir(p)),
    syncDir: moment((p: string) => inner.syncDir(p)),
    rmdir: moment((p: string) => inner.rmdir(p)),
    readFileSync: inner.readFileSync
      ? (p: string, max: number) => {
          hold(1);
          try {
            return inner.readFileSync?.(p, max);
          } finally {
            hold(-1);
          }
        }
      : undefined,
    read: inner.read.bind(inner),
    write: inner.write.bind(inner),
    writev: inner.writev.bind(inner),
    writevSync: inner.writevSync?.bind(inner),
    fsync: inner.fsync.bind(inner),
    truncate: inner.truncate.bind(inner),
    size: inner.size.bind(inner),
    rename: inner.rename.bind(inner),
    unlink: inner.unlink.bind(inner),
    mkdir: inner.mkdir.bind(inner),
    stat: inner.stat.bind(inner),
  };
}

test('many files through a few descriptors: evicted ones reopen, their contents intact', async () => {
  const below = counting(new MemoryFileSystem());
  const fs = new BoundedFileSystem(below, { openFilesMax: 4, idleMs: 0 });
  await fs.mkdir('/d');
  const handles: FileHandle[] = [];
  for (let i = 0; i < 40; i++) {
    const h = await fs.open(`/d/f${i}`, 'create');
    await fs.write(h, Buffer.from(`file ${i}`), 0);
    handles.push(h);
  }
  for (let round = 0; round < 3; round++) {
    await Promise.all(
      handles.map(async (h, i) => {
        const buf = Buffer.alloc(16);
        const n = await fs.read(h, buf, 0, 16, 0);
        assert.equal(buf.subarray(0, n).toString(), `file ${i}`);
      }),
    );
  }
  assert.ok(below.counts.peak <= 4, `at most 4 descriptors below, saw ${below.counts.peak}`);
  assert.ok(fs.stats.evictions > 0 && fs.stats.waits > 0);
  for (const h of handles) await fs.close(h);
  assert.equal(below.counts.open, 0);
  assert.equal(fs.stats.open, 0);
});

test('files last written are evicted after files only read', async () => {
  const below = counting(new MemoryFileSystem());
  const fs = new BoundedFileSystem(below, { openFilesMax: 2, idleMs: 0 });
  await fs.mkdir('/d');
  const active = await fs.open('/d/active', 'create');
  await fs.write(active, Buffer.from('a'), 0);
  await fs.close(await fs.open('/d/old', 'create'));
  const old = await fs.open('/d/old', 'readwrite'); // as a segment is opened, then only read
  await fs.read(old, Buffer.alloc(1), 0, 1, 0);
  const opened = fs.stats.opened;
  // A third file takes a slot: the read one goes, the written one stays.
  const other = await fs.open('/d/other', 'create');
  await fs.write(active, Buffer.from('b'), 1);
  assert.equal(fs.stats.opened, opened + 1, 'the written file kept its descriptor');
  for (const h of [active, old, other]) await fs.close(h);
});

test('a file unlinked or replaced while open stays readable through its handle', async () => {
  const below = counting(new MemoryFileSystem());
  const fs = new BoundedFileSystem(below, { openFilesMax: 1, idleMs: 0 });
  await fs.mkdir('/d');
  const a = await fs.open('/d/a', 'create');
  await fs.write(a, Buffer.from('old a'), 0);
  const b = await fs.open('/d/b', 'create'); // evicts a
  await fs.write(b, Buffer.from('new b'), 0);
  await fs.unlink('/d/a'); // a gets its descriptor back first, and keeps it
  const buf = Buffer.alloc(5);
  await fs.read(a, buf, 0, 5, 0);
  assert.equal(buf.toString(), 'old a');
  assert.equal(fs.stats.pinned, 1);
  const c = await fs.open('/d/c', 'create');
  await fs.write(c, Buffer.from('old c'), 0);
  await fs.rename('/d/b', '/d/c'); // c is replaced: its handle still reads the old file
  await fs.read(c, buf, 0, 5, 0);
  assert.equal(buf.toString(), 'old c');
  await fs.read(b, buf, 0, 5, 0); // b followed its file to /d/c
  assert.equal(buf.toString(), 'new b');
  for (const h of [a, b, c]) await fs.close(h);
  assert.equal(below.counts.open, 0);
  assert.equal(fs.stats.pinned, 0);
});

test('a rename moves the handles open on the old path, directories too', async () => {
  const fs = new BoundedFileSystem(new MemoryFileSystem(), { openFilesMax: 1, idleMs: 0 });
  await fs.mkdir('/d/x');
  const h = await fs.open('/d/x/f', 'create');
  await fs.write(h, Buffer.from('f'), 0);
  const other = await fs.open('/d/other', 'create'); // evicts h
  await fs.rename('/d/x', '/d/y');
  const buf = Buffer.alloc(1);
  await fs.read(h, buf, 0, 1, 0); // reopens /d/y/f
  assert.equal(buf.toString(), 'f');
  await fs.close(h);
  await fs.close(other);
});

test('idle descriptors are closed, and a closed handle refuses use', async () => {
  let now = 0;
  const below = counting(new MemoryFileSystem());
  const fs = new BoundedFileSystem(below, { openFilesMax: 8, idleMs: 1000, now: () => now });
  await fs.mkdir('/d');
  const h = await fs.open('/d/f', 'create');
  now = 500;
  assert.equal(fs.closeIdle(), 0);
  now = 1500;
  assert.equal(fs.closeIdle(), 1);
  await new Promise((r) => setImmediate(r));
  assert.equal(below.counts.open, 0);
  assert.equal(fs.writevSync(h, [Buffer.from('x')], 0), false, 'no descriptor: write asynchronously');
  await fs.write(h, Buffer.from('x'), 0);
  assert.equal(fs.writevSync(h, [Buffer.from('y')], 1), true);
  await fs.close(h);
  await assert.rejects(fs.read(h, Buffer.alloc(1), 0, 1, 0), { code: 'EBADF' });
});

test('the bound is at most half the process limit', () => {
  assert.equal(openFilesBound(10_000, 4096), 2048);
  assert.equal(openFilesBound(10_000, 65_536), 10_000);
  assert.equal(openFilesBound(10_000, null), 10_000);
  assert.equal(openFilesBound(64, 4096), 64);
});

test('300 partitions on disk through 64 descriptors: appended, closed, reopened and read back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-bounded-'));
  const below = counting(new RealFileSystem());
  const fs = new BoundedFileSystem(below, { openFilesMax: 64, idleMs: 0 });
  const fdsBefore = readdirSync('/proc/self/fd').length;
  let fdsPeak = 0;
  const sample = setInterval(() => {
    fdsPeak = Math.max(fdsPeak, readdirSync('/proc/self/fd').length - fdsBefore);
  }, 1);
  try {
    for (let round = 0; round < 2; round++) {
      const opened = await LogManager.open(dir, { fs, scheduler: false });
      assert.equal(opened.kind, 'ok');
      if (opened.kind !== 'ok') return;
      const m = opened.manager;
      const logs = await Promise.all(
        Array.from({ length: 300 }, (_, p) => m.createLog({ topic: 'many', partition: p })),
      );
      await Promise.all(
        logs.map(async (log, p) => {
          const r = log.append(batchOf([`r${round}-p${p}-a`, `r${round}-p${p}-b`]), { leaderEpoch: 0 });
          assert.equal(r.kind, 'appended');
          if (r.kind === 'appended') await r.written;
        }),
      );
      for (const [p, log] of logs.entries()) {
        const values = (await readAll(log)).map((x) => x.value);
        const want = Array.from({ length: round + 1 }, (_, r) => [`r${r}-p${p}-a`, `r${r}-p${p}-b`]).flat();
        assert.deepEqual(values, want);
      }
      await m.close();
    }
  } finally {
    clearInterval(sample);
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(below.counts.peak <= 64, `descriptors held below: ${below.counts.peak}`);
  assert.ok(fdsPeak <= 64 + 8, `descriptors of the process beyond those at the start: ${fdsPeak}`);
  assert.equal(below.counts.open, 0);
});
