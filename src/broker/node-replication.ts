// The replication parts of the composition root (node.ts): the broker's log dirs (one log manager
// each), Kafka's replica.* settings, the replication throttles from the dynamic broker configs, and
// the replica layer's links to other brokers (replica fetches on the inter-broker listener) and to the
// active controller (AlterPartition), backed by the node's own connections (net/).

import type { BrokerConfig } from '../config/index.js';
import type { MetadataImage } from '../metadata/image.js';
import { type FileSystem, LogManager, type LogManagerOptions } from '../storage/index.js';
import { sharedReadBuffers } from '../storage/read-buffers.js';
import type { BrokerConfigService } from './config-service.js';
import type { Logger } from './logger.js';
import { ConnectionPool, type ControllerChannel, type DeadlineTimer, type NetResult } from './net/index.js';
import type { BrokerLinks, ControllerLink, LinkResult } from './replica/links.js';
import { type LogDir, LogDirs } from './replica/log-dirs.js';
import { selectorOf } from './replica/read-replica-selector.js';
import type { ReplicationSettings } from './replica/replica-manager.js';
import type { PeerConnector } from './security/peer-security.js';

/** Opens every log dir of log.dirs (partitions spread over them; the metadata log stays in its own). */
export async function openLogDirs(
  paths: readonly string[],
  options: Omit<LogManagerOptions, 'fs'> & { fs: FileSystem },
): Promise<LogDirs> {
  const dirs: LogDir[] = [];
  for (const path of paths) {
    const opened = await LogManager.open(path, options);
    if (opened.kind === 'failed') {
      for (const d of dirs) await d.manager.close().catch(() => {});
      throw new Error(opened.error.message);
    }
    dirs.push({ path, manager: opened.manager });
  }
  return new LogDirs(dirs);
}

/** Kafka's replica.* settings (and offsets.commit.timeout.ms for coordinator writes). */
export function replicationSettings(config: BrokerConfig): ReplicationSettings {
  const n = (name: string) => Number(config.get(name)?.value);
  return {
    replicaLagTimeMaxMs: n('replica.lag.time.max.ms'),
    fetchMaxBytes: n('replica.fetch.max.bytes'),
    fetchWaitMaxMs: n('replica.fetch.wait.max.ms'),
    fetchMinBytes: n('replica.fetch.min.bytes'),
    fetchResponseMaxBytes: n('replica.fetch.response.max.bytes'),
    fetchBackoffMs: n('replica.fetch.backoff.ms'),
    socketTimeoutMs: n('replica.socket.timeout.ms'),
    numFetchers: n('num.replica.fetchers'),
    internalWriteTimeoutMs: n('offsets.commit.timeout.ms'),
    alterLogDirsBytesPerSecondMax: n('replica.alter.log.dirs.io.max.bytes.per.second'),
    replicaSelector: selectorOf(config.get('replica.selector.class')?.value as string | null),
    quotaWindows: n('replication.quota.window.num'),
    quotaWindowMs: n('replication.quota.window.size.seconds') * 1000,
  };
}

/** leader/follower.replication.throttled.rate as they are now (dynamic broker configs). */
export function throttleRates(configs: BrokerConfigService): () => { leader: number; follower: number } {
  return () => {
    const current = configs.current;
    return {
      leader: Number(current.get('leader.replication.throttled.rate')?.value),
      follower: Number(current.get('follower.replication.throttled.rate')?.value),
    };
  };
}

function toLink<T>(r: NetResult<T>): LinkResult<T> {
  return r.ok
    ? { kind: 'ok', response: r.body, frame: r.frame }
    : { kind: 'failed', reason: `${r.error.code}: ${r.error.message}` };
}

/**
 * Requests to other brokers on the inter-broker listener (inter.broker.listener.name), addresses from
 * the metadata image. Each connection keeps its requests in order, so replica fetchers of one leader
 * share one connection as Kafka's fetcher threads share theirs per fetcher.
 */
export function brokerLinks(
  config: BrokerConfig,
  image: () => MetadataImage,
  timer: DeadlineTimer,
  log: Logger,
  peer?: PeerConnector,
  purpose: 'replica-fetcher' | 'txn' = 'replica-fetcher',
): BrokerLinks & { close(): void } {
  const listener = config.interBrokerListenerName;
  const pool = new ConnectionPool({
    ...peer,
    clientId: `${purpose}-${config.nodeId}`,
    // Fetch responses land in pooled buffers, which the follower's log holds by reference (see
    // PartitionLog.appendAsFollower) and the fetcher gives back once it has applied them.
    ...(purpose === 'replica-fetcher'
      ? { assembleFrame: (bytes: number) => sharedReadBuffers.acquire(bytes) }
      : {}),
    log,
    timer,
    resolve: (id) => {
      const b = image().brokers.get(id);
      const ep = b?.endpoints.find((e) => e.name === listener) ?? b?.endpoints[0];
      return ep ? { host: ep.host, port: ep.port } : null;
    },
  });
  return {
    async send<Req, Res>(brokerId: number, apiKey: number, version: number, request: Req, timeoutMs: number) {
      return toLink(await pool.send<Res>(brokerId, apiKey, request, { maxVersion: version, timeoutMs }));
    },
    close: () => pool.close(),
  };
}

