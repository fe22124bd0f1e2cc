// BoundedFileSystem: a FileSystem that never holds more than `openFilesMax` descriptors of the file
// system below it, whatever the number of partitions. The handles it gives out are virtual: each
// keeps its path and mode, and holds a real descriptor only while it is cached. Descriptors are
// cached in least-recently-used order, closed when evicted (to make room for another file) or when
// idle for `idleMs`, and reopened on the next use. Files last written are evicted after those only
// read, so the active segment a partition appends to stays open as long as possible. Calls that
// need a descriptor for a moment (reading a directory, syncing one, removing a tree) take a slot too.
// When every slot is in use by a call in flight, a new call waits for one.
//
// POSIX keeps an open file readable after it is unlinked or replaced by a rename; a closed one
// cannot be reopened then. So before a path (or a directory above it) is unlinked, replaced or
// removed, the handles open on it get a descriptor back if they had lost theirs, and keep it until
// they are closed ("pinned", outside the bound: only files deleted while a read or a compaction
// still uses them, for as long as it does). A rename moves the handles open on the old path to the
// new one.
import { readFileSync } from 'node:fs';
import { posix as path } from 'node:path';
import { type FileHandle, type FileStat, type FileSystem, FsError, type OpenMode } from './fs.js';

export interface BoundedFileSystemOptions {
  /** Descriptors held at most (beyond the pinned ones above). At least 1. */
  openFilesMax: number;
  /** Close a cached descriptor unused this long; 0 keeps them until evicted. Default 60 s. */
  idleMs?: number;
  now?: () => number;
}

/** What /metrics shows of the cache. */
export interface OpenFileStats {
  /** Descriptors held now (cached, being opened or closed, lent to a call, or pinned). */
  open: number;
  openFilesMax: number;
  /** Descriptors opened since the start (first opens and reopens). */
  opened: number;
  /** Descriptors closed to make room for another file. */
  evictions: number;
  /** Descriptors closed after idleMs without use. */
  idleCloses: number;
  /** Calls that waited for a free slot. */
  waits: number;
  /** Of `open`, descriptors of files unlinked or replaced while open: kept until closed, beyond the bound. */
  pinned: number;
}

export const DEFAULT_OPEN_FILE_IDLE_MS = 60_000;
/** The least bound openFilesBound gives, however low the process limit. */
const OPEN_FILES_MIN = 4;

/** This process's soft limit on open files (ulimit -n), from /proc; null where it cannot be read. */
export function processOpenFilesLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!m) return null;
    return m[1] === 'unlimited' ? null : Number(m[1]);
  } catch {
    return null;
  }
}

/**
 * The descriptors the logs may hold: the configured bound, but at most half the process limit, so the
 * other half stays for connections, the listener and the process's own files.
 */
export function openFilesBound(configured: number, processLimit: number | null): number {
  if (processLimit === null) return configured;
  return Math.max(OPEN_FILES_MIN, Math.min(configured, Math.floor(processLimit / 2)));
}

class BoundedHandle implements FileHandle {
  inner: FileHandle | null = null;
  /** A reopen in progress, shared by the calls that need it. */
  reopening: Promise<FileHandle> | null = null;
  /** Calls in flight using `inner`: it is not evicted meanwhile. */
  busy = 0;
  lastUsedMs = 0;
  /** Last used to write: evicted after handles only read. */
  written = false;
  /** Its file was unlinked or replaced: it keeps its descriptor until closed. */
  pinned = false;
  closed = false;
  // Links of the LRU list it is on (null when off it).
  prev: BoundedHandle | null = null;
  next: BoundedHandle | null = null;
  list: LruList | null = null;
  /** The keys it is registered under (its path and the directories above it). */
  keys: string[] = [];

  constructor(
    public path: string,
    readonly reopenMode: OpenMode,
  ) {}
}

/** A doubly linked list, least recently used first. */
class LruList {
  head: BoundedHandle | null = null;
  tail: BoundedHandle | null = null;

  push(h: BoundedHandle): void {
    h.list = this;
    h.prev = this.tail;
    h.next = null;
    if (this.tail) this.tail.next = h;
    else this.head = h;
    this.tail = h;
  }

  remove(h: BoundedHandle): void {
    if (h.prev) h.prev.next = h.next;
    else this.head = h.next;
    if (h.next) h.next.prev = h.prev;
    else this.tail = h.prev;
    h.prev = h.next = null;
    h.list = null;
  }

