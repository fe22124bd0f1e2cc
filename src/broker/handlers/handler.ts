// The contract of a request handler: a descriptor per API key, giving the version range it
// implements and a `handle` that turns a decoded request into a response (DESIGN.md §1.2, §1.3).
import type { RequestHeaderValue } from '../../protocol/frame.js';
import type { KafkaPrincipal } from '../../security/principal.js';
import type { Connection } from '../server/connection.js';
import type { BrokerServices } from './services.js';

export interface RequestContext<S = BrokerServices> {
  readonly header: RequestHeaderValue;
  readonly apiKey: number;
  readonly version: number;
  readonly conn: Connection;
  readonly services: S;
  /** The API ranges this broker advertises (computed from the registry). */
  readonly supportedApis: readonly ApiRange[];
  /** Time the handler ran synchronously (ms), set by the registry (request_percentage quotas). */
  handlerMs?: number;
  /**
   * Set by the registry when this broker sent the request on to the active controller: the controller
   * charged its quotas, and its throttle time is in the answer.
   */
  forwardedToController?: boolean;
  /**
   * Who a request carried in an Envelope was sent by (the client of the forwarding broker): what it is
   * authorized and throttled as, instead of the connection's principal (the broker's).
   */
  readonly onBehalfOf?: { principal: KafkaPrincipal; host: string };
  /** The request as it arrived (header and body, without the size prefix): what forwarding wraps. */
  readonly frame: Buffer;
  /**
   * Handles a request carried inside another (Envelope): its whole frame in, its whole response frame
   * out (header included, no size prefix), or null when it gets no answer.
   */
  readonly inner: (
    frame: Buffer,
    onBehalfOf?: { principal: KafkaPrincipal; host: string },
  ) => Promise<InnerAnswer | null>;
}

/**
 * The answer to a request carried in an Envelope. `notController`: it says NOT_CONTROLLER somewhere
 * (NOT_LEADER_OR_FOLLOWER for DescribeQuorum), which Kafka reports in the envelope itself so the
 * forwarding broker looks for the active controller again instead of passing the error on.
 */
export interface InnerAnswer {
  frame: Buffer;
  notController: boolean;
}

export interface ApiRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/** No response at all (acks=0 produce). */
export const NO_RESPONSE: unique symbol = Symbol('no response');
export type NoResponse = typeof NO_RESPONSE;

/** A response that will be ready later; the connection goes on with the next request meanwhile. */
export class Later<R> {
  constructor(readonly promise: Promise<R | NoResponse>) {}
}

export function later<R>(promise: Promise<R | NoResponse>): Later<R> {
  return new Later(promise);
}

/** Closes the connection without answering (Kafka's way with requests it will not serve). */
export { CloseConnection } from '../server/connection.js';

import type { CloseConnection } from '../server/connection.js';

export type HandlerResult<R> =
  | R
  | NoResponse
  | Promise<R | NoResponse | CloseConnection>
  | Later<R>
  | CloseConnection;

export interface Handler<Req = unknown, Res = unknown, S = BrokerServices> {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  /**
   * Needs the active controller (CreateTopics, configs, ...): a broker that is not the active
   * controller forwards the request to it in an Envelope and relays the answer (KRaft's forwarding).
   */
  readonly forwardable?: boolean;
  handle(ctx: RequestContext<S>, request: Req): HandlerResult<Res>;
}

/** Declares a handler with its request and response types. */
export function handler<Req, Res, S = BrokerServices>(h: Handler<Req, Res, S>): Handler<Req, Res, S> {
  return h;
}

const AFTER_WRITE = Symbol('after write');

/**
 * Has `fn` run once the encoded response has been written to the socket, and not at all if the
 * connection closes first (a Fetch gives back its pooled read buffers). Returns `response`.
 */
export function afterWrite<R extends object>(response: R, fn: () => void): R {
  (response as { [AFTER_WRITE]?: () => void })[AFTER_WRITE] = fn;
  return response;
}

/** What `afterWrite` attached to a response, if anything. */
export function afterWriteOf(response: unknown): (() => void) | undefined {
  return typeof response === 'object' && response !== null
    ? (response as { [AFTER_WRITE]?: () => void })[AFTER_WRITE]
    : undefined;
}
