// MemoryFileSystem: an in-memory FileSystem (fs.ts) that tracks durability, for the embedded in-memory
// broker and as the crash simulator of the tests. Files are copy-on-write pages of up to 64 KiB (a page
// starts at 256 bytes and doubles as it is written); each file keeps
// its content as of the last fsync (sharing the pages not written since) and each directory its entries
// as of the last directory sync. `crash()` keeps only that durable state, or with a random source a torn
// mix of the two, and `failNext` injects errors.
import { posix as pathPosix } from 'node:path';
import { type FileHandle, type FileStat, type FileSystem, FsError, type OpenMode } from './fs.js';

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
    this.writevSync(handle, data, position);
  }

  writevSync(handle: FileHandle, data: readonly Uint8Array[], position: number): boolean {
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
    return true;
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

  /** Every file and directory becomes durable (syncfs); false once crashed. */
  async syncFileSystem(_path: string): Promise<boolean> {
    if (this.generation !== this.shared.generation) return false;
    const syncTree = (dir: MemDir) => {
      dir.durableEntries = new Map(dir.entries);
      dir.dirty = false;
      for (const node of dir.entries.values()) {
        if (node.kind === 'dir') syncTree(node);
        else node.sync();
      }
    };
    syncTree(this.shared.root);
    return true;
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
