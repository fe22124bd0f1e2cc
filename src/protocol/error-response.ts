// An error answer to any request, built from the protocol declarations rather than per API: the
// response mirrors the request's topics, partitions, groups and resources (the arrays and their
// identifying fields), and every `errorCode` in it — top level, per topic, per partition — carries the
// error. Fields the request does not determine keep their declared defaults, except offsets, leaders
// and generations, which say "none" (-1) as Kafka's own error responses do.
import { apiDecl } from './frame.js';
import { type FieldDecl, inVersions } from './schema/declaration.js';

type Obj = Record<string, unknown>;

/** What a response's brokers and topics lists hold when the request does not say (Metadata, DescribeCluster). */
export interface ClusterView {
  clusterId: string;
  controllerId: number;
  brokers: readonly { nodeId: number; host: string; port: number; rack: string | null }[];
  topicNames(): string[];
  logDir: string;
}

/** Fields that identify an element, copied from the request into the answer. */
const IDENTIFIERS = new Set([
  'name',
  'topic',
  'topicId',
  'partitionIndex',
  'partition',
  'index',
  'groupId',
  'memberId',
  'groupInstanceId',
  'key',
  'keyType',
  'resourceType',
  'resourceName',
  'transactionalId',
]);
const PARTITION_NAMES = ['partitionIndex', 'partition', 'index', 'partitionId'];
const TOPIC_NAMES = ['name', 'topic'];
/** Arrays of a response that are never a mirror of the request (their contents are the broker's). */
const NEVER_MIRRORED = new Set(['configs', 'synonyms', 'protocols', 'assignments']);
/** Where a response array's elements come from when the request has no array of the same name. */
const SOURCES: Record<string, readonly string[]> = {
  responses: ['topicData', 'topics', 'resources', 'topicNames'],
  partitionResponses: ['partitionData', 'partitions'],
  partitions: ['partitionIndexes', 'partitionData'],
  results: ['resources', 'topics', 'groupsNames', 'creations', 'users', 'upsertions'],
  filterResults: ['filters'],
  coordinators: ['coordinatorKeys'],
  replicaElectionResults: ['topicPartitions'],
  partitionResult: ['partitions'],
  resultsByTopicV3AndBelow: ['v3AndBelowTopics'],
  resultsByTransaction: ['transactions'],
  topicResults: ['topics'],
  resultsByPartition: ['partitions'],
  transactionStates: ['transactionalIds'],
};
/** API-specific exceptions: response arrays that have no counterpart in the request. */
const NO_SOURCE: Record<number, readonly string[]> = {
  35: ['results'], // DescribeLogDirs: results are log dirs
};
/** Fields that mean "none" as -1 when their declaration gives no default. */
const NONE_IS_MINUS_ONE =
  /^(nodeId|leaderId|controllerId|generationId|leaderEpoch|producerId|brokerId)$|(Offset|Watermark)$/;

export interface ErrorAnswerOptions {
  errorCode: number;
  errorMessage: string | null;
  cluster?: ClusterView;
}

/** The answer to `request` (API `apiKey`, version `version`) that fails all of it with one error. */
export function errorResponse(
  apiKey: number,
  version: number,
  request: unknown,
  options: ErrorAnswerOptions,
): Obj {
  const decl = apiDecl(apiKey);
  if (!decl) throw new RangeError(`unknown API key ${apiKey}`);
  const builder = new Builder(apiKey, version, options);
  const response = builder.struct(decl.response.fields, asObj(request), decl.request.fields);
  if (options.cluster) fillClusterFields(apiKey, response, request, options);
  return response;
}

class Builder {
  constructor(
    private readonly apiKey: number,
    private readonly version: number,
    private readonly options: ErrorAnswerOptions,
  ) {}

  private present(f: FieldDecl): boolean {
    return inVersions(f.versions, this.version);
  }

  struct(fields: readonly FieldDecl[], req: Obj | null, reqFields: readonly FieldDecl[] | undefined): Obj {
    const out: Obj = {};
    for (const f of fields) {
      if (!this.present(f)) continue;
      if (isErrorCode(f)) out[f.name] = this.options.errorCode;
      else if (f.name === 'errorMessage' && f.type === 'string') out.errorMessage = this.options.errorMessage;
      else if (f.type === '[]') out[f.name] = this.array(f, req, reqFields);
      else if (f.type === '{}' || f.type.startsWith('[]')) continue;
      else {
        const copied = IDENTIFIERS.has(f.name) ? identifier(f, req) : undefined;
        if (copied !== undefined) out[f.name] = copied;
        else if (f.default === undefined && NONE_IS_MINUS_ONE.test(f.name) && isInteger(f.type))
          out[f.name] = -1;
      }
    }
    return out;
  }

