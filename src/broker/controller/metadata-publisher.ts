// The metadata image of this node, built by replaying the committed metadata log — the same on the
// active controller, on other controllers and on brokers (observers). It is the Raft driver's state
// machine, in two steps, as Kafka's MetadataLoader and its publishers:
//   - replay: each committed batch is decoded and replayed into a new image at once (`latest`); the
//     controller computes against it, and a proposal is answered once its batch is replayed;
//   - publication: the components that follow the metadata (replica manager, group coordinator,
//     configs) react to (image, previous), one publication at a time; when they are slower than the
//     log, the images in between are skipped (`previous` is the last one they saw). `image` is the last
//     image they have all applied, and the only one requests are answered from: a topic shows in
//     Metadata, FindCoordinator or Produce only once its logs exist here.
// Now and then it snapshots the replayed image so the log can be compacted.
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

/** Called with every replayed image, in order, synchronously (nothing skipped). */
export type ReplayListener = (image: MetadataImage, previous: MetadataImage) => void;

export class MetadataPublisher implements StateMachine {
  /** The last image replayed. */
  private replayed: MetadataImage = EMPTY_IMAGE;
  /** The last image every listener has reacted to. */
  private settled: MetadataImage = EMPTY_IMAGE;
  private publishing: Promise<void> | null = null;
  private readonly listeners: ImageListener[] = [];
  private readonly replayListeners: ReplayListener[] = [];
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

  /** The last image this node's components have all applied: what requests are answered from. */
  get image(): MetadataImage {
    return this.settled;
  }

  /** The last replayed image (the controller's view); publication may still be on its way. */
  get latest(): MetadataImage {
    return this.replayed;
  }

  onImage(listener: ImageListener): void {
    this.listeners.push(listener);
  }

  onReplay(listener: ReplayListener): void {
    this.replayListeners.push(listener);
  }

  /** Resolves true once everything replayed up to now is published, false after `timeoutMs`. */
  whenPublished(timeoutMs: number): Promise<boolean> {
    const offset = this.replayed.offset;
    return this.waitFor((img) => img.offset >= offset, timeoutMs);
  }

  onLeaderChange(listener: LeaderChangeListener): void {
    this.leaderChangeListeners.push(listener);
  }

  /** Resolves true once the published image satisfies `pred`, false after `timeoutMs`. */
  waitFor(pred: (image: MetadataImage) => boolean, timeoutMs: number): Promise<boolean> {
    if (pred(this.settled)) return Promise.resolve(true);
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
    this.replayedTo(replay(EMPTY_IMAGE, records, snapshot.id.endOffset - 1));
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
        ? replay(this.replayed, records, last.offset)
        : { ...this.replayed, offset: last.offset };
    this.replayedTo(next);
    this.maybeSnapshot();
  }

  private replayedTo(image: MetadataImage): void {
    const previous = this.replayed;
    this.replayed = image;
    for (const l of this.replayListeners) l(image, previous);
    if (!this.publishing) this.publishing = this.publishLoop();
  }

  /** Publishes the latest replayed image until the listeners have caught up with the log. */
  private async publishLoop(): Promise<void> {
    try {
      while (this.settled !== this.replayed) {
        const image = this.replayed;
        const previous = this.settled;
        for (const l of this.listeners) {
          try {
            await l(image, previous);
          } catch (err) {
            this.log.error('a metadata listener failed', {
              offset: image.offset,
              err: String((err as Error)?.stack ?? err),
            });
          }
        }
        this.settled = image;
        if (this.waiters.length > 0) {
          const still = [];
          for (const w of this.waiters) {
            if (w.pred(image)) w.resolve(true);
            else still.push(w);
          }
          this.waiters = still;
        }
      }
    } finally {
      this.publishing = null;
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
    if (!this.compact || this.replayed.offset < 0) return false;
    this.snapshotting = true;
    try {
      const ok = this.compact(this.replayed.offset + 1, encodeImage(this.replayed, this.now()));
      if (ok) {
        this.bytesSinceSnapshot = 0;
        this.lastSnapshotMs = this.now();
        this.log.info('metadata snapshot taken', { endOffset: this.replayed.offset + 1 });
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
