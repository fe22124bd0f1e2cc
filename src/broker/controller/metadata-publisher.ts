// The metadata image of this node, built by replaying the committed metadata log — the same on the
// active controller, on other controllers and on brokers (observers). It is the Raft driver's state
// machine: each committed batch is decoded and replayed into a new image, and every component that
// follows the metadata (replica manager, group coordinator, configs) reacts to (image, previous)
// before the next batch is applied. Now and then it snapshots the image so the log can be compacted.
import { EMPTY_IMAGE, type MetadataImage, replay } from '../../metadata/image.js';
import { imageRecords } from '../../metadata/image-records.js';
import { decodeMetadataRecord, encodeMetadataRecord, type MetadataRecord } from '../../metadata/records.js';
import { buildBatch } from '../../protocol/records/index.js';
import type { Entry, Snapshot } from '../../raft/index.js';
import type { Logger } from '../logger.js';
import { recordValues } from '../raft-io/log-records.js';
import type { StateMachine } from '../raft-io/raft-driver.js';

export type ImageListener = (image: MetadataImage, previous: MetadataImage) => Promise<void> | void;

/** Records per batch in a snapshot (KRaft's snapshots batch records by size; this keeps batches small). */
const SNAPSHOT_RECORDS_PER_BATCH = 1000;

export interface SnapshotPolicy {
  /** metadata.log.max.record.bytes.between.snapshots */
  bytesBetweenSnapshots: number;
  /** metadata.log.max.snapshot.interval.ms (0: only by size) */
  intervalMs: number;
}

/** A LeaderChange entry was applied: the leader of `epoch` has everything committed before it. */
export type LeaderChangeListener = (leaderId: number, epoch: number, offset: number) => void;

export class MetadataPublisher implements StateMachine {
  private current: MetadataImage = EMPTY_IMAGE;
  /** The latest image every listener has applied (requests are answered from it). */
  private published: MetadataImage = EMPTY_IMAGE;
  private readonly listeners: ImageListener[] = [];
  private readonly leaderChangeListeners: LeaderChangeListener[] = [];
  private waiters: { pred: (image: MetadataImage) => boolean; resolve: (ok: boolean) => void }[] = [];
  private bytesSinceSnapshot = 0;
  private lastSnapshotMs: number;
  private snapshotting = false;
  /** Set by the node: hands a snapshot of what was applied to the Raft core. */
  compact: ((endOffset: number, data: Uint8Array) => boolean) | null = null;

  constructor(
    private readonly log: Logger,
    private readonly policy: SnapshotPolicy,
    private readonly now: () => number,
  ) {
    this.lastSnapshotMs = now();
  }

  get image(): MetadataImage {
    return this.current;
  }

  /** The latest image every listener has applied: what requests are answered from. */
  get publishedImage(): MetadataImage {
    return this.published;
  }

  onImage(listener: ImageListener): void {
    this.listeners.push(listener);
  }

  onLeaderChange(listener: LeaderChangeListener): void {
    this.leaderChangeListeners.push(listener);
  }

  /** Resolves true once the image satisfies `pred`, false after `timeoutMs`. */
  waitFor(pred: (image: MetadataImage) => boolean, timeoutMs: number): Promise<boolean> {
    if (pred(this.current)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        pred,
        resolve: (ok: boolean) => {
          clearTimeout(timer);
          resolve(ok);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      timer.unref();
      this.waiters.push(waiter);
    });
  }

  async restore(snapshot: Snapshot): Promise<void> {
    const records: MetadataRecord[] = [];
    for (const value of recordValues(snapshot.data)) {
      const r = decodeMetadataRecord(value);
      if (r) records.push(r);
    }
    this.bytesSinceSnapshot = 0;
    this.lastSnapshotMs = this.now();
    await this.publish(replay(EMPTY_IMAGE, records, snapshot.id.endOffset - 1));
  }

  async apply(batch: readonly Entry[]): Promise<void> {
    const last = batch[batch.length - 1];
    const records: MetadataRecord[] = [];
    for (const e of batch) {
      if (e.kind === 'leaderChange') {
        for (const l of this.leaderChangeListeners) l(e.leaderChange.leaderId, e.epoch, e.offset);
        continue;
      }
      if (e.kind !== 'data' || e.data.length === 0) continue;
      this.bytesSinceSnapshot += e.data.length;
      const r = decodeMetadataRecord(Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength));
      if (r) records.push(r);
    }
    // A control entry moves the offset only: no need to copy the image's maps.
    const next =
      records.length > 0
        ? replay(this.current, records, last.offset)
        : { ...this.current, offset: last.offset };
    await this.publish(next);
    this.maybeSnapshot();
  }

  /** Sets the image directly (a standalone node's registration before the log is followed). */
  private async publish(image: MetadataImage): Promise<void> {
    const previous = this.current;
    this.current = image;
    try {
      for (const l of this.listeners) await l(image, previous);
    } finally {
      // Even when a component failed to apply it (it logs why): the image stays the truth.
      this.published = image;
    }
    if (this.waiters.length > 0) {
      const still = [];
      for (const w of this.waiters) {
        if (w.pred(image)) w.resolve(true);
        else still.push(w);
      }
      this.waiters = still;
    }
  }

  private maybeSnapshot(): void {
    if (!this.compact || this.snapshotting) return;
    const bySize = this.bytesSinceSnapshot >= this.policy.bytesBetweenSnapshots;
    const byTime =
      this.policy.intervalMs > 0 &&
      this.bytesSinceSnapshot > 0 &&
      this.now() - this.lastSnapshotMs >= this.policy.intervalMs;
    if (!bySize && !byTime) return;
    this.snapshotNow();
  }

  /** Snapshots the current image (everything applied so far). */
  snapshotNow(): boolean {
    if (!this.compact || this.current.offset < 0) return false;
    this.snapshotting = true;
    try {
      const ok = this.compact(this.current.offset + 1, encodeImage(this.current, this.now()));
      if (ok) {
        this.bytesSinceSnapshot = 0;
        this.lastSnapshotMs = this.now();
        this.log.info('metadata snapshot taken', { endOffset: this.current.offset + 1 });
      }
      return ok;
    } finally {
      this.snapshotting = false;
    }
  }
}

/** The image as snapshot data: record batches of the records that rebuild it. */
export function encodeImage(image: MetadataImage, nowMs: number): Uint8Array {
  const records = imageRecords(image);
  const batches: Buffer[] = [];
  let offset = 0;
  for (let i = 0; i < records.length; i += SNAPSHOT_RECORDS_PER_BATCH) {
    const slice = records.slice(i, i + SNAPSHOT_RECORDS_PER_BATCH);
    batches.push(
      buildBatch(
        slice.map((r) => ({ key: null, value: encodeMetadataRecord(r) })),
        { baseOffset: offset, timestampMs: nowMs },
      ),
    );
    offset += slice.length;
  }
  return Buffer.concat(batches);
}