  private array(f: FieldDecl, req: Obj | null, reqFields: readonly FieldDecl[] | undefined): Obj[] {
    if (!req || NEVER_MIRRORED.has(f.name) || NO_SOURCE[this.apiKey]?.includes(f.name)) return [];
    const candidates = [f.name, ...(SOURCES[f.name] ?? [])];
    for (const name of candidates) {
      const value = req[name];
      if (!Array.isArray(value)) continue;
      const sourceDecl = reqFields?.find((r) => r.name === name);
      return value.map((el) => this.element(f.fields ?? [], el, sourceDecl?.fields));
    }
    return [];
  }

  private element(
    fields: readonly FieldDecl[],
    el: unknown,
    reqFields: readonly FieldDecl[] | undefined,
  ): Obj {
    if (el !== null && typeof el === 'object' && !Buffer.isBuffer(el))
      return this.struct(fields, el as Obj, reqFields);
    // An element of a list of names or partition indexes: it becomes the element's identifying field.
    const out = this.struct(fields, null, undefined);
    const names =
      typeof el === 'number'
        ? PARTITION_NAMES
        : ['name', 'groupId', 'key', 'topic', 'resourceName', 'transactionalId'];
    const target = names.find((n) => fields.some((f) => f.name === n && this.present(f)));
    if (target) out[target] = el;
    return out;
  }
}

function identifier(f: FieldDecl, req: Obj | null): unknown {
  if (!req) return undefined;
  const aliases = PARTITION_NAMES.includes(f.name)
    ? PARTITION_NAMES
    : TOPIC_NAMES.includes(f.name)
      ? TOPIC_NAMES
      : [f.name];
  for (const a of aliases) {
    const v = req[a];
    if (v === undefined) continue;
    if (f.type === 'string' ? typeof v === 'string' || v === null : typeof v === typeof defaultOf(f))
      return v;
  }
  return undefined;
}

function defaultOf(f: FieldDecl): unknown {
  switch (f.type) {
    case 'string':
    case 'uuid':
      return '';
    case 'bool':
      return false;
    case 'int64':
      return 0; // decoded int64 fields are numbers here
    default:
      return 0;
  }
}

/** An error code field: `errorCode`, or one named for what it is about (`partitionErrorCode`). */
function isErrorCode(f: FieldDecl): boolean {
  return f.type === 'int16' && (f.name === 'errorCode' || f.name.endsWith('ErrorCode'));
}

function isInteger(type: string): boolean {
  return type === 'int8' || type === 'int16' || type === 'int32' || type === 'int64';
}

function asObj(v: unknown): Obj | null {
  return v !== null && typeof v === 'object' ? (v as Obj) : null;
}

/**
 * Metadata and DescribeCluster still name the brokers, so that a client can go on after the error;
 * DescribeLogDirs names the log dir that failed.
 */
function fillClusterFields(
  apiKey: number,
  response: Obj,
  request: unknown,
  options: ErrorAnswerOptions,
): void {
  const cluster = options.cluster as ClusterView;
  if (apiKey === 3) {
    response.brokers = cluster.brokers.map((b) => ({ ...b }));
    response.clusterId = cluster.clusterId;
    response.controllerId = cluster.controllerId;
    const topics = asObj(request)?.topics;
    if (!Array.isArray(topics) && Array.isArray(response.topics) && response.topics.length === 0) {
      // "All topics": every topic carries the error.
      response.topics = cluster.topicNames().map((name) => ({ name, errorCode: options.errorCode }));
    }
  } else if (apiKey === 34) {
    // AlterReplicaLogDirs answers per topic what the request asked per dir.
    const dirs = asObj(request)?.dirs;
    const topics = Array.isArray(dirs)
      ? dirs.flatMap((d) => (asObj(d)?.topics as Obj[] | undefined) ?? [])
      : [];
    response.results = topics.map((t) => ({
      topicName: t.name,
      partitions: ((t.partitions as number[] | undefined) ?? []).map((partitionIndex) => ({
        partitionIndex,
        errorCode: options.errorCode,
      })),
    }));
  } else if (apiKey === 35) {
    // One log dir carrying the error (before v3 there is no top-level error code to carry it).
    response.results = [{ errorCode: options.errorCode, logDir: cluster.logDir, topics: [] }];
  } else if (apiKey === 60) {
    response.brokers = cluster.brokers.map((b) => ({
      brokerId: b.nodeId,
      host: b.host,
      port: b.port,
      rack: b.rack,
    }));
    response.clusterId = cluster.clusterId;
    response.controllerId = cluster.controllerId;
  }
}

/** Whether any `errorCode` field in a decoded response equals `code` (responses nest them per item). */
export function hasErrorCode(value: unknown, code: number, depth = 0): boolean {
  if (depth > 6 || value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return false;
  if (Array.isArray(value)) return value.some((v) => hasErrorCode(v, code, depth + 1));
  const record = value as Record<string, unknown>;
  if (record.errorCode === code) return true;
  for (const v of Object.values(record))
    if (typeof v === 'object' && hasErrorCode(v, code, depth + 1)) return true;
  return false;
}
