// The broker's listeners: one TCP server per configured listener, a cap on connections, and one
// coarse timer that closes idle connections (connections.max.idle.ms) instead of a timer each.
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../logger.js';
import { Connection, type ConnectionLimits, type Dispatcher } from './connection.js';

export interface ListenerSpec {
  name: string;
  host: string;
  port: number;
  securityProtocol: string;
  /** Who answers this listener's requests (the controller listener has its own); default: the server's. */
  dispatcher?: Dispatcher;
}

export interface ServerOptions {
  listeners: ListenerSpec[];
  limits: ConnectionLimits;
  connectionsMax: number;
  connectionIdleMsMax: number;
  dispatcher: Dispatcher;
  log: Logger;
  now: () => number;
}

export interface BoundListener extends ListenerSpec {
  /** The port actually bound (differs from the spec when it asked for port 0). */
  boundPort: number;
}

export class SocketServer {
  private readonly servers: Server[] = [];
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
    for (const spec of this.options.listeners) {
      const server = createServer({ noDelay: true }, (socket) => this.accept(socket, spec));
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
    const sweepMs = Math.max(50, Math.min(this.options.connectionIdleMsMax / 4, 10_000));
    this.idleTimer = setInterval(() => this.closeIdle(), sweepMs);
    this.idleTimer.unref();
    return this.bound;
  }

  private accept(socket: Socket, spec: ListenerSpec): void {
    if (!this.accepting || this.connections.size >= this.options.connectionsMax) {
      this.options.log.warn('refusing connection', {
        listener: spec.name,
        reason: this.accepting ? 'max.connections reached' : 'shutting down',
      });
      socket.destroy();
      return;
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
    this.connections.add(conn);
    this.countsByListener.set(spec.name, (this.countsByListener.get(spec.name) ?? 0) + 1);
  }

  private forget(conn: Connection): void {
    if (this.connections.delete(conn)) {
      const name = conn.info.listenerName;
      this.countsByListener.set(name, (this.countsByListener.get(name) ?? 1) - 1);
    }
  }

  private closeIdle(): void {
    const cutoff = this.options.now() - this.options.connectionIdleMsMax;
    for (const conn of this.connections) {
      if (conn.lastActivityMs < cutoff && conn.pendingResponses === 0)
        conn.close('idle longer than connections.max.idle.ms');
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
