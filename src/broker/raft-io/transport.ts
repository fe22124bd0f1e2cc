// The Raft core's messages over the Kafka wire. Requests the core sends go to the replica they name
// (its address from the VoterDirectory) through the node's connections; their answers come back to
// the core as messages from that replica, with the core's own correlation id. Requests that arrive
// (through the controller listener's handlers) are handed to the core with an id of their own, and
// the core's answer resolves the handler's promise. The transport decides nothing about Raft: it
// translates and delivers.

import type { Message, MessageBody } from '../../raft/index.js';
import type { Logger } from '../logger.js';
import type { ConnectionPool } from '../net/index.js';
import {
  API,
  MIN_VERSIONS,
  requestFromWire,
  requestToWire,
  responseFromWire,
  responseToWire,
  type WireContext,
} from './wire.js';

/** INCONSISTENT_CLUSTER_ID: the other node belongs to another cluster. */
const INCONSISTENT_CLUSTER_ID = 104;

interface Inbound {
  apiKey: number;
  from: number;
  resolve: (response: unknown | null) => void;
}

export interface TransportOptions {
  selfId: number;
  pool: ConnectionPool;
  wire: WireContext;
  log: Logger;
  /** controller.quorum.request.timeout.ms; a fetch adds its wait. */
  requestTimeoutMs: number;
  /** Called once when another node answers INCONSISTENT_CLUSTER_ID. */
  onForeignCluster: (nodeId: number) => void;
}

export class RaftTransport {
  private deliver: ((msg: Message) => void) | null = null;
  private unreachable: ((peer: number) => void) | null = null;
  private isClosed: () => boolean = () => false;
  private readonly inbound = new Map<number, Inbound>();
  private nextInbound = 1;
  private closed = false;
  private outstanding = 0;

  constructor(private readonly o: TransportOptions) {}

  /** The driver plugs the core in here. */
  attach(
    deliver: (msg: Message) => void,
    isClosed: () => boolean,
    unreachable: (peer: number) => void,
  ): void {
    this.deliver = deliver;
    this.isClosed = isClosed;
    this.unreachable = unreachable;
  }

  /** Requests sent and not yet answered (a stopping leader waits for its EndQuorumEpoch to leave). */
  get outstandingRequests(): number {
    return this.outstanding;
  }

  /** A message from the core: a request to send, or the answer to a request that arrived. */
  send(msg: Message): void {
    if (this.closed) return;
    if (msg.body.kind.endsWith('Response')) {
      this.answer(msg);
      return;
    }
    const wire = requestToWire(msg.body, this.o.wire);
    if (!wire) return;
    const timeoutMs =
      this.o.requestTimeoutMs +
      (msg.body.kind === 'FetchRequest' ? msg.body.maxWaitTicks * this.o.wire.tickMs : 0);
    this.outstanding++;
    void this.o.pool
      .send(msg.to, wire.apiKey, wire.body, { minVersion: MIN_VERSIONS[wire.apiKey], timeoutMs })
      .then((r) => {
        this.outstanding--;
        if (this.closed || this.isClosed()) return;
        if (!r.ok) {
          this.o.log.debug('quorum request failed', { to: msg.to, api: wire.apiKey, err: r.error.message });
          // A connection refused or reset: the peer's process is gone (not merely slow).
          if (r.error.code === 'DISCONNECTED') this.unreachable?.(msg.to);
          return;
        }
        const body = responseFromWire(wire.apiKey, r.body, this.o.wire);
        if (!body) return;
        if ((body as { errorCode?: number }).errorCode === INCONSISTENT_CLUSTER_ID)
          this.o.onForeignCluster(msg.to);
        this.deliver?.({ from: msg.to, to: this.o.selfId, correlationId: msg.correlationId, body });
      });
  }

  private answer(msg: Message): void {
    const pending = this.inbound.get(msg.correlationId);
    if (!pending || pending.from !== msg.to) return;
    this.inbound.delete(msg.correlationId);
    pending.resolve(responseToWire(pending.apiKey, msg.body, this.o.wire));
  }

  /**
   * A Raft request that arrived on the controller listener. Resolves with the wire response, or null
   * when the request is malformed or the node is stopping (the handler then closes the connection).
   */
  handle(apiKey: number, request: unknown): Promise<unknown | null> {
    if (this.closed || !this.deliver) return Promise.resolve(null);
    const inbound = requestFromWire(apiKey, request, this.o.wire);
    if ('error' in inbound) {
      this.o.log.debug('malformed quorum request', { api: apiKey, err: inbound.error });
      return Promise.resolve(null);
    }
    const correlationId = this.nextInbound;
    this.nextInbound = this.nextInbound >= 0x3fffffff ? 1 : this.nextInbound + 1;
    return new Promise((resolve) => {
      this.inbound.set(correlationId, { apiKey, from: inbound.from, resolve });
      this.deliver?.({
        from: inbound.from,
        to: this.o.selfId,
        correlationId,
        body: inbound.body as MessageBody,
      });
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.inbound.values()) p.resolve(null);
    this.inbound.clear();
    this.o.pool.close();
  }
}

export { API };
