// One connection from this node to another node over the Kafka wire: what a broker uses for
// requests to the controller, to partition leaders (follower fetches), and what a controller uses
// for Raft. It guarantees:
// - requests carry correlation ids and responses are matched to them in order (Kafka answers a
//   connection's requests in order, so an answer that is not for the oldest request is a protocol
//   error and drops the connection);
// - versions are negotiated once per connection with ApiVersions (v3, or v0 after error 35), and each
//   request is sent at the highest version both sides speak within the range the caller allows;
// - at most `inFlightRequestsMax` requests are on the wire, at most `queuedRequestsMax` wait, and a
//   send beyond that fails at once (QUEUE_FULL): nothing grows without bound;
// - deadlines (request timeouts, connect timeout, reconnect back-off) go through one shared
//   DeadlineTimer; a request that times out closes the connection, as Kafka's clients do, because the
//   responses queued behind it could only come later;
// - a broken connection fails what was on the wire (DISCONNECTED) and is opened again on the next
//   send, after a back-off that doubles from reconnect.backoff.ms up to reconnect.backoff.max.ms.
// Every outcome is a value (NetResult); nothing here throws for a network failure.
import { connect, type Socket } from 'node:net';
import {
  API_KEY_API_VERSIONS,
  type ApiVersionsResponse,
  apiDecl,
  decodeResponseFrame,
  encodeRequestFrame,
  FrameCutter,
  parseVersions,
  peekCorrelationId,
} from '../../protocol/index.js';
import type { DeadlineParty } from './deadline-timer.js';
import type { Body, ConnectionOptions, NetError, NetErrorCode, NetResult, SendOptions } from './types.js';

export const SOFTWARE_NAME = 'samsa-broker';
export const SOFTWARE_VERSION = '0.1.0';

const DEFAULTS = {
  requestTimeoutMs: 30_000,
  connectTimeoutMs: 10_000,
  reconnectBackoffMs: 50,
  reconnectBackoffMsMax: 1000,
  inFlightRequestsMax: 100,
  queuedRequestsMax: 1000,
  responseBytesMax: 256 * 1024 * 1024,
};

type State = 'idle' | 'connecting' | 'negotiating' | 'ready' | 'backoff' | 'closed';

interface Request {
  apiKey: number;
  body: Body;
  minVersion: number;
  maxVersion: number;
  deadline: number;
  resolve: (r: NetResult<unknown>) => void;
  /** Set once written. */
  correlationId: number;
  version: number;
  /** Internal requests (ApiVersions, handshake) skip version negotiation. */
  internal: boolean;
}

export class NodeConnection implements DeadlineParty {
  readonly label: number | string;
  private readonly o: Required<Omit<ConnectionOptions, 'dial' | 'handshake' | 'assembleFrame'>> &
    Pick<ConnectionOptions, 'dial' | 'handshake' | 'assembleFrame'>;
  private state: State = 'idle';
  private socket: Socket | null = null;
  private cutter: FrameCutter;
  private readonly queue: Request[] = [];
  private readonly inflight: Request[] = [];
  private nextCorrelationId = 1;
  private corked = false;
  private failures = 0;
  private backoffUntilMs = 0;
  private connectDeadlineMs = 0;
  /** The peer's ranges from ApiVersions: apiKey -> [min, max]. */
  private readonly peer = new Map<number, readonly [number, number]>();

  constructor(options: ConnectionOptions) {
    this.o = { ...DEFAULTS, ...options } as typeof this.o;
    this.label = options.label;
    this.cutter = new FrameCutter(this.o.responseBytesMax, this.o.assembleFrame);
  }

  get host(): string {
    return this.o.host;
  }

  get port(): number {
    return this.o.port;
  }

