// The contract of a request handler: a descriptor per API key, giving the version range it
// implements and a `handle` that turns a decoded request into a response (DESIGN.md §1.2, §1.3).
import type { RequestHeaderValue } from '../../protocol/frame.js';
import type { Connection } from '../server/connection.js';
import type { BrokerServices } from './services.js';

export interface RequestContext {
  readonly header: RequestHeaderValue;
  readonly apiKey: number;
  readonly version: number;
  readonly conn: Connection;
  readonly services: BrokerServices;
  /** The API ranges this broker advertises (computed from the registry). */
  readonly supportedApis: readonly ApiRange[];
  /** Time the handler ran synchronously (ms), set by the registry (request_percentage quotas). */
  handlerMs?: number;
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

export type HandlerResult<R> = R | NoResponse | Promise<R | NoResponse> | Later<R> | CloseConnection;

export interface Handler<Req = unknown, Res = unknown> {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(ctx: RequestContext, request: Req): HandlerResult<Res>;
}

/** Declares a handler with its request and response types. */
export function handler<Req, Res>(h: Handler<Req, Res>): Handler<Req, Res> {
  return h;
}
