// Fault injection, modelled on kfake's control functions: hooks that see every request of an API
// before its handler, in the order they were added, and may fail it with an error answer, delay it,
// rewrite it, answer it themselves, or close the connection. Hooks act on requests that arrive over the
// network; the in-process helpers (produce, readAll, ...) bypass them.

import type { MarkerHook } from '../broker/coordinator/txn/coordinator.js';
import type { MarkerResult, WritableMarker } from '../broker/coordinator/txn/markers.js';
import { brokerEntries } from '../broker/handlers/cluster-view.js';
import type { RequestContext } from '../broker/handlers/handler.js';
import { CloseConnection } from '../broker/handlers/handler.js';
import type { Interception, RequestInterceptor } from '../broker/handlers/registry.js';
import { type ErrorName, errorByName, errorInfo } from '../protocol/errors.js';
import type * as M from '../protocol/messages/index.js';
import { API_DECLS } from '../protocol/messages/index.js';
import { errorResponse } from './error-response.js';

/** The requests of the APIs Samsa serves, by name. */
export interface KnownRequests {
  Produce: M.ProduceRequest;
  Fetch: M.FetchRequest;
  ListOffsets: M.ListOffsetsRequest;
  Metadata: M.MetadataRequest;
  OffsetCommit: M.OffsetCommitRequest;
  OffsetFetch: M.OffsetFetchRequest;
  FindCoordinator: M.FindCoordinatorRequest;
  JoinGroup: M.JoinGroupRequest;
  Heartbeat: M.HeartbeatRequest;
  LeaveGroup: M.LeaveGroupRequest;
  SyncGroup: M.SyncGroupRequest;
  DescribeGroups: M.DescribeGroupsRequest;
  ListGroups: M.ListGroupsRequest;
  ApiVersions: M.ApiVersionsRequest;
  CreateTopics: M.CreateTopicsRequest;
  DeleteTopics: M.DeleteTopicsRequest;
  DeleteRecords: M.DeleteRecordsRequest;
  InitProducerId: M.InitProducerIdRequest;
  OffsetForLeaderEpoch: M.OffsetForLeaderEpochRequest;
  DescribeConfigs: M.DescribeConfigsRequest;
  AlterConfigs: M.AlterConfigsRequest;
  DescribeLogDirs: M.DescribeLogDirsRequest;
  CreatePartitions: M.CreatePartitionsRequest;
  DeleteGroups: M.DeleteGroupsRequest;
  IncrementalAlterConfigs: M.IncrementalAlterConfigsRequest;
  OffsetDelete: M.OffsetDeleteRequest;
  DescribeCluster: M.DescribeClusterRequest;
  DescribeProducers: M.DescribeProducersRequest;
  DescribeTopicPartitions: M.DescribeTopicPartitionsRequest;
  AddPartitionsToTxn: M.AddPartitionsToTxnRequest;
  AddOffsetsToTxn: M.AddOffsetsToTxnRequest;
  EndTxn: M.EndTxnRequest;
  WriteTxnMarkers: M.WriteTxnMarkersRequest;
  TxnOffsetCommit: M.TxnOffsetCommitRequest;
  DescribeTransactions: M.DescribeTransactionsRequest;
  ListTransactions: M.ListTransactionsRequest;
}

/** A transaction marker the coordinator is about to write (COMMIT or ABORT of one producer). */
export interface MarkerInfo {
  producerId: number;
  producerEpoch: number;
  commit: boolean;
  coordinatorEpoch: number;
  /** The partitions this write covers (those of one leader). */
  topics: { topic: string; partitions: number[] }[];
}

export interface MarkerFailOptions {
  /** The error each partition answers (default 'NOT_LEADER_OR_FOLLOWER': the coordinator retries). */
  error?: ErrorSelector;
  /** How many marker writes fail (default 1; Infinity until removed). */
  times?: number;
  /** Fails only the writes this accepts. */
  when?: (marker: MarkerInfo) => boolean;
}

/** An API by its Kafka name ('Produce', 'OffsetCommit', ...) or key (0, 8, ...). */
export type ApiName = keyof KnownRequests | (string & {});
export type ApiSelector = ApiName | number;
type RequestOf<A> = A extends keyof KnownRequests ? KnownRequests[A] : unknown;

/** An error by its Kafka name ('NOT_LEADER_OR_FOLLOWER') or code (6). */
export type ErrorSelector = ErrorName | number;