/** Requests to the active controller (AlterPartition), through the node's controller channel. */
export function controllerLink(channel: ControllerChannel): ControllerLink {
  return {
    async send<Req, Res>(apiKey: number, version: number, request: Req, timeoutMs: number) {
      return toLink(await channel.send<Res>(apiKey, request, { maxVersion: version, timeoutMs }));
    },
  };
}

/** What the stall guard asks to know that this node's metadata has caught up after a stall. */
export interface MetadataCatchUp {
  /** The metadata log's high watermark as the active controller knows it now; null if not answered. */
  quorumHighWatermark(): Promise<number | null>;
  /** The offset of the last metadata record this node's image has applied. */
  appliedOffset(): number;
}

/**
 * Whether this broker may act as a partition leader right now. A broker whose process stood still
 * (SIGSTOP, a long stall) for nearly broker.session.timeout.ms may have been fenced and replaced
 * meanwhile without knowing it. After such a stall it takes no writes as leader (the client gets
 * NOT_LEADER_OR_FOLLOWER and looks for the new leader) until
 *  1. the controller has answered a heartbeat sent after the stall, and not fenced it, and
 *  2. its metadata image has applied everything the controller had committed by then (the leader
 *     changes made while it stood still among them): the high watermark is asked of the active
 *     controller (DescribeQuorum), and the image must reach it,
 * so a stale leader never appends what the new one will not have. A controller that is merely
 * unreachable does not stop the data path (no stall).
 */
export class StallGuard {
  private lastTickMs = Date.now();
  private stalledAtMs = 0;
  /** Phase 2: the metadata offset to reach (null: none; -1: asking; -2: ask again at retryAtMs). */
  private catchUpTo: number | null = null;
  private retryAtMs = 0;
  private readonly ticker: NodeJS.Timeout;
  /**
   * How long a stall may be before the controller could have fenced this broker: its session timeout
   * less a heartbeat interval (the last heartbeat may have left that long before the stall began).
   */
  private readonly stallMsMax: number;

  constructor(
    sessionTimeoutMs: number,
    heartbeatIntervalMs: number,
    private readonly lifecycle: () => { state: string; lastAnsweredSentAtMs: number } | null,
    private readonly log: Logger,
    private readonly catchUp: MetadataCatchUp | null = null,
    tickMs = 100,
  ) {
    this.stallMsMax = Math.max(250, sessionTimeoutMs - heartbeatIntervalMs - tickMs);
    this.ticker = setInterval(() => this.check(), tickMs);
    this.ticker.unref();
  }

  private check(): void {
    const now = Date.now();
    if (now - this.lastTickMs > this.stallMsMax) {
      // Only a heartbeat sent from now on counts: one sent before the stall may have been answered
      // before the controller fenced this broker (the answer waited in the socket meanwhile).
      this.stalledAtMs = now;
      this.catchUpTo = null;
      this.log.warn(
        'the process stood still longer than the broker session timeout; leading nothing until the controller answers',
        {
          stalledMs: now - this.lastTickMs,
        },
      );
    }
    this.lastTickMs = now;
  }

  mayLead(): boolean {
    this.check();
    const l = this.lifecycle();
    if (!l) return true;
    if (l.state === 'fenced') return false;
    if (this.stalledAtMs !== 0) {
      if (l.lastAnsweredSentAtMs <= this.stalledAtMs) return false;
      this.stalledAtMs = 0;
      if (!this.catchUp) return true;
      this.ask();
      return false;
    }
    if (this.catchUpTo === null) return true;
    if (this.catchUpTo === -2 && Date.now() >= this.retryAtMs) this.ask();
    if (this.catchUpTo < 0) return false;
    const applied = this.catchUp?.appliedOffset() ?? Number.MAX_SAFE_INTEGER;
    if (applied < this.catchUpTo - 1) return false;
    this.log.info('metadata caught up after the stall; leading again', { metadataOffset: applied });
    this.catchUpTo = null;
    return true;
  }

  private ask(): void {
    const catchUp = this.catchUp;
    if (!catchUp) return;
    this.catchUpTo = -1;
    const stalledAt = this.stalledAtMs;
    catchUp.quorumHighWatermark().then(
      (hw) => this.answered(hw, stalledAt),
      () => this.answered(null, stalledAt),
    );
  }

  private answered(hw: number | null, stalledAt: number): void {
    // A newer stall started over meanwhile: its own heartbeat comes first.
    if (this.stalledAtMs !== stalledAt || this.catchUpTo !== -1) return;
    if (hw === null || hw < 0) {
      this.catchUpTo = -2;
      this.retryAtMs = Date.now() + 200;
      return;
    }
    this.catchUpTo = hw;
  }

  close(): void {
    clearInterval(this.ticker);
  }
}

/** The active controller's metadata high watermark (DescribeQuorum over the controller channel). */
export function quorumHighWatermark(channel: ControllerChannel, timeoutMs: number): Promise<number | null> {
  return channel
    .send<{
      errorCode: number;
      topics: { partitions: { errorCode: number; highWatermark: number; leaderId: number }[] }[];
    }>(
      55,
      { topics: [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }] },
      { timeoutMs },
    )
    .then((res) => {
      if (!res.ok || res.body.errorCode !== 0) return null;
      const p = res.body.topics[0]?.partitions[0];
      return p && p.errorCode === 0 && p.leaderId >= 0 ? p.highWatermark : null;
    });
}
