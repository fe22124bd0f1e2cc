// Kafka's BrokerTopicMetrics: bytes and messages in, bytes out, produce and fetch requests and
// failures, per topic and for all topics together. Plain number fields: recording is a handful of
// increments on objects the partition already holds; they are only read when scraped.

export class TopicStats {
  bytesIn = 0;
  bytesOut = 0;
  messagesIn = 0;
  bytesRejected = 0;
  totalProduceRequests = 0;
  failedProduceRequests = 0;
  totalFetchRequests = 0;
  failedFetchRequests = 0;
  /** Broker-wide only (Kafka keeps no per-topic replication rates): kept on the all-topics stats. */
  replicationBytesIn = 0;
  replicationBytesOut = 0;

  /** `all` receives every increment too (null for the all-topics stats themselves). */
  constructor(
    readonly topic: string,
    private readonly all: TopicStats | null,
  ) {}

  /** A partition append of a client's batch succeeded. */
  produced(bytes: number, messages: number): void {
    this.totalProduceRequests++;
    this.bytesIn += bytes;
    this.messagesIn += messages;
    this.all?.produced(bytes, messages);
  }

  /** A partition append was refused or failed; `rejectedBytes` when refused for its size. */
  produceFailed(rejectedBytes: number): void {
    this.totalProduceRequests++;
    this.failedProduceRequests++;
    this.bytesRejected += rejectedBytes;
    this.all?.produceFailed(rejectedBytes);
  }

  /** An append counted by `produced` whose write then failed. */
  writeFailed(): void {
    this.failedProduceRequests++;
    this.all?.writeFailed();
  }

  /** One partition of a fetch request (`failed`: answered with an error). */
  fetched(failed: boolean): void {
    this.totalFetchRequests++;
    if (failed) this.failedFetchRequests++;
    this.all?.fetched(failed);
  }

  /** Bytes a follower here appended from its leader. */
  replicated(bytes: number): void {
    if (this.all) this.all.replicated(bytes);
    else this.replicationBytesIn += bytes;
  }

  /** Record bytes a leader here sent to a follower. */
  replicationSent(bytes: number): void {
    if (this.all) this.all.replicationSent(bytes);
    else this.replicationBytesOut += bytes;
  }

  /** Record bytes sent in a fetch response. */
  sent(bytes: number): void {
    this.bytesOut += bytes;
    this.all?.sent(bytes);
  }
}

/** Stats for a partition that belongs to no broker (tests building partitions by hand). */
export const DETACHED_TOPIC_STATS = new TopicStats('', null);

export class BrokerTopicStats {
  readonly all = new TopicStats('', null);
  private readonly byTopic = new Map<string, TopicStats>();

  /** The stats of `topic`, created on first use (when a partition of it opens here). */
  forTopic(topic: string): TopicStats {
    let s = this.byTopic.get(topic);
    if (!s) {
      s = new TopicStats(topic, this.all);
      this.byTopic.set(topic, s);
    }
    return s;
  }

  /** Drops a deleted topic's series, as Kafka removes its topic metrics. */
  remove(topic: string): void {
    this.byTopic.delete(topic);
  }

  topics(): IterableIterator<TopicStats> {
    return this.byTopic.values();
  }
}