/** What a hook knows about the request it sees. */
export interface RequestInfo {
  apiKey: number;
  /** The API's name, e.g. 'Produce'. */
  api: string;
  version: number;
  correlationId: number;
  clientId: string | null;
  /** The connection's id on this broker (stable for the connection's life). */
  connectionId: number;
  /** The broker that received the request. */
  nodeId: number;
  /** The error answer to this request (every error code set), to return as `{ response }` or edit. */
  errorResponse(error: ErrorSelector, message?: string): Record<string, unknown>;
}

/**
 * What a hook does with a request. Nothing (undefined): the hook only watched, and the next hook (or the
 * broker) goes on. Otherwise any of: `delayMs` (wait first; adds up across hooks), `request` (handle this
 * request instead; later hooks see it), and at most one of `response` (answer with this, in the
 * request's version), `error` (answer with the error in every error code), `close` (close the connection
 * without answering). An action counts as a hit.
 */
export interface InterceptAction {
  delayMs?: number;
  request?: unknown;
  response?: unknown;
  error?: ErrorSelector;
  /** The error message, where the response has one (default: the error's description). */
  message?: string;
  close?: boolean;
}

export type InterceptFn<Req = unknown> = (
  request: Req,
  info: RequestInfo,
) => InterceptAction | undefined | Promise<InterceptAction | undefined>;

export interface HookOptions {
  /** Acts on at most this many requests, then removes itself (default: no limit). */
  times?: number;
}

export interface FailOptions<Req = unknown> {
  /** The error (default 'UNKNOWN_SERVER_ERROR'). */
  error?: ErrorSelector;
  /** How many requests fail (default 1). */
  times?: number;
  message?: string;
  /** Fails only the requests this accepts. */
  when?: (request: Req, info: RequestInfo) => boolean;
}

export interface DelayOptions<Req = unknown> {
  /** How many requests are delayed (default: every one until removed). */
  times?: number;
  when?: (request: Req, info: RequestInfo) => boolean;
}

/** A hook that was added: how often it acted, and a way to remove it. */
export interface FaultHandle {
  /** Requests it acted on so far. */
  readonly hits: number;
  /** Whether it is still installed. */
  readonly active: boolean;
  remove(): void;
}

interface Hook {
  apiKey: number | null;
  fn: InterceptFn<unknown>;
  times: number;
  hits: number;
  active: boolean;
}

interface State {
  request: unknown;
  delayMs: number;
  changed: boolean;
}

const API_KEYS_BY_NAME = new Map(API_DECLS.map((a) => [a.name.toLowerCase(), a.apiKey]));
const API_NAMES = new Map(API_DECLS.map((a) => [a.apiKey, a.name]));

export class Faults {
  private hooks: Hook[] = [];
  /** What the broker's registry calls with every decoded request. */
  readonly interceptor: RequestInterceptor = { intercept: (ctx, request) => this.onRequest(ctx, request) };

  private markerHooks: { fail: MarkerFailOptions; code: number; hits: number; active: boolean }[] = [];

  constructor(
    private readonly servedApiKeys: ReadonlySet<number>,
    private readonly dropAll: () => number,
    /** Where marker writes can be intercepted (the transaction coordinator's hook). */
    private readonly markers?: { markerHook: MarkerHook | null },
  ) {}

  /**
   * Fails the transaction coordinator's next marker writes (COMMIT/ABORT markers to the partitions of a
   * transaction): each partition answers `error`, so EndTxn has been answered but the transaction stays
   * PrepareCommit/PrepareAbort, and the coordinator writes the markers again after its backoff.
   */
  failMarkers(options: MarkerFailOptions = {}): FaultHandle {
    const code = resolveError(options.error ?? 'NOT_LEADER_OR_FOLLOWER');
    const times = options.times ?? 1;
    if (!(times > 0)) throw new RangeError(`times must be at least 1, not ${times}`);
    if (!this.markers) throw new RangeError('this broker has no transaction coordinator to fail markers of');
    const hook = { fail: { ...options, times }, code, hits: 0, active: true };
    this.markerHooks.push(hook);
    this.markers.markerHook = (nodeId, marker) => this.onMarker(nodeId, marker);
    const remove = () => {
      hook.active = false;
      this.markerHooks = this.markerHooks.filter((h) => h !== hook);
    };
    return {
      get hits() {
        return hook.hits;
      },
      get active() {
        return hook.active;
      },
      remove,
    };
  }