  /** True once connected and versions are known. */
  get isReady(): boolean {
    return this.state === 'ready';
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Requests on the wire plus those waiting. */
  get pendingRequests(): number {
    return this.inflight.length + this.queue.length;
  }

  /** The peer's version range of an API, once negotiated. */
  peerVersions(apiKey: number): readonly [number, number] | undefined {
    return this.peer.get(apiKey);
  }

  /** Sends a request and resolves with its response body, or with why there is none. */
  send<T = unknown>(apiKey: number, body: Body, options: SendOptions = {}): Promise<NetResult<T>> {
    const decl = apiDecl(apiKey);
    if (!decl) return Promise.resolve(this.error('PROTOCOL', `unknown API key ${apiKey}`));
    if (this.state === 'closed') return Promise.resolve(this.error('CLOSED', 'connection closed'));
    if (this.queue.length >= this.o.queuedRequestsMax)
      return Promise.resolve(
        this.error('QUEUE_FULL', `${this.queue.length} requests already wait for node ${this.label}`),
      );
    const valid = parseVersions(decl.request.valid);
    return new Promise<NetResult<T>>((resolve) => {
      this.queue.push({
        apiKey,
        body,
        minVersion: Math.max(valid.min, options.minVersion ?? valid.min),
        maxVersion: Math.min(valid.max, options.maxVersion ?? valid.max),
        deadline: Date.now() + (options.timeoutMs ?? this.o.requestTimeoutMs),
        resolve: resolve as (r: NetResult<unknown>) => void,
        correlationId: -1,
        version: -1,
        internal: false,
      });
      this.pump();
      this.reschedule();
    });
  }

  /** Closes for good: every waiting request resolves with CLOSED. */
  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.dropSocket();
    this.failAll(this.inflight, 'CLOSED', 'connection closed');
    this.failAll(this.queue, 'CLOSED', 'connection closed');
    this.o.timer.schedule(this, null);
  }

  /** Drops the current socket (fault injection, or an address that changed); the next send reconnects. */
  disconnect(reason: string): void {
    if (this.state === 'closed' || this.state === 'idle' || this.state === 'backoff') return;
    this.onFailure(reason, false);
  }

  private error(code: NetErrorCode, message: string): { ok: false; error: NetError } {
    return { ok: false, error: { code, message, node: this.label } };
  }

  private failAll(list: Request[], code: NetErrorCode, message: string): void {
    const failed = list.splice(0, list.length);
    for (const r of failed) r.resolve(this.error(code, message));
  }

  // ---- connection life cycle ----

  private pump(): void {
    if (this.state === 'idle' && this.queue.length > 0) {
      this.open();
      return;
    }
    if (this.state !== 'ready') return;
    while (this.inflight.length < this.o.inFlightRequestsMax && this.queue.length > 0) {
      const req = this.queue.shift() as Request;
      const version = this.pickVersion(req);
      if (version === null) {
        const peer = this.peer.get(req.apiKey);
        const name = apiDecl(req.apiKey)?.name ?? `API ${req.apiKey}`;
        req.resolve(
          this.error(
            'UNSUPPORTED_VERSION',
            `node ${this.label} speaks ${name} ${peer ? `v${peer[0]}-${peer[1]}` : 'in no version'}, this request needs v${req.minVersion}-${req.maxVersion}`,
          ),
        );
        continue;
      }
      this.write(req, version);
    }
  }

  private pickVersion(req: Request): number | null {
    const peer = this.peer.get(req.apiKey);
    if (!peer) return null;
    const max = Math.min(peer[1], req.maxVersion);
    return max >= Math.max(peer[0], req.minVersion) ? max : null;
  }

