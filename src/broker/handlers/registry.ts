// Dispatch by API key: checks the version against what the handler implements, decodes, calls the
// handler and encodes its response in the request's version. ApiVersions is computed from this same
// table, so what is advertised is exactly what is implemented (DESIGN.md §1.2, §6).
import { hasErrorCode } from '../../protocol/error-response.js';
import { ErrorCode } from '../../protocol/errors.js';
import {
  API_KEY_API_VERSIONS,
  decodeRequestBody,
  encodeResponseFrame,
  readRequestHeader,
} from '../../protocol/frame.js';
import { DecodeError } from '../../protocol/primitives/decode-error.js';
import type { Logger } from '../logger.js';
import type { RequestStats } from '../metrics/request-stats.js';
import {
  type Chunks,
  CloseConnection,
  type Connection,
  Deferred,
  type Dispatcher,
  deferred,
  type Reply,
} from '../server/connection.js';
import {
  type ApiRange,
  afterWriteOf,
  type Handler,
  type InnerAnswer,
  Later,
  NO_RESPONSE,
  type RequestContext,
} from './handler.js';
import type { BrokerServices } from './services.js';

const API_KEY_DESCRIBE_QUORUM = 55;

/**
 * What an interceptor decided: the request to handle (maybe rewritten), or a response to send instead
 * (anything a handler may return, such as `CloseConnection`), after an optional delay.
 */
export interface Interception {
  request: unknown;
  respond?: unknown;
  delayMs?: number;
}

/**
 * Hooks that may answer, delay or rewrite a request before its handler runs (fault injection). A
 * promise, or a delay, holds the request and every later one on its connection until it settles, so
 * requests are still applied in arrival order.
 */
export interface RequestInterceptor {
  // biome-ignore lint/suspicious/noExplicitAny: interceptors see requests of either registry
  intercept(ctx: RequestContext<any>, request: unknown): Interception | Promise<Interception | null> | null;
}

/** Sends requests that need the active controller to it, when this node is not it (KRaft forwarding). */
export interface Forwarding<S> {
  shouldForward(): boolean;
  /** Resolves with the response body for the request's API and version. */
  forward(ctx: RequestContext<S>, request: unknown): Promise<unknown>;
}

const API_KEY_PRODUCE = 0;

export class Registry<S = BrokerServices> implements Dispatcher {
  private readonly byKey: (Handler<unknown, unknown, S> | undefined)[] = [];
  readonly supportedApis: readonly ApiRange[];
  interceptor: RequestInterceptor | null = null;
  /** Per-API request counts, errors and total time; null when metrics are off. */
  requestStats: RequestStats | null = null;
  forwarding: Forwarding<S> | null = null;
  /**
   * Sees every answer before it is encoded (client quotas set its throttle time), an Envelope's inner
   * request's included (its context has `onBehalfOf`).
   */
  onAnswer:
    | ((ctx: RequestContext<S>, request: unknown, response: unknown, elapsedMs: number) => void)
    | null = null;

  constructor(
    handlers: readonly Handler<unknown, unknown, S>[],
    private readonly services: S,
    private readonly log: Logger,
  ) {
    for (const h of handlers) {
      if (this.byKey[h.apiKey]) throw new Error(`two handlers for API key ${h.apiKey}`);
      this.byKey[h.apiKey] = h;
    }
    this.supportedApis = handlers
      .map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }

