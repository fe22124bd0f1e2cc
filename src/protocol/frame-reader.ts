// Cuts Kafka frames (int32 size + payload) out of a byte stream whose reads land in buffers this reader
// chooses (net.Socket's `onread` mode), instead of in a fresh buffer per read. Between frames a read
// lands in a scratch buffer that every reader of the process shares (reads are handled one at a time,
// each before the next starts), and the frames complete in it are copied out; once a frame's size is
// known and its payload has not all arrived, the frame's own buffer is allocated and the next reads land
// straight in it. So the bytes of a large Produce request are copied once, by the kernel, and a
// connection holds no read buffer of its own between requests.

import type { CutResult } from './frame-cutter.js';

/**
 * The scratch buffer every reader of the process may share (the broker's connections and the client's):
 * a read is handled, and what it holds of a frame copied out, before the next read starts.
 */
export const sharedReadScratch = Buffer.allocUnsafeSlow(64 * 1024);

export class FrameReader {
  /** The first bytes of a size prefix that a read ended inside. */
  private readonly prefix = Buffer.alloc(4);
  private prefixBytes = 0;
  /** The frame whose payload is arriving (reads land in it from `filled` on). */
  private frame: Buffer | null = null;
  private filled = 0;
  /** Complete frames not yet taken, in order. */
  private readonly ready: Buffer[] = [];
  private readyBytes = 0;
  /** The size announced by a frame over the limit (nothing after it is read). */
  private tooLargeBytes: number | null = null;

  /**
   * `scratch`: where reads land between frames (may be shared by every reader: what a reader needs of
   * a read is taken out of it before `received` returns). `frameBytesMax`: the largest frame accepted
   * (a connection lowers it before authentication). `allocate`: where frames are assembled.
   */
  constructor(
    private readonly scratch: Buffer,
    public frameBytesMax: number,
    private readonly allocate: (bytes: number) => Buffer,
  ) {}

  /**
   * Bytes held: complete frames not yet taken, the whole buffer of a frame still arriving (allocated
   * once its size is read, as Kafka's NetworkReceive does) and a partial size prefix.
   */
  get bufferedBytes(): number {
    return this.readyBytes + (this.frame?.length ?? 0) + this.prefixBytes;
  }

  /** Where the next read is to land. */
  target(): Buffer {
    return this.frame ? this.frame.subarray(this.filled) : this.scratch;
  }

  /** `n` bytes arrived at the start of the last target(). */
  received(n: number): void {
    if (this.tooLargeBytes !== null) return;
    const frame = this.frame;
    if (frame) {
      this.filled += n;
      if (this.filled === frame.length) {
        this.frame = null;
        this.filled = 0;
        this.push(frame);
      }
      return;
    }
    this.cut(n);
  }

  /** The next complete frame (without its size prefix), a frame over the limit, or need-more. */
  next(): CutResult {
    const frame = this.ready.shift();
    if (frame !== undefined) {
      this.readyBytes -= frame.length;
      return { kind: 'frame', frame };
    }
    if (this.tooLargeBytes !== null) return { kind: 'too-large', sizeBytes: this.tooLargeBytes };
    return { kind: 'need-more' };
  }

  private push(frame: Buffer): void {
    this.ready.push(frame);
    this.readyBytes += frame.length;
  }

  /** Cuts the `n` bytes read into the scratch buffer. */
  private cut(n: number): void {
    const s = this.scratch;
    let pos = 0;
    while (pos < n) {
      let size: number;
      if (this.prefixBytes > 0 || n - pos < 4) {
        const take = Math.min(4 - this.prefixBytes, n - pos);
        s.copy(this.prefix, this.prefixBytes, pos, pos + take);
        this.prefixBytes += take;
        pos += take;
        if (this.prefixBytes < 4) return;
        this.prefixBytes = 0;
        size = this.prefix.readInt32BE(0);
      } else {
        size = s.readInt32BE(pos);
        pos += 4;
      }
      if (size < 0 || size > this.frameBytesMax) {
        this.tooLargeBytes = size;
        return;
      }
      const frame = this.allocate(size);
      const avail = n - pos;
      if (avail >= size) {
        s.copy(frame, 0, pos, pos + size);
        pos += size;
        this.push(frame);
        continue;
      }
      s.copy(frame, 0, pos, n);
      this.frame = frame;
      this.filled = avail;
      return;
    }
  }
}
