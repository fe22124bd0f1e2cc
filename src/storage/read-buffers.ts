// Reusable buffers for segment reads. A Fetch that misses the tail cache reads up to max_bytes (often
// megabytes) from a segment file; a fresh buffer for each read costs more than the read itself: the
// kernel faults in and zeroes every page, and the garbage collector runs on the external memory
// (measured: ~25% of the broker's time when consuming a backlog with 8 MiB fetches). So reads take a
// buffer from this pool, and whoever finally sends the bytes gives it back once the socket has taken
// them. Giving a buffer back is optional: one that is never released is simply collected, so a caller
// that keeps the bytes (or forgets) is safe; releasing a buffer still in use is the one mistake.
//
// The same pool holds the frames of large Produce requests (the connection cuts them into pooled
// buffers): a frame's batches stay in the log's tail cache and write queue after the request is
// answered, so a frame has several holders, each counted (`retain`, `release`); the buffer returns to
// the pool when the last lets go. A holder that never releases keeps it out of the pool for good, which
// is safe; a holder that uses bytes it did not retain is the mistake to avoid.
//
// Buffers come in power-of-two classes from READ_BUFFER_POOLED_BYTES_MIN up to
// READ_BUFFER_POOLED_BYTES_MAX; smaller or larger reads get plain buffers. The idle buffers kept are
// bounded by `idleBytesMax`.

/** Reads below this size get a plain buffer (allocation is cheap there). */
export const READ_BUFFER_POOLED_BYTES_MIN = 64 * 1024;
/** Reads above this size get a plain buffer. */
export const READ_BUFFER_POOLED_BYTES_MAX = 32 * 1024 * 1024;
/** Idle bytes a pool keeps by default. */
export const READ_BUFFER_IDLE_BYTES_MAX = 32 * 1024 * 1024;

const CLASS_SHIFT_MIN = Math.log2(READ_BUFFER_POOLED_BYTES_MIN);

interface Slab {
  cls: number;
  /** Holders of the buffer (0: idle, or dropped from the idle list). */
  refs: number;
  /** The pool it returns to. */
  pool: ReadBufferPool;
}

/**
 * Every pool's buffers, so that any pool counts the holders of any pooled buffer: a log given a pool of
 * its own still retains a frame the connection took from the shared one, instead of not counting it.
 */
const slabs = new WeakMap<ArrayBuffer, Slab>();

export interface ReadBufferStats {
  /** Buffers handed out from the idle list. */
  reused: number;
  /** Buffers allocated because none of the class was idle. */
  allocated: number;
  /** Bytes held idle now. */
  idleBytes: number;
}

export class ReadBufferPool {
  private readonly idle: ArrayBuffer[][] = [];
  private idleBytes = 0;
  private reused = 0;
  private allocated = 0;

  constructor(readonly idleBytesMax = READ_BUFFER_IDLE_BYTES_MAX) {}

  /** A buffer of exactly `bytes` bytes (its contents are garbage). */
  acquire(bytes: number): Buffer {
    if (bytes < READ_BUFFER_POOLED_BYTES_MIN || bytes > READ_BUFFER_POOLED_BYTES_MAX)
      return Buffer.allocUnsafeSlow(bytes);
    const cls = Math.max(0, Math.ceil(Math.log2(bytes)) - CLASS_SHIFT_MIN);
    const free = this.idle[cls];
    let ab = free?.pop();
    if (ab) {
      this.idleBytes -= ab.byteLength;
      this.reused++;
    } else {
      ab = new ArrayBuffer(READ_BUFFER_POOLED_BYTES_MIN << cls);
      this.allocated++;
    }
    const slab = slabs.get(ab);
    if (slab) slab.refs = 1;
    else slabs.set(ab, { cls, refs: 1, pool: this });
    return Buffer.from(ab, 0, bytes);
  }

  /**
   * Counts one more holder of a leased buffer (or any view of it), who must `release` it once done;
   * false (and nothing to release) for buffers not leased from a pool.
   */
  retain(buf: Uint8Array): boolean {
    const slab = slabs.get(buf.buffer as ArrayBuffer);
    if (!slab || slab.refs === 0) return false;
    slab.refs++;
    return true;
  }

  /** Whether `buf` (or the buffer it views) is leased from a pool and not yet given back. */
  leased(buf: Uint8Array): boolean {
    return (slabs.get(buf.buffer as ArrayBuffer)?.refs ?? 0) > 0;
  }

  /**
   * One holder of the buffer `acquire` returned (or any view of it) is done with its bytes; the last
   * one gives it back to its pool. Buffers that did not come from a pool, and releases past the last, are ignored.
   */
  release(buf: Uint8Array): void {
    const ab = buf.buffer as ArrayBuffer;
    const slab = slabs.get(ab);
    if (!slab || slab.refs === 0) return;
    if (--slab.refs > 0) return;
    slab.pool.giveBack(ab, slab);
  }

  private giveBack(ab: ArrayBuffer, slab: Slab): void {
    if (this.idleBytes + ab.byteLength > this.idleBytesMax) return;
    let free = this.idle[slab.cls];
    if (!free) {
      free = [];
      this.idle[slab.cls] = free;
    }
    free.push(ab);
    this.idleBytes += ab.byteLength;
  }

  /** Drops every idle buffer (memory goes back to the system at the next collection). */
  trim(): void {
    this.idle.length = 0;
    this.idleBytes = 0;
  }

  get stats(): ReadBufferStats {
    return { reused: this.reused, allocated: this.allocated, idleBytes: this.idleBytes };
  }
}

/** The pool partition logs use unless given their own. */
export const sharedReadBuffers = new ReadBufferPool();
