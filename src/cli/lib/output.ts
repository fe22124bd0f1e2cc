// Buffered standard output for commands that print one line per record: chunks are gathered and
// written together once 64 KiB are waiting or the event loop turns (the consumer waits for data),
// so a fast topic does not cost one write per record, and a slow one still shows up at once.
import { outputClosed, write } from '../tool.js';

const FLUSH_BYTES = 64 * 1024;

export class Output {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private scheduled = false;

  /** Adds a chunk; resolves at once unless a flush had to wait for the pipe. */
  async push(chunk: Buffer): Promise<void> {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    if (this.bytes >= FLUSH_BYTES) await this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.flush();
      });
    }
  }

  async flush(): Promise<void> {
    if (this.chunks.length === 0) return;
    const data = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.bytes);
    this.chunks = [];
    this.bytes = 0;
    await write(data);
  }

  /** True when the reader of stdout went away. */
  get closed(): boolean {
    return outputClosed();
  }
}
