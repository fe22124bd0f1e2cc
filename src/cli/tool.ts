// What every command-line entry point shares: running `main` with errors turned into one line on
// stderr and an exit code (never a stack trace unless SAMSA_DEBUG is set), quiet handling of a
// closed stdout (`| head`), and output helpers that respect backpressure.
import { CommandError, SAMSA_VERSION, UsageError } from './args.js';

export type Main = (argv: string[]) => Promise<number>;

export interface RunOptions {
  /** How a usage mistake ends: a hint to run --help (default) or nothing. */
  usageHint?: string;
  /** Prefix of other error messages (default: `<name>: `). */
  errorPrefix?: string;
}

let stdoutClosed = false;

/** True once stdout was closed by the reader (EPIPE): commands that stream should stop. */
export function outputClosed(): boolean {
  return stdoutClosed;
}

/** Writes to stdout, waiting when the pipe is full. */
export async function write(text: string | Buffer): Promise<void> {
  if (stdoutClosed) return;
  if (!process.stdout.write(text)) {
    await new Promise<void>((resolve) => {
      const done = () => {
        process.stdout.off('drain', done);
        process.stdout.off('close', done);
        resolve();
      };
      process.stdout.once('drain', done);
      process.stdout.once('close', done);
    });
  }
}

export function println(text = ''): void {
  if (!stdoutClosed) process.stdout.write(`${text}\n`);
}

export function eprintln(text = ''): void {
  process.stderr.write(`${text}\n`);
}

/** The message of any error, without stack; KafkaErrors keep their code in the text. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

/** Runs a tool's main function and exits with its code. */
export function runTool(name: string, main: Main, options: RunOptions = {}): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') {
      stdoutClosed = true;
      return;
    }
    throw err;
  });
  const finish = (code: number) => {
    process.exitCode = code;
    // Whatever the clients left behind (sockets closing, timers) must not keep a finished command
    // alive; the delay lets pending output drain.
    setTimeout(() => process.exit(code), 1000).unref();
  };
  main(process.argv.slice(2)).then(finish, (err: unknown) => {
    if (process.env.SAMSA_DEBUG) console.error(err);
    if (err instanceof UsageError) {
      eprintln(`${name}: ${err.message}`);
      const hint = options.usageHint ?? `Run '${name} --help' for the options.`;
      if (hint !== '') eprintln(hint);
      finish(1);
      return;
    }
    const prefix = options.errorPrefix ?? `${name}: `;
    eprintln(`${prefix}${errorMessage(err)}`);
    finish(err instanceof CommandError ? err.exitCode : 1);
  });
}

export function printVersion(): number {
  println(`${SAMSA_VERSION} (Samsa)`);
  return 0;
}
