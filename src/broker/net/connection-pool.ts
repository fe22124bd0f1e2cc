// Connections to other nodes by node id, opened on first use. Addresses come from a resolver the
// owner supplies (brokers: their endpoint on inter.broker.listener.name in the metadata image;
// controllers: controller.quorum.voters or the voter set of the metadata log), and a connection whose
// node moved to another address is replaced.
import type { Logger } from '../logger.js';
import { DeadlineTimer } from './deadline-timer.js';
import { NodeConnection } from './node-connection.js';
import type { Body, ConnectionOptions, Endpoint, NetResult, SendOptions } from './types.js';

export interface PoolOptions
  extends Omit<ConnectionOptions, 'label' | 'host' | 'port' | 'timer' | 'log' | 'clientId'> {
  /** Where a node is; null when unknown (the send fails with UNKNOWN_NODE). */
  resolve: (nodeId: number) => Endpoint | null;
  /** Client id of every connection of the pool. */
  clientId: string;
  log: Logger;
  /** Shared with other pools of the node; one is made when absent. */
  timer?: DeadlineTimer;
}

export class ConnectionPool {
  private readonly byNode = new Map<number, NodeConnection>();
  readonly timer: DeadlineTimer;
  private closed = false;

  constructor(private readonly options: PoolOptions) {
    this.timer = options.timer ?? new DeadlineTimer();
  }

  /** The connection to `nodeId` (opened on first send), or null when its address is unknown. */
  connectionTo(nodeId: number): NodeConnection | null {
    if (this.closed) return null;
    const endpoint = this.options.resolve(nodeId);
    const existing = this.byNode.get(nodeId);
    if (!endpoint) return existing ?? null;
    if (existing && existing.host === endpoint.host && existing.port === endpoint.port) return existing;
    existing?.close();
    const { resolve: _, log, timer: __, ...rest } = this.options;
    const conn = new NodeConnection({
      ...rest,
      label: nodeId,
      host: endpoint.host,
      port: endpoint.port,
      timer: this.timer,
      log,
    });
    this.byNode.set(nodeId, conn);
    return conn;
  }

  /** Sends to `nodeId`; UNKNOWN_NODE when no address is known for it. */
  send<T = unknown>(
    nodeId: number,
    apiKey: number,
    body: Body,
    options: SendOptions = {},
  ): Promise<NetResult<T>> {
    const conn = this.connectionTo(nodeId);
    if (!conn)
      return Promise.resolve({
        ok: false,
        error: {
          code: this.closed ? 'CLOSED' : 'UNKNOWN_NODE',
          message: `no address known for node ${nodeId}`,
          node: nodeId,
        },
      });
    return conn.send<T>(apiKey, body, options);
  }

  /** Drops the socket to one node (its next request reconnects). */
  disconnect(nodeId: number, reason: string): void {
    this.byNode.get(nodeId)?.disconnect(reason);
  }

  /** Closes the connection to one node for good (it left the cluster). */
  forget(nodeId: number): void {
    this.byNode.get(nodeId)?.close();
    this.byNode.delete(nodeId);
  }

  nodes(): number[] {
    return [...this.byNode.keys()];
  }

  close(): void {
    this.closed = true;
    for (const c of this.byNode.values()) c.close();
    this.byNode.clear();
  }
}
