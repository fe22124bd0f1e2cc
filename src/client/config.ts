// Configuration with Kafka's key names (`linger.ms`) and typed camelCase aliases (`lingerMs`).
// Each client kind has a table of definitions: name, alias, type, default, bounds. Resolving a
// user's object checks every key against the table; an unknown key is an error that names it and
// suggests the closest known key.
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { clientError } from './errors.js';
import {
  type ClientSecurity,
  resolveSecurity,
  type SecurityKeys,
  type SecurityProtocol,
} from './security.js';

type Kind = 'string' | 'number' | 'boolean' | 'list' | 'enum' | 'any';

interface Def {
  name: string;
  alias: string;
  kind: Kind;
  default: unknown;
  min?: number;
  max?: number;
  values?: readonly (string | number)[];
}

function def(name: string, kind: Kind, dflt: unknown, extra: Partial<Def> = {}): Def {
  const alias = name.replace(/\.([a-z])/g, (_, c: string) => c.toUpperCase());
  return { name, alias, kind, default: dflt, ...extra };
}

const COMMON: Def[] = [
  def('bootstrap.servers', 'list', undefined),
  def('client.id', 'string', 'samsa'),
  def('client.rack', 'string', ''),
  def('request.timeout.ms', 'number', 30_000, { min: 1 }),
  def('default.api.timeout.ms', 'number', 60_000, { min: 1 }),
  def('retry.backoff.ms', 'number', 100, { min: 0 }),
  def('retry.backoff.max.ms', 'number', 1000, { min: 0 }),
  def('reconnect.backoff.ms', 'number', 50, { min: 0 }),
  def('reconnect.backoff.max.ms', 'number', 1000, { min: 0 }),
  def('socket.connection.setup.timeout.ms', 'number', 10_000, { min: 1 }),
  def('metadata.max.age.ms', 'number', 300_000, { min: 0 }),
  def('connections.max.idle.ms', 'number', 540_000, { min: -1 }),
  def('allow.auto.create.topics', 'boolean', true),
  def('logger', 'any', undefined),
  def('security.protocol', 'enum', 'PLAINTEXT', {
    values: [
      'PLAINTEXT',
      'SSL',
      'SASL_PLAINTEXT',
      'SASL_SSL',
      'plaintext',
      'ssl',
      'sasl_plaintext',
      'sasl_ssl',
    ],
  }),
  def('ssl', 'any', undefined),
  def('ssl.truststore.location', 'string', ''),
  def('ssl.truststore.type', 'string', ''),
  def('ssl.truststore.password', 'string', ''),
  def('ssl.truststore.certificates', 'string', ''),
  def('ssl.keystore.location', 'string', ''),
  def('ssl.keystore.type', 'string', ''),
  def('ssl.keystore.password', 'string', ''),
  def('ssl.key.password', 'string', ''),
  def('ssl.keystore.certificate.chain', 'string', ''),
  def('ssl.keystore.key', 'string', ''),
  def('ssl.endpoint.identification.algorithm', 'string', 'https'),
  def('sasl.mechanism', 'string', 'GSSAPI'),
  def('sasl.username', 'string', ''),
  def('sasl.password', 'string', ''),
  def('sasl.jaas.config', 'string', ''),
  def('sasl.oauthbearer.token', 'any', undefined),
];

const PRODUCER: Def[] = [
  def('acks', 'enum', 'all', { values: ['all', '-1', '0', '1', -1, 0, 1] }),
  def('linger.ms', 'number', 5, { min: 0 }),
  def('batch.size', 'number', 16_384, { min: 0 }),
  def('buffer.memory', 'number', 33_554_432, { min: 1024 }),
  def('compression.type', 'enum', 'none', { values: ['none', 'gzip', 'snappy', 'lz4', 'zstd'] }),
  def('enable.idempotence', 'boolean', true),
  def('max.in.flight.requests.per.connection', 'number', 5, { min: 1 }),
  def('retries', 'number', 2_147_483_647, { min: 0 }),
  def('delivery.timeout.ms', 'number', 120_000, { min: 1 }),
  def('max.request.size', 'number', 1_048_576, { min: 1 }),
  def('max.block.ms', 'number', 60_000, { min: 0 }),
  def('partitioner', 'any', undefined),
  def('partitioner.ignore.keys', 'boolean', false),
  def('transactional.id', 'string', ''),
  def('transaction.timeout.ms', 'number', 60_000, { min: 1 }),
];

