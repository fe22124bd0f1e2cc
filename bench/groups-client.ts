// A minimal pipelined Kafka wire client for the group benchmarks: requests encoded and responses
// decoded by the protocol layer's declarations; any number in flight on one connection.
import { connect, type Socket } from 'node:net';
import { decodeResponseFrame, encodeRequestFrame } from '../src/protocol/frame.js';

// biome-ignore lint/suspicious/noExplicitAny: decoded bodies are read field by field
export type Body = Record<string, any>;

export class BenchClient {
  private correlationId = 0;
  private corked = false;
  private buffered: Buffer = Buffer.alloc(0);
  private readonly waiting = new Map<
    number,
    { apiKey: number; version: number; resolve: (b: Body) => void }
  >();

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
  }

  static connect(port: number): Promise<BenchClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new BenchClient(s)));
      s.once('error', reject);
    });
  }

  request(apiKey: number, version: number, body: unknown, clientId = 'bench'): Promise<Body> {
    const id = ++this.correlationId;
    const frame = encodeRequestFrame(apiKey, version, id, clientId, body);
    // Requests made in the same turn of the event loop leave in one write, as pipelining clients do.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      setImmediate(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    return new Promise<Body>((resolve) => {
      this.waiting.set(id, { apiKey, version, resolve });
      for (const c of frame) this.socket.write(c);
    });
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    let pos = 0;
    while (this.buffered.length - pos >= 4) {
      const size = this.buffered.readInt32BE(pos);
      if (this.buffered.length - pos < 4 + size) break;
      const frame = this.buffered.subarray(pos + 4, pos + 4 + size);
      pos += 4 + size;
      const id = frame.readInt32BE(0);
      const w = this.waiting.get(id);
      if (!w) throw new Error(`unexpected correlation id ${id}`);
      this.waiting.delete(id);
      w.resolve(decodeResponseFrame<Body>(w.apiKey, w.version, frame).body);
    }
    this.buffered = pos === this.buffered.length ? Buffer.alloc(0) : this.buffered.subarray(pos);
  }

  close(): void {
    this.socket.destroy();
  }
}