  private onMarker(_nodeId: number, marker: WritableMarker): MarkerResult | null {
    const info: MarkerInfo = {
      producerId: marker.producerId,
      producerEpoch: marker.producerEpoch,
      commit: marker.commit,
      coordinatorEpoch: marker.coordinatorEpoch,
      topics: marker.topics.map((t) => ({ topic: t.topic, partitions: [...t.partitions] })),
    };
    const hook = this.markerHooks.find((h) => h.active && (!h.fail.when || h.fail.when(info)));
    if (!hook) return null;
    hook.hits++;
    if (hook.hits >= (hook.fail.times ?? 1)) {
      hook.active = false;
      this.markerHooks = this.markerHooks.filter((h) => h !== hook);
    }
    const result: MarkerResult = new Map();
    for (const t of marker.topics)
      for (const p of t.partitions) result.set(`${t.topic}\u0000${p}`, hook.code);
    return result;
  }

  /** Hooks installed right now (marker hooks included). */
  get size(): number {
    return this.hooks.length + this.markerHooks.length;
  }

  /**
   * Fails the next `times` requests of `api` with `error`: the answer mirrors the request, with every
   * error code (top level, per topic, per partition) set. The request is not applied. An acks=0 produce
   * has no answer, so its connection is closed instead, as Kafka does.
   */
  failNext<A extends ApiSelector>(api: A, options: FailOptions<RequestOf<A>> = {}): FaultHandle {
    const error = options.error ?? 'UNKNOWN_SERVER_ERROR';
    resolveError(error);
    const { when, message } = options;
    return this.add(
      api,
      (req, info) => (when && !when(req as RequestOf<A>, info) ? undefined : { error, message }),
      {
        times: options.times ?? 1,
      },
    );
  }

  /** Delays requests of `api` by `ms` before they are handled; later requests on the connection wait too. */
  delay<A extends ApiSelector>(api: A, ms: number, options: DelayOptions<RequestOf<A>> = {}): FaultHandle {
    if (!(ms >= 0)) throw new RangeError(`delay: ${ms} is not a duration (ms >= 0)`);
    const { when } = options;
    return this.add(
      api,
      (req, info) => (when && !when(req as RequestOf<A>, info) ? undefined : { delayMs: ms }),
      {
        times: options.times ?? Number.POSITIVE_INFINITY,
      },
    );
  }

  /** Closes the connection of the next `times` requests of `api`, without answering them. */
  disconnectNext<A extends ApiSelector>(api: A, options: DelayOptions<RequestOf<A>> = {}): FaultHandle {
    const { when } = options;
    return this.add(
      api,
      (req, info) => (when && !when(req as RequestOf<A>, info) ? undefined : { close: true }),
      {
        times: options.times ?? 1,
      },
    );
  }

  /**
   * Calls `fn` with every request of `api` ('*': of every API) before the broker handles it. `fn` may
   * only watch (return nothing) or act (see InterceptAction); it may be async, which holds the request,
   * and those after it on the same connection, until it settles.
   */
  intercept<A extends ApiSelector | '*'>(
    api: A,
    fn: InterceptFn<A extends '*' ? unknown : RequestOf<A>>,
    options: HookOptions = {},
  ): FaultHandle {
    return this.add(api, fn as InterceptFn<unknown>, { times: options.times ?? Number.POSITIVE_INFINITY });
  }

  /** Closes every client connection now; returns how many there were. */
  dropConnections(): number {
    return this.dropAll();
  }

  /** Removes every hook. */
  clear(): void {
    for (const h of this.hooks) h.active = false;
    this.hooks = [];
    for (const h of this.markerHooks) h.active = false;
    this.markerHooks = [];
  }

  private add(api: ApiSelector | '*', fn: InterceptFn<unknown>, options: { times: number }): FaultHandle {
    if (!(options.times > 0)) throw new RangeError(`times must be at least 1, not ${options.times}`);
    const hook: Hook = { apiKey: this.resolveApi(api), fn, times: options.times, hits: 0, active: true };
    this.hooks.push(hook);
    const remove = () => this.remove(hook);
    return {
      get hits() {
        return hook.hits;
      },
      get active() {
        return hook.active;
      },
      remove,
    };
  }

