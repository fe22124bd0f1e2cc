// Lines of standard input, as Java's BufferedReader.readLine splits them (\n, \r\n or \r), with an
// optional prompt when stdin is a terminal, and a way to stop early (Ctrl-C).
import { createInterface } from 'node:readline';

export interface LineSource {
  lines: AsyncIterable<string>;
  stop(): void;
}

export function stdinLines(prompt?: string): LineSource {
  const rl = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY, terminal: false });
  const interactive = process.stdin.isTTY === true && prompt !== undefined;
  // The iterator must exist before the first line arrives: readline drops lines (and the end of
  // input) emitted while nobody iterates, and the caller may connect to a broker first.
  const iterator = rl[Symbol.asyncIterator]();
  async function* lines(): AsyncGenerator<string> {
    if (interactive) process.stdout.write(prompt as string);
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
      yield r.value;
      if (interactive) process.stdout.write(prompt as string);
    }
  }
  return { lines: lines(), stop: () => rl.close() };
}
