// Shared by the bench:broker parts: a lean protocol client, request frames, process helpers.
import { type ChildProcess, spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeResponseFrame, encodeRequestFrame } from '../../src/protocol/frame.js';
import { heapOpts } from '../../test/helpers/paths.js';
import { fetchRequest } from '../../test/helpers/raw-ops.js';

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..', '..', '..');

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export async function spawnReady(
  args: string[],
  pattern: RegExp,
): Promise<{ child: ChildProcess; port: number; spawnedAt: number }> {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
  });
  return { child, port, spawnedAt };
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (child.exitCode !== null) return r();
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });
}

/**
 * A lean client that keeps requests outstanding on one connection. A response that spans several
 * socket reads is assembled in one receive buffer reused from response to response (as a C client
 * reads into its own buffer), so the measuring client adds no allocation per fetch to what it
 * measures; `view` hands that frame to a callback while it is valid.
 */
export class Pipe {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private assembly = Buffer.alloc(0);
  private waiters: ((frame: Buffer, reused: boolean) => void)[] = [];
  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.buffered += d.length;
      this.cut();
    });
  }
  private cut(): void {
    while (this.buffered >= 4) {
      const first = this.chunks[0];
      const size = (first.length >= 4 ? first : Buffer.concat(this.chunks)).readInt32BE(0);
      if (this.buffered < 4 + size) return;
      if (first.length >= 4 + size) {
        const frame = first.subarray(4, 4 + size);
        if (first.length === 4 + size) this.chunks.shift();
        else this.chunks[0] = first.subarray(4 + size);
        this.buffered -= 4 + size;
        this.waiters.shift()?.(frame, false);
        continue;
      }
      if (this.assembly.length < size) this.assembly = Buffer.allocUnsafe(size);
      this.skip(4); // the size prefix, which may itself span chunks
      let filled = 0;
      while (filled < size) {
        const c = this.chunks[0];
        const n = Math.min(c.length, size - filled);
        c.copy(this.assembly, filled, 0, n);
        filled += n;
        if (n === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(n);
      }
      this.buffered -= size;
      this.waiters.shift()?.(this.assembly.subarray(0, size), true);
    }
  }
  private skip(bytes: number): void {
    this.buffered -= bytes;
    while (bytes > 0) {
      const c = this.chunks[0];
      if (c.length <= bytes) {
        bytes -= c.length;
        this.chunks.shift();
      } else {
        this.chunks[0] = c.subarray(bytes);
        bytes = 0;
      }
    }
  }
  static open(port: number): Promise<Pipe> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1' }, () => resolve(new Pipe(s)));
      s.once('error', reject);
    });
  }
  /** The response, in a buffer of its own. */
  request(bytes: Buffer): Promise<Buffer> {
    return new Promise((resolve) => {
      this.waiters.push((frame, reused) => resolve(reused ? Buffer.from(frame) : frame));
      this.socket.write(bytes);
    });
  }
  /** Runs `use` on the response while its bytes are valid (they may be overwritten afterwards). */
  view<T>(bytes: Buffer, use: (frame: Buffer) => T): Promise<T> {
    return new Promise((resolve) => {
      this.waiters.push((frame) => resolve(use(frame)));
      this.socket.write(bytes);
    });
  }
  /** Sends `frame` over and over with `inflight` outstanding for `ms`; returns answers received. */
  async flood(frame: Buffer, inflight: number, ms: number): Promise<number> {
    let answered = 0;
    const end = performance.now() + ms;
    const lane = async () => {
      while (performance.now() < end) {
        await this.request(frame);
        answered++;
      }
    };
    await Promise.all(Array.from({ length: inflight }, lane));
    return answered;
  }
  close(): void {
    this.socket.destroy();
  }
}

export function produceFrame(topic: string, batch: Buffer): Buffer {
  const body = {
    transactionalId: null,
    acks: 1,
    timeoutMs: 30000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
  };
  return Buffer.concat(encodeRequestFrame(0, 9, 1, 'bench', body));
}

export async function createTopic(pipe: Pipe, name: string): Promise<void> {
  const configs = [{ name: 'max.message.bytes', value: String(8 << 20) }];
  const body = {
    topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs }],
    timeoutMs: 10000,
    validateOnly: false,
  };
  const res = decodeResponseFrame<{ topics: { errorCode: number; errorMessage: string | null }[] }>(
    19,
    7,
    await pipe.request(Buffer.concat(encodeRequestFrame(19, 7, 1, 'bench', body))),
  ).body;
  if (res.topics[0].errorCode !== 0)
    throw new Error(`CreateTopics ${name}: ${res.topics[0].errorCode} ${res.topics[0].errorMessage}`);
}

export function fetchFrame(
  topic: string,
  offset: number,
  maxBytes: number,
  maxWaitMs = 0,
  minBytes = 0,
): Buffer {
  const body = fetchRequest(topic, offset, maxBytes, maxWaitMs, minBytes);
  return Buffer.concat(encodeRequestFrame(1, 11, 1, 'bench', body));
}

/** The broker to measure: `SAMSA_BENCH_BROKER_BIN` names another build (to compare two in one sitting). */
export function brokerBin(): string {
  return process.env.SAMSA_BENCH_BROKER_BIN ?? join(root, 'dist/bin/samsa.mjs');
}

/**
 * Node flags for the broker process: the heap flags users' start scripts give (SAMSA_HEAP_OPTS), then
 * any the bench is asked to add (`SAMSA_BENCH_BROKER_NODE_ARGS='--cpu-prof'` to profile it).
 */
export function brokerNodeArgs(): string[] {
  return [
    ...heapOpts(),
    ...(process.env.SAMSA_BENCH_BROKER_NODE_ARGS ?? '').split(' ').filter((a) => a !== ''),
  ];
}

export function line(label: string, value: string, ceiling: string, verdict: string): void {
  console.log(`${label.padEnd(44)} ${value.padStart(16)}   ceiling ${ceiling.padStart(16)}   ${verdict}`);
}
