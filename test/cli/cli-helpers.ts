// Running the command-line tools as a user does: the scripts in bin/ (which run the bundles in
// dist/bin), with stdin, a timeout, and for long-running ones a handle to wait for output and
// send signals.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import { type RunResult, run } from '../helpers/tools.js';

export const BIN = join(repoRoot, 'bin');

/** PATH with this node first: the bin/ scripts run `node`. */
const env = { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, SAMSA_BROKERS: '' };

export function tool(
  name: string,
  args: string[],
  options: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return run(join(BIN, name), args, { timeoutMs: 30_000, ...options, env: { ...env, ...options.env } });
}

export function samsa(
  args: string[],
  options: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
) {
  return tool('samsa', args, options);
}

export interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout matches. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

/** Starts a tool that keeps running (a consumer without --max-messages). */
export function start(name: string, args: string[]): Running {
  const child = spawn(join(BIN, name), args, {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.splice(0)) w();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  child.stdin?.end();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(re, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${re} in time; stdout:\n${out}\nstderr:\n${err}`)),
          timeoutMs,
        );
        const check = () => {
          if (re.test(out)) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        check();
      });
    },
  };
}

/** A failure the way the issue wants it: exit code non-zero, a message on stderr, no stack trace. */
export function assertCleanFailure(r: RunResult, message: RegExp, what: string): void {
  assert.notEqual(r.code, 0, `${what}: exit code should be non-zero\nstdout:${r.stdout}\nstderr:${r.stderr}`);
  assert.match(r.stderr, message, `${what}: stderr`);
  assert.doesNotMatch(r.stderr, /\n\s+at \S+ \(|^\s+at /m, `${what}: no stack trace`);
}
