// The consumer's fetch-ahead. For every assigned partition that has a position, is not paused and
// has no response waiting to be read, one Fetch in flight per broker while the bytes waiting stay
// under fetch.max.bytes. Partitions without a position get one first: the group's committed offset,
// else auto.offset.reset (OFFSET_OUT_OF_RANGE resets by the same policy). The consumer owns the
// partition states and the fetched data waiting to be read; this schedules, sends and sorts the
// responses into them.
import type { FetchRequest, FetchResponse } from '../protocol/index.js';
import { type Cluster, isStaleMetadataError, ZERO_TOPIC_ID } from './cluster.js';
import type { ResolvedConsumer } from './config.js';
import { FetchedPartition } from './consumer-records.js';
import { clientError, type KafkaError, kafkaError } from './errors.js';
import { fetchCommitted, listOffsets, tpKey } from './requests.js';
import { API } from './versions.js';

export class PartitionState {
  /** Next offset to hand to the application; null until found (committed offset or reset). */
  position: number | null = null;
  /** Next offset to fetch (ahead of `position` when data waits in the buffer). */
  fetchPosition = 0;
  /** Offset up to which records were processed (what a commit sends). */
  processed: number | null = null;
  committed: number | null = null;
  paused = false;
  inFlight = false;
  buffered = 0;
  /** Bumped by seek/pause/reset: responses to older fetches are dropped. */
  epoch = 0;
  highWatermark = -1;
  partitionMaxBytes: number;
  error: KafkaError | null = null;

  constructor(
    readonly topic: string,
    readonly partition: number,
    maxBytes: number,
  ) {
    this.partitionMaxBytes = maxBytes;
  }
}

export interface FetchHost {
  /** The assigned partitions, by tpKey. */
  readonly states: ReadonlyMap<string, PartitionState>;
  /** The consumer is closed or failed: nothing more is fetched. */
  stopped(): boolean;
  /** Bytes fetched and not read yet. */
  bufferedBytes(): number;
  /** Fetched partitions waiting to be read. */
  bufferedCount(): number;
  /** Hands fetched records over to be read. */
  buffer(fetched: FetchedPartition): void;
  /** Moves a partition's position (dropping what was fetched for the old one). */
  setPosition(s: PartitionState, offset: number): void;
  /** A failure the consumer cannot go on after. */
  fail(e: KafkaError): void;
  /** Wakes the readers waiting for records. */
  wake(): void;
}

type FetchedPartitionData = FetchResponse['responses'][number]['partitions'][number];

export class Fetcher {
  private readonly fetchingNodes = new Set<number>();
  private resolving: Promise<void> | null = null;

  constructor(
    private readonly cluster: Cluster,
    private readonly config: ResolvedConsumer,
    private readonly isolation: 0 | 1,
    private readonly host: FetchHost,
  ) {}

  /** Starts fetches for whatever can be fetched now. */
  kick(): void {
    if (this.host.stopped()) return;
    const states = this.host.states;
    if ([...states.values()].some((s) => s.position === null && !s.error)) {
      this.resolvePositions().then(
        () => this.kick(),
        (e: KafkaError) => {
          if (!e.retriable) this.host.fail(e);
          else setTimeout(() => this.kick(), this.cluster.backoffMs(1)).unref();
        },
      );
    }
    if (this.host.bufferedBytes() >= this.config.fetchMaxBytes) return;
    const byNode = new Map<number, PartitionState[]>();
    let missingLeader = false;
    for (const s of states.values()) {
      if (s.paused || s.inFlight || s.position === null || s.buffered > 0 || s.error) continue;
      const leader = this.cluster.leaderOf(s.topic, s.partition);
      if (leader < 0) {
        missingLeader = true;
        continue;
      }
      if (this.fetchingNodes.has(leader)) continue;
      const list = byNode.get(leader);
      if (list) list.push(s);
      else byNode.set(leader, [s]);
    }
    for (const [node, list] of byNode) this.fetchFrom(node, list);
    if (missingLeader) {
      const topics = [...new Set([...states.values()].map((s) => s.topic))];
      this.cluster
        .refreshMetadata(topics, { autoCreate: false })
        .catch(() => {})
        .then(() => setTimeout(() => this.kick(), this.config.retryBackoffMs).unref());
    }
  }

