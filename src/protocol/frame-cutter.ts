// Cuts a TCP byte stream into Kafka frames (int32 size + payload) without copying when a frame
// lies inside one chunk, which is the common case. The size is checked against the limit before
// anything is buffered for it, so a 2 GiB prefix costs nothing but a closed connection.

export type CutResult =
  | { kind: 'frame'; frame: Buffer }
  | { kind: 'need-more' }
  | { kind: 'too-large'; sizeBytes: number };

export class FrameCutter {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /**
   * `frameBytesMax`: the largest frame accepted; a connection lowers it before authentication.
   * `allocate`: where a frame that spans chunks is assembled (a broker passes its pool of buffers).
   */
  constructor(
    public frameBytesMax: number,
    private readonly allocate: (bytes: number) => Buffer = (bytes) => Buffer.allocUnsafe(bytes),
  ) {}

  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next complete frame (without its size prefix), if one has arrived. */
  next(): CutResult {
    if (this.buffered < 4) return { kind: 'need-more' };
    const size = this.peekSize();
    if (size < 0 || size > this.frameBytesMax) return { kind: 'too-large', sizeBytes: size };
    if (this.buffered < 4 + size) return { kind: 'need-more' };
    const first = this.chunks[0];
    if (first.length >= 4 + size) {
      const frame = first.subarray(4, 4 + size);
      this.consume(4 + size);
      return { kind: 'frame', frame };
    }
    const whole = this.take(4 + size);
    return { kind: 'frame', frame: whole.subarray(4) };
  }

  private peekSize(): number {
    const first = this.chunks[0];
    if (first.length >= 4) return first.readInt32BE(0);
    const head = Buffer.alloc(4);
    let filled = 0;
    for (const c of this.chunks) {
      const n = Math.min(4 - filled, c.length);
      c.copy(head, filled, 0, n);
      filled += n;
      if (filled === 4) break;
    }
    return head.readInt32BE(0);
  }

  /** Drops `bytes` from the front (they lie inside the first chunk). */
  private consume(bytes: number): void {
    const first = this.chunks[0];
    if (first.length === bytes) this.chunks.shift();
    else this.chunks[0] = first.subarray(bytes);
    this.buffered -= bytes;
  }

  /** Removes and returns the first `bytes` bytes, copying across chunks. */
  private take(bytes: number): Buffer {
    const out = this.allocate(bytes);
    let filled = 0;
    while (filled < bytes) {
      const first = this.chunks[0];
      const n = Math.min(bytes - filled, first.length);
      first.copy(out, filled, 0, n);
      filled += n;
      if (n === first.length) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    }
    this.buffered -= bytes;
    return out;
  }
}