const CONSUMER: Def[] = [
  def('group.id', 'string', ''),
  def('group.instance.id', 'string', ''),
  def('session.timeout.ms', 'number', 45_000, { min: 1 }),
  def('heartbeat.interval.ms', 'number', 3000, { min: 1 }),
  def('max.poll.interval.ms', 'number', 300_000, { min: 1 }),
  def('auto.offset.reset', 'enum', 'latest', { values: ['earliest', 'latest', 'none'] }),
  def('enable.auto.commit', 'boolean', true),
  def('auto.commit.interval.ms', 'number', 5000, { min: 0 }),
  def('isolation.level', 'enum', 'read_uncommitted', { values: ['read_uncommitted', 'read_committed'] }),
  def('fetch.min.bytes', 'number', 1, { min: 0 }),
  def('fetch.max.bytes', 'number', 52_428_800, { min: 0 }),
  def('max.partition.fetch.bytes', 'number', 1_048_576, { min: 0 }),
  def('fetch.max.wait.ms', 'number', 500, { min: 0 }),
  def('max.poll.records', 'number', 500, { min: 1 }),
  def('partition.assignment.strategy', 'any', undefined),
  def('check.crcs', 'boolean', true),
];

export interface Logger {
  debug?(message: string, extra?: Record<string, unknown>): void;
  info?(message: string, extra?: Record<string, unknown>): void;
  warn?(message: string, extra?: Record<string, unknown>): void;
  error?(message: string, extra?: Record<string, unknown>): void;
}

/** Settings every client shares. Keys in Kafka's spelling or as camelCase aliases. */
export interface CommonConfig {
  'bootstrap.servers'?: string | string[];
  bootstrapServers?: string | string[];
  'client.id'?: string;
  clientId?: string;
  'client.rack'?: string;
  clientRack?: string;
  'request.timeout.ms'?: number;
  requestTimeoutMs?: number;
  'default.api.timeout.ms'?: number;
  defaultApiTimeoutMs?: number;
  'retry.backoff.ms'?: number;
  retryBackoffMs?: number;
  'retry.backoff.max.ms'?: number;
  retryBackoffMaxMs?: number;
  'reconnect.backoff.ms'?: number;
  reconnectBackoffMs?: number;
  'reconnect.backoff.max.ms'?: number;
  reconnectBackoffMaxMs?: number;
  'socket.connection.setup.timeout.ms'?: number;
  socketConnectionSetupTimeoutMs?: number;
  'metadata.max.age.ms'?: number;
  metadataMaxAgeMs?: number;
  'connections.max.idle.ms'?: number;
  connectionsMaxIdleMs?: number;
  'allow.auto.create.topics'?: boolean;
  allowAutoCreateTopics?: boolean;
  logger?: Logger;
  /** PLAINTEXT (default), SSL, SASL_PLAINTEXT or SASL_SSL. */
  'security.protocol'?: SecurityProtocol;
  securityProtocol?: SecurityProtocol;
  /** Node TLS options (ca, cert, key, ...), merged over what the ssl.* keys give. */
  ssl?: TlsOptions;
  'ssl.truststore.location'?: string;
  sslTruststoreLocation?: string;
  'ssl.truststore.type'?: string;
  sslTruststoreType?: string;
  'ssl.truststore.password'?: string;
  sslTruststorePassword?: string;
  /** Trusted certificates in PEM. */
  'ssl.truststore.certificates'?: string;
  sslTruststoreCertificates?: string;
  'ssl.keystore.location'?: string;
  sslKeystoreLocation?: string;
  'ssl.keystore.type'?: string;
  sslKeystoreType?: string;
  'ssl.keystore.password'?: string;
  sslKeystorePassword?: string;
  'ssl.key.password'?: string;
  sslKeyPassword?: string;
  'ssl.keystore.certificate.chain'?: string;
  sslKeystoreCertificateChain?: string;
  'ssl.keystore.key'?: string;
  sslKeystoreKey?: string;
  /** "https" (default) checks the broker's host name; "" does not. */
  'ssl.endpoint.identification.algorithm'?: string;
  sslEndpointIdentificationAlgorithm?: string;
  /** PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER. */
  'sasl.mechanism'?: string;
  saslMechanism?: string;
  'sasl.username'?: string;
  saslUsername?: string;
  'sasl.password'?: string;
  saslPassword?: string;
  /** A JAAS line with username and password (or unsecuredLoginStringClaim_sub for OAUTHBEARER). */
  'sasl.jaas.config'?: string;
  saslJaasConfig?: string;
  /** OAUTHBEARER: the token, or a function returning it (asked before each authentication). */
  'sasl.oauthbearer.token'?: string | (() => string | Promise<string>);
  saslOauthbearerToken?: string | (() => string | Promise<string>);
}

