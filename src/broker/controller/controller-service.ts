// What the rest of a node calls for metadata changes: one face over the two places a change can be
// made. When this node hosts the active controller, operations run there directly (QuorumController);
// otherwise they go to the active controller over the controller channel, as the requests Kafka's
// brokers send (CreateTopics, DeleteTopics, CreatePartitions, AllocateProducerIds), and the answer
// waits until this node's own image shows the change, so a topic created through any broker is at once
// visible in that broker's Metadata. `localOnly` (the controller listener's view) never forwards: a
// controller that is not active answers NOT_CONTROLLER, and the sender finds the active one.
import type {
  CreatableTopic,
  CreatedTopic,
  DeletedTopic,
  ItemError,
  PartitionCharge,
  PartitionIncrease,
  TopicRef,
} from '../../metadata/controller.js';
import type { MetadataImage } from '../../metadata/image.js';
import type { MetadataRecord } from '../../metadata/records.js';
import { ErrorCode } from '../../protocol/errors.js';
import type {
  AllocateProducerIdsResponse,
  CreatePartitionsResponse,
  CreateTopicsResponse,
  DeleteTopicsResponse,
} from '../../protocol/messages/index.js';
import type { Logger } from '../logger.js';
import type { ControllerChannel } from '../net/index.js';
import type { ImageListener, MetadataPublisher } from './metadata-publisher.js';
import { NotController, type QuorumController } from './quorum-controller.js';

/**
 * For the calls that create or delete partitions: how long a remote controller may take, and the
 * client's mutation quota to charge. Only a controller on this node charges it: a handler runs here
 * when this node is the active controller (elsewhere its request is forwarded in an Envelope).
 */
export interface MutationOptions {
  timeoutMs?: number;
  charge?: PartitionCharge;
}

export type { ImageListener } from './metadata-publisher.js';

const API = { CreateTopics: 19, DeleteTopics: 20, CreatePartitions: 37, AllocateProducerIds: 67 } as const;
/** How long a forwarded change may take to show in this node's image before the answer goes anyway. */
const VISIBLE_WAIT_MS = 5000;

export interface RemoteController {
  channel: ControllerChannel;
  nodeId: number;
  /** This broker's epoch (AllocateProducerIds carries it); -1 before registration. */
  brokerEpoch: () => number;
  requestTimeoutMs: number;
}

export class ControllerService {
  constructor(
    private readonly publisher: MetadataPublisher,
    readonly quorum: QuorumController | null,
    private readonly remote: RemoteController | null,
    private readonly log: Logger,
    /** The controller listener's view: never forward. */
    private readonly localOnly = false,
  ) {}

  /** The same service, answering NOT_CONTROLLER instead of forwarding (for the controller listener). */
  asLocalOnly(): ControllerService {
    return new ControllerService(this.publisher, this.quorum, null, this.log, true);
  }

  /** The latest committed image this node has replayed (what its components are applying, or have). */
  get image(): MetadataImage {
    return this.publisher.latest;
  }

  /** The image every component of this node has applied: what requests are answered from. */
  get publishedImage(): MetadataImage {
    return this.publisher.image;
  }

  onImage(listener: ImageListener): void {
    this.publisher.onImage(listener);
  }

  /** Whether this node is the active controller now. */
  isActiveHere(): boolean {
    return this.quorum?.isActive === true;
  }

  /** The active controller's id as this node knows it (-1: none known). */
  get activeControllerId(): number {
    return this.quorum?.leaderId ?? -1;
  }

  private useLocal(): boolean {
    return this.isActiveHere() || this.localOnly || !this.remote;
  }

  /**
   * A topic change forwarded to the active controller in an Envelope (CreateTopics, CreatePartitions,
   * DeleteTopics) and answered: waits until this broker's image shows it (bounded).
   */
  async awaitForwardedVisible(apiKey: number, request: unknown, response: unknown): Promise<void> {
    const req = request as { validateOnly?: boolean; topics?: { name: string; count?: number }[] };
    if (req.validateOnly) return;
    const ok = (x: { errorCode: number }) => x.errorCode === ErrorCode.NONE;
    let pred: ((img: MetadataImage) => boolean) | null = null;
    if (apiKey === API.CreateTopics) {
      const made = (response as CreateTopicsResponse).topics.filter(ok);
      if (made.length > 0)
        pred = (img) =>
          made.every(
            (t) => (img.topicsByName.get(t.name)?.partitions.length ?? -1) >= (t.numPartitions ?? 0),
          );
    } else if (apiKey === API.CreatePartitions) {
      const grown = (response as CreatePartitionsResponse).results.filter(ok);
      const counts = new Map((req.topics ?? []).map((t) => [t.name, t.count ?? 0]));
      if (grown.length > 0)
        pred = (img) =>
          grown.every(
            (t) => (img.topicsByName.get(t.name)?.partitions.length ?? -1) >= (counts.get(t.name) ?? 0),
          );
    } else if (apiKey === API.DeleteTopics) {
      const gone = (response as DeleteTopicsResponse).responses.filter(ok);
      if (gone.length > 0)
        pred = (img) =>
          gone.every((t) => (t.name ? !img.topicsByName.has(t.name) : !img.topicsById.has(t.topicId ?? '')));
    }
    if (pred) await this.publisher.waitFor(pred, VISIBLE_WAIT_MS);
  }

