// The active controller of a node: runs controller operations one at a time against the current
// image, commits their records to the metadata log, replays them into a new image and lets every
// component react to it before the operation completes (so a created topic can take writes as soon
// as CreateTopics answers).
//
// Two images: `image` is the latest committed one, which the components are given to apply (the
// replica manager opens logs, the group coordinator loads partitions); `publishedImage` is the one
// every component has applied, and the only one requests are answered from. A topic therefore shows
// in Metadata, FindCoordinator or Produce only once its logs exist and its coordinator partitions
// are loading, never in between (Kafka's brokers answer from their metadata cache too, but close
// that gap with retriable errors everywhere; one image published after the fact closes it at once).
import { randomBytes } from 'node:crypto';
import {
  allocateProducerIds,
  type ControllerContext,
  type CreatableTopic,
  type CreatedTopic,
  createPartitions,
  createTopics,
  type DeletedTopic,
  deleteTopics,
  type ItemError,
  type Outcome,
  type PartitionIncrease,
  type TopicRef,
} from '../../metadata/controller.js';
import { EMPTY_IMAGE, type MetadataImage, replay } from '../../metadata/image.js';
import type { MetadataRecord } from '../../metadata/records.js';
import type { Logger } from '../logger.js';
import type { MetadataLog } from './metadata-log.js';

export type ImageListener = (image: MetadataImage, previous: MetadataImage) => Promise<void> | void;

export interface ControllerSettings {
  numPartitions: number;
  defaultReplicationFactor: number;
  deleteTopicEnable: boolean;
  validateTopicConfigs: (configs: ReadonlyMap<string, string>) => string | null;
}

/** A topic id: 16 random bytes, never all zero, never one whose text starts with '-' (as Kafka). */
export function randomTopicId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-') && id !== 'AAAAAAAAAAAAAAAAAAAAAA' && id !== 'AAAAAAAAAAAAAAAAAAAAAQ') return id;
  }
}

export class ControllerService {
  private current: MetadataImage = EMPTY_IMAGE;
  private published: MetadataImage = EMPTY_IMAGE;
  private readonly listeners: ImageListener[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly log: MetadataLog,
    private readonly settings: ControllerSettings,
    private readonly logger: Logger,
  ) {}

  /** The latest committed image (what components are applying, or have applied). */
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

  /** Replays the whole metadata log (start-up) and publishes the resulting image. */
  async load(): Promise<MetadataImage> {
    const previous = this.current;
    let image = this.current;
    for (const batch of await this.log.load()) image = replay(image, batch.records, batch.lastOffset);
    await this.publish(image, previous);
    return image;
  }

  private async publish(image: MetadataImage, previous: MetadataImage): Promise<void> {
    this.current = image;
    try {
      for (const l of this.listeners) await l(image, previous);
    } finally {
      // Even when a component failed to apply it (it logs why): the image stays the truth.
      this.published = image;
    }
  }

  /** Runs `op` after every earlier operation, so each sees the image its predecessors left. */
  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Commits records: append, replay, publish. */
  private async commit(records: readonly MetadataRecord[]): Promise<void> {
    if (records.length === 0) return;
    const lastOffset = await this.log.append(records);
    await this.publish(replay(this.current, records, lastOffset), this.current);
  }

  /** Computes an outcome against the current image and commits it unless `validateOnly`. */
  private run<R>(compute: (ctx: ControllerContext) => Outcome<R>, validateOnly = false): Promise<R[]> {
    return this.serial(async () => {
      const outcome = compute(this.context());
      if (!validateOnly) await this.commit(outcome.records);
      return outcome.results;
    });
  }

  private context(): ControllerContext {
    return {
      image: this.current,
      defaultPartitions: this.settings.numPartitions,
      defaultReplicationFactor: this.settings.defaultReplicationFactor,
      deleteTopicEnable: this.settings.deleteTopicEnable,
      validateTopicConfigs: this.settings.validateTopicConfigs,
      randomUuid: randomTopicId,
    };
  }

  createTopics(topics: readonly CreatableTopic[], validateOnly = false): Promise<CreatedTopic[]> {
    return this.run((ctx) => createTopics(ctx, topics), validateOnly).then((results) => {
      for (const r of results)
        if (r.errorCode === 0 && !validateOnly)
          this.logger.info('topic created', { topic: r.name, partitions: r.numPartitions });
      return results;
    });
  }

  deleteTopics(refs: readonly TopicRef[]): Promise<DeletedTopic[]> {
    return this.run((ctx) => deleteTopics(ctx, refs)).then((results) => {
      for (const r of results) if (r.errorCode === 0) this.logger.info('topic deleted', { topic: r.name });
      return results;
    });
  }

  createPartitions(
    items: readonly PartitionIncrease[],
    validateOnly = false,
  ): Promise<(ItemError & { name: string })[]> {
    return this.run((ctx) => createPartitions(ctx, items), validateOnly);
  }

  /** Commits records computed by the caller from the image it is given (configs, registrations). */
  apply<R>(compute: (image: MetadataImage) => { records: MetadataRecord[]; result: R }): Promise<R> {
    return this.serial(async () => {
      const { records, result } = compute(this.current);
      await this.commit(records);
      return result;
    });
  }

  /** Reserves a block of producer ids for this node. */
  allocateProducerIds(brokerId: number, blockSize: number): Promise<number> {
    return this.apply((image) => {
      const { records, firstProducerId } = allocateProducerIds(image, brokerId, 0, blockSize);
      return { records, result: firstProducerId };
    });
  }

  async close(): Promise<void> {
    await this.queue;
    await this.log.close();
  }
}
