// The file-system seam. Every byte the log reads or writes goes through a FileSystem, so the same log
// runs on disk (RealFileSystem, fs-real.ts) and in memory (MemoryFileSystem, fs-memory.ts: the storage
// of the embedded in-memory broker and the crash simulator of the tests). This file holds the
// interface, its error type and the helpers built on it.
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
  /**
   * As writev, but on the calling thread. Small appends use it: copying a few KiB into the page cache
   * costs microseconds, far less than a round trip through the thread pool, which is what an acks=1
   * producer would otherwise wait for. Returns false, having written nothing, when it cannot write
   * now without waiting (the caller then writes asynchronously). Optional: a file system without it
   * gets only async writes.
   */
  writevSync?(handle: FileHandle, data: readonly Uint8Array[], position: number): boolean;
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
  /**
   * Reads a whole small file on the calling thread: null when it does not exist, undefined (having
   * done nothing) when it is larger than `bytesMax` or cannot be read now without waiting. Opening a
   * log reads several files of a few bytes each; through the thread pool each costs a round trip,
   * and thousands of partitions open at start. Optional.
   */
  readFileSync?(path: string, bytesMax: number): Buffer | null | undefined;
  /** stat on the calling thread (see readFileSync). Optional. */
  statSync?(path: string): FileStat | null;
  /** readdir on the calling thread; undefined when it cannot now without waiting. Optional. */
  readdirSync?(path: string): string[] | undefined;
  /**
   * Makes everything written to the file system holding `path` durable in one call (Linux's syncfs):
   * thousands of logs with unflushed data at shutdown are then one sync instead of thousands of
   * fsyncs. Resolves false, having promised nothing, where it cannot. Optional.
   */
  syncFileSystem?(path: string): Promise<boolean>;
}

/** stat, on the calling thread where the file system can (opening thousands of logs at start). */
export async function statQuick(fs: FileSystem, path: string): Promise<FileStat | null> {
  return fs.statSync ? fs.statSync(path) : fs.stat(path);
}

/** readdir, on the calling thread where the file system can. */
export async function readdirQuick(fs: FileSystem, path: string): Promise<string[]> {
  return fs.readdirSync?.(path) ?? fs.readdir(path);
}

/**
 * Files up to this size are read on the calling thread where the file system can (readFileSync):
 * each such call takes a few microseconds of the event loop, far less than a round trip through the
 * thread pool, and never long enough to delay a request noticeably.
 */
export const SMALL_FILE_BYTES_MAX = 64 * 1024;

// ---------------------------------------------------------------------------------------------------
// Helpers on top of the seam.

/** Reads a whole file, or returns null when it does not exist. */
export async function readWholeFile(fs: FileSystem, path: string): Promise<Buffer | null> {
  const small = fs.readFileSync?.(path, SMALL_FILE_BYTES_MAX);
  if (small !== undefined) return small;
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
 * directory, so after a crash the file holds either the old or the new contents, never a mix. With
 * `durable: false` nothing is fsynced: for files whose readers check them and can do without them
 * (a crash may leave the old file, an empty or partial one, or none).
 */
export async function writeFileAtomic(
  fs: FileSystem,
  path: string,
  data: Uint8Array,
  { durable = true }: { durable?: boolean } = {},
): Promise<void> {
  const tmp = `${path}.tmp`;
  const handle = await fs.open(tmp, 'overwrite');
  try {
    await fs.write(handle, data, 0);
    if (durable) await fs.fsync(handle);
  } finally {
    await fs.close(handle);
  }
  await fs.rename(tmp, path);
  if (durable) await fs.syncDir(pathPosix.dirname(path));
}

/**
 * Creates `dir` and its missing parents, and syncs the parent of each directory it created, so the new
 * directories survive a crash. Returns whether anything was created.
 */
export async function mkdirDurable(fs: FileSystem, dir: string): Promise<boolean> {
  const changed = await mkdirMissing(fs, dir);
  for (const d of changed) await fs.syncDir(d);
  return changed.length > 0;
}

/**
 * Creates `dir` and its missing parents without syncing: returns the directories whose entries changed
 * (outermost first), which a caller syncs (fs.syncDir) to make the new directories durable.
 */
export async function mkdirMissing(fs: FileSystem, dir: string): Promise<string[]> {
  const missing: string[] = [];
  let cur = pathPosix.normalize(dir);
  while ((await statQuick(fs, cur)) === null) {
    missing.push(cur);
    const parent = pathPosix.dirname(cur);
    if (parent === cur) break;
    cur = parent;
  }
  if (missing.length === 0) return [];
  await fs.mkdir(dir);
  return missing.reverse().map((d) => pathPosix.dirname(d));
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