  // ---- positions ----------------------------------------------------------------------------

  /** Finds positions for partitions without one: the committed offset, else auto.offset.reset. */
  private resolvePositions(): Promise<void> {
    if (this.resolving) return this.resolving;
    const states = this.host.states;
    const missing = [...states.values()].filter((s) => s.position === null && !s.error);
    if (missing.length === 0) return Promise.resolve();
    this.resolving = (async () => {
      try {
        if (this.config.groupId) {
          const committed = await fetchCommitted(
            this.cluster,
            this.config.groupId,
            missing,
            this.isolation === 1,
          );
          for (const c of committed) {
            const s = states.get(tpKey(c.topic, c.partition));
            if (s && s.position === null && c.offset >= 0) {
              this.host.setPosition(s, c.offset);
              s.committed = c.offset;
              s.processed = c.offset;
            }
          }
        }
        const reset = missing.filter(
          (s) => s.position === null && states.get(tpKey(s.topic, s.partition)) === s,
        );
        await this.resetPositions(reset);
      } finally {
        this.resolving = null;
      }
    })();
    return this.resolving;
  }

  private async resetPositions(states: PartitionState[]): Promise<void> {
    if (states.length === 0) return;
    const policy = this.config.autoOffsetReset;
    if (policy === 'none') {
      for (const s of states) {
        s.error = clientError('NO_OFFSET', 'no committed offset and auto.offset.reset is none', {
          topic: s.topic,
          partition: s.partition,
        });
      }
      this.host.wake();
      return;
    }
    const found = await listOffsets(
      this.cluster,
      states.map((s) => ({
        topic: s.topic,
        partition: s.partition,
        timestamp: policy === 'earliest' ? -2 : -1,
      })),
      this.isolation,
    );
    for (const s of states) {
      const o = found.get(tpKey(s.topic, s.partition));
      if (o && this.host.states.get(tpKey(s.topic, s.partition)) === s && s.position === null)
        this.host.setPosition(s, o.offset);
    }
  }

  // ---- fetching -----------------------------------------------------------------------------

  private fetchFrom(node: number, list: PartitionState[]): void {
    this.fetchingNodes.add(node);
    const epochs = list.map((s) => s.epoch);
    for (const s of list) s.inFlight = true;
    this.cluster
      .sendTo<FetchResponse>(node, API.Fetch, this.fetchRequest(list), {
        timeoutMs: this.config.requestTimeoutMs + this.config.fetchMaxWaitMs,
      })
      .then(
        (res) => this.onFetched(node, list, epochs, res),
        (err: KafkaError) => {
          for (const s of list) s.inFlight = false;
          this.fetchingNodes.delete(node);
          this.config.logger?.debug?.('fetch failed', { broker: node, error: err.message });
          if (!err.retriable) this.host.fail(err);
          else {
            this.cluster.refreshMetadata().catch(() => {});
            setTimeout(() => this.kick(), this.cluster.backoffMs(0)).unref();
          }
        },
      );
  }

