// One TCP connection to one broker. It negotiates versions with ApiVersions (the highest version
// both sides support, per API), pipelines requests with correlation ids, coalesces the writes of
// one tick into one writev (cork/uncork), cuts response frames without copying and decodes each
// by the version its request was sent with. Deadlines are checked by one shared sweeper timer, not
// a timer per request; a request that passes its deadline closes the connection, as the Java
// client does, because the responses behind it can only come later (Kafka answers in order).
import { connect, isIP, type OnReadOpts, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { FrameReader, sharedReadScratch } from '../protocol/frame-reader.js';
import {
  API_KEY_API_VERSIONS,
  type ApiVersionsResponse,
  apiDecl,
  type CutResult,
  DecodeError,
  decodeResponseFrame,
  encodeRequestFrame,
  FrameCutter,
  peekCorrelationId,
} from '../protocol/index.js';
import type { Logger } from './config.js';
import { clientError, type KafkaError, kafkaError } from './errors.js';
import { type ClientSecurity, PLAINTEXT, saslClient } from './security.js';
import { clientThrottleMs } from './throttle.js';
import { CLIENT_VERSION, CLIENT_VERSIONS } from './versions.js';

const RESPONSE_FRAME_BYTES_MAX = 256 * 1024 * 1024;

interface Pending {
  correlationId: number;
  apiKey: number;
  version: number;
  deadline: number;
  resolve: (body: unknown) => void;
  reject: (err: KafkaError) => void;
}

export interface ConnectionOptions {
  host: string;
  port: number;
  /** Node id, or "host:port" for a bootstrap connection. */
  label: number | string;
  clientId: string;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  logger?: Logger;
  sweeper: Sweeper;
  /** TLS and SASL (default PLAINTEXT). */
  security?: ClientSecurity;
}

const API_KEY_SASL_HANDSHAKE = 17;
const API_KEY_SASL_AUTHENTICATE = 36;

export interface SendOptions {
  /** Overrides the request timeout (a long-poll Fetch adds its max wait). */
  timeoutMs?: number;
  /** Requests without a response (Produce with acks=0): resolves once written. */
  noResponse?: boolean;
  /** The highest version to use, below the negotiated one (Produce v11 for a transactions-V1 producer). */
  maxVersion?: number;
}

/** One timer for the deadlines of every request of a client. */
export class Sweeper {
  private readonly connections = new Set<Connection>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly tickMs = 100) {}

  add(c: Connection): void {
    this.connections.add(c);
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), this.tickMs);
      this.timer.unref();
    }
  }

  remove(c: Connection): void {
    this.connections.delete(c);
    if (this.connections.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const c of this.connections) c.expire(now);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.connections.clear();
  }
}

/** A request written once a broker's throttle time is up; `dropped` if its connection closes first. */
interface HeldRequest {
  write: () => void;
  dropped?: () => void;
}

/** tls.connect takes `onread` as net.connect does (documented in Node 20); @types/node leaves it out. */
function tlsOnRead(onread: OnReadOpts): object {
  return { onread };
}

export class Connection {
  readonly label: number | string;
  private socket: Socket | null = null;
  /** Cuts 'data' chunks into frames, where a socket does not read through a FrameReader. */
  private readonly cutter = new FrameCutter(RESPONSE_FRAME_BYTES_MAX);
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId = 1;
  private corked = false;
  private closedError: KafkaError | null = null;
  /**
   * Until when (Date.now() time) a broker asked this client to send nothing more (KIP-219): requests
   * made meanwhile wait here, in order, and are written when the time is up.
   */
  private throttledUntilMs = 0;
  private readonly held: HeldRequest[] = [];
  private heldTimer: NodeJS.Timeout | null = null;
  private readonly versions = new Map<number, number>();
  private readyPromise: Promise<void> | null = null;
  private readonly closeListeners: ((err: KafkaError | null) => void)[] = [];
  /** Broker ranges from ApiVersions: apiKey -> [min, max]. */
  readonly brokerVersions = new Map<number, [number, number]>();
  /** Features from ApiVersions v3+ (metadata.version, kraft.version, ...): what the broker supports and what is finalized. */
  features: {
    supported: { name: string; minVersion: number; maxVersion: number }[];
    finalized: { name: string; minVersionLevel: number; maxVersionLevel: number }[];
    finalizedEpoch: number;
  } = { supported: [], finalized: [], finalizedEpoch: -1 };
  lastUsedMs = Date.now();

