// A file system that knows what is not durable yet: it wraps the storage tests' MemoryFileSystem and
// tracks, per file, writes not followed by an fsync, and, per directory, entries created, renamed or
// removed since its last sync. The driver simulation asks it whether everything of the metadata log is
// durable at the moment a message leaves (persist before send).
import { posix as pathPosix } from 'node:path';
import type { FileHandle, FileStat, FileSystem, OpenMode } from '../../src/storage/index.js';

export class TrackingFileSystem implements FileSystem {
  private readonly dirtyFiles = new Set<string>();
  private readonly dirtyDirs = new Set<string>();

  constructor(
    readonly inner: FileSystem,
    private readonly skipFsync = false,
  ) {}

  /** Paths under `dir` (files and the directory itself) with writes not yet durable. */
  unsyncedUnder(dir: string): string[] {
    const prefix = `${dir}/`;
    return [
      ...[...this.dirtyFiles].filter((p) => p.startsWith(prefix)),
      ...[...this.dirtyDirs].filter((p) => p === dir || p.startsWith(prefix)),
    ];
  }

  private touchDir(path: string): void {
    this.dirtyDirs.add(pathPosix.dirname(path));
  }

  async open(path: string, mode: OpenMode): Promise<FileHandle> {
    const existed = (await this.inner.stat(path)) !== null;
    const h = await this.inner.open(path, mode);
    if (!existed) this.touchDir(path);
    if (mode === 'overwrite') this.dirtyFiles.add(path);
    return h;
  }

  read(h: FileHandle, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    return this.inner.read(h, buffer, offset, length, position);
  }

  async write(h: FileHandle, data: Uint8Array, position: number): Promise<void> {
    this.dirtyFiles.add(h.path);
    await this.inner.write(h, data, position);
  }

  async writev(h: FileHandle, data: readonly Uint8Array[], position: number): Promise<void> {
    this.dirtyFiles.add(h.path);
    await this.inner.writev(h, data, position);
  }

  async fsync(h: FileHandle): Promise<void> {
    if (this.skipFsync) return;
    // What was written before the fsync began is durable once it returns.
    this.dirtyFiles.delete(h.path);
    await this.inner.fsync(h);
  }

  async truncate(h: FileHandle, size: number): Promise<void> {
    this.dirtyFiles.add(h.path);
    await this.inner.truncate(h, size);
  }

  size(h: FileHandle): Promise<number> {
    return this.inner.size(h);
  }

  close(h: FileHandle): Promise<void> {
    return this.inner.close(h);
  }

  async rename(from: string, to: string): Promise<void> {
    await this.inner.rename(from, to);
    if (this.dirtyFiles.delete(from)) this.dirtyFiles.add(to);
    this.touchDir(from);
    this.touchDir(to);
  }

  async unlink(path: string): Promise<void> {
    await this.inner.unlink(path);
    this.dirtyFiles.delete(path);
    this.touchDir(path);
  }

  readdir(path: string): Promise<string[]> {
    return this.inner.readdir(path);
  }

  async mkdir(path: string): Promise<void> {
    const existed = (await this.inner.stat(path)) !== null;
    await this.inner.mkdir(path);
    if (!existed) this.touchDir(path);
  }

  async rmdir(path: string): Promise<void> {
    await this.inner.rmdir(path);
    this.touchDir(path);
  }

  stat(path: string): Promise<FileStat | null> {
    return this.inner.stat(path);
  }

  async syncDir(path: string): Promise<void> {
    if (this.skipFsync) return;
    this.dirtyDirs.delete(path);
    await this.inner.syncDir(path);
  }
}
