// The consumer: `subscribe` (topics or a pattern, with group membership) or `assign` (no group),
// records through an async iterator, batches, or poll(). Fetching runs ahead of the application
// (consumer-fetcher.ts): one Fetch in flight per broker, for every assigned partition that is not
// paused and has less than one response waiting, while the bytes waiting stay under
// fetch.max.bytes. Fetched bytes are decoded only as records are read. A record counts as
// processed when the application asks for the next one; that position is what auto commit (every
// auto.commit.interval.ms, before a rebalance and on close) and commit() send.
import { ASSIGNORS, type Assignor } from './assignors.js';
import { Cluster } from './cluster.js';
import { type ConsumerConfig, type ResolvedConsumer, resolveConsumerConfig } from './config.js';
import { Fetcher, PartitionState } from './consumer-fetcher.js';
import type { ConsumerRecord, FetchedPartition } from './consumer-records.js';
import { clientError, combineErrors, type KafkaError } from './errors.js';
import { GroupMember } from './group.js';
import {
  type CommittedOffset,
  commitOffsets,
  fetchCommitted,
  listOffsets,
  type OffsetToCommit,
  type TopicPartition,
  tpKey,
} from './requests.js';

export type { ConsumerRecord, TopicPartition };

export interface RebalanceListener {
  onPartitionsAssigned?(partitions: TopicPartition[]): void | Promise<void>;
  onPartitionsRevoked?(partitions: TopicPartition[]): void | Promise<void>;
  /** Partitions taken away without a chance to commit (default: treated as revoked). */
  onPartitionsLost?(partitions: TopicPartition[]): void | Promise<void>;
}

export interface RecordBatch {
  topic: string;
  partition: number;
  highWatermark: number;
  records: ConsumerRecord[];
}

function resolveAssignors(strategy: unknown): Assignor[] {
  const list =
    strategy === undefined
      ? ['range', 'cooperative-sticky']
      : Array.isArray(strategy)
        ? strategy
        : [strategy];
  return list.map((s) => {
    if (typeof s === 'string') {
      const a = ASSIGNORS[s.trim()];
      if (!a) {
        throw clientError(
          'INVALID_CONFIG',
          `config 'partition.assignment.strategy': unknown assignor ${s} (known: ${Object.keys(ASSIGNORS).join(', ')})`,
          { errorCode: 40 },
        );
      }
      return a;
    }
    const a = s as Assignor;
    if (!a || typeof a.name !== 'string' || typeof a.assign !== 'function') {
      throw clientError(
        'INVALID_CONFIG',
        "config 'partition.assignment.strategy': expected assignor names or Assignor objects",
        { errorCode: 40 },
      );
    }
    return a;
  });
}

export class Consumer {
  readonly cluster: Cluster;
  readonly config: ResolvedConsumer;
  private readonly assignors: Assignor[];
  private readonly states = new Map<string, PartitionState>();
  private readonly ready: FetchedPartition[] = [];
  private bufferedBytes = 0;
  private readonly fetcher: Fetcher;
  private waiters: (() => void)[] = [];
  private closed = false;
  private subscription: { topics: string[] } | { pattern: RegExp } | null = null;
  private listener: RebalanceListener = {};
  private group: GroupMember | null = null;
  private autoCommitTimer: NodeJS.Timeout | null = null;
  private metadataTimer: NodeJS.Timeout | null = null;
  private current: FetchedPartition | null = null;
  private handedOut: { state: PartitionState; offset: number; epoch: number }[] = [];
  private fatal: KafkaError | null = null;
  private readonly isolation: 0 | 1;
  private lastPollMs = Date.now();

  constructor(config: ConsumerConfig) {
    this.config = resolveConsumerConfig(config);
    this.cluster = new Cluster({ ...this.config });
    this.assignors = resolveAssignors(this.config.partitionAssignmentStrategy);
    this.isolation = this.config.isolationLevel === 'read_committed' ? 1 : 0;
    this.fetcher = new Fetcher(this.cluster, this.config, this.isolation, {
      states: this.states,
      stopped: () => this.closed || this.fatal !== null,
      bufferedBytes: () => this.bufferedBytes,
      bufferedCount: () => this.ready.length,
      buffer: (fetched) => {
        this.ready.push(fetched);
        this.bufferedBytes += fetched.sizeBytes;
      },
      setPosition: (s, offset) => this.setPosition(s, offset),
      fail: (e) => this.setFatal(e),
      wake: () => this.wake(),
    });
  }