export type Acks = 'all' | '-1' | '0' | '1' | -1 | 0 | 1;
export type CompressionType = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface ProducerConfig extends CommonConfig {
  acks?: Acks;
  'linger.ms'?: number;
  lingerMs?: number;
  'batch.size'?: number;
  batchSize?: number;
  'buffer.memory'?: number;
  bufferMemory?: number;
  'compression.type'?: CompressionType;
  compressionType?: CompressionType;
  'enable.idempotence'?: boolean;
  enableIdempotence?: boolean;
  'max.in.flight.requests.per.connection'?: number;
  maxInFlightRequestsPerConnection?: number;
  retries?: number;
  'delivery.timeout.ms'?: number;
  deliveryTimeoutMs?: number;
  'max.request.size'?: number;
  maxRequestSize?: number;
  'max.block.ms'?: number;
  maxBlockMs?: number;
  /** A custom partitioner (see Partitioner). */
  partitioner?: unknown;
  'partitioner.ignore.keys'?: boolean;
  partitionerIgnoreKeys?: boolean;
  'transactional.id'?: string;
  transactionalId?: string;
  /** How long the coordinator lets a transaction stay open before aborting it (default 60 s). */
  'transaction.timeout.ms'?: number;
  transactionTimeoutMs?: number;
}

export type AutoOffsetReset = 'earliest' | 'latest' | 'none';
export type IsolationLevel = 'read_uncommitted' | 'read_committed';

export interface ConsumerConfig extends CommonConfig {
  'group.id'?: string;
  groupId?: string;
  'group.instance.id'?: string;
  groupInstanceId?: string;
  'session.timeout.ms'?: number;
  sessionTimeoutMs?: number;
  'heartbeat.interval.ms'?: number;
  heartbeatIntervalMs?: number;
  'max.poll.interval.ms'?: number;
  maxPollIntervalMs?: number;
  'auto.offset.reset'?: AutoOffsetReset;
  autoOffsetReset?: AutoOffsetReset;
  'enable.auto.commit'?: boolean;
  enableAutoCommit?: boolean;
  'auto.commit.interval.ms'?: number;
  autoCommitIntervalMs?: number;
  'isolation.level'?: IsolationLevel;
  isolationLevel?: IsolationLevel;
  'fetch.min.bytes'?: number;
  fetchMinBytes?: number;
  'fetch.max.bytes'?: number;
  fetchMaxBytes?: number;
  'max.partition.fetch.bytes'?: number;
  maxPartitionFetchBytes?: number;
  'fetch.max.wait.ms'?: number;
  fetchMaxWaitMs?: number;
  'max.poll.records'?: number;
  maxPollRecords?: number;
  /** Assignor names ('range', 'roundrobin', 'cooperative-sticky') or Assignor objects, in order of preference. */
  'partition.assignment.strategy'?: unknown;
  partitionAssignmentStrategy?: unknown;
  'check.crcs'?: boolean;
  checkCrcs?: boolean;
}