  /** The least recently used handle that may be closed now. */
  victim(): BoundedHandle | null {
    for (let h = this.head; h; h = h.next) if (h.busy === 0 && !h.pinned && !h.reopening) return h;
    return null;
  }
}

function reopenModeOf(mode: OpenMode): OpenMode {
  return mode === 'read' ? 'read' : 'readwrite';
}

/** `p` and the directories above it. */
function selfAndAncestors(p: string): string[] {
  const out = [p];
  for (let d = path.dirname(p); d !== out[out.length - 1]; d = path.dirname(d)) out.push(d);
  return out;
}

export class BoundedFileSystem implements FileSystem {
  readonly openFilesMax: number;
  private readonly idleMs: number;
  private readonly now: () => number;
  /** Handles with a cached descriptor: read-only use, and written to. */
  private readonly readLru = new LruList();
  private readonly writeLru = new LruList();
  /**
   * Every open handle under its path and under each directory above it, so the handles a rename or
   * a removal touches are found without a scan of all of them.
   */
  private readonly byPath = new Map<string, Set<BoundedHandle>>();
  private readonly waiters: (() => void)[] = [];
  private held = 0;
  private pinned = 0;
  private sweeper: NodeJS.Timeout | null = null;
  private readonly counts = { opened: 0, evictions: 0, idleCloses: 0, waits: 0 };

  constructor(
    private readonly inner: FileSystem,
    options: BoundedFileSystemOptions,
  ) {
    this.openFilesMax = Math.max(1, Math.floor(options.openFilesMax));
    this.idleMs = options.idleMs ?? DEFAULT_OPEN_FILE_IDLE_MS;
    this.now = options.now ?? Date.now;
  }

