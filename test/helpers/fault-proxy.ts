// A TCP proxy between a client and a broker that understands Kafka framing, for fault injection in
// tests: it can cut a connection right after the broker answered a request of a given API (so the
// client never sees the answer and must retry), or delay answers.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { FrameCutter } from '../../src/protocol/frame-cutter.js';

export interface FaultProxyOptions {
  /** Where to forward; may be set after start() (the broker can advertise the proxy's port). */
  brokerHost?: string;
  brokerPort?: number;
  /** Called for every response; return 'cut' to drop it and close both sides of that connection. */
  onResponse?: (apiKey: number, correlationId: number, index: number) => 'pass' | 'cut';
}

export class FaultProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;
  /** Responses seen per API key, counting those cut. */
  readonly responses = new Map<number, number>();
  cuts = 0;

  constructor(readonly options: FaultProxyOptions) {}

  async start(): Promise<number> {
    this.server = createServer((client) => this.pipe(client));
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', () => r()));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this.port;
  }

  private pipe(client: Socket): void {
    const upstream = connect({
      host: this.options.brokerHost ?? '127.0.0.1',
      port: this.options.brokerPort ?? 0,
    });
    this.sockets.add(client).add(upstream);
    const inflight = new Map<number, number>();
    const requests = new FrameCutter(1 << 30);
    const responses = new FrameCutter(1 << 30);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (d: Buffer) => {
      requests.push(d);
      for (let r = requests.next(); r.kind === 'frame'; r = requests.next()) {
        if (r.frame.length >= 8) inflight.set(r.frame.readInt32BE(4), r.frame.readInt16BE(0));
      }
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      responses.push(d);
      for (let r = responses.next(); r.kind === 'frame'; r = responses.next()) {
        const correlationId = r.frame.readInt32BE(0);
        const apiKey = inflight.get(correlationId) ?? -1;
        inflight.delete(correlationId);
        const index = this.responses.get(apiKey) ?? 0;
        this.responses.set(apiKey, index + 1);
        if (this.options.onResponse?.(apiKey, correlationId, index) === 'cut') {
          this.cuts++;
          close();
          return;
        }
        const size = Buffer.alloc(4);
        size.writeInt32BE(r.frame.length);
        client.write(Buffer.concat([size, r.frame]));
      }
    });
    for (const s of [client, upstream]) {
      s.on('error', close);
      s.on('close', () => {
        this.sockets.delete(s);
        close();
      });
    }
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
