// One replica fetcher (Kafka's ReplicaFetcherThread): a loop that fetches, for the partitions this
// broker follows on one leader, what the leader has past each follower's log end, and appends it
// unchanged. Fetch v17 with ReplicaState (this broker's id and epoch), the last fetched epoch of each
// partition so the leader can answer with a diverging epoch; a diverged tail is truncated before
// fetching on (no phantom records survive). Each append is written before the next fetch tells the
// leader how far this log reaches. The follower's high watermark and log start follow the leader's.
import { ErrorCode } from '../../protocol/errors.js';
import type {
  FetchRequest,
  FetchResponse,
  FetchResponsePartitionData,
  ListOffsetsRequest,
  ListOffsetsResponse,
} from '../../protocol/messages/index.js';
import { recordsBuffer } from '../../protocol/schema/declaration.js';
import { sharedReadBuffers } from '../../storage/read-buffers.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../logger.js';
import type { BrokerLinks } from './links.js';
import type { Partition } from './partition.js';

export const FETCH_API_KEY = 1;
export const FETCH_VERSION = 17;
const LIST_OFFSETS_API_KEY = 2;
const LIST_OFFSETS_VERSION = 9;

export interface FetcherSettings {
  nodeId: number;
  brokerEpoch(): number;
  /** replica.fetch.max.bytes: per partition. */
  fetchMaxBytes: number;
  /** replica.fetch.wait.max.ms */
  fetchWaitMaxMs: number;
  /** replica.fetch.min.bytes */
  fetchMinBytes: number;
  /** replica.fetch.response.max.bytes */
  fetchResponseMaxBytes: number;
  /** replica.fetch.backoff.ms */
  fetchBackoffMs: number;
  /** replica.socket.timeout.ms */
  socketTimeoutMs: number;
  /** The follower throttle (follower.replication.throttled.*), when the broker has one. */
  throttle?: {
    /** Whether the partition is a throttled replica here (listed, and not in the ISR). */
    listed(p: Partition): boolean;
    exceeded(): boolean;
    record(bytes: number): void;
  };
}

/** A partition this fetcher follows. */
interface FetchState {
  partition: Partition;
  /** The leader epoch it follows in. */
  leaderEpoch: number;
  /** No fetch for it before this time (after an error). */
  delayUntilMs: number;
  /** How far the leader's high watermark is ahead of this log (MaxLag). */
  lag: number;
}

interface Sent {
  state: FetchState;
  fetchOffset: number;
}

export class ReplicaFetcher {
  private readonly states = new Map<string, FetchState>();
  private stopped = false;
  private wake: (() => void) | null = null;
  private timer: TimerHandle | null = null;
  readonly done: Promise<void>;
  /** Settles when the fetcher is stopped: an in-flight fetch is abandoned, not waited for. */
  private stopSignal!: () => void;
  private readonly stopped$ = new Promise<null>((resolve) => {
    this.stopSignal = () => resolve(null);
  });

  constructor(
    readonly leaderId: number,
    readonly fetcherId: number,
    private readonly settings: FetcherSettings,
    private readonly links: BrokerLinks,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.done = this.run();
  }

  get partitionCount(): number {
    return this.states.size;
  }

  /** The largest lag (in offsets) of the partitions followed here. */
  get maxLag(): number {
    let m = 0;
    for (const s of this.states.values()) m = Math.max(m, s.lag);
    return m;
  }

  has(p: Partition): boolean {
    return this.states.get(p.key)?.partition === p;
  }

  /** Starts (or restarts, in a new epoch) following `p` on this leader. */
  add(p: Partition, leaderEpoch: number): void {
    this.states.set(p.key, { partition: p, leaderEpoch, delayUntilMs: 0, lag: 0 });
    this.poke();
  }

  remove(p: Partition): void {
    if (this.states.get(p.key)?.partition === p) this.states.delete(p.key);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopSignal();
    this.poke();
    await this.done;
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    this.timer?.cancel();
    this.timer = null;
    w?.();
  }

