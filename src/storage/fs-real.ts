// RealFileSystem: the FileSystem of fs.ts on node:fs, through libuv's thread pool (positional reads and
// writes, fdatasync for fsync). Errors become FsError with the errno code.
import { execFile } from 'node:child_process';
import * as nodeFs from 'node:fs';
import { errorCode, type FileHandle, type FileStat, type FileSystem, FsError, type OpenMode } from './fs.js';

/** The buffer readFileSync reads small files into before copying them out (one thread, no reentry). */
let scratch = Buffer.alloc(0);

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

  writevSync(handle: FileHandle, data: readonly Uint8Array[], position: number): boolean {
    const h = handle as RealHandle;
    let bufs = data as Uint8Array[];
    let total = 0;
    for (const b of bufs) total += b.length;
    let done = 0;
    while (done < total) {
      let n: number;
      try {
        n = nodeFs.writevSync(h.fd, bufs, position + done);
      } catch (err) {
        throw new FsError(errorCode(err) ?? 'EIO', 'write', h.path, (err as Error).message);
      }
      done += n;
      if (done < total) bufs = skipBytes(bufs, n);
    }
    return true;
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

  readFileSync(path: string, bytesMax: number): Buffer | null | undefined {
    let fd: number;
    try {
      fd = nodeFs.openSync(path, 'r');
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return null;
      throw new FsError(errorCode(err) ?? 'EIO', 'open', path, (err as Error).message);
    }
    try {
      // Read into a scratch buffer one byte larger than allowed: a short read is the whole file, with
      // no fstat to learn its size first.
      if (scratch.length < bytesMax + 1) scratch = Buffer.allocUnsafe(bytesMax + 1);
      let done = 0;
      for (;;) {
        const want = bytesMax + 1 - done;
        const n = nodeFs.readSync(fd, scratch, done, want, done);
        done += n;
        if (done > bytesMax) return undefined;
        if (n < want) break; // a regular file reads short only at its end
      }
      return Buffer.from(scratch.subarray(0, done));
    } catch (err) {
      throw new FsError(errorCode(err) ?? 'EIO', 'read', path, (err as Error).message);
    } finally {
      nodeFs.closeSync(fd);
    }
  }

  statSync(path: string): FileStat | null {
    try {
      const st = nodeFs.statSync(path);
      return { size: st.size, isDirectory: st.isDirectory(), mtimeMs: st.mtimeMs };
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return null;
      throw new FsError(errorCode(err) ?? 'EIO', 'stat', path, (err as Error).message);
    }
  }

  readdirSync(path: string): string[] {
    try {
      return nodeFs.readdirSync(path).sort();
    } catch (err) {
      throw new FsError(errorCode(err) ?? 'EIO', 'readdir', path, (err as Error).message);
    }
  }

  /**
   * syncfs(2) through coreutils' `sync -f` (Node has no binding for it): Linux only; false when the
   * command is missing or fails (syncfs reports writeback errors since Linux 5.8).
   */
  syncFileSystem(path: string): Promise<boolean> {
    if (process.platform !== 'linux') return Promise.resolve(false);
    return new Promise((resolve) => {
      execFile('sync', ['-f', path], { timeout: 60_000 }, (err) => resolve(err === null));
    });
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
