// One client connection: cuts frames, hands each to the dispatcher in arrival order, and writes the
// responses back in request order (DESIGN.md §6), coalescing what is ready into one corked write.
//
// Requests are applied one at a time, as Kafka does. A handler may return `deferred(promise)` once
// its effects are applied (a produce whose offsets are assigned, a parked fetch): the connection then
// moves on to the next request while that response is pending, and still answers in order.
import type { Socket } from 'node:net';
import { FrameCutter } from '../../protocol/frame-cutter.js';
import { FrameReader, sharedReadScratch } from '../../protocol/frame-reader.js';
import { ANONYMOUS, type KafkaPrincipal } from '../../security/principal.js';
import { READ_BUFFER_POOLED_BYTES_MIN, sharedReadBuffers } from '../../storage/read-buffers.js';
import type { Logger } from '../logger.js';
import type { SaslSession } from './sasl-session.js';
import { readInto } from './socket-reads.js';

/**
 * A response's bytes, written in order. `afterWrite` runs once the socket has taken all of them (not
 * when the connection closes first): a Fetch gives its pooled read buffers back then.
 */
export type Chunks = Buffer[] & { afterWrite?: () => void };

/** A response that will be ready later, while the connection goes on with the next request. */
export class Deferred {
  constructor(readonly promise: Promise<Chunks | null>) {}
}

export function deferred(promise: Promise<Chunks | null>): Deferred {
  return new Deferred(promise);
}

/** Close the connection without answering (malformed frame, unsupported version, ...). */
export class CloseConnection {
  constructor(readonly reason: string) {}
}

/** What a dispatcher returns: response chunks, null for no response (acks=0), or one of the above. */
export type Reply = Chunks | null | Promise<Chunks | null | CloseConnection> | Deferred | CloseConnection;

export interface ConnectionInfo {
  id: number;
  listenerName: string;
  securityProtocol: string;
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
}

export interface Dispatcher {
  dispatch(conn: Connection, frame: Buffer): Reply;
}

export interface ConnectionLimits {
  frameBytesMax: number;
  /** Responses that may be pending at once before the connection stops reading. */
  pendingResponsesMax: number;
  /** Bytes queued in the socket before the connection stops reading. */
  writeBufferBytesMax: number;
}

interface Slot {
  chunks: Chunks | null;
  ready: boolean;
}

/**
 * Where a frame that spans socket reads is assembled. Large frames (Produce requests of many batches)
 * come from the pool the logs give back to (handlers/registry.ts releases a Produce frame once answered,
 * the log its retained batches once written and out of its tail cache): a fresh megabyte per request
 * would have the collector run on the external memory every few dozen requests.
 */
function assembleFrame(bytes: number): Buffer {
  return bytes >= READ_BUFFER_POOLED_BYTES_MIN ? sharedReadBuffers.acquire(bytes) : Buffer.allocUnsafe(bytes);
}

export class Connection {
  readonly info: ConnectionInfo;
  lastActivityMs: number;
  /** performance.now() when bytes last arrived: the receive time of the requests cut from them. */
  receivedAtMs = 0;
  /** Per-connection state handlers may keep. */
  readonly state: Record<string, unknown> = {};
  /** The SASL exchange of a SASL listener's connection (null on PLAINTEXT and SSL listeners). */
  sasl: SaslSession | null = null;
  /** The principal of a PLAINTEXT or SSL connection (the client certificate's, mapped). */
  transportPrincipal: KafkaPrincipal = ANONYMOUS;
  /** When the connection was accepted (the clock of `now`). */
  readonly openedAtMs: number;
  /** Set once the connection is to close after the responses already queued are written. */
  private closingReason: string | null = null;
  /**
   * Cuts the requests out of what the socket reads: a FrameReader where the reads land in the buffers it
   * chooses (socket-reads.ts), else a FrameCutter fed 'data' chunks.
   */
  private readonly frames: FrameReader | FrameCutter;
  private readonly slots: Slot[] = [];
  private busy = false;
  private closed = false;
  private paused = false;

