// A small disk of its own for a node, which the lab can fill up. A tmpfs of `sizeMb` is mounted in a
// private mount namespace held by a sleeping process (`unshare`); the node runs inside that namespace
// (`nsenter`), so the data dir it sees is the small disk, which outlives the node's crashes and
// restarts. The lab fills it by writing a ballast file through /proc/<holder>/root and frees it by
// deleting the file. As root this needs nothing more; otherwise an unprivileged user namespace
// (`unshare --user --map-root-user`) allows the tmpfs mount. A loop-mounted ext4 would need root and
// a loop device; FUSE is not installed here; a fault-injecting write path would test the lab's code
// rather than the broker's handling of a real ENOSPC. Linux only.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { track } from './children.js';

const BALLAST = '.chaos-ballast';
const CHUNK = Buffer.alloc(1 << 20, 0x5a);

export class SmallDisk {
  private constructor(
    readonly dir: string,
    readonly sizeMb: number,
    private readonly holder: ChildProcess,
    private readonly userns: boolean,
  ) {}

  /** Mounts a tmpfs of `sizeMb` at `dir` in a namespace of its own; resolves once it is mounted. */
  static async create(dir: string, sizeMb: number): Promise<SmallDisk> {
    mkdirSync(dir, { recursive: true });
    const userns = process.getuid?.() !== 0;
    const args = [
      ...(userns ? ['--user', '--map-root-user'] : []),
      '--mount',
      '--propagation',
      'private',
      '--',
      'sh',
      '-c',
      // `exec sleep` keeps the namespace (and so the tmpfs) alive until the lab kills it.
      `mount -t tmpfs -o size=${sizeMb}m tmpfs "$0" && echo mounted && exec sleep 86400`,
      dir,
    ];
    const holder = track(spawn('unshare', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    let err = '';
    holder.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    await new Promise<void>((resolve, reject) => {
      holder.stdout?.on('data', (d: Buffer) => {
        if (d.toString().includes('mounted')) resolve();
      });
      holder.once('error', (e) => reject(new Error(`unshare: ${e.message}`)));
      holder.once('exit', (code) =>
        reject(
          new Error(`could not mount a tmpfs for the disk fault (unshare exited ${code}): ${err.trim()}`),
        ),
      );
    });
    return new SmallDisk(dir, sizeMb, holder, userns);
  }

  /** The command prefix that runs a program inside this disk's namespace. */
  wrap(command: string, args: string[]): { command: string; args: string[] } {
    const pid = String(this.holder.pid);
    const ns = this.userns ? ['-U', '-m', '--preserve-credentials'] : ['-m'];
    return { command: 'nsenter', args: ['-t', pid, ...ns, '--', command, ...args] };
  }

  /** `dir` as the lab sees it from outside the namespace. */
  private get outside(): string {
    return `/proc/${this.holder.pid}/root${this.dir}`;
  }

  /** Writes ballast until the disk is full; returns the bytes written. */
  fill(): number {
    const fd = openSync(`${this.outside}/${BALLAST}`, 'a');
    let written = 0;
    try {
      for (;;) written += writeSync(fd, CHUNK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    } finally {
      closeSync(fd);
    }
    return written;
  }

  free(): void {
    try {
      unlinkSync(`${this.outside}/${BALLAST}`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  /** Unmounts (by ending the namespace): everything on the disk is gone. */
  async close(): Promise<void> {
    if (this.holder.exitCode !== null || this.holder.signalCode !== null) return;
    const exited = new Promise((r) => this.holder.once('exit', r));
    this.holder.kill('SIGKILL');
    await exited;
  }
}