  private remove(hook: Hook): void {
    hook.active = false;
    this.hooks = this.hooks.filter((h) => h !== hook);
  }

  private resolveApi(api: ApiSelector | '*'): number | null {
    if (api === '*') return null;
    const key = typeof api === 'number' ? api : API_KEYS_BY_NAME.get(api.toLowerCase());
    if (key === undefined || !this.servedApiKeys.has(key)) {
      const served = [...this.servedApiKeys].map((k) => API_NAMES.get(k)).join(', ');
      throw new RangeError(
        `${String(api)} is not an API this broker serves, so no request of it can be hooked (served: ${served})`,
      );
    }
    return key;
  }

  private onRequest(
    ctx: RequestContext,
    request: unknown,
  ): Interception | Promise<Interception | null> | null {
    if (this.hooks.length === 0) return null;
    const hooks = this.hooks.filter((h) => h.apiKey === null || h.apiKey === ctx.apiKey);
    if (hooks.length === 0) return null;
    const state: State = { request, delayMs: 0, changed: false };
    return this.decide(ctx, requestInfo(ctx, state), hooks, 0, state);
  }

  private decide(
    ctx: RequestContext,
    info: RequestInfo,
    hooks: Hook[],
    from: number,
    state: State,
  ): Interception | Promise<Interception | null> | null {
    for (let i = from; i < hooks.length; i++) {
      const hook = hooks[i];
      if (!hook.active) continue;
      const action = hook.fn(state.request, info);
      if (action instanceof Promise) {
        return action.then(
          (a) => this.apply(ctx, hook, a, state) ?? this.decide(ctx, info, hooks, i + 1, state),
        );
      }
      const decided = this.apply(ctx, hook, action, state);
      if (decided) return decided;
    }
    return state.changed ? { request: state.request, delayMs: state.delayMs } : null;
  }

  /** Records what a hook did; returns the final decision when it answered for the broker. */
  private apply(
    ctx: RequestContext,
    hook: Hook,
    action: InterceptAction | undefined,
    state: State,
  ): Interception | null {
    if (action === undefined || action === null) return null;
    hook.hits++;
    if (hook.hits >= hook.times) this.remove(hook);
    if (action.delayMs) state.delayMs += action.delayMs;
    if (action.request !== undefined) state.request = action.request;
    state.changed = true;
    const respond = this.respondFor(ctx, action, state.request);
    return respond === undefined ? null : { request: state.request, respond, delayMs: state.delayMs };
  }

  private respondFor(ctx: RequestContext, action: InterceptAction, request: unknown): unknown {
    if (action.close) return new CloseConnection('closed by a fault hook');
    if (action.response !== undefined) return action.response;
    if (action.error === undefined) return undefined;
    // An acks=0 produce gets no answer: Kafka closes the connection on its errors.
    if (ctx.apiKey === 0 && (request as { acks?: number }).acks === 0)
      return new CloseConnection('fault hook failed an acks=0 produce');
    return buildErrorResponse(ctx, request, action.error, action.message);
  }
}

function resolveError(error: ErrorSelector): number {
  if (typeof error === 'number') return error;
  const info = errorByName(error);
  if (!info) throw new RangeError(`unknown Kafka error '${error}'`);
  return info.code;
}

function buildErrorResponse(ctx: RequestContext, request: unknown, error: ErrorSelector, message?: string) {
  const errorCode = resolveError(error);
  const services = ctx.services;
  return errorResponse(ctx.apiKey, ctx.version, request, {
    errorCode,
    errorMessage: message ?? errorInfo(errorCode).message,
    cluster: {
      clusterId: services.clusterId,
      controllerId: services.nodeId,
      brokers: brokerEntries(ctx, services.metadata()),
      topicNames: () => [...services.metadata().topicsByName.keys()],
      logDir: services.logDir,
    },
  });
}

function requestInfo(ctx: RequestContext, state: State): RequestInfo {
  return {
    apiKey: ctx.apiKey,
    api: API_NAMES.get(ctx.apiKey) ?? String(ctx.apiKey),
    version: ctx.version,
    correlationId: ctx.header.correlationId,
    clientId: ctx.header.clientId ?? null,
    connectionId: ctx.conn.info.id,
    nodeId: ctx.services.nodeId,
    errorResponse: (error, message) => buildErrorResponse(ctx, state.request, error, message),
  };
}
