// The replica fetchers of a broker (Kafka's ReplicaFetcherManager): num.replica.fetchers fetchers per
// leader broker, a partition going to fetcher abs(31 * hash(topic) + partition) % n as in Kafka. A
// partition moves between fetchers when its leader changes; fetchers left without partitions stop.
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { BrokerLinks } from './links.js';
import type { Partition } from './partition.js';
import { type FetcherSettings, ReplicaFetcher } from './replica-fetcher.js';

/** Java's String.hashCode (Kafka assigns partitions to fetchers with it). */
function javaHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's Utils.abs: Integer.MIN_VALUE maps to 0. */
function abs(n: number): number {
  return n === -2147483648 ? 0 : Math.abs(n);
}

export function fetcherIdFor(topic: string, partition: number, fetchers: number): number {
  return abs((Math.imul(31, javaHash(topic)) + partition) | 0) % Math.max(1, fetchers);
}

export class ReplicaFetcherManager {
  private readonly fetchers = new Map<string, ReplicaFetcher>();
  /** Which fetcher each followed partition is on. */
  private readonly owner = new Map<Partition, ReplicaFetcher>();

  constructor(
    private readonly settings: FetcherSettings & { numFetchers: number },
    private readonly links: BrokerLinks,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Follows `p` on its current leader (from now on, in this leader epoch). */
  follow(p: Partition): void {
    const leaderId = p.leaderId;
    if (leaderId < 0 || leaderId === this.settings.nodeId) {
      this.unfollow(p);
      return;
    }
    const id = fetcherIdFor(p.topic, p.index, this.settings.numFetchers);
    const key = `${leaderId}:${id}`;
    let fetcher = this.fetchers.get(key);
    if (!fetcher) {
      fetcher = new ReplicaFetcher(leaderId, id, this.settings, this.links, this.clock, this.log);
      this.fetchers.set(key, fetcher);
      this.log.debug('replica fetcher started', { leader: leaderId, fetcher: id });
    }
    const previous = this.owner.get(p);
    if (previous && previous !== fetcher) this.detach(p, previous);
    fetcher.add(p, p.leaderEpoch);
    this.owner.set(p, fetcher);
  }

  /** Stops following `p` (it leads now, or is gone). */
  unfollow(p: Partition): void {
    const fetcher = this.owner.get(p);
    if (fetcher) this.detach(p, fetcher);
  }

  private detach(p: Partition, fetcher: ReplicaFetcher): void {
    fetcher.remove(p);
    this.owner.delete(p);
    if (fetcher.partitionCount === 0) {
      this.fetchers.delete(`${fetcher.leaderId}:${fetcher.fetcherId}`);
      void fetcher.stop();
    }
  }

  isFollowing(p: Partition): boolean {
    return this.owner.has(p);
  }

  /** The largest lag of any followed partition (ReplicaFetcherManager MaxLag). */
  get maxLag(): number {
    let m = 0;
    for (const f of this.fetchers.values()) m = Math.max(m, f.maxLag);
    return m;
  }

  get fetcherCount(): number {
    return this.fetchers.size;
  }

  async close(): Promise<void> {
    const all = [...this.fetchers.values()];
    this.fetchers.clear();
    this.owner.clear();
    await Promise.all(all.map((f) => f.stop()));
  }
}