  constructor(
    readonly socket: Socket,
    info: Omit<ConnectionInfo, 'remoteAddress' | 'remotePort' | 'localAddress' | 'localPort'>,
    private readonly dispatcher: Dispatcher,
    private readonly limits: ConnectionLimits,
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly onClose: (conn: Connection) => void,
  ) {
    this.info = {
      ...info,
      remoteAddress: unmapIpv4(socket.remoteAddress ?? ''),
      remotePort: socket.remotePort ?? 0,
      localAddress: unmapIpv4(socket.localAddress ?? ''),
      localPort: socket.localPort ?? 0,
    };
    this.lastActivityMs = now();
    this.openedAtMs = this.lastActivityMs;
    socket.setNoDelay(true);
    const reader = new FrameReader(sharedReadScratch, limits.frameBytesMax, assembleFrame);
    const received = (bytes: number) => {
      reader.received(bytes);
      this.afterRead();
    };
    if (readInto(socket, () => reader.target(), received)) this.frames = reader;
    else {
      const cutter = new FrameCutter(limits.frameBytesMax, assembleFrame);
      this.frames = cutter;
      socket.on('data', (chunk: Buffer) => {
        cutter.push(chunk);
        this.afterRead();
      });
    }
    socket.on('drain', () => this.maybeResume());
    socket.on('error', (err) => this.log.debug('connection error', { conn: this.info.id, err: err.message }));
    socket.on('close', () => this.teardown());
  }

