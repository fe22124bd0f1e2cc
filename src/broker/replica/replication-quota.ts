// Replication throttles (Kafka's ReplicationQuotaManager): the bytes/s a leader sends to, and a follower
// fetches for, replicas named in a topic's leader/follower.replication.throttled.replicas
// ("partition:broker" pairs or "*"), bounded by the broker's leader/follower.replication.throttled.rate.
// Only replicas outside the ISR are throttled (a reassignment's new replicas catching up), so the ISR is
// never slowed. The rate is measured over replication.quota.window.num windows of
// replication.quota.window.size.seconds, as Kafka's quota sensors do.

/** Kafka's "no throttle": Long.MAX_VALUE bytes/s. */
export const UNTHROTTLED = Number.MAX_SAFE_INTEGER;

export class ReplicationQuota {
  private readonly starts: number[] = [];
  private readonly bytes: number[] = [];

  constructor(
    /** The bound in bytes/s (read on every check: a dynamic config may change it). */
    private readonly rate: () => number,
    private readonly now: () => number,
    private readonly windows = 11,
    private readonly windowMs = 1000,
  ) {}

  /** Whether any throttle is set at all. */
  get enabled(): boolean {
    const r = this.rate();
    return Number.isFinite(r) && r >= 0 && r < UNTHROTTLED;
  }

  record(bytes: number): void {
    if (!this.enabled) return;
    const nowMs = this.now();
    const last = this.starts.length - 1;
    if (last >= 0 && nowMs - this.starts[last] < this.windowMs) this.bytes[last] += bytes;
    else {
      this.starts.push(nowMs);
      this.bytes.push(bytes);
      if (this.starts.length > this.windows) {
        this.starts.shift();
        this.bytes.shift();
      }
    }
  }

  /** The measured rate in bytes/s over the kept windows. */
  measured(): number {
    const nowMs = this.now();
    while (this.starts.length > 0 && nowMs - this.starts[0] > this.windows * this.windowMs) {
      this.starts.shift();
      this.bytes.shift();
    }
    if (this.starts.length === 0) return 0;
    let total = 0;
    for (const b of this.bytes) total += b;
    // Like Kafka's Rate, at least (windows - 1) windows of elapsed time count, so a burst at start
    // is not read as an enormous rate.
    const elapsedMs = Math.max(nowMs - this.starts[0], (this.windows - 1) * this.windowMs);
    return (total * 1000) / elapsedMs;
  }

  isExceeded(): boolean {
    return this.enabled && this.measured() > this.rate();
  }
}

/** Whether a topic's throttled-replicas list names this partition on this broker. */
export function listsReplica(list: readonly string[], partition: number, brokerId: number): boolean {
  if (list.length === 0) return false;
  if (list.length === 1 && list[0].trim() === '*') return true;
  const wanted = `${partition}:${brokerId}`;
  return list.some((e) => e.trim() === wanted);
}