  get stats(): OpenFileStats {
    return {
      open: this.held + this.pinned,
      openFilesMax: this.openFilesMax,
      pinned: this.pinned,
      ...this.counts,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Slots: one per descriptor held.

  /** Takes a slot, evicting the least recently used idle descriptor when all are taken, else waiting. */
  private async acquireSlot(): Promise<void> {
    if (this.held < this.openFilesMax) {
      this.held++;
      return;
    }
    const victim = this.readLru.victim() ?? this.writeLru.victim();
    if (victim) {
      this.counts.evictions++;
      await this.closeInner(victim, false); // its slot passes to us
      return;
    }
    this.counts.waits++;
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Gives a slot back: to the first waiter, else to the pool. */
  private releaseSlot(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.held--;
  }

  /** A call finished with a handle: a waiter may take its slot now. */
  private offerSlots(): void {
    while (this.waiters.length > 0) {
      const victim = this.readLru.victim() ?? this.writeLru.victim();
      if (!victim) return;
      this.counts.evictions++;
      const waiter = this.waiters.shift()!;
      void this.closeInner(victim, false).then(waiter);
    }
  }

  /** Closes a handle's descriptor; `free` gives the slot back, else the caller takes it over. */
  private async closeInner(h: BoundedHandle, free: boolean): Promise<void> {
    const fd = h.inner;
    h.inner = null;
    h.list?.remove(h);
    try {
      if (fd) await this.inner.close(fd);
    } catch {
      // A failed close still frees the descriptor (POSIX), and there is nothing to retry.
    } finally {
      if (free) this.releaseSlot();
    }
  }

  /**
   * Runs `fn` with a descriptor of `h`, reopening it first if it was evicted. A write moves the handle
   * to the list evicted last; a read leaves it where it is.
   */
  private async use<T>(h: BoundedHandle, write: boolean, fn: (fd: FileHandle) => Promise<T>): Promise<T> {
    if (h.closed) throw new FsError('EBADF', 'use', h.path, `file handle of '${h.path}' is closed`);
    h.busy++;
    try {
      const fd = h.inner ?? (await this.reopen(h));
      return await fn(fd);
    } finally {
      h.busy--;
      this.touch(h, write || h.written);
    }
  }

  private reopen(h: BoundedHandle): Promise<FileHandle> {
    if (!h.reopening) {
      h.reopening = (async () => {
        await this.acquireSlot();
        let fd: FileHandle;
        try {
          fd = await this.inner.open(h.path, h.reopenMode);
        } catch (err) {
          this.releaseSlot();
          throw err;
        }
        this.counts.opened++;
        if (h.closed) {
          // Closed while it was being reopened: let go at once.
          await this.inner.close(fd).catch(() => {});
          this.releaseSlot();
          throw new FsError('EBADF', 'use', h.path, `file handle of '${h.path}' is closed`);
        }
        h.inner = fd;
        this.touch(h, h.written);
        return fd;
      })().finally(() => {
        h.reopening = null;
      });
    }
    return h.reopening;
  }

  /**
   * Moves a handle with a descriptor to the most recently used end of its list; once idle, it may
   * serve a call waiting for a slot.
   */
  private touch(h: BoundedHandle, write: boolean): void {
    h.lastUsedMs = this.now();
    h.written = write;
    if (!h.inner || h.closed) return;
    h.list?.remove(h);
    (write ? this.writeLru : this.readLru).push(h);
    this.armSweeper();
    if (h.busy === 0 && this.waiters.length > 0) this.offerSlots();
  }

  /** Runs `fn` holding a slot (a call that opens a descriptor of its own for a moment). */
  private async transient<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquireSlot();
    try {
      return await fn();
    } finally {
      this.releaseSlot();
    }
  }

  private armSweeper(): void {
    if (this.sweeper || this.idleMs <= 0) return;
    this.sweeper = setInterval(() => this.closeIdle(), Math.max(1000, this.idleMs / 2));
    this.sweeper.unref();
  }

  /** Closes descriptors unused for idleMs (the sweeper calls it; public for tests). */
  closeIdle(nowMs = this.now()): number {
    let n = 0;
    for (const list of [this.readLru, this.writeLru]) {
      for (let h = list.head; h; ) {
        const next = h.next;
        if (h.busy === 0 && !h.pinned && !h.reopening && nowMs - h.lastUsedMs >= this.idleMs) {
          this.counts.idleCloses++;
          void this.closeInner(h, true);
          n++;
        }
        h = next;
      }
    }
    if (this.held === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
    return n;
  }

  // ---------------------------------------------------------------------------------------------
  // Pinning before a path goes away.

  /** The handles open at `p`, and with `tree` those below it too. */
  private handlesAt(p: string, tree: boolean): BoundedHandle[] {
    const set = this.byPath.get(p);
    if (!set) return [];
    return tree ? [...set] : [...set].filter((h) => h.path === p);
  }

  /**
   * Gives every handle open at `p` (or below it) a descriptor it keeps until closed. Such descriptors
   * leave the bounded slots (a handle that had one gives its slot back): they cannot be evicted, and
   * counting them against the bound could leave a caller waiting for a slot that only the caller's
   * own pinned handles hold.
   */
  private async pinAll(p: string, tree: boolean): Promise<BoundedHandle[]> {
    const hs = this.handlesAt(p, tree);
    for (const h of hs) {
      if (h.closed || h.pinned) continue;
      if (h.reopening) await h.reopening.catch(() => {});
      if (h.inner) {
        h.list?.remove(h);
        this.releaseSlot();
      } else {
        h.inner = await this.inner.open(h.path, h.reopenMode);
        this.counts.opened++;
      }
      h.pinned = true;
      this.pinned++;
    }
    return hs;
  }

  private forget(hs: BoundedHandle[]): void {
    for (const h of hs) this.unregister(h);
  }

  private register(h: BoundedHandle): void {
    h.keys = selfAndAncestors(h.path);
    for (const k of h.keys) {
      let set = this.byPath.get(k);
      if (!set) {
        set = new Set();
        this.byPath.set(k, set);
      }
      set.add(h);
    }
  }

  private unregister(h: BoundedHandle): void {
    for (const k of h.keys) {
      const set = this.byPath.get(k);
      if (!set) continue;
      set.delete(h);
      if (set.size === 0) this.byPath.delete(k);
    }
    h.keys = [];
  }

  // ---------------------------------------------------------------------------------------------
  // The FileSystem.

  async open(p: string, mode: OpenMode): Promise<FileHandle> {
    const h = new BoundedHandle(path.normalize(p), reopenModeOf(mode));
    await this.acquireSlot();
    try {
      h.inner = await this.inner.open(h.path, mode);
    } catch (err) {
      this.releaseSlot();
      throw err;
    }
    this.counts.opened++;
    this.register(h);
    // A file opened to be created is about to be written; one merely opened waits for its first write.
    this.touch(h, mode === 'create' || mode === 'create-new' || mode === 'overwrite');
    return h;
  }

  read(handle: FileHandle, buffer: Uint8Array, offset: number, length: number, position: number) {
    return this.use(handle as BoundedHandle, false, (fd) =>
      this.inner.read(fd, buffer, offset, length, position),
    );
  }

  write(handle: FileHandle, data: Uint8Array, position: number): Promise<void> {
    return this.use(handle as BoundedHandle, true, (fd) => this.inner.write(fd, data, position));
  }

  writev(handle: FileHandle, data: readonly Uint8Array[], position: number): Promise<void> {
    return this.use(handle as BoundedHandle, true, (fd) => this.inner.writev(fd, data, position));
  }

  /** On the calling thread, only while the handle has its descriptor (else false: write asynchronously). */
  writevSync(handle: FileHandle, data: readonly Uint8Array[], position: number): boolean {
    const h = handle as BoundedHandle;
    if (h.closed || !h.inner || h.reopening || !this.inner.writevSync) return false;
    if (!this.inner.writevSync(h.inner, data, position)) return false;
    this.touch(h, true);
    return true;
  }

  fsync(handle: FileHandle): Promise<void> {
    return this.use(handle as BoundedHandle, true, (fd) => this.inner.fsync(fd));
  }

  truncate(handle: FileHandle, size: number): Promise<void> {
    return this.use(handle as BoundedHandle, true, (fd) => this.inner.truncate(fd, size));
  }

  size(handle: FileHandle): Promise<number> {
    return this.use(handle as BoundedHandle, false, (fd) => this.inner.size(fd));
  }

  async close(handle: FileHandle): Promise<void> {
    const h = handle as BoundedHandle;
    if (h.closed) return;
    h.closed = true;
    this.unregister(h);
    if (h.reopening) await h.reopening.catch(() => {});
    if (h.pinned) {
      // Outside the slots (see pinAll).
      const fd = h.inner;
      h.inner = null;
      this.pinned--;
      if (fd) await this.inner.close(fd).catch(() => {});
      return;
    }
    if (h.inner) await this.closeInner(h, true);
  }

  async rename(from: string, to: string): Promise<void> {
    const src = path.normalize(from);
    const dst = path.normalize(to);
    const replaced = await this.pinAll(dst, true);
    await this.inner.rename(src, dst);
    this.forget(replaced);
    for (const h of this.handlesAt(src, true)) {
      this.unregister(h);
      h.path = dst + h.path.slice(src.length);
      this.register(h);
    }
  }

  async unlink(p: string): Promise<void> {
    const target = path.normalize(p);
    const hs = await this.pinAll(target, false);
    await this.inner.unlink(target);
    this.forget(hs);
  }

  readdir(p: string): Promise<string[]> {
    return this.transient(() => this.inner.readdir(p));
  }

  mkdir(p: string): Promise<void> {
    return this.inner.mkdir(p);
  }

  async rmdir(p: string): Promise<void> {
    const target = path.normalize(p);
    const hs = await this.pinAll(target, true);
    await this.transient(() => this.inner.rmdir(target));
    this.forget(hs);
  }

  stat(p: string): Promise<FileStat | null> {
    return this.inner.stat(p);
  }

  syncDir(p: string): Promise<void> {
    return this.transient(() => this.inner.syncDir(p));
  }

  /** The whole file system: no descriptor of ours (the sync runs in a process of its own). */
  get syncFileSystem(): ((p: string) => Promise<boolean>) | undefined {
    const inner = this.inner;
    return inner.syncFileSystem ? (p) => inner.syncFileSystem!(p) : undefined;
  }

  /** Only with a slot free now: a synchronous call cannot wait for one. */
  readFileSync(p: string, bytesMax: number): Buffer | null | undefined {
    if (!this.inner.readFileSync || this.held >= this.openFilesMax) return undefined;
    this.held++;
    try {
      return this.inner.readFileSync(p, bytesMax);
    } finally {
      this.releaseSlot();
    }
  }

  /** Only with a slot free now (reading a directory opens it for a moment). */
  readdirSync(p: string): string[] | undefined {
    if (!this.inner.readdirSync || this.held >= this.openFilesMax) return undefined;
    this.held++;
    try {
      return this.inner.readdirSync(p);
    } finally {
      this.releaseSlot();
    }
  }

  get statSync(): ((p: string) => FileStat | null) | undefined {
    const inner = this.inner;
    return inner.statSync ? (p) => inner.statSync!(p) : undefined;
  }
}
