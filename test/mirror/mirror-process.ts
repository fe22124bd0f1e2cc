// Starts the mirror as a user does (`connect-mirror-maker.sh mm2.properties`), waits for its ready
// line, and ends it however the test ends. Also: records with sequence numbers for checking copies.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Consumer, type ConsumerRecord } from '../../src/client/index.js';
import { repoRoot } from '../helpers/paths.js';

export interface MirrorProcess {
  child: ChildProcess;
  metricsPort: number;
  logs(): string;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
  kill(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Writes mm2.properties and starts connect-mirror-maker.sh on it. */
export async function startMirror(
  props: Record<string, string>,
  readyTimeoutMs = 60_000,
): Promise<MirrorProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-mirror-'));
  const file = join(dir, 'mm2.properties');
  writeFileSync(
    file,
    `${Object.entries(props)
      .map(([k, v]) => `${k} = ${v}`)
      .join('\n')}\n`,
  );
  const metricsPort = await freePort();
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, 'dist', 'bin', 'connect-mirror-maker.mjs'),
      file,
      '--metrics-port',
      String(metricsPort),
      '--metrics-host',
      '127.0.0.1',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      rmSync(dir, { recursive: true, force: true });
      resolve(code);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mirror not ready in time:\n${out}`)), readyTimeoutMs);
    const check = () => {
      if (/Samsa mirror ready/.test(out)) {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`mirror exited with ${code} before it was ready:\n${out}`));
    });
  });
  return {
    child,
    metricsPort,
    logs: () => out,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Polls `check` until it returns a value (not undefined) or the time is up. */
export async function waitFor<T>(
  what: string | (() => string),
  timeoutMs: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until)
      throw new Error(
        `timed out waiting for ${typeof what === 'string' ? what : what()}${last ? ` (last error: ${(last as Error).message})` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Every record of the partitions, from `from` (default 0) to the ends given. */
export async function readAll(
  bootstrap: string,
  parts: readonly { topic: string; partition: number; end: number; from?: number }[],
  timeoutMs = 60_000,
): Promise<Map<string, ConsumerRecord[]>> {
  const consumer = new Consumer({
    'bootstrap.servers': bootstrap,
    'auto.offset.reset': 'earliest',
    'max.poll.records': 2000,
    'allow.auto.create.topics': false,
  });
  const out = new Map<string, ConsumerRecord[]>();
  const left = new Set<string>();
  try {
    consumer.assign(parts.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.from ?? 0 })));
    for (const p of parts) {
      out.set(`${p.topic}/${p.partition}`, []);
      if (p.end > (p.from ?? 0)) left.add(`${p.topic}/${p.partition}`);
    }
    const ends = new Map(parts.map((p) => [`${p.topic}/${p.partition}`, p.end]));
    const until = Date.now() + timeoutMs;
    while (left.size > 0) {
      if (Date.now() > until) throw new Error(`reading timed out; still waiting for ${[...left].join(', ')}`);
      for (const r of await consumer.poll(500)) {
        const k = `${r.topic}/${r.partition}`;
        if (r.offset >= (ends.get(k) ?? 0)) continue;
        // Keys, values and headers are views into fetch buffers: copy what is kept.
        out.get(k)?.push({
          ...r,
          key: r.key && Buffer.from(r.key),
          value: r.value && Buffer.from(r.value),
          headers: r.headers.map((h) => ({ key: h.key, value: h.value && Buffer.from(h.value) })),
        });
        if (r.offset + 1 >= (ends.get(k) ?? 0)) left.delete(k);
      }
    }
    return out;
  } finally {
    await consumer.close();
  }
}