  dispatch(conn: Connection, frame: Buffer): Reply {
    // A request's time starts when its bytes arrived (as Kafka's does), queueing behind others included.
    const startMs = conn.receivedAtMs;
    let header: ReturnType<typeof readRequestHeader>['header'];
    let bodyOffset: number;
    try {
      ({ header, bodyOffset } = readRequestHeader(frame));
    } catch (err) {
      return new CloseConnection(`malformed request header: ${(err as Error).message}`);
    }
    const { requestApiKey: apiKey, requestApiVersion: version, correlationId } = header;
    const h = this.byKey[apiKey];
    if (!h) return new CloseConnection(`unknown API key ${apiKey}`);
    if (version < h.minVersion || version > h.maxVersion) {
      if (apiKey === API_KEY_API_VERSIONS) return this.unsupportedApiVersions(correlationId, h);
      return new CloseConnection(
        `API key ${apiKey} version ${version} is not supported (${h.minVersion}-${h.maxVersion})`,
      );
    }
    let request: unknown;
    try {
      request = decodeRequestBody(apiKey, version, frame, bodyOffset);
    } catch (err) {
      if (err instanceof DecodeError)
        return new CloseConnection(`malformed request (key ${apiKey} v${version}): ${err.message}`);
      throw err;
    }
    const ctx: RequestContext<S> = {
      header,
      apiKey,
      version,
      conn,
      services: this.services,
      supportedApis: this.supportedApis,
      frame,
      inner: (f, onBehalfOf) => this.handleInner(conn, f, onBehalfOf),
    };
    return this.run(h, ctx, request, startMs);
  }

  /** The handler's answer, or the active controller's when the request must be forwarded there. */
  private handle(h: Handler<unknown, unknown, S>, ctx: RequestContext<S>, request: unknown): unknown {
    if (h.forwardable && this.forwarding?.shouldForward()) {
      ctx.forwardedToController = true;
      // This broker's own time on it still counts against the client's request quota, as in Kafka.
      const t0 = performance.now();
      const forwarded = this.forwarding.forward(ctx, request);
      ctx.handlerMs = (ctx.handlerMs ?? 0) + performance.now() - t0;
      return forwarded;
    }
    return timed(h, ctx, request);
  }

  private run(
    h: Handler<unknown, unknown, S>,
    ctx: RequestContext<S>,
    request: unknown,
    startMs: number,
  ): Reply {
    const intercepted = this.interceptor?.intercept(ctx, request) ?? null;
    if (intercepted === null) return this.toReply(ctx, request, this.handle(h, ctx, request), startMs);
    if (!(intercepted instanceof Promise) && !intercepted.delayMs)
      return this.answer(h, ctx, request, intercepted, startMs);
    return Promise.resolve(intercepted).then(async (decided) => {
      if (decided === null) return settle(this.toReply(ctx, request, this.handle(h, ctx, request), startMs));
      if (decided.delayMs) await new Promise((r) => setTimeout(r, decided.delayMs));
      return settle(this.answer(h, ctx, request, decided, startMs));
    });
  }

  private answer(
    h: Handler<unknown, unknown, S>,
    ctx: RequestContext<S>,
    request: unknown,
    decided: Interception,
    startMs: number,
  ): Reply {
    if (decided.respond !== undefined) return this.toReply(ctx, request, decided.respond, startMs);
    return this.toReply(ctx, request, this.handle(h, ctx, decided.request), startMs);
  }

  private toReply(ctx: RequestContext<S>, request: unknown, result: unknown, startMs: number): Reply {
    if (result === NO_RESPONSE) return this.encode(ctx, request, result, startMs);
    if (result instanceof CloseConnection) return result;
    if (result instanceof Later)
      return deferred(result.promise.then((r) => this.encode(ctx, request, r, startMs)));
    if (result instanceof Promise)
      return result.then((r) => (r instanceof CloseConnection ? r : this.encode(ctx, request, r, startMs)));
    return this.encode(ctx, request, result, startMs);
  }

