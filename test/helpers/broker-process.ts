// Starts a real Samsa broker process for tests (the same command a user types) and waits for its
// ready line. Every test that talks to a broker over the network goes through this.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { heapOpts, repoRoot } from './paths.js';

export interface BrokerProcess {
  host: string;
  port: number;
  /** "host:port", as clients take it. */
  bootstrap: string;
  dataDir: string;
  child: ChildProcess;
  /** "host:port" of each listener, by name, from the ready line. */
  listeners: Record<string, string>;
  /** Everything the broker wrote so far (its log lines go to stdout, start-up errors to stderr). */
  logs(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Resolves with the exit code when the process exits (whatever made it exit). */
  exited: Promise<number | null>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

export interface BrokerProcessOptions {
  /** Reuse a data dir (restart tests); a fresh temp dir otherwise. */
  dataDir?: string;
  port?: number;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
  /** Leave out --port/--host: the args (or the config) give `listeners` themselves. */
  ownListeners?: boolean;
  /** Runs the broker under `ulimit -n fdLimit` (the process, not the shell, is `child`). */
  fdLimit?: number;
  /** Starts it through `bin/samsa`, the script a user of a clone types (it `exec`s node: `child` is node). */
  viaScript?: boolean;
}

export async function startBrokerProcess(options: BrokerProcessOptions = {}): Promise<BrokerProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'samsa-test-'));
  const args = [
    ...(options.viaScript ? [] : [...heapOpts(), join(repoRoot, 'dist', 'bin', 'samsa.mjs')]),
    'server',
    'start',
    ...(options.ownListeners ? [] : ['--port', String(options.port ?? 0), '--host', '127.0.0.1']),
    '--data-dir',
    dataDir,
    // No metrics endpoint unless a test asks for one: brokers started side by side would all want 9404.
    ...(options.args?.includes('--metrics-port') ? [] : ['--metrics-port', '0']),
    ...(options.args ?? []),
  ];
  const program = options.viaScript ? join(repoRoot, 'bin', 'samsa') : process.execPath;
  const [command, argv] =
    options.fdLimit === undefined
      ? [program, args]
      : ['sh', ['-c', `ulimit -n ${options.fdLimit} && exec "$0" "$@"`, program, ...args]];
  const child = spawn(command, argv, {
    // The script runs `node` from the PATH: this node's.
    env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await new Promise<{ host: string; port: number }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`broker not ready in time; stderr:\n${stderr}`)),
      options.readyTimeoutMs ?? 15_000,
    );
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /ready on \w+:\/\/([^:\s]+):(\d+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve({ host: m[1], port: Number(m[2]) });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(`broker exited with ${code} before it was ready; stderr:\n${stderr}\nstdout:\n${stdout}`),
      );
    });
  });
  // "ready on A://h:p,B://h:p (cluster" or, on a node with a controller, "...,B://h:p, controller on N (".
  const line = /ready on (\S+?),? (?:controller on \d+ )?\(/.exec(stdout)?.[1] ?? '';
  const listeners = Object.fromEntries(
    line.split(',').map((l) => {
      const m = /^(\w+):\/\/(.*)$/.exec(l);
      return [m?.[1] ?? '', m?.[2] ?? ''];
    }),
  );
  return {
    ...ready,
    listeners,
    bootstrap: `${ready.host}:${ready.port}`,
    dataDir,
    child,
    logs: () => `${stdout}${stderr}`,
    exited,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Removes a data dir made by startBrokerProcess. */
export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