  /**
   * A change made here is answered once this node's components have caught up with it (the published
   * image), so the broker that made it shows it at once; the controller listener answers at commit.
   */
  private async visible<T>(result: T): Promise<T> {
    if (!this.localOnly) await this.publisher.whenPublished(VISIBLE_WAIT_MS);
    return result;
  }

  private notController<T extends object>(items: readonly T[], nc: NotController): (T & ItemError)[] {
    return items.map((t) => ({ ...t, errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: nc.detail }));
  }

  async createTopics(
    topics: readonly CreatableTopic[],
    validateOnly = false,
    { timeoutMs = 30_000, charge }: MutationOptions = {},
  ): Promise<CreatedTopic[]> {
    if (this.useLocal()) {
      const r = this.quorum
        ? await this.quorum.createTopics(topics, validateOnly, charge)
        : new NotController(-1, 'no controller here');
      if (!(r instanceof NotController)) return this.visible(r);
      return topics.map((t) => ({
        name: t.name,
        topicId: '',
        numPartitions: -1,
        replicationFactor: -1,
        errorCode: ErrorCode.NOT_CONTROLLER,
        errorMessage: r.detail,
      }));
    }
    const remote = this.remote as RemoteController;
    const res = await remote.channel.send<CreateTopicsResponse>(
      API.CreateTopics,
      {
        topics: topics.map((t) => ({ ...t, assignments: [...t.assignments], configs: [...t.configs] })),
        timeoutMs,
        validateOnly,
      },
      { timeoutMs: Math.max(timeoutMs, remote.requestTimeoutMs) },
    );
    if (!res.ok)
      return topics.map((t) => ({
        name: t.name,
        topicId: '',
        numPartitions: -1,
        replicationFactor: -1,
        errorCode: ErrorCode.REQUEST_TIMED_OUT,
        errorMessage: res.error.message,
      }));
    const created = res.body.topics.map((t) => ({
      name: t.name,
      topicId: t.topicId ?? '',
      numPartitions: t.numPartitions ?? -1,
      replicationFactor: t.replicationFactor ?? -1,
      errorCode: t.errorCode,
      errorMessage: t.errorMessage ?? null,
    }));
    const made = created.filter((t) => t.errorCode === ErrorCode.NONE && !validateOnly);
    if (made.length > 0)
      await this.publisher.waitFor(
        (img) =>
          made.every((t) => (img.topicsByName.get(t.name)?.partitions.length ?? -1) >= t.numPartitions),
        VISIBLE_WAIT_MS,
      );
    return created;
  }

  async deleteTopics(
    refs: readonly TopicRef[],
    { timeoutMs = 30_000, charge }: MutationOptions = {},
  ): Promise<DeletedTopic[]> {
    if (this.useLocal()) {
      const r = this.quorum
        ? await this.quorum.deleteTopics(refs, charge)
        : new NotController(-1, 'no controller here');
      if (!(r instanceof NotController)) return this.visible(r);
      return refs.map((ref) => ({
        name: ref.name,
        topicId: ref.topicId ?? '',
        errorCode: ErrorCode.NOT_CONTROLLER,
        errorMessage: r.detail,
      }));
    }
    const remote = this.remote as RemoteController;
    const res = await remote.channel.send<DeleteTopicsResponse>(
      API.DeleteTopics,
      (v: number) =>
        v >= 6
          ? {
              topics: refs.map((r) => ({ name: r.name, topicId: r.topicId ?? 'AAAAAAAAAAAAAAAAAAAAAA' })),
              timeoutMs,
            }
          : { topicNames: refs.map((r) => r.name ?? ''), timeoutMs },
      {
        timeoutMs: Math.max(timeoutMs, remote.requestTimeoutMs),
        minVersion: refs.some((r) => !r.name) ? 6 : 1,
      },
    );
    if (!res.ok)
      return refs.map((ref) => ({
        name: ref.name,
        topicId: ref.topicId ?? '',
        errorCode: ErrorCode.REQUEST_TIMED_OUT,
        errorMessage: res.error.message,
      }));
    const deleted = res.body.responses.map((r) => ({
      name: r.name ?? null,
      topicId: r.topicId ?? '',
      errorCode: r.errorCode,
      errorMessage: r.errorMessage ?? null,
    }));
    const gone = deleted.filter((d) => d.errorCode === ErrorCode.NONE);
    if (gone.length > 0)
      await this.publisher.waitFor(
        (img) => gone.every((d) => (d.name ? !img.topicsByName.has(d.name) : !img.topicsById.has(d.topicId))),
        VISIBLE_WAIT_MS,
      );
    return deleted;
  }

