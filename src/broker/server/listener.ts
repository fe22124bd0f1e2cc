// The broker's listeners: one TCP (or TLS) server per configured listener, a cap on connections, and
// one coarse timer that closes idle connections (connections.max.idle.ms), and connections that have
// not authenticated in time, instead of a timer each. A TLS listener's certificates can be swapped
// while it runs (dynamic listener configs); connections already open keep theirs.
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket, type Server as TlsServer } from 'node:tls';
import { user } from '../../security/principal.js';
import { mapPrincipalName, rfc2253FromSubject } from '../../security/ssl-principal.js';
import type { Logger } from '../logger.js';
import { Connection, type ConnectionLimits, type Dispatcher } from './connection.js';
import type { ListenerSecurity } from './listener-security.js';
import { type SaslEnvironment, SaslSession } from './sasl-session.js';
import type { TlsSettings } from './tls-context.js';

export interface ListenerSpec {
  name: string;
  host: string;
  port: number;
  securityProtocol: string;
  /** TLS and SASL of the listener; absent means PLAINTEXT. */
  security?: ListenerSecurity;
  /** Who answers this listener's requests (the controller listener has its own); default: the server's. */
  dispatcher?: Dispatcher;
}

/** What SASL listeners need besides their own settings. */
export interface AuthenticationOptions {
  sasl: SaslEnvironment;
  /** sasl.server.max.receive.size: the largest frame before authentication. */
  saslReceiveBytesMax: number;
  /** The longest a connection may take to finish its TLS handshake and SASL authentication. */
  timeoutMs: number;
  /** A TLS handshake failed or a client certificate was refused (metrics). */
  onTlsFailure?: (listener: string, reason: string) => void;
}

export interface ServerOptions {
  listeners: ListenerSpec[];
  limits: ConnectionLimits;
  connectionsMax: number;
  connectionIdleMsMax: number;
  dispatcher: Dispatcher;
  log: Logger;
  now: () => number;
  authentication?: AuthenticationOptions;
}

export interface BoundListener extends ListenerSpec {
  /** The port actually bound (differs from the spec when it asked for port 0). */
  boundPort: number;
}

/** The most bytes of partial requests all unauthenticated connections may hold together. */
export const PREAUTH_BYTES_MAX = 64 * 1024 * 1024;

export class SocketServer {
  private readonly servers: Server[] = [];
  private readonly tlsServers = new Map<string, { server: TlsServer; settings: TlsSettings }>();
  /** Partial requests held by connections not yet authenticated, all together (PREAUTH_BYTES_MAX). */
  private readonly preauthBudget = { bytes: 0, bytesMax: PREAUTH_BYTES_MAX };
  private readonly connections = new Set<Connection>();
  private readonly countsByListener = new Map<string, number>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | null = null;
  private accepting = false;
  bound: BoundListener[] = [];

  constructor(private readonly options: ServerOptions) {}

  get connectionCount(): number {
    return this.connections.size;
  }

  connectionCountFor(listenerName: string): number {
    return this.countsByListener.get(listenerName) ?? 0;
  }

  /** Binds every listener; resolves with the bound ports or rejects with a readable error. */
  async start(): Promise<BoundListener[]> {
    this.accepting = true;
    try {
      await this.listenAll();
    } catch (err) {
      // The listeners bound before the one that failed are closed again: a node that cannot start
      // must not keep a port open (and its process alive).
      this.accepting = false;
      await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
      this.servers.length = 0;
      this.bound = [];
      throw err;
    }
    const authMs = this.options.authentication?.timeoutMs ?? Number.POSITIVE_INFINITY;
    const sweepMs = Math.max(50, Math.min(this.options.connectionIdleMsMax / 4, authMs / 4, 10_000));
    this.idleTimer = setInterval(() => this.closeIdle(), sweepMs);
    this.idleTimer.unref();
    return this.bound;
  }