  /** Subscribes to topics (or topics matching a pattern) as a member of `group.id`. */
  async subscribe(
    topics: readonly string[] | string | RegExp,
    listener: RebalanceListener = {},
  ): Promise<void> {
    this.checkOpen();
    if (!this.config.groupId)
      throw clientError('INVALID_CONFIG', "subscribe needs 'group.id' (use assign() without a group)", {
        errorCode: 24,
      });
    if (this.subscription === null && this.states.size > 0)
      throw clientError('ILLEGAL_STATE', 'subscribe after assign: unassign first');
    this.subscription =
      topics instanceof RegExp
        ? { pattern: topics }
        : { topics: typeof topics === 'string' ? [topics] : [...topics] };
    this.listener = listener;
    if (!this.group) {
      this.group = new GroupMember(this.cluster, this.config, this.assignors, {
        subscribedTopics: () => this.subscribedTopics(),
        revoke: (tps) => this.onRevoke(tps),
        assign: (tps) => this.onAssign(tps),
        lose: (tps) => this.onLose(tps),
        pollIdleMs: () => Date.now() - this.lastPollMs,
      });
      this.startTimers();
      this.group.ensureActive().catch((e: KafkaError) => this.setFatal(e));
    } else {
      this.group.requestRejoin('the subscription changed');
    }
  }

  /** Assigns partitions directly, without a group. `offset` sets the starting position. */
  assign(partitions: readonly (TopicPartition & { offset?: number })[]): void {
    this.checkOpen();
    if (this.subscription) throw clientError('ILLEGAL_STATE', 'assign after subscribe: unsubscribe first');
    const keep = new Set(partitions.map((p) => tpKey(p.topic, p.partition)));
    for (const [k, s] of this.states) if (!keep.has(k)) this.removeState(k, s);
    for (const p of partitions) {
      const s = this.addState(p.topic, p.partition);
      if (p.offset !== undefined) this.setPosition(s, p.offset);
    }
    this.startTimers();
    this.fetcher.kick();
  }

  /** The partitions assigned now. */
  assignment(): TopicPartition[] {
    return [...this.states.values()].map((s) => ({ topic: s.topic, partition: s.partition }));
  }

  /** Group generation and member id (for commits outside the consumer, e.g. transactions). */
  groupMetadata(): { groupId: string; generationId: number; memberId: string } | null {
    return this.group ? { groupId: this.config.groupId, ...this.group.identity } : null;
  }

  private checkOpen(): void {
    if (this.closed) throw clientError('CLIENT_CLOSED', 'the consumer is closed');
  }

  private async subscribedTopics(): Promise<string[]> {
    const sub = this.subscription;
    if (!sub) return [];
    if ('topics' in sub) {
      await this.cluster
        .refreshMetadata(sub.topics, { autoCreate: this.config.allowAutoCreateTopics })
        .catch(() => {});
      return [...sub.topics].sort();
    }
    await this.cluster.refreshMetadata([], { all: true, autoCreate: false });
    const names = [...this.cluster.topics.values()]
      .filter((t) => !t.isInternal && sub.pattern.test(t.name))
      .map((t) => t.name);
    for (const n of names) this.cluster.tracked.add(n);
    return names.sort();
  }

  private startTimers(): void {
    if (
      this.config.enableAutoCommit &&
      this.config.groupId &&
      !this.autoCommitTimer &&
      this.config.autoCommitIntervalMs > 0
    ) {
      this.autoCommitTimer = setInterval(() => {
        this.commitProcessed().catch((e: KafkaError) =>
          this.config.logger?.warn?.('auto commit failed', { error: e.message }),
        );
      }, this.config.autoCommitIntervalMs);
    }
    if (!this.metadataTimer && this.config.metadataMaxAgeMs > 0) {
      this.metadataTimer = setInterval(
        () => this.checkMetadata(),
        Math.min(this.config.metadataMaxAgeMs, 60_000),
      );
      this.metadataTimer.unref();
    }
  }

  private async checkMetadata(): Promise<void> {
    if (!this.group || !this.subscription) return;
    try {
      const topics = await this.subscribedTopics();
      const assignedTopics = new Set(this.group.owned.map((t) => t.topic));
      if ('pattern' in this.subscription && topics.some((t) => !assignedTopics.has(t))) {
        // A new topic matched the pattern: a rejoin announces it.
        this.group.requestRejoin('new topics match the subscription pattern');
        return;
      }
      this.group.checkMetadataChange(topics);
    } catch {}
  }

