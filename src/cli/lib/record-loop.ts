// The consuming loop of kafka-console-consumer.sh and `samsa consume`: poll, hand each record to
// the printer, stop after `max` records, after `idleTimeoutMs` without a record, when `stop()` is
// called (Ctrl-C) or when the output closes. Offsets are committed here rather than by the
// client's auto commit, and only for records that were printed: every `commitIntervalMs`, before
// partitions are revoked in a rebalance, and at the end.
import type { Consumer, ConsumerRecord, OffsetToCommit, RebalanceListener } from '../../client/index.js';
import { eprintln, errorMessage } from '../tool.js';

export interface LoopOptions {
  max?: number;
  idleTimeoutMs?: number;
  /** Commit printed offsets (the consumer has a group and auto commit is on). */
  commit: boolean;
  commitIntervalMs: number;
  /** Handles one record; returns false to stop (e.g. the output closed). */
  onRecord(record: ConsumerRecord): Promise<boolean> | boolean;
  /** Called once per partition whose end was reached, when the loop should stop at ends. */
  endOffsets?: Map<string, number>;
}

export class RecordLoop {
  count = 0;
  private stopped = false;
  private wakeStop: (() => void) | null = null;
  private readonly printed = new Map<string, OffsetToCommit>();
  private lastCommitMs = Date.now();

  constructor(
    private readonly consumer: Consumer,
    private readonly options: LoopOptions,
  ) {}

  stop(): void {
    this.stopped = true;
    this.wakeStop?.();
  }

  /** A rebalance listener that commits what was printed from partitions being taken away. */
  listener(): RebalanceListener {
    return {
      onPartitionsRevoked: async (tps) => {
        if (!this.options.commit) return;
        const keys = new Set(tps.map((tp) => `${tp.topic}\u0000${tp.partition}`));
        await this.commit([...this.printed].filter(([k]) => keys.has(k)).map(([, o]) => o));
      },
    };
  }

  private async commit(offsets: OffsetToCommit[]): Promise<void> {
    if (offsets.length === 0) return;
    try {
      await this.consumer.commit(offsets);
      for (const o of offsets) {
        const k = `${o.topic}\u0000${o.partition}`;
        if (this.printed.get(k) === o) this.printed.delete(k);
      }
    } catch (err) {
      eprintln(`WARN: committing offsets failed: ${errorMessage(err)}`);
    }
  }

  async commitPrinted(): Promise<void> {
    if (this.options.commit) await this.commit([...this.printed.values()]);
    this.lastCommitMs = Date.now();
  }

  private done(): boolean {
    const { max, endOffsets } = this.options;
    if (this.stopped) return true;
    if (max !== undefined && max >= 0 && this.count >= max) return true;
    return endOffsets !== undefined && endOffsets.size === 0;
  }

  /** Runs until a stop condition; returns why it stopped. Errors of the consumer are thrown. */
  async run(): Promise<'max' | 'timeout' | 'stopped' | 'end'> {
    const { idleTimeoutMs, endOffsets } = this.options;
    const stopSignal = new Promise<null>((resolve) => {
      this.wakeStop = () => resolve(null);
    });
    let lastRecordMs = Date.now();
    while (!this.done()) {
      let waitMs = 1000;
      if (idleTimeoutMs !== undefined && idleTimeoutMs >= 0) {
        const left = lastRecordMs + idleTimeoutMs - Date.now();
        if (left <= 0) return 'timeout';
        waitMs = Math.min(waitMs, left);
      }
      const poll = this.consumer.poll(waitMs);
      poll.catch(() => {});
      const records = await Promise.race([poll, stopSignal]);
      if (records === null) break;
      if (records.length > 0) lastRecordMs = Date.now();
      for (const r of records) {
        if (this.done()) break;
        const key = `${r.topic}\u0000${r.partition}`;
        const end = endOffsets?.get(key);
        if (endOffsets && (end === undefined || r.offset >= end)) {
          endOffsets.delete(key);
          continue;
        }
        if (!(await this.options.onRecord(r))) {
          this.stopped = true;
          break;
        }
        this.count++;
        this.printed.set(key, { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
        if (end !== undefined && r.offset + 1 >= end) endOffsets?.delete(key);
      }
      if (this.options.commit && Date.now() - this.lastCommitMs >= this.options.commitIntervalMs) {
        await this.commitPrinted();
      }
    }
    if (this.stopped) return 'stopped';
    return endOffsets !== undefined && endOffsets.size === 0 ? 'end' : 'max';
  }
}