export type AdminConfig = CommonConfig;

export interface ResolvedCommon {
  bootstrapServers: string[];
  clientId: string;
  clientRack: string;
  requestTimeoutMs: number;
  defaultApiTimeoutMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  reconnectBackoffMs: number;
  reconnectBackoffMaxMs: number;
  socketConnectionSetupTimeoutMs: number;
  metadataMaxAgeMs: number;
  connectionsMaxIdleMs: number;
  allowAutoCreateTopics: boolean;
  logger: Logger | undefined;
  /** TLS and SASL, resolved from the security keys. */
  security: ClientSecurity;
}

export interface ResolvedProducer extends ResolvedCommon {
  acks: -1 | 0 | 1;
  lingerMs: number;
  batchSize: number;
  bufferMemory: number;
  compressionType: CompressionType;
  enableIdempotence: boolean;
  maxInFlightRequestsPerConnection: number;
  retries: number;
  deliveryTimeoutMs: number;
  maxRequestSize: number;
  maxBlockMs: number;
  partitioner: unknown;
  partitionerIgnoreKeys: boolean;
  transactionalId: string;
  transactionTimeoutMs: number;
}

export interface ResolvedConsumer extends ResolvedCommon {
  groupId: string;
  groupInstanceId: string;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxPollIntervalMs: number;
  autoOffsetReset: AutoOffsetReset;
  enableAutoCommit: boolean;
  autoCommitIntervalMs: number;
  isolationLevel: IsolationLevel;
  fetchMinBytes: number;
  fetchMaxBytes: number;
  maxPartitionFetchBytes: number;
  fetchMaxWaitMs: number;
  maxPollRecords: number;
  partitionAssignmentStrategy: unknown;
  checkCrcs: boolean;
}