  // ---- assignment changes -------------------------------------------------------------------

  private addState(topic: string, partition: number): PartitionState {
    const k = tpKey(topic, partition);
    let s = this.states.get(k);
    if (!s) {
      s = new PartitionState(topic, partition, this.config.maxPartitionFetchBytes);
      this.states.set(k, s);
    }
    return s;
  }

  private removeState(k: string, s: PartitionState): void {
    s.epoch++;
    this.states.delete(k);
    this.dropBuffered(s);
  }

  private dropBuffered(s: PartitionState): void {
    for (let i = 0; i < this.ready.length; ) {
      const f = this.ready[i];
      if (f.topic === s.topic && f.partition === s.partition) {
        this.ready.splice(i, 1);
        this.bufferedBytes -= f.sizeBytes;
      } else i++;
    }
    if (this.current && this.current.topic === s.topic && this.current.partition === s.partition)
      this.current = null;
    s.buffered = 0;
  }

  private async onAssign(tps: TopicPartition[]): Promise<void> {
    for (const tp of tps) this.addState(tp.topic, tp.partition);
    await this.listener.onPartitionsAssigned?.(tps);
    this.fetcher.kick();
  }

  private async onRevoke(tps: TopicPartition[]): Promise<void> {
    if (this.config.enableAutoCommit) {
      await this.commitProcessed(tps).catch((e: KafkaError) =>
        this.config.logger?.warn?.('commit before revoke failed', { error: e.message }),
      );
    }
    await this.listener.onPartitionsRevoked?.(tps);
    for (const tp of tps) {
      const k = tpKey(tp.topic, tp.partition);
      const s = this.states.get(k);
      if (s) this.removeState(k, s);
    }
  }

  private async onLose(tps: TopicPartition[]): Promise<void> {
    if (this.listener.onPartitionsLost) await this.listener.onPartitionsLost(tps);
    else await this.listener.onPartitionsRevoked?.(tps);
    for (const tp of tps) {
      const k = tpKey(tp.topic, tp.partition);
      const s = this.states.get(k);
      if (s) this.removeState(k, s);
    }
  }

  // ---- positions ----------------------------------------------------------------------------

  private setPosition(s: PartitionState, offset: number): void {
    s.epoch++;
    this.dropBuffered(s);
    s.position = offset;
    s.fetchPosition = offset;
    s.error = null;
  }

  /** Moves the position of a partition (takes effect for the next record read). */
  seek(tp: TopicPartition, offset: number): void {
    const s = this.states.get(tpKey(tp.topic, tp.partition));
    if (!s)
      throw clientError('ILLEGAL_STATE', 'seek on a partition that is not assigned', {
        topic: tp.topic,
        partition: tp.partition,
      });
    this.setPosition(s, offset);
    this.fetcher.kick();
  }

  async seekToBeginning(tps: readonly TopicPartition[] = this.assignment()): Promise<void> {
    await this.seekTo(tps, -2);
  }

  async seekToEnd(tps: readonly TopicPartition[] = this.assignment()): Promise<void> {
    await this.seekTo(tps, -1);
  }

  /** Seeks each partition to the first offset whose timestamp is at least `timestampMs`. */
  async seekToTimestamp(
    timestampMs: number,
    tps: readonly TopicPartition[] = this.assignment(),
  ): Promise<void> {
    await this.seekTo(tps, timestampMs);
  }

  private async seekTo(tps: readonly TopicPartition[], timestamp: number): Promise<void> {
    const found = await listOffsets(
      this.cluster,
      tps.map((tp) => ({ ...tp, timestamp })),
      this.isolation,
    );
    for (const tp of tps) {
      const o = found.get(tpKey(tp.topic, tp.partition));
      const s = this.states.get(tpKey(tp.topic, tp.partition));
      if (!o || !s) continue;
      if (o.offset >= 0) this.setPosition(s, o.offset);
      else await this.seekToEnd([tp]);
    }
    this.fetcher.kick();
  }

  /** The next offset the application will see for a partition (null until known). */
  position(tp: TopicPartition): number | null {
    return this.states.get(tpKey(tp.topic, tp.partition))?.position ?? null;
  }

