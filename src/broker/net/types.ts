// Shapes shared by the broker's outgoing connections: results as values (a request to another node
// failing is expected, never a throw), and the options every connection takes.
import type { Socket } from 'node:net';
import type { Logger } from '../logger.js';
import type { DeadlineTimer } from './deadline-timer.js';

export type NetErrorCode =
  /** The connection could not be made, or broke before the response came. */
  | 'DISCONNECTED'
  /** No response within the request's timeout (the connection is closed, as Kafka's clients do). */
  | 'TIMEOUT'
  /** The peer speaks no version of the API in the range asked for. */
  | 'UNSUPPORTED_VERSION'
  /** More requests are waiting for this node than `queuedRequestsMax`. */
  | 'QUEUE_FULL'
  /** The connection (or channel) was closed by its owner. */
  | 'CLOSED'
  /** The peer answered something that cannot be decoded, or out of order. */
  | 'PROTOCOL'
  /** No address is known for the node asked for. */
  | 'UNKNOWN_NODE';

export interface NetError {
  code: NetErrorCode;
  message: string;
  /** The node id (or host:port for an unnamed bootstrap address) the request was for. */
  node: number | string;
}

export type NetResult<T> =
  | {
      ok: true;
      body: T;
      version: number;
      /**
       * The response's bytes, which the body's byte fields (records) are views of. When the
       * connection assembles frames with `assembleFrame` (a pool), the caller gives the frame back once
       * done with those views.
       */
      frame?: Buffer;
    }
  | { ok: false; error: NetError };

export interface Endpoint {
  host: string;
  port: number;
}

/** Sends a request on a connection that is being set up (for handshakes such as SASL). */
export type Exchange = (apiKey: number, version: number, body: unknown) => Promise<NetResult<unknown>>;

export interface ConnectionOptions {
  /** Node id, or "host:port" for an address whose node is not known yet. */
  label: number | string;
  host: string;
  port: number;
  /** Sent in every request header (Kafka uses names such as "raft-client-1"). */
  clientId: string;
  timer: DeadlineTimer;
  log: Logger;
  /** Default request timeout when a send gives none. */
  requestTimeoutMs?: number;
  /** socket.connection.setup.timeout.ms */
  connectTimeoutMs?: number;
  /** reconnect.backoff.ms: the first pause after a failed connection; doubles up to the max. */
  reconnectBackoffMs?: number;
  /** reconnect.backoff.max.ms */
  reconnectBackoffMsMax?: number;
  /** Requests written and not yet answered; more wait in the queue. */
  inFlightRequestsMax?: number;
  /** Requests waiting to be written; beyond this a send fails at once with QUEUE_FULL. */
  queuedRequestsMax?: number;
  /** Largest response frame accepted. */
  responseBytesMax?: number;
  /**
   * Where a response frame that spans socket reads is assembled (default: a fresh buffer). The
   * replica fetcher's connections pass a pool, so that the batches a follower keeps in its log's tail
   * cache do not each cost a buffer that only a full collection frees.
   */
  assembleFrame?: (bytes: number) => Buffer;
  /** Opens the socket (default: plain TCP). The security layer swaps in TLS here. */
  dial?: (host: string, port: number) => Socket;
  /**
   * Runs once the versions are known and before any queued request is written (SASL). Returns null
   * when done, or a reason to drop the connection.
   */
  handshake?: (
    exchange: Exchange,
    peerVersions: ReadonlyMap<number, readonly [number, number]>,
  ) => Promise<string | null>;
}

export interface SendOptions {
  /** Overrides the connection's request timeout (a long-poll fetch adds its wait). */
  timeoutMs?: number;
  /** Lowest version acceptable for this request (default: the lowest this side can encode). */
  minVersion?: number;
  /** Highest version to use (default: the highest this side can encode). */
  maxVersion?: number;
}

/** A request body, or a function that builds it for the version the connection settled on. */
export type Body = unknown | ((version: number) => unknown);