/** Edit distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

function suggest(key: string, defs: readonly Def[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  const lower = key.toLowerCase();
  for (const d of defs) {
    for (const candidate of [d.name, d.alias]) {
      const dist = distance(lower, candidate.toLowerCase());
      if (dist < bestDistance) {
        bestDistance = dist;
        best = candidate;
      }
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 4)) ? best : undefined;
}

function invalid(key: string, message: string) {
  return clientError('INVALID_CONFIG', `config '${key}': ${message}`, { errorCode: 40 });
}

function coerce(d: Def, key: string, value: unknown): unknown {
  switch (d.kind) {
    case 'number': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n))
        throw invalid(key, `expected a number, got ${String(value)}`);
      if (d.min !== undefined && n < d.min) throw invalid(key, `${n} is below the minimum ${d.min}`);
      if (d.max !== undefined && n > d.max) throw invalid(key, `${n} is above the maximum ${d.max}`);
      return n;
    }
    case 'boolean':
      if (value === 'true') return true;
      if (value === 'false') return false;
      if (typeof value !== 'boolean') throw invalid(key, `expected true or false, got ${String(value)}`);
      return value;
    case 'string':
      if (typeof value !== 'string') throw invalid(key, `expected a string, got ${String(value)}`);
      return value;
    case 'list': {
      const list = typeof value === 'string' ? value.split(',') : value;
      if (!Array.isArray(list) || list.some((s) => typeof s !== 'string'))
        throw invalid(key, 'expected a comma-separated string or a list of strings');
      return list.map((s: string) => s.trim()).filter((s: string) => s.length > 0);
    }
    case 'enum':
      if (!d.values?.includes(value as string)) {
        throw invalid(
          key,
          `${String(value)} is not one of ${d.values?.filter((v) => typeof v === 'string').join(', ')}`,
        );
      }
      return value;
    default:
      return value;
  }
}

function resolve<T>(input: object, defs: readonly Def[], what: string): T {
  const byKey = new Map<string, Def>();
  for (const d of defs) {
    byKey.set(d.name, d);
    byKey.set(d.alias, d);
  }
  const out: Record<string, unknown> = {};
  const seen = new Map<string, string>();
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    const d = byKey.get(key);
    if (!d) {
      const hint = suggest(key, defs);
      throw invalid(key, `unknown ${what} config key${hint ? ` (did you mean '${hint}'?)` : ''}`);
    }
    const other = seen.get(d.alias);
    if (other !== undefined && other !== key) throw invalid(key, `given twice (also as '${other}')`);
    seen.set(d.alias, key);
    out[d.alias] = coerce(d, key, value);
  }
  for (const d of defs) if (!(d.alias in out)) out[d.alias] = d.default;
  return out as T;
}

function finishCommon(c: ResolvedCommon): void {
  if (!c.bootstrapServers || c.bootstrapServers.length === 0) {
    throw invalid('bootstrap.servers', 'required: a list of host:port');
  }
  for (const s of c.bootstrapServers) parseHostPort(s);
  c.security = resolveSecurity(c as unknown as SecurityKeys);
}

export function parseHostPort(s: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(s.replace(/^[a-z]+:\/\//i, ''));
  if (!m) throw invalid('bootstrap.servers', `'${s}' is not host:port`);
  return { host: m[1], port: Number(m[2]) };
}

export function resolveAdminConfig(input: AdminConfig): ResolvedCommon {
  const c = resolve<ResolvedCommon>(input, COMMON, 'admin');
  finishCommon(c);
  return c;
}

export function resolveProducerConfig(input: ProducerConfig): ResolvedProducer {
  const c = resolve<ResolvedProducer>(input, [...COMMON, ...PRODUCER], 'producer');
  finishCommon(c);
  const rawAcks = c.acks as unknown;
  const acks = rawAcks === 'all' ? -1 : Number(rawAcks);
  c.acks = acks as -1 | 0 | 1;
  const explicitIdempotence = input['enable.idempotence'] ?? input.enableIdempotence;
  if (c.enableIdempotence) {
    // As in the Java client: idempotence needs acks=all, retries and at most 5 requests in flight.
    const conflict =
      acks !== -1
        ? 'acks must be all'
        : c.maxInFlightRequestsPerConnection > 5
          ? 'max.in.flight.requests.per.connection must be <= 5'
          : c.retries === 0
            ? 'retries must be > 0'
            : undefined;
    if (conflict) {
      if (explicitIdempotence === true) throw invalid('enable.idempotence', conflict);
      c.enableIdempotence = false;
    }
  }
  // As in the Java client: a transactional producer is idempotent.
  if (c.transactionalId) {
    if (explicitIdempotence === false)
      throw invalid('enable.idempotence', 'a transactional producer is idempotent');
    if (!c.enableIdempotence)
      throw invalid('transactional.id', 'needs acks=all, retries > 0 and at most 5 requests in flight');
  }
  if (c.partitioner !== undefined && typeof c.partitioner !== 'function') {
    throw invalid('partitioner', 'expected a function (topic, key, value, partitionCount) => partition');
  }
  return c;
}

export function resolveConsumerConfig(input: ConsumerConfig): ResolvedConsumer {
  const c = resolve<ResolvedConsumer>(input, [...COMMON, ...CONSUMER], 'consumer');
  finishCommon(c);
  if (c.heartbeatIntervalMs >= c.sessionTimeoutMs) {
    throw invalid('heartbeat.interval.ms', 'must be lower than session.timeout.ms');
  }
  return c;
}

/** Every known key of a client kind, in Kafka's spelling (for documentation and tools). */
export function configKeys(kind: 'producer' | 'consumer' | 'admin'): string[] {
  const defs =
    kind === 'producer' ? [...COMMON, ...PRODUCER] : kind === 'consumer' ? [...COMMON, ...CONSUMER] : COMMON;
  return defs.map((d) => d.name);
}