  private encode(
    ctx: RequestContext<S>,
    request: unknown,
    response: unknown,
    startMs: number,
  ): Chunks | null {
    this.onAnswer?.(ctx, request, response === NO_RESPONSE ? null : response, performance.now() - startMs);
    const stats = this.requestStats;
    if (stats) {
      const nowMs = performance.now();
      const answered = response === NO_RESPONSE ? null : response;
      stats.record(ctx.apiKey, ctx.version, request, answered, nowMs - startMs, nowMs);
    }
    // A Produce frame (assembled in a pooled buffer when large) is done with: the log retained the
    // batches it keeps, nothing else holds its bytes. Other requests' frames are left to the collector,
    // as their decoded fields may be views kept past the answer (group metadata, SASL tokens, ...).
    if (ctx.apiKey === API_KEY_PRODUCE) ctx.conn.frameDone(ctx.frame);
    if (response === NO_RESPONSE) return null;
    const chunks: Chunks = encodeResponseFrame(ctx.apiKey, ctx.version, ctx.header.correlationId, response);
    const after = afterWriteOf(response);
    if (after) chunks.afterWrite = after;
    return chunks;
  }

  /**
   * A request inside an Envelope: decoded and handled as if it had arrived on `conn` (no interception,
   * no forwarding), answered with its whole response frame (header included, no size prefix).
   */
  private async handleInner(
    conn: Connection,
    frame: Buffer,
    onBehalfOf?: RequestContext<S>['onBehalfOf'],
  ): Promise<InnerAnswer | null> {
    let header: ReturnType<typeof readRequestHeader>['header'];
    let bodyOffset: number;
    try {
      ({ header, bodyOffset } = readRequestHeader(frame));
    } catch {
      return null;
    }
    const h = this.byKey[header.requestApiKey];
    if (!h || header.requestApiVersion < h.minVersion || header.requestApiVersion > h.maxVersion) return null;
    let request: unknown;
    try {
      request = decodeRequestBody(header.requestApiKey, header.requestApiVersion, frame, bodyOffset);
    } catch {
      return null;
    }
    const ctx: RequestContext<S> = {
      header,
      apiKey: header.requestApiKey,
      version: header.requestApiVersion,
      conn,
      services: this.services,
      supportedApis: this.supportedApis,
      frame,
      inner: async () => null,
      onBehalfOf,
    };
    const startMs = performance.now();
    let result = timed(h, ctx, request);
    if (result instanceof Later) result = await result.promise;
    else if (result instanceof Promise) result = await result;
    if (result === NO_RESPONSE || result instanceof CloseConnection) return null;
    // Quotas charge the client the envelope names (its throttle time goes into this answer), as
    // Kafka's controller does for forwarded requests.
    this.onAnswer?.(ctx, request, result, performance.now() - startMs);
    const chunks = encodeResponseFrame(ctx.apiKey, ctx.version, header.correlationId, result);
    const notController =
      ctx.apiKey === API_KEY_DESCRIBE_QUORUM
        ? hasErrorCode(result, ErrorCode.NOT_LEADER_OR_FOLLOWER)
        : hasErrorCode(result, ErrorCode.NOT_CONTROLLER);
    return { frame: Buffer.concat(chunks).subarray(4), notController };
  }

  /** Kafka answers an ApiVersions version it does not know with a v0 body: error 35 and its own range. */
  private unsupportedApiVersions(correlationId: number, h: Handler<unknown, unknown, S>): Chunks {
    this.log.debug('ApiVersions with an unsupported version; answering with error 35');
    const body = {
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      apiKeys: [{ apiKey: API_KEY_API_VERSIONS, minVersion: h.minVersion, maxVersion: h.maxVersion }],
    };
    return encodeResponseFrame(API_KEY_API_VERSIONS, 0, correlationId, body);
  }
}

/** A reply as the value a connection waits for (a deferred one is waited for here). */
async function settle(reply: Reply): Promise<Chunks | null | CloseConnection> {
  return reply instanceof Deferred ? reply.promise : reply;
}

/** Runs a handler, noting the time it held the event loop (what a request quota charges). */
function timed<S>(h: Handler<unknown, unknown, S>, ctx: RequestContext<S>, request: unknown): unknown {
  const t0 = performance.now();
  const result = h.handle(ctx, request);
  ctx.handlerMs = (ctx.handlerMs ?? 0) + performance.now() - t0;
  return result;
}