  constructor(private readonly options: ConnectionOptions) {
    this.label = options.label;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** How much longer requests on this connection wait for a broker's throttle time (KIP-219), in ms. */
  get throttledForMs(): number {
    return Math.max(0, this.throttledUntilMs - Date.now());
  }

  get isClosed(): boolean {
    return this.closedError !== null;
  }

  get isReady(): boolean {
    return this.socket !== null && this.versions.size > 0 && this.closedError === null;
  }

  onClose(listener: (err: KafkaError | null) => void): void {
    this.closeListeners.push(listener);
  }

  /** Connects and negotiates versions; the same promise for every caller. */
  ready(): Promise<void> {
    if (!this.readyPromise) this.readyPromise = this.open();
    return this.readyPromise;
  }

  /** The version of `apiKey` both sides support, or undefined when there is none. */
  versionOf(apiKey: number): number | undefined {
    return this.versions.get(apiKey);
  }

  version(apiKey: number): number {
    const v = this.versions.get(apiKey);
    if (v === undefined) {
      const name = apiDecl(apiKey)?.name ?? `API ${apiKey}`;
      throw clientError(
        'UNSUPPORTED_VERSION',
        `the broker supports no version of ${name} this client speaks`,
        {
          broker: this.label,
          api: name,
          errorCode: 35,
        },
      );
    }
    return v;
  }

  private async open(): Promise<void> {
    const { host, port } = this.options;
    const security = this.options.security ?? PLAINTEXT;
    await new Promise<void>((resolve, reject) => {
      const tls = security.tls;
      const onread = this.directReads();
      const socket = tls
        ? connectTls({
            host,
            port,
            ...(isIP(host) ? {} : { servername: host }),
            ...tls,
            ...tlsOnRead(onread),
          })
        : connect({ host, port, noDelay: true, onread });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(this.fail('CONNECTION_FAILED', `connect to ${host}:${port} timed out`));
      }, this.options.connectTimeoutMs);
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        socket.off('error', onError);
        this.attach(socket);
        resolve();
      });
      const onError = (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        // A certificate the client does not trust (or that names another host) will not get better
        // by retrying: it fails the call, as the Java client's SslAuthenticationException does.
        if (tls && /CERT|SSL|TLS|SELF_SIGNED|VERIFY|ALTNAME/i.test(err.code ?? '')) {
          const e = clientError(
            'SSL_AUTHENTICATION_FAILED',
            `TLS handshake with ${host}:${port} failed: ${err.message}`,
            {
              broker: this.label,
              retriable: false,
              cause: err,
            },
          );
          this.close(e);
          reject(e);
          return;
        }
        reject(this.fail('CONNECTION_FAILED', `connect to ${host}:${port} failed: ${err.message}`, err));
      };
      socket.once('error', onError);
    });
    await this.negotiate();
    if (security.sasl) await this.authenticate();
  }

  private reauthTimer: NodeJS.Timeout | null = null;

  /**
   * SaslHandshake v1 then SaslAuthenticate until the mechanism is done. A session lifetime from the
   * broker (KIP-368) schedules a re-authentication on the same connection before it runs out.
   */
  private async authenticate(): Promise<void> {
    const sasl = (this.options.security as ClientSecurity).sasl!;
    const hsVersion = Math.min(this.versions.get(API_KEY_SASL_HANDSHAKE) ?? 1, 1);
    const hs = (await this.sendAt(API_KEY_SASL_HANDSHAKE, hsVersion, { mechanism: sasl.mechanism }, {})) as {
      errorCode: number;
      mechanisms: string[];
    };
    if (hs.errorCode !== 0)
      throw this.authFailure(
        hs.errorCode === 33
          ? `the broker does not accept SASL mechanism ${sasl.mechanism} (it accepts ${hs.mechanisms.join(', ') || 'none'})`
          : `SaslHandshake failed with error ${hs.errorCode}`,
        hs.errorCode,
      );
    const version = this.versions.get(API_KEY_SASL_AUTHENTICATE) ?? 0;
    const client = await saslClient(sasl);
    let token: Buffer | null = client.first();
    let lifetimeMs = 0;
    while (token !== null) {
      const res = (await this.sendAt(API_KEY_SASL_AUTHENTICATE, version, { authBytes: token }, {})) as {
        errorCode: number;
        errorMessage: string | null;
        authBytes: Buffer;
        sessionLifetimeMs?: number;
      };
      if (res.errorCode !== 0)
        throw this.authFailure(
          res.errorMessage ?? `SASL authentication failed (${sasl.mechanism})`,
          res.errorCode,
        );
      lifetimeMs = Number(res.sessionLifetimeMs ?? 0);
      try {
        token = client.next(res.authBytes);
      } catch (err) {
        throw this.authFailure((err as Error).message, 58);
      }
    }
    if (lifetimeMs > 0) {
      if (this.reauthTimer) clearTimeout(this.reauthTimer);
      this.reauthTimer = setTimeout(
        () => {
          this.authenticate().catch((err: KafkaError) => this.close(err));
        },
        Math.max(1, Math.floor(lifetimeMs * 0.85)),
      );
      this.reauthTimer.unref();
    }
  }

  private authFailure(message: string, errorCode: number): KafkaError {
    const err = clientError('SASL_AUTHENTICATION_FAILED', message, {
      broker: this.label,
      retriable: false,
      errorCode,
    });
    this.close(err);
    return err;
  }

  private fail(
    code: 'CONNECTION_FAILED' | 'CONNECTION_CLOSED',
    message: string,
    cause?: unknown,
  ): KafkaError {
    const err = clientError(code, message, { broker: this.label, retriable: true, errorCode: 13, cause });
    this.close(err);
    return err;
  }

  /**
   * Reads that land in the buffers of a FrameReader (the `onread` option of net.connect and
   * tls.connect): a response's own buffer takes the reads once its size is known, so a large Fetch
   * response is copied once (by the kernel, or by TLS as it decrypts) instead of arriving in fresh
   * 64 KiB (TLS: 16 KiB) chunks that are then copied into it. Should a Node release ignore the option,
   * 'data' events arrive instead and go through the FrameCutter.
   */
  private directReads(): OnReadOpts {
    const reader = new FrameReader(sharedReadScratch, RESPONSE_FRAME_BYTES_MAX, (bytes) =>
      Buffer.allocUnsafe(bytes),
    );
    return {
      buffer: () => reader.target(),
      callback: (bytes: number) => {
        reader.received(bytes);
        this.drain(reader);
        return true;
      },
    };
  }

  private attach(socket: Socket): void {
    this.socket = socket;
    this.options.sweeper.add(this);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) =>
      this.close(
        clientError('CONNECTION_CLOSED', `connection error: ${err.message}`, {
          broker: this.label,
          retriable: true,
          errorCode: 13,
          cause: err,
        }),
      ),
    );
    socket.on('close', () =>
      this.close(
        clientError('CONNECTION_CLOSED', 'connection closed by the broker', {
          broker: this.label,
          retriable: true,
          errorCode: 13,
        }),
      ),
    );
  }

  private async negotiate(): Promise<void> {
    let version = CLIENT_VERSIONS.get(API_KEY_API_VERSIONS)![1];
    for (let attempt = 0; attempt < 3; attempt++) {
      const body = version >= 3 ? { clientSoftwareName: 'samsa', clientSoftwareVersion: CLIENT_VERSION } : {};
      const res = (await this.sendAt(API_KEY_API_VERSIONS, version, body, {})) as ApiVersionsResponse;
      if (res.errorCode === 35) {
        const own = res.apiKeys.find((k) => k.apiKey === API_KEY_API_VERSIONS);
        version = Math.min(own ? own.maxVersion : 0, version - 1);
        if (version < 0) break;
        continue;
      }
      if (res.errorCode !== 0) throw kafkaError(res.errorCode, { broker: this.label, api: 'ApiVersions' });
      for (const k of res.apiKeys) {
        this.brokerVersions.set(k.apiKey, [k.minVersion, k.maxVersion]);
        const mine = CLIENT_VERSIONS.get(k.apiKey);
        if (!mine) continue;
        const max = Math.min(mine[1], k.maxVersion);
        if (max >= Math.max(mine[0], k.minVersion)) this.versions.set(k.apiKey, max);
      }
      if (!this.versions.has(API_KEY_API_VERSIONS)) this.versions.set(API_KEY_API_VERSIONS, version);
      this.features = {
        supported: (res.supportedFeatures ?? []).map((f) => ({
          name: f.name ?? '',
          minVersion: f.minVersion ?? 0,
          maxVersion: f.maxVersion ?? 0,
        })),
        finalized: (res.finalizedFeatures ?? []).map((f) => ({
          name: f.name ?? '',
          minVersionLevel: f.minVersionLevel ?? 0,
          maxVersionLevel: f.maxVersionLevel ?? 0,
        })),
        finalizedEpoch: res.finalizedFeaturesEpoch ?? -1,
      };
      return;
    }
    throw this.fail('CONNECTION_FAILED', 'ApiVersions negotiation failed');
  }

  /** Sends a request; `build` gets the negotiated version and returns the body. */
  async send<T>(apiKey: number, build: (version: number) => unknown, options: SendOptions = {}): Promise<T> {
    if (!this.isReady) await this.ready();
    const version = Math.min(this.version(apiKey), options.maxVersion ?? Number.POSITIVE_INFINITY);
    return this.sendAt(apiKey, version, build(version), options) as Promise<T>;
  }

  /** Sends at an explicit version (the connection must be open). */
  sendAt(apiKey: number, version: number, body: unknown, options: SendOptions): Promise<unknown> {
    if (this.closedError) return Promise.reject(this.closedError);
    const socket = this.socket;
    if (!socket)
      return Promise.reject(
        clientError('CONNECTION_CLOSED', 'not connected', {
          broker: this.label,
          retriable: true,
          errorCode: 13,
        }),
      );
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = correlationId === 0x7fffffff ? 1 : correlationId + 1;
    let chunks: Buffer[];
    try {
      chunks = encodeRequestFrame(apiKey, version, correlationId, this.options.clientId, body);
    } catch (e) {
      return Promise.reject(
        clientError(
          'PROTOCOL_ERROR',
          `cannot encode ${apiDecl(apiKey)?.name} v${version}: ${(e as Error).message}`,
          { broker: this.label, cause: e },
        ),
      );
    }
    this.lastUsedMs = Date.now();
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      process.nextTick(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    if (options.noResponse) {
      // Resolves once the bytes are handed to the kernel.
      // Settles as a failed write does when the connection closes while the request is held.
      return new Promise((resolve) =>
        this.writeOrHold(
          () => {
            for (let i = 0; i < chunks.length - 1; i++) socket.write(chunks[i]);
            socket.write(chunks[chunks.length - 1], () => resolve(undefined));
          },
          () => resolve(undefined),
        ),
      );
    }
    // Written now, or once the broker's throttle time is up: the timeout counts from then.
    const sentAtMs = this.writeOrHold(() => {
      for (const c of chunks) socket.write(c);
    });
    return new Promise((resolve, reject) => {
      this.pending.set(correlationId, {
        correlationId,
        apiKey,
        version,
        deadline: sentAtMs + (options.timeoutMs ?? this.options.requestTimeoutMs),
        resolve,
        reject,
      });
    });
  }

  /**
   * Writes a request now, or, while a broker throttles this client (KIP-219) or earlier requests still
   * wait, once the throttle time is up, in order. Returns when it will be written (Date.now() time).
   */
  private writeOrHold(write: () => void, dropped?: () => void): number {
    if (this.held.length === 0 && this.throttledUntilMs <= this.lastUsedMs) {
      write();
      return this.lastUsedMs;
    }
    this.held.push({ write, dropped });
    if (!this.heldTimer) this.releaseHeldLater();
    return Math.max(this.lastUsedMs, this.throttledUntilMs);
  }

  /** Writes the held requests when the throttle time is up (later again if an answer extended it). */
  private releaseHeldLater(): void {
    this.heldTimer = setTimeout(
      () => {
        this.heldTimer = null;
        if (this.throttledUntilMs > Date.now()) this.releaseHeldLater();
        else if (!this.closedError) for (const r of this.held.splice(0)) r.write();
      },
      Math.max(0, this.throttledUntilMs - Date.now()),
    );
  }

  private onData(chunk: Buffer): void {
    this.cutter.push(chunk);
    this.drain(this.cutter);
  }

  /** Hands every complete response frame to onFrame, in order. */
  private drain(source: { next(): CutResult }): void {
    for (;;) {
      const cut = source.next();
      if (cut.kind === 'need-more') return;
      if (cut.kind === 'too-large') {
        this.close(
          clientError('PROTOCOL_ERROR', `response frame of ${cut.sizeBytes} bytes is too large`, {
            broker: this.label,
            retriable: true,
          }),
        );
        return;
      }
      this.onFrame(cut.frame);
      if (this.closedError) return;
    }
  }

  private onFrame(frame: Buffer): void {
    let correlationId: number;
    try {
      correlationId = peekCorrelationId(frame);
    } catch {
      this.close(
        clientError('PROTOCOL_ERROR', 'response shorter than a header', {
          broker: this.label,
          retriable: true,
        }),
      );
      return;
    }
    const p = this.pending.get(correlationId);
    if (!p) {
      // A response nobody waits for (a duplicate, or one whose request already failed): skip it.
      this.options.logger?.debug?.('response with an unknown correlation id', {
        broker: this.label,
        correlationId,
      });
      return;
    }
    this.pending.delete(correlationId);
    try {
      const body = decodeResponseFrame(p.apiKey, p.version, frame).body;
      const throttleMs = clientThrottleMs(p.apiKey, p.version, body);
      if (throttleMs > 0) this.throttledUntilMs = Math.max(this.throttledUntilMs, Date.now() + throttleMs);
      p.resolve(body);
    } catch (e) {
      const apiName = apiDecl(p.apiKey)?.name;
      if (p.apiKey === API_KEY_API_VERSIONS && e instanceof DecodeError) {
        // A broker that does not know our ApiVersions version answers with a v0 body.
        try {
          p.resolve(decodeResponseFrame(p.apiKey, 0, frame).body);
          return;
        } catch {}
      }
      p.reject(
        clientError(
          'PROTOCOL_ERROR',
          `cannot decode ${apiName} v${p.version} response: ${(e as Error).message}`,
          { broker: this.label, api: apiName, cause: e },
        ),
      );
    }
  }

  /** Called by the sweeper: fails the requests whose deadline passed and closes the connection. */
  expire(now: number): void {
    let expired: Pending | undefined;
    for (const p of this.pending.values()) {
      if (p.deadline <= now) {
        expired = p;
        break;
      }
    }
    if (!expired) return;
    const apiName = apiDecl(expired.apiKey)?.name;
    const err = clientError('REQUEST_TIMED_OUT', `${apiName} request timed out`, {
      broker: this.label,
      api: apiName,
      retriable: true,
      errorCode: 7,
    });
    this.pending.delete(expired.correlationId);
    expired.reject(err);
    this.close(
      clientError('CONNECTION_CLOSED', `connection closed after a ${apiName} request timed out`, {
        broker: this.label,
        retriable: true,
        errorCode: 13,
      }),
    );
  }

  /** Closes the connection; pending requests fail with `err` (a retriable network error by default). */
  close(err: KafkaError | null = null): void {
    if (this.closedError) return;
    if (this.reauthTimer) clearTimeout(this.reauthTimer);
    if (this.heldTimer) clearTimeout(this.heldTimer);
    // Held requests that expect an answer fail with the pending ones below; the others are dropped.
    for (const r of this.held.splice(0)) r.dropped?.();
    this.closedError =
      err ??
      clientError('CONNECTION_CLOSED', 'connection closed by the client', {
        broker: this.label,
        retriable: true,
        errorCode: 13,
      });
    this.options.sweeper.remove(this);
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(this.closedError);
    if (this.socket) {
      // A clean close lets written bytes leave first; a failure drops them.
      if (err === null) {
        const socket = this.socket;
        socket.end();
        setTimeout(() => socket.destroy(), 1000).unref();
      } else {
        this.socket.destroy();
      }
      this.socket = null;
    }
    for (const l of this.closeListeners) l(err);
  }

  /** Waits (up to `timeoutMs`) for in-flight requests, then closes. */
  async drainAndClose(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.pending.size > 0 && Date.now() < until && !this.closedError) {
      await new Promise((r) => setTimeout(r, 5));
    }
    this.close(null);
  }
}
