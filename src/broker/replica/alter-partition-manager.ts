// Sends the ISR changes of the partitions this broker leads to the active controller (Kafka's
// AlterPartitionManager): AlterPartition v3 (ISR members with their broker epochs, topics by id).
// At most one request is in flight; changes submitted meanwhile wait and go together in the next one.
// A request that gets no answer, or a top-level error (no controller yet, the controller moved), is
// sent again after a backoff; per-partition answers go back to the partition that asked.
import { ErrorCode } from '../../protocol/errors.js';
import type { AlterPartitionRequest, AlterPartitionResponse } from '../../protocol/messages/index.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { ProposedIsr } from './isr-state.js';
import type { ControllerLink } from './links.js';

export const ALTER_PARTITION_API_KEY = 56;
export const ALTER_PARTITION_VERSION = 3;
const REQUEST_TIMEOUT_MS = 30_000;
const RETRY_BACKOFF_MS = 100;
const RETRY_BACKOFF_MS_MAX = 2_000;

export type AlterOutcome =
  | { kind: 'ok'; leaderId: number; leaderEpoch: number; isr: number[]; partitionEpoch: number }
  | { kind: 'error'; errorCode: number };

interface Item {
  topicId: string;
  partition: number;
  proposed: ProposedIsr;
  resolve: (o: AlterOutcome) => void;
}

const keyOf = (topicId: string, partition: number) => `${topicId}:${partition}`;

export class AlterPartitionManager {
  private readonly unsent = new Map<string, Item>();
  private inflight = false;
  private backoffMs = RETRY_BACKOFF_MS;
  private closed = false;

  constructor(
    private readonly link: ControllerLink,
    private readonly brokerId: number,
    private readonly brokerEpoch: () => number,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Changes waiting to be sent or answered. */
  get pending(): number {
    return this.unsent.size;
  }

  /**
   * Proposes a new ISR for a partition. A second proposal for a partition whose first is not answered
   * yet is not attempted (the partition sends one change at a time anyway).
   */
  submit(topicId: string, partition: number, proposed: ProposedIsr): Promise<AlterOutcome> {
    const key = keyOf(topicId, partition);
    if (this.unsent.has(key) || this.closed)
      return Promise.resolve({ kind: 'error', errorCode: ErrorCode.OPERATION_NOT_ATTEMPTED });
    return new Promise<AlterOutcome>((resolve) => {
      this.unsent.set(key, { topicId, partition, proposed, resolve });
      this.propagate();
    });
  }

  close(): void {
    this.closed = true;
    for (const item of this.unsent.values())
      item.resolve({ kind: 'error', errorCode: ErrorCode.OPERATION_NOT_ATTEMPTED });
    this.unsent.clear();
  }

  private propagate(): void {
    if (this.inflight || this.unsent.size === 0 || this.closed) return;
    this.inflight = true;
    const items = [...this.unsent.values()];
    const request = this.buildRequest(items);
    this.link
      .send<AlterPartitionRequest, AlterPartitionResponse>(
        ALTER_PARTITION_API_KEY,
        ALTER_PARTITION_VERSION,
        request,
        REQUEST_TIMEOUT_MS,
      )
      .then(
        (r) => {
          if (r.kind === 'failed') return this.retryLater(`no answer: ${r.reason}`);
          if (r.response.errorCode !== ErrorCode.NONE)
            return this.retryLater(`error ${r.response.errorCode} from the controller`);
          this.backoffMs = RETRY_BACKOFF_MS;
          this.inflight = false;
          this.complete(items, r.response);
          this.propagate();
        },
        (err: unknown) => this.retryLater(String(err)),
      );
  }

  private retryLater(why: string): void {
    this.log.debug('AlterPartition will be retried', { why, partitions: this.unsent.size });
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, RETRY_BACKOFF_MS_MAX);
    this.clock.setTimer(delay, () => {
      this.inflight = false;
      this.propagate();
    });
  }

  private buildRequest(items: Item[]): AlterPartitionRequest {
    const byTopic = new Map<string, Item[]>();
    for (const item of items) {
      const list = byTopic.get(item.topicId) ?? [];
      list.push(item);
      byTopic.set(item.topicId, list);
    }
    return {
      brokerId: this.brokerId,
      brokerEpoch: this.brokerEpoch(),
      topics: [...byTopic].map(([topicId, list]) => ({
        topicId,
        partitions: list.map((i) => ({
          partitionIndex: i.partition,
          leaderEpoch: i.proposed.leaderEpoch,
          newIsrWithEpochs: i.proposed.isr.map((m) => ({ brokerId: m.brokerId, brokerEpoch: m.brokerEpoch })),
          leaderRecoveryState: 0,
          partitionEpoch: i.proposed.partitionEpoch,
        })),
      })),
    };
  }

  /** Answers each item sent; an item the response leaves out is tried again. */
  private complete(items: Item[], response: AlterPartitionResponse): void {
    const answers = new Map<string, AlterOutcome>();
    for (const t of response.topics) {
      for (const p of t.partitions) {
        const outcome: AlterOutcome =
          p.errorCode === ErrorCode.NONE
            ? {
                kind: 'ok',
                leaderId: p.leaderId,
                leaderEpoch: p.leaderEpoch,
                isr: p.isr,
                partitionEpoch: p.partitionEpoch,
              }
            : { kind: 'error', errorCode: p.errorCode };
        answers.set(keyOf(t.topicId ?? '', p.partitionIndex), outcome);
      }
    }
    for (const item of items) {
      const key = keyOf(item.topicId, item.partition);
      const outcome = answers.get(key);
      if (!outcome) continue;
      if (this.unsent.get(key) === item) this.unsent.delete(key);
      item.resolve(outcome);
    }
  }
}