  /** The partition's high watermark from its last fetch response (null before one). */
  highWatermark(tp: TopicPartition): number | null {
    const hw = this.states.get(tpKey(tp.topic, tp.partition))?.highWatermark ?? -1;
    return hw >= 0 ? hw : null;
  }

  /** Stops fetching (and returning records of) the partitions until resume(). */
  pause(tps: readonly TopicPartition[]): void {
    for (const tp of tps) {
      const s = this.states.get(tpKey(tp.topic, tp.partition));
      if (!s || s.paused) continue;
      s.paused = true;
      s.epoch++;
      this.dropBuffered(s);
      if (s.position !== null) s.fetchPosition = s.position;
    }
  }

  resume(tps: readonly TopicPartition[]): void {
    for (const tp of tps) {
      const s = this.states.get(tpKey(tp.topic, tp.partition));
      if (s) s.paused = false;
    }
    this.fetcher.kick();
  }

  paused(): TopicPartition[] {
    return [...this.states.values()]
      .filter((s) => s.paused)
      .map((s) => ({ topic: s.topic, partition: s.partition }));
  }

  // ---- delivering records ---------------------------------------------------------------------

  private setFatal(e: KafkaError): void {
    if (this.closed) return;
    this.fatal = e;
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private waitForData(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  /** The records handed out before count as processed once the application asks for more. */
  private markProcessed(): void {
    this.lastPollMs = Date.now();
    for (const h of this.handedOut) {
      if (h.state.epoch === h.epoch || this.states.get(tpKey(h.state.topic, h.state.partition)) === h.state) {
        if (h.state.processed === null || h.offset > h.state.processed) h.state.processed = h.offset;
      }
    }
    this.handedOut.length = 0;
  }

  private throwIfFailed(): void {
    if (this.fatal) {
      const e = this.fatal;
      throw e;
    }
    const errors = [...this.states.values()].filter((s) => s.error).map((s) => s.error as KafkaError);
    if (errors.length > 0) {
      for (const s of this.states.values()) s.error = null;
      throw combineErrors(errors, 'fetch failed');
    }
  }

  /** The next fetched partition with records the application may see, or null. */
  private nextChunk(): FetchedPartition | null {
    for (;;) {
      if (this.current) return this.current;
      const f = this.ready.shift();
      if (!f) return null;
      this.bufferedBytes -= f.sizeBytes;
      const s = this.states.get(tpKey(f.topic, f.partition));
      if (!s || s.epoch !== f.epoch || s.paused) {
        if (s && s.epoch === f.epoch) s.buffered--;
        continue;
      }
      s.buffered--;
      f.position = s.position ?? f.position;
      this.current = f;
      this.fetcher.kick();
      return f;
    }
  }

  /** Takes up to `max` records synchronously from what is fetched. */
  private take(max: number, onePartition: boolean): ConsumerRecord[] {
    const out: ConsumerRecord[] = [];
    while (out.length < max) {
      const f = this.nextChunk();
      if (!f) break;
      const s = this.states.get(tpKey(f.topic, f.partition)) as PartitionState;
      let exhausted = false;
      while (out.length < max) {
        const r = f.next();
        if (r === null) {
          exhausted = true;
          break;
        }
        out.push(r);
      }
      s.position = f.position;
      if (exhausted) this.current = null;
      if (out.length > 0) this.handedOut.push({ state: s, offset: s.position, epoch: s.epoch });
      if (onePartition && out.length > 0) break;
    }
    return out;
  }

  /** Waits up to `timeoutMs` for records; returns at most max.poll.records of them. */
  async poll(timeoutMs = 1000): Promise<ConsumerRecord[]> {
    this.markProcessed();
    const until = Date.now() + timeoutMs;
    for (;;) {
      this.checkOpen();
      this.throwIfFailed();
      if (this.group) await this.group.ensureActive();
      const out = this.take(this.config.maxPollRecords, false);
      if (out.length > 0) return out;
      this.fetcher.kick();
      const left = until - Date.now();
      if (left <= 0) return out;
      await this.waitForData(left);
    }
  }

  /** Batches of records, one partition at a time (up to max.poll.records each). */
  async *batches(): AsyncGenerator<RecordBatch> {
    while (!this.closed) {
      this.markProcessed();
      this.throwIfFailed();
      if (this.group) await this.group.ensureActive();
      const records = this.take(this.config.maxPollRecords, true);
      if (records.length > 0) {
        const s = this.states.get(tpKey(records[0].topic, records[0].partition));
        yield {
          topic: records[0].topic,
          partition: records[0].partition,
          highWatermark: s?.highWatermark ?? -1,
          records,
        };
        continue;
      }
      this.fetcher.kick();
      await this.waitForData(1000);
    }
  }

  /** Records one at a time; the loop ends when the consumer is closed. */
  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumerRecord> {
    while (!this.closed) {
      this.markProcessed();
      this.throwIfFailed();
      if (this.group?.needsRejoin) await this.group.ensureActive();
      const f = this.nextChunk();
      if (f) {
        const s = this.states.get(tpKey(f.topic, f.partition)) as PartitionState;
        const r = f.next();
        if (r === null) {
          this.current = null;
          continue;
        }
        s.position = f.position;
        this.handedOut.push({ state: s, offset: s.position, epoch: s.epoch });
        yield r;
        continue;
      }
      this.fetcher.kick();
      await this.waitForData(1000);
    }
  }

  // ---- commits ------------------------------------------------------------------------------

  private processedOffsets(only?: readonly TopicPartition[]): OffsetToCommit[] {
    const keys = only ? new Set(only.map((tp) => tpKey(tp.topic, tp.partition))) : null;
    const out: OffsetToCommit[] = [];
    for (const [k, s] of this.states) {
      if (keys && !keys.has(k)) continue;
      if (s.processed !== null && s.processed !== s.committed)
        out.push({ topic: s.topic, partition: s.partition, offset: s.processed });
    }
    return out;
  }

  private async commitProcessed(only?: readonly TopicPartition[]): Promise<void> {
    if (!this.config.groupId) return;
    const offsets = this.processedOffsets(only);
    if (offsets.length === 0) return;
    await this.commitList(offsets);
  }

  private async commitList(offsets: readonly OffsetToCommit[]): Promise<void> {
    const identity = this.group?.identity ?? { generationId: -1, memberId: '', groupInstanceId: null };
    await commitOffsets(this.cluster, this.config.groupId, offsets, identity);
    for (const o of offsets) {
      const s = this.states.get(tpKey(o.topic, o.partition));
      if (s) s.committed = o.offset;
    }
  }

  /**
   * Commits and waits: the given offsets, or the position after every record processed so far
   * (the records handed out before the last read are processed; with `includeCurrent`, the last
   * ones too).
   */
  async commit(
    offsets?: readonly OffsetToCommit[],
    options: { includeCurrent?: boolean } = {},
  ): Promise<void> {
    this.checkOpen();
    if (!this.config.groupId)
      throw clientError('INVALID_CONFIG', "commit needs 'group.id'", { errorCode: 24 });
    if (offsets) return this.commitList(offsets);
    if (options.includeCurrent !== false) this.markProcessed();
    await this.commitProcessed();
  }

  /** Commits without waiting; failures go to `callback` (or the logger). */
  commitAsync(offsets?: readonly OffsetToCommit[], callback?: (err: KafkaError | null) => void): void {
    this.commit(offsets).then(
      () => callback?.(null),
      (e: KafkaError) =>
        callback ? callback(e) : this.config.logger?.warn?.('async commit failed', { error: e.message }),
    );
  }

  /** Committed offsets of the group for the given partitions (default: the assignment). */
  committed(tps: readonly TopicPartition[] = this.assignment()): Promise<CommittedOffset[]> {
    if (!this.config.groupId)
      throw clientError('INVALID_CONFIG', "committed needs 'group.id'", { errorCode: 24 });
    return fetchCommitted(this.cluster, this.config.groupId, tps, this.isolation === 1);
  }

  /** Stops consuming: commits (with auto commit), leaves the group, closes connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.autoCommitTimer) clearInterval(this.autoCommitTimer);
    if (this.metadataTimer) clearInterval(this.metadataTimer);
    this.autoCommitTimer = null;
    if (this.config.enableAutoCommit && this.config.groupId) {
      this.markProcessed();
      await this.commitProcessed().catch((e: KafkaError) =>
        this.config.logger?.warn?.('commit on close failed', { error: e.message }),
      );
    }
    this.closed = true;
    if (this.group) {
      const owned = this.group.owned;
      if (owned.length > 0) await Promise.resolve(this.listener.onPartitionsRevoked?.(owned)).catch(() => {});
      await this.group.leave();
    }
    this.wake();
    await this.cluster.close();
    for (const [k, s] of this.states) this.removeState(k, s);
  }
}