  /** A full, sessionless Fetch for the partitions, from their fetch positions. */
  private fetchRequest(list: PartitionState[]): (version: number) => FetchRequest {
    const byTopic = new Map<string, PartitionState[]>();
    for (const s of list) {
      const l = byTopic.get(s.topic);
      if (l) l.push(s);
      else byTopic.set(s.topic, [s]);
    }
    return (version: number): FetchRequest => ({
      clusterId: null,
      replicaId: -1,
      maxWaitMs: this.config.fetchMaxWaitMs,
      minBytes: this.config.fetchMinBytes,
      maxBytes: this.config.fetchMaxBytes,
      isolationLevel: this.isolation,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...byTopic].map(([topic, states]) => ({
        topic,
        topicId: version >= 13 ? (this.cluster.topics.get(topic)?.topicId ?? ZERO_TOPIC_ID) : ZERO_TOPIC_ID,
        partitions: states.map((s) => ({
          partition: s.partition,
          currentLeaderEpoch: -1,
          fetchOffset: s.fetchPosition,
          lastFetchedEpoch: -1,
          logStartOffset: -1,
          partitionMaxBytes: s.partitionMaxBytes,
        })),
      })),
      forgottenTopicsData: [],
      rackId: this.config.clientRack,
    });
  }

  private onFetched(node: number, list: PartitionState[], epochs: number[], res: FetchResponse): void {
    this.fetchingNodes.delete(node);
    for (const s of list) s.inFlight = false;
    if (res.errorCode) {
      const err = kafkaError(res.errorCode, { broker: node, api: 'Fetch' });
      if (!err.retriable) this.host.fail(err);
      setTimeout(() => this.kick(), this.cluster.backoffMs(0)).unref();
      return;
    }
    const epochOf = new Map(list.map((s, i) => [s, epochs[i]]));
    const resets: PartitionState[] = [];
    let refresh = false;
    let errors = false;
    for (const t of res.responses) {
      const topic = t.topic || this.cluster.topicNamesById.get(t.topicId ?? '') || '';
      for (const p of t.partitions) {
        const s = this.host.states.get(tpKey(topic, p.partitionIndex));
        if (!s || epochOf.get(s) !== s.epoch) continue;
        const outcome = this.onFetchedPartition(node, topic, s, p);
        if (outcome === 'reset') resets.push(s);
        else if (outcome === 'refresh') refresh = true;
        else if (outcome === 'error') errors = true;
      }
    }
    if (resets.length > 0) {
      this.resetPositions(resets).then(
        () => this.kick(),
        (e: KafkaError) => this.host.fail(e),
      );
    }
    if (refresh) {
      this.cluster
        .refreshMetadata()
        .catch(() => {})
        .then(() => setTimeout(() => this.kick(), this.config.retryBackoffMs).unref());
    }
    if (this.host.bufferedCount() > 0 || errors) this.host.wake();
    this.kick();
  }

  /**
   * One partition of a response: its records go to the buffer; OFFSET_OUT_OF_RANGE asks for a
   * reset, stale metadata for a refresh, and other non-retriable errors stay with the partition.
   */
  private onFetchedPartition(
    node: number,
    topic: string,
    s: PartitionState,
    p: FetchedPartitionData,
  ): 'reset' | 'refresh' | 'error' | null {
    s.highWatermark = p.highWatermark;
    if (p.errorCode === 1) {
      // OFFSET_OUT_OF_RANGE: reset by policy.
      s.position = null;
      return 'reset';
    }
    if (p.errorCode !== 0) {
      const err = kafkaError(p.errorCode, {
        topic,
        partition: p.partitionIndex,
        broker: node,
        api: 'Fetch',
      });
      if (isStaleMetadataError(p.errorCode)) return 'refresh';
      if (!err.retriable) {
        s.error = err;
        return 'error';
      }
      return null;
    }
    const records = p.records;
    const data =
      records === null || records === undefined
        ? null
        : Buffer.isBuffer(records)
          ? records
          : Buffer.concat(records as Buffer[]);
    if (!data || data.length === 0) return null;
    const fetched = new FetchedPartition(
      topic,
      p.partitionIndex,
      data,
      s.position ?? s.fetchPosition,
      s.epoch,
      p.highWatermark,
      this.isolation === 1,
      (p.abortedTransactions ?? null) as { producerId: number; firstOffset: number }[] | null,
      this.config.checkCrcs,
    );
    if (fetched.nextFetchOffset <= s.fetchPosition) {
      // Only part of a batch came back: it is larger than the partition fetch size.
      if (data.length >= s.partitionMaxBytes)
        s.partitionMaxBytes = Math.min(s.partitionMaxBytes * 2, 256 * 1024 * 1024);
      return null;
    }
    s.fetchPosition = fetched.nextFetchOffset;
    s.buffered++;
    this.host.buffer(fetched);
    return null;
  }
}
