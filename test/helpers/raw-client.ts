// A bare Kafka protocol client for handler tests: sends one request at a time (or pipelined) with
// exact versions and returns the decoded responses, so tests see precisely what the broker answers.
import { connect, type Socket } from 'node:net';
import { type ConnectionOptions, connect as connectTls } from 'node:tls';
import { decodeResponseFrame, encodeRequestFrame } from '../../src/protocol/frame.js';
import { FrameCutter } from '../../src/protocol/frame-cutter.js';

export class RawClient {
  private readonly cutter = new FrameCutter(1 << 30);
  private readonly waiting: {
    apiKey: number;
    version: number;
    resolve: (frame: Buffer) => void;
    reject: (e: Error) => void;
  }[] = [];
  private correlationId = 1;
  private closedError: Error | null = null;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.cutter.push(d);
      for (let r = this.cutter.next(); r.kind === 'frame'; r = this.cutter.next())
        this.waiting.shift()?.resolve(r.frame);
    });
    socket.on('close', () => {
      this.closedError = new Error('connection closed by the broker');
      for (const w of this.waiting.splice(0)) w.reject(this.closedError);
    });
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** A TLS connection (options: ca, cert, key, ...); rejects when the handshake fails. */
  static connectTls(port: number, options: ConnectionOptions, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connectTls({ port, host, ...options }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** SaslHandshake v1 and one SaslAuthenticate with PLAIN; resolves with the SaslAuthenticate answer. */
  // biome-ignore lint/suspicious/noExplicitAny: tests look at response fields freely
  async plain(user: string, password: string, authVersion = 2): Promise<any> {
    const hs = await this.request(17, 1, { mechanism: 'PLAIN' });
    if (hs.errorCode !== 0) return hs;
    return this.request(36, authVersion, { authBytes: Buffer.from(`\u0000${user}\u0000${password}`) });
  }

  /** Sends a request and resolves with its decoded response body. */
  // biome-ignore lint/suspicious/noExplicitAny: tests look at response fields freely
  async request<T = any>(apiKey: number, version: number, body: unknown, clientId = 'raw-test'): Promise<T> {
    const frame = await this.send(
      Buffer.concat(encodeRequestFrame(apiKey, version, this.correlationId++, clientId, body)),
      apiKey,
      version,
    );
    return decodeResponseFrame<T>(apiKey, version, frame).body;
  }

  /** Sends raw bytes; resolves with the next response frame (without size prefix). */
  send(bytes: Buffer, apiKey = -1, version = -1): Promise<Buffer> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      this.waiting.push({ apiKey, version, resolve, reject });
      this.socket.write(bytes);
    });
  }

  /** Resolves when the broker closes the connection (or after `timeoutMs`, with false). */
  closed(timeoutMs = 2000): Promise<boolean> {
    if (this.socket.destroyed || this.closedError) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