  /**
   * The request cut into `frame` was answered and nothing holds its bytes any more but what retained
   * them (see assembleFrame): a pooled frame goes back to the pool.
   */
  frameDone(frame: Buffer): void {
    sharedReadBuffers.release(frame);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Who the client is: its SASL identity, else its certificate's, else User:ANONYMOUS. */
  get principal(): KafkaPrincipal {
    return this.sasl ? this.sasl.principal : this.transportPrincipal;
  }

  /** False while a SASL connection has not authenticated (or is re-authenticating, which keeps it). */
  get authenticated(): boolean {
    return this.sasl === null || this.sasl.authenticated;
  }

  /** The largest frame read from now on (sasl.server.max.receive.size before authentication). */
  setFrameBytesMax(bytes: number, limitName: string): void {
    this.frames.frameBytesMax = bytes;
    this.frameLimitName = limitName;
  }

  private frameLimitName = 'socket.request.max.bytes';

  /** Reads nothing more, and closes once the responses already queued are written. */
  closeAfterResponses(reason: string): void {
    if (this.closingReason !== null || this.closed) return;
    this.closingReason = reason;
    this.socket.pause();
    // Called from inside a handler: the answer is not queued yet; pump() closes once it is written.
  }

  private closeIfDone(): void {
    if (this.closingReason === null || this.closed || this.slots.length > 0 || this.busy) return;
    this.log.info('closing connection', {
      conn: this.info.id,
      remote: `${this.info.remoteAddress}:${this.info.remotePort}`,
      reason: this.closingReason,
    });
    this.teardown();
    this.socket.end();
    // A peer that never reads its last answer does not keep the socket open.
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  get pendingResponses(): number {
    return this.slots.length;
  }

  private afterRead(): void {
    this.lastActivityMs = this.now();
    this.receivedAtMs = performance.now();
    this.pump();
    if (this.sasl) this.accountPreauth();
  }

  /**
   * Bytes buffered by connections that have not authenticated, across the whole server: each holds
   * at most one frame of sasl.server.max.receive.size, and together no more than the budget, so a
   * crowd of half-sent frames cannot exhaust memory.
   */
  preauthBudget: { bytes: number; bytesMax: number } | null = null;
  private preauthCounted = 0;

  private accountPreauth(): void {
    const budget = this.preauthBudget;
    if (!budget) return;
    const buffered = this.closed || this.authenticated ? 0 : this.frames.bufferedBytes;
    budget.bytes += buffered - this.preauthCounted;
    this.preauthCounted = buffered;
    if (buffered > 0 && budget.bytes > budget.bytesMax)
      this.close(`unauthenticated connections hold more than ${budget.bytesMax} bytes of partial requests`);
  }

  private pump(): void {
    while (!this.busy && !this.closed && this.closingReason === null) {
      // A throttled client's requests wait, even those already read (Kafka mutes the channel).
      if (this.throttleTimer !== null) return;
      if (this.slots.length >= this.limits.pendingResponsesMax) {
        this.pause();
        return;
      }
      const cut = this.frames.next();
      if (cut.kind === 'need-more') return;
      if (cut.kind === 'too-large') {
        this.close(
          `frame of ${cut.sizeBytes} bytes exceeds ${this.frameLimitName} (${this.frames.frameBytesMax})`,
        );
        return;
      }
      this.process(cut.frame);
    }
    this.closeIfDone();
  }

  private process(frame: Buffer): void {
    let reply: Reply;
    try {
      reply = this.dispatcher.dispatch(this, frame);
    } catch (err) {
      this.log.error('request handler failed', { conn: this.info.id, err: (err as Error).stack });
      this.close('internal error');
      return;
    }
    if (reply === null) return;
    if (reply instanceof CloseConnection) {
      this.close(reply.reason);
      return;
    }
    const slot: Slot = { chunks: null, ready: false };
    this.slots.push(slot);
    if (Array.isArray(reply)) {
      this.fill(slot, reply);
    } else if (reply instanceof Deferred) {
      reply.promise.then(
        (chunks) => this.fill(slot, chunks),
        (err) => this.fail(err),
      );
    } else {
      this.busy = true;
      reply.then(
        (result) => {
          this.busy = false;
          if (result instanceof CloseConnection) {
            this.close(result.reason);
            return;
          }
          this.fill(slot, result);
          this.closeIfDone();
          this.pump();
        },
        (err) => this.fail(err),
      );
    }
  }

  private fail(err: unknown): void {
    this.log.error('request handler failed', {
      conn: this.info.id,
      err: (err as Error)?.stack ?? String(err),
    });
    this.close('internal error');
  }

  private fill(slot: Slot, chunks: Chunks | null): void {
    slot.chunks = chunks;
    slot.ready = true;
    this.flush();
  }

  /** Writes every ready response at the head of the queue, in order, in one corked burst. */
  private flush(): void {
    if (this.closed || this.slots.length === 0 || !this.slots[0].ready) return;
    this.socket.cork();
    while (this.slots.length > 0 && this.slots[0].ready) {
      const chunks = (this.slots.shift() as Slot).chunks;
      if (!chunks || chunks.length === 0) continue;
      const last = chunks.length - 1;
      for (let i = 0; i < last; i++) this.socket.write(chunks[i]);
      const after = chunks.afterWrite;
      if (after)
        this.socket.write(chunks[last], (err) => {
          if (!err) after();
        });
      else this.socket.write(chunks[last]);
    }
    this.socket.uncork();
    this.lastActivityMs = this.now();
    if (this.closingReason !== null) {
      this.closeIfDone();
      return;
    }
    if (this.socket.writableLength > this.limits.writeBufferBytesMax) this.pause();
    else this.maybeResume();
  }

  /** Until when reading is held back for a quota (performance.now() time). */
  private throttledUntilMs = 0;
  private throttleTimer: NodeJS.Timeout | null = null;

  /**
   * Stops reading this client's requests for `ms` (a quota's throttle time, KIP-219): responses
   * already queued still go out; the next request is read once the time is up.
   */
  throttle(ms: number): void {
    if (ms <= 0 || this.closed) return;
    const until = performance.now() + ms;
    if (until <= this.throttledUntilMs) return;
    this.throttledUntilMs = until;
    this.pause();
    if (this.throttleTimer) clearTimeout(this.throttleTimer);
    this.throttleTimer = setTimeout(() => {
      this.throttleTimer = null;
      this.maybeResume();
    }, ms);
    this.throttleTimer.unref();
  }

  private pause(): void {
    if (!this.paused && !this.closed) {
      this.paused = true;
      this.socket.pause();
    }
  }

  private maybeResume(): void {
    if (!this.paused || this.closed) return;
    if (this.throttleTimer !== null && performance.now() < this.throttledUntilMs) return;
    if (
      this.slots.length < this.limits.pendingResponsesMax &&
      this.socket.writableLength <= this.limits.writeBufferBytesMax
    ) {
      this.paused = false;
      this.socket.resume();
      this.pump();
    }
  }

  /** Closes the connection; pending responses are dropped. */
  close(reason: string): void {
    if (this.closed) return;
    this.log.info('closing connection', {
      conn: this.info.id,
      remote: `${this.info.remoteAddress}:${this.info.remotePort}`,
      reason,
    });
    this.teardown();
    this.socket.destroy();
  }

  /** Stops reading new requests and closes once every pending response has been written. */
  async drain(timeoutMs: number): Promise<void> {
    this.socket.pause();
    const deadline = this.now() + timeoutMs;
    while (!this.closed && (this.slots.length > 0 || this.busy) && this.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    if (!this.closed) {
      this.teardown();
      this.socket.end();
      // A paused socket would never read the peer's FIN (and keeps nothing alive that would): read
      // again so it closes, and destroy it if the peer does not close its side in time.
      this.socket.resume();
      const socket = this.socket;
      const timer = setTimeout(() => socket.destroy(), 1000);
      socket.once('close', () => clearTimeout(timer));
    }
  }

  private teardown(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.preauthBudget) {
      this.preauthBudget.bytes -= this.preauthCounted;
      this.preauthCounted = 0;
    }
    if (this.throttleTimer) clearTimeout(this.throttleTimer);
    this.slots.length = 0;
    this.onClose(this);
  }
}

function unmapIpv4(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