  /** Sleeps until a partition is added, or until `untilMs`. */
  private sleep(untilMs: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      if (Number.isFinite(untilMs))
        this.timer = this.clock.setTimer(untilMs - this.clock.now(), () => this.poke());
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const nowMs = this.clock.now();
      const ready: FetchState[] = [];
      let nextMs = Number.POSITIVE_INFINITY;
      for (const s of this.states.values()) {
        if (s.partition.truncation) nextMs = Math.min(nextMs, nowMs + 10);
        else if (s.delayUntilMs > nowMs) nextMs = Math.min(nextMs, s.delayUntilMs);
        else if (this.isThrottledNow(s.partition)) nextMs = Math.min(nextMs, nowMs + 100);
        else ready.push(s);
      }
      if (ready.length === 0) {
        await this.sleep(nextMs);
        continue;
      }
      try {
        await this.fetchOnce(ready);
      } catch (err) {
        // A bug, not an expected failure: keep the fetcher alive, but back off and say so.
        this.log.error('replica fetcher failed', {
          leader: this.leaderId,
          err: String((err as Error)?.stack ?? err),
        });
        this.delay(ready);
      }
    }
  }

  /** A throttled replica while the follower quota is exceeded is left out of the next fetch. */
  private isThrottledNow(p: Partition): boolean {
    const t = this.settings.throttle;
    return t !== undefined && t.listed(p) && t.exceeded();
  }

  private delay(states: FetchState[]): void {
    const until = this.clock.now() + this.settings.fetchBackoffMs;
    for (const s of states) s.delayUntilMs = until;
  }

  private buildRequest(ready: FetchState[]): { request: FetchRequest; sent: Map<string, Sent> } {
    const byTopic = new Map<string, FetchRequest['topics'][number]>();
    const sent = new Map<string, Sent>();
    for (const s of ready) {
      const p = s.partition;
      let t = byTopic.get(p.topicId);
      if (!t) {
        t = { topicId: p.topicId, topic: p.topic, partitions: [] };
        byTopic.set(p.topicId, t);
      }
      const fetchOffset = p.log.logEndOffset;
      t.partitions.push({
        partition: p.index,
        currentLeaderEpoch: s.leaderEpoch,
        fetchOffset,
        lastFetchedEpoch: p.log.latestEpoch,
        logStartOffset: p.log.logStartOffset,
        partitionMaxBytes: this.settings.fetchMaxBytes,
      });
      sent.set(`${p.topicId}:${p.index}`, { state: s, fetchOffset });
    }
    const request: FetchRequest = {
      // ReplicaState from v15, ReplicaId before: the connection picks the version, the codec the field.
      replicaId: this.settings.nodeId,
      replicaState: { replicaId: this.settings.nodeId, replicaEpoch: this.settings.brokerEpoch() },
      maxWaitMs: this.settings.fetchWaitMaxMs,
      minBytes: this.settings.fetchMinBytes,
      maxBytes: this.settings.fetchResponseMaxBytes,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...byTopic.values()],
      forgottenTopicsData: [],
      rackId: '',
    };
    return { request, sent };
  }

  private async fetchOnce(ready: FetchState[]): Promise<void> {
    const { request, sent } = this.buildRequest(ready);
    const sending = this.links.send<FetchRequest, FetchResponse>(
      this.leaderId,
      FETCH_API_KEY,
      FETCH_VERSION,
      request,
      this.settings.socketTimeoutMs + this.settings.fetchWaitMaxMs,
    );
    const r = await Promise.race([sending, this.stopped$]);
    if (r === null || this.stopped) return;
    if (r.kind === 'failed') {
      this.log.debug('fetch from leader failed', { leader: this.leaderId, reason: r.reason });
      this.delay(ready);
      return;
    }
    try {
      await this.applyResponse(ready, sent, r.response);
    } finally {
      // The logs retained the batches they keep: a pooled frame goes back once all are applied.
      if (r.frame) sharedReadBuffers.release(r.frame);
    }
  }

  private async applyResponse(ready: FetchState[], sent: Map<string, Sent>, response: FetchResponse) {
    if ((response.errorCode ?? 0) !== ErrorCode.NONE) {
      this.log.debug('fetch refused by leader', { leader: this.leaderId, errorCode: response.errorCode });
      this.delay(ready);
      return;
    }
    const work: Promise<void>[] = [];
    for (const t of response.responses) {
      for (const pd of t.partitions) {
        const s = sent.get(`${t.topicId}:${pd.partitionIndex}`);
        if (s) work.push(this.handlePartition(s, pd));
      }
    }
    await Promise.all(work);
  }

  /** Applies one partition's answer, unless the partition moved on since the request left. */
  private async handlePartition(s: Sent, pd: FetchResponsePartitionData): Promise<void> {
    const { state, fetchOffset } = s;
    const p = state.partition;
    if (this.states.get(p.key) !== state || p.isLeader || p.log.logEndOffset !== fetchOffset) return;
    switch (pd.errorCode) {
      case ErrorCode.NONE:
        return this.handleData(state, pd);
      case ErrorCode.OFFSET_OUT_OF_RANGE:
        return this.handleOutOfRange(state);
      default:
        this.log.debug('follower fetch error', {
          topic: p.topic,
          partition: p.index,
          leader: this.leaderId,
          errorCode: pd.errorCode,
        });
        this.delay([state]);
    }
  }

  private async handleData(state: FetchState, pd: FetchResponsePartitionData): Promise<void> {
    const p = state.partition;
    const div = pd.divergingEpoch;
    if (div && (div.epoch ?? -1) >= 0 && (div.endOffset ?? -1) >= 0) {
      await this.truncateOnDivergence(p, div.epoch as number, div.endOffset as number);
      return;
    }
    const records = recordsBuffer(pd.records);
    if (records && records.length > 0) {
      if (this.settings.throttle?.listed(p)) this.settings.throttle.record(records.length);
      let r = p.appendAsFollower(records);
      if (
        r.kind === 'rejected' &&
        r.problem === 'offset-out-of-order' &&
        (await this.restartAtBatch(p, records))
      ) {
        if (this.states.get(p.key) !== state || p.isLeader) return;
        r = p.appendAsFollower(records);
      }
      if (r.kind === 'rejected') {
        this.log.warn('follower append refused', { topic: p.topic, partition: p.index, detail: r.detail });
        this.delay([state]);
        return;
      }
      if (r.kind === 'appended') {
        try {
          await r.written;
        } catch (err) {
          this.log.error('follower write failed', { topic: p.topic, partition: p.index, err: String(err) });
          this.remove(p);
          return;
        }
      }
    }
    p.updateFollowerHighWatermark(pd.highWatermark);
    const leaderStart = pd.logStartOffset ?? -1;
    if (leaderStart > p.log.logStartOffset && leaderStart <= p.log.highWatermark)
      p.log.deleteRecordsBefore(leaderStart);
    state.lag = Math.max(0, pd.highWatermark - p.log.logEndOffset);
  }

  /**
   * An empty log starting inside the leader's first batch (the leader's log start moved into a batch,
   * DeleteRecords): it restarts at that batch's base offset, so the batch can be taken whole.
   */
  private async restartAtBatch(p: Partition, records: Buffer): Promise<boolean> {
    if (records.length < 8 || p.log.logEndOffset !== p.log.logStartOffset) return false;
    const base = Number(records.readBigInt64BE(0));
    if (!(base < p.log.logEndOffset)) return false;
    this.log.info("starting the empty log at the base offset of the leader's first batch", {
      topic: p.topic,
      partition: p.index,
      at: base,
    });
    await p.truncateFullyAndStartAt(base);
    return true;
  }

  /**
   * The leader says this log diverged at `epoch`, which ended at `endOffset` on the leader: cut back
   * to where the two logs agree (Kafka's truncation on a diverging epoch). If this log does not know
   * that epoch, cut to the end of its largest epoch below it; the next fetch checks again from there.
   */
  private async truncateOnDivergence(p: Partition, epoch: number, endOffset: number): Promise<void> {
    const leo = p.log.logEndOffset;
    const local = p.log.endOffsetForEpoch(epoch);
    let to: number;
    if (local.epoch < 0 || local.endOffset < 0) to = Math.min(endOffset, leo);
    else if (local.epoch !== epoch) to = Math.min(local.endOffset, leo);
    else to = Math.min(local.endOffset, endOffset, leo);
    this.log.info('truncating a diverged log', {
      topic: p.topic,
      partition: p.index,
      leader: this.leaderId,
      divergingEpoch: epoch,
      leaderEndOffset: endOffset,
      from: leo,
      to,
    });
    await p.truncateTo(to);
  }

  /**
   * The leader cannot serve this log's end: either this log is past the leader's end (truncate to it)
   * or the leader's log now starts after it (start over at the leader's log start).
   */
  private async handleOutOfRange(state: FetchState): Promise<void> {
    const p = state.partition;
    const latest = await this.leaderOffset(p, state.leaderEpoch, -1);
    const earliest = latest === null ? null : await this.leaderOffset(p, state.leaderEpoch, -2);
    if (latest === null || earliest === null || this.states.get(p.key) !== state || p.isLeader) {
      this.delay([state]);
      return;
    }
    const leo = p.log.logEndOffset;
    if (latest < leo) {
      this.log.warn('follower log ahead of its leader; truncating', {
        topic: p.topic,
        partition: p.index,
        from: leo,
        to: latest,
      });
      await p.truncateTo(latest);
    } else if (earliest > leo) {
      this.log.info('leader log starts past this log end; starting over', {
        topic: p.topic,
        partition: p.index,
        at: earliest,
      });
      await p.truncateFullyAndStartAt(earliest);
    } else this.delay([state]);
  }

  /** ListOffsets to the leader as a replica (latest = its log end): the offset, or null. */
  private async leaderOffset(p: Partition, leaderEpoch: number, timestamp: number): Promise<number | null> {
    const r = await this.links.send<ListOffsetsRequest, ListOffsetsResponse>(
      this.leaderId,
      LIST_OFFSETS_API_KEY,
      LIST_OFFSETS_VERSION,
      {
        replicaId: this.settings.nodeId,
        isolationLevel: 0,
        topics: [
          {
            name: p.topic,
            partitions: [
              { partitionIndex: p.index, currentLeaderEpoch: leaderEpoch, timestamp, maxNumOffsets: 1 },
            ],
          },
        ],
      },
      this.settings.socketTimeoutMs,
    );
    if (r.kind === 'failed') return null;
    const part = r.response.topics[0]?.partitions[0];
    if (!part || part.errorCode !== ErrorCode.NONE) return null;
    return part.offset ?? null;
  }
}