  private open(): void {
    this.state = 'connecting';
    this.cutter = new FrameCutter(this.o.responseBytesMax, this.o.assembleFrame);
    this.connectDeadlineMs = Date.now() + this.o.connectTimeoutMs;
    const socket = this.o.dial
      ? this.o.dial(this.o.host, this.o.port)
      : connect({ host: this.o.host, port: this.o.port, noDelay: true });
    this.socket = socket;
    socket.setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => {
      if (this.socket === socket) this.onData(chunk);
    });
    socket.on('error', (err) => {
      if (this.socket === socket)
        this.onFailure(`connection to ${this.where()} failed: ${err.message}`, true);
    });
    socket.on('close', () => {
      if (this.socket === socket) this.onFailure(`connection to ${this.where()} closed`, true);
    });
    socket.once('connect', () => {
      if (this.socket === socket) void this.negotiate();
    });
    this.reschedule();
  }

  private where(): string {
    return `node ${this.label} (${this.o.host}:${this.o.port})`;
  }

  /** ApiVersions v3 (v0 if the peer answers error 35), then the optional handshake. */
  private async negotiate(): Promise<void> {
    this.state = 'negotiating';
    let version = 3;
    for (let attempt = 0; attempt < 3; attempt++) {
      const body =
        version >= 3 ? { clientSoftwareName: SOFTWARE_NAME, clientSoftwareVersion: SOFTWARE_VERSION } : {};
      const r = await this.exchange(API_KEY_API_VERSIONS, version, body);
      if (this.state !== 'negotiating') return;
      if (!r.ok) return;
      const res = r.body as ApiVersionsResponse;
      if (res.errorCode === 35 && version > 0) {
        version = 0;
        continue;
      }
      if (res.errorCode !== 0) {
        this.onFailure(`ApiVersions to ${this.where()} failed with error ${res.errorCode}`, true);
        return;
      }
      this.peer.clear();
      for (const k of res.apiKeys) this.peer.set(k.apiKey, [k.minVersion, k.maxVersion]);
      break;
    }
    if (this.o.handshake) {
      const problem = await this.o.handshake((k, v, b) => this.exchange(k, v, b), this.peer);
      if (this.state !== 'negotiating') return;
      if (problem) {
        // Kafka logs a failed authentication to a peer at every attempt; once per streak is enough
        // to tell the operator (a wrong password stays wrong), the rest goes to debug.
        if (this.failures === 0)
          this.o.log.warn('connection to node failed authentication', { node: this.label, reason: problem });
        this.onFailure(`handshake with ${this.where()} failed: ${problem}`, true);
        return;
      }
    }
    this.state = 'ready';
    this.failures = 0;
    this.pump();
    this.reschedule();
  }

  /** A request outside the queue, at a fixed version, during connection set-up. */
  private exchange(apiKey: number, version: number, body: unknown): Promise<NetResult<unknown>> {
    return new Promise((resolve) => {
      const req: Request = {
        apiKey,
        body,
        minVersion: version,
        maxVersion: version,
        deadline: Date.now() + this.o.requestTimeoutMs,
        resolve,
        correlationId: -1,
        version,
        internal: true,
      };
      this.write(req, version);
      this.reschedule();
    });
  }

  private write(req: Request, version: number): void {
    const socket = this.socket as Socket;
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = correlationId === 0x7fffffff ? 1 : correlationId + 1;
    let chunks: Buffer[];
    try {
      const body = typeof req.body === 'function' ? (req.body as (v: number) => unknown)(version) : req.body;
      chunks = encodeRequestFrame(req.apiKey, version, correlationId, this.o.clientId, body);
    } catch (err) {
      const name = apiDecl(req.apiKey)?.name;
      req.resolve(this.error('PROTOCOL', `cannot encode ${name} v${version}: ${(err as Error).message}`));
      return;
    }
    req.correlationId = correlationId;
    req.version = version;
    this.inflight.push(req);
    if (!this.corked) {
      // Requests sent in one tick leave in one write.
      this.corked = true;
      socket.cork();
      process.nextTick(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    for (const c of chunks) socket.write(c);
  }

  private onData(chunk: Buffer): void {
    this.cutter.push(chunk);
    for (;;) {
      const cut = this.cutter.next();
      if (cut.kind === 'need-more') return;
      if (cut.kind === 'too-large') {
        this.onFailure(`response frame of ${cut.sizeBytes} bytes from ${this.where()} is too large`, false);
        return;
      }
      this.onFrame(cut.frame);
      if (this.state === 'closed' || this.socket === null) return;
    }
  }

  private onFrame(frame: Buffer): void {
    const head = this.inflight[0];
    let correlationId = -1;
    try {
      correlationId = peekCorrelationId(frame);
    } catch {}
    if (!head || head.correlationId !== correlationId) {
      this.onFailure(
        `${this.where()} answered correlation id ${correlationId}, expected ${head?.correlationId ?? 'none'}`,
        false,
        'PROTOCOL',
      );
      return;
    }
    this.inflight.shift();
    head.resolve(this.decode(head, frame));
    this.pump();
    this.reschedule();
  }

  private decode(req: Request, frame: Buffer): NetResult<unknown> {
    try {
      return {
        ok: true,
        body: decodeResponseFrame(req.apiKey, req.version, frame).body,
        version: req.version,
        frame,
      };
    } catch (err) {
      if (req.apiKey === API_KEY_API_VERSIONS) {
        // A peer that does not know our ApiVersions version answers with a v0 body.
        try {
          return { ok: true, body: decodeResponseFrame(req.apiKey, 0, frame).body, version: 0, frame };
        } catch {}
      }
      const name = apiDecl(req.apiKey)?.name;
      return this.error(
        'PROTOCOL',
        `cannot decode ${name} v${req.version} from ${this.where()}: ${(err as Error).message}`,
      );
    }
  }

  /**
   * The connection broke (or must be dropped). What was on the wire fails; before the connection was
   * ever ready, the queued requests fail too, so a caller can try another node instead of waiting.
   */
  private onFailure(reason: string, countFailure: boolean, code: NetErrorCode = 'DISCONNECTED'): void {
    if (this.state === 'closed') return;
    const neverReady = this.state === 'connecting' || this.state === 'negotiating';
    this.dropSocket();
    this.o.log.debug('connection to node failed', { node: this.label, reason });
    this.failAll(this.inflight, code, reason);
    if (neverReady) this.failAll(this.queue, 'DISCONNECTED', reason);
    if (countFailure || neverReady) this.failures++;
    const base = this.o.reconnectBackoffMs * 2 ** Math.max(0, this.failures - 1);
    const jitter = 0.8 + Math.random() * 0.4;
    const backoff = this.failures === 0 ? 0 : Math.min(this.o.reconnectBackoffMsMax, base) * jitter;
    this.backoffUntilMs = Date.now() + backoff;
    this.state = 'backoff';
    this.reschedule();
  }

  private dropSocket(): void {
    const socket = this.socket;
    this.socket = null;
    this.corked = false;
    if (socket) socket.destroy();
  }

  // ---- deadlines ----

  onDeadline(nowMs: number): void {
    if (this.state === 'closed') return;
    if (this.state === 'backoff' && nowMs >= this.backoffUntilMs) {
      this.state = 'idle';
      this.pump();
    }
    if (
      (this.state === 'connecting' || this.state === 'negotiating') &&
      nowMs >= this.connectDeadlineMs + this.o.requestTimeoutMs
    ) {
      this.onFailure(`connection set-up with ${this.where()} timed out`, true);
    } else if (this.state === 'connecting' && nowMs >= this.connectDeadlineMs) {
      this.onFailure(`connecting to ${this.where()} timed out`, true);
    }
    this.expireQueued(nowMs);
    const expired = this.inflight.find((r) => r.deadline <= nowMs);
    if (expired) {
      const name = apiDecl(expired.apiKey)?.name;
      this.inflight.splice(this.inflight.indexOf(expired), 1);
      expired.resolve(this.error('TIMEOUT', `${name} to ${this.where()} timed out`));
      this.onFailure(`a ${name} request to ${this.where()} timed out`, false);
    }
    this.reschedule();
  }

  private expireQueued(nowMs: number): void {
    if (!this.queue.some((r) => r.deadline <= nowMs)) return;
    const kept: Request[] = [];
    for (const r of this.queue) {
      if (r.deadline <= nowMs) {
        const name = apiDecl(r.apiKey)?.name;
        r.resolve(this.error('TIMEOUT', `${name} to ${this.where()} timed out before it could be sent`));
      } else kept.push(r);
    }
    this.queue.splice(0, this.queue.length, ...kept);
  }

  private reschedule(): void {
    if (this.state === 'closed') return;
    let next = Number.POSITIVE_INFINITY;
    for (const r of this.inflight) if (r.deadline < next) next = r.deadline;
    for (const r of this.queue) if (r.deadline < next) next = r.deadline;
    if (this.state === 'backoff') next = Math.min(next, this.backoffUntilMs);
    if (this.state === 'connecting') next = Math.min(next, this.connectDeadlineMs);
    if (this.state === 'negotiating') next = Math.min(next, this.connectDeadlineMs + this.o.requestTimeoutMs);
    this.o.timer.schedule(this, Number.isFinite(next) ? next : null);
  }
}
