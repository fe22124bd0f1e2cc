// Writing the COMMIT/ABORT markers of a prepared transaction to the leader of each of its partitions
// (Kafka's TransactionMarkerChannelManager). Partitions are grouped by leader, one WriteTxnMarkers per
// leader (on this node a local call; to another node over the wire, through the `MarkerChannel` seam);
// a partition whose write fails with a retriable error, or whose leader is unknown, is tried again
// after a backoff. A partition of a deleted topic counts as done. When every partition is done the
// coordinator writes CompleteCommit/CompleteAbort. A newer producer epoch or coordinator epoch at a
// partition means the transaction was taken over: the markers stop and nothing more is written.
import { ErrorCode } from '../../../protocol/errors.js';
import type { Logger } from '../../logger.js';
import type { Scheduler, TimerHandle } from '../runtime.js';
import type { TopicPartitions } from './state.js';

/** The markers of one transaction. */
export interface MarkerJob {
  /** The `__transaction_state` partition of the transactional id, and its leader epoch. */
  txnPartition: number;
  coordinatorEpoch: number;
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  commit: boolean;
  partitions: TopicPartitions[];
}

/** One marker as WriteTxnMarkers carries it. */
export interface WritableMarker {
  producerId: number;
  producerEpoch: number;
  commit: boolean;
  coordinatorEpoch: number;
  topics: TopicPartitions[];
}

/** The error of each partition of a marker (NONE when written). */
export type MarkerResult = Map<string, number>;

export function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** Delivers markers to the leader of their partitions. */
export interface MarkerChannel {
  /**
   * WriteTxnMarkers to node `nodeId` (this node: a local call). Resolves with each partition's error
   * code; rejects (or resolves with errors) when the node cannot be reached.
   */
  writeMarkers(nodeId: number, marker: WritableMarker): Promise<MarkerResult>;
}

export interface MarkerManagerDeps {
  channel: MarkerChannel;
  /** The leader of a partition; -1 when it has none now; null when the partition does not exist. */
  leaderOf(topic: string, partition: number): number | null;
  /** Every marker of `job` is written: complete the transaction. */
  onWritten(job: MarkerJob): void;
  scheduler: Scheduler;
  retryBackoffMs: number;
  log: Logger;
}

/** Errors after which the partition is tried again. */
const RETRIABLE = new Set<number>([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.NETWORK_EXCEPTION,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.UNKNOWN_SERVER_ERROR,
]);

interface Running {
  job: MarkerJob;
  remaining: Map<string, { topic: string; partition: number }>;
  timer: TimerHandle | null;
  cancelled: boolean;
}

export class TxnMarkerManager {
  /** transactional id → its markers being written */
  private readonly running = new Map<string, Running>();

  constructor(private readonly deps: MarkerManagerDeps) {}

  /** Transactions whose markers are being written. */
  get inFlight(): number {
    return this.running.size;
  }

  send(job: MarkerJob): void {
    this.cancel(job.transactionalId);
    const remaining = new Map<string, { topic: string; partition: number }>();
    for (const t of job.partitions)
      for (const partition of t.partitions)
        remaining.set(tpKey(t.topic, partition), { topic: t.topic, partition });
    const run: Running = { job, remaining, timer: null, cancelled: false };
    this.running.set(job.transactionalId, run);
    this.attempt(run);
  }

  /** Stops the markers of every transaction of a `__transaction_state` partition (it is unloaded). */
  cancelPartition(txnPartition: number): void {
    for (const run of [...this.running.values()])
      if (run.job.txnPartition === txnPartition) this.cancel(run.job.transactionalId);
  }

  close(): void {
    for (const id of [...this.running.keys()]) this.cancel(id);
  }

  private cancel(transactionalId: string): void {
    const run = this.running.get(transactionalId);
    if (!run) return;
    run.cancelled = true;
    run.timer?.cancel();
    this.running.delete(transactionalId);
  }

  private attempt(run: Running): void {
    if (run.cancelled) return;
    const byLeader = new Map<number, { topic: string; partition: number }[]>();
    for (const [key, tp] of run.remaining) {
      const leader = this.deps.leaderOf(tp.topic, tp.partition);
      if (leader === null) {
        run.remaining.delete(key); // the topic is gone: nothing to mark
        continue;
      }
      if (leader < 0) continue; // no leader now: tried again after the backoff
      const list = byLeader.get(leader) ?? [];
      list.push(tp);
      byLeader.set(leader, list);
    }
    if (run.remaining.size === 0) {
      this.finish(run);
      return;
    }
    const sends = [...byLeader].map(([leader, tps]) => this.sendTo(run, leader, tps));
    Promise.all(sends).then((outcomes) => {
      if (run.cancelled) return;
      if (outcomes.includes('stop')) this.cancel(run.job.transactionalId);
      else if (run.remaining.size === 0) this.finish(run);
      else this.retryLater(run);
    });
  }

  private async sendTo(
    run: Running,
    leader: number,
    tps: { topic: string; partition: number }[],
  ): Promise<'ok' | 'retry' | 'stop'> {
    const { job } = run;
    const topics = new Map<string, number[]>();
    for (const tp of tps) topics.set(tp.topic, [...(topics.get(tp.topic) ?? []), tp.partition]);
    const marker: WritableMarker = {
      producerId: job.producerId,
      producerEpoch: job.producerEpoch,
      commit: job.commit,
      coordinatorEpoch: job.coordinatorEpoch,
      topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
    };
    let result: MarkerResult;
    try {
      result = await this.deps.channel.writeMarkers(leader, marker);
    } catch (err) {
      this.deps.log.debug('writing markers failed', { leader, err: String(err) });
      return 'retry';
    }
    let outcome: 'ok' | 'retry' | 'stop' = 'ok';
    for (const tp of tps) {
      const key = tpKey(tp.topic, tp.partition);
      const error = result.get(key) ?? ErrorCode.UNKNOWN_SERVER_ERROR;
      if (error === ErrorCode.NONE) run.remaining.delete(key);
      else if (
        error === ErrorCode.INVALID_PRODUCER_EPOCH ||
        error === ErrorCode.TRANSACTION_COORDINATOR_FENCED
      ) {
        this.deps.log.info('a newer producer or coordinator owns the transaction; its markers stop', {
          transactionalId: job.transactionalId,
          topic: tp.topic,
          partition: tp.partition,
          errorCode: error,
        });
        outcome = 'stop';
      } else if (RETRIABLE.has(error)) {
        if (outcome === 'ok') outcome = 'retry';
      } else {
        // Anything else (an invalid request, a corrupt log) will not heal by itself either: retry slowly.
        this.deps.log.warn('writing a marker failed', {
          topic: tp.topic,
          partition: tp.partition,
          errorCode: error,
        });
        if (outcome === 'ok') outcome = 'retry';
      }
    }
    return outcome;
  }

  private retryLater(run: Running): void {
    if (run.cancelled || run.timer) return;
    run.timer = this.deps.scheduler.setTimer(this.deps.retryBackoffMs, () => {
      run.timer = null;
      this.attempt(run);
    });
  }

  private finish(run: Running): void {
    if (run.cancelled) return;
    this.running.delete(run.job.transactionalId);
    this.deps.onWritten(run.job);
  }
}
