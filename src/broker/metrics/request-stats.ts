// Kafka's RequestMetrics: requests per API and version, errors per API and error code, and the total
// time of each request (from dispatch to its encoded response) in a fixed-bucket histogram. Fetch
// requests also count under FetchConsumer or FetchFollower, as in Kafka.
//
// The error codes of a response are found by walking only the fields that lead to an `errorCode`,
// a plan derived once per API from its response declaration.

import { Histogram } from '../../metrics/index.js';
import { apiDecl } from '../../protocol/frame.js';
import type { FieldDecl } from '../../protocol/schema/declaration.js';

const API_KEY_FETCH = 1;
/** Error codes counted by index (code + 1); larger codes share the last slot. */
const ERROR_SLOTS = 160;

interface ErrorPlan {
  /** The struct has an int16 `errorCode` field. */
  here: boolean;
  /** Fields (arrays of structs or structs) under which more error codes live. */
  below: { name: string; plan: ErrorPlan }[];
}

function planOf(fields: readonly FieldDecl[] | undefined): ErrorPlan | null {
  if (!fields) return null;
  const here = fields.some((f) => f.name === 'errorCode' && f.type === 'int16');
  const below: ErrorPlan['below'] = [];
  for (const f of fields) {
    if (f.type !== '[]' && f.type !== '{}') continue;
    const plan = planOf(f.fields);
    if (plan) below.push({ name: f.name, plan });
  }
  return here || below.length > 0 ? { here, below } : null;
}

export class ApiRequestStats {
  /** Requests by version. */
  readonly byVersion: number[] = [];
  readonly totalTimeMs = new Histogram();
  /** Error codes seen in responses, by code + 1. */
  readonly errors = new Float64Array(ERROR_SLOTS);

  constructor(
    readonly name: string,
    private readonly plan: ErrorPlan | null,
  ) {}

  record(version: number, response: unknown, elapsedMs: number, nowMs: number): void {
    this.byVersion[version] = (this.byVersion[version] ?? 0) + 1;
    this.totalTimeMs.observe(elapsedMs, nowMs);
    if (this.plan && response !== null && typeof response === 'object') this.countErrors(response, this.plan);
  }

  private countErrors(obj: object, plan: ErrorPlan): void {
    const o = obj as Record<string, unknown>;
    if (plan.here) {
      const code = o.errorCode;
      if (typeof code === 'number') this.errors[Math.min(Math.max(code + 1, 0), ERROR_SLOTS - 1)]++;
    }
    for (const b of plan.below) {
      const v = o[b.name];
      if (Array.isArray(v)) {
        for (const item of v) if (item !== null && typeof item === 'object') this.countErrors(item, b.plan);
      } else if (v !== null && typeof v === 'object') this.countErrors(v, b.plan);
    }
  }

  /** [error code, count] of every code seen. */
  errorCounts(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < ERROR_SLOTS; i++) if (this.errors[i] > 0) out.push([i - 1, this.errors[i]]);
    return out;
  }
}

export class RequestStats {
  private readonly byKey: (ApiRequestStats | undefined)[] = [];
  readonly fetchConsumer: ApiRequestStats;
  readonly fetchFollower: ApiRequestStats;

  /** `apiKeys`: the APIs the broker serves; their families exist from the start, at zero. */
  constructor(apiKeys: readonly number[]) {
    for (const key of apiKeys) this.forKey(key);
    const fetchPlan = planOf(apiDecl(API_KEY_FETCH)?.response.fields);
    this.fetchConsumer = new ApiRequestStats('FetchConsumer', fetchPlan);
    this.fetchFollower = new ApiRequestStats('FetchFollower', fetchPlan);
  }

  private forKey(apiKey: number): ApiRequestStats {
    let s = this.byKey[apiKey];
    if (!s) {
      const decl = apiDecl(apiKey);
      s = new ApiRequestStats(decl?.name ?? `ApiKey${apiKey}`, planOf(decl?.response.fields));
      this.byKey[apiKey] = s;
    }
    return s;
  }

  /** One answered request (`response` null for requests that get none, such as acks=0 produce). */
  record(
    apiKey: number,
    version: number,
    request: unknown,
    response: unknown,
    elapsedMs: number,
    nowMs: number,
  ): void {
    this.forKey(apiKey).record(version, response, elapsedMs, nowMs);
    if (apiKey === API_KEY_FETCH) {
      const r = request as { replicaId?: number; replicaState?: { replicaId?: number } };
      const replicaId = r.replicaState?.replicaId ?? r.replicaId ?? -1;
      (replicaId >= 0 ? this.fetchFollower : this.fetchConsumer).record(version, response, elapsedMs, nowMs);
    }
  }

  /** Every API with stats, Kafka's names, in key order (FetchConsumer and FetchFollower last). */
  all(): ApiRequestStats[] {
    return [
      ...this.byKey.filter((s): s is ApiRequestStats => s !== undefined),
      this.fetchConsumer,
      this.fetchFollower,
    ];
  }
}
