// Typed storage failures that are not per-call results.
import { errorCode } from './fs.js';

/** A log dir (or a partition directory in it) could not be read or written. Names the directory. */
export class LogDirError extends Error {
  override readonly name = 'LogDirError';
  readonly code: string;
  constructor(
    readonly dir: string,
    readonly operation: string,
    override readonly cause: unknown,
  ) {
    const code = errorCode(cause) ?? 'EIO';
    super(`log dir ${dir}: ${operation} failed (${code}): ${(cause as Error)?.message ?? String(cause)}`);
    this.code = code;
  }
}
