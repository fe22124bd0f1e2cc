// What a client knows about the cluster and how it reaches it: bootstrap, the metadata cache
// (refreshed periodically and on demand after NOT_LEADER / UNKNOWN_TOPIC errors), one connection
// per broker (opened lazily, reopened with backoff after a failure), coordinators, and a retry
// loop with exponential backoff for retriable errors. Shared by the producer, consumer and admin.
import type { FindCoordinatorResponse, MetadataRequest, MetadataResponse } from '../protocol/index.js';
import { parseHostPort, type ResolvedCommon } from './config.js';
import { Connection, type SendOptions, Sweeper } from './connection.js';
import { clientError, KafkaError, kafkaError } from './errors.js';
import { API } from './versions.js';

export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface PartitionInfo {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
  errorCode: number;
}

export interface TopicInfo {
  name: string;
  topicId: string;
  isInternal: boolean;
  partitions: PartitionInfo[];
}

export const ZERO_TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** Errors after which the metadata we hold is probably stale. */
const STALE_METADATA_CODES = new Set([3, 5, 6, 9, 74, 75, 100, 103]);

export function isStaleMetadataError(errorCode: number): boolean {
  return STALE_METADATA_CODES.has(errorCode);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export class Cluster {
  readonly brokers = new Map<number, BrokerInfo>();
  readonly topics = new Map<string, TopicInfo>();
  readonly topicNamesById = new Map<string, string>();
  clusterId: string | null = null;
  controllerId = -1;
  /** Topics whose metadata this client keeps fresh. */
  readonly tracked = new Set<string>();
  readonly sweeper = new Sweeper();
  private readonly connections = new Map<number | string, Connection>();
  private readonly failures = new Map<number | string, { count: number; until: number }>();
  private refreshing: Promise<void> | null = null;
  private refreshingTopics: Set<string> | 'all' | null = null;
  private lastRefreshMs = 0;
  private readonly coordinators = new Map<string, number>();
  private periodic: NodeJS.Timeout | null = null;
  private closed = false;
  private bootstrapIndex = 0;

  constructor(readonly config: ResolvedCommon) {
    if (config.metadataMaxAgeMs > 0) {
      this.periodic = setInterval(
        () => {
          if (this.tracked.size > 0 && Date.now() - this.lastRefreshMs >= config.metadataMaxAgeMs) {
            this.refreshMetadata().catch(() => {});
          }
        },
        Math.min(config.metadataMaxAgeMs, 30_000),
      );
      this.periodic.unref();
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private checkOpen(): void {
    if (this.closed) throw clientError('CLIENT_CLOSED', 'the client is closed');
  }

  private newConnection(label: number | string, host: string, port: number): Connection {
    const c = new Connection({
      host,
      port,
      label,
      clientId: this.config.clientId,
      requestTimeoutMs: this.config.requestTimeoutMs,
      connectTimeoutMs: this.config.socketConnectionSetupTimeoutMs,
      logger: this.config.logger,
      sweeper: this.sweeper,
      security: this.config.security,
    });
    c.onClose((err) => {
      if (this.connections.get(label) === c) this.connections.delete(label);
      if (err) {
        const f = this.failures.get(label) ?? { count: 0, until: 0 };
        f.count++;
        const backoff = Math.min(
          this.config.reconnectBackoffMaxMs,
          this.config.reconnectBackoffMs * 2 ** (f.count - 1),
        );
        f.until = Date.now() + backoff * (0.8 + Math.random() * 0.4);
        this.failures.set(label, f);
      }
    });
    this.connections.set(label, c);
    return c;
  }

  private async openConnection(label: number | string, host: string, port: number): Promise<Connection> {
    this.checkOpen();
    let c = this.connections.get(label);
    if (c && !c.isClosed) {
      if (!c.isReady) await c.ready();
      return c;
    }
    const f = this.failures.get(label);
    if (f && f.until > Date.now()) await sleep(f.until - Date.now());
    this.checkOpen();
    c = this.connections.get(label);
    if (!c || c.isClosed) c = this.newConnection(label, host, port);
    await c.ready();
    this.failures.delete(label);
    return c;
  }

  /** The connection to a broker by node id (refreshing metadata when the node is unknown). */
  async connectionTo(nodeId: number): Promise<Connection> {
    const existing = this.connections.get(nodeId);
    if (existing?.isReady) return existing;
    let b = this.brokers.get(nodeId);
    if (!b) {
      await this.refreshMetadata();
      b = this.brokers.get(nodeId);
      if (!b) {
        throw clientError('CONNECTION_FAILED', `broker ${nodeId} is not in the cluster metadata`, {
          broker: nodeId,
          retriable: true,
        });
      }
    }
    return this.openConnection(nodeId, b.host, b.port);
  }

  /** Any usable connection: an open one, else a known broker, else a bootstrap server. */
  async anyConnection(): Promise<Connection> {
    this.checkOpen();
    let best: Connection | undefined;
    for (const c of this.connections.values()) {
      if (c.isReady && (!best || c.inFlight < best.inFlight)) best = c;
    }
    if (best) return best;
    const errors: KafkaError[] = [];
    const candidates: [number | string, string, number][] = [];
    for (const b of this.brokers.values()) candidates.push([b.nodeId, b.host, b.port]);
    const servers = this.config.bootstrapServers;
    for (let i = 0; i < servers.length; i++) {
      const s = servers[(this.bootstrapIndex + i) % servers.length];
      const { host, port } = parseHostPort(s);
      candidates.push([`${host}:${port}`, host, port]);
    }
    this.bootstrapIndex++;
    for (const [label, host, port] of candidates) {
      try {
        return await this.openConnection(label, host, port);
      } catch (e) {
        if (e instanceof KafkaError && e.code === 'CLIENT_CLOSED') throw e;
        // Refused credentials or certificates fail the call at once (they are not retriable).
        if (e instanceof KafkaError && /^(SASL|SSL)_AUTHENTICATION_FAILED$/.test(e.code)) throw e;
        errors.push(e as KafkaError);
      }
    }
    throw clientError(
      'CONNECTION_FAILED',
      `no broker reachable (${errors.map((e) => e.message).join('; ')})`,
      { retriable: true },
    );
  }

  async controllerConnection(): Promise<Connection> {
    if (this.controllerId < 0 || !this.brokers.has(this.controllerId)) await this.refreshMetadata();
    if (this.controllerId >= 0 && this.brokers.has(this.controllerId))
      return this.connectionTo(this.controllerId);
    return this.anyConnection();
  }

  /**
   * Refreshes metadata for the tracked topics plus `topics` ("all" lists every topic). Concurrent
   * calls share a request in flight when it covers what they need.
   */
  async refreshMetadata(
    topics: readonly string[] = [],
    options: { all?: boolean; autoCreate?: boolean } = {},
  ): Promise<void> {
    for (const t of topics) this.tracked.add(t);
    for (;;) {
      const inFlight = this.refreshing;
      if (!inFlight) break;
      const covered =
        this.refreshingTopics === 'all' ||
        (!options.all && topics.every((t) => (this.refreshingTopics as Set<string>).has(t)));
      if (covered) return inFlight;
      await inFlight.catch(() => {});
    }
    const want: Set<string> | 'all' = options.all ? 'all' : new Set(this.tracked);
    this.refreshingTopics = want;
    const p = this.fetchMetadata(
      want === 'all' ? null : [...want],
      options.autoCreate ?? this.config.allowAutoCreateTopics,
    );
    this.refreshing = p;
    try {
      await p;
    } finally {
      if (this.refreshing === p) {
        this.refreshing = null;
        this.refreshingTopics = null;
      }
    }
  }

  private async fetchMetadata(topics: string[] | null, autoCreate: boolean): Promise<void> {
    const res = await this.withRetries('Metadata', async () => {
      const conn = await this.anyConnection();
      return conn.send<MetadataResponse>(
        API.Metadata,
        (_v): MetadataRequest => ({
          topics: topics === null ? null : topics.map((name) => ({ name, topicId: ZERO_TOPIC_ID })),
          allowAutoTopicCreation: autoCreate,
          includeClusterAuthorizedOperations: false,
          includeTopicAuthorizedOperations: false,
        }),
      );
    });
    this.applyMetadata(res, topics);
  }

  /** Folds a Metadata response into the cache. */
  applyMetadata(res: MetadataResponse, requested: string[] | null): void {
    this.lastRefreshMs = Date.now();
    this.brokers.clear();
    for (const b of res.brokers)
      this.brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack ?? null });
    // Connections to brokers that left the cluster are closed; bootstrap connections too, once
    // real node ids are known and they sit idle.
    for (const [label, c] of this.connections) {
      if (typeof label === 'number' ? !this.brokers.has(label) : this.brokers.size > 0 && c.inFlight === 0) {
        c.close();
      }
    }
    this.clusterId = res.clusterId ?? null;
    this.controllerId = res.controllerId ?? -1;
    const seen = new Set<string>();
    for (const t of res.topics) {
      if (t.name === null) continue;
      seen.add(t.name);
      if (t.errorCode !== 0) {
        this.topics.delete(t.name);
        continue;
      }
      const info: TopicInfo = {
        name: t.name,
        topicId: t.topicId ?? ZERO_TOPIC_ID,
        isInternal: t.isInternal ?? false,
        partitions: [],
      };
      for (const p of t.partitions) {
        info.partitions[p.partitionIndex] = {
          partition: p.partitionIndex,
          leader: p.leaderId,
          leaderEpoch: p.leaderEpoch ?? -1,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          offlineReplicas: p.offlineReplicas ?? [],
          errorCode: p.errorCode,
        };
      }
      this.topics.set(t.name, info);
      if (info.topicId !== ZERO_TOPIC_ID) this.topicNamesById.set(info.topicId, t.name);
    }
    if (requested === null) {
      for (const name of [...this.topics.keys()]) if (!seen.has(name)) this.topics.delete(name);
    }
    this.lastTopicErrors = new Map(
      res.topics
        .filter((t) => t.name !== null && t.errorCode !== 0)
        .map((t) => [t.name as string, t.errorCode]),
    );
  }

  /** Topic errors of the last Metadata response (UNKNOWN_TOPIC_OR_PARTITION, ...). */
  lastTopicErrors = new Map<string, number>();

  /**
   * The metadata of a topic, refreshing until it is known and every partition has a leader (or
   * the deadline passes). UNKNOWN_TOPIC_OR_PARTITION is retried because auto-creation is
   * asynchronous on Kafka.
   */
  async topic(name: string, options: { deadlineMs?: number; autoCreate?: boolean } = {}): Promise<TopicInfo> {
    this.tracked.add(name);
    const cached = this.topics.get(name);
    if (cached?.partitions.every((p) => p && p.leader >= 0)) return cached;
    const deadline = Date.now() + (options.deadlineMs ?? this.config.defaultApiTimeoutMs);
    let attempt = 0;
    for (;;) {
      await this.refreshMetadata([name], { autoCreate: options.autoCreate });
      const t = this.topics.get(name);
      if (t && t.partitions.length > 0 && t.partitions.every((p) => p && p.leader >= 0)) return t;
      const code = t ? 5 : (this.lastTopicErrors.get(name) ?? 3);
      const err = kafkaError(code, { topic: name, api: 'Metadata' });
      if (!err.retriable || Date.now() >= deadline) throw err;
      await sleep(this.backoffMs(attempt++));
    }
  }

  partitionCount(topic: string): number {
    return this.topics.get(topic)?.partitions.length ?? 0;
  }

  leaderOf(topic: string, partition: number): number {
    return this.topics.get(topic)?.partitions[partition]?.leader ?? -1;
  }

  backoffMs(attempt: number): number {
    const base = Math.min(this.config.retryBackoffMaxMs, this.config.retryBackoffMs * 2 ** attempt);
    return base * (0.8 + Math.random() * 0.4);
  }

  /** Runs `fn` until it succeeds, a non-retriable error, or the API timeout. */
  async withRetries<T>(
    api: string,
    fn: (attempt: number) => Promise<T>,
    timeoutMs = this.config.defaultApiTimeoutMs,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn(attempt);
      } catch (e) {
        const err =
          e instanceof KafkaError
            ? e
            : clientError('PROTOCOL_ERROR', `${api}: ${(e as Error).message}`, { cause: e });
        if (!err.retriable || this.closed || Date.now() + this.backoffMs(attempt) >= deadline) throw err;
        if (isStaleMetadataError(err.errorCode) && api !== 'Metadata')
          await this.refreshMetadata().catch(() => {});
        await sleep(this.backoffMs(attempt));
      }
    }
  }

  /** The node id of the coordinator of a group (keyType 0) or transactional id (1). */
  async coordinator(key: string, keyType = 0, refresh = false): Promise<number> {
    const cacheKey = `${keyType}:${key}`;
    if (!refresh) {
      const known = this.coordinators.get(cacheKey);
      if (known !== undefined) return known;
    }
    const node = await this.withRetries('FindCoordinator', async () => {
      const conn = await this.anyConnection();
      const version = conn.version(API.FindCoordinator);
      const res = await conn.send<FindCoordinatorResponse>(API.FindCoordinator, (v) =>
        v >= 4 ? { keyType, coordinatorKeys: [key] } : { key, keyType },
      );
      const c = version >= 4 ? res.coordinators?.[0] : res;
      const code = c?.errorCode ?? 0;
      if (code !== 0) throw kafkaError(code, { groupId: key, api: 'FindCoordinator' }, c?.errorMessage);
      const nodeId = c?.nodeId ?? -1;
      if (c?.host && !this.brokers.has(nodeId)) {
        this.brokers.set(nodeId, { nodeId, host: c.host, port: c.port ?? 9092, rack: null });
      }
      return nodeId;
    });
    this.coordinators.set(cacheKey, node);
    return node;
  }

  forgetCoordinator(key: string, keyType = 0): void {
    this.coordinators.delete(`${keyType}:${key}`);
  }

  /** Sends to a node with retries, re-resolving nothing: for requests bound to one broker. */
  async sendTo<T>(
    nodeId: number,
    apiKey: number,
    build: (version: number) => unknown,
    options?: SendOptions,
  ): Promise<T> {
    const conn = await this.connectionTo(nodeId);
    return conn.send<T>(apiKey, build, options);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.periodic) clearInterval(this.periodic);
    const all = [...this.connections.values()];
    await Promise.all(all.map((c) => c.drainAndClose(Math.min(this.config.requestTimeoutMs, 5000))));
    this.connections.clear();
    this.sweeper.stop();
  }
}