  private async listenAll(): Promise<void> {
    for (const spec of this.options.listeners) {
      const server = this.createServerFor(spec);
      this.servers.push(server);
      const port = await new Promise<number>((resolve, reject) => {
        server.once('error', (err: NodeJS.ErrnoException) => {
          const where = `${spec.host || '0.0.0.0'}:${spec.port}`;
          if (err.code === 'EADDRINUSE')
            reject(new Error(`listener ${spec.name}: port ${spec.port} is already in use (${where})`));
          else reject(new Error(`listener ${spec.name}: cannot listen on ${where}: ${err.message}`));
        });
        server.listen({ host: spec.host || undefined, port: spec.port }, () => {
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : spec.port);
        });
      });
      const { dispatcher: _, ...plain } = spec;
      this.bound.push({ ...plain, boundPort: port });
    }
  }

  private createServerFor(spec: ListenerSpec): Server {
    const tls = spec.security?.tls;
    if (!tls) return createServer({ noDelay: true }, (socket) => this.accept(socket, spec));
    const server = createTlsServer({
      ...tls.context,
      noDelay: true,
      requestCert: tls.clientAuth !== 'none',
      rejectUnauthorized: tls.clientAuth === 'required',
      handshakeTimeout: this.options.authentication?.timeoutMs ?? 120_000,
    });
    server.on('secureConnection', (socket: TLSSocket) => this.acceptTls(socket, spec));
    server.on('tlsClientError', (err, socket) => {
      this.options.log.debug('TLS handshake failed', { listener: spec.name, err: err.message });
      this.options.authentication?.onTlsFailure?.(spec.name, err.message);
      socket.destroy();
    });
    this.tlsServers.set(spec.name, { server, settings: tls });
    return server;
  }

  /** A TLS client: its certificate checked as ssl.client.auth asks, its principal mapped from it. */
  private acceptTls(socket: TLSSocket, spec: ListenerSpec): void {
    const settings = this.tlsServers.get(spec.name)?.settings;
    if (!settings) return void socket.destroy();
    const cert = settings.clientAuth === 'none' ? null : socket.getPeerX509Certificate();
    // "requested" lets a client without a certificate in, never one with a certificate we do not trust.
    if (cert && !socket.authorized) {
      this.options.authentication?.onTlsFailure?.(spec.name, String(socket.authorizationError));
      this.options.log.info('refusing a client certificate', {
        listener: spec.name,
        reason: String(socket.authorizationError),
      });
      return void socket.destroy();
    }
    let name: string | null = null;
    if (cert && spec.securityProtocol === 'SSL') {
      const dn = rfc2253FromSubject(cert.subject);
      name = mapPrincipalName(settings.mappingRules, dn);
      if (name === null) {
        this.options.authentication?.onTlsFailure?.(spec.name, `no principal mapping rule matches ${dn}`);
        this.options.log.info('refusing a client certificate', {
          listener: spec.name,
          reason: `no ssl.principal.mapping.rules rule matches ${dn}`,
        });
        return void socket.destroy();
      }
    }
    const conn = this.accept(socket, spec);
    if (conn && name !== null) conn.transportPrincipal = user(name);
  }

  /**
   * New certificates (or trust, versions, ciphers, client auth) for a running TLS listener. New
   * connections get them; open ones keep what they negotiated, as in Kafka.
   */
  updateTls(listenerName: string, settings: TlsSettings): void {
    const entry = this.tlsServers.get(listenerName);
    if (!entry) return;
    entry.server.setSecureContext(settings.context);
    // Node reads these per connection from the server object.
    const server = entry.server as unknown as { requestCert: boolean; rejectUnauthorized: boolean };
    server.requestCert = settings.clientAuth !== 'none';
    server.rejectUnauthorized = settings.clientAuth === 'required';
    entry.settings = settings;
  }

  tlsSettingsOf(listenerName: string): TlsSettings | null {
    return this.tlsServers.get(listenerName)?.settings ?? null;
  }

  private accept(socket: Socket, spec: ListenerSpec): Connection | null {
    if (!this.accepting || this.connections.size >= this.options.connectionsMax) {
      this.options.log.warn('refusing connection', {
        listener: spec.name,
        reason: this.accepting ? 'max.connections reached' : 'shutting down',
      });
      socket.destroy();
      return null;
    }
    const conn = new Connection(
      socket,
      { id: this.nextId++, listenerName: spec.name, securityProtocol: spec.securityProtocol },
      spec.dispatcher ?? this.options.dispatcher,
      this.options.limits,
      this.options.log,
      this.options.now,
      (c) => this.forget(c),
    );
    const sasl = spec.security?.sasl;
    const auth = this.options.authentication;
    if (sasl && auth) {
      conn.sasl = new SaslSession(sasl, auth.sasl);
      conn.preauthBudget = this.preauthBudget;
      conn.setFrameBytesMax(
        Math.min(auth.saslReceiveBytesMax, this.options.limits.frameBytesMax),
        'sasl.server.max.receive.size',
      );
    }
    this.connections.add(conn);
    this.countsByListener.set(spec.name, (this.countsByListener.get(spec.name) ?? 0) + 1);
    return conn;
  }

  private forget(conn: Connection): void {
    if (this.connections.delete(conn)) {
      const name = conn.info.listenerName;
      this.countsByListener.set(name, (this.countsByListener.get(name) ?? 1) - 1);
    }
  }

  private closeIdle(): void {
    const now = this.options.now();
    const cutoff = now - this.options.connectionIdleMsMax;
    const authMs = this.options.authentication?.timeoutMs;
    for (const conn of this.connections) {
      if (conn.lastActivityMs < cutoff && conn.pendingResponses === 0)
        conn.close('idle longer than connections.max.idle.ms');
      else if (authMs !== undefined && !conn.authenticated && now - conn.openedAtMs > authMs)
        conn.close(`not authenticated within ${authMs} ms`);
    }
  }

  /** Closes every client connection at once (fault injection, reset). */
  dropConnections(): void {
    for (const conn of [...this.connections]) conn.close('connections dropped');
  }

  /** Stops accepting, lets in-flight requests finish (up to `timeoutMs`), then closes everything. */
  async stop(timeoutMs: number): Promise<void> {
    this.accepting = false;
    if (this.idleTimer) clearInterval(this.idleTimer);
    const closing = this.servers.map((s) => new Promise<void>((r) => s.close(() => r())));
    await Promise.all([...this.connections].map((c) => c.drain(timeoutMs)));
    for (const c of this.connections) c.close('shutdown');
    await Promise.all(closing);
  }
}
