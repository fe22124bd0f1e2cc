// `samsa console` as its own process (the command a user types), for the console's tests: started
// with the given flags, its address read from its start line; stop() ends it and waits.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

export const SAMSA = join(repoRoot, 'dist', 'bin', 'samsa.mjs');

export interface ConsoleProcess {
  child: ChildProcess;
  url: string;
  /** Everything it wrote so far. */
  output(): string;
  stop(): Promise<void>;
}

export function startConsoleProcess(args: string[]): Promise<ConsoleProcess> {
  const c = spawn(process.execPath, [SAMSA, 'console', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<void>((r) => c.once('exit', () => r()));
  const stop = async () => {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`console not ready: ${out}`));
    }, 15_000);
    const on = (d: Buffer) => {
      out += d.toString();
      const m = /Samsa console on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child: c, url: m[1], output: () => out, stop });
      }
    };
    c.stdout?.on('data', on);
    c.stderr?.on('data', on);
    c.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`console exited with ${code}: ${out}`));
    });
  });
}