  async createPartitions(
    items: readonly PartitionIncrease[],
    validateOnly = false,
    { timeoutMs = 30_000, charge }: MutationOptions = {},
  ): Promise<(ItemError & { name: string })[]> {
    if (this.useLocal()) {
      const r = this.quorum
        ? await this.quorum.createPartitions(items, validateOnly, charge)
        : new NotController(-1, 'no controller here');
      if (!(r instanceof NotController)) return this.visible(r);
      return this.notController(
        items.map((i) => ({ name: i.name })),
        r,
      );
    }
    const remote = this.remote as RemoteController;
    const res = await remote.channel.send<CreatePartitionsResponse>(
      API.CreatePartitions,
      {
        topics: items.map((i) => ({
          name: i.name,
          count: i.count,
          assignments: i.assignments ? i.assignments.map((a) => ({ brokerIds: [...a.brokerIds] })) : null,
        })),
        timeoutMs,
        validateOnly,
      },
      { timeoutMs: Math.max(timeoutMs, remote.requestTimeoutMs) },
    );
    if (!res.ok)
      return items.map((i) => ({
        name: i.name,
        errorCode: ErrorCode.REQUEST_TIMED_OUT,
        errorMessage: res.error.message,
      }));
    const results = res.body.results.map((r) => ({
      name: r.name,
      errorCode: r.errorCode,
      errorMessage: r.errorMessage ?? null,
    }));
    const grown = items.filter((i) => results.find((r) => r.name === i.name)?.errorCode === ErrorCode.NONE);
    if (grown.length > 0 && !validateOnly)
      await this.publisher.waitFor(
        (img) => grown.every((i) => (img.topicsByName.get(i.name)?.partitions.length ?? 0) >= i.count),
        VISIBLE_WAIT_MS,
      );
    return results;
  }

  /** Reserves a block of producer ids for `brokerId`: its first id and its length. */
  async allocateProducerIds(
    brokerId: number,
    blockSize: number,
  ): Promise<{ first: number; length: number } | { errorCode: number }> {
    if (this.useLocal()) {
      const epoch = this.remote?.brokerEpoch() ?? -1;
      const r = this.quorum
        ? await this.quorum.allocateProducerIds(brokerId, epoch, blockSize)
        : new NotController(-1, '');
      return r instanceof NotController
        ? { errorCode: ErrorCode.NOT_CONTROLLER }
        : { first: r, length: blockSize };
    }
    const remote = this.remote as RemoteController;
    const res = await remote.channel.send<AllocateProducerIdsResponse>(
      API.AllocateProducerIds,
      { brokerId, brokerEpoch: remote.brokerEpoch() },
      { timeoutMs: remote.requestTimeoutMs },
    );
    if (!res.ok) return { errorCode: ErrorCode.REQUEST_TIMED_OUT };
    if (res.body.errorCode !== ErrorCode.NONE) return { errorCode: res.body.errorCode };
    return { first: res.body.producerIdStart, length: res.body.producerIdLen };
  }

  /**
   * Commits records computed from the image by the caller (configs, registrations of a standalone
   * node, the embedded broker's reset). Only on the active controller; elsewhere `otherwise` answers.
   */
  async apply<R>(
    compute: (image: MetadataImage) => { records: MetadataRecord[]; result: R },
    otherwise?: (nc: NotController) => R,
  ): Promise<R> {
    const r = this.quorum
      ? await this.quorum.apply(compute)
      : new NotController(-1, 'this node has no controller role');
    if (!(r instanceof NotController)) return this.visible(r);
    if (otherwise) return otherwise(r);
    throw new Error(`metadata change refused: ${r.detail}`);
  }

  async close(): Promise<void> {
    await this.quorum?.close();
  }
}
