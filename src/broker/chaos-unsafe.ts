// SAMSA_CHAOS_UNSAFE: deliberately broken behaviour that only the chaos lab (test/chaos) turns on, to
// prove that its checker catches real loss of acknowledged data. Never set it anywhere else. This file
// is the only place that reads it; the broker logs a warning at start when it is set.
//   ack-before-write  every write to a partition's segment (.log) files reports success at once
//                     and is issued only UNSAFE_WRITE_DELAY_MS later, so a produce is acknowledged
//                     before its bytes reach the page cache, and a SIGKILL in between loses
//                     acknowledged records
//   ack-before-replication  a leader answers an acks=all produce once its own log has the records,
//                     without waiting for the followers (as acks=1 does), so losing the leader
//                     loses acknowledged records (with one replica it changes nothing)
import type { FileHandle, FileStat, FileSystem, OpenMode } from '../storage/index.js';
import type { Logger } from './logger.js';

export const CHAOS_UNSAFE_ENV = 'SAMSA_CHAOS_UNSAFE';
export const CHAOS_UNSAFE_MODES = ['ack-before-write', 'ack-before-replication'] as const;
export type ChaosUnsafeMode = (typeof CHAOS_UNSAFE_MODES)[number];

/** How long a write waits before it is issued in ack-before-write mode. */
const UNSAFE_WRITE_DELAY_MS = 1000;

/** The mode the environment asks for; an unknown value is an error (a typo must not pass as safe). */
export function chaosUnsafeMode(env: NodeJS.ProcessEnv = process.env): ChaosUnsafeMode | null {
  const value = env[CHAOS_UNSAFE_ENV];
  if (value === undefined || value === '') return null;
  if ((CHAOS_UNSAFE_MODES as readonly string[]).includes(value)) return value as ChaosUnsafeMode;
  throw new Error(`${CHAOS_UNSAFE_ENV}=${value} is not a known mode (${CHAOS_UNSAFE_MODES.join(', ')})`);
}

/** Whether a leader acknowledges acks=all produces before its followers have them (read once). */
export const ACK_BEFORE_REPLICATION = process.env[CHAOS_UNSAFE_ENV] === 'ack-before-replication';

/** The file system the broker should use: `fs` itself unless ack-before-write is set. */
export function withChaosUnsafe(
  fs: FileSystem,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
): FileSystem {
  const mode = chaosUnsafeMode(env);
  if (mode === null) return fs;
  log.warn(
    `${CHAOS_UNSAFE_ENV}=${mode}: acknowledged writes can be lost; this setting is for the chaos lab only`,
  );
  return mode === 'ack-before-write' ? new LateWriteFileSystem(fs, UNSAFE_WRITE_DELAY_MS) : fs;
}

/** Acknowledges writes at once and performs them later, in order per file; reads wait for them. */
class LateWriteFileSystem implements FileSystem {
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly inner: FileSystem,
    private readonly delayMs: number,
  ) {}

  private settled(path: string): Promise<void> {
    return this.pending.get(path) ?? Promise.resolve();
  }

  /** Whether writes to this file are deferred: partition segments only, so start-up stays quick. */
  private deferred(path: string): boolean {
    return path.endsWith('.log') && !path.includes('__cluster_metadata');
  }

  /** Reports success now; performs `run` `delayMs` from now, after the file's earlier writes. */
  private later(handle: FileHandle, run: () => Promise<void>): Promise<void> {
    const dueMs = Date.now() + this.delayMs;
    const next = this.settled(handle.path)
      .then(() => new Promise<void>((r) => setTimeout(r, Math.max(0, dueMs - Date.now()))))
      .then(run)
      .catch(() => {});
    this.pending.set(handle.path, next);
    void next.then(() => {
      if (this.pending.get(handle.path) === next) this.pending.delete(handle.path);
    });
    return Promise.resolve();
  }

  write(handle: FileHandle, data: Uint8Array, position: number): Promise<void> {
    if (!this.deferred(handle.path)) return this.inner.write(handle, data, position);
    const copy = Buffer.from(data);
    return this.later(handle, () => this.inner.write(handle, copy, position));
  }

  writev(handle: FileHandle, data: readonly Uint8Array[], position: number): Promise<void> {
    if (!this.deferred(handle.path)) return this.inner.writev(handle, data, position);
    const copy = Buffer.concat(data.map((d) => Buffer.from(d)));
    return this.later(handle, () => this.inner.write(handle, copy, position));
  }

  fsync(handle: FileHandle): Promise<void> {
    // A deferred file's fsync claims success too: nothing is durable before its writes are issued.
    return this.deferred(handle.path) ? Promise.resolve() : this.inner.fsync(handle);
  }

  open(path: string, mode: OpenMode): Promise<FileHandle> {
    return this.inner.open(path, mode);
  }

  async read(
    h: FileHandle,
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<number> {
    await this.settled(h.path);
    return this.inner.read(h, buffer, offset, length, position);
  }

  async truncate(h: FileHandle, size: number): Promise<void> {
    await this.settled(h.path);
    return this.inner.truncate(h, size);
  }

  async size(h: FileHandle): Promise<number> {
    await this.settled(h.path);
    return this.inner.size(h);
  }

  async close(h: FileHandle): Promise<void> {
    await this.settled(h.path);
    return this.inner.close(h);
  }

  async rename(from: string, to: string): Promise<void> {
    await this.settled(from);
    return this.inner.rename(from, to);
  }

  async unlink(path: string): Promise<void> {
    await this.settled(path);
    return this.inner.unlink(path);
  }

  readdir(path: string): Promise<string[]> {
    return this.inner.readdir(path);
  }

  mkdir(path: string): Promise<void> {
    return this.inner.mkdir(path);
  }

  rmdir(path: string): Promise<void> {
    return this.inner.rmdir(path);
  }

  stat(path: string): Promise<FileStat | null> {
    return this.inner.stat(path);
  }

  syncDir(path: string): Promise<void> {
    return this.inner.syncDir(path);
  }
}
