// The file-system seam. Every byte the log reads or writes goes through a FileSystem, so the same log
// runs on disk (RealFileSystem) and in memory (MemoryFileSystem). MemoryFileSystem is both the storage
// of the embedded in-memory broker and the crash simulator of the tests: it remembers, per file, what
// was written and what was fsynced, and per directory which entries were made durable by a directory
// fsync; `crash()` keeps only the durable state (or, on request, a torn mix of the two).
import * as nodeFs from 'node:fs';
import { posix as pathPosix } from 'node:path';

/** An open file. Opaque: only the FileSystem that returned it may use it. */
export interface FileHandle {
  readonly path: string;
}

export interface FileStat {
  size: number;
  isDirectory: boolean;
  mtimeMs: number;
}

/**
 * How to open a file. `read`: must exist, read only. `readwrite`: must exist. `create`: open or create,
 * keeping the contents. `create-new`: create, failing with EEXIST when it exists. `overwrite`: create or
 * truncate to zero.
 */
export type OpenMode = 'read' | 'readwrite' | 'create' | 'create-new' | 'overwrite';

/** The operations whose next calls `MemoryFileSystem.failNext` can make fail. */
export type FsOp =
  | 'open'
  | 'read'
  | 'write'
  | 'fsync'
  | 'truncate'
  | 'close'
  | 'rename'
  | 'unlink'
  | 'readdir'
  | 'mkdir'
  | 'rmdir'
  | 'stat'
  | 'syncDir';

/** A failed file-system call, with the errno code (`ENOENT`, `ENOSPC`, `EIO`, ...) and the path involved. */
export class FsError extends Error {
  override readonly name = 'FsError';
  constructor(
    readonly code: string,
    readonly syscall: string,
    readonly path: string,
    message?: string,
  ) {
    super(message ?? `${code}: ${syscall} '${path}'`);
  }
}

/** The errno code of an error from a FileSystem, or undefined when it carries none. */
export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export interface FileSystem {
  open(path: string, mode: OpenMode): Promise<FileHandle>;
  /** Reads up to `length` bytes at `position` into `buffer[offset..]`; returns how many were read (0 at end of file). */
  read(
    handle: FileHandle,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<number>;
  /** Writes all of `data` at `position` (short writes are retried). */
  write(handle: FileHandle, data: Uint8Array, position: number): Promise<void>;
  /** Writes all buffers back to back starting at `position`, in one call where the platform allows. */
  writev(handle: FileHandle, data: readonly Uint8Array[], position: number): Promise<void>;
  /** Makes the file's data and size durable (fdatasync). */
  fsync(handle: FileHandle): Promise<void>;
  truncate(handle: FileHandle, size: number): Promise<void>;
  /** Current size of an open file. */
  size(handle: FileHandle): Promise<number>;
  close(handle: FileHandle): Promise<void>;
  /** Atomically renames, replacing `to` when it exists. Durable once the directories are synced. */
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Names in a directory, sorted. */
  readdir(path: string): Promise<string[]>;
  /** Creates a directory and its missing parents; no error when it exists. */
  mkdir(path: string): Promise<void>;
  /** Removes a directory and everything below it; no error when it does not exist. */
  rmdir(path: string): Promise<void>;
  /** null when nothing exists at `path`. */
  stat(path: string): Promise<FileStat | null>;
  /** Makes a directory's entries (creates, renames, unlinks) durable. */
  syncDir(path: string): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// Helpers on top of the seam.

/** Reads a whole file, or returns null when it does not exist. */
export async function readWholeFile(fs: FileSystem, path: string): Promise<Buffer | null> {
  let handle: FileHandle;
  try {
    handle = await fs.open(path, 'read');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return null;
    throw err;
  }
  try {
    const size = await fs.size(handle);
    const out = Buffer.allocUnsafe(size);
    let done = 0;
    while (done < size) {
      const n = await fs.read(handle, out, done, size - done, done);
      if (n === 0) break;
      done += n;
    }
    return done === size ? out : out.subarray(0, done);
  } finally {
    await fs.close(handle);
  }
}

/**
 * Replaces a file atomically: writes `<path>.tmp`, fsyncs it, renames it over `path` and fsyncs the
 * directory, so after a crash the file holds either the old or the new contents, never a mix.
 */
export async function writeFileAtomic(fs: FileSystem, path: string, data: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp`;
  const handle = await fs.open(tmp, 'overwrite');
  try {
    await fs.write(handle, data, 0);
    await fs.fsync(handle);
  } finally {
    await fs.close(handle);
  }
  await fs.rename(tmp, path);
  await fs.syncDir(pathPosix.dirname(path));
}

/**
 * Creates `dir` and its missing parents, and syncs the parent of each directory it created, so the new
 * directories survive a crash. Returns whether anything was created.
 */
export async function mkdirDurable(fs: FileSystem, dir: string): Promise<boolean> {
  const missing: string[] = [];
  let cur = pathPosix.normalize(dir);
  while ((await fs.stat(cur)) === null) {
    missing.push(cur);
    const parent = pathPosix.dirname(cur);
    if (parent === cur) break;
    cur = parent;
  }
  if (missing.length === 0) return false;
  await fs.mkdir(dir);
  for (const d of missing.reverse()) await fs.syncDir(pathPosix.dirname(d));
  return true;
}

/** Reads exactly `length` bytes at `position` (fewer only at end of file). */
export async function readFully(
  fs: FileSystem,
  handle: FileHandle,
  buffer: Uint8Array,
  offset: number,
  length: number,
  position: number,
): Promise<number> {
  let done = 0;
  while (done < length) {
    const n = await fs.read(handle, buffer, offset + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

// ---------------------------------------------------------------------------------------------------
// RealFileSystem: node:fs through libuv's thread pool.

class RealHandle implements FileHandle {
  constructor(
    readonly path: string,
    readonly fd: number,
  ) {}
}

function openFlags(mode: OpenMode): string | number {
  switch (mode) {
    case 'read':
      return 'r';
    case 'readwrite':
      return 'r+';
    case 'create':
      // Not 'a+': O_APPEND would ignore the positions of positional writes.
      return nodeFs.constants.O_RDWR | nodeFs.constants.O_CREAT;
    case 'create-new':
      return 'wx+';
    case 'overwrite':
      return 'w+';
  }
}

function wrap<T>(
  syscall: string,
  path: string,
  run: (cb: (err: Error | null, v?: T) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    run((err, v) => {
      if (err) {
        const code = errorCode(err) ?? 'EIO';
        reject(new FsError(code, syscall, path, err.message));
      } else resolve(v as T);
    });
  });
}

/** The real file system (node:fs, asynchronous, positional reads and writes). */
export class RealFileSystem implements FileSystem {
  async open(path: string, mode: OpenMode): Promise<FileHandle> {
    const fd = await wrap<number>('open', path, (cb) => nodeFs.open(path, openFlags(mode), 0o644, cb));
    return new RealHandle(path, fd);
  }

  read(
    handle: FileHandle,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<number> {
    const h = handle as RealHandle;
    if (length === 0) return Promise.resolve(0);
    return wrap<number>('read', h.path, (cb) => nodeFs.read(h.fd, buffer, offset, length, position, cb));
  }

  async write(handle: FileHandle, data: Uint8Array, position: number): Promise<void> {
    const h = handle as RealHandle;
    let done = 0;
    while (done < data.length) {
      const n = await wrap<number>('write', h.path, (cb) =>
        nodeFs.write(h.fd, data, done, data.length - done, position + done, cb),
      );
      done += n;
    }
  }

  async writev(handle: FileHandle, data: readonly Uint8Array[], position: number): Promise<void> {
    const h = handle as RealHandle;
    let bufs = data as Uint8Array[];
    let total = 0;
    for (const b of bufs) total += b.length;
    let done = 0;
    while (done < total) {
      const n = await wrap<number>('write', h.path, (cb) => nodeFs.writev(h.fd, bufs, position + done, cb));
      done += n;
      if (done < total) bufs = skipBytes(bufs, n);
    }
  }

  fsync(handle: FileHandle): Promise<void> {
    const h = handle as RealHandle;
    return wrap<void>('fsync', h.path, (cb) => nodeFs.fdatasync(h.fd, cb));
  }

  truncate(handle: FileHandle, size: number): Promise<void> {
    const h = handle as RealHandle;
    return wrap<void>('truncate', h.path, (cb) => nodeFs.ftruncate(h.fd, size, cb));
  }

  async size(handle: FileHandle): Promise<number> {
    const h = handle as RealHandle;
    const st = await wrap<nodeFs.Stats>('fstat', h.path, (cb) => nodeFs.fstat(h.fd, cb));
    return st.size;
  }

  close(handle: FileHandle): Promise<void> {
    const h = handle as RealHandle;
    return wrap<void>('close', h.path, (cb) => nodeFs.close(h.fd, cb));
  }

  rename(from: string, to: string): Promise<void> {
    return wrap<void>('rename', from, (cb) => nodeFs.rename(from, to, cb));
  }

  unlink(path: string): Promise<void> {
    return wrap<void>('unlink', path, (cb) => nodeFs.unlink(path, cb));
  }

  async readdir(path: string): Promise<string[]> {
    const names = await wrap<string[]>('readdir', path, (cb) => nodeFs.readdir(path, cb));
    return names.sort();
  }

  async mkdir(path: string): Promise<void> {
    await wrap<string | undefined>('mkdir', path, (cb) => nodeFs.mkdir(path, { recursive: true }, cb));
  }

  rmdir(path: string): Promise<void> {
    return wrap<void>('rmdir', path, (cb) => nodeFs.rm(path, { recursive: true, force: true }, cb));
  }

  async stat(path: string): Promise<FileStat | null> {
    try {
      const st = await wrap<nodeFs.Stats>('stat', path, (cb) => nodeFs.stat(path, cb));
      return { size: st.size, isDirectory: st.isDirectory(), mtimeMs: st.mtimeMs };
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return null;
      throw err;
    }
  }

  async syncDir(path: string): Promise<void> {
    const fd = await wrap<number>('open', path, (cb) => nodeFs.open(path, 'r', cb));
    try {
      await wrap<void>('fsync', path, (cb) => nodeFs.fsync(fd, cb));
    } finally {
      await wrap<void>('close', path, (cb) => nodeFs.close(fd, cb));
    }
  }
}

function skipBytes(bufs: Uint8Array[], n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let skip = n;
  for (const b of bufs) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    out.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// MemoryFileSystem.

const PAGE_BYTES = 64 * 1024;
const ZERO_PAGE = Buffer.alloc(PAGE_BYTES);
/** A page starts this small and doubles as it is written further: small files stay small. */
const PAGE_BYTES_MIN = 256;

/**
 * A file's contents as copy-on-write pages. `durable` is the content as of the last fsync; pages are
 * shared between the two until written, so keeping the durable view costs only what changed since. A
 * page may be shorter than PAGE_BYTES: what lies past its end reads as zeros.
 */
class MemFile {
  readonly kind = 'file';
  pages: (Buffer | undefined)[] = [];
  size = 0;
  durablePages: (Buffer | undefined)[] = [];
  durableSize = 0;
  /** Set by every change after the last fsync. */
  dirty = false;
  mtimeMs: number;
  constructor(now: number) {
    this.mtimeMs = now;
  }

  read(target: Uint8Array, offset: number, length: number, position: number): number {
    const n = Math.max(0, Math.min(length, this.size - position));
    let done = 0;
    while (done < n) {
      const pos = position + done;
      const page = this.pages[Math.floor(pos / PAGE_BYTES)] ?? ZERO_PAGE;
      const inPage = pos % PAGE_BYTES;
      const take = Math.min(PAGE_BYTES - inPage, n - done);
      const stored = Math.max(0, Math.min(take, page.length - inPage));
      if (stored > 0) target.set(page.subarray(inPage, inPage + stored), offset + done);
      if (stored < take) target.fill(0, offset + done + stored, offset + done + take);
      done += take;
    }
    return n;
  }

  write(data: Uint8Array, position: number): void {
    let done = 0;
    while (done < data.length) {
      const pos = position + done;
      const index = Math.floor(pos / PAGE_BYTES);
      const inPage = pos % PAGE_BYTES;
      const take = Math.min(PAGE_BYTES - inPage, data.length - done);
      let page = this.pages[index];
      if (page === undefined || page.length < inPage + take) {
        page = grownPage(page, inPage + take);
        this.pages[index] = page;
      } else if (page === this.durablePages[index]) {
        page = Buffer.from(page);
        this.pages[index] = page;
      }
      page.set(data.subarray(done, done + take), inPage);
      done += take;
    }
    this.size = Math.max(this.size, position + data.length);
    this.dirty = true;
  }

  truncate(size: number): void {
    if (size < this.size) {
      const keepPages = Math.ceil(size / PAGE_BYTES);
      this.pages.length = Math.min(this.pages.length, keepPages);
      const tail = size % PAGE_BYTES;
      const last = keepPages - 1;
      if (tail !== 0 && this.pages[last] !== undefined) {
        // Zero the cut-off part of the last page so a later extension reads zeros.
        let page = this.pages[last]!;
        if (page === this.durablePages[last]) {
          page = Buffer.from(page);
          this.pages[last] = page;
        }
        page.fill(0, tail);
      }
    }
    this.size = size;
    this.dirty = true;
  }

  sync(): void {
    this.durablePages = this.pages.slice();
    this.durableSize = this.size;
    this.dirty = false;
  }

  /** Reverts to the durable content; with `rng`, keeps a random prefix of what was written since (a torn write). */
  crash(rng: (() => number) | undefined, garbage: boolean): void {
    if (!this.dirty) return;
    const current = this.pages;
    const currentSize = this.size;
    this.pages = this.durablePages.slice();
    this.size = this.durableSize;
    if (rng && currentSize > this.durableSize && rng() < 0.75) {
      const keep = this.durableSize + Math.floor(rng() * (currentSize - this.durableSize + 1));
      // Copy the surviving part of the unsynced tail from the pre-crash pages.
      const tmp = Buffer.allocUnsafe(keep - this.durableSize);
      const saved = this.pages;
      this.pages = current;
      this.size = currentSize;
      this.read(tmp, 0, tmp.length, this.durableSize);
      this.pages = saved;
      this.size = this.durableSize;
      if (garbage && tmp.length > 0 && rng() < 0.5) {
        const from = Math.floor(rng() * tmp.length);
        for (let i = from; i < tmp.length; i++) tmp[i] = Math.floor(rng() * 256);
      }
      this.write(tmp, this.durableSize);
    }
    this.sync();
  }
}

/** A page holding at least `bytes` (zeros past the old content); a new buffer, so never a durable page. */
function grownPage(page: Buffer | undefined, bytes: number): Buffer {
  let size = Math.max(PAGE_BYTES_MIN, page?.length ?? 0);
  while (size < bytes) size *= 2;
  const grown = Buffer.alloc(Math.min(PAGE_BYTES, size));
  if (page) page.copy(grown);
  return grown;
}

class MemDir {
  readonly kind = 'dir';
  entries = new Map<string, MemNode>();
  durableEntries = new Map<string, MemNode>();
  dirty = false;
  mtimeMs: number;
  constructor(now: number) {
    this.mtimeMs = now;
  }
}

type MemNode = MemFile | MemDir;

class MemHandle implements FileHandle {
  closed = false;
  constructor(
    readonly path: string,
    readonly file: MemFile,
    readonly writable: boolean,
    readonly generation: number,
  ) {}
}

export interface MemoryFileSystemOptions {
  /** Clock for modification times (default Date.now). */
  now?: () => number;
  /** Total bytes of file data allowed; writes beyond fail with ENOSPC (default unlimited). */
  capacityBytes?: number;
}

export interface CrashOptions {
  /**
   * Without a random source every file reverts to its last fsynced state and every directory to its last
   * synced entries. With one, each file keeps a random prefix of its unsynced appends and each unsynced
   * directory change survives or not at random, as after a power cut on a real disk.
   */
  rng?: () => number;
  /** With `rng`: sometimes fill the surviving unsynced tail with random bytes. */
  garbage?: boolean;
}

interface Shared {
  root: MemDir;
  generation: number;
  usedBytes: number;
}

/**
 * An in-memory FileSystem that tracks durability. Reads and writes copy into 64 KiB copy-on-write pages.
 * Entries in a directory become durable on `syncDir` of that directory; file contents on `fsync`.
 */
export class MemoryFileSystem implements FileSystem {
  private readonly now: () => number;
  private readonly capacityBytes: number;
  private readonly shared: Shared;
  private readonly generation: number;
  private failures: { op: FsOp; code: string; times: number }[] = [];

  constructor(options: MemoryFileSystemOptions = {}, shared?: Shared) {
    this.now = options.now ?? Date.now;
    this.capacityBytes = options.capacityBytes ?? Number.POSITIVE_INFINITY;
    this.shared = shared ?? { root: new MemDir(this.now()), generation: 0, usedBytes: 0 };
    this.generation = this.shared.generation;
  }

  /** Makes the next `times` calls of `op` fail with `code` (e.g. 'ENOSPC', 'EIO'). */
  failNext(op: FsOp, code: 'ENOSPC' | 'EIO' | 'EACCES' | 'EROFS' | string, times = 1): void {
    this.failures.push({ op, code, times });
  }

  /** Cancels every pending injected failure. */
  clearFailures(): void {
    this.failures = [];
  }

  /**
   * Simulates a power cut: everything not made durable is lost (or torn, see CrashOptions). This instance
   * is dead afterwards (every call fails with EIO, so code still running from before the crash cannot
   * touch the surviving state); use the returned file system, which sees the surviving state.
   */
  crash(options: CrashOptions = {}): MemoryFileSystem {
    this.shared.generation++;
    crashDir(this.shared.root, options);
    this.shared.usedBytes = usedBytes(this.shared.root);
    return new MemoryFileSystem({ now: this.now, capacityBytes: this.capacityBytes }, this.shared);
  }

  /** Total bytes of file data held (current state). */
  get usedBytes(): number {
    return this.shared.usedBytes;
  }

  private check(op: FsOp, path: string): void {
    if (this.generation !== this.shared.generation) throw new FsError('EIO', op, path, 'file system crashed');
    const f = this.failures.find((x) => x.op === op);
    if (f) {
      f.times--;
      if (f.times <= 0) this.failures.splice(this.failures.indexOf(f), 1);
      throw new FsError(f.code, op, path, `${f.code}: ${op} '${path}' (injected)`);
    }
  }

  private lookup(path: string): MemNode | undefined {
    let node: MemNode = this.shared.root;
    for (const part of splitPath(path)) {
      if (node.kind !== 'dir') return undefined;
      const next = node.entries.get(part);
      if (next === undefined) return undefined;
      node = next;
    }
    return node;
  }

  private parentOf(path: string, syscall: string): { dir: MemDir; name: string } {
    const parts = splitPath(path);
    const name = parts.pop();
    if (name === undefined) throw new FsError('EISDIR', syscall, path);
    const dir = this.lookup(`/${parts.join('/')}`);
    if (dir === undefined) throw new FsError('ENOENT', syscall, path);
    if (dir.kind !== 'dir') throw new FsError('ENOTDIR', syscall, path);
    return { dir, name };
  }

  private handle(h: FileHandle, op: FsOp): MemHandle {
    const mh = h as MemHandle;
    this.check(op, mh.path);
    if (mh.closed || mh.generation !== this.shared.generation) throw new FsError('EBADF', op, mh.path);
    return mh;
  }

  async open(path: string, mode: OpenMode): Promise<FileHandle> {
    this.check('open', path);
    const { dir, name } = this.parentOf(path, 'open');
    let node = dir.entries.get(name);
    if (node?.kind === 'dir') throw new FsError('EISDIR', 'open', path);
    if (mode === 'create-new' && node) throw new FsError('EEXIST', 'open', path);
    if (!node) {
      if (mode === 'read' || mode === 'readwrite') throw new FsError('ENOENT', 'open', path);
      node = new MemFile(this.now());
      dir.entries.set(name, node);
      dir.dirty = true;
    } else if (mode === 'overwrite') {
      this.shared.usedBytes -= node.size;
      node.truncate(0);
    }
    return new MemHandle(path, node, mode !== 'read', this.generation);
  }

  async read(handle: FileHandle, buffer: Uint8Array, offset: number, length: number, position: number) {
    const h = this.handle(handle, 'read');
    return h.file.read(buffer, offset, length, position);
  }

  async write(handle: FileHandle, data: Uint8Array, position: number): Promise<void> {
    const h = this.handle(handle, 'write');
    if (!h.writable) throw new FsError('EBADF', 'write', h.path);
    this.reserve(h, position + data.length);
    h.file.write(data, position);
    h.file.mtimeMs = this.now();
  }

  async writev(handle: FileHandle, data: readonly Uint8Array[], position: number): Promise<void> {
    const h = this.handle(handle, 'write');
    if (!h.writable) throw new FsError('EBADF', 'write', h.path);
    let total = 0;
    for (const b of data) total += b.length;
    this.reserve(h, position + total);
    let pos = position;
    for (const b of data) {
      h.file.write(b, pos);
      pos += b.length;
    }
    h.file.mtimeMs = this.now();
  }

  private reserve(h: MemHandle, end: number): void {
    const growth = Math.max(0, end - h.file.size);
    if (this.shared.usedBytes + growth > this.capacityBytes) throw new FsError('ENOSPC', 'write', h.path);
    this.shared.usedBytes += growth;
  }

  async fsync(handle: FileHandle): Promise<void> {
    const h = this.handle(handle, 'fsync');
    h.file.sync();
  }

  async truncate(handle: FileHandle, size: number): Promise<void> {
    const h = this.handle(handle, 'truncate');
    if (!h.writable) throw new FsError('EBADF', 'truncate', h.path);
    this.shared.usedBytes += size - h.file.size;
    h.file.truncate(size);
    h.file.mtimeMs = this.now();
  }

  async size(handle: FileHandle): Promise<number> {
    const h = this.handle(handle, 'stat');
    return h.file.size;
  }

  async close(handle: FileHandle): Promise<void> {
    const mh = handle as MemHandle;
    if (mh.generation === this.shared.generation) this.check('close', mh.path);
    mh.closed = true;
  }

  async rename(from: string, to: string): Promise<void> {
    this.check('rename', from);
    const src = this.parentOf(from, 'rename');
    const node = src.dir.entries.get(src.name);
    if (!node) throw new FsError('ENOENT', 'rename', from);
    const dst = this.parentOf(to, 'rename');
    const existing = dst.dir.entries.get(dst.name);
    if (existing?.kind === 'dir' && node.kind !== 'dir') throw new FsError('EISDIR', 'rename', to);
    if (existing?.kind === 'dir' && existing.entries.size > 0 && existing !== node) {
      throw new FsError('ENOTEMPTY', 'rename', to);
    }
    if (existing?.kind === 'file' && existing !== node) this.forget(existing);
    src.dir.entries.delete(src.name);
    dst.dir.entries.set(dst.name, node);
    src.dir.dirty = true;
    dst.dir.dirty = true;
  }

  async unlink(path: string): Promise<void> {
    this.check('unlink', path);
    const { dir, name } = this.parentOf(path, 'unlink');
    const node = dir.entries.get(name);
    if (!node) throw new FsError('ENOENT', 'unlink', path);
    if (node.kind === 'dir') throw new FsError('EISDIR', 'unlink', path);
    dir.entries.delete(name);
    dir.dirty = true;
    this.forget(node);
  }

  /** Accounts for the bytes of a file that is no longer reachable (an approximation with open handles). */
  private forget(file: MemFile): void {
    this.shared.usedBytes -= file.size;
  }

  async readdir(path: string): Promise<string[]> {
    this.check('readdir', path);
    const node = this.lookup(path);
    if (!node) throw new FsError('ENOENT', 'readdir', path);
    if (node.kind !== 'dir') throw new FsError('ENOTDIR', 'readdir', path);
    return [...node.entries.keys()].sort();
  }

  async mkdir(path: string): Promise<void> {
    this.check('mkdir', path);
    let node: MemDir = this.shared.root;
    for (const part of splitPath(path)) {
      const next = node.entries.get(part);
      if (next === undefined) {
        const dir = new MemDir(this.now());
        node.entries.set(part, dir);
        node.dirty = true;
        node = dir;
      } else if (next.kind === 'dir') node = next;
      else throw new FsError('ENOTDIR', 'mkdir', path);
    }
  }

  async rmdir(path: string): Promise<void> {
    this.check('rmdir', path);
    const { dir, name } = this.parentOf(path, 'rmdir');
    const node = dir.entries.get(name);
    if (!node) return;
    dir.entries.delete(name);
    dir.dirty = true;
    this.shared.usedBytes -= usedBytes(node);
  }

  async stat(path: string): Promise<FileStat | null> {
    this.check('stat', path);
    const node = this.lookup(path);
    if (!node) return null;
    if (node.kind === 'dir') return { size: 0, isDirectory: true, mtimeMs: node.mtimeMs };
    return { size: node.size, isDirectory: false, mtimeMs: node.mtimeMs };
  }

  async syncDir(path: string): Promise<void> {
    this.check('syncDir', path);
    const node = this.lookup(path);
    if (!node) throw new FsError('ENOENT', 'syncDir', path);
    if (node.kind !== 'dir') throw new FsError('ENOTDIR', 'syncDir', path);
    node.durableEntries = new Map(node.entries);
    node.dirty = false;
  }
}

function splitPath(path: string): string[] {
  return pathPosix
    .normalize(path)
    .split('/')
    .filter((p) => p !== '' && p !== '.');
}

function usedBytes(node: MemNode): number {
  if (node.kind === 'file') return node.size;
  let total = 0;
  for (const child of node.entries.values()) total += usedBytes(child);
  return total;
}

function crashDir(dir: MemDir, options: CrashOptions, seen = new Set<MemNode>()): void {
  if (dir.dirty) {
    if (options.rng) {
      const rng = options.rng;
      const names = new Set([...dir.entries.keys(), ...dir.durableEntries.keys()]);
      const next = new Map<string, MemNode>();
      for (const name of [...names].sort()) {
        const cur = dir.entries.get(name);
        const old = dir.durableEntries.get(name);
        const pick = cur === old || rng() < 0.5 ? cur : old;
        if (pick) next.set(name, pick);
      }
      dir.entries = next;
    } else {
      dir.entries = new Map(dir.durableEntries);
    }
    dir.durableEntries = new Map(dir.entries);
    dir.dirty = false;
  }
  for (const child of dir.entries.values()) {
    if (seen.has(child)) continue;
    seen.add(child);
    if (child.kind === 'dir') crashDir(child, options, seen);
    else child.crash(options.rng, options.garbage ?? false);
  }
}
